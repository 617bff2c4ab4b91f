from __future__ import annotations

import csv
import datetime as dt
import io
import re
from pathlib import Path

import pytest
import time_machine
from django.core.management import CommandError, call_command
from django.utils import timezone
from openpyxl import Workbook, load_workbook

from equityhub.audit.models import AuditEntry
from equityhub.people.imports import (
    CREATED,
    UNCHANGED,
    UPDATED,
    RowError,
    export_people,
    import_people,
)
from equityhub.people.models import Affiliation, Person, PersonLanguage
from equityhub.people.resources import COLUMNS, unescape_cell
from tests.factories import (
    AffiliationFactory,
    DemographicProfileFactory,
    LanguageFactory,
    OrganizationFactory,
    PersonFactory,
)

pytestmark = pytest.mark.django_db

HEADER = ",".join(COLUMNS)


@pytest.fixture
def bjc(db):
    return OrganizationFactory(name="Barnes-Jewish Hospital")


@pytest.fixture
def wustl(db):
    return OrganizationFactory(name="Washington University School of Medicine")


def csv_bytes(*rows: str, header: str = HEADER, bom: bool = False) -> bytes:
    text = "\r\n".join([header, *rows]) + "\r\n"
    return ("\ufeff" if bom else "").encode() + text.encode()


ANA = (
    "ana.lopez@example.org,Ana,López,Anita,she/her,+1 314 555 0100,2001-09-14,63110,"
    "Washington University School of Medicine,MD program,medical_student,es:native;en:native"
)
BEN = "ben@example.org,Ben,Okafor,,,,,63106,Barnes-Jewish Hospital,,resident,"


def run(data: bytes, actor=None, *, dry_run: bool = False, file_name: str = "people.csv"):
    return import_people(data=data, actor=actor, dry_run=dry_run, file_name=file_name)


# The service ---------------------------------------------------------------------------------


def test_an_import_creates_people_with_their_affiliation_and_languages(admin_user, wustl, bjc):
    report = run(csv_bytes(ANA, BEN), admin_user)

    assert report.errors == []
    assert report.written
    assert (report.created, report.updated, report.unchanged) == (2, 0, 0)
    ana = Person.objects.get(email="ana.lopez@example.org")
    assert ana.family_name == "López"
    assert ana.preferred_name == "Anita"
    assert ana.phone == "+1 314 555 0100"
    assert ana.date_of_birth == dt.date(2001, 9, 14)
    affiliation = ana.affiliations.get()
    assert affiliation.is_primary
    assert affiliation.organization == wustl
    assert affiliation.school_program == "MD program"
    assert affiliation.training_level == "medical_student"
    assert dict(ana.languages.values_list("language", "proficiency")) == {
        "en": "native",
        "es": "native",
    }
    ben = Person.objects.get(email="ben@example.org")
    assert ben.date_of_birth is None
    assert not ben.languages.exists()


def test_a_reimport_updates_by_email_whatever_its_case(admin_user, wustl, bjc):
    run(csv_bytes(ANA, BEN), admin_user)
    changed = ANA.replace("ana.lopez@example.org", "ANA.Lopez@Example.ORG").replace(
        "63110", "63108"
    )

    report = run(csv_bytes(changed, BEN), admin_user)

    assert (report.created, report.updated, report.unchanged) == (0, 1, 1)
    assert Person.objects.count() == 2 + 1  # the two imported, plus the admin's own person
    ana = Person.objects.get(email__iexact="ana.lopez@example.org")
    assert ana.home_zip == "63108"
    assert ana.email == "ana.lopez@example.org"  # the address's case alone is no change
    assert report.preview[0].action == UPDATED
    assert report.preview[0].changed == ("home_zip",)
    assert report.preview[1].action == UNCHANGED


def test_a_reimport_changes_the_primary_affiliation_and_languages(admin_user, wustl, bjc):
    run(csv_bytes(ANA), admin_user)
    moved = ANA.replace(
        "Washington University School of Medicine,MD program,medical_student,es:native;en:native",
        "Barnes-Jewish Hospital,Internal Medicine,resident,es:professional",
    )

    report = run(csv_bytes(moved), admin_user)

    assert report.updated == 1
    ana = Person.objects.get(email="ana.lopez@example.org")
    affiliation = ana.affiliations.get()
    assert (affiliation.organization, affiliation.school_program, affiliation.training_level) == (
        bjc,
        "Internal Medicine",
        "resident",
    )
    assert list(ana.languages.values_list("language", "proficiency")) == [("es", "professional")]


