"""Instance and allocation as pandas DataFrames: the sheets of the output, and a notebook API.

Each function returns one table with the spec's column names (extra columns at
the end). The workbook writers only format these; analysts can use them as is.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from datetime import date
from fractions import Fraction
from typing import Any

import pandas as pd

from placement.allocation import Allocation
from placement.check import evaluate
from placement.instance import Instance, Need, norm
from placement.io.write_input import instance_rows
from placement.levels import group_members
from placement.options import Options
from placement.weeks import week_label

ALLOCATION_COLUMNS = [
    "student_id",
    "name",
    "institution_id",
    "programme_id",
    "period_id",
    "start_date",
    "end_date",
    "specialty",
    "ward_id",
    "ward_name",
    "site_id",
    "organisation",
    "preference_rank",
    "locked",
    "profession",
    "location",
    "group_id",
    "travel_km",
    "weeks",
    "cost",
]
UNPLACED_COLUMNS = ["student_id", "name", "institution_id", "programme_id", "period_id", "reason"]
AGREEMENT_COLUMNS = [
    "agreement_id",
    "institution_id",
    "site_id",
    "organisation",
    "programme_id",
    "period_id",
    "min_places",
    "max_places",
    "placed",
    "shortfall",
]
CAPACITY_COLUMNS = [
    "ward_id",
    "ward_name",
    "site_id",
    "week",
    "week_start",
    "profession",
    "students",
    "supervisors_used",
    "supervisors_available",
    "max_students",
    "students_all_professions",
]


def instance_frames(instance: Instance) -> dict[str, pd.DataFrame]:
    """Every input sheet of the instance as a DataFrame (canonical sheet and column names)."""
    return {name: pd.DataFrame(rows) for name, rows in instance_rows(instance).items()}


def allocation_frame(instance: Instance, allocation: Allocation) -> pd.DataFrame:
    """One row per placed student-period (the Allocation sheet)."""
    rows = []
    for p in allocation.placements:
        need = instance.need[p.key]
        period = instance.period[p.period_id]
        ward = instance.ward[p.ward_id]
        site = instance.site[ward.site_id]
        rows.append(
            {
                "student_id": p.student_id,
                "name": need.name or None,
                "institution_id": instance.institution_of(need),
                "programme_id": need.programme_id,
                "period_id": p.period_id,
                "start_date": period.start_date,
                "end_date": period.end_date,
                "specialty": instance.specialty_of(need),
                "ward_id": ward.ward_id,
                "ward_name": ward.name or None,
                "site_id": site.site_id,
                "organisation": site.organisation,
                "preference_rank": instance.preference_rank(need, ward.ward_id),
                "locked": "yes" if p.locked else "no",
                "profession": instance.profession_of(need),
                "location": instance.location_of(ward.ward_id),
                "group_id": need.group_id,
                "travel_km": _km(instance.travel_km(need, ward.ward_id)),
                "weeks": len(period.weeks),
                "cost": placement_cost(instance, need),
            }
        )
    frame = pd.DataFrame(rows, columns=ALLOCATION_COLUMNS)
    frame["preference_rank"] = frame["preference_rank"].astype("Int64")
    frame["travel_km"] = frame["travel_km"].astype("Int64")
    return frame.sort_values(
        ["institution_id", "programme_id", "period_id", "student_id"],
        kind="stable",
        ignore_index=True,
    )


def _km(distance: float | None) -> int | None:
    return None if distance is None else round(distance)


def placement_cost(instance: Instance, need: Need) -> float | None:
    """Cost of one placement: its weeks times the Costs sheet's rate for its profession."""
    rate = instance.costs.get(norm(instance.profession_of(need)))
    return None if rate is None else rate * len(instance.weeks_of(need))


def costs_frame(instance: Instance, allocation: Allocation) -> pd.DataFrame:
    """Cost of the allocation per trust, institution and profession (Costs sheet rates)."""
    totals: dict[tuple[str, str], float] = defaultdict(float)
    weeks: dict[tuple[str, str], int] = defaultdict(int)
    for p in allocation.placements:
        need = instance.need[p.key]
        cost = placement_cost(instance, need)
        if cost is None:
            continue
        for by, key in (
            ("organisation", instance.organisation_of(p.ward_id) or ""),
            ("institution_id", instance.institution_of(need)),
            ("profession", instance.profession_of(need)),
        ):
            totals[(by, key)] += cost
            weeks[(by, key)] += len(instance.weeks_of(need))
    return pd.DataFrame(
        [[by, key, weeks[(by, key)], round(total, 2)] for (by, key), total in totals.items()],
        columns=["by", "key", "student_weeks", "cost"],
    )


def groups_frame(instance: Instance, allocation: Allocation) -> pd.DataFrame:
    """Each group (same group_id and period): its students, where they went, whether split."""
    ward_of = {p.key: p.ward_id for p in allocation.placements}
    rows = []
    for (group_id, period_id), keys in group_members(instance).items():
        wards = sorted({ward_of[k] for k in keys if k in ward_of})
        rows.append(
            [
                group_id,
                period_id,
                len(keys),
                sum(k in ward_of for k in keys),
                ", ".join(wards) or None,
                "yes" if len(wards) > 1 or not all(k in ward_of for k in keys) else "no",
            ]
        )
    return pd.DataFrame(
        rows, columns=["group_id", "period_id", "students", "placed", "wards", "split"]
    )


