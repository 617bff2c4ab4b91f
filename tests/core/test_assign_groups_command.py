"""Tests of `equityhub assign-groups`: a CSV of people in, a CSV of groups out."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import numpy as np
import pytest
from django.core.management import CommandError, ManagementUtility, call_command

from equityhub.lib.grouping import encode, ss, ss_ideal

HEADER = "id,school,gender,languages\n"
PEOPLE = [
    ("S01", "MD", "woman", "es;en"),
    ("S02", "MD", "man", "en"),
    ("S03", "PhD", "woman", ""),
    ("S04", "Nursing", "man", "vi"),
    ("S05", "MD", "nonbinary", "es"),
    ("S06", "PhD", "man", "en;ar"),
    ("S07", "Nursing", "woman", "es"),
    ("S08", "MD", "woman", ""),
    ("S09", "PhD", "woman", "en"),
    ("S10", "MD", "man", "es"),
    ("S11", "Nursing", "woman", "en"),
]


def write(tmp_path: Path, text: str, name: str = "people.csv", *, bom: bool = False) -> Path:
    path = tmp_path / name
    path.write_bytes(("\ufeff" if bom else "").encode() + text.encode())
    return path


def people_file(tmp_path: Path, **kwargs: bool) -> Path:
    return write(tmp_path, HEADER + "".join(",".join(row) + "\n" for row in PEOPLE), **kwargs)


def run(*args: str) -> str:
    out = io.StringIO()
    call_command("assign-groups", *args, stdout=out)
    return out.getvalue()


def read_groups(path: Path) -> list[tuple[str, int]]:
    with path.open(newline="", encoding="utf-8") as stream:
        rows = list(csv.reader(stream))
    assert rows[0] == ["id", "group"]
    return [(person, int(group)) for person, group in rows[1:]]


def printed(output: str, label: str) -> float:
    for line in output.splitlines():
        if line.startswith(f"{label}: "):
            return float(line.split(": ", 1)[1])
    raise AssertionError(f"{label} not printed in {output!r}")


def records() -> list[dict[str, str | list[str] | None]]:
    return [
        {
            "school": school,
            "gender": gender,
            "languages": [code for code in languages.split(";") if code],
        }
        for _id, school, gender, languages in PEOPLE
    ]


# Success ------------------------------------------------------------------------------------


def test_it_writes_balanced_groups_in_input_order_and_prints_the_measures(tmp_path: Path) -> None:
    source, target = people_file(tmp_path, bom=True), tmp_path / "groups.csv"
    output = run("--input", str(source), "--groups", "3", "--output", str(target))
    groups = read_groups(target)
    assert [person for person, _group in groups] == [row[0] for row in PEOPLE]
    labels = np.array([group for _person, group in groups])
    assert sorted(np.bincount(labels)[1:].tolist()) == [3, 4, 4]
    assert labels[0] == 1  # numbered 1..G by first member
    encoding = encode(records(), ["school", "gender", "languages"])
    assert printed(output, "SS") == ss(encoding, labels - 1, 3)
    assert printed(output, "SS_ideal") == ss_ideal(encoding, 3)
    assert printed(output, "SS") >= printed(output, "SS_ideal")
    assert printed(output, "SS_random") > printed(output, "SS_ideal")
    assert 0 <= printed(output, "excess") < 1
    assert printed(output, "seconds") >= 0
    assert "3 groups of 3 or 4 people from people.csv" in output


def test_the_same_seed_writes_the_same_groups(tmp_path: Path) -> None:
    source = people_file(tmp_path)
    first, second = tmp_path / "a.csv", tmp_path / "b.csv"
    run("--input", str(source), "--groups", "4", "--seed", "7", "--output", str(first))
    run("--input", str(source), "--groups", "4", "--seed", "7", "--output", str(second))
    assert first.read_text() == second.read_text()


def test_chosen_attributes_and_weights_change_the_measure(tmp_path: Path) -> None:
    source, target = people_file(tmp_path), tmp_path / "groups.csv"
    output = run(
        "--input",
        str(source),
        "--groups",
        "2",
        "--attributes",
        "school, languages",
        "--weights",
        "school=2,languages=0.5",
        "--output",
        str(target),
    )
    encoding = encode(records(), ["school", "languages"], {"school": 2, "languages": 0.5})
    assert printed(output, "SS_ideal") == ss_ideal(encoding, 2)
    labels = np.array([group for _person, group in read_groups(target)]) - 1
    assert printed(output, "SS") == ss(encoding, labels, 2)
    assert "balanced on school, languages (7 columns)" in output


def test_apart_together_and_requirements_hold_in_the_output(tmp_path: Path) -> None:
    source, target = people_file(tmp_path), tmp_path / "groups.csv"
    run(
        "--input",
        str(source),
        "--groups",
        "3",
        "--apart",
        "S01:S05",
        "S05:S07",
        "--together",
        "S02:S03",
        "--require",
        "languages=es:1",
        "--output",
        str(target),
    )
    group = dict(read_groups(target))
    assert group["S01"] != group["S05"] != group["S07"]
    assert group["S02"] == group["S03"]
    spanish = {group[person] for person, *_rest, languages in PEOPLE if "es" in languages}
    assert spanish == {1, 2, 3}


def test_a_requirement_without_a_count_means_at_least_one(tmp_path: Path) -> None:
    source, target = people_file(tmp_path), tmp_path / "groups.csv"
    args = ["--input", str(source), "--groups", "4", "--require", "languages=es"]
    run(*args, "--output", str(target))
    group = dict(read_groups(target))
    spanish = [person for person, *_rest, languages in PEOPLE if "es" in languages]
    assert sorted(group[person] for person in spanish) == [1, 2, 3, 4]


# Bad input ----------------------------------------------------------------------------------


def fails(tmp_path: Path, *args: str) -> str:
    target = tmp_path / "groups.csv"
    with pytest.raises(CommandError) as caught:
        run(*args, "--output", str(target))
    assert not target.exists()
    return str(caught.value)


def test_a_file_without_an_id_column_is_refused(tmp_path: Path) -> None:
    source = write(tmp_path, "name,school\nAna,MD\nBo,PhD\n")
    message = fails(tmp_path, "--input", str(source), "--groups", "2")
    assert (
        message == "There is no id column; the first row names the columns (found: name, school)."
    )


def test_duplicate_ids_are_named_with_their_rows(tmp_path: Path) -> None:
    source = write(tmp_path, "id,school\nA1,MD\nB2,PhD\nA1,MD\nC3,MD\nB2,PhD\n")
    message = fails(tmp_path, "--input", str(source), "--groups", "2")
    assert message == "Duplicate ids: A1 on rows 2, 4; B2 on rows 3, 6."


@pytest.mark.parametrize("groups", ["12", "0", "-2"])
def test_a_number_of_groups_outside_one_to_the_number_of_people_is_refused(
    tmp_path: Path, groups: str
) -> None:
    message = fails(tmp_path, "--input", str(people_file(tmp_path)), "--groups", groups)
    assert message == (
        f"--groups must be between 1 and the number of people (11), not {int(groups)}."
    )


def test_an_unknown_attribute_is_named(tmp_path: Path) -> None:
    message = fails(
        tmp_path, "--input", str(people_file(tmp_path)), "--groups", "2", "--attributes", "region"
    )
    assert message == (
        "Unknown attribute region; the file's columns are school, gender, languages."
    )


@pytest.mark.parametrize(
    ("weights", "expected"),
    [
        ("school:2", "Bad weight school:2: write attribute=number, with a number greater than 0."),
        ("school=0", "Bad weight school=0: write attribute=number, with a number greater than 0."),
        ("school=x", "Bad weight school=x: write attribute=number, with a number greater than 0."),
        (
            "region=2",
            "Bad weight region=2: region is not one of the attributes (school, gender, languages).",
        ),
    ],
)
def test_a_bad_weight_is_refused(tmp_path: Path, weights: str, expected: str) -> None:
    source = people_file(tmp_path)
    assert fails(tmp_path, "--input", str(source), "--groups", "2", "--weights", weights) == (
        expected
    )


def test_a_missing_file_is_reported(tmp_path: Path) -> None:
    message = fails(tmp_path, "--input", str(tmp_path / "nope.csv"), "--groups", "2")
    assert message.startswith("Cannot read ")
    assert "No such file or directory" in message


def test_a_file_that_is_not_utf8_text_is_refused(tmp_path: Path) -> None:
    source = tmp_path / "people.xlsx"
    source.write_bytes(b"PK\x03\x04\x14\x00\x06\x00\x08\x00\x00\x00!\x00\xff\xfe\x80\x81")
    message = fails(tmp_path, "--input", str(source), "--groups", "2")
    assert message.endswith("is not a UTF-8 CSV file (save it as CSV UTF-8).")


def test_a_file_whose_rows_do_not_match_the_header_is_refused(tmp_path: Path) -> None:
    source = write(tmp_path, "id\tschool\nA1\tMD\nB2,x,y\n")
    message = fails(tmp_path, "--input", str(source), "--groups", "1")
    assert message.startswith("Row 3 has 3 fields but the header has 1")


def test_an_empty_file_is_refused(tmp_path: Path) -> None:
    message = fails(tmp_path, "--input", str(write(tmp_path, "\n\n")), "--groups", "1")
    assert message.endswith("is empty.")


def test_infeasible_constraints_exit_with_the_reason(tmp_path: Path) -> None:
    message = fails(
        tmp_path,
        "--input",
        str(people_file(tmp_path)),
        "--groups",
        "3",
        "--require",
        "languages=vi:1",
    )
    assert message == (
        "Infeasible: 3 groups each need at least 1 person with languages=vi, "
        "but only 1 person has it."
    )


def test_a_pair_kept_together_and_apart_is_named_by_ids(tmp_path: Path) -> None:
    message = fails(
        tmp_path,
        "--input",
        str(people_file(tmp_path)),
        "--groups",
        "3",
        "--apart",
        "S04:S09",
        "--together",
        "S09:S04",
    )
    assert message == "Infeasible: S04 and S09 must be both together and apart."


@pytest.mark.parametrize(
    ("option", "value", "expected"),
    [
        ("--apart", "S01-S02", "Bad --apart S01-S02: write two ids as id1:id2."),
        ("--together", "S01:S99", "Bad --together S01:S99: no person has the id S99."),
        (
            "--require",
            "languages=fr:1",
            "Bad --require languages=fr:1: there is no column languages=fr (columns read "
            "attribute=value, e.g. school=MD, school=Nursing, school=PhD).",
        ),
    ],
)
def test_bad_constraints_are_refused(
    tmp_path: Path, option: str, value: str, expected: str
) -> None:
    source = people_file(tmp_path)
    assert fails(tmp_path, "--input", str(source), "--groups", "2", option, value) == expected


def test_bad_input_exits_with_a_non_zero_status_from_the_command_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source = write(tmp_path, "name,school\nAna,MD\n")
    utility = ManagementUtility(
        [
            "equityhub",
            "assign-groups",
            "--input",
            str(source),
            "--groups",
            "1",
            "--output",
            str(tmp_path / "groups.csv"),
        ]
    )
    with pytest.raises(SystemExit) as caught:
        utility.execute()
    assert caught.value.code == 1
    assert "There is no id column" in capsys.readouterr().err
