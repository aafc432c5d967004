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
from placement.options import Options
from solver.constraints import SUPERVISOR_LOAD, add_supervisor_load
from solver.pairs import Pairs
from solver.program import INFINITY, IntArray, IntegerProgram, Objective

AGREEMENT_MIN = "agreement_min"
WORST_RANK = "worst_rank"
GROUP_LINK = "group_ward"
GROUP_SPLIT = "group_split"
KEEP_PREVIOUS = "keep_previous"

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


def wish_estimate(pairs: Pairs, options: Options) -> Objective:
    """On a class model: ten times the mean wish cost of the class's rows at each ward.

    A linear estimate of the wish cost (the rows that take a class's places are
    chosen later, by `solver.assign`), to break ties before wishes are solved.
    """
    instance = pairs.instance
    total = np.zeros(pairs.num_pairs)
    for cohort in pairs.cohorts:
        members = pairs.of_cohort(cohort)
        wards = [pairs.ward_ids[w] for w in pairs.ward[members].tolist()]
        for need in cohort.needs:
            ranks = instance.wish_ranks(need)
            has_wishes = any(need.preferences)
            total[members] += [options.wish_cost(ranks.get(w), has_wishes) for w in wards]
    estimate = np.round(10 * total / pairs.cohort_size[pairs.cohort]).astype(np.int64)
    columns = np.flatnonzero(estimate).astype(np.int64)
    return Objective("wish_estimate", "min", columns, estimate[columns])


def unwished_level(program: IntegerProgram, pairs: Pairs) -> Level:
    """Minimax fairness, first: students with wishes placed at none of them."""
    unwished = pairs.cohort_has_wishes[pairs.cohort] & (pairs.rank == 0)
    columns = np.flatnonzero(unwished).astype(np.int64)
    return Level(Objective("unwished", "min", columns, np.ones(len(columns), dtype=np.int64)))


def worst_rank_level(program: IntegerProgram, pairs: Pairs) -> Level:
    """Minimax fairness, then: the worst wish rank anyone is given.

    One 0/1 column per rank t ("someone is at rank t or worse"), forced up by the
    pairs at rank >= t; their sum is the worst rank given.
    """
    worst = int(pairs.rank.max()) if pairs.num_pairs else 0
    columns = program.add_columns(
        "worst_rank", np.zeros(worst, dtype=np.int64), np.ones(worst, dtype=np.int64)
    )
    rows, keys = [], []
    for t, column in enumerate(columns, start=1):
        members = np.flatnonzero(pairs.rank >= t).astype(np.int64)
        big = int(pairs.upper[members].sum())
        keys.append(t)
        coefficients = np.append(np.ones(len(members), dtype=np.int64), -big)
        rows.append((np.append(members, column), coefficients))
    program.add_rows(WORST_RANK, keys, rows, [-INFINITY] * len(rows), [0] * len(rows))
    ranks = pairs.rank

    def complete(x: IntArray) -> IntArray:
        given = ranks[x[: len(ranks)] > 0]
        top = int(given.max()) if len(given) else 0
        x[columns] = (np.arange(1, worst + 1) <= top).astype(np.int64)
        return x

    return Level(Objective("worst_rank", "min", columns, np.ones(worst, dtype=np.int64)), complete)


def repeats_level(program: IntegerProgram, pairs: Pairs) -> Level:
    """prefer_new: placements at a site or specialty the student has had before."""
    columns = np.flatnonzero(pairs.repeats).astype(np.int64)
    return Level(Objective("repeats", "min", columns, np.ones(len(columns), dtype=np.int64)))


def travel_level(program: IntegerProgram, pairs: Pairs) -> Level:
    """Level 4, second: total whole km from students' homes to their wards."""
    columns = np.flatnonzero(pairs.travel_km).astype(np.int64)
    return Level(Objective("travel_km", "min", columns, pairs.travel_km[columns]))