def unplaced_frame(instance: Instance, allocation: Allocation) -> pd.DataFrame:
    """One row per student-period not placed, with its reason (the Unplaced sheet)."""
    rows = []
    for u in allocation.unplaced:
        need = instance.need[u.key]
        rows.append(
            {
                "student_id": u.student_id,
                "name": need.name or None,
                "institution_id": instance.institution_of(need),
                "programme_id": need.programme_id,
                "period_id": u.period_id,
                "reason": u.reason,
            }
        )
    return pd.DataFrame(rows, columns=UNPLACED_COLUMNS)


def agreement_counts(instance: Instance, allocation: Allocation) -> Counter[str]:
    """Placed students counted by each agreement."""
    counts: Counter[str] = Counter()
    for p in allocation.placements:
        need = instance.need[p.key]
        for agreement in instance.agreements_counting(need, p.ward_id):
            counts[agreement.agreement_id] += 1
    return counts


def agreements_frame(instance: Instance, allocation: Allocation) -> pd.DataFrame:
    """Each agreement with its places used and its shortfall below min_places."""
    counts = agreement_counts(instance, allocation)
    rows = []
    for a in instance.agreements or ():
        placed = counts[a.agreement_id]
        rows.append(
            {**a.model_dump(), "placed": placed, "shortfall": max(0, a.min_places - placed)}
        )
    frame = pd.DataFrame(rows, columns=AGREEMENT_COLUMNS)
    frame["max_places"] = frame["max_places"].astype("Int64")
    return frame


def capacity_frame(instance: Instance, allocation: Allocation) -> pd.DataFrame:
    """Each ward, week and profession: students, supervisors used and available."""
    used: dict[tuple[str, str, date], Fraction] = defaultdict(Fraction)
    students: Counter[tuple[str, str, date]] = Counter()
    all_students: Counter[tuple[str, date]] = Counter()
    profession_name: dict[str, str] = {}
    for p in allocation.placements:
        need = instance.need[p.key]
        profession = instance.profession_of(need)
        profession_name.setdefault(norm(profession), profession)
        share = Fraction(1, instance.students_per_supervisor(need.period_id))
        for week in instance.weeks_of(need):
            used[(p.ward_id, norm(profession), week)] += share
            students[(p.ward_id, norm(profession), week)] += 1
            all_students[(p.ward_id, week)] += 1
    professions: dict[str, set[str]] = defaultdict(set)
    for row in instance.supervisors:
        professions[row.ward_id].add(norm(row.profession))
        profession_name.setdefault(norm(row.profession), row.profession)
    for ward_id, key, _ in used:
        professions[ward_id].add(key)
    rows = []
    for ward in instance.wards:
        for key in sorted(professions.get(ward.ward_id, ())):
            for week in instance.all_weeks:
                available = instance.supervisors_in_week(ward.ward_id, key, week)
                n = students[(ward.ward_id, key, week)]
                if not available and not n:
                    continue
                rows.append(
                    {
                        "ward_id": ward.ward_id,
                        "ward_name": ward.name or None,
                        "site_id": ward.site_id,
                        "week": week_label(week),
                        "week_start": week,
                        "profession": profession_name[key],
                        "students": n,
                        "supervisors_used": float(used[(ward.ward_id, key, week)]),
                        "supervisors_available": available,
                        "max_students": ward.max_students,
                        "students_all_professions": all_students[(ward.ward_id, week)],
                    }
                )
    frame = pd.DataFrame(rows, columns=CAPACITY_COLUMNS)
    frame["max_students"] = frame["max_students"].astype("Int64")
    return frame


def wish_profile(instance: Instance, allocation: Allocation) -> dict[str, int]:
    """How many placements got their 1st, 2nd, ... wish, none of them, or had no wishes."""
    profile: Counter[str] = Counter()
    for p in allocation.placements:
        need = instance.need[p.key]
        if not any(need.preferences):
            profile["no wishes given"] += 1
            continue
        rank = instance.preference_rank(need, p.ward_id)
        profile[f"wish {rank}" if rank else "none of the wishes"] += 1
    ranked = sorted((k for k in profile if k.startswith("wish ")), key=lambda k: int(k[5:]))
    return {
        k: profile[k] for k in [*ranked, "none of the wishes", "no wishes given"] if k in profile
    }


def summary(
    instance: Instance, allocation: Allocation, options: Options | None = None
) -> dict[str, Any]:
    """Headline figures for the Summary sheet and the terminal."""
    levels = evaluate(instance, allocation, options)
    agreements = agreements_frame(instance, allocation)
    short = agreements[agreements["shortfall"] > 0] if len(agreements) else agreements
    extra: dict[str, Any] = {}
    for name, label in (
        ("groups_split", "groups split"),
        ("travel_km", "total travel km"),
        ("peak_load", "peak supervisor load %"),
        ("moves", "students moved"),
    ):
        if name in levels:
            extra[label] = levels[name]
    costs = [placement_cost(instance, instance.need[p.key]) for p in allocation.placements]
    if instance.costs:
        extra["total cost"] = round(sum(c for c in costs if c is not None), 2)
    return {
        "student rows": instance.num_needs,
        "students": instance.num_students,
        "placed": allocation.num_placed,
        "unplaced": len(allocation.unplaced),
        "placed share": (allocation.num_placed / instance.num_needs) if instance.num_needs else 1.0,
        "shortfall below agreement minimums": levels["shortfall"],
        "agreements short of their minimum": len(short),
        "wish cost": levels["wish_cost"],
        "wards": len(instance.wards),
        "wards used": len({p.ward_id for p in allocation.placements}),
        "institutions": len(instance.institutions),
        "programmes": len(instance.programmes),
        "periods": len(instance.periods),
        **extra,
    }
