"""The two milestone imports (Clearinghouse-style and AAMC-style): what they derive, all or
nothing with every row error named, the command and the upload page."""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.test import Client
from django.urls import reverse

from equityhub.accounts.models import Role, User
from equityhub.audit.models import AuditEntry
from equityhub.core.exceptions import NotAllowed, ServiceError
from equityhub.people.models import Person
from equityhub.programs.imports_outcomes import (
    ImportFailed,
    RowError,
    aamc_date,
    import_aamc,
    import_clearinghouse,
    import_milestones,
    is_bachelors,
    is_stem,
)
from equityhub.programs.models import Application, Cycle, Milestone, Program
from tests.factories import PersonFactory
from tests.programs.test_funnel import applicants, comparison_group, make_cycle

pytestmark = pytest.mark.django_db
A = Application.Status

NSC_HEADER = (
    "Your Unique Identifier,First Name,Last Name,College Name,Enrollment Begin,Enrollment End,"
    "Graduated?,Graduation Date,Degree Title,Major"
)
AAMC_HEADER = (
    "AAMC ID,Email,Last Name,First Name,Application Year,Applied,Accepted,Matriculated,"
    "Medical School"
)


@pytest.fixture(autouse=True)
def frozen() -> Iterator[None]:
    with time_machine.travel(dt.datetime(2025, 6, 15, 12, tzinfo=dt.UTC), tick=False):
        yield


@pytest.fixture(autouse=True)
def media(settings: Any, tmp_path: Path) -> None:
    """Uploads waiting for confirmation go to a temporary directory."""
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def alumni(program: Program) -> list[Person]:
    cycle: Cycle = make_cycle(program, 2018)
    return applicants(cycle, A.ENROLLED, 3)


def csv_bytes(header: str, *lines: str, bom: bool = True) -> bytes:
    text = "\r\n".join([header, *lines]) + "\r\n"
    return (b"\xef\xbb\xbf" if bom else b"") + text.encode()


def clearinghouse_file(alumni: list[Person]) -> bytes:
    ana, ben, cruz = alumni
    slu, stlcc = "Saint Louis University", "St. Louis Community College"
    return csv_bytes(
        NSC_HEADER,
        f"{ana.pk},Ana,Diaz,{slu},20190826,20191215,N,,,Biology",
        f"{ana.pk},Ana,Diaz,{slu},20200113,20230510,Y,20230520,BACHELOR OF SCIENCE,BIOLOGY",
        f"{ana.pk},Ana,Diaz,{stlcc},20180820,20181215,Y,20190515,ASSOCIATE OF ARTS,General",
        f"{ben.email.upper()},Ben,Lee,Harris-Stowe State University,2019-08-20,2020-05-10,N,,,"
        "English",
        f"{cruz.email},Cruz,Ortiz,Washington University,20190826,20230515,Y,20230519,BA,"
        "Mathematics & Statistics",
    )


# -- the Clearinghouse -----------------------------------------------------------------------


def test_a_clearinghouse_file_gives_college_entry_degree_and_stem_major(
    alumni: list[Person], coordinator: User
) -> None:
    result = import_clearinghouse(actor=coordinator, file=clearinghouse_file(alumni))
    ana, ben, cruz = alumni
    found = {(m.person_id, m.kind): (m.achieved_on, m.detail) for m in Milestone.objects.all()}
    assert found == {
        # The earliest enrollment, even at another college.
        (ana.pk, "college_entry"): (dt.date(2018, 8, 20), "St. Louis Community College"),
        # The associate's degree is not a bachelor's.
        (ana.pk, "degree"): (
            dt.date(2023, 5, 20),
            "BACHELOR OF SCIENCE, Saint Louis University",
        ),
        (ana.pk, "stem_major"): (dt.date(2019, 8, 26), "Biology"),
        (ben.pk, "college_entry"): (dt.date(2019, 8, 20), "Harris-Stowe State University"),
        (cruz.pk, "college_entry"): (dt.date(2019, 8, 26), "Washington University"),
        (cruz.pk, "degree"): (dt.date(2023, 5, 19), "BA, Washington University"),
        (cruz.pk, "stem_major"): (dt.date(2019, 8, 26), "Mathematics & Statistics"),
    }
    assert {m.source for m in Milestone.objects.all()} == {"clearinghouse"}
    assert {m.confidence for m in Milestone.objects.all()} == {"high"}
    assert (result.rows, result.people, result.created, result.updated) == (5, 3, 7, 0)
    assert result.by_kind == {"college_entry": 3, "degree": 2, "stem_major": 2}
    entry = AuditEntry.objects.get(action="programs.milestones.imported")
    assert entry.data["created"] == 7
    assert entry.data["format"] == "clearinghouse"


