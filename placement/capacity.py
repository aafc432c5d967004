"""Room at wards, week by week (hard rules 2 and 3), counted exactly in whole numbers.

Mixed supervision models make a student use 1/students_per_supervisor of a
supervisor. To count in integers, everything is scaled by the least common
multiple L of the supervision ratios in use: a supervisor is L units, and a
student of ratio s uses L/s units. Capacity is a ward x profession x week grid
(numpy), so asking "how much room at each of these 60 wards" is one array
operation. The solver builds its rows from the same grid; the checker counts
with fractions, independently.
"""

from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import dataclass
from datetime import date

import numpy as np
import numpy.typing as npt

from placement.instance import Agreement, Instance, Need, norm

IntArray = npt.NDArray[np.int64]
UNLIMITED = np.iinfo(np.int32).max


@dataclass
class CapacityGrid:
    """Supervisor units per ward, profession and week; max_students per ward.

    Weeks are indices into `instance.all_weeks`; a period's weeks are a contiguous range.
    """

    units_per_supervisor: int
    ward_index: dict[str, int]
    profession_index: dict[str, int]
    week_index: dict[date, int]
    supervisor_units: IntArray  # [ward, profession, week]
    max_students: IntArray  # [ward]; UNLIMITED where there is no limit

    @classmethod
    def build(cls, instance: Instance) -> CapacityGrid:
        """Sum the Supervisors rows into the grid (a row counts in weeks whose Monday it holds)."""
        ratios = {instance.students_per_supervisor(p.period_id) for p in instance.periods}
        units_per_supervisor = math.lcm(*ratios) if ratios else 1
        ward_index = {w.ward_id: i for i, w in enumerate(instance.wards)}
        professions = sorted(
            {norm(r.profession) for r in instance.supervisors}
            | {norm(p.profession) for p in instance.programmes}
        )
        profession_index = {p: i for i, p in enumerate(professions)}
        weeks = list(instance.all_weeks)
        mondays = np.array(weeks, dtype="datetime64[D]")
        grid = np.zeros((len(ward_index), len(professions), len(weeks)), dtype=np.int64)
        for row in instance.supervisors:
            first = (
                0
                if row.start_date is None
                else int(np.searchsorted(mondays, np.datetime64(row.start_date, "D"), side="left"))
            )
            last = (
                len(weeks)
                if row.end_date is None
                else int(np.searchsorted(mondays, np.datetime64(row.end_date, "D"), side="right"))
            )
            grid[ward_index[row.ward_id], profession_index[norm(row.profession)], first:last] += (
                row.supervisors * units_per_supervisor
            )
        max_students = np.array(
            [UNLIMITED if w.max_students is None else w.max_students for w in instance.wards],
            dtype=np.int64,
        )
        return cls(
            units_per_supervisor,
            ward_index,
            profession_index,
            {w: i for i, w in enumerate(weeks)},
            grid,
            max_students,
        )


