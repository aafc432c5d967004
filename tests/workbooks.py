"""Raw workbooks for reader tests, written cell by cell as another tool would write them."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date
from pathlib import Path
from typing import Any

from openpyxl import Workbook

Rows = Sequence[Sequence[Any]]


def write_raw(path: Path, sheets: Mapping[str, Rows]) -> Path:
    """Write each sheet's rows exactly as given (first row usually the header)."""
    workbook = Workbook()
    workbook.remove(workbook.active)
    for title, rows in sheets.items():
        ws = workbook.create_sheet(title)
        for row in rows:
            ws.append(list(row))
    workbook.save(path)
    return path


def minimal_sheets(norwegian: bool = False) -> dict[str, list[list[Any]]]:
    """A valid two-student workbook; Norwegian sheet and column names when asked."""
    if norwegian:
        return {
            "Institusjoner": [["institusjon", "navn"], ["HVL", "Høgskulen på Vestlandet"]],
            "Studieprogram": [
                ["studieprogram", "institusjon", "profesjon", "studenter_per_veileder"],
                ["HVL-SYK", "HVL", "nursing", 2],
            ],
            "Praksisperioder": [
                ["periode", "studieprogram", "startdato", "sluttdato", "fagområde"],
                ["P1", "HVL-SYK", date(2026, 9, 7), date(2026, 10, 2), "kirurgi"],
            ],
            "Praksissteder": [
                ["praksissted", "navn", "helseforetak", "sted"],
                ["HUS", "Haukeland", "Helse Bergen HF", "Bergen"],
            ],
            "Poster": [
                ["post", "praksissted", "fagområder", "maks_studenter"],
                [101, "HUS", "kirurgi, medisin", 4],
            ],
            "Veiledere": [["post", "profesjon", "veiledere"], [101, "nursing", 1]],
            "Studenter": [
                ["studentnummer", "navn", "studieprogram", "periode", "ønske_1"],
                [12345, "Kari Nordmann", "HVL-SYK", "P1", 101],
                [12346, "Ola Nordmann", "HVL-SYK", "P1", "HUS"],
            ],
        }
    return {
        "Institutions": [["institution_id", "name"], ["UNI", "University"]],
        "Programmes": [
            ["programme_id", "institution_id", "profession", "students_per_supervisor"],
            ["NURSE", "UNI", "nursing", 1],
        ],
        "Periods": [
            ["period_id", "programme_id", "start_date", "end_date", "specialty"],
            ["P1", "NURSE", "2026-01-05", "2026-01-30", "surgery"],
        ],
        "Sites": [
            ["site_id", "name", "organisation", "location"],
            ["S1", "Site 1", "Trust A", "Bergen"],
        ],
        "Wards": [["ward_id", "site_id", "specialties"], ["W1", "S1", "surgery"]],
        "Supervisors": [["ward_id", "profession", "supervisors"], ["W1", "nursing", 2]],
        "Students": [
            ["student_id", "name", "programme_id", "period_id", "preference_1"],
            ["s1", "Student One", "NURSE", "P1", "W1"],
            ["s2", "Student Two", "NURSE", "P1", None],
        ],
    }
