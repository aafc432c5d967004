"""Read a format-1 input workbook into a checked `Instance`, reporting every problem at once.

Sheets and columns are found under their English name or Norwegian alias,
case-, space- and underscore-insensitively. Cells go through pandas' calamine
engine; error cells, formulas without a saved result and merged ranges come
from `xlsx_meta`. Nothing is written to the input file.
"""

from __future__ import annotations

import hashlib
from collections import Counter, defaultdict
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, TypeVar

import pandas as pd
from pydantic import BaseModel, ValidationError

from placement import schema
from placement.instance import (
    Agreement,
    HistoryEntry,
    Instance,
    Institution,
    Location,
    Need,
    Period,
    Programme,
    Site,
    SupervisorRow,
    Ward,
    norm,
)
from placement.io.cells import CellError, is_blank, parse_cell
from placement.io.xlsx_meta import NotAWorkbookError, check_signature, column_letter, scan
from placement.options import SettingsError, options_from_settings
from placement.problems import InputError, Problem, did_you_mean
from placement.schema import Column, Kind, Sheet, normalise_header
from placement.validate import validate_instance

_M = TypeVar("_M", bound=BaseModel)


@dataclass(frozen=True)
class _ExcelError:
    text: str


@dataclass(frozen=True)
class _UnsavedFormula:
    """A formula cell whose result was never saved in the file (written by a program)."""

    formula: str


@dataclass
class Record:
    """One data row of a sheet: Excel row number and parsed values by canonical column."""

    row: int
    values: dict[str, Any]
    preferences: tuple[str, ...] = ()

    def get(self, column: str, default: Any = None) -> Any:
        value = self.values.get(column)
        return default if value is None else value


@dataclass
class SheetData:
    """A parsed sheet: its title in the workbook, where each column is, and its rows."""

    spec: Sheet
    title: str
    headers: dict[str, str] = field(default_factory=dict)  # canonical -> "written (C)"
    records: list[Record] = field(default_factory=list)
    complete: bool = True  # False: a required column is missing or the sheet has no rows

    def header(self, column: str) -> str:
        """The column as the coordinator sees it, e.g. `periode (D)`."""
        return self.headers.get(column, column)


class _Problems:
    def __init__(self) -> None:
        self.items: list[Problem] = []

    def error(self, message: str, **where: Any) -> None:
        self.items.append(Problem(message, severity="error", **where))

    def note(self, message: str, **where: Any) -> None:
        self.items.append(Problem(message, severity="note", **where))

    @property
    def has_errors(self) -> bool:
        return any(p.is_error for p in self.items)


def file_sha256(path: Path) -> str:
    """SHA-256 of a file's bytes, for the Run sheet's audit trail."""
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def read_instance(path: str | Path) -> tuple[Instance, list[Problem]]:
    """Read and check an input workbook.

    Returns the instance and the notes (problems that do not stop a run).
    Raises InputError with every problem found when any of them is an error.
    """
    path = Path(path)
    problems = _Problems()
    frames, meta = _open(path, problems)
    sheets = _parse_sheets(frames, meta, problems)
    instance = _build(sheets, problems, path)
    if problems.has_errors or instance is None:
        raise InputError(problems.items)
    problems.items.extend(_located(p, sheets) for p in validate_instance(instance))
    if problems.has_errors:
        raise InputError(problems.items)
    return instance, problems.items


def _located(problem: Problem, sheets: dict[str, SheetData]) -> Problem:
    """A problem found on the instance, named by the sheet and column as the workbook has them."""
    data = sheets.get(problem.sheet or "")
    if data is None:
        return problem
    column = problem.column
    if column is not None:
        column = data.headers.get(column) or (
            data.headers.get("preferences", column) if column.startswith("preference_") else column
        )
    return replace(problem, sheet=data.title, column=column)


