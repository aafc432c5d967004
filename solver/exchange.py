"""Students exchanged between the places in use, at least cost: one min-cost flow.

Two pairs at the same ward whose columns are the same in every row but their
cohorts' own (`one_place_per_row`) are the same *slot*: the same weeks, the same
supervisors, the same agreement, the same everything a row counts. Students can
then trade slots freely: as long as each slot keeps as many students as now and
each cohort as many placements as now, every row keeps its value exactly, and
so does every helper column. Which students take which slots is then a
transportation problem, solved to optimality for the whole program at once by
OR-Tools' min-cost flow in about a second nationally.

The class split (`solver.assign`) does this within one class; this goes across
classes (students of one programme and period with different eligible wards,
wishes or restrictions) and across the whole program, where the neighbourhood
search only ever sees a few wards at a time.
"""

from __future__ import annotations

import numpy as np
import scipy.sparse
from ortools.graph.python import min_cost_flow

from solver.constraints import ONE_PLACE_PER_ROW
from solver.model import PlacementModel
from solver.program import IntArray, Objective

MAX_FLOW_COST = 2**60
"""The flow's costs are 64-bit integers: an objective whose total could pass this is not used."""


class SlotExchange:
    """Re-assigns students to the slots in use at least cost for one objective on pairs."""

    def __init__(self, built: PlacementModel, seed: int = 0) -> None:
        self.built = built
        self.rng = np.random.default_rng(seed)
        self._slots_of: tuple[int, IntArray] | None = None  # (rows seen, slot of each pair)

    def slots(self) -> IntArray:
        """The slot of each pair (rebuilt when the program gained rows)."""
        program = self.built.program
        if self._slots_of is not None and self._slots_of[0] == program.num_rows:
            return self._slots_of[1]
        indptr, indices, data, _, _ = program.csr()
        num_pairs = self.built.pairs.num_pairs
        weights = self.rng.random((program.num_rows, 2))
        offset = 0
        for block in program.blocks:
            if block.family == ONE_PLACE_PER_ROW:
                weights[offset : offset + block.num_rows] = 0.0
            offset += block.num_rows
        # Each pair's column hashed as a random weighted sum of its rows (twice): equal
        # columns give equal sums (summed in the same order), unequal ones almost surely
        # do not.
        matrix = scipy.sparse.csr_matrix(
            (data.astype(np.float64), indices, indptr),
            shape=(program.num_rows, program.num_columns),
        )
        hashes = np.asarray(matrix.T @ weights)[:num_pairs]
        ward = self.built.pairs.ward
        order = np.lexsort((hashes[:, 1], hashes[:, 0], ward))
        ends = np.ones(num_pairs, dtype=bool)
        if num_pairs:
            ends[1:] = (
                (np.diff(ward[order]) != 0)
                | (np.diff(hashes[order, 0]) != 0)
                | (np.diff(hashes[order, 1]) != 0)
            )
        slot = np.empty(num_pairs, dtype=np.int64)
        slot[order] = np.cumsum(ends) - 1
        self._slots_of = (program.num_rows, slot)
        return slot

    def can_gain(self, objective: Objective) -> bool:
        """Whether an exchange can change the objective: it must count pairs only (a helper
        column depends on more than one slot) and not every pair alike (an exchange keeps
        the number of placements)."""
        columns, num_pairs = objective.columns, self.built.pairs.num_pairs
        if len(columns) == 0 or np.any(columns >= num_pairs):
            return False
        uniform = len(np.unique(objective.coefficients)) == 1
        return not (uniform and len(np.unique(columns)) == num_pairs)

    def exchange(self, objective: Objective, x: IntArray) -> IntArray | None:
        """`x` with its students re-assigned to its slots at least cost for `objective`
        (see `can_gain`), or None if that gains nothing."""
        pairs = self.built.pairs
        num_pairs = pairs.num_pairs
        if not self.can_gain(objective):
            return None
        cost = np.zeros(num_pairs, dtype=np.int64)
        np.add.at(cost, objective.columns, objective.coefficients)
        if objective.sense == "max":
            cost = -cost
        placed = x[:num_pairs]
        if int(np.abs(cost).max(initial=0)) * int(placed.sum()) >= MAX_FLOW_COST:
            return None
        slot = self.slots()
        lower, upper = self.built.program.column_bounds()
        fixed = np.minimum(placed, lower[:num_pairs])  # a pair's lower bound stays put
        num_cohorts = len(self.built.cohorts)
        supply = np.bincount(pairs.cohort, weights=placed - fixed, minlength=num_cohorts)
        num_slots = int(slot.max()) + 1 if num_pairs else 0
        demand = np.bincount(slot, weights=placed - fixed, minlength=num_slots)
        # Only slots in use and cohorts with students placed take part.
        arcs = np.flatnonzero((demand[slot] > 0) & (supply[pairs.cohort] > 0))
        arcs = arcs[upper[arcs] > fixed[arcs]]
        if len(arcs) == 0:
            return None
        flow = min_cost_flow.SimpleMinCostFlow()
        arc_ids = flow.add_arcs_with_capacity_and_unit_cost(
            pairs.cohort[arcs],
            num_cohorts + slot[arcs],
            upper[arcs] - fixed[arcs],
            cost[arcs],
        )
        nodes = np.arange(num_cohorts + num_slots)
        flow.set_nodes_supplies(nodes, np.concatenate([supply, -demand]).astype(np.int64))
        if flow.solve() != flow.OPTIMAL:
            return None
        counts = fixed.copy()
        counts[arcs] += flow.flows(arc_ids)
        if int(np.dot(cost, counts)) >= int(np.dot(cost, placed)):
            return None
        traded = self.built.complete(counts)
        # Every row keeps its value by construction; checked all the same, as two
        # different columns could (all but never) hash alike.
        return None if self.built.program.violations(traded) else traded
