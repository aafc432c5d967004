"""Large neighbourhood search: improve a level's solution one part of the region at a time.

A whole region is too big for CP-SAT to search well (a hundred thousand pairs,
and an LP relaxation that is fractional in a few hundred of them), but a part of
it is not: free the students who are, or could go, at a few wards, hold everyone
else where they are, and CP-SAT usually solves that part to optimality in a
fraction of a second (`CpSatBackend.solve_neighbourhood`). Accepting every
improvement and choosing a new part each time walks the solution towards the
LP bound; on the regional benchmark, placements reach the LP bound (so are
proven optimal) in about 10 s where HiGHS needs six minutes.

A part frees, for its students (placed at, or given an LP share at, one of the
chosen wards), the pairs they use, the pairs the LP uses and, in the wide
kinds, their pairs at the chosen wards. Five kinds of part are drawn by how
often each improved the solution lately: random wards with only the pairs in use
free (narrow), the wards of random sites, random wards, the wards where random
students could do better than now, and, given the level's own LP, the wards of
random students the LP places elsewhere. Each kind's size adapts so that a part takes
well under a second. Parts run side by side, one per thread, and a new one starts
as soon as a thread is free: a part that ends is laid onto the best solution of
that moment (its students' pairs replace theirs) and kept if that breaks no row
and is better, so two parts that overlap cannot undo each other. Parts break ties
on the next level, so a level leaves the next one a good start.

Between parts, now and then, students trade the slots in use at least cost over
the whole program at once (`solver.exchange`, a min-cost flow): what no part of
a few wards can see. On the national wish level the first trade alone takes the
wish cost from 82,700 to 66,800 in 4 s.

On the last level, where the level has an LP of its own, ties are broken towards
the LP's vertex (`toward_lp_objective`): parts then also take a solution of equal
value nearer the LP, so the search walks the level's plateaus instead of stopping
at the first local optimum.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import scipy.sparse

from solver.cpsat import CpSatBackend, CpSatResult
from solver.exchange import SlotExchange
from solver.model import PlacementModel
from solver.program import FloatArray, IntArray, IntegerProgram, Objective

BoolArray = npt.NDArray[np.bool_]

PART_SECONDS = 0.3
"""Time limit of one part; a part that needs it all is too big and the next is smaller.

A part that runs out of time still returns the better solution it found, if any.
Measured against 1 s (two cores): the national wish cost ends 17-21% lower
(41,820 and 40,020 against 50,584), and on regional the wish level gets down
faster (4,750-4,850 after 20 s from the same start, against 4,860-4,930)
and ends where it did."""

NEAR_BOUND_GAP = 0.001
"""A level this close to its bound (0.1%) may end on `near_patience` (see `improve`)."""


MAX_WEIGHT = 2**40
"""Largest weight a tie-break may give a level (CP-SAT objectives are 64-bit integers)."""

WHOLE_PROGRAM_COLUMNS = 2000
"""Programs up to this many columns are searched whole, as one part."""

NARROW, BY_SITE, RANDOM, IMPROVING, DISAGREEING = range(5)
"""Kinds of part: random wards with only the pairs in use free; the wards of random sites;
random wards; the wards where random students could do better; the wards of random
students the level's own LP places elsewhere."""

MIN_SHARE = 0.1
"""Each kind of part is drawn at least this often, however little it has found lately."""

SUCCESS_MEMORY = 0.1
"""Weight of a kind's latest part in its success rate (an exponential moving average)."""

MAX_FRACTION = 0.5
"""The largest part: half the wards (a bigger one is rarely solved in time)."""

EXCHANGE_SPACING = 10.0
MIN_EXCHANGE_SECONDS = 1.0
"""Between two slot exchanges, the search runs at least ten times as long as the last one took,
and at least a second."""

FRACTIONAL = 1e-6
"""An LP value further than this from a whole number is fractional."""

