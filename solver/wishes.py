"""The wish levels' LP relaxation, built on the class model: same bound, far fewer columns.

In the cohort model every eligible (cohort, ward) pair is a column, although
most of them cost the same: a student placed at none of its wishes costs
`unranked_cost` wherever it goes. Here the places stay those of the class model
(`z[e, w]`: rows of class e at ward w, with every hard rule on them), and only
the wished pairs get columns of their own:

- `x[c, w]` for each cohort c and ward w that some wish of c names, at its wish cost;
- `unwished[e]` and `no_wish[e]`: the class's rows placed at none of their wishes
  (at `unranked_cost`) and its placed rows that have no wishes at all (free);
- rows: `sum_c x[c, w] <= z[e, w]` (wished placements take the class's places),
  `sum_w z[e, w] = sum x + unwished + no_wish` (every place is taken by someone),
  `unwished[e] + sum x[wishers of e] <= wishers of e`, `no_wish[e] <= rows without
  wishes`, and per cohort `sum_w x[c, w] <= its rows`.

Any allocation is a solution at the same cost (x counts its wished placements),
so the LP optimum is never above the cohort model's: a true bound. Where no wish
costs more than `unranked_cost` (always, unless Settings say otherwise) the two
LPs are equal. On regional it has 70,000 columns instead of 102,000 and 380,000
nonzeros instead of 856,000, and GLOP solves it about twice as fast.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable

import numpy as np

from solver.assign import class_of_cohorts, class_pair_of_pairs
from solver.lp import LpResult, solve_lp
from solver.model import PlacementModel
from solver.program import INFINITY, FloatArray, IntArray, IntegerProgram, Objective

WISH_LINK = "wish_link"
WISH_BALANCE = "wish_balance"
WISHERS = "wishers"
WISH_ROWS = "wish_rows"

LEVELS = frozenset({"wish_cost", "unwished"})
"""The levels this relaxation bounds (the worst rank needs the cohort model's own LP)."""


class WishRelaxation:
    """The class model's program with wish columns, and how its solutions map to cohorts."""

    def __init__(self, classes: PlacementModel, cohorts: PlacementModel) -> None:
        """`classes` must be solved and held at its levels (its rows are shared, not copied)."""
        self.classes, self.cohorts = classes, cohorts
        base = classes.program
        self.program = IntegerProgram(
            lower=list(base.lower),
            upper=list(base.upper),
            names=list(base.names),
            blocks=list(base.blocks),
            _num_columns=base.num_columns,
        )
        self.num_class_columns = base.num_columns
        pairs = cohorts.pairs
        self.wished = np.flatnonzero((pairs.rank > 0) & pairs.cohort_has_wishes[pairs.cohort])
        self.place = class_pair_of_pairs(classes, cohorts)  # class pair of each cohort pair
        class_of = class_of_cohorts(classes, cohorts)
        num_classes = len(classes.cohorts)
        sizes = cohorts.pairs.cohort_size
        wishers = np.bincount(
            class_of, weights=sizes * pairs.cohort_has_wishes, minlength=num_classes
        ).astype(np.int64)
        others = np.bincount(class_of, weights=sizes, minlength=num_classes).astype(np.int64)
        others -= wishers
        program = self.program
        self.x = program.add_columns(
            "wished", np.zeros(len(self.wished), dtype=np.int64), pairs.upper[self.wished]
        )
        self.unwished = program.add_columns(
            "unwished", np.zeros(num_classes, dtype=np.int64), wishers
        )
        self.no_wish = program.add_columns("no_wish", np.zeros(num_classes, dtype=np.int64), others)
        place_of_x = self.place[self.wished]
        class_of_x = class_of[pairs.cohort[self.wished]]
        by_place: dict[int, list[int]] = defaultdict(list)
        for k, place in enumerate(place_of_x.tolist()):
            by_place[place].append(k)
        ones = np.ones
        program.add_rows(
            WISH_LINK,
            list(by_place),
            [
                (np.append(self.x[ks], place), np.append(ones(len(ks), dtype=np.int64), -1))
                for place, ks in by_place.items()
            ],
            [-INFINITY] * len(by_place),
            [0] * len(by_place),
        )
        places_of = _members(classes.pairs.cohort, num_classes)
        x_of = _members(class_of_x, num_classes)
        balance, counted = [], []
        for e in range(num_classes):
            xs = self.x[x_of[e]]
            balance.append(
                (
                    np.concatenate([places_of[e], xs, [self.unwished[e], self.no_wish[e]]]),
                    np.concatenate(
                        [
                            ones(len(places_of[e]), dtype=np.int64),
                            -ones(len(xs) + 2, dtype=np.int64),
                        ]
                    ),
                )
            )
            counted.append((np.append(xs, self.unwished[e]), ones(len(xs) + 1, dtype=np.int64)))
        program.add_rows(
            WISH_BALANCE, list(range(num_classes)), balance, [0] * num_classes, [0] * num_classes
        )
        program.add_rows(
            WISHERS, list(range(num_classes)), counted, [-INFINITY] * num_classes, wishers
        )
        x_of_cohort = _members(pairs.cohort[self.wished], len(cohorts.cohorts))
        keys, rows, limits = [], [], []
        for c, ks in enumerate(x_of_cohort):
            if len(ks) and pairs.upper[self.wished[ks]].sum() > sizes[c]:
                keys.append(c)
                rows.append((self.x[ks], ones(len(ks), dtype=np.int64)))
                limits.append(int(sizes[c]))
        program.add_rows(WISH_ROWS, keys, rows, [-INFINITY] * len(keys), limits)
        self.class_of = class_of
        self.places: FloatArray | None = None  # the class model's columns in the last LP solution

    def objective(self, name: str) -> Objective:
        """The relaxation's objective for a wish level (see `LEVELS`)."""
        pairs = self.cohorts.pairs
        unranked = self.cohorts.options.unranked_cost
        if name == "wish_cost":
            costs = np.append(pairs.cost[self.wished], np.full(len(self.unwished), unranked))
        elif name == "unwished":
            costs = np.append(np.zeros(len(self.wished)), np.ones(len(self.unwished)))
        else:
            raise ValueError(f"no wish relaxation for level {name!r}")
        columns = np.append(self.x, self.unwished)
        keep = costs != 0
        return Objective(name, "min", columns[keep], costs[keep].astype(np.int64))

    def solve(
        self,
        name: str,
        *,
        time_limit: float,
        register: Callable[[Callable[[], object]], None] | None = None,
    ) -> LpResult:
        """The LP of wish level `name`; its solution as (fractional) cohort pair counts."""
        result = solve_lp(
            self.program, self.objective(name), time_limit=time_limit, register=register
        )
        if result.x is None:
            return result
        self.places = result.x[: self.classes.program.num_columns]
        return LpResult(result.status, result.value, self.to_cohorts(result.x), result.seconds)

    def of_cohorts(self, x: IntArray) -> IntArray:
        """A cohort-model solution as a solution of this relaxation, at the same wish cost:
        its rows per class and ward as the places, its wished placements as they are,
        and the rest of each class's placed rows as unwished or without wishes."""
        pairs, classes = self.cohorts.pairs, self.classes
        counts = x[: pairs.num_pairs]
        if np.any(counts[self.place < 0]):
            raise ValueError("rows are placed where the class model has no pair")
        places = np.bincount(
            self.place[self.place >= 0],
            weights=counts[self.place >= 0],
            minlength=classes.pairs.num_pairs,
        ).astype(np.int64)
        out = np.zeros(self.program.num_columns, dtype=np.int64)
        out[: self.num_class_columns] = classes.complete(places)[: self.num_class_columns]
        out[self.x] = counts[self.wished]
        num_classes = len(classes.cohorts)
        placed = np.bincount(pairs.cohort, weights=counts, minlength=len(self.cohorts.cohorts))
        has_wishes = pairs.cohort_has_wishes.astype(bool)
        wished = np.bincount(
            pairs.cohort[self.wished], weights=counts[self.wished], minlength=len(placed)
        )
        out[self.unwished] = np.bincount(
            self.class_of, weights=np.where(has_wishes, placed - wished, 0), minlength=num_classes
        ).astype(np.int64)
        out[self.no_wish] = np.bincount(
            self.class_of, weights=np.where(has_wishes, 0, placed), minlength=num_classes
        ).astype(np.int64)
        return out

    def to_cohorts(self, solution: FloatArray) -> FloatArray:
        """A cohort-model LP solution with the same places: wished placements as they are,
        the other places of each class given to its cohorts in turn, as many to rows
        with wishes as the solution has unwished and the rest to rows without."""
        pairs = self.cohorts.pairs
        x = np.zeros(self.cohorts.program.num_columns)
        x[self.wished] = solution[self.x]
        placed = np.bincount(
            pairs.cohort, weights=x[: pairs.num_pairs], minlength=len(self.cohorts.cohorts)
        )
        room = pairs.cohort_size - placed
        slack = solution[: self.classes.pairs.num_pairs].copy()
        np.subtract.at(slack, self.place[self.wished], solution[self.x])
        budget = {True: solution[self.unwished].copy(), False: solution[self.no_wish].copy()}
        has_wishes = pairs.cohort_has_wishes[pairs.cohort].tolist()
        for p in np.flatnonzero(self.place >= 0).tolist():
            place, c = self.place[p], pairs.cohort[p]
            left = budget[has_wishes[p]]
            share = min(slack[place], room[c], pairs.upper[p] - x[p], left[self.class_of[c]])
            if share > 1e-9:
                x[p] += share
                slack[place] -= share
                room[c] -= share
                left[self.class_of[c]] -= share
        return x


def _members(owner: IntArray, count: int) -> list[IntArray]:
    """Indices grouped by owner: `out[k]` holds the positions i with owner[i] == k."""
    order = np.argsort(owner, kind="stable")
    bounds = np.searchsorted(owner[order], np.arange(count + 1))
    return [order[bounds[k] : bounds[k + 1]].astype(np.int64) for k in range(count)]
