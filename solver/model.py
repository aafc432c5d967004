"""The placement model of one instance: cohorts, pairs, hard rules and objective levels.

Built once, solver-independently, as an `IntegerProgram`; `solver.solve` hands
it to GLOP (its LP relaxation) and CP-SAT.
"""

from __future__ import annotations

from collections import Counter

import numpy as np

from placement.allocation import Placement
from placement.capacity import CapacityLedger
from placement.eligibility import Eligibility
from placement.instance import Instance
from placement.options import Options
from solver import constraints
from solver.cohorts import Cohort, build_cohorts
from solver.objectives import Level, placements_level, shortfall_level, wish_cost_level
from solver.pairs import Pairs
from solver.program import IntArray, IntegerProgram


class PlacementModel:
    """Everything the solver needs about one instance, as one integer program."""

    def __init__(
        self, instance: Instance, options: Options, eligibility: Eligibility | None = None
    ) -> None:
        self.instance = instance
        self.options = options
        self.eligibility = eligibility or Eligibility(instance)
        self.grid = self.eligibility.grid
        ledger = CapacityLedger(instance, self.grid)
        self.cohorts: list[Cohort] = build_cohorts(instance, self.eligibility, ledger, options)
        self.pairs = Pairs(instance, self.cohorts, self.grid)
        self.program = IntegerProgram()
        self.program.add_columns(
            "pairs", np.zeros(self.pairs.num_pairs, dtype=np.int64), self.pairs.upper
        )
        self.membership = constraints.agreement_membership(self.pairs, instance)
        constraints.add_one_place_per_row(self.program, self.pairs)
        constraints.add_one_place_per_week(self.program, self.pairs)
        constraints.add_supervisor_capacity(self.program, self.pairs)
        constraints.add_max_students(self.program, self.pairs)
        constraints.add_agreement_maximums(self.program, self.pairs, instance, self.membership)
        constraints.add_locks(self.program, self.pairs)
        self.levels: list[Level] = [
            placements_level(self.program, self.pairs),
            shortfall_level(self.program, self.pairs, instance, self.membership),
            wish_cost_level(self.program, self.pairs),
        ]

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
        """Placements from a solution: a cohort's first students (seeded order) take its places."""
        out: list[Placement] = []
        for cohort in self.cohorts:
            queue = iter(cohort.needs)
            for pair in self.pairs.of_cohort(cohort):
                ward_id = self.pairs.ward_id(int(pair))
                for _ in range(int(x[pair])):
                    need = next(queue)
                    out.append(
                        Placement(
                            student_id=need.student_id,
                            period_id=need.period_id,
                            ward_id=ward_id,
                            locked=need.locked_ward == ward_id,
                        )
                    )
        return tuple(out)
