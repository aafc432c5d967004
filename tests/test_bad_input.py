"""Bad input gets a clear answer through `validate` and `solve`: exit 2, sheet, row, column,
value and what was expected; no traceback, no output file, the input file untouched.
"""

from __future__ import annotations

import hashlib
import zipfile
from collections.abc import Callable
from copy import deepcopy
from pathlib import Path
from typing import Any

import pytest
from openpyxl import Workbook, load_workbook
from typer.testing import CliRunner

from cli import app
from placement.io.read import read_instance
from tests.workbooks import minimal_sheets, write_raw

runner = CliRunner()
Sheets = dict[str, list[list[Any]]]


def run(*args: str | Path) -> tuple[int, str]:
    result = runner.invoke(app, [str(a) for a in args])
    assert "Traceback" not in result.output
    assert not isinstance(result.exception, Exception) or isinstance(
        result.exception, SystemExit
    ), repr(result.exception)
    return result.exit_code, result.output


def assert_rejected(path: Path, tmp_path: Path, *expected: str) -> str:
    """validate and solve both exit 2 naming everything in `expected`; nothing written."""
    before = hashlib.sha256(path.read_bytes()).hexdigest() if path.exists() else None
    outputs = []
    commands: list[list[str | Path]] = [
        ["validate", path],
        ["solve", path, "-o", tmp_path / "out.xlsx", "--quiet"],
    ]
    for args in commands:
        code, output = run(*args)
        assert code == 2, output
        flat = " ".join(output.split())
        for text in expected:
            assert text in flat, f"{text!r} not in: {output}"
        outputs.append(output)
    assert not (tmp_path / "out.xlsx").exists()
    after = hashlib.sha256(path.read_bytes()).hexdigest() if path.exists() else None
    assert before == after
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".out")]  # no temp files
    return outputs[0]


def mutated(change: Callable[[Sheets], object]) -> Sheets:
    sheets = deepcopy(minimal_sheets())
    change(sheets)
    return sheets


# ---- files that are not workbooks -----------------------------------------------------------
def test_missing_file(tmp_path):
    assert_rejected(tmp_path / "nope.xlsx", tmp_path, "nope.xlsx", "does not exist")


@pytest.mark.parametrize(
    ("content", "says"),
    [
        (b"student_id,name\ns1,Kari\n", "CSV"),
        (b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n", "PDF"),
        (b"PK\x03\x04" + b"\x00" * 40, "damaged"),
    ],
)
def test_renamed_or_damaged_files(tmp_path, content, says):
    path = tmp_path / "in.xlsx"
    path.write_bytes(content)
    output = assert_rejected(path, tmp_path)
    assert says.casefold() in output.casefold()


def test_truncated_workbook(tmp_path):
    path = write_raw(tmp_path / "in.xlsx", minimal_sheets())
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])
    assert_rejected(path, tmp_path, "in.xlsx")


def test_old_xls_and_encrypted_workbooks(tmp_path):
    ole = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 504
    xls = tmp_path / "old.xlsx"
    xls.write_bytes(ole + "Workbook".encode("utf-16-le") + b"\x00" * 200)
    encrypted = tmp_path / "secret.xlsx"
    encrypted.write_bytes(ole + "EncryptedPackage".encode("utf-16-le") + b"\x00" * 200)
    assert "xls" in assert_rejected(xls, tmp_path).casefold()
    assert "password" in assert_rejected(encrypted, tmp_path).casefold()


# ---- structure ---------------------------------------------------------------------------------
def test_missing_required_sheet(tmp_path):
    path = write_raw(tmp_path / "in.xlsx", mutated(lambda s: s.pop("Wards")))
    assert_rejected(path, tmp_path, "Wards")


def test_missing_required_column(tmp_path):
    def drop_profession(s: Sheets) -> None:
        s["Programmes"] = [[r[0], r[1], r[3]] for r in s["Programmes"]]

    path = write_raw(tmp_path / "in.xlsx", mutated(drop_profession))
    assert_rejected(path, tmp_path, "Programmes", "profession")


@pytest.mark.parametrize("sheet", ["Students", "Wards"])
def test_sheet_with_headers_only(tmp_path, sheet):
    path = write_raw(tmp_path / "in.xlsx", mutated(lambda s: s.__setitem__(sheet, s[sheet][:1])))
    assert_rejected(path, tmp_path, sheet)


def test_duplicate_ids(tmp_path):
    path = write_raw(
        tmp_path / "in.xlsx", mutated(lambda s: s["Wards"].append(["W1", "S1", "medicine"]))
    )
    assert_rejected(path, tmp_path, "Wards", "row 3", "W1")


def test_unknown_reference_suggests_the_nearest_id(tmp_path):
    path = write_raw(tmp_path / "in.xlsx", mutated(lambda s: s["Wards"][1].__setitem__(1, "S2")))
    assert_rejected(path, tmp_path, "Wards", "row 2", "site_id", "S2", "S1")


@pytest.mark.parametrize(
    ("sheet", "row", "col", "value", "column"),
    [
        ("Supervisors", 1, 2, "two", "supervisors"),
        ("Supervisors", 1, 2, -1, "supervisors"),
        ("Supervisors", 1, 2, 1.5, "supervisors"),
        ("Periods", 1, 2, "next monday", "start_date"),
        ("Programmes", 1, 3, 0, "students_per_supervisor"),
    ],
)
def test_wrong_types_and_counts(tmp_path, sheet, row, col, value, column):
    path = write_raw(tmp_path / "in.xlsx", mutated(lambda s: s[sheet][row].__setitem__(col, value)))
    assert_rejected(path, tmp_path, sheet, f"row {row + 1}", column, str(value))


