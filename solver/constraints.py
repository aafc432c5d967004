"""The hard rules as rows of the integer program, one function per constraint family.

Rule 1 (eligibility) holds by construction: columns exist only for eligible
pairs (`solver.pairs`). Every function adds one family of rows, keyed by what
each row is about, so that reports and explanations can name it. Rows that can
never bind (the most their columns could add up to is within the limit) and
rows repeated week after week are left out.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from datetime import date

import numpy as np
import numpy.typing as npt

from placement.instance import Instance
from solver.pairs import Pairs
from solver.program import INFINITY, IntArray, IntegerProgram

ONE_PLACE_PER_ROW = "one_place_per_row"
ONE_PLACE_PER_WEEK = "one_place_per_week"
SUPERVISORS = "supervisors"
MAX_STUDENTS = "max_students"
AGREEMENT_MAX = "agreement_max"
LOCK = "lock"
SUPERVISOR_LOAD = "supervisor_load"


def add_one_place_per_row(program: IntegerProgram, pairs: Pairs) -> None:
    """Rule 4: each student row is placed at most once (a cohort at most its size)."""
    keys, rows, upper = [], [], []
    for cohort in pairs.cohorts:
        members = pairs.of_cohort(cohort)
        if pairs.upper[members].sum() > cohort.size:
            keys.append(cohort.index)
            rows.append((members, np.ones(len(members), dtype=np.int64)))
            upper.append(cohort.size)
    program.add_rows(ONE_PLACE_PER_ROW, keys, rows, [-INFINITY] * len(keys), upper)


def add_one_place_per_week(program: IntegerProgram, pairs: Pairs) -> None:
    """Rule 4: no student is in two places in the same week (own rows sharing weeks)."""
    rows_of_student: dict[str, list[int]] = defaultdict(list)
    for cohort in pairs.cohorts:
        if cohort.size == 1:
            rows_of_student[cohort.needs[0].student_id].append(cohort.index)
    keys: list[object] = []
    rows = []
    for student_id, cohort_indices in rows_of_student.items():
        if len(cohort_indices) < 2:
            continue
        by_week: dict[date, list[int]] = defaultdict(list)
        for index in cohort_indices:
            for week in pairs.cohorts[index].weeks:
                by_week[week].append(index)
        seen: set[tuple[int, ...]] = set()
        for week, together in sorted(by_week.items()):
            key = tuple(sorted(together))
            if len(together) > 1 and key not in seen:
                seen.add(key)
                members = np.concatenate([pairs.of_cohort(pairs.cohorts[i]) for i in together])
                keys.append((student_id, week))
                rows.append((members, np.ones(len(members), dtype=np.int64)))
    program.add_rows(ONE_PLACE_PER_WEEK, keys, rows, [-INFINITY] * len(keys), [1] * len(keys))


def add_supervisor_capacity(program: IntegerProgram, pairs: Pairs, keep_all: bool = False) -> None:
    """Rule 2: per ward, profession and week, students use at most the supervisors there.

    A student of ratio s uses 1/s of a supervisor; everything is scaled by L (the
    least common multiple of the ratios) so the row is in whole numbers.
    """
    profession = pairs.cohort_profession[pairs.cohort]
    units = pairs.cohort_units[pairs.cohort]
    _add_weekly_rows(
        program,
        SUPERVISORS,
        pairs,
        group=pairs.ward * len(pairs.grid.profession_index) + profession,
        weights=units,
        capacity=lambda ward, prof, week: int(pairs.grid.supervisor_units[ward, prof, week]),
        key=lambda ward, prof, week: (pairs.ward_ids[ward], _name(pairs, prof), week),
        professions=profession,
        keep_all=keep_all,
    )


def add_supervisor_load(program: IntegerProgram, pairs: Pairs, load_column: int) -> None:
    """Peak load level: in every ward, profession and week, 100 * used <= available * load."""
    profession = pairs.cohort_profession[pairs.cohort]
    _add_weekly_rows(
        program,
        SUPERVISOR_LOAD,
        pairs,
        group=pairs.ward * len(pairs.grid.profession_index) + profession,
        weights=pairs.cohort_units[pairs.cohort],
        capacity=lambda ward, prof, week: int(pairs.grid.supervisor_units[ward, prof, week]),
        key=lambda ward, prof, week: (pairs.ward_ids[ward], _name(pairs, prof), week),
        professions=profession,
        load_column=load_column,
    )


def add_max_students(program: IntegerProgram, pairs: Pairs) -> None:
    """Rule 2: per ward and week, at most max_students students of all professions."""
    limited = pairs.grid.max_students[pairs.ward] < np.iinfo(np.int32).max
    if not limited.any():
        return
    _add_weekly_rows(
        program,
        MAX_STUDENTS,
        pairs,
        group=pairs.ward,
        weights=np.ones(pairs.num_pairs, dtype=np.int64),
        capacity=lambda ward, _prof, _week: int(pairs.grid.max_students[ward]),
        key=lambda ward, _prof, week: (pairs.ward_ids[ward], week),
        professions=np.zeros(pairs.num_pairs, dtype=np.int64),
        only=limited,
    )


def agreement_membership(pairs: Pairs, instance: Instance) -> dict[str, IntArray]:
    """Pair indices counted by each agreement (placements matching all its columns)."""
    if not instance.agreements:
        return {}
    site_ids = [instance.ward[w].site_id for w in pairs.ward_ids]
    combos: dict[tuple[str, str, str], int] = {}
    combo_of_pair = np.empty(pairs.num_pairs, dtype=np.int64)
    cohort_key = [(c.programme_id, c.period_id) for c in pairs.cohorts]
    for index, (cohort, ward) in enumerate(
        zip(pairs.cohort.tolist(), pairs.ward.tolist(), strict=True)
    ):
        key = (*cohort_key[cohort], site_ids[ward])
        combo_of_pair[index] = combos.setdefault(key, len(combos))
    members: dict[str, list[int]] = defaultdict(list)
    institution_of = {p.programme_id: p.institution_id for p in instance.programmes}
    for (programme_id, period_id, site_id), combo in combos.items():
        for agreement in instance.agreements:
            if instance.agreement_covers(
                agreement, institution_of[programme_id], site_id, programme_id, period_id
            ):
                members[agreement.agreement_id].append(combo)
    order = np.argsort(combo_of_pair, kind="stable")
    sorted_combos = combo_of_pair[order]
    out: dict[str, IntArray] = {}
    for agreement_id, combo_list in members.items():
        chunks = []
        for combo in combo_list:
            lo, hi = np.searchsorted(sorted_combos, [combo, combo + 1])
            chunks.append(order[lo:hi])
        out[agreement_id] = (
            np.sort(np.concatenate(chunks)) if chunks else np.zeros(0, dtype=np.int64)
        )
    return out


def add_agreement_maximums(
    program: IntegerProgram, pairs: Pairs, instance: Instance, membership: dict[str, IntArray]
) -> None:
    """Rule 3: every agreement's max_places holds."""
    keys, rows, upper = [], [], []
    for agreement in instance.agreements or ():
        if agreement.max_places is None:
            continue
        members = membership.get(agreement.agreement_id, np.zeros(0, dtype=np.int64))
        if pairs.upper[members].sum() > agreement.max_places:
            keys.append(agreement.agreement_id)
            rows.append((members, np.ones(len(members), dtype=np.int64)))
            upper.append(agreement.max_places)
    program.add_rows(AGREEMENT_MAX, keys, rows, [-INFINITY] * len(keys), upper)


