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


def bigger_sheets() -> dict[str, list[list[Any]]]:
    """A valid workbook using every sheet: three programmes of two institutions, four wards
    at three sites, supervisor date ranges, agreements, wishes of every kind, a group,
    required tags, an avoid list, a lock, history, locations and settings."""
    return {
        "Institutions": [["institution_id", "name"], ["UNI", "University"], ["COL", "College"]],
        "Programmes": [
            ["programme_id", "institution_id", "name", "profession", "students_per_supervisor"],
            ["NURSE", "UNI", "Nursing", "nursing", 1],
            ["MED", "UNI", "Medicine", "medicine", 2],
            ["PHYS", "COL", "Physiotherapy", "physiotherapy", 1],
        ],
        "Periods": [
            ["period_id", "programme_id", "start_date", "end_date", "specialty"],
            ["P1", "NURSE", date(2026, 1, 5), date(2026, 1, 30), "surgery"],
            ["P2", "NURSE", date(2026, 3, 2), date(2026, 3, 27), "medicine"],
            ["PM", "MED", "2026-01-05", "2026-02-13", "medicine"],
            ["PP", "PHYS", "2026-02-02", "2026-02-27", "rehabilitation"],
        ],
        "Sites": [
            ["site_id", "name", "organisation", "location"],
            ["S1", "Site 1", "Trust A", "Bergen"],
            ["S2", "Site 2", "Trust A", "Voss"],
            ["S3", "Site 3", "Trust B", "Førde"],
        ],
        "Wards": [
            ["ward_id", "site_id", "name", "specialties", "max_students", "professions", "tags"],
            ["W1", "S1", "Surgery", "surgery, medicine", 4, None, "wheelchair"],
            ["W2", "S1", "Medicine", "medicine", None, "nursing, medicine", None],
            ["W3", "S2", "Rehabilitation", "rehabilitation, surgery", 3, None, "english"],
            ["W4", "S3", "Kirurgi Førde", "surgery", None, None, None],
        ],
        "Supervisors": [
            ["ward_id", "profession", "supervisors", "start_date", "end_date"],
            ["W1", "nursing", 2, None, None],
            ["W1", "medicine", 1, None, None],
            ["W2", "nursing", 1, None, None],
            ["W2", "medicine", 2, None, None],
            ["W3", "physiotherapy", 2, None, None],
            ["W3", "nursing", 1, None, None],
            ["W4", "nursing", 1, date(2026, 1, 1), date(2026, 6, 30)],
        ],
        "Agreements": [
            [
                "institution_id",
                "site_id",
                "organisation",
                "programme_id",
                "period_id",
                "min_places",
                "max_places",
            ],
            ["UNI", None, "Trust A", None, None, 2, None],
            ["UNI", "S3", None, "NURSE", None, 0, 2],
            ["COL", None, "Trust A", "PHYS", None, 0, None],
        ],
        "Students": [
            [
                "student_id",
                "name",
                "programme_id",
                "period_id",
                "specialty",
                "preference_1",
                "preference_2",
                "requires",
                "avoid",
                "group_id",
                "locked_ward",
            ],
            ["s1", "Ada Aas", "NURSE", "P1", None, "W1", "S2", None, None, None, None],
            ["s2", "Bo Berg", "NURSE", "P1", None, "Voss", None, None, None, "g1", None],
            ["s3", "Cy Dahl", "NURSE", "P1", None, None, None, None, None, "g1", None],
            ["s1", "Ada Aas", "NURSE", "P2", None, "W2", None, None, None, None, None],
            ["m1", "Dag Ek", "MED", "PM", None, "Trust A", None, None, None, None, None],
            ["m2", "Eli Fjell", "MED", "PM", None, "W2", "W1", None, None, None, None],
            ["p1", "Fay Gran", "PHYS", "PP", None, "W3", None, "english", None, None, None],
            ["s4", "Gro Hauge", "NURSE", "P1", None, "W4", None, None, "W1", None, None],
            ["s5", "Hal Isdal", "NURSE", "P1", None, None, None, None, None, None, "W4"],
        ],
        "History": [["student_id", "ward_id"], ["s4", "W3"]],
        "Locations": [
            ["location", "latitude", "longitude"],
            ["Bergen", 60.39, 5.32],
            ["Voss", 60.63, 6.42],
            ["Førde", 61.45, 5.85],
        ],
        "Settings": [["key", "value"], ["seed", 1]],
    }
