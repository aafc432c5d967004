"""Reading format-1 workbooks: names, aliases, ids, dates, lists, blank rows, problems."""

from __future__ import annotations

from datetime import date

import pytest

from placement.io.read import read_instance
from placement.io.write_input import write_instance
from placement.problems import InputError
from tests import factory as f
from tests.workbooks import minimal_sheets, write_raw


def test_english_workbook_reads(tmp_path):
    instance, notes = read_instance(write_raw(tmp_path / "in.xlsx", minimal_sheets()))
    assert [n.student_id for n in instance.needs] == ["s1", "s2"]
    assert instance.needs[0].preferences == ("W1",)
    assert instance.needs[1].preferences == ()
    assert instance.period["P1"].start_date == date(2026, 1, 5)  # ISO text read as a date
    assert instance.agreements is None  # no Agreements sheet: every site open
    assert instance.language == "en"
    assert not [n for n in notes if n.is_error]


def test_norwegian_headers_and_numeric_ids(tmp_path):
    instance, _ = read_instance(write_raw(tmp_path / "nb.xlsx", minimal_sheets(norwegian=True)))
    # 12345 typed as a number is the id "12345", never "12345.0"; ward 101 likewise.
    assert [n.student_id for n in instance.needs] == ["12345", "12346"]
    assert instance.ward["101"].specialties == ("kirurgi", "medisin")
    assert instance.needs[0].preferences == ("101",)
    assert instance.supervisors[0].ward_id == "101"
    assert instance.programme["HVL-SYK"].students_per_supervisor == 2
    assert instance.period["P1"].end_date == date(2026, 10, 2)  # Excel date cell
    assert instance.language == "nb"


def test_headers_match_case_space_and_underscore_insensitively(tmp_path):
    sheets = minimal_sheets()
    sheets["STUDENTS "] = sheets.pop("Students")
    sheets["STUDENTS "][0] = ["Student ID", "Name", "PROGRAMME_ID", " period id ", "Preference 1"]
    instance, _ = read_instance(write_raw(tmp_path / "in.xlsx", sheets))
    assert instance.needs[0].preferences == ("W1",)


def test_blank_rows_and_stray_whitespace_are_ignored(tmp_path):
    sheets = minimal_sheets()
    sheets["Students"] = [
        [None],
        ["student_id", "name", "programme_id", "period_id", "preference_1"],
        [None, None, None, None, None],
        ["\u00a0s1 ", "Student One", " NURSE", "P1\u00a0", " W1 "],
        [],
        ["s2", None, "NURSE", "P1", None],
    ]
    instance, _ = read_instance(write_raw(tmp_path / "in.xlsx", sheets))
    assert [n.key for n in instance.needs] == [("s1", "P1"), ("s2", "P1")]
    assert instance.needs[0].row == 4  # Excel row numbers as the coordinator sees them


def test_round_trip_of_a_built_instance(tmp_path):
    inst = f.instance(
        students=[
            f.student(
                "s1", prefs=("W1", "", "S1"), requires=("wheelchair",), avoid=("W2",), group_id="g1"
            )
        ],
        wards=[f.ward("W1", tags=("wheelchair",)), f.ward("W2", max_students=3)],
        agreements=[f.agreement(organisation="Trust A", min_places=1, max_places=5)],
        history=(f.history("s1", "W2"),),
    )
    for language in ("en", "nb"):
        path = write_instance(inst, tmp_path / f"{language}.xlsx", language=language)
        back, _ = read_instance(path)
        assert back.needs[0].preferences == ("W1", "", "S1")  # a blank wish keeps its rank
        assert back.needs[0].requires == ("wheelchair",)
        assert back.agreements is not None and back.agreements[0].max_places == 5
        assert back.wards == inst.wards
        assert back.history == inst.history


def test_problems_name_sheet_row_and_column(tmp_path):
    sheets = minimal_sheets()
    sheets["Students"].append(["s3", None, "NURSE", "P9", None])
    with pytest.raises(InputError) as error:
        read_instance(write_raw(tmp_path / "in.xlsx", sheets))
    (problem,) = [p for p in error.value.problems if p.is_error]
    assert (problem.sheet, problem.row) == ("Students", 4)
    assert "period_id" in (problem.column or "")
    assert "'P9'" in str(problem)
    assert "Did you mean 'P1'" in str(problem)


def test_every_problem_is_reported_at_once(tmp_path):
    sheets = minimal_sheets()
    sheets["Supervisors"].append(["W1", "nursing", -1])  # negative count
    sheets["Supervisors"].append(["W1", "nursing", 1.5])  # fractional count
    sheets["Periods"].append(["P2", "NURSE", "2026-02-01", "2026-01-01", "surgery"])  # reversed
    with pytest.raises(InputError) as error:
        read_instance(write_raw(tmp_path / "in.xlsx", sheets))
    found = {(p.sheet, p.row) for p in error.value.problems if p.is_error}
    assert found == {("Supervisors", 3), ("Supervisors", 4), ("Periods", 3)}


def test_title_rows_and_empty_columns_before_the_table(tmp_path):
    # Other tools put a title above the table or start it in column B; rows keep Excel numbers.
    sheets = minimal_sheets()
    sheets["Students"] = [["Students, autumn 2026"], [], *sheets["Students"]]
    sheets["Wards"] = [[None], *[[None, *row] for row in sheets["Wards"]]]
    instance, notes = read_instance(write_raw(tmp_path / "in.xlsx", sheets))
    assert [n.student_id for n in instance.needs] == ["s1", "s2"]
    assert instance.needs[0].row == 4
    assert list(instance.ward) == ["W1"]
    assert not [n for n in notes if n.is_error]
