"""Exports per institution, site and trust: read back by a second reader (pandas/openpyxl),
and opened by LibreOffice where it is installed."""

from __future__ import annotations

import shutil
import subprocess
import zipfile
from datetime import datetime
from pathlib import Path

import pandas as pd
import pytest
from openpyxl import load_workbook
from typer.testing import CliRunner

from cli import app
from placement.io.export import export_allocation, safe_file_name, semester
from placement.io.write_allocation import write_allocation
from placement.io.write_input import write_instance
from placement.options import Options
from solver import solve
from tests import factory as f

FAST = Options(time_limit=10, workers=1)


@pytest.fixture
def solved():
    """Two institutions (UNI, HVL), two sites of two trusts; five students, all placeable.

    W1 (site S1, Trust A) has two supervisors, W2 (site S2, Trust B) has three, paired
    model for HVL's programme (two students per supervisor).
    """
    inst = f.instance(
        institutions=[f.institution("UNI"), f.institution("HVL")],
        programmes=[
            f.programme("NURSE"),
            f.programme("HVL-SYK", institution_id="HVL", students_per_supervisor=2),
        ],
        periods=[f.period("P1"), f.period("P2", programme_id="HVL-SYK")],
        sites=[f.site("S1"), f.site("S2", organisation="Trust B", location="Voss")],
        wards=[f.ward("W1"), f.ward("W2", site_id="S2")],
        sups=[f.supervisors("W1", count=2), f.supervisors("W2", count=3)],
        students=[
            f.student("u1", name="=Ulla"),
            f.student("u2", prefs=("W2",)),
            f.student("h1", "P2", "HVL-SYK", prefs=("W1",)),
            f.student("h2", "P2", "HVL-SYK"),
            f.student("h3", "P2", "HVL-SYK"),
        ],
    )
    allocation = solve(inst, FAST)
    assert allocation.num_placed == 5
    return inst, allocation


def read_all(path: Path) -> dict[str, pd.DataFrame]:
    return pd.read_excel(path, sheet_name=None, engine="openpyxl")


def test_each_institution_gets_exactly_its_own_students(solved, tmp_path):
    inst, allocation = solved
    paths = export_allocation(inst, allocation, tmp_path, "institution")
    assert sorted(p.name for p in paths) == ["institution-HVL.xlsx", "institution-UNI.xlsx"]
    expected = {"UNI": {"u1", "u2"}, "HVL": {"h1", "h2", "h3"}}
    for path in paths:
        key = path.stem.removeprefix("institution-")
        sheets = read_all(path)
        assert next(iter(sheets)) == "About"
        placed = sheets["Placements"]
        assert set(placed["student_id"]) == expected[key]
        assert set(placed["institution_id"]) == {key}
        # No other institution's student anywhere in the file, in any sheet.
        cells = {str(v) for frame in sheets.values() for v in frame.to_numpy().ravel()}
        others = set().union(*(ids for k, ids in expected.items() if k != key))
        assert not cells & others
        assert isinstance(placed["start_date"].iloc[0], datetime)


def test_each_site_gets_the_students_placed_there_and_supervision(solved, tmp_path):
    inst, allocation = solved
    where = {p.student_id: inst.ward[p.ward_id].site_id for p in allocation.placements}
    paths = export_allocation(inst, allocation, tmp_path, "site")
    for path in paths:
        site = path.stem.removeprefix("site-")
        sheets = read_all(path)
        placed = sheets["Placements"]
        assert set(placed["student_id"]) == {s for s, at in where.items() if at == site}
        assert list(placed["ward_id"]) == sorted(placed["ward_id"])
        supervision = sheets["Supervision"]
        # Supervisors needed = students / students_per_supervisor, per ward and week.
        # P1 and P2 share their weeks, so every student at a ward is there every week.
        for row in supervision.itertuples():
            at_ward = [p for p in allocation.placements if p.ward_id == row.ward_id]
            needed = sum(1 / inst.students_per_supervisor(p.period_id) for p in at_ward)
            assert row.supervisors_needed == pytest.approx(needed)
            assert row.students == len(at_ward)
        assert "xl/charts/chart1.xml" in zipfile.ZipFile(path).namelist()


def test_each_trust_file_and_norwegian_names(solved, tmp_path):
    inst, allocation = solved
    paths = export_allocation(inst, allocation, tmp_path, "organisation", language="nb")
    assert sorted(p.name for p in paths) == [
        "organisation-Trust_A.xlsx",
        "organisation-Trust_B.xlsx",
    ]
    book = load_workbook(paths[0])
    assert book.sheetnames[:3] == ["Om", "Plasseringer", "Veiledning"]
    assert book["Om"]["A1"].value.endswith("Høst 2026") or "Vår 2026" in book["Om"]["A1"].value


def test_formula_like_names_stay_text(solved, tmp_path):
    inst, allocation = solved
    (path,) = [
        p for p in export_allocation(inst, allocation, tmp_path, "institution") if "UNI" in p.name
    ]
    cells = [
        c
        for row in load_workbook(path)["Placements"].iter_rows()
        for c in row
        if c.value == "=Ulla"
    ]
    assert cells and all(c.data_type == "s" for c in cells)


def test_existing_files_need_force_and_nothing_is_written_first(solved, tmp_path):
    inst, allocation = solved
    (tmp_path / "institution-UNI.xlsx").write_bytes(b"old")
    from placement.io.atomic import OutputExistsError

    with pytest.raises(OutputExistsError):
        export_allocation(inst, allocation, tmp_path, "institution")
    assert not (tmp_path / "institution-HVL.xlsx").exists()
    assert (tmp_path / "institution-UNI.xlsx").read_bytes() == b"old"
    export_allocation(inst, allocation, tmp_path, "institution", force=True)


def test_names_and_semester():
    assert safe_file_name("Helse Førde HF/2") == "Helse_Førde_HF_2"
    assert semester(f.instance(), "en") == "Spring 2026"


def test_cli_export(solved, tmp_path):
    inst, allocation = solved
    workbook = write_instance(inst, tmp_path / "in.xlsx")
    alloc = write_allocation(inst, allocation, tmp_path / "alloc.xlsx")
    result = CliRunner().invoke(
        app, ["export", str(workbook), str(alloc), "--out-dir", str(tmp_path / "out")]
    )
    assert result.exit_code == 0, result.output
    assert len(list((tmp_path / "out").glob("*.xlsx"))) == 2 + 2 + 2


@pytest.mark.skipif(shutil.which("soffice") is None, reason="LibreOffice is not installed")
def test_libreoffice_opens_every_export(solved, tmp_path):
    inst, allocation = solved
    paths = [write_allocation(inst, allocation, tmp_path / "alloc.xlsx")]
    for kind in ("institution", "site", "organisation"):
        paths += export_allocation(inst, allocation, tmp_path / kind, kind)
    out = tmp_path / "converted"
    for path in paths:
        result = subprocess.run(
            ["soffice", "--headless", "--norestore", "--convert-to", "csv", "--outdir",
             str(out / path.stem), str(path)],
            capture_output=True, text=True, timeout=180, check=False,
        )  # fmt: skip
        assert result.returncode == 0, result.stderr
        assert list((out / path.stem).glob("*.csv")), f"{path.name}: LibreOffice could not open it"
