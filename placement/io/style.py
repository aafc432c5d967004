"""Sheets that look like a careful person made them: Excel tables, frozen headers, widths.

Every workbook the tool writes goes through `write_table_sheet`, which also
makes sure text that starts with `=`, `+`, `-` or `@` stays text (never a
formula) and dates are real Excel dates.
"""

from __future__ import annotations

import io
import itertools
import math
import numbers
import re
import zipfile
from collections.abc import Iterable, Iterator, Sequence
from datetime import date, datetime
from pathlib import Path
from typing import IO, Any
from xml.sax.saxutils import escape as xml_escape

import pandas as pd
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.utils.datetime import to_excel
from openpyxl.workbook.workbook import Workbook
from openpyxl.worksheet.filters import AutoFilter
from openpyxl.worksheet.table import Table, TableColumn, TableStyleInfo
from openpyxl.worksheet.worksheet import Worksheet

DATE_FORMAT = "yyyy-mm-dd"
_DATETIME_FORMAT = "yyyy-mm-dd hh:mm"
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
            _DATETIME_FORMAT if value.time() != datetime.min.time() else DATE_FORMAT
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


def frame_rows(frame: pd.DataFrame) -> Iterator[tuple[Any, ...]]:
    """The rows of a DataFrame as plain Python values, missing values (NA, NaN, NaT) as None.

    Nullable integer columns (`Int64`) hold `pd.NA`, which openpyxl cannot store.
    """
    plain = frame.astype(object).where(frame.notna(), None)
    return plain.itertuples(index=False, name=None)


def add_table(
    ws: Worksheet,
    headers: Sequence[str],
    rows: Iterable[Sequence[Any]],
    *,
    top: int,
    left: int = 1,
    number_formats: dict[str, str] | None = None,
) -> str:
    """Put a second (third, ...) Excel table on an existing sheet; return its cell range.

    For small tables beside or below a sheet's main one (the Summary sheet's
    chart sources, the template's instructions). Cells go through `set_cell`.
    """
    for offset, header in enumerate(headers):
        set_cell(ws, top, left + offset, header)
        ws.cell(row=top, column=left + offset).font = Font(bold=True)
    count = 0
    for count, row in enumerate(rows, start=1):
        for offset, value in enumerate(row):
            set_cell(ws, top + count, left + offset, value)
            fmt = (number_formats or {}).get(headers[offset])
            if fmt:
                ws.cell(row=top + count, column=left + offset).number_format = fmt
    ref = (
        f"{get_column_letter(left)}{top}:"
        f"{get_column_letter(left + len(headers) - 1)}{top + max(count, 1)}"
    )
    table = Table(displayName=_table_name(ws.parent, ws.title), ref=ref)
    table.tableStyleInfo = TableStyleInfo(name="TableStyleLight9", showRowStripes=True)
    ws.add_table(table)
    return ref


class StreamingWorkbook:
    """A workbook whose long tables are streamed into the saved file, not built cell by cell.

    openpyxl needs about 30 microseconds per cell to build and save a sheet, so a
    30,000-row allocation with its capacity table would take a minute. Here the
    first `head_rows` rows of each table still go through `write_table_sheet`
    (so widths, formats and tables are set up exactly as everywhere else), and
    the remaining rows are kept and written as worksheet XML by `save`, with the
    same cell types and styles `set_cell` gives: text always stays text (it is
    written as an inline string, so it can never become a formula, and a
    formula-like one gets the quote prefix), dates are real dates.
    """

    def __init__(self, *, head_rows: int = 500) -> None:
        self.workbook = Workbook()
        self.workbook.remove(self.workbook.active)
        self.head_rows = max(head_rows, 1)
        self._tails: list[_TableTail] = []

    def add_table_sheet(
        self,
        title: str,
        headers: Sequence[str],
        rows: Iterable[Sequence[Any]],
        *,
        widths: dict[str, float] | None = None,
        number_formats: dict[str, str] | None = None,
    ) -> Worksheet:
        """Like `write_table_sheet` (header in row 1), for any number of rows."""
        rows = iter(rows)
        head = list(itertools.islice(rows, self.head_rows))
        tail = list(rows)
        ws = write_table_sheet(
            self.workbook, title, headers, head, widths=widths, number_formats=number_formats
        )
        if tail:
            ref = f"A1:{get_column_letter(len(headers))}{1 + len(head) + len(tail)}"
            for table in ws.tables.values():
                table.ref = ref
                table.autoFilter = AutoFilter(ref=ref)
                # Named here: otherwise openpyxl reads them off the sheet at save time,
                # creating every cell of the table's range.
                table.tableColumns = [
                    TableColumn(id=i, name=str(h)) for i, h in enumerate(headers, start=1)
                ]
            formats = [(number_formats or {}).get(h) for h in headers]
            self._tails.append(_TableTail(ws, 2 + len(head), tail, formats, ref))
        return ws

    def save(self, path: str | Path) -> None:
        """Save the workbook with every table's streamed rows in place."""
        if not self._tails:
            self.workbook.save(path)
            return
        buffer = io.BytesIO()
        self.workbook.save(buffer)  # also gives each sheet its part name (ws.path)
        tails = {tail.ws.path.lstrip("/"): tail for tail in self._tails}
        with (
            zipfile.ZipFile(buffer) as source,
            zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as target,
        ):
            for info in source.infolist():
                data = source.read(info.filename)
                tail = tails.get(info.filename)
                if tail is None:
                    target.writestr(info, data)
                    continue
                with target.open(info.filename, "w") as out:
                    tail.write_into(data, out)