def test_end_date_before_start(tmp_path):
    path = write_raw(
        tmp_path / "in.xlsx", mutated(lambda s: s["Periods"][1].__setitem__(3, "2025-12-01"))
    )
    assert_rejected(path, tmp_path, "Periods", "row 2", "end_date")


def test_period_of_another_programme(tmp_path):
    def add(s: Sheets) -> None:
        s["Programmes"].append(["MED", "UNI", "medicine", 1])
        s["Periods"].append(["PM", "MED", "2026-01-05", "2026-01-30", "surgery"])
        s["Students"][1][3] = "PM"

    path = write_raw(tmp_path / "in.xlsx", mutated(add))
    assert_rejected(path, tmp_path, "Students", "row 2", "PM", "MED")


def test_student_twice_in_the_same_period(tmp_path):
    path = write_raw(tmp_path / "in.xlsx", mutated(lambda s: s["Students"][2].__setitem__(0, "s1")))
    assert_rejected(path, tmp_path, "Students", "row 3", "s1", "P1")


def test_locked_ward_the_student_may_not_go_to(tmp_path):
    def lock(s: Sheets) -> None:
        s["Wards"].append(["W2", "S1", "medicine"])
        s["Supervisors"].append(["W2", "nursing", 1])
        s["Students"][0].append("locked_ward")
        s["Students"][1].append("W2")
        s["Students"][2].append(None)

    path = write_raw(tmp_path / "in.xlsx", mutated(lock))
    assert_rejected(path, tmp_path, "Students", "row 2", "locked_ward", "W2", "surgery")


def test_wish_that_names_nothing(tmp_path):
    path = write_raw(
        tmp_path / "in.xlsx", mutated(lambda s: s["Students"][1].__setitem__(4, "Hogwarts"))
    )
    assert_rejected(path, tmp_path, "Students", "row 2", "preference_1", "Hogwarts")


def test_excel_error_cells(tmp_path):
    path = write_raw(tmp_path / "in.xlsx", minimal_sheets())
    book = load_workbook(path)
    book["Wards"]["B2"] = "#REF!"
    book["Wards"]["B2"].data_type = "e"
    book["Students"]["C3"] = "#N/A"
    book["Students"]["C3"].data_type = "e"
    book.save(path)
    output = assert_rejected(path, tmp_path, "Wards", "row 2", "#REF!")
    assert "#N/A" in output


# ---- inputs that must still work -------------------------------------------------------------
def read_ok(path: Path, tmp_path: Path) -> str:
    code, output = run("validate", path)
    assert code == 0, output
    code, solved = run("solve", path, "-o", tmp_path / "out.xlsx", "--quiet", "--time-limit", "5")
    assert code == 0, solved
    return output


def test_formulas_are_read_by_their_cached_values(tmp_path):
    # openpyxl writes no cached values, so write the cell XML with one, as Excel would.
    path = write_raw(tmp_path / "in.xlsx", minimal_sheets())
    with zipfile.ZipFile(path) as source:
        parts = {name: source.read(name) for name in source.namelist()}
    sheet = next(
        name for name, data in parts.items() if name.startswith("xl/worksheets/") and b"W1" in data
        and b"nursing" in data
    )  # fmt: skip
    plain = b'<c r="C2" t="n"><v>2</v></c>'
    assert plain in parts[sheet]
    parts[sheet] = parts[sheet].replace(plain, b'<c r="C2"><f>1+2</f><v>3</v></c>')
    with zipfile.ZipFile(path, "w") as target:
        for name, data in parts.items():
            target.writestr(name, data)
    read_ok(path, tmp_path)
    instance, _ = read_instance(path)
    assert instance.supervisors[0].supervisors == 3


def test_merged_and_hidden_and_extra_sheets_and_columns(tmp_path):
    sheets = minimal_sheets()
    sheets["Wards"].append(["W2", "S1", None])  # its specialties cell is merged with W1's
    sheets["Supervisors"].append(["W2", "nursing", 1])
    sheets["Notes"] = [["anything"], ["at all"]]
    sheets["Students"][0].append("comment")
    sheets["Students"][1].append("likes mornings")
    path = write_raw(tmp_path / "in.xlsx", sheets)
    book = load_workbook(path)
    book["Notes"].sheet_state = "hidden"
    book["Wards"].merge_cells("C2:C3")
    book.save(path)
    output = read_ok(path, tmp_path)
    assert "comment" in output and "Notes" in output  # ignored, with a note
    instance, _ = read_instance(path)
    assert instance.ward["W2"].specialties == ("surgery",)  # the merged value fills both


def test_non_breaking_spaces_and_norwegian_letters(tmp_path):
    def nordic(s: Sheets) -> None:
        s["Wards"][1][0] = "FØRDE-Æ1"
        s["Supervisors"][1][0] = "\u00a0FØRDE-Æ1 "
        s["Students"][1][4] = "FØRDE-Æ1\u00a0"
        s["Students"][1][1] = "Åse Øvrebø"

    read_ok(write_raw(tmp_path / "in.xlsx", mutated(nordic)), tmp_path)


def test_every_problem_at_once(tmp_path):
    def many(s: Sheets) -> None:
        s["Supervisors"][1][2] = -3
        s["Wards"][1][1] = "S9"
        s["Students"][1][3] = "P7"

    output = assert_rejected(write_raw(tmp_path / "in.xlsx", mutated(many)), tmp_path)
    assert "3 problems" in output


def test_a_workbook_with_only_an_empty_sheet(tmp_path):
    path = tmp_path / "in.xlsx"
    Workbook().save(path)
    assert_rejected(path, tmp_path, "Students")