def test_an_existing_person_without_a_primary_affiliation_gets_one(admin_user, wustl):
    person = PersonFactory(email="ana.lopez@example.org")
    AffiliationFactory(person=person, organization=wustl, is_primary=False)

    run(csv_bytes(ANA), admin_user)

    assert person.affiliations.count() == 2
    assert person.affiliations.get(is_primary=True).training_level == "medical_student"


def test_a_missing_optional_column_leaves_that_field_alone(admin_user):
    person = PersonFactory(email="cam@example.org", given_name="Cam", family_name="Ng")
    LanguageFactory(person=person, language="vi", proficiency="native")

    report = run(csv_bytes("cam@example.org,Cameron,Ng", header="email,given_name,family_name"))

    assert report.updated == 1
    person.refresh_from_db()
    assert person.given_name == "Cameron"
    assert person.home_zip == "63110"
    assert person.date_of_birth == dt.date(1999, 5, 17)
    assert person.languages.count() == 1


def test_a_file_with_a_byte_order_mark_imports(admin_user, wustl, bjc):
    report = run(csv_bytes(ANA, BEN, bom=True), admin_user)

    assert report.errors == []
    assert report.created == 2


def test_an_xlsx_workbook_imports(admin_user, wustl):
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(list(COLUMNS))
    sheet.append(
        [
            "dee@example.org", "Dee", "Rao", "", "", 3145550123, dt.date(2000, 1, 2),
            63110, "Washington University School of Medicine", "", "faculty", "hi:native",
        ]
    )  # fmt: skip
    buffer = io.BytesIO()
    workbook.save(buffer)

    report = run(buffer.getvalue(), admin_user, file_name="people.xlsx")

    assert report.errors == []
    dee = Person.objects.get(email="dee@example.org")
    assert (dee.phone, dee.home_zip, dee.date_of_birth) == (
        "3145550123",
        "63110",
        dt.date(2000, 1, 2),
    )


def test_a_bad_row_names_its_row_and_column_and_nothing_is_written(admin_user, wustl, bjc):
    bad = BEN.replace("63106", "6310")

    report = run(csv_bytes(ANA, bad), admin_user)

    assert not report.written
    assert report.errors == [RowError(3, "home_zip", "Enter a five-digit ZIP code, e.g. 63110.")]
    assert not Person.objects.filter(
        email__in=["ana.lopez@example.org", "ben@example.org"]
    ).exists()
    assert not AuditEntry.objects.filter(action__startswith="people.import").exists()
    assert not AuditEntry.objects.filter(action="people.person.created").exists()


@pytest.mark.parametrize(
    ("column", "value", "message"),
    [
        ("email", "not-an-address", "valid email"),
        ("email", "", "required"),
        ("given_name", "", "cannot be blank"),
        ("date_of_birth", "14/09/2001", "YYYY-MM-DD"),
        ("training_level", "intern", "Unknown training level: “intern”"),
        ("languages", "xx:native", "Unknown language: “xx”"),
        ("languages", "es:fluent", "Unknown proficiency for es: “fluent”"),
        ("languages", "spanish", "language:proficiency"),
        ("languages", "es:basic;es:native", "listed twice"),
        ("organization", "Nowhere Clinic", "Unknown organization: “Nowhere Clinic”"),
        ("phone", "1" * 31, "at most 30 characters"),
    ],
)
@pytest.mark.usefixtures("wustl", "bjc")
def test_each_invalid_value_is_a_row_error_naming_its_column(admin_user, column, value, message):
    cells = dict(zip(COLUMNS, next(csv.reader([BEN])), strict=True))
    cells[column] = value
    row = ",".join(cells[name] for name in COLUMNS)

    report = run(csv_bytes(ANA, row), admin_user)

    assert [(e.row, e.column) for e in report.errors] == [(3, column)]
    assert message in report.errors[0].message
    assert Person.objects.count() == 1


def test_a_future_date_of_birth_is_refused(admin_user, wustl, bjc):
    tomorrow = timezone.localdate() + dt.timedelta(days=1)
    row = BEN.replace(",,,63106", f",,{tomorrow:%Y-%m-%d},63106")

    report = run(csv_bytes(row), admin_user)

    assert report.errors == [RowError(2, "date_of_birth", "The date of birth is in the future.")]


