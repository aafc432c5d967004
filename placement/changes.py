"""What changed between two allocations: who moved, who was added, who was removed.

Used by re-planning (`placement solve --previous OLD.xlsx`, with a reason for
each move) and by `placement diff A.xlsx B.xlsx` (no instance needed).
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from placement.allocation import Allocation
from placement.eligibility import Eligibility
from placement.instance import Instance
from placement.validate import rule_text
from placement.weeks import week_number_range

CHANGE_COLUMNS = ["student_id", "period_id", "change", "ward_before", "ward_after", "reason"]
MOVED, ADDED, REMOVED = "moved", "added", "removed"


@dataclass(frozen=True)
class Change:
    """One student row whose placement differs between two allocations."""

    student_id: str
    period_id: str
    change: str  # moved, added (placed only in the second) or removed (only in the first)
    ward_before: str | None
    ward_after: str | None
    reason: str = ""


def diff(before: Allocation, after: Allocation) -> list[Change]:
    """Rows placed differently in `after` than in `before`, in a stable order."""
    old = {p.key: p.ward_id for p in before.placements}
    new = {p.key: p.ward_id for p in after.placements}
    out = []
    for key in sorted(old.keys() | new.keys()):
        ward_before, ward_after = old.get(key), new.get(key)
        if ward_before == ward_after:
            continue
        kind = MOVED if ward_before and ward_after else ADDED if ward_after else REMOVED
        out.append(Change(key[0], key[1], kind, ward_before, ward_after))
    return out


def replanning_changes(
    instance: Instance, previous: Allocation, allocation: Allocation, eligibility: Eligibility
) -> list[Change]:
    """The changes of a re-planning run, each with why (for the Changes sheet and terminal)."""
    unplaced_reason = {u.key: u.reason for u in allocation.unplaced}
    known_before = {p.key for p in previous.placements} | {u.key for u in previous.unplaced}
    out = []
    for change in diff(previous, allocation):
        key = (change.student_id, change.period_id)
        need = instance.need.get(key)
        if need is None:
            reason = "the student row is no longer in the Students sheet"
        elif change.ward_before is None:
            reason = "a new student row" if key not in known_before else "placed now, not before"
        else:
            reason = _why_moved(instance, eligibility, need_key=key, ward_id=change.ward_before)
            if change.ward_after is None:
                reason += f"; not placed now: {unplaced_reason.get(key, '')}"
        out.append(
            Change(
                change.student_id,
                change.period_id,
                change.change,
                change.ward_before,
                change.ward_after,
                reason,
            )
        )
    return out


def _why_moved(
    instance: Instance, eligibility: Eligibility, *, need_key: tuple[str, str], ward_id: str
) -> str:
    need = instance.need[need_key]
    if ward_id not in instance.ward:
        return f"{ward_id} is no longer in the Wards sheet"
    rule = eligibility.excluding_rule(need, ward_id)
    if rule is None:
        return f"moved to make room at {ward_id} or elsewhere for other students"
    if rule == "capacity":
        weeks = eligibility.full_weeks(ward_id, instance.profession_of(need), need.period_id)
        return (
            f"{ward_id} has no {instance.profession_of(need)} supervisors or room in "
            f"{week_number_range(weeks)} any more"
        )
    return f"{ward_id} is no longer possible: {rule_text(instance, need, ward_id, rule)}"


def changes_frame(changes: list[Change]) -> pd.DataFrame:
    """The changes as a table (the Changes sheet and `placement diff`)."""
    return pd.DataFrame(
        [
            [c.student_id, c.period_id, c.change, c.ward_before, c.ward_after, c.reason]
            for c in changes
        ],
        columns=CHANGE_COLUMNS,
    )
