"""Exports for the people who receive an allocation: one workbook per institution, site or trust.

An institution's workbook holds only its own students (placed, and unplaced with
the reason); a site's or a trust's holds only the students placed there, sorted
by ward and start date, and a supervision sheet with the supervisors needed per
ward, profession and week (for staffing and pay) and a chart of students per
week. Every workbook starts with an About sheet whose first row is the title
(semester and run); data tables keep their header in row 1 so that other tools
read them with pandas as they are. Files are written atomically, and all of
them are checked for overwriting before the first is written.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable
from datetime import date
from fractions import Fraction
from pathlib import Path
from typing import Any

import pandas as pd
from openpyxl import Workbook
from openpyxl.chart import BarChart, Reference
from openpyxl.styles import Font

from placement.allocation import Allocation
from placement.instance import Instance, norm
from placement.io.atomic import OutputExistsError, atomic_path
from placement.io.style import frame_rows, set_cell, write_table_sheet
from placement.report import allocation_frame, unplaced_frame
from placement.weeks import week_label

EXPORT_KINDS = ("institution", "site", "organisation")

PLACEMENT_COLUMNS = [
    "student_id",
    "name",
    "institution_id",
    "programme_id",
    "period_id",
    "start_date",
    "end_date",
    "specialty",
    "profession",
    "ward_id",
    "ward_name",
    "site_id",
    "organisation",
    "preference_rank",
    "locked",
]
SUPERVISION_COLUMNS = [
    "ward_id",
    "ward_name",
    "site_id",
    "profession",
    "week",
    "week_start",
    "students",
    "supervisors_needed",
    "supervisors_available",
]

_SHEETS = {
    "en": {"About": "About", "Placements": "Placements", "Unplaced": "Unplaced",
           "Supervision": "Supervision", "Weekly": "Students per week"},
    "nb": {"About": "Om", "Placements": "Plasseringer", "Unplaced": "Ikke plassert",
           "Supervision": "Veiledning", "Weekly": "Studenter per uke"},
}  # fmt: skip
_WORDS = {
    "en": {
        "institution": "Placements for {key}",
        "site": "Students placed at {key}",
        "organisation": "Students placed at {key}",
        "autumn": "Autumn",
        "spring": "Spring",
        "run": "run",
        "input": "input workbook",
        "sha": "input SHA-256",
        "status": "solver status",
        "placed": "students placed",
        "unplaced": "students not placed",
        "chart": "Students per week",
    },
    "nb": {
        "institution": "Praksisplasser for {key}",
        "site": "Studenter i praksis ved {key}",
        "organisation": "Studenter i praksis ved {key}",
        "autumn": "Høst",
        "spring": "Vår",
        "run": "kjøring",
        "input": "arbeidsbok med inndata",
        "sha": "SHA-256 for inndata",
        "status": "status fra løseren",
        "placed": "studenter plassert",
        "unplaced": "studenter ikke plassert",
        "chart": "Studenter per uke",
    },
}


def export_allocation(
    instance: Instance,
    allocation: Allocation,
    out_dir: str | Path,
    by: str,
    *,
    language: str | None = None,
    force: bool = False,
) -> list[Path]:
    """Write one workbook per institution, site or trust (`by`) into `out_dir`; return them.

    Raises OutputExistsError (before writing anything) when a file exists and `force`
    is not given.
    """
    if by not in EXPORT_KINDS:
        raise ValueError(f"by must be one of {', '.join(EXPORT_KINDS)}, not {by!r}")
    language = "nb" if (language or instance.language) == "nb" else "en"
    out = Path(out_dir)
    placed = allocation_frame(instance, allocation)
    unplaced = unplaced_frame(instance, allocation)
    keys = _keys(instance, placed, by)
    paths = {key: out / f"{by}-{safe_file_name(key)}.xlsx" for key in keys}
    if not force:
        existing = [p for p in paths.values() if p.exists()]
        if existing:
            raise OutputExistsError(existing[0])
    out.mkdir(parents=True, exist_ok=True)
    title_suffix = f"{semester(instance, language)}"
    written = []
    for key, path in paths.items():
        if by == "institution":
            mine = placed[placed["institution_id"] == key]
            own_unplaced = unplaced[unplaced["institution_id"] == key]
            book = _institution_book(
                instance, allocation, key, mine, own_unplaced, language, title_suffix
            )
        else:
            column = "site_id" if by == "site" else "organisation"
            mine = placed[placed[column].map(norm) == norm(key)]
            book = _site_book(instance, allocation, by, key, mine, language, title_suffix)
        with atomic_path(path, force=force) as tmp:
            book.save(tmp)
        written.append(path)
    return written


def _keys(instance: Instance, placed: pd.DataFrame, by: str) -> list[str]:
    if by == "institution":
        return [i.institution_id for i in instance.institutions]
    if by == "site":
        return sorted(set(placed["site_id"]))
    return sorted({str(o) for o in placed["organisation"] if isinstance(o, str) and o})


def safe_file_name(key: str) -> str:
    """An id as a file name on any system: letters (æøå too), digits, - and _ only."""
    return re.sub(r"[^\w\-]+", "_", key.strip(), flags=re.UNICODE).strip("_") or "unnamed"


def semester(instance: Instance, language: str) -> str:
    """`Autumn 2026`, `Spring 2027` or `Spring-Autumn 2026`, from the periods' dates."""
    words = _WORDS[language]
    if not instance.periods:
        return ""
    first = min(p.start_date for p in instance.periods)
    last = max(p.end_date for p in instance.periods)

    def half(day: date) -> str:
        return words["autumn"] if day.month >= 7 else words["spring"]

    if first.year == last.year and half(first) == half(last):
        return f"{half(first)} {first.year}"
    return f"{half(first)} {first.year} - {half(last)} {last.year}"