# ---- opening the file -----------------------------------------------------------------------
def _open(path: Path, problems: _Problems) -> tuple[dict[str, pd.DataFrame], dict[str, Any]]:
    if not path.exists():
        raise InputError([Problem(f"the file {path} does not exist")])
    if path.is_dir():
        raise InputError([Problem(f"{path} is a folder, not a workbook")])
    if path.suffix.lower() == ".xls":
        raise InputError(
            [
                Problem(
                    f"{path.name} is an old Excel 97-2003 file (.xls); open it in Excel and save "
                    "it as an Excel Workbook (.xlsx)"
                )
            ]
        )
    try:
        check_signature(path)
        meta = scan(path)
    except NotAWorkbookError as error:
        raise InputError([Problem(f"{path.name}: {error}")]) from None
    except PermissionError:
        raise InputError(
            [Problem(f"{path.name}: permission denied when reading the file")]
        ) from None
    try:
        frames = pd.read_excel(path, sheet_name=None, header=None, dtype=object, engine="calamine")
    except Exception as error:
        raise InputError(
            [
                Problem(
                    f"{path.name}: the workbook could not be read ({type(error).__name__}: {error})"
                )
            ]
        ) from None
    return frames, meta


# ---- sheets and columns ----------------------------------------------------------------------
def _parse_sheets(
    frames: dict[str, pd.DataFrame], meta: dict[str, Any], problems: _Problems
) -> dict[str, SheetData]:
    by_key: dict[str, list[str]] = defaultdict(list)
    for title in frames:
        by_key[normalise_header(title)].append(title)
    sheets: dict[str, SheetData] = {}
    used: set[str] = set()
    known = {normalise_header(n) for spec in schema.SHEETS for n in spec.all_names}
    unknown = [t for t in frames if normalise_header(t) not in known]
    for spec in schema.SHEETS:
        titles = [t for name in spec.all_names for t in by_key.get(normalise_header(name), [])]
        titles = list(dict.fromkeys(titles))
        if not titles:
            if not spec.optional:
                hint = did_you_mean(spec.name, unknown) or did_you_mean(spec.alias, unknown)
                problems.error(
                    f"the workbook has no sheet {spec.name!r} (or {spec.alias!r})",
                    hint=hint or f"Sheets found: {', '.join(frames)}",
                )
            continue
        if len(titles) > 1:
            problems.error(
                f"sheets {' and '.join(map(repr, titles))} are both the {spec.name} sheet; keep one"
            )
            used.update(titles)
            continue
        title = titles[0]
        used.add(title)
        sheet_meta = meta.get(title)
        if sheet_meta is not None and sheet_meta.hidden:
            problems.note(f"sheet {title!r} is hidden in Excel; it is read all the same")
        sheets[spec.name] = _parse_sheet(spec, title, frames[title], sheet_meta, problems)
    for title in frames:
        if title not in used:
            problems.note(
                f"sheet {title!r} is not part of format {schema.FORMAT_VERSION} and is ignored"
            )
    return sheets


