"""Sheets that look like a careful person made them: Excel tables, frozen headers, widths.

Every workbook the tool writes goes through `write_table_sheet`, which also
makes sure text that starts with `=`, `+`, `-` or `@` stays text (never a
formula) and dates are real Excel dates.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Sequence
from datetime import date, datetime
from typing import Any

from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.workbook.workbook import Workbook
from openpyxl.worksheet.table import Table, TableStyleInfo
from openpyxl.worksheet.worksheet import Worksheet

DATE_FORMAT = "yyyy-mm-dd"
_FORMULA_START = ("=", "+", "-", "@")
_TITLE_FONT = Font(bold=True, size=13)
_SUBTITLE_FONT = Font(italic=True, color="555555")
HEADER_FILL = PatternFill("solid", fgColor="DDEBF7")


def safe_value(value: Any) -> Any:
    """A cell value that Excel will not run: None for NaN, text stays text."""
    if value is None:
        return None
    if isinstance(value, float) and math.isnan(value):
        return None
    if isinstance(value, (tuple, list, set, frozenset)):
        return ", ".join(str(v) for v in value) or None
    if hasattr(value, "to_pydatetime"):
        value = value.to_pydatetime()
    return value


def set_cell(ws: Worksheet, row: int, col: int, value: Any) -> None:
    """Write one value; strings that look like formulas are stored as plain text."""
    value = safe_value(value)
    cell = ws.cell(row=row, column=col, value=value)
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        cell.data_type = "s"
        cell.quotePrefix = True
    elif isinstance(value, datetime):
        cell.number_format = (
            "yyyy-mm-dd hh:mm" if value.time() != datetime.min.time() else (DATE_FORMAT)
        )
    elif isinstance(value, date):
        cell.number_format = DATE_FORMAT


def _table_name(workbook: Workbook, title: str) -> str:
    base = re.sub(r"\W", "_", title, flags=re.ASCII) or "Table"
    if not base[0].isalpha():
        base = "T_" + base
    existing = {t for ws in workbook.worksheets for t in ws.tables}
    name, n = base, 1
    while name in existing:
        n += 1
        name = f"{base}_{n}"
    return name


def write_table_sheet(
    workbook: Workbook,
    title: str,
    headers: Sequence[str],
    rows: Iterable[Sequence[Any]],
    *,
    heading: str | None = None,
    subheading: str | None = None,
    widths: dict[str, float] | None = None,
    number_formats: dict[str, str] | None = None,
) -> Worksheet:
    """Add a sheet holding one Excel table with a frozen, filterable header row.

    With `heading`, a title row (and an optional subtitle) goes above the table.
    """
    ws = workbook.create_sheet(title=title[:31])
    ws.sheet_view.showGridLines = False
    top = 1
    if heading:
        ws.cell(row=1, column=1, value=heading).font = _TITLE_FONT
        top = 2
        if subheading:
            set_cell(ws, 2, 1, subheading)
            ws.cell(row=2, column=1).font = _SUBTITLE_FONT
            top = 3
        top += 1  # blank spacer row
    for col, header in enumerate(headers, start=1):
        set_cell(ws, top, col, header)
        ws.cell(row=top, column=col).font = Font(bold=True)
    count = 0
    for count, row in enumerate(rows, start=1):
        for col, value in enumerate(row, start=1):
            set_cell(ws, top + count, col, value)
    last_row = top + max(count, 1)
    if not count:  # a table needs one data row; keep an empty one
        for col in range(1, len(headers) + 1):
            ws.cell(row=top + 1, column=col, value=None)
    if headers:
        ref = f"A{top}:{get_column_letter(len(headers))}{last_row}"
        table = Table(displayName=_table_name(workbook, title), ref=ref)
        table.tableStyleInfo = TableStyleInfo(name="TableStyleMedium2", showRowStripes=True)
        ws.add_table(table)
    ws.freeze_panes = ws.cell(row=top + 1, column=1)
    if number_formats:
        for col, header in enumerate(headers, start=1):
            fmt = number_formats.get(header)
            if fmt:
                for r in range(top + 1, last_row + 1):
                    ws.cell(row=r, column=col).number_format = fmt
    fit_columns(ws, headers, top, widths)
    return ws


def fit_columns(
    ws: Worksheet,
    headers: Sequence[str],
    header_row: int = 1,
    widths: dict[str, float] | None = None,
    sample: int = 500,
) -> None:
    """Set column widths to fit the header and (a sample of) the content."""
    for col, header in enumerate(headers, start=1):
        letter = get_column_letter(col)
        if widths and header in widths:
            ws.column_dimensions[letter].width = widths[header]
            continue
        longest = len(str(header)) + 3  # room for the filter button
        for r in range(header_row + 1, min(ws.max_row, header_row + sample) + 1):
            value = ws.cell(row=r, column=col).value
            if value is None:
                continue
            length = 10 if isinstance(value, (date, datetime)) else len(str(value))
            longest = max(longest, length + 1)
        ws.column_dimensions[letter].width = min(max(longest, 6), 60)


def write_key_value_sheet(
    workbook: Workbook,
    title: str,
    pairs: Iterable[tuple[str, Any]],
    *,
    headers: tuple[str, str] = ("key", "value"),
    heading: str | None = None,
) -> Worksheet:
    """A two-column key/value table (Run, Settings)."""
    ws = write_table_sheet(
        workbook, title, list(headers), ([k, v] for k, v in pairs), heading=heading
    )
    for row in ws.iter_rows(min_col=2, max_col=2):
        for cell in row:
            cell.alignment = Alignment(wrap_text=False, horizontal="left")
    return ws