def test_importing_again_leaves_what_did_not_change_and_updates_what_did(
    alumni: list[Person], coordinator: User
) -> None:
    import_clearinghouse(actor=coordinator, file=clearinghouse_file(alumni))
    again = import_clearinghouse(actor=coordinator, file=clearinghouse_file(alumni))
    assert (again.created, again.updated, again.unchanged) == (0, 0, 7)
    ana = alumni[0]
    later = csv_bytes(
        NSC_HEADER,
        f"{ana.pk},Ana,Diaz,Saint Louis University,20200113,20230510,Y,20230521,BS,Biology",
    )
    result = import_clearinghouse(actor=coordinator, file=later)
    assert (result.created, result.updated) == (0, 3)
    assert Milestone.objects.get(person=ana, kind="degree").achieved_on == dt.date(2023, 5, 21)
    assert Milestone.objects.count() == 7  # nothing deleted


def test_a_dry_run_counts_and_writes_nothing(alumni: list[Person], coordinator: User) -> None:
    result = import_clearinghouse(actor=coordinator, file=clearinghouse_file(alumni), dry_run=True)
    assert result.dry_run and result.created == 7
    assert result.preview[0].name
    assert not Milestone.objects.exists()
    assert not AuditEntry.objects.filter(action="programs.milestones.imported").exists()


def test_rows_marked_not_found_are_skipped(alumni: list[Person], coordinator: User) -> None:
    data = csv_bytes(
        "Your Unique Identifier,Record Found Y/N,College Name,Enrollment Begin,Enrollment End,"
        "Graduated?,Graduation Date,Degree Title,Major",
        f"{alumni[0].pk},N,,,,,,,",
        f"{alumni[1].pk},Y,Meramec Valley College,20190820,,N,,,",
    )
    result = import_clearinghouse(actor=coordinator, file=data)
    assert result.created == 1
    assert Milestone.objects.get().person == alumni[1]


def test_a_broken_clearinghouse_file_names_every_error_and_writes_nothing(
    alumni: list[Person], coordinator: User
) -> None:
    ana, ben, _cruz = alumni
    stranger = PersonFactory()
    data = csv_bytes(
        NSC_HEADER,
        f"{ana.pk},Ana,Diaz,SLU,20190826,20230510,Y,20230520,BS,Biology",  # good
        "nobody@example.org,No,Body,SLU,20190826,,N,,,",
        f"{ben.pk},Ben,Lee,SLU,2019-13-01,,Maybe,,,",
        f"{ben.pk},Ben,Lee,SLU,20190826,20180101,Y,,BS,",
        f"{stranger.pk},Stranger,X,SLU,20190826,,N,,,",
        ",,,SLU,20190826,,N,,,",
        f"{ana.pk},Ana,Diaz,SLU,,,N,,,",  # blank dates are fine when not graduated
    )
    with pytest.raises(ImportFailed) as failure:
        import_clearinghouse(actor=coordinator, file=data)
    errors = [(e.row, e.column) for e in failure.value.errors]
    assert errors == [
        (2, "Your Unique Identifier"),
        (3, "Enrollment Begin"),
        (3, "Graduated?"),
        (4, "Enrollment End"),
        (4, "Graduation Date"),
        (5, "Your Unique Identifier"),
        (6, "Your Unique Identifier"),
    ]
    reasons = [e.reason for e in failure.value.errors]
    assert reasons[0].startswith("Unknown person")
    assert "not a date" in reasons[1]
    assert "Write Y or N" in reasons[2]
    assert "ends before it begins" in reasons[3]
    assert "applied to a program" in reasons[5]
    assert not Milestone.objects.exists()
    assert "7 problems; nothing was imported." in failure.value.message


