"""Small named building blocks for hand-checkable instances.

Defaults: one institution UNI, one nursing programme NURSE (one-to-one
supervision), one four-week period P1 (weeks 2-5 of 2026, surgery), one site
S1 of trust "Trust A" in Bergen. Tests override only what matters to them.
"""

from __future__ import annotations

from datetime import date
from typing import Any

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
)

P1_START = date(2026, 1, 5)  # Monday of ISO week 2
P1_END = date(2026, 1, 30)  # Friday of ISO week 5


def programme(
    programme_id: str = "NURSE",
    institution_id: str = "UNI",
    profession: str = "nursing",
    students_per_supervisor: int = 1,
    **extra: Any,
) -> Programme:
    return Programme(
        programme_id=programme_id,
        institution_id=institution_id,
        profession=profession,
        students_per_supervisor=students_per_supervisor,
        **extra,
    )


def period(
    period_id: str = "P1",
    programme_id: str = "NURSE",
    start: date = P1_START,
    end: date = P1_END,
    specialty: str | None = "surgery",
    **extra: Any,
) -> Period:
    return Period(
        period_id=period_id,
        programme_id=programme_id,
        start_date=start,
        end_date=end,
        specialty=specialty,
        **extra,
    )


def site(
    site_id: str = "S1", organisation: str | None = "Trust A", location: str | None = "Bergen"
) -> Site:
    return Site(
        site_id=site_id, name=f"Site {site_id}", organisation=organisation, location=location
    )


def ward(
    ward_id: str = "W1",
    site_id: str = "S1",
    specialties: tuple[str, ...] = ("surgery",),
    **extra: Any,
) -> Ward:
    return Ward(
        ward_id=ward_id, site_id=site_id, name=f"Ward {ward_id}", specialties=specialties, **extra
    )


def supervisors(
    ward_id: str = "W1",
    count: int = 1,
    profession: str = "nursing",
    start: date | None = None,
    end: date | None = None,
) -> SupervisorRow:
    return SupervisorRow(
        ward_id=ward_id, profession=profession, supervisors=count, start_date=start, end_date=end
    )


def student(
    student_id: str = "s1",
    period_id: str = "P1",
    programme_id: str = "NURSE",
    prefs: tuple[str, ...] = (),
    **extra: Any,
) -> Need:
    return Need(
        student_id=student_id,
        period_id=period_id,
        programme_id=programme_id,
        preferences=prefs,
        **extra,
    )


def agreement(agreement_id: str = "A1", institution_id: str = "UNI", **extra: Any) -> Agreement:
    return Agreement(agreement_id=agreement_id, institution_id=institution_id, **extra)


def history(student_id: str, ward_id: str) -> HistoryEntry:
    return HistoryEntry(student_id=student_id, ward_id=ward_id)


def location(name: str, lat: float, lon: float) -> Location:
    return Location(location=name, latitude=lat, longitude=lon)


def institution(institution_id: str, name: str = "") -> Institution:
    return Institution(institution_id=institution_id, name=name or institution_id)


def instance(
    *,
    students: list[Need] | None = None,
    wards: list[Ward] | None = None,
    sups: list[SupervisorRow] | None = None,
    programmes: list[Programme] | None = None,
    periods: list[Period] | None = None,
    sites: list[Site] | None = None,
    institutions: list[Institution] | None = None,
    agreements: list[Agreement] | None = None,
    **extra: Any,
) -> Instance:
    """An instance from parts; anything not given takes the defaults above."""
    wards = wards if wards is not None else [ward()]
    return Instance(
        institutions=tuple(institutions or [Institution(institution_id="UNI", name="Uni")]),
        programmes=tuple(programmes or [programme()]),
        periods=tuple(periods or [period()]),
        sites=tuple(sites or [site()]),
        wards=tuple(wards),
        supervisors=tuple(sups if sups is not None else [supervisors(w.ward_id) for w in wards]),
        agreements=tuple(agreements) if agreements is not None else None,
        needs=tuple(students if students is not None else [student()]),
        **extra,
    )
