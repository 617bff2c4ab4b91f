"""Importing indicator values (`import_indicators`, `equityhub import-indicators`), on the shared
St. Louis ACS tables and on broken files."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from equityhub.accounts.models import User
from equityhub.audit.models import AuditEntry
from equityhub.core.exceptions import NotAllowed, ServiceError
from equityhub.places.models import Area, Indicator, IndicatorValue
from equityhub.places.services import (
    ATTRIBUTION,
    ImportFailed,
    RowError,
    demo_areas,
    import_indicators,
)

pytestmark = pytest.mark.django_db

ID = "GEOID_ZCTA"
POP = "STL_ZCTA_City_County_Total_Pop.csv"
POVERTY = "STL_ZCTA_City_County_Poverty.csv"
RACE = "STL_ZCTA_City_County_Race.csv"


@pytest.fixture
def areas() -> dict[str, Area]:
    """The 66 St. Louis City and County ZCTAs, without boundaries (indicators need none)."""
    Area.objects.bulk_create(
        Area(kind=Area.Kind.ZCTA, code=row.zcta, name=row.name) for row in demo_areas()
    )
    return {area.code: area for area in Area.objects.all()}


def counts() -> tuple[int, int, int, int]:
    return (
        Area.objects.count(),
        Indicator.objects.count(),
        IndicatorValue.objects.count(),
        AuditEntry.objects.count(),
    )


def load(data: str | bytes, **kwargs: Any) -> Any:
    options = {"area_column": ID, "year": 2018, "source": "ACS 2018", **kwargs}
    return import_indicators(actor=None, data=data, **options)


def failure(data: str | bytes, **kwargs: Any) -> list[str]:
    """Every problem the import reports, as text; asserts nothing was written."""
    before = counts()
    with pytest.raises(ImportFailed) as caught:
        load(data, **kwargs)
    assert counts() == before, "a failed import wrote something"
    assert "nothing was imported" in caught.value.message
    return [str(error) for error in caught.value.errors]


def values(code: str, year: int = 2018) -> dict[str, float]:
    return dict(
        IndicatorValue.objects.filter(indicator__code=code, year=year).values_list(
            "area__code", "value"
        )
    )


# The shared tables ---------------------------------------------------------------------------


@pytest.mark.usefixtures("areas")
def test_the_shared_tables_join_to_every_area(shared_data: Path) -> None:
    results = [
        import_indicators(
            actor=None,
            source_file=shared_data / name,
            area_column=ID,
            year=2018,
            source=ATTRIBUTION,
        )
        for name in (POP, POVERTY, RACE)
    ]

    assert [(r.values_created, r.cells_empty) for r in results] == [(66, 0), (64, 2), (128, 4)]
    assert len(values("total_pop")) == 66
    # 63045 (Earth City) and 63155 have no residents, so no poverty or race estimate (NaN).
    assert set(values("total_pop")) - set(values("pvty_pct")) == {"63045", "63155"}
    assert len(values("wht_pct")) == len(values("blk_pct")) == 64
    assert values("total_pop")["63106"] == 11409
    assert values("pvty_pct")["63106"] == pytest.approx(49.3717137510)
    entries = AuditEntry.objects.filter(action="places.indicators.imported")
    assert entries.count() == 3
    assert entries.get(data__file=POVERTY).data["values_created"] == 64


@pytest.mark.usefixtures("areas")
def test_known_columns_get_their_names_units_and_need_direction(shared_data: Path) -> None:
    for name in (POP, POVERTY, RACE):
        import_indicators(
            actor=None, source_file=shared_data / name, area_column=ID, year=2018, source="ACS"
        )

    described = {
        i.code: (i.name, i.unit, i.higher_means_more_need) for i in Indicator.objects.all()
    }
    assert described == {
        "total_pop": ("Population", "people", False),
        "pvty_pct": ("Poverty rate", "%", True),
        "blk_pct": ("Black residents (%)", "%", False),
        "wht_pct": ("White residents (%)", "%", False),
    }


@pytest.mark.usefixtures("areas")
def test_other_columns_are_named_from_their_title_and_unit_guessed() -> None:
    load("GEOID_ZCTA,uninsured_rate,Clinic Visits,senior_count\n63106,18.5,1200,3000\n")

    described = {
        i.code: (i.name, i.unit, i.higher_means_more_need) for i in Indicator.objects.all()
    }
    assert described == {
        "uninsured_rate": ("Uninsured Rate", "%", True),
        "clinic_visits": ("Clinic Visits", "", True),
        "senior_count": ("Senior Count", "people", False),
    }


@pytest.mark.usefixtures("areas")
def test_units_and_names_given_override_the_guesses() -> None:
    load(
        "GEOID_ZCTA,le,visits\n63106,69.2,10\n",
        units={"le": "years", "VISITS": "visits"},
        names={"le": "Life expectancy"},
    )

    le = Indicator.objects.get(code="le")
    assert (le.name, le.unit) == ("Life expectancy", "years")
    assert Indicator.objects.get(code="visits").unit == "visits"


@pytest.mark.usefixtures("areas")
def test_importing_again_updates_values_without_duplicating(shared_data: Path) -> None:
    text = (shared_data / POVERTY).read_text()
    load(text)
    changed = text.replace("63106,49.37171375100258", "63106,51.5")
    assert changed != text

    result = load(changed)

    assert (result.values_created, result.values_updated, result.values_unchanged) == (0, 1, 63)
    assert (result.indicators_created, result.indicators_updated) == (0, 1)
    assert IndicatorValue.objects.count() == 64
    assert values("pvty_pct")["63106"] == 51.5


@pytest.mark.usefixtures("areas")
def test_a_new_source_updates_every_value_and_a_new_year_adds_values() -> None:
    load("GEOID_ZCTA,pvty_pct\n63106,49.4\n63105,8.6\n")

    assert (
        load("GEOID_ZCTA,pvty_pct\n63106,49.4\n63105,8.6\n", source="ACS 2018 v2").values_updated
        == 2
    )
    result = load("GEOID_ZCTA,pvty_pct\n63106,47.0\n", year=2022)

    assert result.values_created == 1
    assert values("pvty_pct", 2022) == {"63106": 47.0}
    assert set(IndicatorValue.objects.filter(year=2018).values_list("source", flat=True)) == {
        "ACS 2018 v2"
    }


@pytest.mark.usefixtures("areas")
def test_an_existing_indicator_keeps_the_name_someone_gave_it() -> None:
    load("GEOID_ZCTA,pvty_pct\n63106,49.4\n")
    Indicator.objects.filter(code="pvty_pct").update(name="Below poverty line (%)")

    load("GEOID_ZCTA,pvty_pct\n63106,49.4\n")

    assert Indicator.objects.get(code="pvty_pct").name == "Below poverty line (%)"


@pytest.mark.usefixtures("areas")
def test_a_byte_order_mark_blank_lines_and_the_area_columns_case_are_fine() -> None:
    data = "\ufeffgeoid_zcta , pvty_pct\r\n63106,49.4\r\n\r\n63105, 8.6 \r\n\r\n".encode()

    result = load(data)

    assert result.values_created == 2
    assert values("pvty_pct") == {"63106": 49.4, "63105": 8.6}


@pytest.mark.usefixtures("areas")
def test_rows_can_be_given_as_mappings() -> None:
    result = import_indicators(
        actor=None,
        rows=[{"zcta": "63106", "total_pop": 11409}, {"zcta": "63105", "total_pop": None}],
        area_column="zcta",
        year=2018,
        source="ACS",
    )

    assert (result.values_created, result.cells_empty) == (1, 1)


@pytest.mark.usefixtures("areas")
def test_a_dry_run_counts_and_writes_nothing() -> None:
    before = counts()

    result = load("GEOID_ZCTA,pvty_pct,total_pop\n63106,49.4,11409\n", dry_run=True)

    assert (result.indicators_created, result.values_created) == (2, 2)
    assert counts() == before


@pytest.mark.usefixtures("areas")
def test_office_staff_may_import_and_members_may_not(coordinator: User, member: User) -> None:
    import_indicators(
        actor=coordinator, data="GEOID_ZCTA,x\n63106,1\n", area_column=ID, year=2018, source="s"
    )
    assert AuditEntry.objects.get(action="places.indicators.imported").actor_id == coordinator.pk

    with pytest.raises(NotAllowed):
        import_indicators(
            actor=member, data="GEOID_ZCTA,x\n63106,2\n", area_column=ID, year=2018, source="s"
        )


# Broken files --------------------------------------------------------------------------------


@pytest.mark.usefixtures("areas")
def test_a_missing_area_column_is_named_with_the_columns_there_are() -> None:
    assert failure("ZIP,pvty_pct\n63106,49.4\n") == [
        "the file, column GEOID_ZCTA: The file has no column GEOID_ZCTA naming the areas; its "
        "columns are: ZIP, pvty_pct."
    ]


@pytest.mark.usefixtures("areas")
def test_a_value_that_is_not_a_number_is_named_by_row_and_column() -> None:
    data = "GEOID_ZCTA,total_pop,pvty_pct\n63105,18333,8.6\n63106,11409,about half\n"

    assert failure(data) == [
        "row 2, column pvty_pct: about half is not a number (leave the cell empty for a "
        "missing value)."
    ]


@pytest.mark.usefixtures("areas")
def test_infinity_is_not_a_value() -> None:
    assert "inf is not a number" in failure("GEOID_ZCTA,x\n63106,inf\n")[0]


@pytest.mark.usefixtures("areas")
def test_unknown_areas_are_listed_together_with_their_rows() -> None:
    data = "GEOID_ZCTA,pvty_pct\n63106,49.4\n63199,1\n63105,8.6\n62999,2\n"

    assert failure(data) == [
        "the file, column GEOID_ZCTA: areas not found: 63199 (row 2), 62999 (row 4). Import "
        "the zcta boundaries first, or check the kind of area."
    ]


@pytest.mark.usefixtures("areas")
def test_areas_of_another_kind_are_not_found() -> None:
    assert (
        "area not found: 63106 (row 1)"
        in failure("GEOID_ZCTA,x\n63106,1\n", kind=Area.Kind.NEIGHBORHOOD)[0]
    )


@pytest.mark.usefixtures("areas")
def test_a_duplicate_area_row_is_refused() -> None:
    data = "GEOID_ZCTA,pvty_pct\n63106,49.4\n63105,8.6\n63106,50\n"

    assert failure(data) == [
        "row 3, column GEOID_ZCTA: The area 63106 appears again (first in row 1)."
    ]


@pytest.mark.usefixtures("areas")
def test_every_problem_of_a_file_is_listed_at_once() -> None:
    data = "GEOID_ZCTA,a,b\n63106,1,x\n,2,3\n63199,4,5\n63105,6\n63107,y,z\n"

    assert failure(data) == [
        "the file, column GEOID_ZCTA: area not found: 63199 (row 3). Import the zcta "
        "boundaries first, or check the kind of area.",
        "row 1, column b: x is not a number (leave the cell empty for a missing value).",
        "row 2, column GEOID_ZCTA: The area code is empty.",
        "row 4: The row has 2 cells; the header names 3 columns.",
        "row 5, column a: y is not a number (leave the cell empty for a missing value).",
        "row 5, column b: z is not a number (leave the cell empty for a missing value).",
    ]


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (b"", "the file: The file is empty."),
        (b"\n\n", "the file: The file is empty."),
        (b"GEOID_ZCTA,pvty_pct\n", "the file: The file has a header but no rows."),
        (b"GEOID_ZCTA\n63106\n", "no column besides GEOID_ZCTA"),
        (b"GEOID_ZCTA;pvty_pct\n63106;49\n", "separated by semicolons"),
        (b"PK\x03\x04rest of a workbook", "save it as CSV UTF-8"),
        (b"GEOID_ZCTA,pvty_pct\n63106,49\xe9\n", "not UTF-8 text (byte 29)"),
        (b",,\n1,2,3\n", "The first row must name the columns."),
        (b"GEOID_ZCTA,a,a\n63106,1,2\n", "column a: This column is the same indicator"),
        (b"GEOID_ZCTA,a,,b\n63106,1,2,3\n", "Column 3 has no name."),
        (b"GEOID_ZCTA,a,geoid_zcta\n63106,1,2\n", "The area column appears twice."),
        (b"GEOID_ZCTA,%%\n63106,1\n", "no letters or digits"),
        (b'GEOID_ZCTA,a\n"63106,1\n', "row 1: This row cannot be read as CSV: unexpected end"),
        (b'GEOID_ZCTA,a\n63106,1\n"63105"x,2\n', "row 2: This row cannot be read as CSV"),
        (b'"GEOID_ZCTA"x,a\n63106,1\n', "the file: The header cannot be read as CSV"),
    ],
)
@pytest.mark.usefixtures("areas")
def test_a_file_the_import_cannot_use_writes_nothing_and_says_why(
    data: bytes, expected: str
) -> None:
    errors = failure(data)

    assert any(expected in error for error in errors), errors


@pytest.mark.usefixtures("areas")
def test_a_unit_for_a_column_the_file_does_not_have_is_refused() -> None:
    with pytest.raises(ServiceError) as caught:
        load("GEOID_ZCTA,x\n63106,1\n", units={"pvty_pct": "%"})

    assert caught.value.field == "unit"
    assert "pvty_pct" in caught.value.message
    assert not Indicator.objects.exists()


@pytest.mark.usefixtures("areas")
def test_an_empty_name_is_refused_and_an_empty_unit_clears_the_unit() -> None:
    with pytest.raises(ServiceError, match=r"The name given for le is empty\."):
        load("GEOID_ZCTA,le\n63106,69.2\n", names={"le": " "})

    load("GEOID_ZCTA,pvty_pct\n63106,49.4\n", units={"pvty_pct": ""})

    assert Indicator.objects.get(code="pvty_pct").unit == ""


@pytest.mark.parametrize(
    ("options", "field"),
    [({"year": 1776}, "year"), ({"source": "   "}, "source"), ({"kind": "county"}, "kind")],
)
@pytest.mark.usefixtures("areas")
def test_bad_options_are_refused_naming_the_field(options: dict[str, Any], field: str) -> None:
    with pytest.raises(ServiceError) as caught:
        load("GEOID_ZCTA,x\n63106,1\n", **options)

    assert caught.value.field == field


def test_a_row_error_says_where_it_is() -> None:
    assert str(RowError(4, "pvty_pct", "bad.")) == "row 4, column pvty_pct: bad."
    assert str(RowError(None, "", "bad.")) == "the file: bad."


# The command -------------------------------------------------------------------------------


@pytest.mark.usefixtures("areas")
def test_the_command_imports_and_prints_the_counts(shared_data: Path) -> None:
    out = io.StringIO()

    call_command(
        "import-indicators",
        str(shared_data / RACE),
        "--area-column",
        ID,
        "--year",
        "2018",
        "--source",
        ATTRIBUTION,
        "--unit",
        "wht_pct=percent",
        stdout=out,
    )

    assert out.getvalue().strip() == (
        f"Imported {RACE}: 2 indicator(s) created, 0 updated; 128 value(s) created, 0 updated, "
        "0 unchanged, 4 empty cell(s) skipped."
    )
    assert Indicator.objects.get(code="wht_pct").unit == "percent"


@pytest.mark.usefixtures("areas")
def test_the_command_lists_every_problem_and_fails(tmp_path: Path) -> None:
    path = tmp_path / "rates.csv"
    path.write_text("GEOID_ZCTA,pvty_pct\n63106,lots\n63199,1\n")
    err = io.StringIO()

    with pytest.raises(CommandError, match=r"2 problem\(s\) in rates.csv; nothing was written"):
        call_command(
            "import-indicators",
            str(path),
            "--area-column",
            ID,
            "--year",
            "2018",
            "--source",
            "ACS",
            stderr=err,
        )

    assert err.getvalue().splitlines() == [
        "the file, column GEOID_ZCTA: area not found: 63199 (row 2). Import the zcta "
        "boundaries first, or check the kind of area.",
        "row 1, column pvty_pct: lots is not a number (leave the cell empty for a missing value).",
    ]
    assert not IndicatorValue.objects.exists()


@pytest.mark.usefixtures("areas")
def test_the_command_dry_run_writes_nothing(tmp_path: Path) -> None:
    path = tmp_path / "rates.csv"
    path.write_text("GEOID_ZCTA,pvty_pct\n63106,49.4\n")
    out = io.StringIO()

    call_command(
        "import-indicators",
        str(path),
        "--area-column=GEOID_ZCTA",
        "--year=2018",
        "--source=ACS",
        "--dry-run",
        stdout=out,
    )

    assert out.getvalue().startswith("Dry run, nothing written: 1 indicator(s) created")
    assert not Indicator.objects.exists()


@pytest.mark.parametrize(
    ("option", "message"),
    [
        (["--unit", "pvty_pct"], "write COLUMN=VALUE"),
        (["--year", "last"], "--year takes a year"),
        (["--source", ""], "Name the source"),
    ],
)
@pytest.mark.usefixtures("areas")
def test_the_command_refuses_bad_options(tmp_path: Path, option: list[str], message: str) -> None:
    path = tmp_path / "rates.csv"
    path.write_text("GEOID_ZCTA,pvty_pct\n63106,49.4\n")
    base = {"--area-column": ID, "--year": "2018", "--source": "ACS"}
    base.pop(option[0], None)
    args = [str(path), *(item for pair in base.items() for item in pair), *option]

    with pytest.raises(CommandError, match=message):
        call_command("import-indicators", *args)


@pytest.mark.usefixtures("areas")
@pytest.mark.parametrize("code", ["63106\x00", "\x00", "631\x0706"])
def test_an_area_code_with_control_characters_is_refused_by_row(code: str) -> None:
    data = f"GEOID_ZCTA,pvty_pct\n63105,8.6\n{code},49.4\n"

    assert failure(data) == ["row 2, column GEOID_ZCTA: The area code contains control characters."]


@pytest.mark.usefixtures("areas")
def test_an_area_code_with_control_characters_is_refused_in_rows_given_as_mappings() -> None:
    before = counts()
    with pytest.raises(ImportFailed) as caught:
        import_indicators(
            actor=None,
            rows=[{"zcta": "63106\x00", "pvty_pct": 49.4}],
            area_column="zcta",
            year=2018,
            source="ACS",
        )
    assert counts() == before
    assert [str(error) for error in caught.value.errors] == [
        "row 1, column zcta: The area code contains control characters."
    ]


@pytest.mark.usefixtures("areas")
def test_a_column_name_with_control_characters_is_refused() -> None:
    assert failure("GEOID_ZCTA,pvty\x00pct\n63106,49.4\n") == [
        "the file: The name of column 2 contains control characters."
    ]


@pytest.mark.usefixtures("areas")
def test_a_source_with_control_characters_is_refused() -> None:
    with pytest.raises(ServiceError) as caught:
        load("GEOID_ZCTA,pvty_pct\n63106,49.4\n", source="ACS\x00")
    assert caught.value.field == "source"
    assert not IndicatorValue.objects.exists()
