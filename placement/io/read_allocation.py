"""Read an allocation workbook back: ours, or one another tool wrote to the spec.

Only three sheets matter: Allocation (Fordeling, required), Unplaced (Ikke
plassert) and Run (Kjøring). Sheets and columns are found by name or alias,
case-, space- and underscore-insensitively, below any title rows. A bad file is
an `InputError` whose problems name the sheet, row and column.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any, TypeVar

import pandas as pd

from placement.allocation import Allocation, LevelResult, Placement, RunInfo, Unplaced
from placement.io.cells import CellError, is_blank, parse_cell
from placement.io.write_allocation import NOT_SOLVED, SHEET_NAMES
from placement.io.xlsx_meta import (
    NotAWorkbookError,
    SheetMeta,
    check_signature,
    column_letter,
    scan,
)
from placement.problems import InputError, Problem, did_you_mean
from placement.schema import Column, Kind, normalise_header

_STUDENT = Column(
    "student_id",
    "student",
    Kind.ID,
    True,
    extra_aliases=("studentnummer", "studentnr", "studentid", "kandidatnummer"),
)
_PERIOD = Column(
    "period_id", "periode", Kind.ID, True, extra_aliases=("periodeid", "praksisperiode")
)
_WARD = Column("ward_id", "post", Kind.ID, True, extra_aliases=("postid", "avdeling"))
_LOCKED = Column("locked", "låst", Kind.TEXT, help="yes or no", extra_aliases=("last",))
_REASON = Column("reason", "årsak", Kind.TEXT, extra_aliases=("arsak", "grunn"))
_KEY = Column("key", "nøkkel", Kind.TEXT, True, extra_aliases=("nokkel",))
_VALUE = Column("value", "verdi", Kind.TEXT)

_T = TypeVar("_T")
_YES = {"yes", "ja", "true", "1", "y", "j", "x"}
_NO = {"no", "nei", "false", "0", "n"}
_LEVEL_PARTS = ("value", "bound", "status", "seconds", "sense")


@dataclass(frozen=True)
class _ExcelError:
    """An Excel error value (#REF!, #N/A, ...) in place of a cell's content."""

    text: str


@dataclass
class _Table:
    """One sheet's rows: Excel row number and raw cells by canonical column name."""

    title: str
    header_row: int
    headers: dict[str, str] = field(default_factory=dict)  # canonical -> "as written (C)"
    rows: list[tuple[int, dict[str, Any]]] = field(default_factory=list)


def read_allocation(path: str | Path) -> Allocation:
    """Read the placements, unplaced rows and run details of an allocation workbook.

    Raises InputError listing every problem (missing sheet or column, blank or
    unreadable cell) when the placements cannot be read.
    """
    path = Path(path)
    meta = _open(path)
    problems: list[Problem] = []
    titles = _find_sheets(meta, problems)
    frames = _read_frames(path, [t for t in titles.values() if t])
    placements: list[Placement] = []
    unplaced: list[Unplaced] = []
    run: RunInfo | None = None
    if titles["Allocation"]:
        table = _table(frames, meta, titles["Allocation"], [_STUDENT, _PERIOD, _WARD, _LOCKED])
        placements = _rows(table, problems, _placement)
    if titles["Unplaced"]:
        table = _table(frames, meta, titles["Unplaced"], [_STUDENT, _PERIOD, _REASON])
        unplaced = _rows(table, problems, _unplaced)
    if titles["Run"]:
        table = _table(frames, meta, titles["Run"], [_KEY, _VALUE])
        run = _run_info(table, problems)
    if problems:
        raise InputError(problems)
    return Allocation(placements=tuple(placements), unplaced=tuple(unplaced), run=run)


# ---- the file and its sheets ------------------------------------------------------------------
def _open(path: Path) -> dict[str, SheetMeta]:
    """Sheet facts of a real .xlsx file, or an InputError saying what the file is instead."""
    if not path.exists():
        raise InputError([Problem(f"the file {path} does not exist")])
    if path.is_dir():
        raise InputError([Problem(f"{path} is a folder, not a workbook")])
    try:
        check_signature(path)
        return scan(path)
    except NotAWorkbookError as error:
        raise InputError([Problem(f"{path.name}: {error}")]) from None
    except PermissionError:
        raise InputError(
            [Problem(f"{path.name}: permission denied when reading the file")]
        ) from None


def _find_sheets(meta: dict[str, SheetMeta], problems: list[Problem]) -> dict[str, str | None]:
    """The workbook's title for Allocation, Unplaced and Run (None when absent)."""
    found: dict[str, str | None] = {}
    for name, required in (("Allocation", True), ("Unplaced", False), ("Run", False)):
        names = {normalise_header(n) for n in SHEET_NAMES[name].values()}
        titles = [t for t in meta if normalise_header(t) in names]
        found[name] = titles[0] if titles else None
        if len(titles) > 1:
            problems.append(
                Problem(
                    f"sheets {' and '.join(map(repr, titles))} are both the {name} sheet; keep one"
                )
            )
        elif not titles and required:
            problems.append(
                Problem(
                    f"the workbook has no sheet {name!r} (or {SHEET_NAMES[name]['nb']!r})",
                    hint=did_you_mean(name, meta) or f"Sheets found: {', '.join(meta)}",
                )
            )
    if problems:
        raise InputError(problems)
    return found


def _read_frames(path: Path, titles: list[str]) -> dict[str, pd.DataFrame]:
    try:
        frames: dict[str, pd.DataFrame] = pd.read_excel(
            path, sheet_name=titles, header=None, dtype=object, engine="calamine"
        )
    except Exception as error:
        raise InputError(
            [
                Problem(
                    f"{path.name}: the workbook could not be read ({type(error).__name__}: {error})"
                )
            ]
        ) from None
    return frames


def _table(
    frames: dict[str, pd.DataFrame], meta: dict[str, SheetMeta], title: str, columns: list[Column]
) -> _Table | Problem:
    """The sheet's rows under its first non-blank row (the header), or what is wrong."""
    grid = frames[title].to_numpy(dtype=object, copy=True)
    sheet_meta = meta.get(title)
    errors = sheet_meta.errors if sheet_meta else {}
    for (row, col), text in errors.items():
        if row < grid.shape[0] and col < grid.shape[1]:
            grid[row, col] = _ExcelError(text)
    header_row = next(
        (r for r in range(grid.shape[0]) if any(not is_blank(v) for v in grid[r])), None
    )
    if header_row is None:
        return Problem(
            "the sheet is empty: it needs a header row",
            sheet=title,
            expected="headers: " + ", ".join(c.name for c in columns if c.required),
        )
    lookup = {normalise_header(n): c for c in columns for n in c.all_names}
    positions: dict[str, int] = {}
    table = _Table(title, header_row + 1)
    for col in range(grid.shape[1]):
        raw = grid[header_row, col]
        column = None if is_blank(raw) else lookup.get(normalise_header(raw))
        if column is not None and column.name not in positions:
            positions[column.name] = col
            table.headers[column.name] = f"{str(raw).strip()} ({column_letter(col)})"
    missing = [c for c in columns if c.required and c.name not in positions]
    if missing:
        written = [str(v) for v in grid[header_row] if not is_blank(v)]
        return Problem(
            "required column(s) "
            + ", ".join(f"{c.name!r} (or {c.alias!r})" for c in missing)
            + " missing",
            sheet=title,
            row=header_row + 1,
            hint=did_you_mean(missing[0].name, written) or f"Columns found: {', '.join(written)}",
        )
    for r in range(header_row + 1, grid.shape[0]):
        cells = grid[r]
        if all(is_blank(v) for v in cells):
            continue
        table.rows.append((r + 1, {name: cells[col] for name, col in positions.items()}))
    return table


# ---- rows ---------------------------------------------------------------------------------------
class _RowReader:
    """Typed values of one row; each unusable cell becomes a located problem."""

    def __init__(self, table: _Table, row: int, cells: dict[str, Any], problems: list[Problem]):
        self.table, self.row, self.cells, self.problems = table, row, cells, problems
        self.ok = True

    def value(self, column: Column) -> Any:
        raw = self.cells.get(column.name)
        where = {
            "sheet": self.table.title,
            "row": self.row,
            "column": self.table.headers.get(column.name, column.name),
        }
        if isinstance(raw, _ExcelError):
            return self._fail(f"the cell holds the Excel error {raw.text}", value=raw.text, **where)
        if is_blank(raw):
            if column.required:
                return self._fail(f"{column.name} is required but the cell is empty", **where)
            return None
        try:
            return parse_cell(raw, column.kind)
        except CellError as error:
            return self._fail(
                f"{column.name} must be {error.expected}, not {error}",
                value=str(raw),
                expected=error.expected,
                **where,
            )

    def locked(self) -> bool:
        text = self.value(_LOCKED)
        if text is None or text.casefold() in _NO:
            return False
        if text.casefold() in _YES:
            return True
        self._fail(
            "locked must be yes or no",
            sheet=self.table.title,
            row=self.row,
            column=self.table.headers.get("locked", "locked"),
            value=text,
            expected="yes, no, ja, nei, true, false, 1, 0 or blank",
        )
        return False

    def _fail(self, message: str, **where: Any) -> None:
        self.ok = False
        self.problems.append(Problem(message, **where))


def _rows(
    table: _Table | Problem,
    problems: list[Problem],
    build: Callable[[_RowReader], _T | None],
) -> list[_T]:
    """Build one item per data row; rows with a problem are reported and left out."""
    if isinstance(table, Problem):
        problems.append(table)
        return []
    out: list[_T] = []
    for row, cells in table.rows:
        item = build(_RowReader(table, row, cells, problems))
        if item is not None:
            out.append(item)
    return out


def _placement(row: _RowReader) -> Placement | None:
    student_id, period_id, ward_id = row.value(_STUDENT), row.value(_PERIOD), row.value(_WARD)
    locked = row.locked()
    if not row.ok:
        return None
    return Placement(student_id=student_id, period_id=period_id, ward_id=ward_id, locked=locked)


def _unplaced(row: _RowReader) -> Unplaced | None:
    student_id, period_id, reason = row.value(_STUDENT), row.value(_PERIOD), row.value(_REASON)
    if not row.ok:
        return None
    return Unplaced(student_id=student_id, period_id=period_id, reason=reason or "")


# ---- the Run sheet ----------------------------------------------------------------------------
def _run_info(table: _Table | Problem, problems: list[Problem]) -> RunInfo | None:
    """Run details from key/value rows; missing keys and unreadable values keep the defaults.

    The Run sheet is a record for audits, not something an allocation depends
    on, so a hand-edited value never stops the placements from being read.
    """
    if isinstance(table, Problem):
        problems.append(table)
        return None
    values: dict[str, Any] = {}
    for _, cells in table.rows:
        key, value = cells.get("key"), cells.get("value")
        if is_blank(key) or isinstance(key, _ExcelError):
            continue
        values[str(key).strip().casefold()] = None if isinstance(value, _ExcelError) else value
    status = _text(values.get("status"))
    if status == NOT_SOLVED or (not status and not values):
        return None
    levels: dict[str, dict[str, Any]] = {}
    for key, value in values.items():
        name, _, part = key.rpartition("_")
        if name and part in _LEVEL_PARTS and not key.startswith("option_"):
            levels.setdefault(name, {})[part] = value
    return RunInfo(
        status=status,
        levels=tuple(
            LevelResult(
                name=name,
                sense=_text(parts.get("sense")) or ("max" if name == "placements" else "min"),
                value=_number(parts.get("value")),
                bound=_number(parts.get("bound")),
                status=_text(parts.get("status")),
                seconds=_number(parts.get("seconds")) or 0.0,
            )
            for name, parts in levels.items()
        ),
        seconds=_number(values.get("seconds")) or 0.0,
        seed=_whole(values.get("seed")) or 0,
        workers=_whole(values.get("workers")) or 1,
        time_limit=_number(values.get("time_limit")),
        input_sha256=_text(values.get("input_sha256")),
        input_name=_text(values.get("input_file")),
        program_version=_text(values.get("program_version")),
        options={
            key.removeprefix("option_"): _text(value)
            for key, value in values.items()
            if key.startswith("option_")
        },
        notes=tuple(n.strip() for n in _text(values.get("notes")).split(";") if n.strip()),
        started=_text(values.get("started")),
    )


def _text(value: Any) -> str:
    if is_blank(value):
        return ""
    if isinstance(value, (datetime, date)):  # pandas Timestamps too
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def _number(value: Any) -> float | None:
    if is_blank(value) or isinstance(value, bool):
        return None
    try:
        number = (
            float(str(value).strip().replace(",", ".")) if isinstance(value, str) else float(value)
        )
    except (TypeError, ValueError):
        return None
    return number if math.isfinite(number) else None


def _whole(value: Any) -> int | None:
    number = _number(value)
    return int(number) if number is not None and number.is_integer() else None
