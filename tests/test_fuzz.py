"""Fuzz (issue 3, item 7): mutated workbooks end in a clean report (exit 2) or a valid
allocation, never a traceback, an uncaught exception or a hang.

Hypothesis starts from the minimal workbook (English or Norwegian) or the bigger one that
uses every sheet, then drops sheets, columns and rows, shuffles rows, renames headers,
spoils cells (numbers to text, dates to garbage, blanks, Excel errors, formulas without a
saved result) or the file's bytes. Every `validate` must exit 0 or 2; after a 0, `solve`
must write an allocation that `check` accepts, or exit 1 or 2 with a reason and no file.
"""

from __future__ import annotations

import math
import tempfile
from copy import deepcopy
from datetime import date, datetime
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl import load_workbook

from tests.cli_run import Run, cli
from tests.workbooks import bigger_sheets, minimal_sheets, write_raw

Sheets = dict[str, list[list[Any]]]

GARBAGE = st.one_of(
    st.none(),
    st.sampled_from(["", " ", "\u00a0", "\t", "n/a", "-", "TRUE", "1,5", "2026-02-30"]),
    st.text(max_size=8),
    st.integers(-5, 10**6),
    st.integers(-(10**12), 10**12),
    st.floats(allow_nan=True, allow_infinity=True),
    st.booleans(),
    st.dates(min_value=date(1900, 1, 1), max_value=date(2100, 1, 1)),
    st.datetimes(min_value=datetime(1990, 1, 1), max_value=datetime(2040, 1, 1)),
    st.sampled_from(
        [
            "W1",
            "W2",
            "S1",
            "P1",
            "P2",
            "PM",
            "NURSE",
            "MED",
            "UNI",
            "COL",
            "nursing",
            "medicine",
            "surgery",
            "Trust A",
            "Bergen",
            "101",
            "HUS",
            "HVL-SYK",
            "g1",
            "s1",
        ]
    ),
)

ERRORS = ["#REF!", "#N/A", "#VALUE!", "#DIV/0!", "#NAME?"]
ACTIONS = [
    "drop_sheet", "drop_column", "drop_row", "cell", "cell", "cell", "type", "type", "header",
    "duplicate_row", "blank_row", "shuffle", "swap_columns", "error_cell", "formula",
]  # fmt: skip


def _retype(value: Any, draw: st.DrawFn) -> Any:
    """The same information as the wrong kind of cell: number as text, date as garbage ..."""
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, (int, float)):
        return draw(st.sampled_from([str(value), f"{value} ", f"{value}.0", -value, value + 0.5]))
    if isinstance(value, (date, datetime)):
        spoilt = [value.isoformat(), value.strftime("%d.%m.%Y"), value.strftime("%m/%d/%Y")]
        return draw(st.sampled_from([*spoilt, value.toordinal(), "soon"]))
    if isinstance(value, str):
        return draw(st.sampled_from([value.upper(), f" {value}\u00a0", value[:-1], 7, None]))
    return draw(GARBAGE)


@st.composite
def mutated_workbooks(draw: st.DrawFn) -> tuple[Sheets, list[tuple[str, str, str]]]:
    """A valid workbook with sheets, columns, rows and cells dropped, shuffled or spoilt;
    with cells to make Excel error cells or formulas as (sheet, A1 reference, text)."""
    base = draw(st.sampled_from(["en", "nb", "bigger"]))
    sheets = deepcopy(
        bigger_sheets() if base == "bigger" else minimal_sheets(norwegian=base == "nb")
    )
    special: list[tuple[str, str, str]] = []
    for _ in range(draw(st.integers(0, 6))):
        name = draw(st.sampled_from(sorted(sheets)))
        rows = sheets[name]
        action = draw(st.sampled_from(ACTIONS))
        if not rows:
            continue
        r = draw(st.integers(0, len(rows) - 1))
        width = max(len(row) for row in rows)
        c = draw(st.integers(0, max(width - 1, 0)))
        if action == "drop_sheet" and len(sheets) > 1:
            del sheets[name]
        elif action == "drop_column":
            sheets[name] = [row[:c] + row[c + 1 :] for row in rows]
        elif action == "drop_row":
            del rows[r]
        elif action in ("cell", "type", "header"):
            target = rows[0 if action == "header" else r]
            if c < len(target):
                target[c] = draw(GARBAGE) if action == "cell" else _retype(target[c], draw)
        elif action == "duplicate_row":
            rows.insert(r, list(rows[r]))
        elif action == "blank_row":
            rows.insert(r, [None] * width)
        elif action == "shuffle" and len(rows) > 2:
            sheets[name] = [rows[0], *draw(st.permutations(rows[1:]))]
        elif action == "swap_columns":
            d = draw(st.integers(0, max(width - 1, 0)))
            for row in rows:
                row.extend([None] * (width - len(row)))
                row[c], row[d] = row[d], row[c]
        elif action in ("error_cell", "formula"):
            ref = f"{chr(65 + min(c, 25))}{r + 1}"
            text = draw(st.sampled_from(ERRORS)) if action == "error_cell" else "=1+1"
            special.append((name, ref, text))
    return sheets, special