def test_missing_columns_are_each_named(alumni: list[Person], coordinator: User) -> None:
    data = csv_bytes("Your Unique Identifier,Enrollment Begin", f"{alumni[0].pk},20190826")
    with pytest.raises(ImportFailed) as failure:
        import_clearinghouse(actor=coordinator, file=data)
    missing = {e.column for e in failure.value.errors}
    assert missing == {
        "College Name",
        "Enrollment End",
        "Graduated?",
        "Graduation Date",
        "Degree Title",
        "Major",
    }
    assert all(e.row is None for e in failure.value.errors)
    assert str(failure.value.errors[0]).startswith("the file, column College Name:")


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (b"\xff\xfe\x00bad", "not UTF-8"),
        (b"PK\x03\x04rest", "spreadsheet"),
        (b"", "name the columns"),
        (b"a;b;c\r\n1;2;3\r\n", "semicolons"),
        (b"Major,major\r\n", "appears twice"),
        (b'"unterminated\r\n', None),
    ],
)
def test_a_file_that_is_not_a_readable_csv_is_refused(
    coordinator: User, data: bytes, reason: str | None
) -> None:
    with pytest.raises(ImportFailed) as failure:
        import_clearinghouse(actor=coordinator, file=data)
    if reason:
        assert reason in failure.value.errors[0].reason


def test_a_file_can_be_text_or_an_open_file(alumni: list[Person], coordinator: User) -> None:
    data = clearinghouse_file(alumni)
    as_text = import_clearinghouse(actor=coordinator, file=data.decode("utf-8"), dry_run=True)
    as_file = import_clearinghouse(actor=coordinator, file=io.BytesIO(data), dry_run=True)
    assert as_text.created == as_file.created == 7
    with pytest.raises(ImportFailed):
        import_clearinghouse(actor=coordinator, file=12345)  # type: ignore[arg-type]


def test_rows_can_be_given_instead_of_a_file(alumni: list[Person], coordinator: User) -> None:
    rows = [
        {
            "Your Unique Identifier": str(alumni[0].pk),
            "College Name": "SLU",
            "Enrollment Begin": "20190826",
            "Enrollment End": "",
            "Graduated?": "N",
            "Graduation Date": "",
            "Degree Title": "",
            "Major": "Neuroscience",
        }
    ]
    result = import_clearinghouse(actor=coordinator, rows=rows)
    assert result.by_kind == {"college_entry": 1, "stem_major": 1}
    with pytest.raises(ServiceError):
        import_clearinghouse(actor=coordinator)
    with pytest.raises(ServiceError):
        import_milestones(actor=coordinator, format="csv", rows=rows)


def test_only_staff_import(
    alumni: list[Person], member: User, make_user: Callable[..., User]
) -> None:
    for user in (member, make_user(Role.LEADERSHIP_VIEWER)):
        with pytest.raises(NotAllowed):
            import_clearinghouse(actor=user, file=clearinghouse_file(alumni))


@pytest.mark.parametrize(
    ("major", "stem"),
    [
        ("BIOLOGY", True),
        ("Biological Sciences", True),
        ("Computer Science", True),
        ("Chemical Engineering", True),
        ("Mathematics & Statistics", True),
        ("Physics", True),
        ("Neuroscience", True),
        ("26.0101", True),
        ("11", True),
        ("51.3801", False),  # registered nursing
        ("Physical Therapy", False),
        ("English", False),
        ("Psychology", False),
        ("", False),
    ],
)
def test_stem_majors_follow_the_documented_list(major: str, stem: bool) -> None:
    assert is_stem(major) is stem


@pytest.mark.parametrize(
    ("title", "bachelors"),
    [
        ("BACHELOR OF SCIENCE", True),
        ("B.S.", True),
        ("BA", True),
        ("", True),
        ("UNDERGRADUATE DEGREE", True),
        ("ASSOCIATE OF ARTS", False),
        ("A.A.S.", False),
        ("MASTER OF PUBLIC HEALTH", False),
        ("M.D.", False),
        ("CERTIFICATE", False),
    ],
)
def test_only_bachelors_degrees_count(title: str, bachelors: bool) -> None:
    assert is_bachelors(title) is bachelors


