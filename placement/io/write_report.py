"""Write report workbooks that are not allocations: the capacity (dimensioning) report and
the difference between two allocations. Tables go through `placement.io.style`, so they
are Excel tables with frozen headers, dates as dates and formula-safe text.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any

import pandas as pd
from openpyxl import Workbook
from openpyxl.chart import LineChart, Reference
from openpyxl.utils import get_column_letter

from placement.io.atomic import atomic_path
from placement.io.style import frame_rows, write_key_value_sheet, write_table_sheet

CAPACITY_SHEETS = {
    "Summary": "Oppsummering",
    "Demand": "Etterspørsel",
    "Weekly": "Per uke",
    "Agreements": "Avtaler",
    "Trusts": "Helseforetak",
    "Extra supervisors": "Ekstra veiledere",
}


def write_capacity_report(
    path: str | Path,
    headline: Iterable[tuple[str, Any]],
    tables: dict[str, pd.DataFrame],
    *,
    language: str = "en",
    force: bool = False,
) -> Path:
    """The dimensioning report: headline figures, then one sheet per table, with a weekly chart.

    `tables` maps the canonical names of CAPACITY_SHEETS (but Summary) to DataFrames.
    """
    path = Path(path)
    book = Workbook()
    book.remove(book.active)

    def title(name: str) -> str:
        return CAPACITY_SHEETS[name] if language == "nb" else name

    write_key_value_sheet(book, title("Summary"), headline)
    for name, frame in tables.items():
        ws = write_table_sheet(book, title(name), list(frame.columns), frame_rows(frame))
        if name == "Weekly" and len(frame):
            _weekly_chart(ws, frame)
    with atomic_path(path, force=force) as tmp:
        book.save(tmp)
    return path


def weekly_wide(frame: pd.DataFrame) -> pd.DataFrame:
    """Weekly needs and supervisors, one row per week and two columns per profession."""
    if frame.empty:
        return frame
    wide = frame.pivot_table(
        index="week_start",
        columns="profession",
        values=["supervisors_needed", "supervisors_available"],
        aggfunc="sum",
        fill_value=0,
    )
    wide.columns = [f"{pair[1]} {str(pair[0]).split('_')[1]}" for pair in wide.columns]
    wide = wide[sorted(wide.columns)]
    return wide.reset_index()


def _weekly_chart(ws: Any, frame: pd.DataFrame) -> None:
    chart = LineChart()
    chart.title = "Supervisors needed and available per week"
    chart.y_axis.title = "supervisors"
    chart.x_axis.title = "week"
    rows = len(frame)
    chart.add_data(
        Reference(ws, min_col=2, max_col=len(frame.columns), min_row=1, max_row=rows + 1),
        titles_from_data=True,
    )
    chart.set_categories(Reference(ws, min_col=1, min_row=2, max_row=rows + 1))
    chart.x_axis.delete = False
    chart.y_axis.delete = False
    chart.width, chart.height = 24, 10
    ws.add_chart(chart, f"{_letter(len(frame.columns) + 2)}2")


def _letter(column: int) -> str:
    return str(get_column_letter(column))


def write_diff(
    path: str | Path, changes: pd.DataFrame, *, language: str = "en", force: bool = False
) -> Path:
    """The changes between two allocations as one table (`placement diff`)."""
    path = Path(path)
    book = Workbook()
    book.remove(book.active)
    write_table_sheet(
        book,
        "Endringer" if language == "nb" else "Changes",
        list(changes.columns),
        frame_rows(changes),
    )
    with atomic_path(path, force=force) as tmp:
        book.save(tmp)
    return path
