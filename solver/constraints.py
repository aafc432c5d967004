"""The hard rules as CP-SAT constraints, one function per constraint family.

Rule 1 (eligibility) holds by construction: variables exist only for eligible
pairs (see `solver.variables`). Each function returns the constraints it added,
keyed by what they are about, so explanations can name them.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterator
from datetime import date
from functools import partial

from ortools.sat.python import cp_model

from placement.instance import Instance
from solver.cohorts import Cohort
from solver.variables import Pair, PlacementVars, sum_of


def add_one_place_per_row(model: cp_model.CpModel, xs: PlacementVars) -> None:
    """Rule 4: each student row is placed at most once (a cohort at most its size)."""
    for cohort in xs.cohorts:
        pairs = xs.of_cohort(cohort)
        if sum(p.upper for p in pairs) > cohort.size:
            model.add(sum_of(pairs) <= cohort.size)


def add_one_place_per_week(model: cp_model.CpModel, xs: PlacementVars) -> None:
    """Rule 4: no student is in two places in the same week (rows sharing weeks)."""
    rows_by_student: dict[str, list[Cohort]] = defaultdict(list)
    for cohort in xs.cohorts:
        if cohort.size == 1:
            rows_by_student[cohort.needs[0].student_id].append(cohort)
    for cohorts in rows_by_student.values():
        if len(cohorts) < 2:
            continue
        by_week: dict[date, list[Cohort]] = defaultdict(list)
        for cohort in cohorts:
            for week in cohort.weeks:
                by_week[week].append(cohort)
        seen: set[tuple[int, ...]] = set()
        for together in by_week.values():
            key = tuple(sorted(c.index for c in together))
            if len(together) > 1 and key not in seen:
                seen.add(key)
                model.add(sum_of([p for c in together for p in xs.of_cohort(c)]) <= 1)


def add_supervisor_capacity(
    model: cp_model.CpModel, xs: PlacementVars
) -> dict[tuple[str, str, date], cp_model.Constraint]:
    """Rule 2: per ward, profession and week, students use at most the supervisors there.

    A student of ratio s uses 1/s supervisor; scaled by L (see CapacityLedger) to integers.
    """
    added: dict[tuple[str, str, date], cp_model.Constraint] = {}
    for ward_id in xs.wards():
        by_profession: dict[str, list[Pair]] = defaultdict(list)
        for pair in xs.at_ward(ward_id):
            by_profession[pair.cohort.profession].append(pair)
        for profession, pairs in by_profession.items():
            for week, active, capacity in _distinct_weeks(
                pairs, partial(xs.ledger.supervisor_units, ward_id, profession), _units
            ):
                added[(ward_id, profession, week)] = model.add(
                    sum_of(active, [p.cohort.units for p in active]) <= capacity
                )
    return added


def add_max_students(
    model: cp_model.CpModel, xs: PlacementVars, instance: Instance
) -> dict[tuple[str, date], cp_model.Constraint]:
    """Rule 2: per ward and week, at most max_students students of all professions."""
    added: dict[tuple[str, date], cp_model.Constraint] = {}
    for ward_id in xs.wards():
        limit = instance.ward[ward_id].max_students
        if limit is None:
            continue
        for week, active, capacity in _distinct_weeks(
            xs.at_ward(ward_id), partial(_constant, limit), partial(_constant, 1)
        ):
            added[(ward_id, week)] = model.add(sum_of(active) <= capacity)
    return added


def add_agreement_maximums(
    model: cp_model.CpModel, xs: PlacementVars, instance: Instance
) -> dict[str, cp_model.Constraint]:
    """Rule 3: every agreement's max_places holds."""
    added: dict[str, cp_model.Constraint] = {}
    for agreement in instance.agreements or ():
        if agreement.max_places is None:
            continue
        pairs = xs.by_agreement.get(agreement.agreement_id, [])
        if sum(p.upper for p in pairs) > agreement.max_places:
            added[agreement.agreement_id] = model.add(sum_of(pairs) <= agreement.max_places)
    return added


def lock_literals(
    model: cp_model.CpModel, xs: PlacementVars
) -> dict[tuple[str, str], cp_model.IntVar]:
    """Rule 5: one literal per locked row that, when true, keeps it at its locked ward.

    The literals are enforced by the caller (as constraints, or as assumptions when
    explaining a conflict), so one mechanism serves both.
    """
    literals: dict[tuple[str, str], cp_model.IntVar] = {}
    for cohort in xs.cohorts:
        if cohort.locked_ward is None:
            continue
        need = cohort.needs[0]
        literal = model.new_bool_var(f"lock_{need.student_id}_{need.period_id}")
        pair = xs.pair(cohort, cohort.locked_ward)
        if pair is None:  # the ward is not eligible: validation reports it; the lock cannot hold
            model.add_bool_or([literal.Not()])
        else:
            model.add(pair.var == 1).only_enforce_if(literal)
        literals[need.key] = literal
    return literals


def _units(pair: Pair) -> int:
    return pair.cohort.units


def _constant(value: int, _: object) -> int:
    return value


def _distinct_weeks(
    pairs: list[Pair], capacity_of: Callable[[date], int], weight_of: Callable[[Pair], int]
) -> Iterator[tuple[date, list[Pair], int]]:
    """Yield (week, active pairs, capacity) once per distinct active set and capacity.

    Weeks in which the same pairs are present with the same capacity give the same
    constraint; only binding ones (more possible load than capacity) are kept.
    """
    by_week: dict[date, list[Pair]] = defaultdict(list)
    for pair in pairs:
        for week in pair.cohort.weeks:
            by_week[week].append(pair)
    tightest: dict[tuple[int, ...], tuple[int, date]] = {}
    for week in sorted(by_week):
        active = by_week[week]
        capacity = capacity_of(week)
        if sum(weight_of(p) * p.upper for p in active) <= capacity:
            continue
        key = tuple(p.index for p in active)
        if key not in tightest or capacity < tightest[key][0]:
            tightest[key] = (capacity, week)
    for capacity, week in tightest.values():
        yield week, by_week[week], capacity
