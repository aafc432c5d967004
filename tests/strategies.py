"""Hypothesis strategies: small random placement instances that stress every rule.

Instances mix supervision ratios, date-ranged supervisors, max_students,
agreements by site and by trust with minimums and maximums, tags, avoid lists,
history, locks and students with several periods.
"""

from __future__ import annotations

from datetime import date, timedelta

from hypothesis import strategies as st

from placement.instance import Instance
from tests import factory as f

SPECIALTIES = ("surgery", "medicine")
PROFESSIONS = ("nursing", "physiotherapy")
BASE = date(2026, 1, 5)  # a Monday


@st.composite
def instances(
    draw: st.DrawFn, max_students: int = 6, max_wards: int = 4, locks: bool = True
) -> Instance:
    """A small instance; every id it uses exists, so it always validates."""
    programmes = [
        f.programme("PA", profession="nursing", students_per_supervisor=draw(st.integers(1, 3))),
        f.programme(
            "PB",
            profession=draw(st.sampled_from(PROFESSIONS)),
            students_per_supervisor=draw(st.integers(1, 2)),
        ),
    ]
    periods = []
    for index, programme in enumerate(programmes):
        for k in range(draw(st.integers(1, 2))):
            start = BASE + timedelta(weeks=draw(st.integers(0, 4)))
            periods.append(
                f.period(
                    f"P{index}{k}",
                    programme_id=programme.programme_id,
                    start=start,
                    end=start + timedelta(days=draw(st.integers(0, 20))),
                    specialty=draw(st.sampled_from(SPECIALTIES)),
                )
            )
    sites = [
        f.site("S1", organisation="Trust A", location="Bergen"),
        f.site("S2", organisation="Trust B", location="Voss"),
    ]
    wards = []
    for i in range(draw(st.integers(1, max_wards))):
        wards.append(
            f.ward(
                f"W{i}",
                site_id=draw(st.sampled_from(["S1", "S2"])),
                specialties=tuple(draw(st.sets(st.sampled_from(SPECIALTIES), min_size=1))),
                max_students=draw(st.one_of(st.none(), st.integers(0, 2))),
                tags=("wheelchair",) if draw(st.booleans()) else (),
            )
        )
    sups = []
    for ward in wards:
        for profession in PROFESSIONS:
            for _ in range(draw(st.integers(0, 2))):
                first: date | None = draw(
                    st.one_of(st.none(), st.integers(0, 6).map(lambda d: BASE + timedelta(weeks=d)))
                )
                last: date | None = draw(
                    st.one_of(
                        st.none(),
                        st.integers(2, 10).map(lambda d: BASE + timedelta(weeks=d, days=4)),
                    )
                )
                if first is not None and last is not None and last < first:
                    first, last = last, first
                sups.append(
                    f.supervisors(
                        ward.ward_id,
                        draw(st.sampled_from([0, 1, 1, 2, 3])),
                        profession=profession,
                        start=first,
                        end=last,
                    )
                )
    period_ids = [p.period_id for p in periods]
    programme_of = {p.period_id: p.programme_id for p in periods}
    ward_ids = [w.ward_id for w in wards]
    students = []
    used: set[tuple[str, str]] = set()
    pool = max(1, max_students * 2 // 3)  # fewer ids than rows: students with several periods
    for _ in range(draw(st.integers(max(1, max_students - 2), max_students))):
        student_id = f"s{draw(st.integers(0, pool - 1))}"
        period_id = draw(st.sampled_from(period_ids))
        if (student_id, period_id) in used:
            continue
        used.add((student_id, period_id))
        prefs = tuple(
            draw(
                st.lists(
                    st.sampled_from([*ward_ids, "S1", "S2", "Trust B", "Voss"]),
                    max_size=3,
                    unique=True,
                )
            )
        )
        students.append(
            f.student(
                student_id,
                period_id=period_id,
                programme_id=programme_of[period_id],
                prefs=prefs,
                requires=("wheelchair",) if draw(st.integers(0, 5)) == 0 else (),
                avoid=(draw(st.sampled_from(ward_ids)),) if draw(st.integers(0, 5)) == 0 else (),
                locked_ward=(
                    draw(st.sampled_from(ward_ids))
                    if locks and draw(st.integers(0, 7)) == 0
                    else None
                ),
            )
        )
    agreements = None
    if draw(st.booleans()):
        agreements = [
            f.agreement(
                "A1",
                organisation="Trust A",
                min_places=draw(st.integers(0, 3)),
                max_places=draw(st.one_of(st.none(), st.integers(0, 2))),
            ),
            f.agreement(
                "A2",
                site_id="S2",
                programme_id=draw(st.sampled_from(["PA", "PB"])),
                min_places=draw(st.integers(0, 2)),
                max_places=draw(st.one_of(st.none(), st.integers(1, 2))),
            ),
        ]
    history = tuple(
        f.history(s.student_id, draw(st.sampled_from(ward_ids)))
        for s in students
        if draw(st.integers(0, 6)) == 0
    )
    return f.instance(
        students=students,
        wards=wards,
        sups=sups,
        programmes=programmes,
        periods=periods,
        sites=sites,
        agreements=agreements,
        history=history,
    )