def _parse_sheet(
    spec: Sheet, title: str, frame: pd.DataFrame, meta: Any, problems: _Problems
) -> SheetData:
    data = SheetData(spec, title)
    grid = frame.to_numpy(dtype=object, copy=True)
    merged: list[tuple[int, int, int, int]] = []
    if meta is not None:
        for (row, col), text in meta.errors.items():
            if row < grid.shape[0] and col < grid.shape[1]:
                grid[row, col] = _ExcelError(text)
        for (row, col), formula in meta.unsaved_formulas.items():
            if row < grid.shape[0] and col < grid.shape[1] and is_blank(grid[row, col]):
                grid[row, col] = _UnsavedFormula(formula)
        for r1, c1, r2, c2 in meta.merged:  # a merged range shows its first cell everywhere
            if r1 < grid.shape[0] and c1 < grid.shape[1]:
                merged.append((r1, c1, r2, c2))
                value = grid[r1, c1]
                for r in range(r1, min(r2 + 1, grid.shape[0])):
                    for c in range(c1, min(c2 + 1, grid.shape[1])):
                        grid[r, c] = value
    header_row = _header_row(grid, spec)
    if header_row is None:
        if not spec.optional:
            problems.error(
                "the sheet is empty: it needs a header row and data rows",
                sheet=title,
                expected="headers: " + ", ".join(c.name for c in spec.columns if c.required),
            )
            data.complete = False
        return data
    for r1, c1, r2, c2 in merged:
        if r2 >= header_row:
            ref = f"{column_letter(c1)}{r1 + 1}:{column_letter(c2)}{r2 + 1}"
            problems.note(
                f"cells {ref} are merged; each of them is read as {_raw_text(grid[r1, c1])!r}",
                sheet=title,
                row=r1 + 1,
                column=column_letter(c1),
            )
    lookup = {normalise_header(n): c for c in spec.columns for n in c.all_names}
    if not any(
        isinstance(v, str)
        and (
            normalise_header(v) in lookup
            or (spec is schema.STUDENTS and schema.PREFERENCE_PATTERN.match(normalise_header(v)))
        )
        for v in grid[header_row]
    ):
        problems.error(
            f"no header row: none of the first {TITLE_ROWS} filled rows names a column of the "
            f"{spec.name} sheet",
            sheet=title,
            row=header_row + 1,
            value=", ".join(_raw_text(v) for v in grid[header_row] if not is_blank(v))[:60],
            expected="a header row naming its columns: " + ", ".join(c.name for c in spec.columns),
        )
        data.complete = False
        return data
    columns: dict[int, Column] = {}
    preference_columns: list[tuple[int, int]] = []  # (rank, column index)
    list_preference_column: int | None = None
    seen: dict[str, int] = {}
    for col in range(grid.shape[1]):
        raw = grid[header_row, col]
        if is_blank(raw) or isinstance(raw, (_ExcelError, _UnsavedFormula)):
            continue
        key = normalise_header(raw)
        column = lookup.get(key)
        if spec is schema.STUDENTS and column is None:
            match = schema.PREFERENCE_PATTERN.match(key)
            if match:
                preference_columns.append((int(match.group(1)), col))
                data.headers[f"preference_{int(match.group(1))}"] = (
                    f"{str(raw).strip()} ({column_letter(col)})"
                )
                continue
            if key in {"preferences", "ønsker", "onsker", "wishes"}:
                list_preference_column = col
                data.headers["preferences"] = f"{str(raw).strip()} ({column_letter(col)})"
                continue
        if column is None:
            problems.note(
                f"column {raw!r} is not part of the {spec.name} sheet and is ignored",
                sheet=title,
                row=header_row + 1,
                column=column_letter(col),
            )
            continue
        if column.name in seen:
            problems.error(
                f"two columns mean {column.name!r}: {column_letter(seen[column.name])} and "
                f"{column_letter(col)}; keep one",
                sheet=title,
                row=header_row + 1,
                column=f"{str(raw).strip()} ({column_letter(col)})",
            )
            continue
        seen[column.name] = col
        columns[col] = column
        data.headers[column.name] = f"{str(raw).strip()} ({column_letter(col)})"
    for column in spec.columns:
        if column.required and column.name not in seen:
            data.complete = False
            problems.error(
                f"required column {column.name!r} (or {column.alias!r}) is missing",
                sheet=title,
                row=header_row + 1,
                expected=f"a column headed {column.name!r}: {_expected(column)}",
                hint=did_you_mean(
                    column.name,
                    [
                        str(grid[header_row, c])
                        for c in range(grid.shape[1])
                        if not is_blank(grid[header_row, c])
                    ],
                ),
            )
    preference_columns.sort()
    ranks = [rank for rank, _ in preference_columns]
    if len(set(ranks)) != len(ranks):
        duplicated = sorted(r for r, n in Counter(ranks).items() if n > 1)
        problems.error(
            f"more than one column for wish number {duplicated}", sheet=title, row=header_row + 1
        )
    for r in range(header_row + 1, grid.shape[0]):
        cells = grid[r]
        if all(is_blank(v) for v in cells):
            continue
        values: dict[str, Any] = {}
        for col, column in columns.items():
            values[column.name] = _cell(cells[col], column, title, r + 1, col, data, problems)
        preferences = _preferences(
            cells, preference_columns, list_preference_column, title, r + 1, data, problems
        )
        if all(v is None for v in values.values()) and not preferences:
            continue  # only ignored columns filled
        data.records.append(Record(r + 1, values, preferences))
    if not data.records and not spec.optional and data.complete:
        data.complete = False
        problems.error(
            "the sheet has headers but no data rows",
            sheet=title,
            row=header_row + 2,
            expected=f"at least one row below the header (row {header_row + 1})",
        )
    return data


def _cell(
    raw: Any, column: Column, title: str, row: int, col: int, data: SheetData, problems: _Problems
) -> Any:
    where = {"sheet": title, "row": row, "column": _column_name(data, column, col)}
    if isinstance(raw, (_ExcelError, _UnsavedFormula)):
        _bad_cell(raw, _expected(column), where, problems)
        return None
    if is_blank(raw):
        if column.required:
            problems.error(
                f"{column.name} is required but the cell is empty",
                expected=_expected(column),
                **where,
            )
        return None
    try:
        value = parse_cell(raw, column.kind)
    except CellError as error:
        problems.error(
            f"{column.name} must be {error.expected}, not {error}",
            value=_raw_text(raw),
            expected=error.expected,
            **where,
        )
        return None
    if value in ("", ()):
        if column.required:
            problems.error(
                f"{column.name} is required but the cell is empty",
                value=_raw_text(raw),
                expected=_expected(column),
                **where,
            )
        return None
    return value


