"""The placement model of one instance: cohorts, pairs, hard rules and objective levels.

Built once, solver-independently, as an `IntegerProgram`; `solver.solve` hands
it to GLOP (its LP relaxation) and CP-SAT. A *class model* (`classes=True`)
groups rows by eligibility alone: it has the same rows and the same optimum for
the levels that look at no wish (`CLASS_LEVELS`), with several times fewer columns.
"""

from __future__ import annotations

from collections import Counter, defaultdict

import numpy as np

from placement.allocation import Allocation, Placement
from placement.capacity import CapacityLedger
from placement.eligibility import Eligibility
from placement.instance import Instance, Need
from placement.levels import group_members, level_names
from placement.options import Options
from solver import constraints, objectives
from solver.cohorts import Cohort, build_cohorts
from solver.objectives import Level
from solver.pairs import Pairs
from solver.program import IntArray, IntegerProgram

CLASS_LEVELS = frozenset({"placements", "moves", "shortfall"})
"""Levels whose value depends only on how many rows of each class are at each ward."""


class PlacementModel:
    """Everything the solver needs about one instance, as one integer program."""

    def __init__(
        self,
        instance: Instance,
        options: Options,
        eligibility: Eligibility | None = None,
        previous: Allocation | None = None,
        levels: list[str] | None = None,
        keep_all_supervisor_rows: bool = False,
        classes: bool = False,
    ) -> None:
        """Build the model; `levels` replaces the run's objective levels (e.g. placements only).

        `keep_all_supervisor_rows` keeps rows that cannot bind (capacity planning rewrites them).
        `classes` builds the class model, for `CLASS_LEVELS` only.
        """
        self.instance = instance
        self.options = options
        self.previous_ward: dict[tuple[str, str], str] = (
            {p.key: p.ward_id for p in previous.placements if p.key in instance.need}
            if previous is not None
            else {}
        )
        self.eligibility = eligibility or Eligibility(instance, max_travel_km=options.max_travel_km)
        self.grid = self.eligibility.grid
        ledger = CapacityLedger(instance, self.grid)
        self.classes = classes
        self.cohorts: list[Cohort] = build_cohorts(
            instance, self.eligibility, ledger, options, by_eligibility=classes
        )
        self.pairs = Pairs(instance, self.cohorts, self.grid)
        self.program = IntegerProgram()
        self.program.add_columns(
            "pairs", np.zeros(self.pairs.num_pairs, dtype=np.int64), self.pairs.upper
        )
        self.membership = constraints.agreement_membership(self.pairs, instance)
        constraints.add_one_place_per_row(self.program, self.pairs)
        constraints.add_one_place_per_week(self.program, self.pairs)
        constraints.add_supervisor_capacity(
            self.program, self.pairs, keep_all=keep_all_supervisor_rows
        )
        constraints.add_max_students(self.program, self.pairs)
        constraints.add_agreement_maximums(self.program, self.pairs, instance, self.membership)
        constraints.add_locks(self.program, self.pairs)
        self.level_names = levels or level_names(instance, options, replanning=previous is not None)
        if classes and not CLASS_LEVELS.issuperset(self.level_names):
            raise ValueError(f"a class model cannot optimise {self.level_names}")
        self.levels: list[Level] = [self._level(name) for name in self.level_names]

    def _level(self, name: str) -> Level:
        """Build objective level `name` (adding its helper columns and rows)."""
        program, pairs = self.program, self.pairs
        if name == "placements":
            return objectives.placements_level(program, pairs)
        if name == "moves":
            return objectives.moves_level(program, pairs, *self.previous_pair_counts())
        if name == "shortfall":
            return objectives.shortfall_level(program, pairs, self.instance, self.membership)
        if name == "unwished":
            return objectives.unwished_level(program, pairs)
        if name == "worst_rank":
            return objectives.worst_rank_level(program, pairs)
        if name == "wish_cost":
            return objectives.wish_cost_level(program, pairs)
        if name == "repeats":
            return objectives.repeats_level(program, pairs)
        if name == "groups_split":
            cohort_of = {c.needs[0].key: c.index for c in self.cohorts if c.size == 1}
            groups = {
                key: [cohort_of[k] for k in keys]
                for key, keys in group_members(self.instance).items()
            }
            return objectives.groups_level(program, pairs, groups)
        if name == "travel_km":
            return objectives.travel_level(program, pairs)
        if name == "peak_load":
            return objectives.peak_load_level(program, pairs)
        raise ValueError(f"unknown objective level {name!r}")

    def previous_pair_counts(self) -> tuple[dict[tuple[int, int], int], int]:
        """Previous placements per (cohort, pair), and how many have no pair any more."""
        counts: dict[tuple[int, int], int] = defaultdict(int)
        forced = 0
        cohort_of = {need.key: cohort for cohort in self.cohorts for need in cohort.needs}
        for key, ward_id in self.previous_ward.items():
            cohort = cohort_of[key]
            pair = self.pairs.pair(cohort, ward_id)
            if pair is None:
                forced += 1
            else:
                counts[(cohort.index, pair)] += 1
        return dict(counts), forced

    def complete(self, pair_counts: IntArray) -> IntArray:
        """A full solution vector from pair counts (helper columns computed)."""
        x = np.zeros(self.program.num_columns, dtype=np.int64)
        x[: self.pairs.num_pairs] = pair_counts[: self.pairs.num_pairs]
        for level in self.levels:
            if level.complete is not None:
                x = level.complete(x)
        return x

    def counts_of(self, placements: tuple[Placement, ...] | list[Placement]) -> IntArray:
        """Pair counts of an allocation given as placements (ignoring ineligible ones)."""
        cohort_of = {need.key: cohort for cohort in self.cohorts for need in cohort.needs}
        counts: Counter[int] = Counter()
        for placement in placements:
            pair = self.pairs.pair(cohort_of[placement.key], placement.ward_id)
            if pair is not None:
                counts[pair] += 1
        x = np.zeros(self.pairs.num_pairs, dtype=np.int64)
        for pair, n in counts.items():
            x[pair] = n
        return x

    def placements_from(self, x: IntArray) -> tuple[Placement, ...]:
        """Placements from a solution: a cohort's first students (seeded order) take its places.

        When re-planning, rows go back to their previous ward first where it has a place.
        """
        out: list[Placement] = []
        for cohort in self.cohorts:
            waiting = list(cohort.needs)
            plan: list[tuple[str, int]] = []
            for pair in self.pairs.of_cohort(cohort):
                ward_id = self.pairs.ward_id(int(pair))
                count = int(x[pair])
                for need in [n for n in waiting if self.previous_ward.get(n.key) == ward_id]:
                    if count == 0:
                        break
                    waiting.remove(need)
                    out.append(_placement(need, ward_id))
                    count -= 1
                plan.append((ward_id, count))
            queue = iter(waiting)
            for ward_id, count in plan:
                for _ in range(count):
                    need = next(queue)
                    out.append(_placement(need, ward_id))
        return tuple(out)


def _placement(need: Need, ward_id: str) -> Placement:
    return Placement(
        student_id=need.student_id,
        period_id=need.period_id,
        ward_id=ward_id,
        locked=need.locked_ward == ward_id,
    )