def _about(
    book: Workbook,
    instance: Instance,
    allocation: Allocation,
    title: str,
    facts: Iterable[tuple[str, Any]],
    language: str,
) -> None:
    """The cover sheet: the title in row 1, then the run's key facts."""
    words = _WORDS[language]
    ws = book.create_sheet(_SHEETS[language]["About"])
    ws.sheet_view.showGridLines = False
    set_cell(ws, 1, 1, title)
    ws.cell(row=1, column=1).font = Font(bold=True, size=14)
    run = allocation.run
    rows: list[tuple[str, Any]] = [
        (words["input"], (run.input_name if run else "") or instance.source_name or None),
        (words["sha"], (run.input_sha256 if run else "") or instance.source_sha256 or None),
        (words["run"], run.started if run else None),
        (words["status"], run.status if run else None),
        *facts,
    ]
    for offset, (label, value) in enumerate(rows, start=3):
        set_cell(ws, offset, 1, label)
        set_cell(ws, offset, 2, value)
        ws.cell(row=offset, column=1).font = Font(bold=True)
    ws.column_dimensions["A"].width = 28
    ws.column_dimensions["B"].width = 70


def _print_title(ws: Any, title: str) -> None:
    ws.oddHeader.center.text = title
    ws.print_title_rows = "1:1"


def _institution_book(
    instance: Instance,
    allocation: Allocation,
    institution_id: str,
    placed: pd.DataFrame,
    unplaced: pd.DataFrame,
    language: str,
    semester_text: str,
) -> Workbook:
    words, sheets = _WORDS[language], _SHEETS[language]
    name = instance.institution[institution_id].name or institution_id
    title = f"{words['institution'].format(key=name)} - {semester_text}"
    book = Workbook()
    book.remove(book.active)
    facts = [(words["placed"], len(placed)), (words["unplaced"], len(unplaced))]
    _about(book, instance, allocation, title, facts, language)
    frame = placed.sort_values(["programme_id", "period_id", "student_id"])[PLACEMENT_COLUMNS]
    ws = write_table_sheet(book, sheets["Placements"], PLACEMENT_COLUMNS, frame_rows(frame))
    _print_title(ws, title)
    ws = write_table_sheet(book, sheets["Unplaced"], list(unplaced.columns), frame_rows(unplaced))
    _print_title(ws, title)
    return book


def _site_book(
    instance: Instance,
    allocation: Allocation,
    by: str,
    key: str,
    placed: pd.DataFrame,
    language: str,
    semester_text: str,
) -> Workbook:
    words, sheets = _WORDS[language], _SHEETS[language]
    label = instance.site[key].name if by == "site" and instance.site[key].name else key
    title = f"{words[by].format(key=label)} - {semester_text}"
    book = Workbook()
    book.remove(book.active)
    _about(book, instance, allocation, title, [(words["placed"], len(placed))], language)
    frame = placed.sort_values(["ward_id", "start_date", "student_id"])[PLACEMENT_COLUMNS]
    ws = write_table_sheet(book, sheets["Placements"], PLACEMENT_COLUMNS, frame_rows(frame))
    _print_title(ws, title)
    supervision = supervision_frame(instance, allocation, set(placed["ward_id"]))
    ws = write_table_sheet(
        book,
        sheets["Supervision"],
        SUPERVISION_COLUMNS,
        frame_rows(supervision),
        number_formats={"supervisors_needed": "0.##"},
    )
    _print_title(ws, title)
    weekly = (
        supervision.groupby("week", sort=True)["students"].sum().reset_index()
        if len(supervision)
        else pd.DataFrame(columns=["week", "students"])
    )
    ws = write_table_sheet(book, sheets["Weekly"], ["week", "students"], frame_rows(weekly))
    if len(weekly):
        chart = BarChart()
        chart.type = "col"
        chart.title = words["chart"]
        chart.legend = None
        chart.add_data(
            Reference(ws, min_col=2, min_row=1, max_row=len(weekly) + 1), titles_from_data=True
        )
        chart.set_categories(Reference(ws, min_col=1, min_row=2, max_row=len(weekly) + 1))
        chart.width, chart.height = 20, 8
        ws.add_chart(chart, "D2")
    return book


def supervision_frame(instance: Instance, allocation: Allocation, wards: set[str]) -> pd.DataFrame:
    """Per ward, profession and week: students, supervisors they need (students / ratio,
    exactly as hard rule 2 counts them) and supervisors available."""
    students: dict[tuple[str, str, date], int] = defaultdict(int)
    needed: dict[tuple[str, str, date], Fraction] = defaultdict(Fraction)
    for p in allocation.placements:
        if p.ward_id not in wards:
            continue
        need = instance.need[p.key]
        profession = instance.profession_of(need)
        share = Fraction(1, instance.students_per_supervisor(need.period_id))
        for week in instance.weeks_of(need):
            students[(p.ward_id, profession, week)] += 1
            needed[(p.ward_id, profession, week)] += share
    rows = []
    for ward_id, profession, week in sorted(students):
        ward = instance.ward[ward_id]
        key = (ward_id, profession, week)
        rows.append(
            [
                ward_id,
                ward.name or None,
                ward.site_id,
                profession,
                week_label(week),
                week,
                students[key],
                float(needed[key]),
                instance.supervisors_in_week(ward_id, profession, week),
            ]
        )
    return pd.DataFrame(rows, columns=SUPERVISION_COLUMNS)