def _bad_cell(
    raw: _ExcelError | _UnsavedFormula, expected: str, where: dict[str, Any], problems: _Problems
) -> None:
    """An Excel error cell, or a formula without a saved result."""
    if isinstance(raw, _ExcelError):
        problems.error(
            f"the cell holds the Excel error {raw.text}", value=raw.text, expected=expected, **where
        )
    else:
        formula = f"the formula {raw.formula!r}" if raw.formula else "a formula"
        problems.error(
            f"the cell holds {formula} but no saved result (the file was written by a program "
            "that does not calculate formulas)",
            value=raw.formula,
            expected=expected,
            hint="Open the workbook in Excel or LibreOffice and save it, or type the value in",
            **where,
        )


def _preferences(
    cells: Any,
    columns: list[tuple[int, int]],
    list_column: int | None,
    title: str,
    row: int,
    data: SheetData,
    problems: _Problems,
) -> tuple[str, ...]:
    """Wishes in rank order; a blank wish column keeps its rank (the k-th column costs k-1)."""
    expected = "a ward_id, site_id, trust or town"
    wishes: list[str] = []
    by_rank: dict[int, str] = {}
    sources = [(0, list_column)] if list_column is not None else []
    for rank, col in [*sources, *columns]:
        raw = cells[col]
        where = {
            "sheet": title,
            "row": row,
            "column": data.headers.get(
                f"preference_{rank}" if rank else "preferences", column_letter(col)
            ),
        }
        if isinstance(raw, (_ExcelError, _UnsavedFormula)):
            _bad_cell(raw, expected, where, problems)
        elif not is_blank(raw):
            try:
                if rank:
                    by_rank[rank] = parse_cell(raw, Kind.ID)
                else:
                    wishes.extend(parse_cell(raw, Kind.LIST))
            except CellError as error:
                problems.error(
                    f"a wish must be {expected}, not {error}",
                    value=_raw_text(raw),
                    expected=expected,
                    **where,
                )
    if by_rank:
        wishes.extend(by_rank.get(rank, "") for rank in range(1, max(by_rank) + 1))
    return tuple(wishes)


def _column_name(data: SheetData, column: Column, col: int) -> str:
    return data.headers.get(column.name, f"{column.name} ({column_letter(col)})")


def _kind_text(column: Column) -> str:
    return schema.KIND_EXPECTED[column.kind]


def _expected(column: Column) -> str:
    """What a column's cells must hold: its kind, and what the column means."""
    kind = _kind_text(column)
    return f"{kind} ({column.help})" if column.help else kind


def _raw_text(raw: Any) -> str:
    if hasattr(raw, "isoformat"):
        return str(raw.isoformat())[:10]
    if isinstance(raw, float) and raw.is_integer():
        return str(int(raw))
    return str(raw)


# ---- building the instance ---------------------------------------------------------------------
def _make(
    model: type[_M], data: SheetData, rec: Record, problems: _Problems, **values: Any
) -> _M | None:
    """Build one model from a row; a value the model rejects becomes a located problem."""
    try:
        return model(**values)
    except ValidationError as error:
        for item in error.errors():
            column = str(item["loc"][0]) if item["loc"] else None
            problems.error(
                f"{column or 'the row'}: {item['msg']}",
                sheet=data.title,
                row=rec.row,
                column=data.header(column) if column else None,
                value=values.get(column) if column else None,
            )
        return None


def _keep(out: list[_M], item: _M | None) -> None:
    if item is not None:
        out.append(item)


