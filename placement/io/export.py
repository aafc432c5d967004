"""Exports for the people who receive an allocation: one workbook per institution, site or trust.

What each file holds (spec, last paragraph of "The allocation workbook"):

* `institution-<id>.xlsx`: that institution's own students only, placed (with
  where and when) and unplaced (with the reason), and the agreements it holds.
  No other institution's student appears anywhere in it.
* `site-<id>.xlsx` / `organisation-<trust>.xlsx`: the students placed at that
  site (at any site of that trust), sorted by ward and start date; the
  supervision they need per ward, profession and ISO week (students /
  students_per_supervisor, counted exactly as hard rule 2 and the allocation
  workbook's Capacity sheet count it) against the supervisors available; totals
  per ward for staffing and pay; students per week with a bar chart; and the
  agreements covering the site or trust. Every site and every trust of the
  input gets a file, also one that receives no students (so it knows); a site
  without a trust is in no trust's file.

Layout, the same in every file: the first sheet, About (Om), has the title in
A1 (who the file is for, the semester derived from the periods' dates, and the
run: input workbook and date), then the run's key facts (input file, its
SHA-256, when the run started, solver status, counts) and what each sheet
holds. Every other sheet is one Excel table whose header is in row 1, so other
tools read it with `pandas.read_excel` as it is; the title is repeated in each
sheet's print header, and the header row repeats on every printed page. Column
headers are the canonical English names (as in the allocation workbook); sheet
names, the title and the About sheet are in English or Norwegian (bokmål).

Names are personal data: they are written only inside the workbooks, never in
file names. File names are made of ids: `institution-HVL.xlsx`; an id with
characters a file system may not take (slashes, spaces, ...) has them replaced
by `_`, and ids that would share a file name get a short hash of the id.

Every file is written atomically; without `force`, all files are checked before
the first is written, so an existing file stops the export with nothing written.
"""

from __future__ import annotations

import hashlib
import math
import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import pandas as pd
from openpyxl.chart import BarChart, Reference
from openpyxl.chart.data_source import AxDataSource, StrRef
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter, quote_sheetname
from openpyxl.worksheet.worksheet import Worksheet

from placement.allocation import Allocation
from placement.instance import Instance, norm
from placement.io.atomic import OutputExistsError, atomic_path
from placement.io.style import DATE_FORMAT, StreamingWorkbook, frame_rows, set_cell
from placement.report import agreements_frame, allocation_frame, capacity_frame, unplaced_frame
from placement.weeks import week_label

EXPORT_KINDS = ("institution", "site", "organisation")
"""Who an export is for: one file per institution, per site, or per trust (organisation)."""

INSTITUTION_COLUMNS = [
    "student_id",
    "name",
    "institution_id",
    "programme_id",
    "period_id",
    "start_date",
    "end_date",
    "weeks",
    "specialty",
    "profession",
    "ward_id",
    "ward_name",
    "site_id",
    "organisation",
    "location",
    "preference_rank",
    "locked",
]
"""Placements sheet of an institution's file: the allocation sheet's columns for its students."""

SITE_COLUMNS = [
    "ward_id",
    "ward_name",
    "site_id",
    "organisation",
    "student_id",
    "name",
    "institution_id",
    "programme_id",
    "period_id",
    "profession",
    "specialty",
    "start_date",
    "end_date",
    "weeks",
]
"""Placements sheet of a site's or trust's file: by ward, who comes and when (no wishes)."""

UNPLACED_COLUMNS = ["student_id", "name", "institution_id", "programme_id", "period_id", "reason"]

SUPERVISION_COLUMNS = [
    "ward_id",
    "ward_name",
    "site_id",
    "profession",
    "week",
    "week_start",
    "students",
    "supervisors_needed",
    "supervisors_needed_whole",
    "supervisors_available",
]
"""Supervision sheet: per ward, profession and ISO week with students present.

`supervisors_needed` is the sum over the students of 1 / students_per_supervisor,
exactly as hard rule 2 counts it (the Capacity sheet's `supervisors_used`);
`supervisors_needed_whole` is that rounded up to whole people."""