_ILLEGAL_XML = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")
_SHEET_DATA_END = b"</sheetData>"
_DIMENSION = re.compile(rb'<dimension ref="[^"]*"\s*/>')
_ROWS_PER_CHUNK = 2000


class _TableTail:
    """The rows of one table past its head: written as XML into the sheet's part."""

    def __init__(
        self,
        ws: Worksheet,
        first_row: int,
        rows: list[Sequence[Any]],
        formats: list[str | None],
        ref: str,
    ) -> None:
        self.ws = ws
        self.first_row = first_row
        self.rows = rows
        self.formats = formats
        self.ref = ref
        self.letters = [get_column_letter(c) for c in range(1, len(formats) + 1)]
        self._styles: dict[tuple[str | None, str], str] = {}
        self._plain = [self._style(col, "plain") for col in range(len(formats))]

    def write_into(self, sheet_xml: bytes, out: IO[bytes]) -> None:
        """Write the sheet's XML with these rows appended to its sheetData."""
        sheet_xml = _DIMENSION.sub(f'<dimension ref="{self.ref}" />'.encode(), sheet_xml, count=1)
        end = sheet_xml.find(_SHEET_DATA_END)
        if end < 0:  # openpyxl writes the header row, so sheetData is never empty
            raise ValueError(f"sheet {self.ws.title!r}: no sheetData to extend")
        out.write(sheet_xml[:end])
        chunk: list[str] = []
        for number, row in enumerate(self.rows, start=self.first_row):
            chunk.append(self._row_xml(number, row))
            if len(chunk) >= _ROWS_PER_CHUNK:
                out.write("".join(chunk).encode("utf-8"))
                chunk.clear()
        out.write("".join(chunk).encode("utf-8"))
        out.write(sheet_xml[end:])

    def _row_xml(self, row_number: int, row: Sequence[Any]) -> str:
        """One <row> element; plain text and numbers take a fast path (most cells)."""
        cells = []
        suffix = str(row_number)
        for col, value in enumerate(row):
            if value is None:
                continue
            ref = self.letters[col] + suffix
            value_type = type(value)
            if value_type is str:
                cells.append(self._text_xml(ref, col, value))
            elif value_type is int or (value_type is float and math.isfinite(value)):
                cells.append(f'<c r="{ref}"{self._plain[col]}><v>{value!r}</v></c>')
            else:
                cells.append(self._other_xml(ref, col, safe_value(value)))
        return f'<row r="{suffix}">{"".join(cells)}</row>'

    def _text_xml(self, ref: str, col: int, text: str) -> str:
        if not text.isprintable():
            text = _ILLEGAL_XML.sub("", text)
        style = self._style(col, "quoted") if text.startswith(_FORMULA_START) else self._plain[col]
        space = ' xml:space="preserve"' if text != text.strip() else ""
        if "&" in text or "<" in text or ">" in text:
            text = xml_escape(text)
        return f'<c r="{ref}"{style} t="inlineStr"><is><t{space}>{text}</t></is></c>'

    def _other_xml(self, ref: str, col: int, value: Any) -> str:
        """Booleans, dates, numpy numbers and anything else, as `set_cell` would store them."""
        if value is None:
            return ""
        if isinstance(value, str):
            return self._text_xml(ref, col, value)
        if isinstance(value, bool):
            return f'<c r="{ref}"{self._plain[col]} t="b"><v>{int(value)}</v></c>'
        if isinstance(value, (int, float, numbers.Real)):
            amount = _plain_number(value)
            if not math.isfinite(amount):
                return ""
            return f'<c r="{ref}"{self._plain[col]}><v>{amount!r}</v></c>'
        if isinstance(value, (date, datetime)):
            kind = (
                "datetime"
                if isinstance(value, datetime) and value.time() != datetime.min.time()
                else "date"
            )
            serial = to_excel(value, self.ws.parent.epoch)
            return f'<c r="{ref}"{self._style(col, kind)}><v>{serial!r}</v></c>'
        return self._text_xml(ref, col, str(value))

    def _style(self, col: int, kind: str) -> str:
        """The ` s="n"` attribute `set_cell` and the column's number format would give."""
        key = (self.formats[col], kind)
        attribute = self._styles.get(key)
        if attribute is None:
            probe = WriteOnlyCell(self.ws)
            if kind == "quoted":
                probe.quotePrefix = True
            fmt = self.formats[col] or {"date": DATE_FORMAT, "datetime": _DATETIME_FORMAT}.get(kind)
            if fmt:
                probe.number_format = fmt
            style_id = probe.style_id
            attribute = self._styles[key] = f' s="{style_id}"' if style_id else ""
        return attribute


def _plain_number(value: Any) -> int | float:
    """A number (numpy's too) as a Python int or float, whose `repr` Excel reads."""
    if isinstance(value, (int, float)):
        return value
    return int(value) if isinstance(value, numbers.Integral) else float(value)
