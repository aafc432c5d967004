"""Locked placements that cannot all hold, said in a coordinator's words.

Locks are agreed placements (hard rule 5). When together they need more
supervisors or places than a ward has in some weeks, or more than an
agreement's maximum, no allocation exists; this module finds where, by
counting the locks alone, so the run can fail with the reason.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from datetime import date
from fractions import Fraction

from placement.instance import Instance, Need
from placement.weeks import week_number_range


def lock_conflicts(instance: Instance) -> list[str]:
    """Every ward, week range and agreement where the locked rows alone break a hard rule."""
    locked = [n for n in instance.needs if n.locked_ward is not None]
    messages: list[str] = []
    messages += _supervisor_conflicts(instance, locked)
    messages += _max_students_conflicts(instance, locked)
    messages += _agreement_conflicts(instance, locked)
    messages += _same_week_conflicts(instance, locked)
    return messages


def _group_weeks(
    items: Mapping[date, tuple[frozenset[str], Fraction | int, int]],
) -> list[tuple[list[date], frozenset[str], Fraction | int, int]]:
    """Join consecutive weeks with the same students and the same need/capacity."""
    runs: list[tuple[list[date], frozenset[str], Fraction | int, int]] = []
    for week in sorted(items):
        students, need, capacity = items[week]
        if runs and runs[-1][1:] == (students, need, capacity):
            runs[-1][0].append(week)
        else:
            runs.append(([week], students, need, capacity))
    return runs


def _supervisor_conflicts(instance: Instance, locked: list[Need]) -> list[str]:
    load: dict[tuple[str, str], dict[date, Fraction]] = defaultdict(lambda: defaultdict(Fraction))
    who: dict[tuple[str, str], dict[date, set[str]]] = defaultdict(lambda: defaultdict(set))
    for need in locked:
        assert need.locked_ward is not None
        key = (need.locked_ward, instance.profession_of(need))
        share = Fraction(1, instance.students_per_supervisor(need.period_id))
        for week in instance.weeks_of(need):
            load[key][week] += share
            who[key][week].add(need.student_id)
    messages = []
    for (ward_id, profession), by_week in load.items():
        over: dict[date, tuple[frozenset[str], Fraction | int, int]] = {}
        for week, needed in by_week.items():
            available = instance.supervisors_in_week(ward_id, profession, week)
            if needed > available:
                over[week] = (frozenset(who[(ward_id, profession)][week]), needed, available)
        for weeks, students, required, has in _group_weeks(over):
            messages.append(
                f"the {len(students)} students locked to {ward_id} "
                f"({', '.join(sorted(students))}) need {_supervisors(required)} {profession} "
                f"supervisors in {week_number_range(weeks)}; the ward has {has}"
            )
    return messages


def _max_students_conflicts(instance: Instance, locked: list[Need]) -> list[str]:
    who: dict[str, dict[date, set[str]]] = defaultdict(lambda: defaultdict(set))
    for need in locked:
        assert need.locked_ward is not None
        for week in instance.weeks_of(need):
            who[need.locked_ward][week].add(need.student_id)
    messages = []
    for ward_id, by_week in who.items():
        limit = instance.ward[ward_id].max_students
        if limit is None:
            continue
        over: dict[date, tuple[frozenset[str], Fraction | int, int]] = {
            week: (frozenset(students), len(students), limit)
            for week, students in by_week.items()
            if len(students) > limit
        }
        for weeks, students, count, _ in _group_weeks(over):
            messages.append(
                f"{count} students are locked to {ward_id} ({', '.join(sorted(students))}) in "
                f"{week_number_range(weeks)}; its max_students is {limit}"
            )
    return messages


def _agreement_conflicts(instance: Instance, locked: list[Need]) -> list[str]:
    messages = []
    for agreement in instance.agreements or ():
        if agreement.max_places is None:
            continue
        counted = [
            n.student_id
            for n in locked
            if n.locked_ward is not None
            and agreement in instance.agreements_counting(n, n.locked_ward)
        ]
        if len(counted) > agreement.max_places:
            messages.append(
                f"{len(counted)} locked placements count under agreement "
                f"{agreement.agreement_id} ({agreement.label}), whose max_places is "
                f"{agreement.max_places}"
            )
    return messages


def _same_week_conflicts(instance: Instance, locked: list[Need]) -> list[str]:
    by_student: dict[str, list[Need]] = defaultdict(list)
    for need in locked:
        by_student[need.student_id].append(need)
    messages = []
    for student_id, needs in by_student.items():
        for i, a in enumerate(needs):
            for b in needs[i + 1 :]:
                shared = set(instance.weeks_of(a)) & set(instance.weeks_of(b))
                if shared:
                    messages.append(
                        f"student {student_id} is locked in periods {a.period_id} and "
                        f"{b.period_id}, which share {week_number_range(shared)}"
                    )
    return messages


def _supervisors(amount: Fraction | int) -> str:
    value = Fraction(amount)
    return str(value.numerator) if value.denominator == 1 else f"{float(value):g}"