WARD_COLUMNS = [
    "ward_id",
    "ward_name",
    "site_id",
    "profession",
    "students",
    "student_weeks",
    "supervisor_weeks",
    "first_week",
    "last_week",
]
"""Per ward sheet: per ward and profession over the semester (for staffing and pay)."""

WEEKLY_COLUMNS = ["week", "week_start", "students", "supervisors_needed"]

_SHEETS = {
    "en": {"About": "About", "Placements": "Placements", "Unplaced": "Unplaced",
           "Supervision": "Supervision", "Wards": "Per ward", "Weekly": "Students per week",
           "Agreements": "Agreements"},
    "nb": {"About": "Om", "Placements": "Plasseringer", "Unplaced": "Ikke plassert",
           "Supervision": "Veiledning", "Wards": "Per post", "Weekly": "Studenter per uke",
           "Agreements": "Avtaler"},
}  # fmt: skip

_WORDS = {
    "en": {
        "heading_institution": "Placements for {label}",
        "heading_site": "Students placed at {label}",
        "heading_organisation": "Students placed at {label}",
        "autumn": "Autumn",
        "spring": "Spring",
        "run_of": "run of {source} on {day}",
        "run_on": "run on {day}",
        "exported_on": "exported {day}",
        "for_institution": "institution",
        "for_site": "site",
        "for_organisation": "trust (organisation)",
        "semester": "semester",
        "first_day": "first day of placement",
        "last_day": "last day of placement",
        "input": "input workbook",
        "sha": "input SHA-256",
        "started": "run started",
        "status": "solver status",
        "version": "program version",
        "exported": "exported",
        "placements": "placements (student-periods)",
        "students": "students",
        "unplaced": "student-periods not placed",
        "wards": "wards receiving students",
        "supervisor_weeks": "supervisor-weeks needed",
        "sites_in_trust": "sites",
        "sheets": "Sheets",
        "layout": "Each sheet after this one is an Excel table with its header in row 1 "
        "(column names in English, for other tools); this title is in every sheet's print "
        "header. Names are personal data: keep this file where only those who need it "
        "can read it.",
        "about_Placements_institution": "One row per placement of your students: where and when.",
        "about_Placements_site": "One row per student placed here, by ward and start date.",
        "about_Unplaced": "Your students without a placement, and the reason.",
        "about_Supervision": "Per ward, profession and ISO week: students present, supervisors "
        "needed (students / students per supervisor, as the capacity rule counts them; "
        "supervisors_needed_whole rounds up to whole people) and supervisors available.",
        "about_Wards": "Per ward and profession over the semester: students, student-weeks "
        "and supervisor-weeks (for staffing and pay).",
        "about_Weekly": "Students present per ISO week, and a bar chart of them.",
        "this_institution": "institution",
        "this_site": "site",
        "this_organisation": "trust",
        "about_Agreements": "The agreements that cover this {what}: places promised "
        "(min_places), allowed (max_places), used (placed, all sites the agreement covers) "
        "and the shortfall.",
        "chart": "Students per week",
        "chart_y": "students",
        "chart_x": "ISO week",
    },
    "nb": {
        "heading_institution": "Praksisplasser for {label}",
        "heading_site": "Studenter i praksis ved {label}",
        "heading_organisation": "Studenter i praksis ved {label}",
        "autumn": "Høst",
        "spring": "Vår",
        "run_of": "kjøring av {source} {day}",
        "run_on": "kjøring {day}",
        "exported_on": "eksportert {day}",
        "for_institution": "institusjon",
        "for_site": "praksissted",
        "for_organisation": "helseforetak",
        "semester": "semester",
        "first_day": "første praksisdag",
        "last_day": "siste praksisdag",
        "input": "arbeidsbok med inndata",
        "sha": "SHA-256 for inndata",
        "started": "kjøringen startet",
        "status": "status fra løseren",
        "version": "programversjon",
        "exported": "eksportert",
        "placements": "plasseringer (student-perioder)",
        "students": "studenter",
        "unplaced": "student-perioder uten plass",
        "wards": "poster som tar imot studenter",
        "supervisor_weeks": "veilederuker som trengs",
        "sites_in_trust": "praksissteder",
        "sheets": "Ark",
        "layout": "Hvert ark etter dette er en Excel-tabell med overskriftene i rad 1 "
        "(kolonnenavn på engelsk, for andre verktøy); tittelen står i topptekst på hvert ark "
        "ved utskrift. Navn er personopplysninger: oppbevar filen slik at bare de som trenger "
        "den, kan lese den.",
        "about_Placements_institution": "Én rad per praksisplass for studentene deres: hvor "
        "og når.",
        "about_Placements_site": "Én rad per student i praksis her, etter post og startdato.",
        "about_Unplaced": "Studentene deres uten praksisplass, og årsaken.",
        "about_Supervision": "Per post, profesjon og ISO-uke: studenter til stede, veiledere "
        "som trengs (studenter / studenter per veileder, slik kapasitetsregelen teller; "
        "supervisors_needed_whole runder opp til hele personer) og veiledere tilgjengelig.",
        "about_Wards": "Per post og profesjon for semesteret: studenter, studentuker og "
        "veilederuker (for bemanning og lønn).",
        "about_Weekly": "Studenter til stede per ISO-uke, med et stolpediagram.",
        "this_institution": "denne institusjonen",
        "this_site": "dette praksisstedet",
        "this_organisation": "dette helseforetaket",
        "about_Agreements": "Avtalene som gjelder {what}: lovte plasser (min_places), "
        "tillatte (max_places), brukte (placed, alle steder avtalen gjelder) og mangelen.",
        "chart": "Studenter per uke",
        "chart_y": "studenter",
        "chart_x": "ISO-uke",
    },
}