WIDE_HELPER_ROWS = 100
"""A helper column in more rows than this is freed in a part only if its level's own
objective has it.

The peak-load column is in every supervisor row (30,000 nationally): freed in every
part, it brought nearly all rows of the program into each part's model, and building
that model took most of the time (measured on the national wish level: 0.24 s of each
part's 0.28 s, CP-SAT itself 0.04 s). Held, it keeps every load at most the peak of
now, which the supervisor rows already cap at 100%."""

AROUND_LP_MAX_COLUMNS = 20_000
"""A fractional part that frees more columns than this is not solved (`around_lp`).

Measured: regionally the part that makes level 1 whole frees 4,300-6,300 columns and
is solved in 0.8-4.7 s (`hard`: 176, at once); the national one frees 57,000 of
123,000 and found nothing in its 10 s, nor did the wish level's 65,000 of 102,000
on regional in 1 s (or 8 s): that time goes to the search instead."""


class NeighbourhoodSearch:
    """Improves solutions of one placement model, level after level."""

    def __init__(
        self, built: PlacementModel, backend: CpSatBackend, seed: int, parallel: int = 1
    ) -> None:
        self.built = built
        self.parallel = max(1, parallel)  # parts solved side by side, one thread each
        self.backend = backend
        self.rng = np.random.default_rng(seed)
        pairs = built.pairs
        self.num_pairs = pairs.num_pairs
        self.num_wards = len(pairs.ward_ids)
        self.pair_ward = pairs.ward
        self.pair_cohort = pairs.cohort
        self.num_cohorts = len(built.cohorts)
        site_of = {w.ward_id: w.site_id for w in built.instance.wards}
        site_ids = sorted({site_of[w] for w in pairs.ward_ids})
        index = {s: i for i, s in enumerate(site_ids)}
        self.ward_site = np.array([index[site_of[w]] for w in pairs.ward_ids], dtype=np.int64)
        self.num_sites = len(site_ids)
        # of the wards one part of each kind takes, adapted as the search goes
        self.fraction = [0.25, 0.1, 0.1, 0.1, 0.1]  # as the kinds: NARROW, ..., DISAGREEING
        # per kind: improvements found per second of part time, lately (None: none tried yet)
        self.success: list[float | None] = [None] * len(self.fraction)
        self.stalled = False  # whether the last `improve` ended on its patience
        self._waiting_of: tuple[IntArray, BoolArray] | None = None  # see `_waiting`
        self.exchange = SlotExchange(built, seed)
        self.cohort_starts = np.searchsorted(
            self.pair_cohort, np.arange(self.num_cohorts + 1)
        ).astype(np.int64)

    def improve(
        self,
        objective: Objective,
        best: IntArray,
        lp_x: FloatArray | None,
        bound: float | None,
        deadline: float,
        *,
        later: Sequence[Objective] = (),
        stopped: Callable[[], bool],
        report: Callable[[float], None] | None = None,
        threads: int | None = None,
        patience: float | None = None,
        near_patience: float | None = None,
        own_lp: bool = False,
        toward_lp: bool = False,
    ) -> IntArray:
        """Improve `best` part by part until the deadline, the bound, or `stopped()`.

        `threads` parts are solved side by side (default: the search's `parallel`).
        With `patience`, the search also ends once that many seconds pass without
        any improvement (tie-breaks included), and with `near_patience` once the level
        is within NEAR_BOUND_GAP of its `bound` and has not itself improved for that
        long (the last few units of a national level can take minutes that the later
        levels need more). Afterwards `stalled` says whether it ended on either patience.

        Parts are solved for this level first and the `later` levels as tie-breaks
        (weighted so that one unit of this level outweighs any change in the later
        ones), so that a level leaves the next one a good start, not just any
        solution of equal value. With `own_lp` (`lp_x` solves this level's own LP, not an
        earlier level's), parts are also drawn around the students it places elsewhere,
        and with `toward_lp` as well, where no `later` level breaks ties, ties are broken
        towards it (`toward_lp_objective`).
        """
        self.stalled = False
        self._waiting_of = None
        if toward_lp and own_lp and lp_x is not None and not later:
            later = [toward_lp_objective(lp_x[: self.num_pairs])]
        ranked = tie_broken(objective, later, self.built.program)
        key = _key(objective, ranked, best)
        lp_used = (
            lp_x[: self.num_pairs] > 1e-6 if lp_x is not None else np.zeros(self.num_pairs, bool)
        )
        part_bound = bound if ranked is objective else None
        lp_rounded = (
            np.round(lp_x[: self.num_pairs]).astype(np.int64)
            if own_lp and lp_x is not None
            else None
        )
        pair_cost = np.zeros(self.num_pairs)
        on_pairs = ranked.columns < self.num_pairs
        np.add.at(pair_cost, ranked.columns[on_pairs], ranked.coefficients[on_pairs])
        if ranked.sense == "max":
            pair_cost = -pair_cost  # lower is better below
        # Small programs: the whole program is one part (and CP-SAT may prove it).
        if self.built.program.num_columns <= WHOLE_PROGRAM_COLUMNS:
            result = self.backend.solve_neighbourhood(
                ranked,
                np.arange(self.built.program.num_columns),
                best,
                time_limit=max(deadline - time.monotonic(), 0.05),
                bound=part_bound,
            )
            if result.x is not None:
                whole = self.built.complete(result.x)
                if _key(objective, ranked, whole) < key:
                    return whole
            return best
        parallel = threads or self.parallel
        self.success = [None] * len(self.fraction)  # what pays differs from level to level
        last_gain = last_level_gain = time.monotonic()  # any gain; a gain on this level
        matrix, row_lower, row_upper = self.backend.rows()
        activity = matrix @ best.astype(np.float64)
        helpers = _Helpers(matrix, self.num_pairs, objective)
        score = _Score(objective, ranked, self.built.program.num_columns)
        running: dict[Future[CpSatResult], _Part] = {}
        exchanged = _Exchanged(self.exchange, objective, ranked)

        def accept(x: IntArray, x_activity: FloatArray, x_key: tuple[float, float]) -> None:
            """Make `x` the best solution (it is better: `x_key < key`)."""
            nonlocal best, activity, key, last_gain, last_level_gain
            improved = x_key[0] < key[0]
            best, activity, key = x, x_activity, x_key
            last_gain = time.monotonic()
            if improved:
                last_level_gain = last_gain
                if report is not None:
                    report(objective.value(best))

        with ThreadPoolExecutor(max_workers=parallel) as pool:
            while True:
                if exchanged.due():
                    traded = exchanged.run(best)
                    if traded is not None:
                        changed = np.flatnonzero(traded != best)
                        candidate = score.changed(key, changed, traded[changed] - best[changed])
                        if candidate < key:
                            accept(traded, matrix @ traded.astype(np.float64), candidate)
                self.stalled = (
                    patience is not None and time.monotonic() - last_gain > patience
                ) or (
                    near_patience is not None
                    and bound is not None
                    and _near(objective.value(best), bound)
                    and time.monotonic() - last_level_gain > near_patience
                )
                done_searching = (
                    self.stalled
                    or time.monotonic() >= deadline - 0.05
                    or stopped()
                    or (bound is not None and objective.value(best) == bound)
                )
                while not done_searching and len(running) < parallel:
                    part = self._part(best, lp_used, pair_cost, lp_rounded, helpers)
                    limit = min(PART_SECONDS, deadline - time.monotonic())
                    future = pool.submit(
                        self.backend.solve_neighbourhood,
                        ranked,
                        part.free,
                        best,
                        time_limit=limit,
                        bound=part_bound,
                        # Looking only for something better than the start skips CP-SAT's
                        # search along the hint: level 2 on regional reaches its optimum
                        # in about 10 s instead of 10-25 s.
                        improving=True,
                        start_activity=activity,
                        start_value=key[1],
                    )
                    part.limit = limit
                    running[future] = part
                if not running:
                    break
                finished, _ = wait(running, return_when=FIRST_COMPLETED)
                for future in finished:
                    part = running.pop(future)
                    result = future.result()
                    self._adapt(part.kind, result.status, result.seconds, part.limit)
                    applied = None  # also where parts solved side by side overfill a ward
                    if result.x is not None:
                        applied = self._applied(
                            best, activity, part.free, result.x, matrix, row_lower, row_upper
                        )
                    candidate = key
                    if applied is not None:
                        changed = applied[2]
                        step = applied[0][changed] - best[changed]
                        candidate = score.changed(key, changed, step)
                    self._reward(part.kind, candidate < key, result.seconds)
                    if applied is not None and candidate < key:
                        accept(applied[0], applied[1], candidate)
        return best

    def _applied(
        self,
        best: IntArray,
        activity: FloatArray,
        free: IntArray,
        solution: IntArray,
        matrix: scipy.sparse.csc_matrix,
        row_lower: FloatArray,
        row_upper: FloatArray,
    ) -> tuple[IntArray, FloatArray, IntArray] | None:
        """`best` with a part's pairs as its solution has them (helpers recomputed), the
        rows' activity and the columns that changed; None if that breaks a row.

        The part was solved from an earlier `best` when others were accepted since;
        only the rows its changes touch need checking.
        """
        own = free[free < self.num_pairs]
        x = best.copy()
        x[own] = solution[own]
        x = self.built.complete(x)
        changed = np.flatnonzero(x != best)
        if len(changed) == 0:
            return None
        columns = matrix[:, changed]
        new = activity + columns @ (x[changed] - best[changed]).astype(np.float64)
        rows = np.unique(columns.indices)
        if np.any(new[rows] < row_lower[rows] - 1e-9) or np.any(new[rows] > row_upper[rows] + 1e-9):
            return None
        return x, new, changed

    def around_lp(
        self,
        objective: Objective,
        best: IntArray | None,
        lp_x: FloatArray,
        bound: float | None,
        time_limit: float,
        *,
        later: Sequence[Objective] = (),
    ) -> IntArray | None:
        """The LP's vertex made whole: its fractional part solved as one part (RINS-like).

        Every pair keeps its rounded-down LP value except the students and wards the
        LP splits: all pairs of a student with a fractional pair, and all pairs at a
        ward with one, are free. Where the LP is strong this part is small, and CP-SAT
        often closes it to the bound in a second. Returns the result if it breaks no
        row and beats `best` (with the tie-breaks), else None, also at once where the
        part is bigger than AROUND_LP_MAX_COLUMNS.
        """
        pairs = self.num_pairs
        fractional = np.abs(lp_x[:pairs] - np.round(lp_x[:pairs])) > FRACTIONAL
        if not fractional.any():
            return None
        touched_cohort = np.zeros(self.num_cohorts, dtype=bool)
        touched_cohort[self.pair_cohort[fractional]] = True
        touched_ward = np.zeros(self.num_wards, dtype=bool)
        touched_ward[self.pair_ward[fractional]] = True
        free = touched_cohort[self.pair_cohort] | touched_ward[self.pair_ward]
        helpers = np.arange(pairs, self.built.program.num_columns, dtype=np.int64)
        columns = np.concatenate([np.flatnonzero(free), helpers]).astype(np.int64)
        if len(columns) > AROUND_LP_MAX_COLUMNS:
            return None  # too big to solve in the seconds it could have
        start = self.built.complete(np.floor(lp_x[:pairs] + FRACTIONAL).astype(np.int64))
        ranked = tie_broken(objective, later, self.built.program)
        result = self.backend.solve_neighbourhood(
            ranked,
            columns,
            start,
            time_limit=time_limit,
            bound=bound if ranked is objective else None,
        )
        if result.x is None:
            return None
        x = self.built.complete(result.x)
        if self.built.program.violations(x):
            return None
        if best is not None and not _key(objective, ranked, x) < _key(objective, ranked, best):
            return None
        return x

    def _part(
        self,
        best: IntArray,
        lp_used: BoolArray,
        pair_cost: FloatArray,
        lp_rounded: IntArray | None,
        helpers: _Helpers,
    ) -> _Part:
        """The next part, of a kind drawn by its recent success (`_choose_kind`).

        Parts solved side by side may share wards and students: one that left out
        what the others hold would often be too small to improve anything (measured:
        regional level 2 then needs twice the time). Their results are applied to
        the best solution of the moment, and one that clashes with it is dropped.
        """
        kind = self._choose_kind(DISAGREEING + 1 if lp_rounded is not None else DISAGREEING)
        if kind == IMPROVING:
            chosen = self._choose_improving(self.fraction[kind], pair_cost, best)
        elif kind == DISAGREEING and lp_rounded is not None:
            chosen = self._choose_disagreeing(self.fraction[kind], best, lp_rounded)
        else:
            chosen = self._choose_wards(self.fraction[kind], by_site=kind == BY_SITE)
        free = np.flatnonzero(self._free_pairs(chosen, best, lp_used, wide=kind != NARROW))
        columns = np.concatenate([free, helpers.freed_with(free)]).astype(np.int64)
        return _Part(kind, columns)

    def _choose_kind(self, kinds: int) -> int:
        """One of the first `kinds` kinds of part, drawn by how often each has improved
        the solution lately.

        Which kinds pay differs by level and by instance (on the national wish level,
        3% of the narrow parts improved anything against 60% of the random and
        improving ones); every kind keeps MIN_SHARE of the draws, and one not tried
        yet counts as the best so far.
        """
        success = self.success[:kinds]
        known = [rate for rate in success if rate is not None]
        best = max(known, default=1.0)
        rates = np.array([best if rate is None else rate for rate in success])
        share = rates / rates.sum() if rates.sum() > 0 else np.full(kinds, 1 / kinds)
        chances = MIN_SHARE + (1 - kinds * MIN_SHARE) * share
        return int(self.rng.choice(kinds, p=chances / chances.sum()))

    def _reward(self, kind: int, improved: bool, seconds: float) -> None:
        """Count a finished part in its kind's success rate (improvements per second)."""
        rate = float(improved) / max(seconds, 0.01)
        previous = self.success[kind]
        self.success[kind] = (
            rate if previous is None else (1 - SUCCESS_MEMORY) * previous + SUCCESS_MEMORY * rate
        )

    def _adapt(self, kind: int, status: str, seconds: float, limit: float) -> None:
        """Grow a kind's parts while they solve quickly, shrink them when they run out of time."""
        solved = status in ("OPTIMAL", "INFEASIBLE")  # INFEASIBLE: proven nothing better
        if solved and seconds < limit / 4:
            self.fraction[kind] = min(self.fraction[kind] * 1.15, MAX_FRACTION)
        elif not solved:
            self.fraction[kind] = max(self.fraction[kind] * 0.7, 1 / self.num_wards)

    def _choose_wards(self, fraction: float, *, by_site: bool) -> BoolArray:
        """A random part of the region: a fraction of its wards, drawn at random or site by site.

        Site by site, the wards of random sites are taken until the part is full (the
        last site only in part): a hospital's wards share agreements and students.
        """
        target = max(1, round(fraction * self.num_wards))
        chosen = np.zeros(self.num_wards, dtype=bool)
        if not by_site or self.num_sites < 2:
            chosen[self.rng.choice(self.num_wards, size=target, replace=False)] = True
            return chosen
        for site in self.rng.permutation(self.num_sites).tolist():
            wards = np.flatnonzero(self.ward_site == site)
            room = target - int(chosen.sum())
            if len(wards) > room:
                wards = self.rng.choice(wards, size=room, replace=False)
            chosen[wards] = True
            if chosen.sum() >= target:
                break
        return chosen

    def _choose_improving(self, fraction: float, cost: FloatArray, best: IntArray) -> BoolArray:
        """Wards where random students could do better than now, and the wards they are at.

        A student does better at a ward whose pair costs less than its own now (any
        eligible ward, while it is not placed); moving there usually means moving
        someone else on, so those wards' students are freed too.
        """
        pairs = self.num_pairs
        target = max(1, round(fraction * self.num_wards))
        used = best[:pairs] > 0
        current = np.full(self.num_cohorts, np.inf)
        np.minimum.at(current, self.pair_cohort[used], cost[used])
        current[self._waiting(best)] = np.inf
        improving = cost < current[self.pair_cohort] - 1e-9
        candidates = self._cohorts_of(improving)
        if len(candidates) == 0:
            return self._choose_wards(fraction, by_site=False)
        chosen = np.zeros(self.num_wards, dtype=bool)
        for cohort in self.rng.permutation(candidates).tolist():
            span = slice(self.cohort_starts[cohort], self.cohort_starts[cohort + 1])
            chosen[self.pair_ward[span][used[span]]] = True
            # A student with many better wards would make the part too big (measured on
            # regional: parts of one or two wards timing out): a random few of them.
            better = self.pair_ward[span][improving[span]]
            room = max(1, target - int(chosen.sum()))
            if len(better) > room:
                better = self.rng.choice(better, size=room, replace=False)
            chosen[better] = True
            if chosen.sum() >= target:
                break
        return chosen

    def _choose_disagreeing(
        self, fraction: float, best: IntArray, lp_rounded: IntArray
    ) -> BoolArray:
        """The wards of random students whose pairs differ from the rounded LP's: the wards
        they are at and those the LP gives them.

        Where the LP is close to the optimum (regional: within 0.3%), the students it
        places elsewhere are where the solution can still gain (measured on the regional
        wish level, 40 s from the same start, four seeds: 4,709-4,759 against
        4,756-4,795 without this kind).
        """
        pairs = self.num_pairs
        differ = best[:pairs] != lp_rounded
        candidates = self._cohorts_of(differ)
        if len(candidates) == 0:
            return self._choose_wards(fraction, by_site=False)
        target = max(1, round(fraction * self.num_wards))
        touched = (best[:pairs] > 0) | (lp_rounded > 0)
        chosen = np.zeros(self.num_wards, dtype=bool)
        for cohort in self.rng.permutation(candidates).tolist():
            span = slice(self.cohort_starts[cohort], self.cohort_starts[cohort + 1])
            chosen[self.pair_ward[span][touched[span]]] = True
            if chosen.sum() >= target:
                break
        return chosen

    def _cohorts_of(self, pairs: BoolArray) -> IntArray:
        """The cohorts of the chosen pairs, in order (np.unique sorts: 9 ms nationally)."""
        chosen = np.zeros(self.num_cohorts, dtype=bool)
        chosen[self.pair_cohort[pairs]] = True
        return np.flatnonzero(chosen)

    def _waiting(self, best: IntArray) -> BoolArray:
        """Per cohort: True while some of its students are not placed.

        Kept for the solution it was counted on (`improve` never changes a solution in
        place, and forgets it at its start): parts ask twice each, 6 ms a time nationally.
        """
        if self._waiting_of is not None and self._waiting_of[0] is best:
            return self._waiting_of[1]
        placed = np.bincount(
            self.pair_cohort, weights=best[: self.num_pairs], minlength=self.num_cohorts
        )
        waiting = placed < self.built.pairs.cohort_size
        self._waiting_of = (best, waiting)
        return waiting

    def _free_pairs(
        self, chosen: BoolArray, best: IntArray, lp_used: BoolArray, *, wide: bool
    ) -> BoolArray:
        """Pairs a part frees: its students' pairs in use and, if wide, at the chosen wards.

        Its students are those placed at a chosen ward or given a share there by the
        LP, and, if wide, those not (fully) placed and eligible there; they may move
        to any chosen ward (if wide), stay, or take a pair the LP uses elsewhere.
        """
        pairs = self.num_pairs
        used = best[:pairs] > 0
        at_chosen = chosen[self.pair_ward]
        touched = np.zeros(self.num_cohorts, dtype=bool)
        touched[self.pair_cohort[(used | lp_used) & at_chosen]] = True
        if not wide:
            return touched[self.pair_cohort] & (used | lp_used)
        touched[self.pair_cohort[at_chosen & self._waiting(best)[self.pair_cohort]]] = True
        return touched[self.pair_cohort] & (used | lp_used | at_chosen)