def _clean(value: Any) -> Any:
    if isinstance(value, float) and math.isnan(value):  # openpyxl cannot store NaN
        return None
    if isinstance(value, str):
        return "".join(ch for ch in value if ch.isprintable() or ch in "\t\u00a0")
    return value


def _write(folder: Path, sheets: Sheets, special: list[tuple[str, str, str]]) -> Path:
    cleaned = {k: [[_clean(v) for v in row] for row in rows] for k, rows in sheets.items()}
    path = write_raw(folder / "in.xlsx", cleaned)
    specials = [s for s in special if s[0] in sheets]
    if specials:
        book = load_workbook(path)
        for name, ref, text in specials:
            book[name][ref] = text
            if text.startswith("#"):
                book[name][ref].data_type = "e"
        book.save(path)
    return path


def _assert_clean(run: Run, codes: tuple[int, ...]) -> None:
    assert run.code in codes, f"exit {run.code}:\n{run.output}"
    assert "unexpected" not in run.output, run.output  # the catch-all for unknown failures
    if run.code:
        assert run.stderr.strip(), "a failure must say why"


def _check_one(path: Path) -> None:
    folder = path.parent
    validated = cli("validate", path)
    _assert_clean(validated, (0, 2))
    if validated.code == 2:
        assert validated.lines(), validated.output  # at least one located problem
        return
    out = folder / "out.xlsx"
    solved = cli("solve", path, "-o", out, "-q", "--time-limit", "5")
    _assert_clean(solved, (0, 1, 2))
    if solved.code != 0:
        assert not out.exists()
        return
    checked = cli("check", path, out)
    assert checked.code == 0, checked.output


def _run_mutated(case: tuple[Sheets, list[tuple[str, str, str]]]) -> None:
    with tempfile.TemporaryDirectory() as folder:
        _check_one(_write(Path(folder), *case))


@st.composite
def damaged_files(draw: st.DrawFn) -> tuple[str, list[tuple[float, int]], float]:
    """A valid workbook's bytes with a few bytes overwritten and maybe the tail cut off."""
    base = draw(st.sampled_from(["en", "nb", "bigger"]))
    flips = draw(st.lists(st.tuples(st.floats(0, 1), st.integers(0, 255)), max_size=4))
    keep = draw(st.one_of(st.just(1.0), st.floats(0, 1)))
    return base, flips, keep


def _run_damaged(case: tuple[str, list[tuple[float, int]], float]) -> None:
    base, flips, keep = case
    sheets = bigger_sheets() if base == "bigger" else minimal_sheets(norwegian=base == "nb")
    with tempfile.TemporaryDirectory() as folder:
        path = write_raw(Path(folder) / "in.xlsx", sheets)
        data = bytearray(path.read_bytes())
        for where, byte in flips:
            data[min(int(where * len(data)), len(data) - 1)] = byte
        path.write_bytes(bytes(data[: max(int(keep * len(data)), 0)]))
        _check_one(path)


FAST = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
LONG = settings(max_examples=500, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@FAST
@given(mutated_workbooks())
def test_mutated_workbooks_never_crash(case):
    _run_mutated(case)


@FAST
@given(damaged_files())
def test_damaged_files_never_crash(case):
    _run_damaged(case)


@pytest.mark.slow
@LONG
@given(mutated_workbooks())
def test_mutated_workbooks_never_crash_long(case):
    _run_mutated(case)


@pytest.mark.slow
@LONG
@given(damaged_files())
def test_damaged_files_never_crash_long(case):
    _run_damaged(case)