class _Refs:
    """Where each id was defined, and checks of references to it."""

    def __init__(self, problems: _Problems, sheets: dict[str, SheetData]) -> None:
        self.problems = problems
        self.sheets = sheets
        self.rows: dict[str, dict[str, int]] = defaultdict(dict)

    def readable(self, sheet: str) -> bool:
        """Whether sheet `sheet` (canonical name) was read: present, with its columns and rows.

        References into a sheet that is missing or broken are not checked: the sheet's
        own problem is reported, and one error per reference would only repeat it.
        """
        data = self.sheets.get(sheet)
        return data is not None and data.complete

    def define(
        self, kind: str, value: str | None, sheet: SheetData, record: Record, column: str
    ) -> bool:
        if value is None:
            return False
        rows = self.rows[kind]
        if value in rows:
            self.problems.error(
                f"duplicate {column} {value!r}: already on row {rows[value]}",
                sheet=sheet.title,
                row=record.row,
                column=sheet.header(column),
                expected=f"each {column} once",
            )
            return False
        rows[value] = record.row
        return True

    def check(
        self,
        kind: str,
        value: str | None,
        sheet: SheetData,
        record: Record,
        column: str,
        defined_in: str,
    ) -> bool:
        if value is None:
            return False
        known = self.rows[kind]
        if value in known:
            return True
        if not self.readable(defined_in):
            return False
        title = self.sheets[defined_in].title
        article = "an" if column[0] in "aeiou" else "a"
        self.problems.error(
            f"{column} {value!r} is not in the {title} sheet",
            sheet=sheet.title,
            row=record.row,
            column=sheet.header(column),
            value=value,
            expected=f"{article} {column} listed in {title}",
            hint=did_you_mean(value, known),
        )
        return False


def _build(sheets: dict[str, SheetData], problems: _Problems, path: Path) -> Instance | None:
    refs = _Refs(problems, sheets)

    def sheet(name: str) -> SheetData:
        """The parsed sheet, or an empty one when an optional sheet is missing."""
        return sheets.get(name) or SheetData(next(s for s in schema.SHEETS if s.name == name), name)

    institutions = _institutions(sheet("Institutions"), refs)
    programmes = _programmes(sheet("Programmes"), refs)
    periods = _periods(sheet("Periods"), refs, {p.programme_id: p for p in programmes})
    sites = _sites(sheet("Sites"), refs)
    wards = _wards(sheet("Wards"), refs)
    supervisors = _supervisors(sheet("Supervisors"), refs)
    agreements = _agreements(sheets.get("Agreements"), refs, programmes, periods, sites)
    needs = _needs(sheet("Students"), refs, {p.period_id: p for p in periods})
    history = _history(sheet("History"), refs)
    locations = _locations(sheet("Locations"), refs)
    settings = _settings(sheet("Settings"), problems)
    costs = _costs(sheet("Costs"), problems)
    if problems.has_errors:
        return None
    norwegian = sum(
        normalise_header(s.title) == normalise_header(s.spec.alias) for s in sheets.values()
    )
    english = sum(
        normalise_header(s.title) == normalise_header(s.spec.name) for s in sheets.values()
    )
    return Instance(
        institutions=tuple(institutions),
        programmes=tuple(programmes),
        periods=tuple(periods),
        sites=tuple(sites),
        wards=tuple(wards),
        supervisors=tuple(supervisors),
        agreements=agreements,
        needs=tuple(needs),
        history=tuple(history),
        locations=tuple(locations),
        settings=settings,
        costs=costs,
        source_sha256=file_sha256(path),
        source_name=path.name,
        language="nb" if norwegian > english else "en",
    )


def _institutions(data: SheetData, refs: _Refs) -> list[Institution]:
    out: list[Institution] = []
    for rec in data.records:
        if refs.define("institution", rec.get("institution_id"), data, rec, "institution_id"):
            _keep(
                out,
                _make(
                    Institution,
                    data,
                    rec,
                    refs.problems,
                    institution_id=rec.get("institution_id"),
                    name=rec.get("name", ""),
                ),
            )
    return out


def _programmes(data: SheetData, refs: _Refs) -> list[Programme]:
    out: list[Programme] = []
    for rec in data.records:
        ok = refs.define("programme", rec.get("programme_id"), data, rec, "programme_id")
        ok &= refs.check(
            "institution", rec.get("institution_id"), data, rec, "institution_id", "Institutions"
        )
        if ok and rec.get("profession"):
            _keep(
                out,
                _make(
                    Programme,
                    data,
                    rec,
                    refs.problems,
                    programme_id=rec.get("programme_id"),
                    institution_id=rec.get("institution_id"),
                    name=rec.get("name", ""),
                    profession=rec.get("profession"),
                    students_per_supervisor=rec.get("students_per_supervisor", 1),
                    max_travel_km=rec.get("max_travel_km"),
                ),
            )
    return out