class _Helpers:
    """Which helper columns (those after the pairs) a part frees with its pairs.

    Those of the level's own objective, and those linked to the part's pairs through
    rows (a helper in a row with one of its pairs, or with a helper so linked), unless
    they are in more than WIDE_HELPER_ROWS rows. The others keep their value, which the
    part's rows then take as given: a restriction, never a broken row. (A group's split
    column is two rows from its members' pairs: member, together, split.)
    """

    def __init__(self, matrix: scipy.sparse.csc_matrix, num_pairs: int, objective: Objective):
        self.num_pairs = num_pairs
        self.matrix = matrix
        self.columns = abs(matrix[:, num_pairs:])  # row x helper, every entry positive
        self.by_helper = self.columns.T.tocsr()  # helper x row
        in_objective = np.zeros(self.columns.shape[1], dtype=bool)
        in_objective[objective.columns[objective.columns >= num_pairs] - num_pairs] = True
        self.always = in_objective
        self.linkable = (np.diff(self.columns.indptr) <= WIDE_HELPER_ROWS) & ~in_objective

    def freed_with(self, pairs: IntArray) -> IntArray:
        """The helper columns freed with these pair columns, as column indices."""
        touched = np.zeros(self.matrix.shape[0])
        touched[self.matrix[:, pairs].indices] = 1.0
        freed = self.always.copy()
        touched[self.columns[:, np.flatnonzero(freed)].indices] = 1.0
        while True:
            linked = (self.by_helper @ touched > 0) & self.linkable & ~freed
            if not linked.any():
                break
            freed |= linked
            touched[self.columns[:, np.flatnonzero(linked)].indices] = 1.0
        return (np.flatnonzero(freed) + self.num_pairs).astype(np.int64)


