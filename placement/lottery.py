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
    """The row's best wish with room; else the eligible ward with the most room; else None."""
    candidates = eligibility.eligible_wards(need)
    if need.locked_ward is not None:
        locked_ok = need.locked_ward in candidates and ledger.fits(need, need.locked_ward)
        return need.locked_ward if locked_ok else None
    rooms = ledger.rooms(need, candidates)
    if not rooms.any():
        return None
    ranked = sorted(
        (rank, i)
        for i, ward_id in enumerate(candidates)
        if rooms[i] > 0 and (rank := instance.preference_rank(need, ward_id)) is not None
    )
    if ranked:
        return candidates[ranked[0][1]]
    return candidates[int(rooms.argmax())]  # the first ward with the most room left
