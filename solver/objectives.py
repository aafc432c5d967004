"""The objective levels of the spec, most important first, each an objective of the program.

Levels are optimised one after another; each level's result is then kept as a
row of the program while the next is optimised (`solver.solve`). A level that
needs helper columns (the shortfall below each agreement minimum) adds them,
with the rows that define them, and says how to compute them from the pairs.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from placement.instance import Instance
from solver.pairs import Pairs
from solver.program import INFINITY, IntArray, IntegerProgram, Objective

AGREEMENT_MIN = "agreement_min"

Completion = Callable[[IntArray], IntArray]
"""Fills a level's helper columns in a full solution vector from its pair columns."""


@dataclass
class Level:
    """An objective level of the program, and how to complete its helper columns."""

    objective: Objective
    complete: Completion | None = None

    @property
    def name(self) -> str:
        return self.objective.name

    @property
    def sense(self) -> str:
        return self.objective.sense


def placements_level(program: IntegerProgram, pairs: Pairs) -> Level:
    """Level 1: as many placements as possible."""
    columns = np.arange(pairs.num_pairs, dtype=np.int64)
    return Level(Objective("placements", "max", columns, np.ones(len(columns), dtype=np.int64)))


def shortfall_level(
    program: IntegerProgram, pairs: Pairs, instance: Instance, membership: dict[str, IntArray]
) -> Level:
    """Level 2: as small a total shortfall below agreements' min_places as possible.

    One helper column per agreement with a minimum: short_a >= min_a - placed_a, short_a >= 0.
    """
    promised = [a for a in instance.agreements or () if a.min_places > 0]
    minimum = np.array([a.min_places for a in promised], dtype=np.int64)
    columns = program.add_columns("shortfall", np.zeros(len(promised), dtype=np.int64), minimum)
    rows = []
    for column, agreement in zip(columns, promised, strict=True):
        members = membership.get(agreement.agreement_id, np.zeros(0, dtype=np.int64))
        rows.append((np.append(members, column), np.ones(len(members) + 1, dtype=np.int64)))
    program.add_rows(
        AGREEMENT_MIN, [a.agreement_id for a in promised], rows, minimum, [INFINITY] * len(promised)
    )
    member_lists = [membership.get(a.agreement_id, np.zeros(0, dtype=np.int64)) for a in promised]

    def complete(x: IntArray) -> IntArray:
        for column, need, members in zip(columns, minimum, member_lists, strict=True):
            x[column] = max(0, int(need) - int(x[members].sum()))
        return x

    objective = Objective("shortfall", "min", columns, np.ones(len(columns), dtype=np.int64))
    return Level(objective, complete)


def wish_cost_level(program: IntegerProgram, pairs: Pairs) -> Level:
    """Level 3: total wish cost (k-th wish costs k-1, no wish matched unranked_cost)."""
    columns = np.flatnonzero(pairs.cost).astype(np.int64)
    return Level(Objective("wish_cost", "min", columns, pairs.cost[columns]))