class _Exchanged:
    """When `improve` lets `SlotExchange` trade students between the slots in use.

    At the start, and then whenever the search has run EXCHANGE_SPACING times as long
    as the last exchange took (it holds up the parts' main thread meanwhile). Not for
    an objective it cannot change (`SlotExchange.can_gain`).
    """

    def __init__(self, exchange: SlotExchange, objective: Objective, ranked: Objective) -> None:
        self.exchange = exchange
        gains = exchange.can_gain
        self.objective = ranked if gains(ranked) else objective if gains(objective) else None
        self.next = time.monotonic()

    def due(self) -> bool:
        return self.objective is not None and time.monotonic() >= self.next

    def run(self, best: IntArray) -> IntArray | None:
        assert self.objective is not None
        started = time.monotonic()
        traded = self.exchange.exchange(self.objective, best)
        took = time.monotonic() - started
        self.next = time.monotonic() + max(EXCHANGE_SPACING * took, MIN_EXCHANGE_SECONDS)
        return traded


@dataclass
class _Part:
    """A part being solved: its kind, free columns and time limit."""

    kind: int
    free: IntArray
    limit: float = PART_SECONDS


def _near(value: float, bound: float) -> bool:
    """True when `value` is within NEAR_BOUND_GAP of `bound`, relative to the bound."""
    return abs(value - bound) <= NEAR_BOUND_GAP * max(abs(bound), 1.0)