def _periods(data: SheetData, refs: _Refs, programmes: dict[str, Programme]) -> list[Period]:
    out: list[Period] = []
    for rec in data.records:
        ok = refs.define("period", rec.get("period_id"), data, rec, "period_id")
        ok &= refs.check(
            "programme", rec.get("programme_id"), data, rec, "programme_id", "Programmes"
        )
        start, end = rec.get("start_date"), rec.get("end_date")
        if start is not None and end is not None and end < start:
            refs.problems.error(
                f"end_date {end.isoformat()} is before start_date {start.isoformat()}",
                sheet=data.title,
                row=rec.row,
                column=data.header("end_date"),
                expected="an end date on or after the start date",
            )
            ok = False
        if ok and start is not None and end is not None:
            _keep(
                out,
                _make(
                    Period,
                    data,
                    rec,
                    refs.problems,
                    period_id=rec.get("period_id"),
                    programme_id=rec.get("programme_id"),
                    start_date=start,
                    end_date=end,
                    specialty=rec.get("specialty"),
                    students_per_supervisor=rec.get("students_per_supervisor"),
                ),
            )
    return out


def _sites(data: SheetData, refs: _Refs) -> list[Site]:
    out: list[Site] = []
    for rec in data.records:
        if refs.define("site", rec.get("site_id"), data, rec, "site_id"):
            _keep(
                out,
                _make(
                    Site,
                    data,
                    rec,
                    refs.problems,
                    site_id=rec.get("site_id"),
                    name=rec.get("name", ""),
                    organisation=rec.get("organisation"),
                    location=rec.get("location"),
                ),
            )
    return out


def _wards(data: SheetData, refs: _Refs) -> list[Ward]:
    out: list[Ward] = []
    for rec in data.records:
        ok = refs.define("ward", rec.get("ward_id"), data, rec, "ward_id")
        ok &= refs.check("site", rec.get("site_id"), data, rec, "site_id", "Sites")
        if ok and rec.get("specialties"):
            _keep(
                out,
                _make(
                    Ward,
                    data,
                    rec,
                    refs.problems,
                    ward_id=rec.get("ward_id"),
                    site_id=rec.get("site_id"),
                    name=rec.get("name", ""),
                    specialties=rec.get("specialties"),
                    max_students=rec.get("max_students"),
                    professions=rec.get("professions", ()),
                    tags=rec.get("tags", ()),
                    location=rec.get("location"),
                ),
            )
    return out


def _supervisors(data: SheetData, refs: _Refs) -> list[SupervisorRow]:
    out: list[SupervisorRow] = []
    for rec in data.records:
        ok = refs.check("ward", rec.get("ward_id"), data, rec, "ward_id", "Wards")
        start, end = rec.get("start_date"), rec.get("end_date")
        if start is not None and end is not None and end < start:
            refs.problems.error(
                f"end_date {end.isoformat()} is before start_date {start.isoformat()}",
                sheet=data.title,
                row=rec.row,
                column=data.header("end_date"),
                expected="an end date on or after the start date",
            )
            ok = False
        if ok and rec.get("profession") and rec.get("supervisors") is not None:
            _keep(
                out,
                _make(
                    SupervisorRow,
                    data,
                    rec,
                    refs.problems,
                    ward_id=rec.get("ward_id"),
                    profession=rec.get("profession"),
                    supervisors=rec.get("supervisors"),
                    start_date=start,
                    end_date=end,
                ),
            )
    return out