def add_locks(program: IntegerProgram, pairs: Pairs) -> None:
    """Rule 5: every locked row is placed at its locked ward.

    One row per lock, keyed by (student_id, period_id); a lock whose ward has no
    pair (not eligible, or no room) becomes an unsatisfiable row, so the run fails.
    """
    keys, rows = [], []
    for cohort in pairs.cohorts:
        if cohort.locked_ward is None:
            continue
        pair = pairs.pair(cohort, cohort.locked_ward)
        keys.append(cohort.needs[0].key)
        if pair is None:
            rows.append((np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)))
        else:
            rows.append((np.array([pair]), np.array([1])))
    program.add_rows(LOCK, keys, rows, [1] * len(keys), [INFINITY] * len(keys))


# ---- weekly rows, built in arrays ------------------------------------------------------------
def _name(pairs: Pairs, profession: int) -> str:
    return next(name for name, i in pairs.grid.profession_index.items() if i == profession)


def _add_weekly_rows(
    program: IntegerProgram,
    family: str,
    pairs: Pairs,
    *,
    group: IntArray,
    weights: IntArray,
    capacity: Callable[[int, int, int], int],
    key: Callable[[int, int, date], object],
    professions: IntArray,
    only: npt.NDArray[np.bool_] | None = None,
    load_column: int | None = None,
    keep_all: bool = False,
) -> None:
    """One row per (group, week) over the pairs present that week, deduplicated.

    Weeks in which the same pairs are present give the same row; only the one with
    the smallest capacity is kept, and only if it can bind. With `load_column`
    (the peak load level), every row is kept as `100 * used - capacity * load <= 0`.
    """
    selected = np.arange(pairs.num_pairs) if only is None else np.flatnonzero(only)
    if len(selected) == 0:
        return
    weeks = pairs.cohort_num_weeks[pairs.cohort[selected]]
    entry_pair = np.repeat(selected, weeks)
    starts = np.concatenate(([0], np.cumsum(weeks)[:-1]))
    entry_week = pairs.cohort_first_week[pairs.cohort[entry_pair]] + (
        np.arange(len(entry_pair)) - np.repeat(starts, weeks)
    )
    entry_group = group[entry_pair]
    order = np.lexsort((entry_pair, entry_week, entry_group))
    entry_pair, entry_week, entry_group = entry_pair[order], entry_week[order], entry_group[order]
    boundary = np.flatnonzero((np.diff(entry_group) != 0) | (np.diff(entry_week) != 0)) + 1
    row_start = np.concatenate(([0], boundary))
    row_end = np.append(boundary, len(entry_pair))
    load = np.add.reduceat(weights[entry_pair] * pairs.upper[entry_pair], row_start)
    # a set hash of each row's pairs, to recognise the same row in another week
    rng = np.random.default_rng(12345)
    salt = rng.integers(1, np.iinfo(np.int64).max, size=pairs.num_pairs, dtype=np.int64)
    with np.errstate(over="ignore"):
        fingerprint = np.add.reduceat(salt[entry_pair].astype(np.uint64), row_start)
    tightest: dict[tuple[int, int, int], tuple[int, int]] = {}
    for r in range(len(row_start)):
        first = entry_pair[row_start[r]]
        ward = int(pairs.ward[first])
        prof = int(professions[first])
        week = int(entry_week[row_start[r]])
        cap = int(capacity(ward, prof, week))
        if load[r] <= cap and load_column is None and not keep_all:
            continue
        fp = (
            int(entry_group[row_start[r]]),
            int(fingerprint[r]),
            int(row_end[r] - row_start[r]) if not keep_all else -week - 1,  # keep_all: per week
        )
        if fp not in tightest or cap < tightest[fp][0]:
            tightest[fp] = (cap, r)
    weeks_list = pairs.instance.all_weeks
    keys, rows, upper = [], [], []
    for cap, r in sorted(tightest.values(), key=lambda item: item[1]):
        members = entry_pair[row_start[r] : row_end[r]]
        first = members[0]
        keys.append(
            key(
                int(pairs.ward[first]),
                int(professions[first]),
                weeks_list[int(entry_week[row_start[r]])],
            )
        )
        if load_column is None:
            rows.append((members, weights[members]))
            upper.append(cap)
        else:
            rows.append((np.append(members, load_column), np.append(100 * weights[members], -cap)))
            upper.append(0)
    program.add_rows(family, keys, rows, [-INFINITY] * len(keys), upper)