_MAX_NAME = 80  # characters of an id kept in a file name


@dataclass(frozen=True)
class ExportUnit:
    """One export file: for whom (kind and id or trust name), its label and its path."""

    kind: str
    key: str
    label: str
    path: Path


def export_allocation(
    instance: Instance,
    allocation: Allocation,
    out_dir: str | Path,
    by: str,
    language: str | None = None,
    force: bool = False,
) -> list[Path]:
    """Write one workbook per institution, site or trust (`by`) into `out_dir`; return them.

    `language` ("en" or "nb") names the sheets and writes the title and About
    sheet; None takes the input workbook's language. Raises OutputExistsError,
    before anything is written, when a file exists and `force` is not given.
    """
    return export_allocations(instance, allocation, out_dir, [by], language, force)


def export_allocations(
    instance: Instance,
    allocation: Allocation,
    out_dir: str | Path,
    kinds: Iterable[str],
    language: str | None = None,
    force: bool = False,
) -> list[Path]:
    """`export_allocation` for several kinds at once, every file checked before the first write."""
    units = export_units(instance, out_dir, kinds)
    if not force:
        for unit in units:
            if unit.path.exists():
                raise OutputExistsError(unit.path)
    language = "nb" if (language or instance.language) == "nb" else "en"
    data = _Data.build(instance, allocation, language)
    Path(out_dir).mkdir(parents=True, exist_ok=True)
    written = []
    for unit in units:
        book = (
            _institution_book(data, unit) if unit.kind == "institution" else _site_book(data, unit)
        )
        with atomic_path(unit.path, force=force) as tmp:
            book.save(tmp)
        written.append(unit.path)
    return written


def export_units(instance: Instance, out_dir: str | Path, kinds: Iterable[str]) -> list[ExportUnit]:
    """Every file an export of these kinds writes (known from the input alone, before solving)."""
    units: list[ExportUnit] = []
    for kind in dict.fromkeys(kinds):
        if kind not in EXPORT_KINDS:
            raise ValueError(f"export kind must be one of {', '.join(EXPORT_KINDS)}, not {kind!r}")
        keys = _keys(instance, kind)
        names = _file_names(list(keys))
        units += [
            ExportUnit(kind, key, label, Path(out_dir) / f"{kind}-{names[key]}.xlsx")
            for key, label in keys.items()
        ]
    return units


def planned_exports(instance: Instance, out_dir: str | Path, kinds: Iterable[str]) -> list[Path]:
    """The paths `export_allocations` would write."""
    return [unit.path for unit in export_units(instance, out_dir, kinds)]


def sites_without_trust(instance: Instance) -> list[str]:
    """Sites with no organisation: their students are in no trust's file (only in site files)."""
    return [s.site_id for s in instance.sites if not norm(s.organisation)]


