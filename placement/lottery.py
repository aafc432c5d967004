"""The lottery coordinators run by hand today, as a baseline and a first solution.

Locked placements first; then students in random order each take their best
wish with room left, or, when every wish is full, the eligible ward with the
most room left. It never breaks a hard rule. The solver is judged against it
and starts from it, so it is never worse.
"""

from __future__ import annotations

import random

from placement.allocation import Allocation, Placement, Unplaced
from placement.capacity import CapacityLedger
from placement.eligibility import Eligibility
from placement.instance import Instance, Need


def lottery(
    instance: Instance, seed: int = 0, eligibility: Eligibility | None = None
) -> Allocation:
    """Random-order, best-wish-with-room allocation (no optimisation)."""
    eligibility = eligibility or Eligibility(instance)
    ledger = CapacityLedger(instance)
    order = list(instance.needs)
    random.Random(seed).shuffle(order)
    order.sort(key=lambda n: n.locked_ward is None)  # locks first, otherwise random
    placements: list[Placement] = []
    unplaced: list[Unplaced] = []
    for need in order:
        ward_id = _pick(instance, eligibility, ledger, need)
        if ward_id is None:
            unplaced.append(
                Unplaced(
                    student_id=need.student_id,
                    period_id=need.period_id,
                    reason="no eligible ward had room when drawn",
                )
            )
            continue
        ledger.place(need, ward_id)
        placements.append(
            Placement(
                student_id=need.student_id,
                period_id=need.period_id,
                ward_id=ward_id,
                locked=need.locked_ward is not None,
            )
        )
    return Allocation(placements=tuple(placements), unplaced=tuple(unplaced))


def _pick(
    instance: Instance, eligibility: Eligibility, ledger: CapacityLedger, need: Need
) -> str | None:
    candidates = eligibility.eligible_wards(need)
    if need.locked_ward is not None:
        return (
            need.locked_ward
            if need.locked_ward in candidates and ledger.fits(need, need.locked_ward)
            else None
        )
    ranked = sorted(
        ((rank, w) for w in candidates if (rank := instance.preference_rank(need, w)) is not None),
    )
    for _, ward_id in ranked:
        if ledger.fits(need, ward_id):
            return ward_id
    best, best_room = None, 0
    for ward_id in candidates:
        room = ledger.room(need, ward_id)
        if room > best_room:
            best, best_room = ward_id, room
    return best
