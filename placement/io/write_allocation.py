"""Write the coordinator's allocation workbook (spec, "The allocation workbook").

Sheets, in order: Allocation, Unplaced, Agreements, Capacity, Capacity grid,
Summary, Run (Norwegian names with `language="nb"`). The data comes from
`placement.report`; this module only lays it out. Column headers are always
the spec's canonical English names, because other tools read them; only sheet
names and the human labels of Summary and Run are translated. The four data
sheets have their header in row 1 so that `pandas.read_excel` reads them as is.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pandas as pd
from openpyxl.chart import BarChart, Reference
from openpyxl.formatting.rule import ColorScaleRule
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from placement import report
from placement.allocation import Allocation, RunInfo
from placement.instance import Instance, norm
from placement.io.atomic import atomic_path
from placement.io.style import StreamingWorkbook, add_table, frame_rows, set_cell
from placement.options import Options
from placement.weeks import week_label

SHEET_NAMES: dict[str, dict[str, str]] = {
    "Allocation": {"en": "Allocation", "nb": "Fordeling"},
    "Unplaced": {"en": "Unplaced", "nb": "Ikke plassert"},
    "Agreements": {"en": "Agreements", "nb": "Avtaler"},
    "Capacity": {"en": "Capacity", "nb": "Kapasitet"},
    "Capacity grid": {"en": "Capacity grid", "nb": "Kapasitetskart"},
    "Summary": {"en": "Summary", "nb": "Oppsummering"},
    "Run": {"en": "Run", "nb": "Kjøring"},
    "Groups": {"en": "Groups", "nb": "Grupper"},
    "Changes": {"en": "Changes", "nb": "Endringer"},
    "Costs": {"en": "Costs", "nb": "Kostnader"},
}
"""Each sheet of the allocation workbook by canonical name: its title per language."""

NOT_SOLVED = "not solved"
"""The Run sheet's status when the allocation carries no run details."""

RUN_HEADERS = ("key", "value", "description")
GRID_ID_COLUMNS = ("ward_id", "ward_name", "site_id")
PERCENT = "0%"

_SUMMARY_LABELS_NB = {
    "student rows": "studentrader",
    "students": "studenter",
    "placed": "plassert",
    "unplaced": "ikke plassert",
    "placed share": "andel plassert",
    "shortfall below agreement minimums": "mangel under avtalte minimum",
    "agreements short of their minimum": "avtaler under minimum",
    "wish cost": "ønskekostnad",
    "wards": "poster",
    "wards used": "poster i bruk",
    "institutions": "institusjoner",
    "programmes": "studieprogram",
    "periods": "praksisperioder",
    "none of the wishes": "ingen av ønskene",
    "groups split": "grupper delt",
    "total travel km": "samlet reisevei km",
    "peak supervisor load %": "høyeste veilederbelastning %",
    "students moved": "studenter flyttet",
    "total cost": "samlet kostnad",
    "no wishes given": "ingen ønsker oppgitt",
}
_LEVEL_NAMES_NB = {
    "placements": "plasseringer",
    "shortfall": "mangel under minimum",
    "wish_cost": "ønskekostnad",
    "moves": "flyttinger",
    "unwished": "uten oppfylt ønske",
    "worst_rank": "dårligste ønske",
    "repeats": "gjentatte steder",
    "groups_split": "delte grupper",
    "travel_km": "reisevei km",
    "peak_load": "høyeste belastning %",
}
_TEXT: dict[str, dict[str, str]] = {
    "en": {
        "title": "Allocation of {source}",
        "title_plain": "Allocation",
        "wish_chart": "Wishes met",
        "trust_chart": "Placements per trust and agreed places",
        "placements_axis": "placements",
        "no_trust": "(no trust)",
        "status": "solver status",
        "level_value": "{level}: value reached",
        "level_bound": "{level}: best proven bound",
        "level_status": "{level}: solver status",
        "level_seconds": "{level}: seconds",
        "level_sense": "{level}: max or min",
        "seconds": "seconds for the whole run",
        "seed": "random seed",
        "workers": "solver threads",
        "time_limit": "time limit in seconds",
        "input_file": "input workbook",
        "input_sha256": "SHA-256 checksum of the input workbook",
        "program_version": "program version",
        "started": "started at",
        "option": "option {key}",
        "notes": "notes",
    },
    "nb": {
        "title": "Fordeling for {source}",
        "title_plain": "Fordeling",
        "wish_chart": "Oppfylte ønsker",
        "trust_chart": "Plasseringer per helseforetak og avtalte plasser",
        "placements_axis": "plasseringer",
        "no_trust": "(uten helseforetak)",
        "status": "status fra løseren",
        "level_value": "{level}: oppnådd verdi",
        "level_bound": "{level}: beste beviste grense",
        "level_status": "{level}: status fra løseren",
        "level_seconds": "{level}: sekunder",
        "level_sense": "{level}: maks eller min",
        "seconds": "sekunder for hele kjøringen",
        "seed": "frø for tilfeldige valg",
        "workers": "tråder i løseren",
        "time_limit": "tidsgrense i sekunder",
        "input_file": "arbeidsbok med inndata",
        "input_sha256": "SHA-256-sjekksum for inndata-arbeidsboken",
        "program_version": "programversjon",
        "started": "startet",
        "option": "innstilling {key}",
        "notes": "merknader",
    },
}