def _keys(instance: Instance, kind: str) -> dict[str, str]:
    """Id (or trust name as first written) -> label for the title, in input order."""
    if kind == "institution":
        return {
            i.institution_id: _labelled(i.institution_id, i.name) for i in instance.institutions
        }
    if kind == "site":
        return {s.site_id: _labelled(s.site_id, s.name) for s in instance.sites}
    trusts: dict[str, str] = {}
    for site in instance.sites:
        if norm(site.organisation):
            trusts.setdefault(norm(site.organisation), str(site.organisation).strip())
    return {name: name for name in trusts.values()}


def _labelled(key: str, name: str | None) -> str:
    return f"{name} ({key})" if name and norm(name) != norm(key) else key


def safe_file_name(key: str) -> str:
    """An id as part of a file name on any system: letters (æøå too), digits, - and _ only."""
    text = unicodedata.normalize("NFC", key).strip()
    return re.sub(r"[^\w\-]+", "_", text).strip("_") or "unnamed"


def _file_names(keys: Sequence[str]) -> dict[str, str]:
    """A distinct, safe file-name part per key (also on case-insensitive file systems)."""
    safe = {key: safe_file_name(key) for key in keys}
    counts: dict[str, int] = {}
    for name in safe.values():
        counts[name.casefold()] = counts.get(name.casefold(), 0) + 1
    out = {}
    for key, name in safe.items():
        if counts[name.casefold()] > 1 or len(name) > _MAX_NAME:
            digest = hashlib.sha256(key.encode("utf-8")).hexdigest()[:8]
            out[key] = f"{name[:_MAX_NAME]}-{digest}"
        else:
            out[key] = name
    return out


def semester(instance: Instance, language: str) -> str:
    """`Autumn 2026`, `Vår 2027`, or `Spring 2026 – Autumn 2026` when periods start in both.

    A period belongs to the half-year it starts in (January-June spring, July-December
    autumn), so an autumn placement that runs into January is still autumn.
    """
    words = _WORDS["nb" if language == "nb" else "en"]
    halves = sorted({(p.start_date.year, p.start_date.month >= 7) for p in instance.periods})
    if not halves:
        return ""

    def name(year: int, autumn: bool) -> str:
        return f"{words['autumn' if autumn else 'spring']} {year}"

    if len(halves) == 1:
        return name(*halves[0])
    return f"{name(*halves[0])} – {name(*halves[-1])}"


# ---- the data, computed once for every file ----------------------------------------------------
@dataclass
class _Data:
    instance: Instance
    allocation: Allocation
    language: str
    placed: pd.DataFrame
    unplaced: pd.DataFrame
    supervision: pd.DataFrame
    agreements: pd.DataFrame | None
    title_tail: str
    started: datetime | None
    exported: datetime

    @classmethod
    def build(cls, instance: Instance, allocation: Allocation, language: str) -> _Data:
        words = _WORDS[language]
        run = allocation.run
        started = _parse_time(run.started) if run else None
        exported = datetime.now().replace(microsecond=0)
        source = (run.input_name if run else "") or instance.source_name
        day = (started or exported).date().isoformat()
        if run is None:
            run_text = words["exported_on"].format(day=day)
        elif source:
            run_text = words["run_of"].format(source=source, day=day)
        else:
            run_text = words["run_on"].format(day=day)
        return cls(
            instance=instance,
            allocation=allocation,
            language=language,
            placed=allocation_frame(instance, allocation),
            unplaced=unplaced_frame(instance, allocation),
            supervision=_supervision(instance, allocation),
            agreements=(
                agreements_frame(instance, allocation) if instance.agreements is not None else None
            ),
            title_tail=" – ".join(t for t in (semester(instance, language), run_text) if t),
            started=started,
            exported=exported,
        )

    @property
    def words(self) -> dict[str, str]:
        return _WORDS[self.language]

    @property
    def sheets(self) -> dict[str, str]:
        return _SHEETS[self.language]

    def title(self, unit: ExportUnit) -> str:
        heading = self.words[f"heading_{unit.kind}"].format(label=unit.label)
        return f"{heading} – {self.title_tail}" if self.title_tail else heading

    def wards_of(self, unit: ExportUnit) -> set[str]:
        """The wards of a site, or of every site of a trust."""
        if unit.kind == "site":
            return {w.ward_id for w in self.instance.wards if w.site_id == unit.key}
        sites = self.sites_of(unit)
        return {w.ward_id for w in self.instance.wards if w.site_id in sites}

    def sites_of(self, unit: ExportUnit) -> set[str]:
        if unit.kind == "site":
            return {unit.key}
        return {s.site_id for s in self.instance.sites if norm(s.organisation) == norm(unit.key)}


