"""Cohorts: student rows that are interchangeable for the model, solved as one count.

Two rows are interchangeable when they have the same programme and period,
the same eligible wards and the same wish cost at each of them: swapping the
two students changes no constraint and no objective. The model then needs one
integer per cohort and ward ("how many of these go there") instead of one
boolean per student and ward, which is far smaller and has the same LP
relaxation. Rows with anything personal that the model must see on its own
(a lock, a group, another row of the same student in the same weeks) stay
cohorts of one.

For the levels that look at no wish (placements, moves, shortfall), rows are
interchangeable as soon as programme, period and eligible wards agree: those
*classes* (`by_eligibility=True`) are several times fewer than cohorts, and so
is the model.
"""

from __future__ import annotations

import random
from collections import defaultdict
from collections.abc import Callable
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
    has_wishes: bool = False
    travel_km: tuple[int, ...] = ()  # whole km from home to each eligible ward (0 unknown)
    repeats: tuple[int, ...] = ()  # 1 where the ward repeats a site/specialty (prefer_new)

    @property
    def size(self) -> int:
        return len(self.needs)

    @property
    def student_ids(self) -> tuple[str, ...]:
        return tuple(n.student_id for n in self.needs)


@dataclass(frozen=True)
class _Shape:
    """What the model sees of a row at its eligible wards; equal shapes are interchangeable."""

    wards: tuple[str, ...]
    ranks: tuple[int | None, ...]
    costs: tuple[int, ...]
    has_wishes: bool
    travel_km: tuple[int, ...]
    repeats: tuple[int, ...]


def build_cohorts(
    instance: Instance,
    eligibility: Eligibility,
    ledger: CapacityLedger,
    options: Options,
    *,
    alone: frozenset[tuple[str, str]] = frozenset(),
    by_eligibility: bool = False,
) -> list[Cohort]:
    """Group the instance's rows into cohorts (seeded order within each cohort).

    Rows in `alone` (e.g. previously placed rows when re-planning) get cohorts of one.
    With `by_eligibility`, wishes, travel and history preference are not looked at:
    the cohorts are classes, and their wish costs are all 0.
    """
    overlapping = _students_with_overlapping_rows(instance)
    order = list(instance.needs)
    random.Random(options.seed).shuffle(order)
    groups: dict[tuple[object, ...], list[Need]] = defaultdict(list)
    shapes: dict[tuple[object, ...], _Shape] = {}
    travel = instance.has_travel and not by_eligibility
    repeat_of = None if by_eligibility else _repeat_test(instance, options.prefer_new)
    for need in order:
        wards = eligibility.eligible_wards(need)
        if by_eligibility:
            shape = _Shape(wards, (None,) * len(wards), (0,) * len(wards), False, (), ())
        else:
            wished = instance.wish_ranks(need)
            ranks = tuple(wished.get(w) for w in wards)
            has_wishes = any(need.preferences)
            shape = _Shape(
                wards=wards,
                ranks=ranks,
                costs=tuple(options.wish_cost(r, has_wishes) for r in ranks),
                has_wishes=has_wishes,
                travel_km=tuple(round(instance.travel_km(need, w) or 0.0) for w in wards)
                if travel
                else (),
                repeats=tuple(int(repeat_of(need, w)) for w in wards) if repeat_of else (),
            )
        by_itself = (
            need.locked_ward is not None
            or need.group_id is not None
            or need.student_id in overlapping
            or need.key in alone
        )
        key: tuple[object, ...] = (
            ("alone", need.key) if by_itself else (need.programme_id, need.period_id, shape)
        )
        groups[key].append(need)
        shapes[key] = shape
    cohorts: list[Cohort] = []
    for key, needs in groups.items():
        first = needs[0]
        shape = shapes[key]
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
                wards=shape.wards,
                ranks=shape.ranks,
                costs=shape.costs,
                locked_ward=first.locked_ward,
                has_wishes=shape.has_wishes,
                travel_km=shape.travel_km,
                repeats=shape.repeats,
            )
        )
    return cohorts


def _repeat_test(instance: Instance, mode: str) -> Callable[[Need, str], bool] | None:
    """Whether a ward repeats a site (or specialty) of the student's History, per prefer_new."""
    if mode == "none" or not instance.history:
        return None
    had: dict[str, set[str]] = defaultdict(set)
    for entry in instance.history:
        ward = instance.ward.get(entry.ward_id)
        if ward is None:
            continue
        if mode == "site":
            had[entry.student_id].add(ward.site_id)
        else:
            had[entry.student_id] |= ward.specialty_keys

    def repeats(need: Need, ward_id: str) -> bool:
        before = had.get(need.student_id)
        if not before:
            return False
        ward = instance.ward[ward_id]
        return ward.site_id in before if mode == "site" else bool(ward.specialty_keys & before)

    return repeats


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
