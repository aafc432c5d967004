"""The decision variables: one integer per eligible (cohort, ward) pair, in one container.

`x[p]` for pair p = (cohort c, ward w) is how many students of cohort c are
placed at ward w. Pairs exist only where hard rule 1 allows them and the ward
has room in every week of the period, so rule 1 holds by construction. The
pairs are the first columns of the integer program, in cohort order.
"""

from __future__ import annotations

from functools import cached_property

import numpy as np
import numpy.typing as npt

from placement.capacity import CapacityGrid
from placement.instance import Instance
from solver.cohorts import Cohort
from solver.program import IntArray


class Pairs:
    """All placement variables as arrays, with typed accessors by cohort and ward."""

    def __init__(self, instance: Instance, cohorts: list[Cohort], grid: CapacityGrid) -> None:
        self.instance = instance
        self.cohorts = cohorts
        self.grid = grid
        self.ward_ids = [w.ward_id for w in instance.wards]
        counts = np.fromiter((len(c.wards) for c in cohorts), dtype=np.int64, count=len(cohorts))
        cohort_of = np.repeat(np.arange(len(cohorts), dtype=np.int64), counts)
        ward_of = np.fromiter(
            (grid.ward_index[w] for c in cohorts for w in c.wards),
            dtype=np.int64,
            count=int(counts.sum()),
        )
        cost = np.fromiter(
            (k for c in cohorts for k in c.costs), dtype=np.int64, count=int(counts.sum())
        )
        rank = np.fromiter(
            (r or 0 for c in cohorts for r in c.ranks), dtype=np.int64, count=int(counts.sum())
        )
        total = int(counts.sum())
        travel = np.fromiter(
            (k for c in cohorts for k in (c.travel_km or (0,) * len(c.wards))),
            dtype=np.int64,
            count=total,
        )
        repeats = np.fromiter(
            (k for c in cohorts for k in (c.repeats or (0,) * len(c.wards))),
            dtype=np.int64,
            count=total,
        )
        upper = self._room(cohort_of, ward_of)
        upper = np.minimum(upper, self.cohort_size[cohort_of])
        keep = upper > 0
        self.cohort: IntArray = cohort_of[keep]
        self.ward: IntArray = ward_of[keep]
        self.cost: IntArray = cost[keep]
        self.rank: IntArray = rank[keep]  # 0 where no wish names the ward
        self.upper: IntArray = upper[keep]
        self.travel_km: IntArray = travel[keep]  # whole km from home (0 where unknown)
        self.repeats: IntArray = repeats[keep]  # 1 where the ward repeats the student's history

    # ---- per-cohort facts as arrays -----------------------------------------------------------
    @cached_property
    def cohort_size(self) -> IntArray:
        return np.array([c.size for c in self.cohorts], dtype=np.int64)

    @cached_property
    def cohort_has_wishes(self) -> npt.NDArray[np.bool_]:
        return np.array([c.has_wishes for c in self.cohorts], dtype=np.bool_)

    @cached_property
    def cohort_units(self) -> IntArray:
        return np.array([c.units for c in self.cohorts], dtype=np.int64)

    @cached_property
    def cohort_profession(self) -> IntArray:
        return np.array(
            [self.grid.profession_index[c.profession] for c in self.cohorts], dtype=np.int64
        )

    @cached_property
    def cohort_first_week(self) -> IntArray:
        return np.array([self.grid.week_index[c.weeks[0]] for c in self.cohorts], dtype=np.int64)

    @cached_property
    def cohort_num_weeks(self) -> IntArray:
        return np.array([len(c.weeks) for c in self.cohorts], dtype=np.int64)

    def _room(self, cohort_of: IntArray, ward_of: IntArray) -> IntArray:
        """Most students of each pair's cohort its ward could take alone, in its tightest week."""
        if len(cohort_of) == 0:
            return np.zeros(0, dtype=np.int64)
        weeks = self.cohort_num_weeks[cohort_of]
        pair_of_entry = np.repeat(np.arange(len(cohort_of)), weeks)
        starts = np.concatenate(([0], np.cumsum(weeks)[:-1]))
        offset = np.arange(len(pair_of_entry)) - np.repeat(starts, weeks)
        week = self.cohort_first_week[cohort_of][pair_of_entry] + offset
        units = self.grid.supervisor_units[
            ward_of[pair_of_entry], self.cohort_profession[cohort_of][pair_of_entry], week
        ]
        tightest = np.minimum.reduceat(units, starts)
        room = tightest // self.cohort_units[cohort_of]
        return np.minimum(room, self.grid.max_students[ward_of])

    # ---- accessors ----------------------------------------------------------------------------
    @property
    def num_pairs(self) -> int:
        return len(self.cohort)

    @cached_property
    def _cohort_starts(self) -> IntArray:
        return np.searchsorted(self.cohort, np.arange(len(self.cohorts) + 1)).astype(np.int64)

    def of_cohort(self, cohort: Cohort) -> IntArray:
        """Pair indices of one cohort (its eligible wards with room)."""
        return np.arange(self._cohort_starts[cohort.index], self._cohort_starts[cohort.index + 1])

    @cached_property
    def _by_ward(self) -> dict[int, IntArray]:
        order = np.argsort(self.ward, kind="stable")
        wards, starts = np.unique(self.ward[order], return_index=True)
        ends = np.append(starts[1:], len(order))
        return {int(w): order[s:e] for w, s, e in zip(wards, starts, ends, strict=True)}

    def at_ward(self, ward_id: str) -> IntArray:
        """Pair indices at one ward."""
        return self._by_ward.get(self.grid.ward_index[ward_id], np.zeros(0, dtype=np.int64))

    def pair(self, cohort: Cohort, ward_id: str) -> int | None:
        """The pair index of (cohort, ward), or None if the ward is not eligible or full."""
        ward = self.grid.ward_index.get(ward_id)
        for index in self.of_cohort(cohort):
            if self.ward[index] == ward:
                return int(index)
        return None

    def ward_id(self, pair: int) -> str:
        return self.ward_ids[int(self.ward[pair])]