def _parse_time(text: str) -> datetime | None:
    """An ISO timestamp as local time without a zone (Excel has none), or None."""
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        return None
    if moment.tzinfo is not None:
        moment = moment.astimezone().replace(tzinfo=None)
    return moment


def _supervision(instance: Instance, allocation: Allocation) -> pd.DataFrame:
    """Capacity rows with students present: the Capacity sheet's figures, renamed for trusts."""
    capacity = capacity_frame(instance, allocation)
    capacity = capacity[capacity["students"] > 0].rename(
        columns={"supervisors_used": "supervisors_needed"}
    )
    capacity = capacity.assign(
        supervisors_needed_whole=[math.ceil(v - 1e-9) for v in capacity["supervisors_needed"]]
    )
    return capacity.sort_values(["ward_id", "profession", "week_start"], kind="stable")[
        SUPERVISION_COLUMNS
    ].reset_index(drop=True)


# ---- the workbooks -----------------------------------------------------------------------------
def _institution_book(data: _Data, unit: ExportUnit) -> StreamingWorkbook:
    key = norm(unit.key)
    placed = data.placed[data.placed["institution_id"].map(norm) == key]
    placed = placed.sort_values(
        ["programme_id", "period_id", "student_id"], kind="stable"
    ).reset_index(drop=True)
    unplaced = data.unplaced[data.unplaced["institution_id"].map(norm) == key]
    agreements = (
        None
        if data.agreements is None
        else data.agreements[data.agreements["institution_id"].map(norm) == key]
    )
    words, sheets = data.words, data.sheets
    facts: list[tuple[str, Any]] = [
        (words["placements"], len(placed)),
        (words["students"], placed["student_id"].nunique()),
        (words["unplaced"], len(unplaced)),
    ]
    about = [
        (sheets["Placements"], words["about_Placements_institution"]),
        (sheets["Unplaced"], words["about_Unplaced"]),
    ]
    if agreements is not None:
        what = words["this_institution"]
        about.append((sheets["Agreements"], words["about_Agreements"].format(what=what)))
    book = StreamingWorkbook()
    title = data.title(unit)
    _about_sheet(book, data, unit, title, facts, about)
    _data_sheet(book, sheets["Placements"], INSTITUTION_COLUMNS, placed, title)
    _data_sheet(book, sheets["Unplaced"], UNPLACED_COLUMNS, unplaced, title)
    if agreements is not None:
        _data_sheet(book, sheets["Agreements"], list(agreements.columns), agreements, title)
    return book


def _site_book(data: _Data, unit: ExportUnit) -> StreamingWorkbook:
    wards = data.wards_of(unit)
    placed = data.placed[data.placed["ward_id"].isin(wards)]
    placed = placed.sort_values(
        ["site_id", "ward_id", "start_date", "institution_id", "student_id"], kind="stable"
    ).reset_index(drop=True)
    supervision = data.supervision[data.supervision["ward_id"].isin(wards)].reset_index(drop=True)
    per_ward = _per_ward(placed, supervision)
    weekly = _weekly(data.instance, supervision)
    agreements = _agreements_of(data, unit)
    words, sheets = data.words, data.sheets
    facts: list[tuple[str, Any]] = []
    if unit.kind == "organisation":
        facts.append((words["sites_in_trust"], ", ".join(sorted(data.sites_of(unit)))))
    facts += [
        (words["placements"], len(placed)),
        (words["students"], placed["student_id"].nunique()),
        (words["wards"], placed["ward_id"].nunique()),
        (words["supervisor_weeks"], _number(supervision["supervisors_needed"].sum())),
    ]
    about = [
        (sheets["Placements"], words["about_Placements_site"]),
        (sheets["Supervision"], words["about_Supervision"]),
        (sheets["Wards"], words["about_Wards"]),
        (sheets["Weekly"], words["about_Weekly"]),
    ]
    if agreements is not None:
        what = words[f"this_{unit.kind}"]
        about.append((sheets["Agreements"], words["about_Agreements"].format(what=what)))
    book = StreamingWorkbook()
    title = data.title(unit)
    _about_sheet(book, data, unit, title, facts, about)
    _data_sheet(book, sheets["Placements"], SITE_COLUMNS, placed, title)
    _data_sheet(book, sheets["Supervision"], SUPERVISION_COLUMNS, supervision, title)
    _data_sheet(book, sheets["Wards"], WARD_COLUMNS, per_ward, title)
    ws = _data_sheet(book, sheets["Weekly"], WEEKLY_COLUMNS, weekly, title)
    _weekly_chart(ws, len(weekly), words)
    if agreements is not None:
        _data_sheet(book, sheets["Agreements"], list(agreements.columns), agreements, title)
    return book