# -- AAMC ------------------------------------------------------------------------------------


def test_an_aamc_file_gives_applied_admitted_and_matriculated_on_the_documented_dates(
    alumni: list[Person], coordinator: User
) -> None:
    ana, ben, _cruz = alumni
    data = csv_bytes(
        AAMC_HEADER,
        f"12345678,{ana.email},Diaz,Ana,2023,Y,N,N,",
        f"12345678,{ana.email.upper()},Diaz,Ana,2024,Y,Y,Y,"
        "Saint Louis University School of Medicine",
        f",{ben.email},Lee,Ben,2024,Y,Y,N,Washington University School of Medicine",
    )
    result = import_aamc(actor=coordinator, file=data)
    found = {(m.person_id, m.kind): m.achieved_on for m in Milestone.objects.all()}
    assert found == {
        (ana.pk, "applied_med"): dt.date(2022, 10, 15),  # the earliest year's
        (ana.pk, "admitted_med"): dt.date(2024, 3, 1),
        (ana.pk, "matriculated"): dt.date(2024, 8, 1),
        (ben.pk, "applied_med"): dt.date(2023, 10, 15),
        (ben.pk, "admitted_med"): dt.date(2024, 3, 1),
    }
    assert {m.source for m in Milestone.objects.all()} == {"aamc"}
    matriculated = Milestone.objects.get(kind="matriculated")
    assert "Saint Louis University School of Medicine" in matriculated.detail
    assert result.created == 5
    assert aamc_date("applied_med", 2026) == dt.date(2025, 10, 15)


def test_a_broken_aamc_file_names_every_error_and_writes_nothing(
    alumni: list[Person], coordinator: User
) -> None:
    ana = alumni[0]
    data = csv_bytes(
        AAMC_HEADER,
        f",{ana.email},Diaz,Ana,2024,Y,Y,Y,SLU",  # good
        ",nobody@example.org,X,Y,2024,Y,N,N,",
        f",{ana.email},Diaz,Ana,24,Y,N,N,",
        f",{ana.email},Diaz,Ana,2024,yes,perhaps,N,",
        f",{ana.email},Diaz,Ana,2024,N,Y,N,",
        f",{ana.email},Diaz,Ana,2024,Y,N,Y,",
        ",,X,Y,2024,Y,N,N,",
        bom=False,
    )
    with pytest.raises(ImportFailed) as failure:
        import_aamc(actor=coordinator, file=data)
    assert [(e.row, e.column) for e in failure.value.errors] == [
        (2, "Email"),
        (3, "Application Year"),
        (4, "Accepted"),
        (5, "Accepted"),
        (6, "Matriculated"),
        (7, "Email"),
    ]
    assert "Accepted is Y but Applied is N." in failure.value.errors[3].reason
    assert not Milestone.objects.exists()


def test_an_aamc_file_without_its_required_columns_is_refused(coordinator: User) -> None:
    with pytest.raises(ImportFailed) as failure:
        import_aamc(actor=coordinator, file=csv_bytes("email,applied", "a@b.org,Y"))
    assert {e.column for e in failure.value.errors} == {
        "Application Year",
        "Accepted",
        "Matriculated",
    }


def test_comparison_group_members_can_be_imported(program: Program, coordinator: User) -> None:
    peer = PersonFactory()
    comparison_group(program, 2018, [peer])
    data = csv_bytes(AAMC_HEADER, f",{peer.email},P,Q,2022,Y,N,N,")
    assert import_aamc(actor=coordinator, file=data).created == 1


def test_the_import_error_answers_in_the_api_shape() -> None:
    failure = ImportFailed([RowError(3, "Applied", "Write Y or N.")])
    body = failure.as_dict()
    assert body["code"] == "import_failed"
    assert body["errors"] == [{"row": 3, "column": "Applied", "reason": "Write Y or N."}]


# -- the command -----------------------------------------------------------------------------


def test_the_command_imports_a_file(alumni: list[Person], tmp_path: Path) -> None:
    path = tmp_path / "nsc.csv"
    path.write_bytes(clearinghouse_file(alumni))
    out = io.StringIO()
    call_command(
        "import-milestones", str(path), "--format", "clearinghouse", "--dry-run", stdout=out
    )
    assert "Dry run, nothing written" in out.getvalue()
    assert not Milestone.objects.exists()
    call_command("import-milestones", str(path), "--format", "clearinghouse", stdout=out)
    assert "7 milestone(s) recorded" in out.getvalue()
    assert Milestone.objects.count() == 7