def toward_lp_objective(lp_pairs: FloatArray) -> Objective:
    """A tie-break that counts the students at pairs the LP leaves (nearly) empty.

    Among solutions of equal value it prefers those nearer the LP's vertex, so that
    parts walk the level's plateaus towards where the LP says students belong
    instead of stopping at the first local optimum; the other kinds of part then
    find gains there. Measured on the regional wish level (seed 0, whole minute, twelve
    runs): wish cost 4,656-4,696 (mean 4,677) against 4,715-4,765 (mean 4,730) in
    seven runs without, the optimum being 4,605; seed 3: 3,355 against 3,361-3,378.
    Only on the last level: before a level with patience, a tie-break that keeps
    improving keeps it from stalling (regional seed 1, on the shortfall level: 18 s
    instead of 10, taken from the wish level).
    """
    away = np.flatnonzero(lp_pairs < 0.5).astype(np.int64)
    return Objective("toward_lp", "min", away, np.ones(len(away), dtype=np.int64))


def tie_broken(
    objective: Objective, later: Sequence[Objective], program: IntegerProgram
) -> Objective:
    """`objective` with the `later` levels added as tie-breaks, as one objective to minimise.

    Each level's weight exceeds the widest range all levels after it can span
    together, so the order of the levels is kept exactly; later levels are added
    only while the weights stay far inside CP-SAT's 64-bit integers.
    """
    lower, upper = program.column_bounds()
    spans = [_span(level, lower, upper) for level in (objective, *later)]
    used = 1
    while used < len(spans) and _weights(spans[: used + 1])[0] <= MAX_WEIGHT:
        used += 1
    if used == 1:
        return objective
    levels = (objective, *later)[:used]
    coefficients = np.zeros(program.num_columns, dtype=np.int64)
    for level, weight in zip(levels, _weights(spans[:used]), strict=True):
        sign = -1 if level.sense == "max" else 1
        np.add.at(coefficients, level.columns, sign * weight * level.coefficients)
    columns = np.flatnonzero(coefficients).astype(np.int64)
    return Objective(objective.name, "min", columns, coefficients[columns])