def _per_ward(placed: pd.DataFrame, supervision: pd.DataFrame) -> pd.DataFrame:
    """Per ward and profession: students, student-weeks, supervisor-weeks, first and last week."""
    if not len(supervision):
        return pd.DataFrame(columns=WARD_COLUMNS)
    keys = ["ward_id", "profession"]
    students = (
        placed.assign(profession=placed["profession"].map(norm))
        .groupby(keys)["student_id"]
        .nunique()
    )
    totals = (
        supervision.groupby(keys, sort=True)
        .agg(
            ward_name=("ward_name", "first"),
            site_id=("site_id", "first"),
            student_weeks=("students", "sum"),
            supervisor_weeks=("supervisors_needed", "sum"),
            first_week=("week_start", "min"),
            last_week=("week_start", "max"),
        )
        .reset_index()
    )
    totals["students"] = [
        int(students.get((ward, norm(profession)), 0))
        for ward, profession in zip(totals["ward_id"], totals["profession"], strict=True)
    ]
    totals["supervisor_weeks"] = totals["supervisor_weeks"].map(_number)
    totals["first_week"] = totals["first_week"].map(week_label)
    totals["last_week"] = totals["last_week"].map(week_label)
    return totals[WARD_COLUMNS]


def _weekly(instance: Instance, supervision: pd.DataFrame) -> pd.DataFrame:
    """Every week of the semester: students present and supervisors they need (0 when none)."""
    students = supervision.groupby("week_start")["students"].sum().to_dict()
    needed = supervision.groupby("week_start")["supervisors_needed"].sum().to_dict()
    rows = [
        [week_label(monday), monday, int(students.get(monday, 0)), _number(needed.get(monday, 0))]
        for monday in instance.all_weeks
    ]
    return pd.DataFrame(rows, columns=WEEKLY_COLUMNS)


def _agreements_of(data: _Data, unit: ExportUnit) -> pd.DataFrame | None:
    """Agreements naming this site or its trust (for a trust: the trust or any of its sites)."""
    frame = data.agreements
    if frame is None:
        return None
    sites = data.sites_of(unit)
    trusts = {norm(data.instance.site[s].organisation) for s in sites} - {""}
    mine = frame["site_id"].isin(sites) | frame["organisation"].map(
        lambda o: isinstance(o, str) and norm(o) in trusts
    )
    return frame[mine].reset_index(drop=True)


def _number(value: float) -> int | float:
    """A whole number as an int, else a float rounded to remove binary noise (1/3 + 2/3)."""
    rounded = round(float(value), 9)
    return int(rounded) if rounded.is_integer() else rounded


