"""Fuzz: mutated workbooks end in a clean report (exit 2) or a valid allocation, never a
traceback or a hang."""

from __future__ import annotations

import math
import tempfile
from copy import deepcopy
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from cli import app
from tests.workbooks import minimal_sheets, write_raw

runner = CliRunner()

GARBAGE = st.one_of(
    st.none(),
    st.just(""),
    st.text(max_size=8),
    st.integers(-5, 10**6),
    st.floats(allow_nan=True, allow_infinity=True),
    st.dates(min_value=date(1990, 1, 1), max_value=date(2040, 1, 1)),
    st.sampled_from(["W1", "S1", "P1", "NURSE", "UNI", "=1+1", "#N/A", "nursing", "surgery"]),
)


@st.composite
def mutated_workbooks(draw: st.DrawFn) -> dict[str, list[list[Any]]]:
    """The minimal workbook with sheets, columns, rows and cells dropped, shuffled or spoilt."""
    sheets = deepcopy(minimal_sheets(norwegian=draw(st.booleans())))
    for _ in range(draw(st.integers(1, 6))):
        name = draw(st.sampled_from(sorted(sheets)))
        rows = sheets[name]
        action = draw(st.sampled_from(["drop_sheet", "drop_column", "cell", "row", "shuffle"]))
        if action == "drop_sheet" and len(sheets) > 1:
            del sheets[name]
        elif action == "drop_column" and rows and rows[0]:
            column = draw(st.integers(0, len(rows[0]) - 1))
            sheets[name] = [r[:column] + r[column + 1 :] for r in rows]
        elif action == "cell" and rows:
            r = draw(st.integers(0, len(rows) - 1))
            if rows[r]:
                c = draw(st.integers(0, len(rows[r]) - 1))
                rows[r][c] = draw(GARBAGE)
        elif action == "row" and rows:
            rows.append(list(rows[draw(st.integers(0, len(rows) - 1))]))
        elif action == "shuffle" and len(rows) > 2:
            body = rows[1:]
            sheets[name] = [rows[0], *draw(st.permutations(body))]
    return sheets


def _clean(value: Any) -> Any:
    if isinstance(value, float) and math.isnan(value):  # openpyxl cannot store NaN
        return None
    if isinstance(value, str):
        return "".join(ch for ch in value if ch.isprintable())
    return value


def _check_one(sheets: dict[str, list[list[Any]]]) -> None:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "in.xlsx"
        write_raw(
            path, {k: [[_clean(v) for v in row] for row in rows] for k, rows in sheets.items()}
        )
        result = runner.invoke(app, ["validate", str(path)])
        assert result.exit_code in (0, 2), result.output
        assert "Traceback" not in result.output and "unexpected" not in result.output
        if result.exit_code != 0:
            return
        out = Path(folder) / "out.xlsx"
        solved = runner.invoke(app, ["solve", str(path), "-o", str(out), "-q", "--time-limit", "5"])
        assert solved.exit_code in (0, 1, 2), solved.output
        assert "Traceback" not in solved.output and "unexpected" not in solved.output
        if solved.exit_code == 0:
            checked = runner.invoke(app, ["check", str(path), str(out)])
            assert checked.exit_code == 0, checked.output


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(mutated_workbooks())
def test_mutated_workbooks_never_crash(sheets):
    _check_one(sheets)


@pytest.mark.slow
@settings(max_examples=500, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(mutated_workbooks())
def test_mutated_workbooks_never_crash_long(sheets):
    _check_one(sheets)
