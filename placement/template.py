"""An empty input workbook for coordinators to fill in: `placement template`.

First an Instructions sheet in plain words, then every sheet of the format
(`placement.schema.SHEETS`) with its header row as an Excel table. Each header
cell has a comment saying what the column holds and whether it is required;
columns with a fixed set of values get a dropdown, whole-number and date
columns get validation, so typos are caught while typing rather than when the
workbook is read.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path

from openpyxl import Workbook
from openpyxl.comments import Comment
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.worksheet import Worksheet

from placement import schema
from placement.io.atomic import atomic_path
from placement.io.style import add_table, set_cell, write_table_sheet
from placement.options import Options
from placement.schema import Column, Kind, Sheet

WISH_COLUMNS = 5
"""preference_1 .. preference_5 in the Students sheet; coordinators may add more."""

VALIDATED_ROWS = 1000
"""Data validation covers rows 2 .. VALIDATED_ROWS of each sheet."""

_FIRST_DATE, _LAST_DATE = date(2000, 1, 1), date(2100, 12, 31)
_OPEN_LISTS = {
    ("Programmes", "profession"): schema.PROFESSIONS_EXAMPLES,
    ("Supervisors", "profession"): schema.PROFESSIONS_EXAMPLES,
    ("Settings", "key"): tuple(Options.model_fields),
}
"""Dropdowns of usual values that still accept any other value."""

_COORDINATE_RANGE = {"latitude": 90, "longitude": 180}

_KIND_NB = {
    Kind.ID: "en id (tekst eller et heltall)",
    Kind.TEXT: "tekst",
    Kind.INT: "et heltall, 0 eller mer",
    Kind.POSITIVE_INT: "et heltall, 1 eller mer",
    Kind.NUMBER: "et tall",
    Kind.DATE: "en dato (Excel-dato eller ÅÅÅÅ-MM-DD)",
    Kind.LIST: "en kommaseparert liste",
}

_SHEET_HELP_NB = {
    "Institutions": "Utdanningsinstitusjonene som sender studenter (f.eks. HVL, UiB).",
    "Programmes": "Studieprogrammene: institusjon, profesjon og veiledningsmodell "
    "(hvor mange studenter én veileder tar).",
    "Periods": "Praksisperiodene: når hvert studieprograms studenter er ute, og i hvilket "
    "fagområde.",
    "Sites": "Praksisstedene (sykehus o.l.) og helseforetaket hvert sted hører til.",
    "Wards": "Postene på hvert praksissted: hvilke fagområder de dekker og hvor mange "
    "studenter som får plass.",
    "Supervisors": "Kvalifiserte praksisveiledere per post og profesjon, eventuelt for et "
    "datointervall.",
    "Agreements": "Hvilke praksissteder som er åpne for hvilken institusjon, og lovede og "
    "maksimale plasser. Uten dette arket er alle steder åpne for alle institusjoner.",
    "Students": "Én rad per praksisplass en student trenger. Ønsker i ønske_1, ønske_2, ...: "
    "hver en post, et praksissted, et helseforetak eller et sted, det beste først.",
    "History": "Poster en student har vært på før: aldri igjen.",
    "Locations": "Koordinater for stedene som nevnes i Praksissteder, Poster og Studenter "
    "(for reiseavstand).",
    "Settings": "Innstillinger for løseren: time_limit, seed, workers, unranked_cost, ... "
    "Kommandolinjen overstyrer dem.",
    "Costs": "Valgfritt: hva én studentuke i praksis koster per profesjon (NOK).",
}


@dataclass(frozen=True)
class _Wording:
    """Everything the template says to a coordinator, in one language."""

    sheet: str
    title: str
    intro: tuple[str, ...]
    sections: tuple[tuple[str, tuple[str, ...]], ...]  # (heading, lines)
    closing: str
    headers: tuple[str, str, str, str]
    yes: str
    no: str
    required: str
    optional: str
    expected: str
    wish: str
    whole_error: str
    date_error: str
    number_error: str
    positive_error: str
    list_error: str


_WORDING = {
    "en": _Wording(
        sheet="Instructions",
        title="How to fill in this workbook (placement input, format 1)",
        intro=(
            "Each sheet has a header row; write one item per row beneath it. Keep the header "
            "names (English or Norwegian names both work).",
            "Sheets marked optional may be left empty or deleted: Agreements, History, "
            "Locations, Settings and Costs.",
            "The required columns are listed below. Point at a column header to see what it "
            "means and what it may hold.",
        ),
        sections=(
            (
                "Formats",
                (
                    "- Ids (institution_id, ward_id, student_id, ...) are text; a number such "
                    "as 12345 is read as the id 12345.",
                    "- A list is comma-separated, e.g. surgery, medicine.",
                    "- A date is an Excel date or text written YYYY-MM-DD, e.g. 2026-09-07.",
                    "- Blank rows are skipped; spaces around values are ignored.",
                ),
            ),
            (
                "Wishes",
                (
                    "- Students' wishes go in preference_1, preference_2, ..., best first; add "
                    "preference_6, preference_7, ... if you need more.",
                    "- Each wish is a ward_id, a site_id, a trust (organisation) or a town. "
                    "Leave the cells blank for a student without wishes.",
                    "- A placement at the k-th wish costs k - 1; one that matches none of the "
                    "wishes costs unranked_cost (Settings, default 10).",
                ),
            ),
            (
                "Agreements",
                (
                    "- Without agreements (no Agreements sheet, or an empty one) every site is "
                    "open to every institution.",
                    "- With agreements, a student is placed only at sites that an agreement "
                    "opens to its institution, programme and period.",
                ),
            ),
        ),
        closing="Then check the workbook with `placement validate <file>` and allocate with "
        "`placement solve <file>`.",
        headers=("sheet", "optional", "what it is for", "required columns"),
        yes="yes",
        no="no",
        required="Required",
        optional="Optional",
        expected="Expected: {kind}.",
        wish="Wish {rank}: a ward_id, site_id, trust or town; best first.",
        whole_error="Write a whole number of {minimum} or more.",
        date_error="Write a date, e.g. 2026-09-07.",
        number_error="Write a number from {low} to {high}.",
        positive_error="Write a number of 0 or more.",
        list_error="Choose one of the listed values.",
    ),
    "nb": _Wording(
        sheet="Instruksjoner",
        title="Slik fyller du ut arbeidsboken (inndata for praksisplassering, format 1)",
        intro=(
            "Hvert ark har en overskriftsrad; skriv én rad per element under den. Behold "
            "kolonnenavnene (både norske og engelske navn virker).",
            "Ark merket valgfritt kan stå tomme eller slettes: Avtaler, Historikk, Steder, "
            "Innstillinger og Kostnader.",
            "De påkrevde kolonnene står nedenfor. Pek på en kolonneoverskrift for å se hva "
            "den betyr og hva den kan inneholde.",
        ),
        sections=(
            (
                "Formater",
                (
                    "- Id-er (institusjon, post, studentnummer, ...) er tekst; et tall som "
                    "12345 leses som id-en 12345.",
                    "- En liste er kommaseparert, f.eks. kirurgi, medisin.",
                    "- En dato er en Excel-dato eller tekst på formen ÅÅÅÅ-MM-DD, f.eks. "
                    "2026-09-07.",
                    "- Tomme rader hoppes over; mellomrom rundt verdier ignoreres.",
                ),
            ),
            (
                "Ønsker",
                (
                    "- Studentenes ønsker skrives i ønske_1, ønske_2, ..., det beste først; "
                    "legg til ønske_6, ønske_7, ... om det trengs flere.",
                    "- Hvert ønske er en post, et praksissted, et helseforetak eller et sted "
                    "(by). La cellene stå tomme for en student uten ønsker.",
                    "- En plassering på ønske nummer k koster k - 1; en som ikke treffer noen "
                    "av ønskene koster unranked_cost (Innstillinger, standard 10).",
                ),
            ),
            (
                "Avtaler",
                (
                    "- Uten avtaler (uten arket Avtaler, eller med et tomt ark) er alle "
                    "praksissteder åpne for alle institusjoner.",
                    "- Med avtaler plasseres en student bare på steder som en avtale åpner for "
                    "studentens institusjon, studieprogram og periode.",
                ),
            ),
        ),
        closing="Kontroller deretter arbeidsboken med `placement validate <fil>` og lag "
        "fordelingen med `placement solve <fil>`.",
        headers=("ark", "valgfritt", "hva det er til", "påkrevde kolonner"),
        yes="ja",
        no="nei",
        required="Påkrevd",
        optional="Valgfri",
        expected="Forventet: {kind}.",
        wish="Ønske {rank}: en post, et praksissted, et helseforetak eller et sted; "
        "det beste først.",
        whole_error="Skriv et heltall, {minimum} eller mer.",
        date_error="Skriv en dato, f.eks. 2026-09-07.",
        number_error="Skriv et tall fra {low} til {high}.",
        positive_error="Skriv et tall, 0 eller mer.",
        list_error="Velg en av verdiene i listen.",
    ),
}


def write_template(path: str | Path, *, language: str = "en", force: bool = False) -> Path:
    """Write an empty input workbook with instructions, headers, comments and dropdowns.

    `language="nb"` gives Norwegian sheet and column names and instructions.
    Raises OutputExistsError when `path` exists and `force` is not given.
    """
    path = Path(path)
    language = "nb" if language == "nb" else "en"
    workbook = Workbook()
    workbook.remove(workbook.active)
    _add_instructions(workbook, language)
    for spec in schema.SHEETS:
        columns = template_columns(spec, language)
        title = spec.alias if language == "nb" else spec.name
        ws = write_table_sheet(workbook, title, [_header(c, language) for c in columns], [])
        for index, column in enumerate(columns, start=1):
            cell = ws.cell(row=1, column=index)
            cell.comment = _comment(column, language)
            _add_validation(ws, spec, column, index, language)
    with atomic_path(path, force=force) as tmp:
        workbook.save(tmp)
    return path


def template_columns(spec: Sheet, language: str = "en") -> list[Column]:
    """The sheet's columns in template order; Students gets its wish columns after specialty."""
    if spec is not schema.STUDENTS:
        return list(spec.columns)
    wishes = [
        Column(
            f"preference_{rank}",
            f"ønske_{rank}",
            Kind.ID,
            help=_WORDING[language].wish.format(rank=rank),
        )
        for rank in range(1, WISH_COLUMNS + 1)
    ]
    position = [c.name for c in spec.columns].index("specialty") + 1
    return [*spec.columns[:position], *wishes, *spec.columns[position:]]