def test_an_organization_needs_a_training_level_and_a_level_needs_an_organization(admin_user, bjc):
    no_level = BEN.replace("resident", "")
    no_org = BEN.replace("ben@", "bea@").replace("Barnes-Jewish Hospital", "")

    report = run(csv_bytes(no_level, no_org), admin_user)

    assert [(e.row, e.column) for e in report.errors] == [
        (2, "training_level"),
        (3, "organization"),
    ]


def test_one_row_reports_all_its_errors_at_once(admin_user, bjc):
    row = (
        BEN.replace("Ben", "")
        .replace("63106", "abc")
        .replace("Barnes-Jewish Hospital", "Nowhere")
        .replace("resident", "intern")
    )

    report = run(csv_bytes(row), admin_user)

    assert [e.column for e in report.errors] == [
        "given_name",
        "home_zip",
        "organization",
        "training_level",
    ]
    assert "Unknown organization" in report.errors[2].message


def test_a_duplicate_email_in_the_file_names_both_rows(admin_user, wustl, bjc):
    twin = BEN.replace("ben@example.org", "BEN@example.org")

    report = run(csv_bytes(BEN, ANA, twin), admin_user)

    assert len(report.errors) == 1
    error = report.errors[0]
    assert (error.row, error.column) == (4, "email")
    assert "rows 2 and 4" in error.message
    assert Person.objects.count() == 1


def test_a_header_without_required_columns_is_one_file_error(admin_user):
    report = run(csv_bytes("Ana,López", "Ben,Okafor", header="given_name,phone"), admin_user)

    assert len(report.errors) == 1
    assert report.errors[0].row == 1
    assert "email, family_name" in report.errors[0].message


def test_an_affiliation_column_needs_the_organization_and_training_level(admin_user):
    report = run(csv_bytes(header="email,given_name,family_name,school_program"), admin_user)

    assert report.errors[0].column == "organization, training_level"


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (b"", "The file is empty."),
        (b"email;given_name;family_name\r\n", "semicolons"),
        (csv_bytes(header="email,email,given_name,family_name"), "appears twice"),
        (
            "email,given_name,family_name\r\nzo\xe9@example.org,Zo\xe9,X\r\n".encode("latin-1"),
            "UTF-8",
        ),
        (b"PK\x03\x04 not really a workbook", "XLSX"),
    ],
)
def test_an_unreadable_file_is_one_clear_error(admin_user, data, expected):
    report = run(data, admin_user)

    assert len(report.errors) == 1
    assert expected in report.errors[0].message
    assert not report.written


def test_unknown_columns_are_ignored_and_reported(admin_user):
    report = run(
        csv_bytes("eve@example.org,Eve,Park,yes", header="email,given_name,family_name,race_asian"),
        admin_user,
    )

    assert report.ignored_columns == ["race_asian"]
    assert report.created == 1
    assert not hasattr(Person.objects.get(email="eve@example.org"), "demographics")


def test_blank_rows_are_skipped_but_still_counted_in_row_numbers(admin_user, wustl, bjc):
    report = run(csv_bytes(ANA, ",,,,,,,,,,,", BEN.replace("63106", "x")), admin_user)

    assert [e.row for e in report.errors] == [4]


def test_a_row_longer_than_the_header_is_an_error(admin_user):
    report = run(
        csv_bytes("fay@example.org,Fay,Ito,surplus", header="email,given_name,family_name")
    )

    assert report.errors[0].row == 2
    assert "more cells" in report.errors[0].message


def test_a_dry_run_reports_and_writes_nothing(admin_user, wustl, bjc):
    before = AuditEntry.objects.count()

    report = run(csv_bytes(ANA, BEN), admin_user, dry_run=True)

    assert (report.created, report.updated, report.unchanged) == (2, 0, 0)
    assert not report.written
    assert [row.action for row in report.preview] == [CREATED, CREATED]
    assert Person.objects.count() == 1
    assert not Affiliation.objects.exists()
    assert AuditEntry.objects.count() == before