def _agreements(
    data: SheetData | None,
    refs: _Refs,
    programmes: list[Programme],
    periods: list[Period],
    sites: list[Site],
) -> tuple[Agreement, ...] | None:
    if data is None:
        return None
    if not data.records:
        refs.problems.note(
            "the Agreements sheet has no rows, so it is treated as missing: every site is open "
            "to every institution",
            sheet=data.title,
        )
        return None
    programme = {p.programme_id: p for p in programmes}
    period = {p.period_id: p for p in periods}
    organisations = {norm(s.organisation): s.organisation for s in sites if s.organisation}
    out: list[Agreement] = []
    for index, rec in enumerate(data.records, start=1):
        problems = refs.problems
        ok = refs.check(
            "institution", rec.get("institution_id"), data, rec, "institution_id", "Institutions"
        )
        site_id, organisation = rec.get("site_id"), rec.get("organisation")
        if (site_id is None) == (organisation is None):
            problems.error(
                "give exactly one of site_id and organisation"
                if site_id is None
                else "both site_id and organisation are filled in",
                sheet=data.title,
                row=rec.row,
                column=data.header("site_id"),
                expected="either a site_id (one site) or an organisation (all its sites)",
            )
            ok = False
        elif site_id is not None:
            ok &= refs.check("site", site_id, data, rec, "site_id", "Sites")
        elif norm(organisation) not in organisations and refs.readable("Sites"):
            problems.error(
                f"organisation {organisation!r} is not the organisation of any site",
                sheet=data.title,
                row=rec.row,
                column=data.header("organisation"),
                expected="a trust named in Sites.organisation",
                hint=did_you_mean(organisation, organisations.values()),
            )
            ok = False
        elif norm(organisation) not in organisations:
            ok = False
        programme_id, period_id = rec.get("programme_id"), rec.get("period_id")
        if programme_id is not None and refs.check(
            "programme", programme_id, data, rec, "programme_id", "Programmes"
        ):
            owner = programme[programme_id].institution_id if programme_id in programme else None
            if owner is not None and owner != rec.get("institution_id"):
                problems.error(
                    f"programme {programme_id!r} belongs to {owner}, not to "
                    f"{rec.get('institution_id')}",
                    sheet=data.title,
                    row=rec.row,
                    column=data.header("programme_id"),
                    expected="a programme of the agreement's institution",
                )
                ok = False
        elif programme_id is not None:
            ok = False
        if period_id is not None and refs.check(
            "period", period_id, data, rec, "period_id", "Periods"
        ):
            if (
                programme_id is not None
                and period_id in period
                and (period[period_id].programme_id != programme_id)
            ):
                problems.error(
                    f"period {period_id!r} belongs to programme "
                    f"{period[period_id].programme_id}, not {programme_id}",
                    sheet=data.title,
                    row=rec.row,
                    column=data.header("period_id"),
                    expected="a period of the agreement's programme",
                )
                ok = False
        elif period_id is not None:
            ok = False
        low, high = rec.get("min_places", 0), rec.get("max_places")
        if high is not None and low > high:
            problems.error(
                f"min_places {low} is more than max_places {high}",
                sheet=data.title,
                row=rec.row,
                column=data.header("min_places"),
                expected="min_places <= max_places",
            )
            ok = False
        if ok:
            _keep(
                out,
                _make(
                    Agreement,
                    data,
                    rec,
                    refs.problems,
                    agreement_id=f"A{index}",
                    institution_id=rec.get("institution_id"),
                    site_id=site_id,
                    organisation=organisation,
                    programme_id=programme_id,
                    period_id=period_id,
                    min_places=low,
                    max_places=high,
                ),
            )
    return tuple(out)


def _needs(data: SheetData, refs: _Refs, periods: dict[str, Period]) -> list[Need]:
    out: list[Need] = []
    seen: dict[tuple[str, str], int] = {}
    for rec in data.records:
        ok = bool(rec.get("student_id"))
        ok &= refs.check(
            "programme", rec.get("programme_id"), data, rec, "programme_id", "Programmes"
        )
        period_id = rec.get("period_id")
        if refs.check("period", period_id, data, rec, "period_id", "Periods"):
            owner = periods[period_id].programme_id if period_id in periods else None
            if owner is not None and rec.get("programme_id") and owner != rec.get("programme_id"):
                refs.problems.error(
                    f"period {period_id!r} belongs to programme {owner}, not to "
                    f"{rec.get('programme_id')}",
                    sheet=data.title,
                    row=rec.row,
                    column=data.header("period_id"),
                    expected="a period of the student's programme",
                    hint=did_you_mean(
                        period_id,
                        [
                            p
                            for p, per in periods.items()
                            if per.programme_id == rec.get("programme_id")
                        ],
                    ),
                )
                ok = False
        else:
            ok = False
        key = (rec.get("student_id"), period_id)
        if ok and key in seen:
            refs.problems.error(
                f"student {key[0]!r} is listed twice for period {period_id!r} (also row "
                f"{seen[key]})",
                sheet=data.title,
                row=rec.row,
                column=data.header("student_id"),
                expected="one row per student and period",
            )
            ok = False
        if locked := rec.get("locked_ward"):
            ok &= refs.check("ward", locked, data, rec, "locked_ward", "Wards")
        if ok:
            seen[key] = rec.row
            _keep(
                out,
                _make(
                    Need,
                    data,
                    rec,
                    refs.problems,
                    student_id=rec.get("student_id"),
                    period_id=period_id,
                    programme_id=rec.get("programme_id"),
                    name=rec.get("name", ""),
                    specialty=rec.get("specialty"),
                    preferences=rec.preferences,
                    requires=rec.get("requires", ()),
                    avoid=rec.get("avoid", ()),
                    group_id=rec.get("group_id"),
                    locked_ward=locked,
                    home_location=rec.get("home_location"),
                    row=rec.row,
                ),
            )
    return out