def _header(column: Column, language: str) -> str:
    return column.alias if language == "nb" else column.name


def _comment(column: Column, language: str) -> Comment:
    """What the column holds, and whether it is required, for the header cell."""
    text = _WORDING[language]
    kind = _KIND_NB[column.kind] if language == "nb" else schema.KIND_EXPECTED[column.kind]
    parts = [
        f"{text.required if column.required else text.optional}.",
        column.help.rstrip(".") + "." if column.help else "",
        text.expected.format(kind=kind),
    ]
    comment = Comment(" ".join(p for p in parts if p), "placement")
    comment.width, comment.height = 260, 110
    return comment


def _add_validation(ws: Worksheet, spec: Sheet, column: Column, index: int, language: str) -> None:
    """A dropdown or a number/date check on the column's data rows, where one fits."""
    text = _WORDING[language]
    letter = get_column_letter(index)
    validation: DataValidation | None = None
    usual = _OPEN_LISTS.get((spec.name, column.name))
    if usual or column.choices:
        values = usual or column.choices
        validation = DataValidation(
            type="list",
            formula1='"' + ",".join(values) + '"',
            allow_blank=True,
            showErrorMessage=not usual,  # usual values: suggest them, accept any other
            error=text.list_error,
        )
    elif column.kind in (Kind.INT, Kind.POSITIVE_INT):
        minimum = 1 if column.kind is Kind.POSITIVE_INT else 0
        validation = DataValidation(
            type="whole",
            operator="greaterThanOrEqual",
            formula1=str(minimum),
            allow_blank=True,
            showErrorMessage=True,
            error=text.whole_error.format(minimum=minimum),
        )
    elif column.kind is Kind.DATE:
        validation = DataValidation(
            type="date",
            operator="between",
            formula1=str((_FIRST_DATE - date(1899, 12, 30)).days),
            formula2=str((_LAST_DATE - date(1899, 12, 30)).days),
            allow_blank=True,
            showErrorMessage=True,
            error=text.date_error,
        )
    elif column.kind is Kind.NUMBER:
        limit = _COORDINATE_RANGE.get(column.name)
        validation = DataValidation(
            type="decimal",
            operator="between" if limit else "greaterThanOrEqual",
            formula1=str(-limit) if limit else "0",
            formula2=str(limit) if limit else None,
            allow_blank=True,
            showErrorMessage=True,
            error=(
                text.number_error.format(low=-limit, high=limit) if limit else text.positive_error
            ),
        )
    if validation is not None:
        validation.add(f"{letter}2:{letter}{VALIDATED_ROWS}")
        ws.add_data_validation(validation)