class CapacityLedger:
    """Tracks what placements use, and says how many more fit where."""

    def __init__(self, instance: Instance, grid: CapacityGrid | None = None) -> None:
        self.instance = instance
        self.grid = grid or CapacityGrid.build(instance)
        shape = self.grid.supervisor_units.shape
        self.used_units: IntArray = np.zeros(shape, dtype=np.int64)
        self.students: IntArray = np.zeros((shape[0], shape[2]), dtype=np.int64)
        self.agreement_count: dict[str, int] = defaultdict(int)
        self.busy_weeks: dict[str, set[date]] = defaultdict(set)  # per student_id
        self._agreements: dict[tuple[str, str, str], tuple[Agreement, ...]] = {}
        self._capped_cache: dict[tuple[str, str, str], tuple[Agreement, ...]] = {}
        self._site_ids = [s.site_id for s in instance.sites]
        site_index = {site_id: i for i, site_id in enumerate(self._site_ids)}
        self._site_of_ward: IntArray = np.array(
            [site_index[w.site_id] for w in instance.wards], dtype=np.int64
        )

    @property
    def units_per_supervisor(self) -> int:
        return self.grid.units_per_supervisor

    def units_of(self, period_id: str) -> int:
        """Supervisor units one student of this period uses."""
        return self.grid.units_per_supervisor // self.instance.students_per_supervisor(period_id)

    def week_range(self, need: Need) -> slice:
        """The grid's week indices of this row's period."""
        weeks = self.instance.weeks_of(need)
        first = self.grid.week_index[weeks[0]]
        return slice(first, first + len(weeks))

    def profession_of(self, need: Need) -> int:
        return self.grid.profession_index[norm(self.instance.profession_of(need))]

    def supervisor_units(self, ward_id: str, profession: str, week: date) -> int:
        """Supervisor capacity in units for a ward, profession and week."""
        prof = self.grid.profession_index.get(norm(profession))
        if prof is None:
            return 0
        return int(
            self.grid.supervisor_units[
                self.grid.ward_index[ward_id], prof, self.grid.week_index[week]
            ]
        )

    def agreements_for(self, need: Need, ward_id: str) -> tuple[Agreement, ...]:
        """Agreements counting a placement of `need` at `ward_id` (cached per site)."""
        site_id = self.instance.ward[ward_id].site_id
        key = (need.programme_id, need.period_id, site_id)
        found = self._agreements.get(key)
        if found is None:
            found = self._agreements[key] = tuple(self.instance.agreements_counting(need, ward_id))
        return found

    # ---- how much room ---------------------------------------------------------------------------
    def rooms(self, need: Need, ward_ids: list[str] | tuple[str, ...]) -> IntArray:
        """How many more students like `need` fit at each ward, in its tightest week (0 = full)."""
        if not ward_ids:
            return np.zeros(0, dtype=np.int64)
        if self.busy_weeks[need.student_id].intersection(self.instance.weeks_of(need)):
            return np.zeros(len(ward_ids), dtype=np.int64)
        wards = np.fromiter(
            (self.grid.ward_index[w] for w in ward_ids), dtype=np.int64, count=len(ward_ids)
        )
        weeks = self.week_range(need)
        prof = self.profession_of(need)
        free = (
            self.grid.supervisor_units[wards, prof, weeks] - self.used_units[wards, prof, weeks]
        ).min(axis=1) // self.units_of(need.period_id)
        seats = self.grid.max_students[wards] - self.students[wards, weeks].max(axis=1)
        room: IntArray = np.minimum(free, seats).astype(np.int64)
        if self.instance.agreements:
            room = np.minimum(room, self._agreement_room(need, wards))
        clipped: IntArray = np.maximum(room, 0)
        return clipped

    def _agreement_room(self, need: Need, wards: IntArray) -> IntArray:
        """Places left under the capped agreements that would count `need` at each ward."""
        site_of = self._site_of_ward[wards]
        room = np.full(len(wards), UNLIMITED, dtype=np.int64)
        for site in np.unique(site_of).tolist():
            capped = self._capped(need, self._site_ids[site])
            if capped:
                left = min(
                    (a.max_places or 0) - self.agreement_count[a.agreement_id] for a in capped
                )
                room[site_of == site] = left
        return room

    def _capped(self, need: Need, site_id: str) -> tuple[Agreement, ...]:
        key = (need.programme_id, need.period_id, site_id)
        found = self._capped_cache.get(key)
        if found is None:
            institution = self.instance.institution_of(need)
            found = self._capped_cache[key] = tuple(
                a
                for a in self.instance.agreements or ()
                if a.max_places is not None
                and self.instance.agreement_covers(
                    a, institution, site_id, need.programme_id, need.period_id
                )
            )
        return found

    def room(self, need: Need, ward_id: str) -> int:
        """How many more students like `need` fit at one ward (0 = full)."""
        return int(self.rooms(need, (ward_id,))[0])

    def fits(self, need: Need, ward_id: str) -> bool:
        """One more placement of `need` at `ward_id` breaks no capacity, max or week rule."""
        return self.room(need, ward_id) >= 1

    # ---- recording placements ------------------------------------------------------------
    def place(self, need: Need, ward_id: str) -> None:
        """Record a placement (no check: call `fits` first where it matters)."""
        self._apply(need, ward_id, +1)

    def remove(self, need: Need, ward_id: str) -> None:
        """Undo `place`."""
        self._apply(need, ward_id, -1)

    def _apply(self, need: Need, ward_id: str, sign: int) -> None:
        ward = self.grid.ward_index[ward_id]
        weeks = self.week_range(need)
        self.used_units[ward, self.profession_of(need), weeks] += sign * self.units_of(
            need.period_id
        )
        self.students[ward, weeks] += sign
        busy = self.busy_weeks[need.student_id]
        if sign > 0:
            busy.update(self.instance.weeks_of(need))
        else:
            busy.difference_update(self.instance.weeks_of(need))
        for agreement in self.agreements_for(need, ward_id):
            self.agreement_count[agreement.agreement_id] += sign

    # ---- what binds (for reasons) --------------------------------------------------------
    def full_weeks(self, need: Need, ward_id: str) -> tuple[list[date], list[date]]:
        """Weeks where supervisors, and weeks where max_students, leave no room for `need`."""
        ward = self.grid.ward_index[ward_id]
        weeks = self.week_range(need)
        prof = self.profession_of(need)
        free = self.grid.supervisor_units[ward, prof, weeks] - self.used_units[ward, prof, weeks]
        seats = self.grid.max_students[ward] - self.students[ward, weeks]
        mondays = self.instance.weeks_of(need)
        return (
            [mondays[i] for i in np.flatnonzero(free < self.units_of(need.period_id))],
            [mondays[i] for i in np.flatnonzero(seats < 1)],
        )