def _history(data: SheetData, refs: _Refs) -> list[HistoryEntry]:
    out: list[HistoryEntry] = []
    for rec in data.records:
        student_id, ward_id = rec.get("student_id"), rec.get("ward_id")
        if student_id and ward_id:
            if ward_id not in refs.rows["ward"] and refs.readable("Wards"):
                refs.problems.note(
                    f"ward {ward_id!r} is not in the Wards sheet (a ward from an earlier "
                    "semester?); the row changes nothing",
                    sheet=data.title,
                    row=rec.row,
                    column=data.header("ward_id"),
                )
            _keep(
                out,
                _make(
                    HistoryEntry, data, rec, refs.problems, student_id=student_id, ward_id=ward_id
                ),
            )
    return out


def _locations(data: SheetData, refs: _Refs) -> list[Location]:
    out: list[Location] = []
    for rec in data.records:
        ok = refs.define("location", norm(rec.get("location")) or None, data, rec, "location")
        lat, lon = rec.get("latitude"), rec.get("longitude")
        for column, value, limit in (("latitude", lat, 90), ("longitude", lon, 180)):
            if value is not None and not -limit <= value <= limit:
                refs.problems.error(
                    f"{column} {value} is out of range",
                    sheet=data.title,
                    row=rec.row,
                    column=data.header(column),
                    expected=f"decimal degrees between -{limit} and {limit}",
                )
                ok = False
        if ok and lat is not None and lon is not None:
            _keep(
                out,
                _make(
                    Location,
                    data,
                    rec,
                    refs.problems,
                    location=rec.get("location"),
                    latitude=lat,
                    longitude=lon,
                ),
            )
    return out


def _settings(data: SheetData, problems: _Problems) -> dict[str, str]:
    out: dict[str, str] = {}
    for rec in data.records:
        key, value = rec.get("key"), rec.get("value")
        if key is None or value is None:
            continue
        if key in out:
            problems.error(
                f"setting {key!r} is given twice",
                sheet=data.title,
                row=rec.row,
                column=data.header("key"),
            )
        out[key] = value
    try:
        _, notes = options_from_settings(out)
    except SettingsError as error:
        row = next((r.row for r in data.records if r.get("key") == error.key), None)
        problems.error(
            str(error),
            sheet=data.title,
            row=row,
            column=data.header("value"),
            value=error.value,
            expected=error.expected,
        )
    else:
        for note in notes:
            problems.note(note, sheet=data.title)
    return out


def _costs(data: SheetData, problems: _Problems) -> dict[str, float]:
    out: dict[str, float] = {}
    for rec in data.records:
        profession, cost = rec.get("profession"), rec.get("cost_per_student_week")
        if profession and cost is not None:
            if cost < 0:
                problems.error(
                    "a cost cannot be negative",
                    sheet=data.title,
                    row=rec.row,
                    column=data.header("cost_per_student_week"),
                    value=cost,
                    expected="a number >= 0",
                )
            out[norm(profession)] = cost
    return out


TITLE_ROWS = 10
"""How many rows above the header (a title, a note, blank rows) the reader looks past."""


def _header_row(grid: Any, spec: Sheet) -> int | None:
    """The header: the first of the top rows naming a column of the sheet.

    Other tools often put a title or a note above the table; without any known
    name in the top rows, the first non-blank row is the header (and the missing
    columns are reported against it).
    """
    names = {normalise_header(n) for c in spec.columns for n in c.all_names}
    filled = [r for r in range(grid.shape[0]) if any(not is_blank(v) for v in grid[r])]
    for r in filled[:TITLE_ROWS]:
        for value in grid[r]:
            if isinstance(value, str) and normalise_header(value) in names:
                return r
    return filled[0] if filled else None