def groups_level(
    program: IntegerProgram, pairs: Pairs, groups: dict[tuple[str, str], list[int]]
) -> Level:
    """Level 4, first: groups whose students are not all placed at one ward.

    Per group g and ward w that every member may go to: together[g, w] (0/1)
    may be 1 only if every member is at w; split[g] >= 1 - sum_w together[g, w].
    (Tighter than linking each member to the wards it uses: the LP bound of a
    group is one minus the most its members' fractional placements overlap.)
    """
    split = program.add_columns(
        "groups_split", np.zeros(len(groups), dtype=np.int64), np.ones(len(groups), dtype=np.int64)
    )
    link_keys: list[object] = []
    link_rows: list[tuple[IntArray, IntArray]] = []
    cover_rows: list[tuple[IntArray, IntArray]] = []
    # every together column, its group's position, and its members' pairs (flat, by column)
    together_columns: list[IntArray] = []
    together_group: list[int] = []
    member_pairs_flat: list[IntArray] = []
    for position, (split_column, (key, cohort_indices)) in enumerate(
        zip(split, groups.items(), strict=True)
    ):
        member_pairs = [pairs.of_cohort(pairs.cohorts[i]) for i in cohort_indices]
        common = np.array(
            sorted(set.intersection(*(set(pairs.ward[m].tolist()) for m in member_pairs))),
            dtype=np.int64,
        )
        together = program.add_columns(
            "group_together",
            np.zeros(len(common), dtype=np.int64),
            np.ones(len(common), dtype=np.int64),
        )
        together_columns.append(together)
        together_group.extend([position] * len(together))
        for ward, column in zip(common.tolist(), together.tolist(), strict=True):
            members_here = np.array(
                [int(m[pairs.ward[m] == ward][0]) for m in member_pairs], dtype=np.int64
            )
            member_pairs_flat.append(members_here)
            for pair in members_here.tolist():
                link_keys.append((key, pairs.ward_ids[ward]))
                link_rows.append((np.array([pair, column]), np.array([1, -1])))
        cover_rows.append(
            (np.append(together, split_column), np.ones(len(together) + 1, dtype=np.int64))
        )
    program.add_rows(
        GROUP_LINK, link_keys, link_rows, [0] * len(link_rows), [INFINITY] * len(link_rows)
    )
    program.add_rows(
        GROUP_SPLIT, list(groups), cover_rows, [1] * len(cover_rows), [INFINITY] * len(cover_rows)
    )

    all_together = np.concatenate(together_columns) if together_columns else split[:0]
    group_of = np.array(together_group, dtype=np.int64)
    members = np.concatenate(member_pairs_flat) if member_pairs_flat else split[:0]
    starts = np.cumsum([0] + [len(m) for m in member_pairs_flat[:-1]]).astype(np.int64)

    def complete(x: IntArray) -> IntArray:
        # together = 1 where every member is at that ward; split = 1 where no ward has all
        kept = np.zeros(0, dtype=np.int64)
        if len(all_together):
            kept = (np.minimum.reduceat(x[members], starts) >= 1).astype(np.int64)
            x[all_together] = kept
        any_kept = np.bincount(group_of, weights=kept, minlength=len(split)) > 0
        x[split] = (~any_kept).astype(np.int64)
        return x

    objective = Objective("groups_split", "min", split, np.ones(len(split), dtype=np.int64))
    return Level(objective, complete)


def moves_level(
    program: IntegerProgram, pairs: Pairs, previous: dict[tuple[int, int], int], forced: int
) -> Level:
    """Re-planning, right after placements: previous placements not kept at their ward.

    previous[(cohort, pair)] is how many of the cohort's rows were at the pair's
    ward before; moved >= before - x. `forced` counts previous placements whose
    ward is no longer possible at all: they move whatever the solver does.
    """
    items = sorted(previous.items())
    before = np.array([k for _, k in items], dtype=np.int64)
    moved = program.add_columns("moved", np.zeros(len(items), dtype=np.int64), before)
    fixed = program.add_columns(
        "moved_forced", np.full(1, forced, dtype=np.int64), np.full(1, forced, dtype=np.int64)
    )
    rows = [
        (np.array([pair, column]), np.array([1, 1]))
        for ((_, pair), _), column in zip(items, moved.tolist(), strict=True)
    ]
    program.add_rows(KEEP_PREVIOUS, [key for key, _ in items], rows, before, [INFINITY] * len(rows))
    pair_of = np.array([pair for (_, pair), _ in items], dtype=np.int64)

    def complete(x: IntArray) -> IntArray:
        x[moved] = np.maximum(0, before - x[pair_of]) if len(items) else x[moved]
        x[fixed] = forced
        return x

    columns = np.append(moved, fixed)
    objective = Objective("moves", "min", columns, np.ones(len(columns), dtype=np.int64))
    return Level(objective, complete)


def peak_load_level(program: IntegerProgram, pairs: Pairs) -> Level:
    """Level 4, last: the highest supervisor utilisation of any ward, profession and week (%)."""
    (column,) = program.add_columns(
        "peak_load", np.zeros(1, dtype=np.int64), np.full(1, 100, dtype=np.int64)
    )
    add_supervisor_load(program, pairs, int(column))
    blocks = program.family(SUPERVISOR_LOAD)
    block = blocks[-1] if blocks else None

    def complete(x: IntArray) -> IntArray:
        if block is None or block.num_rows == 0:
            x[column] = 0
            return x
        x[column] = 0
        activity = block.activity(x).astype(np.int64)  # 100 * used - capacity * 0
        capacity = -block.data[block.indptr[1:] - 1]
        x[column] = int(np.max(-(-activity // capacity)))
        return x

    objective = Objective("peak_load", "min", np.array([column]), np.ones(1, dtype=np.int64))
    return Level(objective, complete)
