"""Bad input gets a clear answer (issue 3, items 1 and 2).

Every case runs through both `placement validate` and `placement solve IN -o OUT`, which
must exit 2 and print, on one line per problem: the sheet, the Excel row, the column, the
value found and what was expected (and "did you mean" for unknown ids). No traceback, no
output file, the input file's bytes unchanged. Inputs that are merely untidy (hidden or
extra sheets, merged cells, stray spaces, æøå) must read fine.
"""

from __future__ import annotations

import shutil
import subprocess
import unicodedata
import zipfile
from collections.abc import Callable
from copy import deepcopy
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from openpyxl import Workbook, load_workbook

from placement.io.read import read_instance
from tests.cli_run import Run, cli, digest, flat
from tests.workbooks import bigger_sheets, minimal_sheets, write_raw

Sheets = dict[str, list[list[Any]]]


# ---- helpers ----------------------------------------------------------------------------------
def reject(path: Path, tmp_path: Path) -> Run:
    """`validate` and `solve` both refuse `path` with exit 2 and the same problems; no output
    file appears, the input is untouched. Returns the `validate` run."""
    before = digest(path)
    out = tmp_path / "out.xlsx"
    validated = cli("validate", path)
    solved = cli("solve", path, "-o", out, "--quiet", "--time-limit", "5")
    for run in (validated, solved):
        assert run.code == 2, run.output
        assert run.lines("error"), run.output  # the problems go to stderr, as errors
        assert f"problem{'s' if len(run.lines()) > 1 else ''} to fix" in run.stderr
    assert validated.lines() == solved.lines()
    assert not validated.stdout.strip()  # nothing reported as OK
    assert not out.exists()
    assert digest(path) == before
    assert not [p for p in tmp_path.iterdir() if ".tmp" in p.name]  # no temporary files
    return validated


def assert_problem(run: Run, sheet: str, row: int | None, column: str | None, *texts: str) -> str:
    """One error line names exactly this sheet, row and column and holds every text."""
    where = ", ".join(
        part
        for part in (
            f"sheet {sheet}",
            None if row is None else f"row {row}",
            None if column is None else f"column {column}",
        )
        if part
    )
    lines = [line for line in run.lines() if line.startswith(where + ":")]
    assert lines, f"no error at {where!r} in:\n" + "\n".join(run.lines())
    matching = [line for line in lines if all(text in line for text in texts)]
    assert matching, f"{texts} not all in:\n" + "\n".join(lines)
    return matching[0]


def accept(path: Path, tmp_path: Path) -> Run:
    """`validate` exits 0 and `solve` writes an allocation that `check` accepts."""
    validated = cli("validate", path)
    assert validated.code == 0, validated.output
    assert "OK" in validated.stdout
    out = tmp_path / "out.xlsx"
    solved = cli("solve", path, "-o", out, "--quiet", "--time-limit", "5")
    assert solved.code == 0, solved.output
    checked = cli("check", path, out)
    assert checked.code == 0, checked.output
    return validated


def workbook(tmp_path: Path, change: Callable[[Sheets], object] | None = None, **kw: Any) -> Path:
    """The minimal workbook (or `bigger=True`: the bigger one), changed, written to in.xlsx."""
    sheets = deepcopy(bigger_sheets() if kw.get("bigger") else minimal_sheets(kw.get("nb", False)))
    if change is not None:
        change(sheets)
    return write_raw(tmp_path / "in.xlsx", sheets)


def edit(path: Path, change: Callable[[Workbook], object]) -> Path:
    """Change a written workbook cell by cell with openpyxl, as Excel would."""
    book = load_workbook(path)
    change(book)
    book.save(path)
    return path


def set_cell(sheet: str, row: int, col: int, value: Any) -> Callable[[Sheets], None]:
    """Change the cell at (0-based) `row`, `col` of the raw sheet rows; row 0 is the header."""

    def change(sheets: Sheets) -> None:
        sheets[sheet][row][col] = value

    return change


# ---- files that are not workbooks -------------------------------------------------------------
def test_missing_file(tmp_path):
    run = reject(tmp_path / "nope.xlsx", tmp_path)
    assert "nope.xlsx does not exist" in flat(run.stderr)


def test_a_folder_instead_of_a_file(tmp_path):
    (tmp_path / "folder.xlsx").mkdir()
    assert "folder" in flat(reject(tmp_path / "folder.xlsx", tmp_path).stderr)


