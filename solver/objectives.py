"""The objective levels of the spec, most important first, each its own expression.

Levels are optimised one after another; each level's result is then kept as a
constraint while the next is optimised (`solver.solve`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from ortools.sat.python import cp_model

from placement.instance import Instance
from solver.variables import PlacementVars, sum_of

Counts = dict[int, int]
"""A solution as pair counts: pair index -> students placed there (absent = 0)."""


@dataclass
class Level:
    """One objective level: expression and sense, and its value at given pair counts.

    `helper_values` gives the level's auxiliary variables (e.g. shortfalls) their
    values at given counts, so that a hint can be complete.
    """

    name: str
    sense: str  # "max" or "min"
    expr: cp_model.LinearExprT
    evaluate: Callable[[Counts], int]
    helper_values: Callable[[Counts], dict[cp_model.IntVar, int]] = field(default=lambda counts: {})


def placements_level(xs: PlacementVars) -> Level:
    """Level 1: as many placements as possible."""
    return Level("placements", "max", xs.total_placed(), lambda counts: sum(counts.values()))


def shortfall_level(model: cp_model.CpModel, xs: PlacementVars, instance: Instance) -> Level:
    """Level 2: as small a total shortfall below agreements' min_places as possible."""
    shortfalls: list[tuple[cp_model.IntVar, int, list[int]]] = []
    for agreement in instance.agreements or ():
        if agreement.min_places <= 0:
            continue
        pairs = xs.by_agreement.get(agreement.agreement_id, [])
        short = model.new_int_var(0, agreement.min_places, f"short_{agreement.agreement_id}")
        model.add(short + sum_of(pairs) >= agreement.min_places)
        shortfalls.append((short, agreement.min_places, [p.index for p in pairs]))

    def helper_values(counts: Counts) -> dict[cp_model.IntVar, int]:
        return {
            short: max(0, minimum - sum(counts.get(i, 0) for i in indexes))
            for short, minimum, indexes in shortfalls
        }

    expr = cp_model.LinearExpr.sum([s for s, _, _ in shortfalls]) if shortfalls else 0
    return Level(
        "shortfall", "min", expr, lambda counts: sum(helper_values(counts).values()), helper_values
    )


def wish_cost_level(xs: PlacementVars) -> Level:
    """Level 3: total wish cost (k-th wish costs k-1, no wish matched costs unranked_cost)."""
    pairs = [p for p in xs.pairs if p.cost]
    cost = {p.index: p.cost for p in pairs}
    return Level(
        "wish_cost",
        "min",
        sum_of(pairs, [p.cost for p in pairs]) if pairs else 0,
        lambda counts: sum(cost.get(i, 0) * n for i, n in counts.items()),
    )


def build_levels(model: cp_model.CpModel, xs: PlacementVars, instance: Instance) -> list[Level]:
    """Levels 1-3 of the spec, most important first."""
    return [
        placements_level(xs),
        shortfall_level(model, xs, instance),
        wish_cost_level(xs),
    ]