def sheet_title(name: str, language: str) -> str:
    """The title of allocation sheet `name` (canonical) in `language` ("en" or "nb")."""
    return SHEET_NAMES[name]["nb" if language == "nb" else "en"]


def write_allocation(
    instance: Instance,
    allocation: Allocation,
    path: str | Path,
    *,
    options: Options | None = None,
    language: str | None = None,
    force: bool = False,
    changes: pd.DataFrame | None = None,
) -> Path:
    """Write the allocation workbook for `allocation` of `instance` to `path`, atomically.

    `language` ("en" or "nb") names the sheets; None takes the input's language.
    `options` are those of the run (for the wish cost in the Summary).
    `changes` (a re-planning run's moves, `placement.changes.changes_frame`) adds a
    Changes sheet. Groups and Costs sheets are added when the input has groups or costs.
    Raises OutputExistsError when `path` exists and `force` is not given.
    """
    path = Path(path)
    language = "nb" if (language or instance.language) == "nb" else "en"
    with atomic_path(path, force=force) as tmp:
        book = _build(instance, allocation, options, language, changes)
        book.save(tmp)
    return path


def _build(
    instance: Instance,
    allocation: Allocation,
    options: Options | None,
    language: str,
    changes: pd.DataFrame | None = None,
) -> StreamingWorkbook:
    book = StreamingWorkbook()
    allocation_frame = report.allocation_frame(instance, allocation)
    capacity_frame = report.capacity_frame(instance, allocation)
    _add_frame(book, sheet_title("Allocation", language), allocation_frame)
    _add_frame(book, sheet_title("Unplaced", language), report.unplaced_frame(instance, allocation))
    _add_frame(
        book, sheet_title("Agreements", language), report.agreements_frame(instance, allocation)
    )
    _add_frame(book, sheet_title("Capacity", language), capacity_frame)
    _add_capacity_grid(book, instance, capacity_frame, language)
    _add_summary(book, instance, allocation, allocation_frame, options, language)
    _add_run(book, allocation.run, language)
    groups = report.groups_frame(instance, allocation)
    if len(groups):
        _add_frame(book, sheet_title("Groups", language), groups)
    if changes is not None:
        _add_frame(book, sheet_title("Changes", language), changes)
    if instance.costs:
        _add_frame(book, sheet_title("Costs", language), report.costs_frame(instance, allocation))
    return book


def _add_frame(book: StreamingWorkbook, title: str, frame: pd.DataFrame) -> Worksheet:
    """A data sheet: the frame as an Excel table, header in row 1."""
    return book.add_table_sheet(title, list(frame.columns), frame_rows(frame))