def _add_instructions(workbook: Workbook, language: str) -> None:
    """Plain-words instructions, then a table of the sheets: optional?, purpose, required."""
    text = _WORDING[language]
    ws = workbook.create_sheet(text.sheet)
    ws.sheet_view.showGridLines = False
    set_cell(ws, 1, 1, text.title)
    ws.cell(row=1, column=1).font = Font(bold=True, size=14)
    row = 2
    for line in text.intro:
        row += 1
        set_cell(ws, row, 1, line)
    for heading, lines in text.sections:
        row += 2
        set_cell(ws, row, 1, heading)
        ws.cell(row=row, column=1).font = Font(bold=True)
        for line in lines:
            row += 1
            set_cell(ws, row, 1, line)
    row += 2
    set_cell(ws, row, 1, text.closing)
    rows = [
        [
            spec.alias if language == "nb" else spec.name,
            text.yes if spec.optional else text.no,
            _SHEET_HELP_NB[spec.name] if language == "nb" else spec.help,
            ", ".join(_header(c, language) for c in spec.columns if c.required),
        ]
        for spec in schema.SHEETS
    ]
    top = row + 2
    add_table(ws, text.headers, rows, top=top)
    for r in range(top + 1, top + len(rows) + 1):
        for c in range(1, 5):
            ws.cell(row=r, column=c).alignment = Alignment(wrap_text=True, vertical="top")
    for letter, width in zip("ABCD", (20, 11, 80, 45), strict=True):
        ws.column_dimensions[letter].width = width