@pytest.mark.parametrize(
    ("content", "says"),
    [
        (b"student_id,name,programme_id\ns1,Kari,NURSE\n", "CSV"),
        ("studentnummer;navn\n1;Åse\n".encode("latin-1"), "CSV"),
        (b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<< /Type /Catalog >>\n", "PDF"),
        (b"<html><body><table><tr><td>s1</td></tr></table></body></html>", "HTML"),
        (b"", "empty"),
        (b"\x00\x01\x02\x03 binary junk", "not an Excel workbook"),
    ],
    ids=["csv", "csv-latin1-semicolon", "pdf", "html", "empty", "binary"],
)
def test_files_renamed_to_xlsx(tmp_path, content, says):
    path = tmp_path / "in.xlsx"
    path.write_bytes(content)
    run = reject(path, tmp_path)
    assert says.casefold() in flat(run.stderr).casefold()
    assert "in.xlsx" in run.stderr


def test_zip_header_only(tmp_path):
    path = tmp_path / "in.xlsx"
    path.write_bytes(b"PK\x03\x04" + b"\x00" * 40)
    assert "damaged" in flat(reject(path, tmp_path).stderr)


@pytest.mark.parametrize("keep", [0.2, 0.5, 0.9, 0.99])
def test_truncated_workbook(tmp_path, keep):
    path = workbook(tmp_path)
    data = path.read_bytes()
    path.write_bytes(data[: int(len(data) * keep)])
    run = reject(path, tmp_path)
    assert "damaged" in flat(run.stderr) or "truncated" in flat(run.stderr)


def test_corrupt_compressed_data(tmp_path):
    path = workbook(tmp_path)
    data = bytearray(path.read_bytes())
    with zipfile.ZipFile(path) as package:
        info = max(package.infolist(), key=lambda i: i.compress_size)
    start = info.header_offset + 30 + len(info.filename.encode()) + len(info.extra)
    data[start + 5 : start + 25] = b"\xff" * 20  # inside the deflated bytes of the largest part
    path.write_bytes(bytes(data))
    assert "damaged" in flat(reject(path, tmp_path).stderr)


def test_zip_that_is_not_a_workbook(tmp_path):
    path = tmp_path / "in.xlsx"
    with zipfile.ZipFile(path, "w") as package:
        package.writestr("word/document.xml", "<document/>")  # a .docx, say
    assert "not an Excel workbook" in flat(reject(path, tmp_path).stderr)


def test_workbook_with_a_broken_sheet_part(tmp_path):
    path = workbook(tmp_path)
    with zipfile.ZipFile(path) as source:
        parts = {name: source.read(name) for name in source.namelist()}
    name = next(n for n in parts if n.startswith("xl/worksheets/sheet"))
    parts[name] = parts[name][: len(parts[name]) // 2]  # cut off mid-XML
    with zipfile.ZipFile(path, "w") as target:
        for part, data in parts.items():
            target.writestr(part, data)
    assert "could not be read" in flat(reject(path, tmp_path).stderr)


_CFB = bytes.fromhex("D0CF11E0A1B11AE1") + b"\x00" * 504  # the OLE compound file signature


def test_password_protected_workbook(tmp_path):
    # Excel saves an encrypted .xlsx as a compound file with an EncryptedPackage stream.
    path = tmp_path / "secret.xlsx"
    path.write_bytes(
        _CFB + "EncryptionInfo".encode("utf-16-le") + "EncryptedPackage".encode("utf-16-le")
    )
    assert "password" in flat(reject(path, tmp_path).stderr)


@pytest.mark.parametrize("name", ["old.xlsx", "old.xls"])
def test_old_xls_workbook(tmp_path, name):
    path = tmp_path / name
    path.write_bytes(_CFB + "Workbook".encode("utf-16-le") + b"\x00" * 200)
    run = reject(path, tmp_path)
    assert ".xls" in flat(run.stderr) and "save it as" in flat(run.stderr)


def _soffice() -> str | None:
    return shutil.which("soffice") or shutil.which("libreoffice")


def _convert(source: Path, target_format: str, folder: Path) -> Path:
    """Convert with LibreOffice (which also calculates and saves formula results)."""
    soffice = _soffice()
    assert soffice is not None
    folder.mkdir()
    subprocess.run(
        [soffice, "--headless", "--norestore", f"-env:UserInstallation=file://{folder}/profile",
         "--convert-to", target_format, "--outdir", str(folder), str(source)],
        check=True, capture_output=True, timeout=120,
    )  # fmt: skip
    return folder / f"{source.stem}.{target_format.split(':', maxsplit=1)[0]}"


@pytest.mark.skipif(_soffice() is None, reason="LibreOffice is not installed")
def test_real_xls_saved_by_libreoffice(tmp_path):
    xls = _convert(workbook(tmp_path), "xls", tmp_path / "lo")
    renamed = tmp_path / "renamed.xlsx"
    renamed.write_bytes(xls.read_bytes())
    for path in (xls, renamed):
        assert "Excel 97-2003" in flat(reject(path, tmp_path).stderr)


# ---- structure ---------------------------------------------------------------------------------
def test_missing_required_sheet(tmp_path):
    run = reject(workbook(tmp_path, lambda s: s.pop("Wards")), tmp_path)
    assert len(run.lines()) == 1  # not one more error per Supervisors row naming a ward
    assert "no sheet 'Wards' (or 'Poster')" in run.lines()[0]


def test_missing_required_sheet_norwegian(tmp_path):
    run = reject(workbook(tmp_path, lambda s: s.pop("Veiledere"), nb=True), tmp_path)
    [line] = run.lines()
    assert line.startswith("the workbook has no sheet 'Supervisors' (or 'Veiledere')")


def test_misspelt_sheet_name_suggests_the_name(tmp_path):
    run = reject(workbook(tmp_path, lambda s: s.__setitem__("Supervisor", s.pop("Supervisors"))),
                 tmp_path)  # fmt: skip
    assert any("Did you mean 'Supervisor'?" in line for line in run.lines())


def test_a_workbook_with_only_an_empty_sheet(tmp_path):
    path = tmp_path / "in.xlsx"
    Workbook().save(path)
    run = reject(path, tmp_path)
    assert any("no sheet 'Students'" in line for line in run.lines())


def test_missing_required_column(tmp_path):
    def drop_profession(s: Sheets) -> None:
        s["Programmes"] = [[r[0], r[1], r[3]] for r in s["Programmes"]]

    run = reject(workbook(tmp_path, drop_profession), tmp_path)
    assert_problem(run, "Programmes", 1, None, "required column 'profession'", "'profesjon'")
    assert len(run.lines()) == 1


def test_missing_key_column_is_one_problem(tmp_path):
    # Without its ward_id column the Wards sheet defines no ward: that is the one problem,
    # not also every Supervisors row whose ward cannot be found.
    def drop(s: Sheets) -> None:
        s["Wards"] = [r[1:] for r in s["Wards"]]

    run = reject(workbook(tmp_path, drop, bigger=True), tmp_path)
    assert len(run.lines()) == 1
    assert_problem(run, "Wards", 1, None, "required column 'ward_id'")


def test_misspelt_column_suggests_the_name(tmp_path):
    run = reject(workbook(tmp_path, set_cell("Supervisors", 0, 2, "supervisor")), tmp_path)
    assert_problem(run, "Supervisors", 1, None, "'supervisors'", "Did you mean 'supervisor'?")


def test_sheet_without_a_header_row(tmp_path):
    run = reject(workbook(tmp_path, lambda s: s["Sites"].pop(0)), tmp_path)
    assert_problem(run, "Sites", 1, None, "no header row", "site_id")
    assert len(run.lines()) == 1


@pytest.mark.parametrize("sheet", ["Students", "Wards", "Institutions", "Periods", "Supervisors"])
def test_sheet_with_headers_only(tmp_path, sheet):
    run = reject(workbook(tmp_path, lambda s: s.__setitem__(sheet, s[sheet][:1])), tmp_path)
    assert_problem(run, sheet, 2, None, "headers but no data rows")
    assert len(run.lines()) == 1  # references into the empty sheet are not errors of their own


def test_two_sheets_for_one(tmp_path):
    def both(s: Sheets) -> None:
        s["Studenter"] = deepcopy(s["Students"])

    run = reject(workbook(tmp_path, both), tmp_path)
    assert run.lines() == [
        "sheets 'Students' and 'Studenter' are both the Students sheet; keep one"
    ]


def test_two_columns_for_one(tmp_path):
    def both(s: Sheets) -> None:
        for row in s["Students"]:
            row.append(row[0])
        s["Students"][0][-1] = "studentnummer"

    run = reject(workbook(tmp_path, both), tmp_path)
    assert_problem(run, "Students", 1, "studentnummer (F)", "two columns mean 'student_id'")


# ---- ids and references ------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("sheet", "row", "column", "value"),
    [
        ("Institutions", ["UNI", "Again"], "institution_id (A)", "UNI"),
        ("Programmes", ["NURSE", "UNI", "nursing", 1], "programme_id (A)", "NURSE"),
        ("Periods", ["P1", "NURSE", "2026-02-02", "2026-02-27"], "period_id (A)", "P1"),
        ("Sites", ["S1", "Other"], "site_id (A)", "S1"),
        ("Wards", ["W1", "S1", "medicine"], "ward_id (A)", "W1"),
    ],
)
def test_duplicate_ids(tmp_path, sheet, row, column, value):
    run = reject(workbook(tmp_path, lambda s: s[sheet].append(row)), tmp_path)
    assert_problem(run, sheet, 3, column, f"duplicate {column.split()[0]} {value!r}", "row 2")


def test_duplicate_location(tmp_path):
    def twice(s: Sheets) -> None:
        s["Locations"].append(["bergen", 60.0, 5.0])

    run = reject(workbook(tmp_path, twice, bigger=True), tmp_path)
    assert_problem(run, "Locations", 5, "location (A)", "duplicate location", "row 2")


@pytest.mark.parametrize(
    ("sheet", "row", "col", "value", "column", "suggestion"),
    [
        ("Programmes", 1, 1, "UNl", "institution_id (B)", "UNI"),
        ("Periods", 1, 1, "NURS", "programme_id (B)", "NURSE"),
        ("Wards", 1, 1, "S2", "site_id (B)", "S1"),
        ("Supervisors", 1, 0, "W11", "ward_id (A)", "W1"),
        ("Students", 2, 2, "NURSES", "programme_id (C)", "NURSE"),
        ("Students", 1, 3, "P11", "period_id (D)", "P1"),
    ],
)
def test_unknown_id_suggests_the_nearest(tmp_path, sheet, row, col, value, column, suggestion):
    run = reject(workbook(tmp_path, set_cell(sheet, row, col, value)), tmp_path)
    line = assert_problem(run, sheet, row + 1, column, repr(value), "is not in the")
    assert f"Did you mean {suggestion!r}" in line


@pytest.mark.parametrize(
    ("sheet", "row", "col", "value", "column", "suggestion"),
    [
        ("Agreements", 1, 0, "UNY", "institution_id (A)", "UNI"),
        ("Agreements", 2, 1, "S4", "site_id (B)", "S3"),
        ("Agreements", 1, 2, "Trust C", "organisation (C)", "Trust B"),
        ("Agreements", 2, 3, "NURSING", "programme_id (D)", "NURSE"),
        ("Students", 9, 10, "W5", "locked_ward (K)", "W4"),
        ("Students", 1, 5, "Vos", "preference_1 (F)", "Voss"),
        ("Students", 1, 6, "Trust", "preference_2 (G)", "Trust B"),
        ("Students", 8, 8, "W9", "avoid (I)", "W4"),
    ],
)
def test_unknown_reference_in_the_bigger_workbook(
    tmp_path, sheet, row, col, value, column, suggestion
):
    path = workbook(tmp_path, set_cell(sheet, row, col, value), bigger=True)
    line = assert_problem(reject(path, tmp_path), sheet, row + 1, column, repr(value))
    assert f"Did you mean {suggestion!r}" in line


def test_unknown_id_in_a_norwegian_workbook(tmp_path):
    run = reject(workbook(tmp_path, set_cell("Studenter", 1, 3, "P2"), nb=True), tmp_path)
    line = assert_problem(run, "Studenter", 2, "periode (D)", "'P2'")
    assert "Did you mean 'P1'" in line


def test_wish_that_names_nothing(tmp_path):
    run = reject(workbook(tmp_path, set_cell("Students", 1, 4, "Hogwarts")), tmp_path)
    assert_problem(
        run, "Students", 2, "preference_1 (E)", "'Hogwarts'", "names no ward, site, trust or town",
        "expected a ward_id, site_id, organisation or location",
    )  # fmt: skip


def test_wish_that_names_nothing_norwegian(tmp_path):
    run = reject(workbook(tmp_path, set_cell("Studenter", 1, 4, "Bergn"), nb=True), tmp_path)
    line = assert_problem(run, "Studenter", 2, "ønske_1 (E)", "'Bergn'")
    assert "Did you mean 'Bergen'" in line


def test_period_of_another_programme(tmp_path):
    def add(s: Sheets) -> None:
        s["Programmes"].append(["MED", "UNI", "medicine", 1])
        s["Periods"].append(["PM", "MED", "2026-01-05", "2026-01-30", "surgery"])
        s["Students"][1][3] = "PM"

    run = reject(workbook(tmp_path, add), tmp_path)
    assert_problem(
        run, "Students", 2, "period_id (D)", "'PM'", "belongs to programme MED, not to NURSE",
        "expected a period of the student's programme",
    )  # fmt: skip


def test_student_twice_in_the_same_period(tmp_path):
    run = reject(workbook(tmp_path, set_cell("Students", 2, 0, "s1")), tmp_path)
    assert_problem(
        run, "Students", 3, "student_id (A)", "'s1'", "twice for period 'P1'", "also row 2",
        "expected one row per student and period",
    )  # fmt: skip


def test_student_id_typed_as_a_number_and_as_text_is_one_student(tmp_path):
    def twice(s: Sheets) -> None:
        s["Students"][1][0] = 12345
        s["Students"][2][0] = "12345"

    run = reject(workbook(tmp_path, twice), tmp_path)
    assert_problem(run, "Students", 3, "student_id (A)", "'12345'", "twice")


# ---- cells of the wrong kind -------------------------------------------------------------------
@pytest.mark.parametrize(
    ("sheet", "row", "col", "value", "column", "found", "expected"),
    [
        ("Supervisors", 1, 2, "two", "supervisors (C)", "'two'", "a whole number >= 0"),
        ("Supervisors", 1, 2, -1, "supervisors (C)", "'-1'", "a whole number >= 0"),
        ("Supervisors", 1, 2, 1.5, "supervisors (C)", "'1.5'", "a whole number >= 0"),
        ("Supervisors", 1, 2, "1,5", "supervisors (C)", "'1,5'", "a whole number >= 0"),
        ("Supervisors", 1, 2, 10**9, "supervisors (C)", "'1000000000'", "a whole number >= 0"),
        ("Supervisors", 1, 2, True, "supervisors (C)", "'True'", "a whole number >= 0"),
        ("Supervisors", 1, 2, " ", "supervisors (C)", "is required", "a whole number >= 0"),
        ("Programmes", 1, 3, 0, "students_per_supervisor (D)", "'0'", "a whole number >= 1"),
        ("Programmes", 1, 3, -2, "students_per_supervisor (D)", "'-2'", "a whole number >= 1"),
        ("Programmes", 1, 3, 1.5, "students_per_supervisor (D)", "'1.5'", "a whole number >= 1"),
        ("Periods", 1, 2, "next monday", "start_date (C)", "'next monday'", "a date"),
        ("Periods", 1, 3, "2026-02-30", "end_date (D)", "'2026-02-30'", "a date"),
        ("Periods", 1, 2, 46027, "start_date (C)", "'46027'", "a date"),
        ("Periods", 1, 2, None, "start_date (C)", "is required", "a date"),
        ("Students", 1, 0, date(2026, 1, 1), "student_id (A)", "'2026-01-01'", "an id"),
        ("Wards", 1, 2, date(2026, 1, 1), "specialties (C)", "'2026-01-01'", "a comma-separated"),
    ],
)
def test_wrong_kind_of_value(tmp_path, sheet, row, col, value, column, found, expected):
    run = reject(workbook(tmp_path, set_cell(sheet, row, col, value)), tmp_path)
    assert_problem(run, sheet, row + 1, column, found, f"expected {expected}")


@pytest.mark.parametrize(
    ("sheet", "row", "col", "value", "column", "found", "expected"),
    [
        ("Wards", 1, 4, -2, "max_students (E)", "'-2'", "a whole number >= 0"),
        ("Wards", 1, 4, 2.5, "max_students (E)", "'2.5'", "a whole number >= 0"),
        ("Wards", 1, 4, "many", "max_students (E)", "'many'", "a whole number >= 0"),
        ("Agreements", 1, 5, -1, "min_places (F)", "'-1'", "a whole number >= 0"),
        ("Agreements", 2, 6, 0.5, "max_places (G)", "'0.5'", "a whole number >= 0"),
        ("Supervisors", 7, 3, "soon", "start_date (D)", "'soon'", "a date"),
        ("Locations", 1, 1, "north", "latitude (B)", "'north'", "a number"),
        ("Locations", 1, 2, 500, "longitude (C)", "500.0", "decimal degrees between -180"),
    ],
)
def test_wrong_kind_of_value_in_the_bigger_workbook(
    tmp_path, sheet, row, col, value, column, found, expected
):
    path = workbook(tmp_path, set_cell(sheet, row, col, value), bigger=True)
    assert_problem(reject(path, tmp_path), sheet, row + 1, column, found, f"expected {expected}")


def test_end_date_before_start(tmp_path):
    run = reject(workbook(tmp_path, set_cell("Periods", 1, 3, "2025-12-01")), tmp_path)
    assert_problem(
        run, "Periods", 2, "end_date (D)", "2025-12-01", "before start_date 2026-01-05",
        "expected an end date on or after the start date",
    )  # fmt: skip


def test_supervisor_end_date_before_start(tmp_path):
    path = workbook(tmp_path, set_cell("Supervisors", 7, 4, date(2025, 6, 30)), bigger=True)
    assert_problem(reject(path, tmp_path), "Supervisors", 8, "end_date (E)", "2025-06-30")


def test_agreement_minimum_above_its_maximum(tmp_path):
    path = workbook(tmp_path, set_cell("Agreements", 2, 5, 3), bigger=True)
    assert_problem(reject(path, tmp_path), "Agreements", 3, "min_places (F)", "min_places 3")


def test_agreement_with_both_site_and_trust(tmp_path):
    path = workbook(tmp_path, set_cell("Agreements", 1, 1, "S1"), bigger=True)
    assert_problem(reject(path, tmp_path), "Agreements", 2, "site_id (B)", "both")


# ---- locks -------------------------------------------------------------------------------------
def _open_w4_to_physiotherapy(s: Sheets) -> None:
    """W4 (site S3, trust B) teaches rehabilitation with physiotherapy supervisors, but no
    agreement opens S3 to the college."""
    s["Wards"][4][3] = "surgery, rehabilitation"
    s["Supervisors"].append(["W4", "physiotherapy", 1, None, None])


@pytest.mark.parametrize(
    ("row", "ward", "change", "rule"),
    [
        (1, "W2", None, "W2 does not teach surgery"),
        (6, "W1", lambda s: s["Supervisors"].pop(2), "W1 has no medicine supervisors"),
        (6, "W1", set_cell("Wards", 1, 5, "nursing"), "W1 does not take medicine students"),
        (1, "W3", set_cell("Students", 1, 7, "wheelchair"), "W3 lacks the required wheelchair"),
        (8, "W1", None, "avoid list names W1"),
        (8, "W3", None, "placed at W3 before (History)"),
        (7, "W4", _open_w4_to_physiotherapy, "no agreement opens site S3 to COL"),
    ],
    ids=["specialty", "profession", "professions", "tags", "avoid", "history", "agreement"],
)
def test_locked_ward_the_student_may_not_go_to(tmp_path, row, ward, change, rule):
    def lock(s: Sheets) -> None:
        s["Students"][row][10] = ward
        if change is not None:
            change(s)

    path = workbook(tmp_path, lock, bigger=True)
    line = assert_problem(reject(path, tmp_path), "Students", row + 1, "locked_ward (K)", ward)
    assert "hard rule 1 excludes it" in line and rule in line, line


def test_locked_ward_without_supervisors_in_the_period(tmp_path):
    # s5 is locked to W4, whose nursing supervisors are there only in the first half of
    # 2026; period P1 is moved to the autumn.
    path = workbook(tmp_path, set_cell("Periods", 1, 2, date(2026, 9, 7)), bigger=True)
    edit(path, lambda b: b["Periods"].cell(row=2, column=4, value=date(2026, 10, 2)))
    line = assert_problem(reject(path, tmp_path), "Students", 10, "locked_ward (K)", "W4")
    assert "no nursing supervisors" in line and "weeks 37-40" in line, line


def test_two_locked_rows_of_one_student_in_the_same_weeks(tmp_path):
    def overlap(s: Sheets) -> None:
        s["Periods"][2][2:4] = [date(2026, 1, 19), date(2026, 2, 13)]  # P2 overlaps P1
        s["Students"][1][10] = "W1"
        s["Students"][4][10] = "W2"

    path = workbook(tmp_path, overlap, bigger=True)
    assert_problem(reject(path, tmp_path), "Students", 5, "period_id (D)", "both are locked")


# ---- Excel error cells and formulas -----------------------------------------------------------
def _error_cell(sheet: str, ref: str, text: str) -> Callable[[Workbook], None]:
    def change(book: Workbook) -> None:
        book[sheet][ref] = text
        book[sheet][ref].data_type = "e"

    return change


@pytest.mark.parametrize(
    ("sheet", "ref", "text", "column"),
    [
        ("Wards", "B2", "#REF!", "site_id (B)"),
        ("Students", "C3", "#N/A", "programme_id (C)"),
        ("Supervisors", "C2", "#DIV/0!", "supervisors (C)"),
        ("Periods", "C2", "#VALUE!", "start_date (C)"),
        ("Students", "E2", "#NAME?", "preference_1 (E)"),
        ("Sites", "D2", "#N/A", "location (D)"),  # an optional column: still an error
    ],
)
def test_excel_error_cells(tmp_path, sheet, ref, text, column):
    path = edit(workbook(tmp_path), _error_cell(sheet, ref, text))
    row = int(ref[1:])
    assert_problem(reject(path, tmp_path), sheet, row, column, f"Excel error {text}", "expected")


def test_several_error_cells_are_all_named(tmp_path):
    def errors(book: Workbook) -> None:
        _error_cell("Wards", "B2", "#REF!")(book)
        _error_cell("Students", "C3", "#N/A")(book)

    run = reject(edit(workbook(tmp_path), errors), tmp_path)
    assert_problem(run, "Wards", 2, "site_id (B)", "#REF!")
    assert_problem(run, "Students", 3, "programme_id (C)", "#N/A")
    assert "2 problems to fix" in run.stderr


def _rewrite_part(path: Path, find: bytes, replace: bytes) -> None:
    """Replace bytes in the one worksheet part that holds `find` (as Excel would have saved)."""
    with zipfile.ZipFile(path) as source:
        parts = {name: source.read(name) for name in source.namelist()}
    [name] = [n for n, data in parts.items() if n.startswith("xl/worksheets/") and find in data]
    parts[name] = parts[name].replace(find, replace)
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as target:
        for part, data in parts.items():
            target.writestr(part, data)


def test_formulas_are_read_by_their_saved_results(tmp_path):
    # openpyxl saves no results, so the cell XML is written as Excel writes it.
    path = workbook(tmp_path, set_cell("Supervisors", 1, 2, 7))
    _rewrite_part(path, b'<c r="C2" t="n"><v>7</v></c>', b'<c r="C2"><f>1+2</f><v>3</v></c>')
    _rewrite_part(
        path,
        b'<c r="A2" t="inlineStr"><is><t>W1</t></is></c><c r="B2" t="inlineStr"><is><t>nursing',
        b'<c r="A2" t="str"><f>"W"&amp;1</f><v>W1</v></c><c r="B2" t="inlineStr"><is><t>nursing',
    )
    accept(path, tmp_path)
    instance, _ = read_instance(path)
    assert instance.supervisors[0].supervisors == 3
    assert instance.supervisors[0].ward_id == "W1"


def test_formula_with_an_empty_text_result_is_a_blank_cell(tmp_path):
    path = workbook(tmp_path)
    _rewrite_part(
        path,
        b'<c r="E2" t="inlineStr"><is><t>W1</t></is></c>',
        b'<c r="E2" t="str"><f>IF(1=2,"W1","")</f><v></v></c>',
    )
    accept(path, tmp_path)
    assert read_instance(path)[0].needs[0].preferences == ()


@pytest.mark.parametrize(
    ("sheet", "ref", "formula", "column"),
    [
        ("Supervisors", "C2", "=1+1", "supervisors (C)"),
        ("Students", "D3", '=CONCATENATE("P","1")', "period_id (D)"),
        ("Sites", "D2", '=UPPER("bergen")', "location (D)"),  # optional column: no silent blank
        ("Students", "E2", "=Wards!A2", "preference_1 (E)"),
    ],
)
def test_formulas_without_saved_results(tmp_path, sheet, ref, formula, column):
    # A workbook written by a program (openpyxl here) holds formulas but not their results.
    def put(book: Workbook) -> None:
        book[sheet][ref] = formula

    path = edit(workbook(tmp_path), put)
    line = assert_problem(reject(path, tmp_path), sheet, int(ref[1:]), column, repr(formula))
    assert "no saved result" in line and "save it" in line


@pytest.mark.skipif(_soffice() is None, reason="LibreOffice is not installed")
def test_formulas_saved_by_libreoffice_are_read(tmp_path):
    def formulas(book: Workbook) -> None:
        book["Supervisors"]["C2"] = "=1+2"
        book["Students"]["D3"] = '=CONCATENATE("P","1")'

    source = edit(workbook(tmp_path), formulas)
    saved = _convert(source, "xlsx:Calc MS Excel 2007 XML", tmp_path / "lo")
    accept(saved, tmp_path)
    instance, _ = read_instance(saved)
    assert instance.supervisors[0].supervisors == 3
    assert instance.needs[1].period_id == "P1"


# ---- everything at once ------------------------------------------------------------------------
def test_every_problem_at_once(tmp_path):
    def many(s: Sheets) -> None:
        s["Supervisors"][1][2] = -3
        s["Wards"][1][1] = "S9"
        s["Students"][1][3] = "P7"
        s["Periods"][1][3] = "soon"

    run = reject(workbook(tmp_path, many), tmp_path)
    assert len(run.lines()) == 4
    assert "4 problems to fix" in run.stderr
    assert_problem(run, "Supervisors", 2, "supervisors (C)", "'-3'")
    assert_problem(run, "Wards", 2, "site_id (B)", "'S9'")
    assert_problem(run, "Students", 2, "period_id (D)", "'P7'")
    assert_problem(run, "Periods", 2, "end_date (D)", "'soon'")


def test_the_check_command_refuses_bad_input_too(tmp_path):
    good = workbook(tmp_path)
    out = tmp_path / "allocation.xlsx"
    assert cli("solve", good, "-o", out, "-q").code == 0
    bad = edit(good, _error_cell("Wards", "B2", "#REF!"))
    run = cli("check", bad, out)
    assert run.code == 2
    assert_problem(run, "Wards", 2, "site_id (B)", "#REF!")
    csv = tmp_path / "allocation-csv.xlsx"
    csv.write_bytes(b"student_id,ward_id\ns1,W1\n")
    run = cli("check", workbook(tmp_path), csv)
    assert run.code == 2 and "CSV" in flat(run.stderr)


# ---- untidy but valid input --------------------------------------------------------------------
def test_valid_workbooks_still_validate_and_solve(tmp_path):
    for name, sheets in [
        ("en", minimal_sheets()),
        ("nb", minimal_sheets(norwegian=True)),
        ("bigger", bigger_sheets()),
    ]:
        folder = tmp_path / name
        folder.mkdir()
        accept(write_raw(folder / "in.xlsx", sheets), folder)


def test_merged_cells_are_read_with_a_note(tmp_path):
    def merge_specialties(s: Sheets) -> None:
        s["Wards"].append(["W2", "S1", None])  # its specialties cell is merged with W1's
        s["Supervisors"].append(["W2", "nursing", 1])

    path = edit(workbook(tmp_path, merge_specialties), lambda b: b["Wards"].merge_cells("C2:C3"))
    run = accept(path, tmp_path)
    assert "cells C2:C3 are merged" in flat(run.stderr)
    instance, _ = read_instance(path)
    assert instance.ward["W2"].specialties == ("surgery",)  # the merged value fills both


def test_merged_header_cells_are_a_problem(tmp_path):
    path = edit(workbook(tmp_path), lambda b: b["Wards"].merge_cells("A1:B1"))
    run = reject(path, tmp_path)
    assert "cells A1:B1 are merged" in flat(run.stderr)
    assert_problem(run, "Wards", 1, None, "required column 'site_id'")


@pytest.mark.parametrize("state", ["hidden", "veryHidden"])
def test_hidden_sheets(tmp_path, state):
    def hide(book: Workbook) -> None:
        book["Wards"].sheet_state = state  # a needed sheet: read all the same
        book.create_sheet("Old notes").append(["anything"])
        book["Old notes"].sheet_state = state  # an extra one: ignored

    run = accept(edit(workbook(tmp_path), hide), tmp_path)
    notes = run.lines("note")
    assert "sheet 'Wards' is hidden in Excel; it is read all the same" in notes
    assert any("'Old notes'" in n and "ignored" in n for n in notes)


def test_hidden_rows_and_columns_are_read(tmp_path):
    def hide(book: Workbook) -> None:
        book["Students"].row_dimensions[3].hidden = True
        book["Students"].column_dimensions["D"].hidden = True

    accept(edit(workbook(tmp_path), hide), tmp_path)
    assert read_instance(tmp_path / "in.xlsx")[0].num_needs == 2


def test_non_breaking_spaces_and_stray_whitespace(tmp_path):
    def untidy(s: Sheets) -> None:
        s["Wards"][0][0] = "  Ward\u00a0ID "  # header: other case, spaces, nbsp
        s["Wards"][1][0] = "\tW1 "
        s["Supervisors"][1][0] = "\u00a0W1\u00a0"
        s["Students"][1][4] = " W1\u00a0\u200b"  # zero-width space too
        s["Students"][1][3] = "P1  "
        s["Students"][2][2] = "  NURSE"
        s["Periods"][1][2] = " 2026-01-05 "
        s["Wards"][1][2] = "surgery ,  medicine,"

    path = workbook(tmp_path, untidy)
    accept(path, tmp_path)
    instance, _ = read_instance(path)
    assert instance.needs[0].preferences == ("W1",)
    assert instance.ward["W1"].specialties == ("surgery", "medicine")


def test_sheet_names_with_stray_spaces_and_case(tmp_path):
    def rename(s: Sheets) -> None:
        s[" students "] = s.pop("Students")
        s["WARDS"] = s.pop("Wards")

    accept(workbook(tmp_path, rename), tmp_path)


def test_norwegian_letters_in_ids_and_names(tmp_path):
    def nordic(s: Sheets) -> None:
        s["Wards"][1][0] = "FØRDE-Æ1"
        s["Supervisors"][1][0] = "FØRDE-Æ1"
        s["Students"][1][4] = unicodedata.normalize("NFD", "FØRDE-Æ1 ")  # decomposed
        s["Students"][1][1] = "Åse Øvrebø"
        s["Students"][2][0] = "sæther-å"
        s["Sites"][1][2] = "Helse Førde HF"
        s["Students"][2][4] = unicodedata.normalize("NFD", "Helse Førde HF")

    path = workbook(tmp_path, nordic)
    accept(path, tmp_path)
    instance, _ = read_instance(path)
    assert instance.needs[0].preferences == ("FØRDE-Æ1",)
    assert instance.needs[1].student_id == "sæther-å"


def test_extra_sheets_and_columns_are_ignored_with_a_note(tmp_path):
    def extra(s: Sheets) -> None:
        s["Notes"] = [["anything"], ["at all"]]
        s["Students"][0].append("comment")
        s["Students"][1].append("likes mornings")
        s["Wards"][0].append("phone")

    run = accept(workbook(tmp_path, extra), tmp_path)
    notes = run.lines("note")
    assert "sheet 'Notes' is not part of format 1 and is ignored" in notes
    assert any(n.startswith("sheet Students, row 1, column F:") and "'comment'" in n for n in notes)
    assert any(n.startswith("sheet Wards, row 1, column D:") and "'phone'" in n for n in notes)


def test_title_rows_above_the_header(tmp_path):
    def titled(s: Sheets) -> None:
        s["Students"][:0] = [["Students autumn 2026"], [None]]

    accept(workbook(tmp_path, titled), tmp_path)

    def titled_and_wrong(s: Sheets) -> None:
        titled(s)
        s["Students"][3][3] = "P9"

    folder = tmp_path / "wrong"
    folder.mkdir()
    run = reject(workbook(folder, titled_and_wrong), folder)
    assert_problem(run, "Students", 4, "period_id (D)", "'P9'")  # rows counted as in Excel


def test_each_problem_is_one_line_however_long(tmp_path):
    def long_values(s: Sheets) -> None:
        s["Wards"][1][1] = "S" * 90  # an unknown site id longer than a terminal line
        s["Students"][1][3] = "a period that nobody has ever heard of, in any programme"

    run = reject(workbook(tmp_path, long_values), tmp_path)
    lines = run.stderr.splitlines()
    assert len(lines) == 3, run.stderr  # two problems and the count
    assert lines[0].startswith("error: sheet Wards, row 2, column site_id (B): ")
    assert lines[1].startswith("error: sheet Students, row 2, column period_id (D): ")


def test_paths_with_brackets_are_printed_as_they_are(tmp_path):
    folder = tmp_path / "praksis [vår] [bold]"
    folder.mkdir()
    path = workbook(folder, set_cell("Wards", 1, 1, "S2"))
    run = reject(path, folder)
    assert_problem(run, "Wards", 2, "site_id (B)", "'S2'")
    missing = cli("validate", folder / "nope.xlsx")
    assert missing.code == 2 and "praksis [vår] [bold]" in missing.stderr
    good = workbook(folder)
    (folder / "out.xlsx").write_bytes(b"x")
    exists = cli("solve", good, "-o", folder / "out.xlsx", "-q")
    assert exists.code == 2 and f"{folder / 'out.xlsx'} already exists" in exists.stderr