def test_an_import_writes_one_summary_and_one_entry_per_changed_person(admin_user, wustl, bjc):
    run(csv_bytes(ANA), admin_user)

    run(csv_bytes(ANA.replace("Anita", "Ani"), BEN), admin_user, file_name="second.csv")

    summaries = AuditEntry.objects.filter(action="people.import.completed").order_by("id")
    assert [entry.data for entry in summaries] == [
        {"file_name": "people.csv", "created": 1, "updated": 0, "unchanged": 0},
        {"file_name": "second.csv", "created": 1, "updated": 1, "unchanged": 0},
    ]
    assert summaries[1].actor_id == admin_user.pk
    updated = AuditEntry.objects.get(action="people.person.updated")
    assert updated.changes == {"preferred_name": ["Anita", "Ani"]}
    assert updated.data == {"import": "second.csv", "row": 2}
    assert AuditEntry.objects.filter(action="people.person.created").count() == 2


def test_the_import_writes_in_bulk(admin_user, wustl, bjc, django_assert_max_num_queries):
    rows = [
        f"p{n}@example.org,Given{n},Family{n},,,,,63110,Barnes-Jewish Hospital,,resident,es:basic"
        for n in range(300)
    ]
    with django_assert_max_num_queries(40):
        report = run(csv_bytes(*rows), admin_user)
    assert report.created == 300


def test_unescape_strips_one_quote_only_before_a_dangerous_character():
    assert unescape_cell("'+1 314 555 0100") == "+1 314 555 0100"
    assert unescape_cell("''=x") == "''=x"
    assert unescape_cell("'Tis") == "'Tis"
    assert unescape_cell("O'Brien") == "O'Brien"


def test_a_phone_escaped_by_the_export_reimports_unescaped(admin_user, bjc):
    report = run(csv_bytes(BEN.replace(",,,,,63106", ",,,'+1 314 555 0100,,63106")), admin_user)

    assert report.errors == []
    assert Person.objects.get(email="ben@example.org").phone == "+1 314 555 0100"


# Export ------------------------------------------------------------------------------------


def export_csv(actor=None, queryset=None) -> str:
    stream = io.StringIO()
    export_people(
        people_queryset=queryset if queryset is not None else Person.objects.order_by("id"),
        stream=stream,
        fmt="csv",
        actor=actor,
    )
    return stream.getvalue()


def test_the_export_writes_the_import_columns_and_escapes_dangerous_cells(admin_user, wustl):
    person = PersonFactory(
        email="gil@example.org", given_name="=HYPERLINK(1)", family_name="-Moss", phone="+1 314"
    )
    AffiliationFactory(person=person, organization=wustl, is_primary=True)
    DemographicProfileFactory(person=person)

    rows = list(csv.reader(io.StringIO(export_csv(admin_user))))

    assert rows[0] == list(COLUMNS)
    gil = next(row for row in rows if row[0] == "gil@example.org")
    assert gil[1:3] == ["'=HYPERLINK(1)", "'-Moss"]
    assert gil[5] == "'+1 314"
    assert gil[8:11] == [
        "Washington University School of Medicine",
        "MD program",
        "medical_student",
    ]
    # No demographic column and no demographic value as a cell (a substring test would trip
    # over a generated name such as "Tracey").
    exported = list(csv.reader(io.StringIO(export_csv())))
    assert not [column for column in exported[0] if "race" in column or "gender" in column]
    assert all("woman" not in row for row in exported)
    entry = AuditEntry.objects.filter(action="people.export.created").first()
    assert entry.data == {"rows": 2, "format": "csv", "filters": {}}


def test_an_export_reimports_unchanged(admin_user, wustl, bjc):
    run(csv_bytes(ANA, BEN), admin_user)
    tricky = PersonFactory(email="hal@example.org", given_name="@hal", phone="+44 20", pronouns="")
    LanguageFactory(person=tricky, language="ase", proficiency="basic")
    people = Person.objects.count()

    report = run(export_csv(admin_user).encode(), admin_user)

    assert report.errors == []
    assert (report.created, report.updated, report.unchanged) == (0, 0, people)
    assert Person.objects.get(email="hal@example.org").given_name == "@hal"


def test_an_xlsx_export_keeps_the_escape_and_reimports_unchanged(admin_user, wustl):
    run(csv_bytes(ANA), admin_user)
    PersonFactory(email="ivy@example.org", family_name="=1+1", phone="-5")
    buffer = io.BytesIO()

    count = export_people(
        people_queryset=Person.objects.all(), stream=buffer, fmt="xlsx", actor=admin_user
    )

    sheet = load_workbook(io.BytesIO(buffer.getvalue())).worksheets[0]
    cells = {row[0]: row for row in sheet.iter_rows(min_row=2, values_only=True)}
    assert cells["ivy@example.org"][2] == "'=1+1"
    assert cells["ivy@example.org"][5] == "'-5"
    assert cells["ana.lopez@example.org"][5] == "'+1 314 555 0100"
    report = run(buffer.getvalue(), admin_user, file_name="people.xlsx")
    assert report.errors == []
    assert (report.created, report.updated, report.unchanged) == (0, 0, count)