# ---- Capacity grid ------------------------------------------------------------------------------
def _add_capacity_grid(
    book: StreamingWorkbook, instance: Instance, capacity: pd.DataFrame, language: str
) -> None:
    """Wards x weeks: supervisors used / available (all professions), shaded idle to full."""
    weeks = [week_label(monday) for monday in instance.all_weeks]
    utilisation = _utilisation(capacity)
    headers = [*GRID_ID_COLUMNS, *weeks]

    def rows() -> Iterator[list[Any]]:
        for ward in instance.wards:
            by_week = utilisation.get(ward.ward_id, {})
            yield [ward.ward_id, ward.name or None, ward.site_id, *(by_week.get(w) for w in weeks)]

    ws = book.add_table_sheet(
        sheet_title("Capacity grid", language),
        headers,
        rows(),
        widths=dict.fromkeys(weeks, 9.5),
        number_formats=dict.fromkeys(weeks, PERCENT),
    )
    ws.freeze_panes = "B2"
    if weeks and instance.wards:
        first = get_column_letter(len(GRID_ID_COLUMNS) + 1)
        last = get_column_letter(len(headers))
        ws.conditional_formatting.add(
            f"{first}2:{last}{len(instance.wards) + 1}",
            ColorScaleRule(
                start_type="num",
                start_value=0,
                start_color="FFFFFF",
                mid_type="num",
                mid_value=0.8,
                mid_color="FFEB84",
                end_type="num",
                end_value=1,
                end_color="F8696B",
            ),
        )


def _utilisation(capacity: pd.DataFrame) -> dict[str, dict[str, float]]:
    """Per ward and week label: supervisors used / available, summed over professions."""
    used: dict[tuple[str, str], float] = defaultdict(float)
    available: dict[tuple[str, str], float] = defaultdict(float)
    for ward_id, week, supervisors_used, supervisors_available in zip(
        capacity["ward_id"],
        capacity["week"],
        capacity["supervisors_used"],
        capacity["supervisors_available"],
        strict=True,
    ):
        used[(ward_id, week)] += supervisors_used
        available[(ward_id, week)] += supervisors_available
    out: dict[str, dict[str, float]] = defaultdict(dict)
    for (ward_id, week), supervisors in available.items():
        if supervisors > 0:
            out[ward_id][week] = used[(ward_id, week)] / supervisors
    return out


# ---- Summary ----------------------------------------------------------------------------------
def _add_summary(
    book: StreamingWorkbook,
    instance: Instance,
    allocation: Allocation,
    allocation_frame: pd.DataFrame,
    options: Options | None,
    language: str,
) -> None:
    """Headline figures at A1, the chart sources below them, a title and charts to the right."""
    text = _TEXT[language]
    figures = report.summary(instance, allocation, options)
    ws = book.add_table_sheet(
        sheet_title("Summary", language),
        ["label", "value"],
        [[_summary_label(label, language), value] for label, value in figures.items()],
    )
    ws.freeze_panes = None
    for row, label in enumerate(figures, start=2):
        if label == "placed share":
            ws.cell(row=row, column=2).number_format = "0.0%"
    ws.column_dimensions["C"].width = 3
    run = allocation.run
    source = (run.input_name if run else "") or instance.source_name
    set_cell(ws, 1, 4, text["title"].format(source=source) if source else text["title_plain"])
    ws.cell(row=1, column=4).font = Font(bold=True, size=13)

    top = len(figures) + 4
    profile = report.wish_profile(instance, allocation)
    wish_rows = [[_summary_label(label, language), count] for label, count in profile.items()]
    add_table(ws, ["wish", "placements"], wish_rows, top=top)
    if wish_rows:
        chart = BarChart()
        chart.type = "col"
        chart.title = text["wish_chart"]
        chart.y_axis.title = text["placements_axis"]
        chart.legend = None
        chart.add_data(
            Reference(ws, min_col=2, min_row=top, max_row=top + len(wish_rows)),
            titles_from_data=True,
        )
        chart.set_categories(
            Reference(ws, min_col=1, min_row=top + 1, max_row=top + len(wish_rows))
        )
        chart.x_axis.delete = False  # openpyxl 3.1 hides axes unless told otherwise
        chart.y_axis.delete = False
        chart.width, chart.height = 16, 7.5
        ws.add_chart(chart, "D3")

    if instance.agreements:
        top += max(len(wish_rows), 1) + 3
        trust_rows = _trust_rows(instance, allocation_frame, text["no_trust"])
        add_table(ws, ["organisation", "placed", "min_places", "max_places"], trust_rows, top=top)
        chart = BarChart()
        chart.type = "col"
        chart.grouping = "clustered"
        chart.title = text["trust_chart"]
        chart.y_axis.title = text["placements_axis"]
        chart.add_data(
            Reference(ws, min_col=2, max_col=4, min_row=top, max_row=top + len(trust_rows)),
            titles_from_data=True,
        )
        chart.set_categories(
            Reference(ws, min_col=1, min_row=top + 1, max_row=top + len(trust_rows))
        )
        chart.x_axis.delete = False
        chart.y_axis.delete = False
        chart.width, chart.height = 16, 9
        ws.add_chart(chart, "D19")
    widest = max((len(str(r[0])) for r in ws.iter_rows(max_col=1, values_only=True)), default=8)
    ws.column_dimensions["A"].width = min(max(widest + 2, 14), 45)


