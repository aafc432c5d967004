"""Room at wards, week by week (hard rules 2 and 3), counted exactly.

Mixed supervision models make a student use 1/students_per_supervisor of a
supervisor. To count in integers, everything is scaled by the least common
multiple L of the supervision ratios in use: a supervisor is L units, and a
student of ratio s uses L/s units. The solver scales its constraints the same
way; the checker counts with fractions, independently.
"""

from __future__ import annotations

import math
from collections import defaultdict
from datetime import date

from placement.instance import Agreement, Instance, Need, norm


class CapacityLedger:
    """Tracks what placements use, and says whether one more fits."""

    def __init__(self, instance: Instance) -> None:
        self.instance = instance
        ratios = {instance.students_per_supervisor(p.period_id) for p in instance.periods} or {1}
        self.units_per_supervisor = math.lcm(*ratios)
        self._supervisor_units: dict[tuple[str, str, date], int] = {}
        self.used_units: dict[tuple[str, str, date], int] = defaultdict(int)
        self.students: dict[tuple[str, date], int] = defaultdict(int)
        self.agreement_count: dict[str, int] = defaultdict(int)
        self.busy_weeks: dict[str, set[date]] = defaultdict(set)  # per student_id
        self._agreements: dict[tuple[str, str, str], tuple[Agreement, ...]] = {}

    # ---- static capacity -----------------------------------------------------------------------
    def units_of(self, period_id: str) -> int:
        """Supervisor units one student of this period uses."""
        return self.units_per_supervisor // self.instance.students_per_supervisor(period_id)

    def supervisor_units(self, ward_id: str, profession: str, week: date) -> int:
        """Supervisor capacity in units for a ward, profession and week."""
        key = (ward_id, norm(profession), week)
        units = self._supervisor_units.get(key)
        if units is None:
            sup = self.instance.supervisors_in_week(ward_id, profession, week)
            units = self._supervisor_units[key] = sup * self.units_per_supervisor
        return units

    def agreements_for(self, need: Need, ward_id: str) -> tuple[Agreement, ...]:
        """Agreements counting a placement of `need` at `ward_id` (cached per site)."""
        site_id = self.instance.ward[ward_id].site_id
        key = (need.programme_id, need.period_id, site_id)
        found = self._agreements.get(key)
        if found is None:
            found = self._agreements[key] = tuple(self.instance.agreements_counting(need, ward_id))
        return found

    # ---- dynamic use ---------------------------------------------------------------------------
    def fits(self, need: Need, ward_id: str) -> bool:
        """One more placement of `need` at `ward_id` breaks no capacity, max or week rule."""
        return self.room(need, ward_id) >= 1

    def room(self, need: Need, ward_id: str) -> int:
        """How many more students like `need` fit at `ward_id` in its tightest week (0 = full)."""
        inst = self.instance
        if self.busy_weeks[need.student_id].intersection(inst.weeks_of(need)):
            return 0
        profession = inst.profession_of(need)
        units = self.units_of(need.period_id)
        max_students = inst.ward[ward_id].max_students
        room = math.inf
        for week in inst.weeks_of(need):
            free = (
                self.supervisor_units(ward_id, profession, week)
                - self.used_units[(ward_id, norm(profession), week)]
            )
            room = min(room, free // units)
            if max_students is not None:
                room = min(room, max_students - self.students[(ward_id, week)])
            if room <= 0:
                return 0
        for agreement in self.agreements_for(need, ward_id):
            if agreement.max_places is not None:
                room = min(
                    room, agreement.max_places - self.agreement_count[agreement.agreement_id]
                )
        return 0 if room <= 0 else int(min(room, 1_000_000))

    def place(self, need: Need, ward_id: str) -> None:
        """Record a placement (no check: call `fits` first where it matters)."""
        self._apply(need, ward_id, +1)

    def remove(self, need: Need, ward_id: str) -> None:
        """Undo `place`."""
        self._apply(need, ward_id, -1)

    def _apply(self, need: Need, ward_id: str, sign: int) -> None:
        inst = self.instance
        profession = norm(inst.profession_of(need))
        units = self.units_of(need.period_id)
        for week in inst.weeks_of(need):
            self.used_units[(ward_id, profession, week)] += sign * units
            self.students[(ward_id, week)] += sign
        weeks = self.busy_weeks[need.student_id]
        if sign > 0:
            weeks.update(inst.weeks_of(need))
        else:
            weeks.difference_update(inst.weeks_of(need))
        for agreement in self.agreements_for(need, ward_id):
            self.agreement_count[agreement.agreement_id] += sign
