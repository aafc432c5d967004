"""End to end through the CLI: validate, solve, check, explain, capacity, re-plan, diff."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from cli import app
from placement.io.write_input import write_instance
from tests import factory as f

runner = CliRunner()


def run(*args: str | Path) -> tuple[int, str]:
    result = runner.invoke(app, [str(a) for a in args])
    assert "Traceback" not in result.output
    return result.exit_code, result.output


@pytest.fixture
def workbook(tmp_path):
    """Four students, three wards (W2 a paired ward), one locked row and one group."""
    inst = f.instance(
        students=[
            f.student("a", prefs=("W1", "W2"), name="Secret Name"),
            f.student("b", prefs=("W1",), group_id="g"),
            f.student("c", group_id="g"),
            f.student("d", locked_ward="W3"),
        ],
        wards=[f.ward("W1"), f.ward("W2"), f.ward("W3")],
        sups=[f.supervisors("W1"), f.supervisors("W2", count=2), f.supervisors("W3")],
        agreements=[f.agreement(organisation="Trust A", min_places=4)],
    )
    return write_instance(inst, tmp_path / "in.xlsx")


def test_validate_solve_check(workbook, tmp_path):
    code, output = run("validate", workbook)
    assert code == 0 and "OK" in output
    out = tmp_path / "out.xlsx"
    code, output = run("solve", workbook, "-o", out, "--time-limit", "10", "--quiet")
    assert code == 0, output
    assert "Secret Name" not in output  # names are personal data
    placed = pd.read_excel(out, sheet_name="Allocation", engine="openpyxl")
    assert len(placed) == 4
    code, output = run("check", workbook, out)
    assert code == 0 and "OK" in output
    # The same output again needs --force.
    assert run("solve", workbook, "-o", out, "--quiet")[0] == 2
    assert run("solve", workbook, "-o", out, "--quiet", "--force", "--time-limit", "10")[0] == 0


def test_explain_finds_planted_lock_conflict(tmp_path):
    inst = f.instance(
        students=[f.student("a", locked_ward="W1"), f.student("b", locked_ward="W1")],
    )
    path = write_instance(inst, tmp_path / "locks.xlsx")
    code, output = run("solve", path, "-o", tmp_path / "out.xlsx", "--quiet")
    assert code == 2 and "W1" in output
    assert not (tmp_path / "out.xlsx").exists()
    code, output = run("explain", path, "--time-limit", "10")
    assert code == 1
    assert "2 requirements cannot all hold" in output and "W1" in output


def test_explain_a_student(workbook):
    code, output = run("explain", workbook, "--student", "a", "--time-limit", "10")
    assert code == 0 and "period P1" in output


def test_capacity_report(workbook, tmp_path):
    out = tmp_path / "cap.xlsx"
    code, output = run(
        "capacity", workbook, "-o", out, "--scale-students", "nursing=2", "--time-limit", "10"
    )
    assert code == 0, output
    sheets = pd.read_excel(out, sheet_name=None, engine="openpyxl")
    assert {"Summary", "Demand", "Weekly", "Agreements", "Trusts", "Extra supervisors"} <= set(
        sheets
    )
    summary = dict(zip(sheets["Summary"]["key"], sheets["Summary"]["value"], strict=True))
    assert summary["student_rows"] == 8
    assert run("capacity", workbook, "-o", tmp_path / "x.xlsx", "--scale-students", "bad")[0] == 2


def test_replan_and_diff(workbook, tmp_path):
    first = tmp_path / "first.xlsx"
    assert run("solve", workbook, "-o", first, "--quiet", "--time-limit", "10")[0] == 0
    again = tmp_path / "again.xlsx"
    code, output = run(
        "solve", workbook, "-o", again, "--previous", first, "--quiet", "--time-limit", "10"
    )
    assert code == 0, output
    code, output = run("diff", first, again)
    assert code == 0 and "0 moved, 0 added, 0 removed" in output