def test_the_export_reads_a_thousand_people_in_a_few_queries(
    admin_user, wustl, django_assert_max_num_queries
):
    people = PersonFactory.create_batch(120)
    for person in people:
        AffiliationFactory(person=person, organization=wustl, is_primary=True)
        LanguageFactory(person=person)
    with django_assert_max_num_queries(8):
        text = export_csv(admin_user)
    assert len(text.splitlines()) == 1 + 121


# Commands ----------------------------------------------------------------------------------


def test_the_import_command_imports_a_file(tmp_path: Path, wustl, bjc):
    path = tmp_path / "people.csv"
    path.write_bytes(csv_bytes(ANA, BEN))
    out = io.StringIO()

    call_command("import-people", str(path), stdout=out)

    assert "2 created, 0 updated, 0 unchanged" in out.getvalue()
    assert Person.objects.count() == 2


def test_the_import_command_dry_run_writes_nothing(tmp_path: Path, wustl, bjc):
    path = tmp_path / "people.csv"
    path.write_bytes(csv_bytes(ANA, BEN))
    out = io.StringIO()

    call_command("import-people", str(path), "--dry-run", stdout=out)

    assert "Dry run" in out.getvalue()
    assert not Person.objects.exists()


def test_the_import_command_lists_errors_and_fails(tmp_path: Path, wustl, bjc):
    path = tmp_path / "people.csv"
    path.write_bytes(csv_bytes(ANA, BEN.replace("resident", "intern")))
    err = io.StringIO()

    with pytest.raises(CommandError, match=r"1 error\(s\) in people.csv; nothing was written"):
        call_command("import-people", str(path), stderr=err)

    assert re.search(r"row 3, column training_level: Unknown training level", err.getvalue())
    assert not Person.objects.exists()


def test_the_import_command_names_its_actor_in_the_audit_log(tmp_path: Path, admin_user, bjc):
    path = tmp_path / "people.csv"
    path.write_bytes(csv_bytes(BEN))

    call_command("import-people", str(path), "--actor", admin_user.email, stdout=io.StringIO())

    assert AuditEntry.objects.get(action="people.import.completed").actor_id == admin_user.pk


def test_the_import_command_refuses_a_missing_file(tmp_path: Path):
    with pytest.raises(CommandError, match="Cannot read"):
        call_command("import-people", str(tmp_path / "nope.csv"))


def test_the_export_command_writes_a_file_the_import_reads_unchanged(tmp_path: Path, wustl, bjc):
    run(csv_bytes(ANA, BEN))
    for name in ("people.csv", "people.xlsx"):
        path = tmp_path / name
        out = io.StringIO()

        call_command("export-people", str(path), stdout=out)

        assert "Exported 2 people" in out.getvalue()
        report = run(path.read_bytes(), file_name=name)
        assert (report.created, report.updated, report.unchanged) == (0, 0, 2)


# Pages -------------------------------------------------------------------------------------


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


def upload(client, data: bytes, name: str = "people.csv"):
    file = io.BytesIO(data)
    file.name = name
    return client.post("/people/import/", {"file": file})


def token_of(response) -> str:
    match = re.search(rb'action="/people/import/([A-Za-z0-9_-]+)/"', response.content)
    assert match, response.content.decode()
    return match.group(1).decode()


def test_an_admin_uploads_previews_and_confirms(admin_user, client_for, media, wustl, bjc):
    client = client_for(admin_user)
    assert client.get("/people/import/").status_code == 200

    preview = upload(client, csv_bytes(ANA, BEN))

    assert preview.status_code == 200
    assert b"ana.lopez@example.org" in preview.content
    assert b'data-count="created">2<' in preview.content
    assert not Person.objects.filter(email="ben@example.org").exists()
    token = token_of(preview)
    assert client.get(f"/people/import/{token}/").status_code == 200

    done = client.post(f"/people/import/{token}/")

    assert done.status_code == 302
    assert done["Location"] == "/people/"
    assert Person.objects.filter(email="ben@example.org").exists()
    assert not list(media.joinpath("imports").iterdir())
    assert client.post(f"/people/import/{token}/").status_code == 404


