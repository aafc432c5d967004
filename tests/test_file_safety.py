"""Nothing is lost: outputs are atomic and never overwritten by accident, input files are
never written, an interrupted run keeps its best allocation, and runs are reproducible."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pandas as pd
import pytest
from openpyxl import load_workbook
from typer.testing import CliRunner

import placement.io.write_allocation as writer
from cli import app
from placement.check import check
from placement.demo import generate_region
from placement.io.style import StreamingWorkbook
from placement.io.write_input import write_instance
from placement.options import Options
from solver import PlacementRun, solve
from tests import factory as f

runner = CliRunner()


@pytest.fixture
def workbook(tmp_path):
    inst = f.instance(students=[f.student("a"), f.student("b")], wards=[f.ward("W1")],
                      sups=[f.supervisors("W1", count=2)])  # fmt: skip
    return write_instance(inst, tmp_path / "in.xlsx")


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_output_equal_to_input_is_refused(workbook):
    before = digest(workbook)
    result = runner.invoke(app, ["solve", str(workbook), "-o", str(workbook), "--force"])
    assert result.exit_code == 2 and "input" in result.output
    assert digest(workbook) == before


def test_crash_while_writing_leaves_the_old_output_and_no_temp_file(
    workbook, tmp_path, monkeypatch
):
    out = tmp_path / "out.xlsx"
    out.write_bytes(b"previous allocation")

    def crash(*args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr(StreamingWorkbook, "save", crash)
    result = runner.invoke(app, ["solve", str(workbook), "-o", str(out), "--force", "-q"])
    assert result.exit_code == 1 and "disk full" in result.output
    assert out.read_bytes() == b"previous allocation"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["in.xlsx", "out.xlsx"]


def test_no_allocation_writes_nothing(tmp_path):
    # Two students locked to a ward with one supervisor (one-to-one): no allocation exists.
    inst = f.instance(students=[f.student("a", locked_ward="W1"), f.student("b", locked_ward="W1")])
    path = write_instance(inst, tmp_path / "in.xlsx")
    result = runner.invoke(app, ["solve", str(path), "-o", str(tmp_path / "out.xlsx"), "-q"])
    assert result.exit_code == 2
    assert "W1" in result.output and "weeks 2-5" in result.output
    assert not (tmp_path / "out.xlsx").exists()


def test_interrupted_run_keeps_the_best_allocation_so_far():
    inst = generate_region(300, 5)
    options = Options(time_limit=30)
    holder: dict[str, PlacementRun] = {}

    def progress(level, value, bound, seconds):
        del value, bound, seconds
        if level == "shortfall":  # stop during the second level
            holder["run"].stop()

    run = holder["run"] = PlacementRun(inst, options, progress=progress)
    allocation = run.run()
    assert allocation.run is not None and allocation.run.status == "INTERRUPTED"
    assert check(inst, allocation, options).ok
    assert allocation.num_placed > 0


def test_same_input_options_and_seed_give_the_same_allocation():
    inst = generate_region(400, 7)
    options = Options(time_limit=30, seed=3)
    first, second = solve(inst, options), solve(inst, options)
    assert first.placements == second.placements


def test_run_sheet_records_what_an_audit_needs(workbook, tmp_path):
    out = tmp_path / "out.xlsx"
    result = runner.invoke(app, ["solve", str(workbook), "-o", str(out), "-q", "--seed", "4"])
    assert result.exit_code == 0, result.output
    run = pd.read_excel(out, sheet_name="Run", engine="openpyxl")
    values = dict(zip(run["key"], run["value"], strict=True))
    assert values["input_sha256"] == digest(workbook)
    assert values["seed"] == 4
    assert values["program_version"]
    assert "option_time_limit" in values


def test_formula_like_text_is_text_in_every_sheet(tmp_path):
    inst = f.instance(students=[f.student("=cmd", name="+Ada"), f.student("@b", name="-Bo")],
                      sups=[f.supervisors("W1", count=2)])  # fmt: skip
    out = writer.write_allocation(inst, solve(inst, Options(time_limit=5)), tmp_path / "o.xlsx")
    for ws in load_workbook(out).worksheets:
        for row in ws.iter_rows():
            for cell in row:
                assert cell.data_type != "f", (ws.title, cell.coordinate, cell.value)