def test_the_command_lists_every_problem_and_fails(alumni: list[Person], tmp_path: Path) -> None:
    path = tmp_path / "aamc.csv"
    path.write_bytes(
        csv_bytes(AAMC_HEADER, ",nobody@example.org,X,Y,2024,Y,N,N,", ",x@y.org,X,Y,1800,Y,N,N,")
    )
    err = io.StringIO()
    with pytest.raises(CommandError, match="problem"):
        call_command("import-milestones", str(path), "--format", "aamc", stderr=err)
    assert "row 1, column Email" in err.getvalue()
    assert "row 2, column Application Year" in err.getvalue()
    with pytest.raises(CommandError, match="Cannot read"):
        call_command("import-milestones", str(tmp_path / "missing.csv"), "--format", "aamc")


# -- the upload page -------------------------------------------------------------------------


def upload(client: Client, data: bytes, fmt: str = "clearinghouse") -> Any:
    return client.post(
        reverse("programs:outcomes_import"),
        {"format": fmt, "file": SimpleUploadedFile("nsc.csv", data, content_type="text/csv")},
    )


def test_staff_upload_preview_and_confirm_an_import(
    client_for: Callable[[User], Client], coordinator: User, alumni: list[Person]
) -> None:
    client = client_for(coordinator)
    assert client.get(reverse("programs:outcomes_import")).status_code == 200
    preview = upload(client, clearinghouse_file(alumni))
    assert preview.status_code == 200
    text = preview.content.decode()
    assert 'data-count="created">7<' in text
    assert not Milestone.objects.exists()
    token = preview.context["token"]
    confirm = reverse("programs:outcomes_import_confirm", args=[token])
    assert client.get(confirm).status_code == 200
    response = client.post(confirm)
    assert response.status_code == 302
    assert Milestone.objects.count() == 7
    assert client.post(confirm).status_code == 404  # used up


def test_an_upload_with_errors_lists_them_and_offers_no_confirmation(
    client_for: Callable[[User], Client], coordinator: User, alumni: list[Person]
) -> None:
    data = csv_bytes(NSC_HEADER, "nobody@example.org,No,Body,SLU,20190826,,Maybe,,,")
    response = upload(client_for(coordinator), data)
    text = response.content.decode()
    assert response.context["token"] is None
    assert "The file has 2 errors." in text
    assert "Unknown person" in text and "Write Y or N" in text


def test_an_upload_is_confirmed_only_by_whoever_uploaded_it(
    client_for: Callable[[User], Client],
    coordinator: User,
    admin_user: User,
    alumni: list[Person],
) -> None:
    token = upload(client_for(coordinator), clearinghouse_file(alumni)).context["token"]
    other = client_for(admin_user)
    assert other.post(reverse("programs:outcomes_import_confirm", args=[token])).status_code == 404
    assert (
        other.get(reverse("programs:outcomes_import_confirm", args=["not-a-token"])).status_code
        == 404
    )
    assert not Milestone.objects.exists()


def test_an_upload_older_than_an_hour_is_refused(
    client_for: Callable[[User], Client], coordinator: User, alumni: list[Person]
) -> None:
    client = client_for(coordinator)
    token = upload(client, clearinghouse_file(alumni)).context["token"]
    with time_machine.travel(dt.datetime(2025, 6, 15, 14, tzinfo=dt.UTC), tick=False):
        response = client.post(reverse("programs:outcomes_import_confirm", args=[token]))
    assert response.status_code == 302
    assert response["Location"] == reverse("programs:outcomes_import")
    assert not Milestone.objects.exists()


def test_the_upload_page_is_staff_only(
    client_for: Callable[[User], Client],
    member: User,
    outsider: User,
    reviewer: User,
    make_user: Callable[..., User],
) -> None:
    for user in (member, outsider, reviewer, make_user(Role.LEADERSHIP_VIEWER)):
        assert client_for(user).get(reverse("programs:outcomes_import")).status_code == 403
