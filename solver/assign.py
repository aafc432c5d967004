"""From a class model's solution to the cohort model's: which rows of a class go where.

A class model (`PlacementModel(classes=True)`) decides how many rows of each
class go to each ward, which is all that placements, moves and shortfall look
at. Which rows of the class take those places is then a transportation problem
per class: cohorts (rows with the same wishes) supply rows, the class's places
at each ward take them, and each (cohort, ward) pair costs what the next level
charges for it (e.g. its wish cost). Every hard rule holds whichever rows take
the places (they share period, profession and eligible wards), so the optimal
flow is a solution of the cohort model with the same placements, moves and
shortfall, and the best the next level can do with those places. OR-Tools'
min-cost flow solves all classes at once, in a fraction of a second even for a
whole country.
"""

from __future__ import annotations

import numpy as np
from ortools.graph.python import min_cost_flow

from solver.model import PlacementModel
from solver.program import IntArray

SOURCE, SINK = 0, 1


def class_of_cohorts(classes: PlacementModel, cohorts: PlacementModel) -> IntArray:
    """The class of every cohort (a cohort's rows always share one class)."""
    class_of_row = {need.key: c.index for c in classes.cohorts for need in c.needs}
    return np.array([class_of_row[c.needs[0].key] for c in cohorts.cohorts], dtype=np.int64)


def class_pair_of_pairs(classes: PlacementModel, cohorts: PlacementModel) -> IntArray:
    """For every cohort pair, the class pair at the same ward (-1 if there is none)."""
    num_wards = len(classes.pairs.ward_ids)
    class_keys = classes.pairs.cohort * num_wards + classes.pairs.ward
    order = np.argsort(class_keys, kind="stable")
    keys = class_of_cohorts(classes, cohorts)[cohorts.pairs.cohort] * num_wards + cohorts.pairs.ward
    found = np.searchsorted(class_keys[order], keys)
    found = np.minimum(found, len(order) - 1)
    match = class_keys[order][found] == keys if len(order) else np.zeros(len(keys), dtype=bool)
    return np.where(match, order[found], -1).astype(np.int64)


def cohort_counts(
    classes: PlacementModel,
    cohorts: PlacementModel,
    class_counts: IntArray,
    pair_cost: IntArray,
) -> IntArray:
    """Cohort pair counts with exactly `class_counts` rows of each class at each ward.

    Among all such counts, the one of least total `pair_cost` (one cost per cohort
    pair). When re-planning, rows are kept at their previous ward first, as the
    class model's moves level counted them. Raises ValueError if the class counts
    cannot be split (they always can when they come from a solution of `classes`).
    """
    pairs = cohorts.pairs
    num_cohorts = len(cohorts.cohorts)
    target = class_counts[: classes.pairs.num_pairs].astype(np.int64)
    total = int(target.sum())
    if total == 0:
        return np.zeros(pairs.num_pairs, dtype=np.int64)
    class_pair = class_pair_of_pairs(classes, cohorts)
    usable = class_pair >= 0
    first_cohort_node = 2
    first_place_node = first_cohort_node + num_cohorts
    cohort_node = first_cohort_node + np.arange(num_cohorts, dtype=np.int64)
    place_node = first_place_node + np.arange(classes.pairs.num_pairs, dtype=np.int64)
    cost = pair_cost.astype(np.int64)
    kept = np.minimum(_kept_previous(cohorts), pairs.upper)
    # Keeping a previous placement outweighs any cost the rest of the flow can add up to.
    reward = 2 * (int(np.abs(cost).max()) if len(cost) else 0) * total + 1
    tails = [np.full(num_cohorts, SOURCE), cohort_node[pairs.cohort[usable]]]
    heads = [cohort_node, place_node[class_pair[usable]]]
    capacities = [cohorts.pairs.cohort_size, (pairs.upper - kept)[usable]]
    costs = [np.zeros(num_cohorts, dtype=np.int64), cost[usable]]
    previous = np.flatnonzero(kept > 0)
    if len(previous):
        tails.append(cohort_node[pairs.cohort[previous]])
        heads.append(place_node[class_pair[previous]])
        capacities.append(kept[previous])
        costs.append(cost[previous] - reward)
    busy = np.flatnonzero(target > 0)
    tails.append(place_node[busy])
    heads.append(np.full(len(busy), SINK))
    capacities.append(target[busy])
    costs.append(np.zeros(len(busy), dtype=np.int64))
    flow = min_cost_flow.SimpleMinCostFlow()
    arcs = flow.add_arcs_with_capacity_and_unit_cost(
        np.concatenate(tails).astype(np.int32),
        np.concatenate(heads).astype(np.int32),
        np.concatenate(capacities).astype(np.int64),
        np.concatenate(costs).astype(np.int64),
    )
    flow.set_nodes_supplies(np.array([SOURCE, SINK], dtype=np.int32), np.array([total, -total]))
    if flow.solve() != flow.OPTIMAL:
        raise ValueError("the class counts cannot be split into cohorts")
    values = flow.flows(arcs)
    counts = np.zeros(pairs.num_pairs, dtype=np.int64)
    start = num_cohorts
    counts[usable] = values[start : start + int(usable.sum())]
    start += int(usable.sum())
    if len(previous):
        counts[previous] += values[start : start + len(previous)]
    return counts


def _kept_previous(cohorts: PlacementModel) -> IntArray:
    """Per cohort pair, how many of the cohort's rows were at its ward before (re-planning)."""
    kept = np.zeros(cohorts.pairs.num_pairs, dtype=np.int64)
    if cohorts.previous_ward:
        counts, _ = cohorts.previous_pair_counts()
        for (_, pair), count in counts.items():
            kept[pair] = count
    return kept