def _span(level: Objective, lower: IntArray, upper: IntArray) -> int:
    """The widest range a level's value can take within the column bounds."""
    width = upper[level.columns] - lower[level.columns]
    return int(np.sum(np.abs(level.coefficients) * width))


def _weights(spans: list[int]) -> list[int]:
    """Weights of levels in order: each is one more than all later ones can span together."""
    weights = [1] * len(spans)
    for k in range(len(spans) - 2, -1, -1):
        weights[k] = 1 + sum(weights[j] * spans[j] for j in range(k + 1, len(spans)))
    return weights


class _Score:
    """`_key` kept up to date from the columns a part changes (a part changes a few
    thousand of a national program's million columns; a full value took 4 ms)."""

    def __init__(self, objective: Objective, ranked: Objective, num_columns: int) -> None:
        self.level = np.zeros(num_columns, dtype=np.int64)
        np.add.at(self.level, objective.columns, objective.coefficients)
        if objective.sense == "max":
            self.level = -self.level
        self.ranked = np.zeros(num_columns, dtype=np.int64)
        np.add.at(self.ranked, ranked.columns, ranked.coefficients)

    def changed(
        self, key: tuple[float, float], changed: IntArray, step: IntArray
    ) -> tuple[float, float]:
        """The key after the `changed` columns moved by `step`."""
        return (
            key[0] + float(np.dot(self.level[changed], step)),
            key[1] + float(np.dot(self.ranked[changed], step)),
        )


def _key(objective: Objective, ranked: Objective, x: IntArray) -> tuple[float, float]:
    """How good `x` is, lower is better: this level first, then the tie-broken whole."""
    sign = -1.0 if objective.sense == "max" else 1.0
    return (sign * objective.value(x), ranked.value(x))
