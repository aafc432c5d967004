"""Cohorts: student rows that are interchangeable for the model, solved as one count.

Two rows are interchangeable when they have the same programme and period,
the same eligible wards and the same wish cost at each of them: swapping the
two students changes no constraint and no objective. The model then needs one
integer per cohort and ward ("how many of these go there") instead of one
boolean per student and ward, which is far smaller and has the same LP
relaxation. Rows with anything personal that the model must see on its own
(a lock, a group, another row of the same student in the same weeks) stay
cohorts of one.
"""

from __future__ import annotations

import random
from collections import defaultdict
from dataclasses import dataclass
from datetime import date

from placement.capacity import CapacityLedger
from placement.eligibility import Eligibility
from placement.instance import Instance, Need, norm
from placement.options import Options


@dataclass(frozen=True)
class Cohort:
    """Interchangeable student rows and everything the model needs to know about them."""

    index: int
    needs: tuple[Need, ...]  # in lottery order: the first ones get the places
    programme_id: str
    period_id: str
    institution_id: str
    profession: str  # normalised
    weeks: tuple[date, ...]
    units: int  # supervisor units one student uses (see CapacityLedger)
    wards: tuple[str, ...]  # eligible wards
    ranks: tuple[int | None, ...]  # wish rank at each eligible ward
    costs: tuple[int, ...]  # wish cost at each eligible ward
    locked_ward: str | None = None

    @property
    def size(self) -> int:
        return len(self.needs)

    @property
    def student_ids(self) -> tuple[str, ...]:
        return tuple(n.student_id for n in self.needs)


def build_cohorts(
    instance: Instance, eligibility: Eligibility, ledger: CapacityLedger, options: Options
) -> list[Cohort]:
    """Group the instance's rows into cohorts (seeded order within each cohort)."""
    overlapping = _students_with_overlapping_rows(instance)
    order = list(instance.needs)
    random.Random(options.seed).shuffle(order)
    groups: dict[tuple[object, ...], list[Need]] = defaultdict(list)
    shapes: dict[
        tuple[object, ...], tuple[tuple[str, ...], tuple[int | None, ...], tuple[int, ...]]
    ] = {}
    for need in order:
        wards = eligibility.eligible_wards(need)
        wished = instance.wish_ranks(need)
        ranks = tuple(wished.get(w) for w in wards)
        has_wishes = any(need.preferences)
        costs = tuple(options.wish_cost(r, has_wishes) for r in ranks)
        alone = (
            need.locked_ward is not None
            or need.group_id is not None
            or need.student_id in overlapping
        )
        key: tuple[object, ...] = (
            ("alone", need.key)
            if alone
            else (need.programme_id, need.period_id, wards, costs, ranks)
        )
        groups[key].append(need)
        shapes[key] = (wards, ranks, costs)
    cohorts: list[Cohort] = []
    for key, needs in groups.items():
        first = needs[0]
        wards, ranks, costs = shapes[key]
        cohorts.append(
            Cohort(
                index=len(cohorts),
                needs=tuple(needs),
                programme_id=first.programme_id,
                period_id=first.period_id,
                institution_id=instance.institution_of(first),
                profession=norm(instance.profession_of(first)),
                weeks=instance.weeks_of(first),
                units=ledger.units_of(first.period_id),
                wards=wards,
                ranks=ranks,
                costs=costs,
                locked_ward=first.locked_ward,
            )
        )
    return cohorts


def _students_with_overlapping_rows(instance: Instance) -> set[str]:
    """Students with two rows whose periods share a week (hard rule 4 couples them)."""
    weeks_seen: dict[str, set[date]] = defaultdict(set)
    out: set[str] = set()
    for need in instance.needs:
        weeks = set(instance.weeks_of(need))
        seen = weeks_seen[need.student_id]
        if seen & weeks:
            out.add(need.student_id)
        seen |= weeks
    return out