def _about_sheet(
    book: StreamingWorkbook,
    data: _Data,
    unit: ExportUnit,
    title: str,
    facts: list[tuple[str, Any]],
    sheets: list[tuple[str, str]],
) -> None:
    """The cover sheet: the title in A1, the layout note, the run's key facts, the sheets."""
    words, instance, run = data.words, data.instance, data.allocation.run
    ws = book.workbook.create_sheet(data.sheets["About"])
    ws.sheet_view.showGridLines = False
    set_cell(ws, 1, 1, title)
    ws.cell(row=1, column=1).font = Font(bold=True, size=14)
    set_cell(ws, 2, 1, words["layout"])
    ws.cell(row=2, column=1).font = Font(italic=True, color="555555")
    starts = [p.start_date for p in instance.periods]
    ends = [p.end_date for p in instance.periods]
    rows: list[tuple[str, Any]] = [
        (words[f"for_{unit.kind}"], unit.label),
        (words["semester"], semester(instance, data.language) or None),
        (words["first_day"], min(starts) if starts else None),
        (words["last_day"], max(ends) if ends else None),
        (words["input"], (run.input_name if run else "") or instance.source_name or None),
        (words["sha"], (run.input_sha256 if run else "") or instance.source_sha256 or None),
        (words["started"], data.started),
        (words["status"], run.status if run else None),
        (words["version"], (run.program_version if run else "") or None),
        (words["exported"], data.exported),
        *facts,
    ]
    row = 4
    for label, value in rows:
        set_cell(ws, row, 1, label)
        set_cell(ws, row, 2, value)
        ws.cell(row=row, column=1).font = Font(bold=True)
        ws.cell(row=row, column=2).alignment = Alignment(horizontal="left")
        row += 1
    row += 1
    set_cell(ws, row, 1, words["sheets"])
    ws.cell(row=row, column=1).font = Font(bold=True, size=12)
    for name, text in sheets:
        row += 1
        set_cell(ws, row, 1, name)
        set_cell(ws, row, 2, text)
        ws.cell(row=row, column=1).font = Font(bold=True)
        ws.cell(row=row, column=2).alignment = Alignment(wrap_text=True, vertical="top")
        ws.cell(row=row, column=1).alignment = Alignment(vertical="top")
    widest = max(len(str(label)) for label, _ in [*rows, *sheets])
    ws.column_dimensions["A"].width = min(max(widest + 2, 20), 40)
    ws.column_dimensions["B"].width = 90
    _print_setup(ws, title, repeat_header=False)


def _data_sheet(
    book: StreamingWorkbook, title: str, columns: list[str], frame: pd.DataFrame, heading: str
) -> Worksheet:
    """One table with its header in row 1; dates as dates; the title in the print header."""
    formats = {c: DATE_FORMAT for c in columns if c in {"start_date", "end_date", "week_start"}}
    ws = book.add_table_sheet(title, columns, frame_rows(frame[columns]), number_formats=formats)
    _print_setup(ws, heading, repeat_header=True)
    return ws


def _print_setup(ws: Worksheet, title: str, *, repeat_header: bool) -> None:
    """Landscape, one page wide, the title in the header, page numbers in the footer."""
    header = title.replace("&", "&&")[:200]  # `&` starts a header code
    ws.oddHeader.center.text = header
    ws.evenHeader.center.text = header
    ws.oddFooter.right.text = "&P / &N"
    ws.evenFooter.right.text = "&P / &N"
    ws.page_setup.orientation = "landscape"
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    if repeat_header:
        ws.print_title_rows = "1:1"


def _weekly_chart(ws: Worksheet, weeks: int, words: dict[str, str]) -> None:
    """A column chart of students per week, beside the table."""
    chart = BarChart()
    chart.type = "col"
    chart.title = words["chart"]
    chart.y_axis.title = words["chart_y"]
    chart.x_axis.title = words["chart_x"]
    chart.legend = None
    chart.x_axis.delete = False  # openpyxl 3.1 leaves axes hidden in Excel unless told
    chart.y_axis.delete = False
    last = max(weeks, 1) + 1
    chart.add_data(Reference(ws, min_col=3, min_row=1, max_row=last), titles_from_data=True)
    categories = f"{quote_sheetname(ws.title)}!$A$2:$A${last}"
    for series in chart.series:
        series.cat = AxDataSource(strRef=StrRef(f=categories))  # week labels are text
    chart.width = min(max(12.0, 0.6 * weeks), 40.0)
    chart.height = 8
    ws.add_chart(chart, f"{get_column_letter(len(WEEKLY_COLUMNS) + 2)}2")


def export_summary(paths: Sequence[Path]) -> dict[str, int]:
    """How many files of each kind (for the terminal): {"institution": 3, ...}."""
    counts: dict[str, int] = {}
    for path in paths:
        kind = path.name.partition("-")[0]
        counts[kind] = counts.get(kind, 0) + 1
    return counts