def test_confirming_through_htmx_redirects_the_page(admin_user, client_for, media, bjc):
    client = client_for(admin_user)
    token = token_of(upload(client, csv_bytes(BEN)))

    response = client.post(f"/people/import/{token}/", headers={"HX-Request": "true"})

    assert response.status_code == 200
    assert response["HX-Redirect"] == "/people/"


def test_a_file_with_errors_shows_them_and_cannot_be_confirmed(admin_user, client_for, media, bjc):
    response = upload(client_for(admin_user), csv_bytes(BEN.replace("63106", "631")))

    assert response.status_code == 200
    assert b"five-digit ZIP code" in response.content
    assert b"import-confirm" not in response.content
    assert b'action="/people/import/' not in response.content
    assert not media.joinpath("imports").exists()


def test_a_file_over_the_size_limit_is_refused(admin_user, client_for, media, settings):
    settings.IMPORT_MAX_BYTES = 10

    response = upload(client_for(admin_user), csv_bytes(BEN))

    assert b"larger than" in response.content
    assert not media.joinpath("imports").exists()


def test_someone_else_cannot_confirm_an_upload(admin_user, coordinator, client_for, media, bjc):
    token = token_of(upload(client_for(admin_user), csv_bytes(BEN)))

    assert client_for(coordinator).post(f"/people/import/{token}/").status_code == 404
    assert client_for(coordinator).get(f"/people/import/{token}/").status_code == 404
    assert client_for(admin_user).get("/people/import/../../etc/").status_code == 404
    assert not Person.objects.filter(email="ben@example.org").exists()


def test_an_upload_older_than_an_hour_is_refused(admin_user, client_for, media, bjc):
    client = client_for(admin_user)
    token = token_of(upload(client, csv_bytes(BEN)))

    with time_machine.travel(timezone.now() + dt.timedelta(hours=1, minutes=1)):
        response = client.post(f"/people/import/{token}/")

    assert response.status_code == 302
    assert response["Location"] == "/people/import/"
    assert not Person.objects.filter(email="ben@example.org").exists()
    assert not list(media.joinpath("imports").iterdir())


@pytest.mark.parametrize("url", ["/people/import/", "/people/export/", "/people/import/x/"])
def test_members_and_outsiders_are_refused(member, outsider, client_for, url):
    for user in (member, outsider):
        assert client_for(user).get(url).status_code == 403


def test_the_export_page_honours_the_directory_filters(admin_user, client_for, wustl, bjc):
    for n, organization in enumerate([wustl, wustl, bjc]):
        AffiliationFactory(organization=organization, person__email=f"x{n}@example.org")

    response = client_for(admin_user).get(f"/people/export/?organization={wustl.pk}")

    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    text = response.content.decode("utf-8-sig")
    emails = [row[0] for row in csv.reader(io.StringIO(text))][1:]
    assert sorted(emails) == ["x0@example.org", "x1@example.org"]
    entry = AuditEntry.objects.get(action="people.export.created")
    assert entry.data == {"rows": 2, "format": "csv", "filters": {"organization_id": wustl.pk}}
    assert entry.actor_id == admin_user.pk


def test_the_export_page_writes_xlsx(admin_user, client_for):
    response = client_for(admin_user).get("/people/export/?format=xlsx")

    assert response.status_code == 200
    assert response["Content-Disposition"].endswith('.xlsx"')
    sheet = load_workbook(io.BytesIO(response.content)).worksheets[0]
    assert [cell.value for cell in next(sheet.iter_rows(max_row=1))] == list(COLUMNS)


def test_the_export_page_refuses_invalid_filters(admin_user, client_for):
    assert client_for(admin_user).get("/people/export/?organization=999999").status_code == 400


def test_a_coordinator_may_import_and_export(coordinator, client_for):
    assert client_for(coordinator).get("/people/import/").status_code == 200
    assert client_for(coordinator).get("/people/export/").status_code == 200


def test_languages_are_exported_sorted(admin_user):
    person = PersonFactory(email="jo@example.org")
    PersonLanguage.objects.create(person=person, language="es", proficiency="basic")
    PersonLanguage.objects.create(person=person, language="ar", proficiency="native")

    rows = {row[0]: row for row in csv.reader(io.StringIO(export_csv()))}

    assert rows["jo@example.org"][11] == "ar:native;es:basic"