def _summary_label(label: str, language: str) -> str:
    """A Summary label in the sheet's language (`wish 2` -> `ønske 2`)."""
    if language != "nb":
        return label
    if label.startswith("wish "):
        return "ønske " + label.removeprefix("wish ")
    return _SUMMARY_LABELS_NB.get(label, label)


def _trust_rows(
    instance: Instance, allocation_frame: pd.DataFrame, no_trust: str
) -> list[list[Any]]:
    """Per trust: placements at its sites, and the sums of its agreements' min and max places.

    An agreement on one site counts for that site's trust. The max is left blank
    when one of the trust's agreements has no maximum (nothing caps the trust).
    """
    names: dict[str, str] = {}  # normalised trust name -> as first written
    placed: dict[str, int] = defaultdict(int)
    minimum: dict[str, int] = defaultdict(int)
    maximum: dict[str, int] = defaultdict(int)
    uncapped: set[str] = set()

    def key_of(name: str | None) -> str:
        name = name or no_trust
        return norm(names.setdefault(norm(name), name))

    for organisation in allocation_frame["organisation"]:
        placed[key_of(organisation if isinstance(organisation, str) else None)] += 1
    for agreement in instance.agreements or ():
        site = instance.site.get(agreement.site_id or "")
        key = key_of(agreement.organisation or (site.organisation if site else None))
        minimum[key] += agreement.min_places
        if agreement.max_places is None:
            uncapped.add(key)
        else:
            maximum[key] += agreement.max_places
    return [
        [
            names[key],
            placed[key],
            minimum[key],
            None if key in uncapped or key not in maximum else maximum[key],
        ]
        for key in sorted(names, key=lambda k: names[k].casefold())
    ]


# ---- Run --------------------------------------------------------------------------------------
def run_pairs(run: RunInfo | None) -> list[tuple[str, Any]]:
    """The Run sheet's machine-readable keys and values, in order (blank values as None)."""
    if run is None:
        blank = ["seconds", "seed", "workers", "time_limit", "input_file", "input_sha256"]
        blank += ["program_version", "started", "notes"]
        return [("status", NOT_SOLVED), *((key, None) for key in blank)]
    pairs: list[tuple[str, Any]] = [("status", run.status)]
    for level in run.levels:
        pairs += [
            (f"{level.name}_value", level.value),
            (f"{level.name}_bound", level.bound),
            (f"{level.name}_status", level.status or None),
            (f"{level.name}_seconds", level.seconds),
            (f"{level.name}_sense", level.sense),
        ]
    pairs += [
        ("seconds", run.seconds),
        ("seed", run.seed),
        ("workers", run.workers),
        ("time_limit", run.time_limit),
        ("input_file", run.input_name or None),
        ("input_sha256", run.input_sha256 or None),
        ("program_version", run.program_version or None),
        ("started", run.started or None),
        *((f"option_{key}", value) for key, value in run.options.items()),
        ("notes", "; ".join(run.notes) or None),
    ]
    return pairs


def _run_description(key: str, levels: set[str], language: str) -> str:
    text = _TEXT[language]
    if key.startswith("option_"):
        return text["option"].format(key=key.removeprefix("option_"))
    name, _, part = key.rpartition("_")
    if name in levels:
        level = _LEVEL_NAMES_NB.get(name, name) if language == "nb" else name
        return text[f"level_{part}"].format(level=level)
    return text.get(key, key)


def _add_run(book: StreamingWorkbook, run: RunInfo | None, language: str) -> None:
    """Key/value rows (with a description in the sheet's language) for audits and appeals."""
    levels = {level.name for level in run.levels} if run else set()
    rows = [[key, value, _run_description(key, levels, language)] for key, value in run_pairs(run)]
    ws = book.add_table_sheet(sheet_title("Run", language), list(RUN_HEADERS), rows)
    for (cell,) in ws.iter_rows(min_row=2, min_col=2, max_col=2):
        cell.alignment = Alignment(horizontal="left")
