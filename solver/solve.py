"""Solving: objective levels one after another, each level's result kept for the next.

The levels that look at no wish (placements, moves, shortfall) come first and are
solved on the class model (`PlacementModel(classes=True)`), where rows with the
same programme, period and eligible wards are one count: several times fewer
columns, the same optimum. Its solution is then split into cohorts at least
cost for the next level (`solver.assign`), and the remaining levels are solved
on the cohort model with the earlier levels held at what they reached.

Per level: the LP relaxation (GLOP) runs in a thread of its own. If its vertex
is integral it is an optimal solution with a proof, and the level is done.
Otherwise it gives the level's bound and guides the large neighbourhood search
(`solver.neighbourhood`), which improves the best allocation part by part,
beside the LP while it runs and guided by it once it is there. On small
programs CP-SAT then searches the whole program with the rest of the time.
A wish level whose LP would not finish in time (national) is guided instead by
its LP block by block (`solver.guide`), each block solved around the search's
solution of the moment, and the search takes up each block as it lands.
The lottery coordinators run by hand is the very first allocation, so level 1
is never worse than it.
"""

from __future__ import annotations

import logging
import math
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field

import numpy as np

from placement.allocation import Allocation, LevelResult, Placement
from placement.eligibility import Eligibility
from placement.instance import Instance
from placement.levels import level_names
from placement.lottery import lottery
from placement.options import Options
from solver.assign import cohort_counts
from solver.cpsat import CpSatBackend
from solver.guide import BlockGuide, ward_blocks
from solver.lp import LpResult, solve_lp
from solver.model import CLASS_LEVELS, PlacementModel
from solver.neighbourhood import NeighbourhoodSearch
from solver.objectives import Level, wish_estimate
from solver.program import INFINITY, FloatArray, IntArray, Objective
from solver.rounding import round_and_fill
from solver.wishes import LEVELS as WISH_LEVELS
from solver.wishes import WishRelaxation

log = logging.getLogger(__name__)

ProgressFn = Callable[[str, float | None, float | None, float], None]
"""Called as (level name, best value, best bound, seconds elapsed) while solving."""

LEVEL_ROW = "level"


@dataclass
class SolveResult:
    """Outcome of a solve: status, placements, and every level's value, bound and status."""

    status: str  # OPTIMAL (every level proven), FEASIBLE, INFEASIBLE, UNKNOWN, INTERRUPTED
    placements: tuple[Placement, ...] | None
    levels: list[LevelResult] = field(default_factory=list)
    seconds: float = 0.0
    num_cohorts: int = 0
    num_pairs: int = 0
    notes: list[str] = field(default_factory=list)
    interrupted: bool = False

    def objective(self) -> dict[str, float | None]:
        return {level.name: level.value for level in self.levels}


@dataclass
class Stage:
    """A model some of the levels are solved on, with its CP-SAT backend and search."""

    built: PlacementModel
    backend: CpSatBackend
    search: NeighbourhoodSearch
    first: int  # position (in the run's levels) of the first level this stage solves
    last_lp_x: FloatArray | None = None  # guides the next level's search until its LP is done
    wishes: WishRelaxation | None = None  # the first level's LP, if it is a wish level
    estimate: Objective | None = None  # of the wish levels to come, on a class model
    lp: Future[LpResult] | None = None  # the first level's LP, started before the stage
    lp_is_bound: bool = True  # False: it held an earlier level at a bound not reached
    upcoming: Upcoming | None = None  # on a class model: the cohort stage, prepared early
    classes: PlacementModel | None = None  # on a cohort model: the class model before it
    guide: FollowingGuide | None = None  # the first level's LP block by block, if it has one


@dataclass
class Upcoming:
    """The cohort model and its wish LP, built and started in the background while the
    class model's last level runs.

    The LP holds that level at its LP bound (`held`); if the level ends there, the
    LP's value is a true bound of the wish level, else it only guides the search."""

    built: Future[tuple[PlacementModel, WishRelaxation]]
    lp: Future[LpResult]
    held: tuple[str, float]


@dataclass
class FollowingGuide:
    """A wish level's LP block by block (`BlockGuide.follow`) running on the LP thread
    beside the level's search, each block around the search's `latest` solution."""

    latest: IntArray
    interrupt: Callable[[], None]
    guide: BlockGuide | None = None
    version: int = 0  # blocks solved so far
    future: Future[None] | None = None
    stopped: threading.Event = field(default_factory=threading.Event)
    taken: threading.Event = field(default_factory=threading.Event)

    def updated(self) -> None:
        """A block is solved: the next one waits (a little) for the search to take it up,
        so that it moves from the search's solution of now."""
        self.taken.clear()
        self.version += 1
        self.taken.wait(timeout=TAKE_UP_SECONDS)

    def take_up(self, latest: IntArray) -> None:
        """The search restarts from `latest` with the guide of now."""
        self.latest = latest
        self.taken.set()

    def ended(self) -> bool:
        return self.future is not None and self.future.done()

    def result(self) -> LpResult:
        assert self.guide is not None
        return self.guide.result()

    def stop(self) -> None:
        """End the guide's LPs now (the level is done)."""
        if not self.ended():
            self.stopped.set()
            self.taken.set()
            self.interrupt()
        if self.future is not None:
            self.future.result()


class LexicographicSolver:
    """Optimises the levels in order; `stop()` (e.g. on Ctrl-C) keeps the best so far."""

    def __init__(
        self,
        instance: Instance,
        options: Options,
        *,
        progress: ProgressFn | None = None,
        eligibility: Eligibility | None = None,
        previous: Allocation | None = None,
        model: PlacementModel | None = None,
        deadline: float | None = None,
    ) -> None:
        """`deadline` (a `time.monotonic()` instant) can end the solve before the time limit.

        A prebuilt `model` (e.g. a modified one) is solved as it is, in one stage.
        """
        self.instance = instance
        self.deadline = deadline
        self.options = options
        self.progress = progress
        self.eligibility = eligibility or Eligibility(instance, max_travel_km=options.max_travel_km)
        self.previous = previous
        self.model = model
        self._stopped = threading.Event()
        self._backends: list[CpSatBackend] = []
        self._pool = ThreadPoolExecutor(max_workers=1)  # LPs run here, beside the search
        self._ends = 0.0
        self._interrupt_lp: Callable[[], object] | None = None
        self._started = 0.0

    def stop(self) -> None:
        """Stop the search now; the best allocation found so far is kept."""
        self._stopped.set()
        if self._interrupt_lp is not None:
            self._interrupt_lp()
        for backend in self._backends:
            backend.stop()

    def _stage(self, built: PlacementModel, first: int) -> Stage:
        backend = CpSatBackend(
            built.program,
            workers=self.options.num_workers,
            seed=self.options.seed,
            deterministic=self.options.deterministic,
        )
        self._backends.append(backend)
        if self._stopped.is_set():
            backend.stop()
        search = NeighbourhoodSearch(
            built, backend, self.options.seed, parallel=self.options.num_workers
        )
        return Stage(built, backend, search, first)

    def solve(self) -> SolveResult:
        """Optimise every level in turn within the time limit."""
        try:
            return self._solve()
        finally:
            if self._interrupt_lp is not None:
                self._interrupt_lp()  # an LP started for a level that never came
            self._pool.shutdown(wait=True)

    def _time_left(self) -> float:
        return self._ends - time.monotonic()

    def _elapsed(self) -> float:
        return time.monotonic() - self._started

    def _solve(self) -> SolveResult:
        self._started = started = time.monotonic()
        options = self.options
        time_limit = options.time_limit
        if self.deadline is not None:
            time_limit = min(time_limit, max(self.deadline - started, MIN_SOLVE_SECONDS))
        self._ends = started + time_limit
        stage = self._first_stage()
        names = stage.built.level_names if self.model is not None else self._level_names()
        result = SolveResult("UNKNOWN", None)
        best = self._previous_start(stage.built) if self.previous is not None else None
        if best is None:
            best = self._lottery_start(stage.built)
        for position in range(len(names)):
            remaining = time_limit - (time.monotonic() - started)
            weights = [_weight(later) for later in names[position:]]
            if position == len(stage.built.levels):  # the class model's levels are done
                cohorts = self._cohort_stage(stage, result.levels)  # its LP starts now
                # Steered only while a wish LP runs: without one (national), the wish
                # level's own search gets further in that time (measured: 82,000 at 166 s
                # and 47,500 at 325 s, against 64,500 at 328 s after 95 s of steering).
                steer = cohorts.lp is not None and not self._stopped.is_set()
                if steer and stage.estimate is not None and best is not None:
                    share = remaining * ESTIMATE_WEIGHT / (ESTIMATE_WEIGHT + sum(weights))
                    best = self._towards_wishes(stage, stage.estimate, best, share)
                stage, best = cohorts, self._split(stage, cohorts, best)
                log.debug("%.1f s: cohort model ready", self._elapsed())
                remaining = time_limit - (time.monotonic() - started)
            level = stage.built.levels[position]
            budget = remaining * weights[0] / sum(weights)
            if self._stopped.is_set() or remaining <= 0:
                level_result, solution = _not_solved(level), None
            else:
                level_result, solution = self._solve_level(
                    stage,
                    level,
                    best,
                    budget,
                    self._later(stage, position),
                    last=position == len(names) - 1,
                )
            if stage.guide is not None:
                stage.guide.stop()
                stage.guide = None
            if level_result.status == "INFEASIBLE":
                result.levels.append(level_result)
                result.status = "INFEASIBLE"
                result.seconds = time.monotonic() - started
                return result
            if solution is None and best is not None:
                solution = best  # nothing better in time: the previous solution stands
                level_result = level_result.model_copy(
                    update={"value": level.objective.value(best)}
                )
            result.levels.append(level_result)
            if solution is None:
                continue
            best = solution
            _hold(stage.built, level, level.objective.value(best))
        if stage.built.classes:  # every level was a class level: rows still need their wards
            cohorts = self._cohort_stage(stage, result.levels)
            stage, best = cohorts, self._split(stage, cohorts, best)
        built = stage.built
        result.num_cohorts, result.num_pairs = len(built.cohorts), built.pairs.num_pairs
        result.seconds = time.monotonic() - started
        result.interrupted = self._stopped.is_set()
        if best is not None:
            result.placements = built.placements_from(best)
        if result.interrupted:
            result.status = "INTERRUPTED"
        elif best is None:
            result.status = "UNKNOWN"
        elif all(level.status == "OPTIMAL" for level in result.levels):
            result.status = "OPTIMAL"
        else:
            result.status = "FEASIBLE"
        return result

    def _later(self, stage: Stage, position: int) -> list[Objective]:
        """The tie-breaks of the level at `position`: the next level's objective, if any.

        Not the wish estimate on the class model's last level, measured three times
        nationally: wish cost 50,145 against 51,480 with the shortfall 18 worse, 38,300
        against 37,948 with it 1 better, and once "the shortfall suffers": no gain beyond
        the spread between runs, and the shortfall comes first.
        """
        following = stage.built.levels[position + 1 : position + 2]
        return [following[0].objective] if following else []

    def _wish_lp_fits(self, classes: PlacementModel) -> bool:
        """Whether the wish LP on this class model is predicted to fit in the time left."""
        return _wish_lp_seconds(classes) <= WISH_LP_SHARE * self._time_left()

    def _level_names(self) -> list[str]:
        return level_names(self.instance, self.options, replanning=self.previous is not None)

    def _first_stage(self) -> Stage:
        """The class model for the leading levels that look at no wish, else the cohort model."""
        if self.model is not None:
            return self._stage(self.model, 0)
        names = self._level_names()
        leading = next((i for i, name in enumerate(names) if name not in CLASS_LEVELS), len(names))
        if leading == 0:
            return self._stage(self._cohort_model(names), 0)
        classes = PlacementModel(
            self.instance,
            self.options,
            self.eligibility,
            self.previous,
            levels=names[:leading],
            classes=True,
        )
        stage = self._stage(classes, 0)
        if leading < len(names) and names[leading] in WISH_LEVELS:
            stage.estimate = wish_estimate(classes.pairs, self.options)
        return stage

    def _towards_wishes(
        self, stage: Stage, estimate: Objective, best: IntArray, seconds: float
    ) -> IntArray:
        """The class levels held, their places moved to where the wish estimate is lowest.

        The class model cannot see wishes, and any of its optima would do for its own
        levels; this picks one the wish levels can use well, while the wish LP runs.
        Measured on regional: the cohort model then starts from a wish cost of 6,600
        instead of 8,900.
        """
        log.debug(
            "%.1f s: towards wishes, %.1f s, from %g",
            self._elapsed(),
            seconds,
            estimate.value(best),
        )
        upcoming = stage.upcoming
        guide = None
        if upcoming is not None and upcoming.lp.done():
            guide = upcoming.built.result()[1].places  # the wish LP's places, if it found them

        def stopped() -> bool:
            # A wish LP that ends meanwhile gives the wish level more than this estimate
            # can: its vertex, made whole, is often optimal (see `_solve_level`).
            lp_ended = upcoming is not None and guide is None and upcoming.lp.done()
            return self._stopped.is_set() or lp_ended

        return stage.search.improve(
            estimate,
            best,
            guide,
            None,
            time.monotonic() + seconds,
            stopped=stopped,
            patience=_patience(seconds),
            threads=self._beside_an_lp(),
        )

    def _cohort_model(self, names: list[str]) -> PlacementModel:
        return PlacementModel(
            self.instance, self.options, self.eligibility, self.previous, levels=names
        )

    def _cohort_stage(self, classes: Stage, done: list[LevelResult]) -> Stage:
        """The cohort model, with the levels solved so far held at what they reached.

        If a wish level comes next, its LP (on the class model, `WishRelaxation`)
        starts at once in the background: it runs while the class solution is
        steered towards wishes, and the wish level picks it up.
        """
        names = self._level_names()
        upcoming = classes.upcoming
        if upcoming is not None:
            built, wishes = upcoming.built.result()
        else:
            built = self._cohort_model(names)
        stage = self._stage(built, len(classes.built.levels))
        stage.classes = classes.built
        for level, reached in zip(built.levels, done, strict=False):
            if reached.value is not None:
                _hold(built, level, reached.value)
        if upcoming is not None:
            stage.wishes, stage.lp = wishes, upcoming.lp
            name, held = upcoming.held
            stage.lp_is_bound = any(r.name == name and r.value == held for r in done)
        elif (
            stage.first < len(names)
            and names[stage.first] in WISH_LEVELS
            and self._wish_lp_fits(classes.built)
        ):
            stage.wishes = WishRelaxation(classes.built, built)
            if not self._stopped.is_set():
                stage.lp = self._pool.submit(
                    stage.wishes.solve,
                    names[stage.first],
                    time_limit=max(self._time_left(), 0.05),
                    register=self._on_lp_start,
                )
        return stage

    def _prepare_wishes(self, stage: Stage, level: Level, bound: float) -> None:
        """Build the cohort model and start the wish LP in the background, `level` held at
        its bound.

        The wish level's LP is the slowest of the run (about 17 s on regional); started
        here, beside the class model's last level, it is done when the wish level starts.
        Only where the LP is predicted to fit in the time left. Building takes 1.7 s on
        regional, which the level's search keeps.
        """
        names = self._level_names()
        following = len(stage.built.levels)
        if (
            stage.upcoming is not None
            or self._stopped.is_set()
            or following >= len(names)
            or names[following] not in WISH_LEVELS
            or not self._wish_lp_fits(stage.built)
        ):
            return
        classes, objective, ends = stage.built, level.objective, self._ends

        def build() -> tuple[PlacementModel, WishRelaxation]:
            # Rows the class model gains meanwhile (its level held at what it reaches, never
            # better than `bound`) are no tighter than the row below: they change nothing.
            cohorts = self._cohort_model(names)
            wishes = WishRelaxation(classes, cohorts)
            wishes.program.add_row(
                LEVEL_ROW,
                level.name,
                objective.columns,
                objective.coefficients,
                lower=bound if level.sense == "max" else -INFINITY,
                upper=bound if level.sense == "min" else INFINITY,
            )
            log.debug("%.1f s: cohort model built", self._elapsed())
            return cohorts, wishes

        def solve() -> LpResult:
            wishes = built.result()[1]
            limit = max(ends - time.monotonic(), 0.05)
            return wishes.solve(names[following], time_limit=limit, register=self._on_lp_start)

        built = self._pool.submit(build)
        lp = self._pool.submit(solve)  # the pool's one thread takes them in turn
        stage.upcoming = Upcoming(built, lp, (level.name, bound))
        log.debug("%.1f s: wish LP started, %s held at %g", self._elapsed(), level.name, bound)

    def _split(self, classes: Stage, stage: Stage, best: IntArray | None) -> IntArray | None:
        """The class solution split into cohorts at least cost for the cohort stage's first
        level, so that it starts from the best those places allow."""
        if best is None:
            return None
        built = stage.built
        following = built.levels[stage.first] if stage.first < len(built.levels) else None
        cost = built.pairs.cost.copy()  # wishes, where no level follows
        if following is not None:
            cost[:] = 0
            on_pairs = following.objective.columns < built.pairs.num_pairs
            sign = -1 if following.sense == "max" else 1
            np.add.at(
                cost,
                following.objective.columns[on_pairs],
                sign * following.objective.coefficients[on_pairs],
            )
        x = built.complete(cohort_counts(classes.built, built, best, cost))
        broken = built.program.violations(x)
        if broken:
            # A bug if it ever happens (every hard rule holds whichever rows of a class
            # take its places); the independent checker would reject such an allocation.
            raise RuntimeError(f"splitting classes into cohorts broke {broken[:3]}")
        return x

    # ---- one level ---------------------------------------------------------------------------
    def _solve_level(
        self,
        stage: Stage,
        level: Level,
        best: IntArray | None,
        budget: float,
        later: list[Objective],
        *,
        last: bool,
    ) -> tuple[LevelResult, IntArray | None]:
        """One level: its LP, the search, and (on small programs) CP-SAT on the whole.

        `later` break ties within the level; all but the `last` level stop searching
        once the search stalls, leaving the time to the levels after them."""
        level_start = time.monotonic()
        deadline = level_start + budget
        objective = level.objective
        built, backend = stage.built, stage.backend
        log.debug(
            "%.1f s: %s starts from %s, %.1f s",
            self._elapsed(),
            level.name,
            None if best is None else level.objective.value(best),
            budget,
        )
        lp, best = self._relaxation(stage, level, best, deadline, later)
        log.debug(
            "%.1f s: %s LP %s %s (%.1f s)",
            self._elapsed(),
            level.name,
            lp.status,
            lp.value,
            lp.seconds,
        )
        bound: float | None = None
        lp_x = lp.x if lp.status in ("OPTIMAL", GUIDE) else None
        if lp_x is not None:
            stage.last_lp_x = lp_x  # guides the next level's search until its own LP is done
        if lp.status == "OPTIMAL" and lp.value is not None and lp.x is not None:
            bound = _integer_bound(lp.value, level.sense)
            self._report(level.name, None, bound)
            if built.classes and level is built.levels[-1]:
                self._prepare_wishes(stage, level, bound)
            if lp.integral:
                x = built.complete(np.round(lp.x).astype(np.int64))
                value = objective.value(x)
                if not built.program.violations(x) and value == bound:
                    return self._proven(level, bound, level_start), x
            rounded = round_and_fill(
                built.program, built.pairs.num_pairs, lp.x, objective, built.complete
            )
            log.debug(
                "%.1f s: %s LP rounded to %s",
                self._elapsed(),
                level.name,
                None if rounded is None else objective.value(rounded),
            )
            if rounded is not None and (
                best is None
                or _better(objective.value(rounded), objective.value(best), level.sense)
            ):
                best = rounded
            if best is not None and objective.value(best) != bound:
                # Make the vertex whole around its fractional part, for this level alone
                # (also where rounding failed: the part may restore what an earlier
                # level holds, e.g. the placements the floor lost).
                whole = stage.search.around_lp(
                    objective,
                    best,
                    lp.x,
                    bound,
                    min(
                        AROUND_LP_SHARE * (deadline - time.monotonic()),
                        AROUND_LP_SECONDS if rounded is not None else AROUND_UNROUNDED_SECONDS,
                    ),
                )
                log.debug(
                    "%.1f s: %s around the LP: %s",
                    self._elapsed(),
                    level.name,
                    None if whole is None else objective.value(whole),
                )
                if whole is not None:
                    best = whole
                    self._report(level.name, objective.value(best), bound)
                    if objective.value(best) == bound:
                        return self._proven(level, bound, level_start), best
        if best is not None and lp.status != "INFEASIBLE":
            small = built.program.num_columns <= FULL_SEARCH_COLUMNS

            threads = self._threads_beside_wish_lp(stage)

            def search(start: IntArray, until: float) -> IntArray:
                guide, guide_x, x = stage.guide, lp_x, start
                while True:
                    seen = guide.version if guide is not None else 0

                    def stopped(seen: int = seen) -> bool:
                        # a block of the guide solved meanwhile: the search takes it up
                        return self._stopped.is_set() or (
                            guide is not None and guide.version != seen
                        )

                    following = guide is not None and not guide.ended()
                    x = stage.search.improve(
                        objective,
                        x,
                        guide_x,
                        bound,
                        until,
                        later=later,
                        stopped=stopped,
                        patience=None if last else _patience(budget),
                        near_patience=None if last else PATIENCE_SECONDS,
                        report=lambda value: self._report(level.name, value, bound),
                        own_lp=guide_x is not None and lp.status in ("OPTIMAL", GUIDE),
                        toward_lp=last,
                        threads=self._beside_an_lp() if following else threads,
                    )
                    if (
                        guide is None
                        or guide.version == seen
                        or self._stopped.is_set()
                        or time.monotonic() >= until - 0.05
                    ):
                        return x
                    guide_x = guide.result().x
                    guide.take_up(x)

            searched_until = deadline - (FULL_SEARCH_SHARE * budget if small else 0.0)
            best = search(best, searched_until)
            value = objective.value(best)
            if bound is not None and value == bound:
                return self._proven(level, bound, level_start), best
            whole_search = small and _whole_search_pays(
                first=level is built.levels[0], last=last, value=value, bound=bound
            )
            if not whole_search:
                if small and not stage.search.stalled:
                    # It stopped only to leave time for the whole search: it goes on. A
                    # stalled one leaves the level's time to the next level.
                    best = search(best, deadline)
                return self._unproven(level, objective.value(best), bound, level_start), best
        remaining = deadline - time.monotonic()
        cp = backend.solve(
            objective,
            time_limit=remaining,
            hint=best,
            bound=bound,
            progress=lambda value, cp_bound: self._report(level.name, value, cp_bound),
        )
        seconds = time.monotonic() - level_start
        bounds = [b for b in (bound, cp.bound) if b is not None]
        proven = (min(bounds) if level.sense == "max" else max(bounds)) if bounds else None
        if cp.x is None:
            if cp.status == "INFEASIBLE" or best is None:
                return LevelResult(
                    name=level.name,
                    sense=level.sense,
                    status=cp.status,
                    bound=proven,
                    seconds=seconds,
                ), None
            solution, status = best, "FEASIBLE"  # the hint stands (e.g. no time was left)
        else:
            solution, status = built.complete(cp.x), cp.status  # helpers made tight
            if best is not None and _better(
                objective.value(best), objective.value(solution), level.sense
            ):
                solution, status = best, "FEASIBLE"
        value = objective.value(solution)
        if value == proven:
            status = "OPTIMAL"
        self._report(level.name, value, proven)
        return LevelResult(
            name=level.name,
            sense=level.sense,
            value=value,
            bound=proven,
            status=status,
            seconds=seconds,
        ), solution

    def _threads_beside_wish_lp(self, stage: Stage) -> int | None:
        """Parts side by side for a level's search: one core less while the wish LP, started
        beside it (`_prepare_wishes`), still runs; None (every core) otherwise.

        Measured on regional: the shortfall then reaches its optimum in 5.8-7.1 s instead
        of 7.1-11.2 s (a part with a whole core times out less often) and the wish LP
        lands 2 s earlier; the wish cost ends within its spread (4,662-4,713 in six runs).
        """
        upcoming = stage.upcoming
        if upcoming is None or upcoming.lp.done():
            return None
        return self._beside_an_lp()

    def _beside_an_lp(self) -> int:
        """Parts side by side while an LP runs on a core of its own: one core less."""
        return max(1, self.options.num_workers - 1)

    def _relaxation(
        self,
        stage: Stage,
        level: Level,
        best: IntArray | None,
        deadline: float,
        later: list[Objective],
    ) -> tuple[LpResult, IntArray | None]:
        """The level's LP relaxation, searched alongside while it runs; and the best start.

        The LP (GLOP) runs in a thread of its own. If it has not finished after a
        short head start, the neighbourhood search improves `best` on the other
        cores until it does; an LP still running at the deadline is interrupted.
        On a national program the first LP takes minutes, on a regional one seconds.
        """
        built = stage.built
        started_early = stage.lp is not None and built.levels[stage.first] is level

        def search(start: IntArray, stopped: Callable[[], bool], threads: int | None) -> IntArray:
            # without the level's own LP: guided by the previous level's, no bound yet
            return stage.search.improve(
                level.objective,
                start,
                stage.last_lp_x,
                None,
                deadline,
                later=later,
                stopped=stopped,
                report=lambda value: self._report(level.name, value, None),
                threads=threads,
            )

        if (
            not started_early
            and best is not None
            and _lp_seconds(built, level) > LP_SHARE * (deadline - time.monotonic())
        ):
            # It would not finish in time (a national program): every core searches
            # instead, or, on a wish level, all but one beside its LP block by block.
            guide = self._follow_guide(stage, level, best, deadline)
            if guide is None:
                skipped = LpResult("SKIPPED", None, None, 0.0)
                return skipped, search(best, self._stopped.is_set, None)
            best = search(
                best,
                lambda: self._stopped.is_set() or guide.version > 0 or guide.ended(),
                self._beside_an_lp(),
            )
            if guide.version == 0:
                guide.stop()
                return LpResult("SKIPPED", None, None, 0.0), best
            stage.guide = guide
            result = guide.result()
            guide.take_up(best)
            return result, best
        if started_early and stage.lp is not None:
            future, stage.lp = stage.lp, None  # started before the stage
        else:
            future = self._pool.submit(
                solve_lp,
                built.program,
                level.objective,
                time_limit=max(deadline - time.monotonic(), 0.05),
                register=self._on_lp_start,
            )
        head_start = min(LP_HEAD_START, 0.1 * (deadline - time.monotonic()))
        done, _ = wait([future], timeout=head_start)
        if not done and best is not None:
            best = search(
                best,
                lambda: self._stopped.is_set() or future.done(),
                self._beside_an_lp(),
            )
        if not future.done() and self._interrupt_lp is not None:
            self._interrupt_lp()  # out of time (or stopped): the search's best stands
        lp = future.result()
        if started_early and not stage.lp_is_bound and lp.status == "OPTIMAL":
            lp = LpResult(GUIDE, lp.value, lp.x, lp.seconds)
        return lp, best

    def _follow_guide(
        self, stage: Stage, level: Level, best: IntArray, deadline: float
    ) -> FollowingGuide | None:
        """The wish level's LP block by block (`solver.guide`), on the LP thread until the
        deadline, each block around the search's latest solution; None where the level
        is no wish level of a cohort stage."""
        classes = stage.classes
        if (
            classes is None
            or level.name not in WISH_LEVELS
            or stage.built.levels[stage.first] is not level
            or self._stopped.is_set()
        ):
            return None
        ward_block = ward_blocks(classes)
        largest = int(np.bincount(ward_block[classes.pairs.ward]).max(initial=0))
        if _class_lp_seconds(largest) > WISH_LP_SHARE * (deadline - time.monotonic()):
            return None  # its biggest block would take most of the level: search on all cores
        following = FollowingGuide(best.copy(), self._interrupt)
        cohorts = stage.built

        def run() -> None:
            started = time.monotonic()
            try:
                guide = BlockGuide(
                    WishRelaxation(classes, cohorts), level.name, following.latest, ward_block
                )
            except ValueError:  # the start does not map to the relaxation: no guide
                return
            following.guide = guide
            log.debug(
                "%.1f s: %s guide of %d blocks, built in %.1f s",
                self._elapsed(),
                level.name,
                guide.num_blocks,
                time.monotonic() - started,
            )
            solved = guide.follow(
                lambda: following.latest,
                deadline,
                stopped=lambda: self._stopped.is_set() or following.stopped.is_set(),
                updated=following.updated,
                register=self._on_lp_start,
            )
            log.debug(
                "%.1f s: %s guide: %d blocks solved in %.1f s, at last %g",
                self._elapsed(),
                level.name,
                solved,
                guide.seconds,
                guide.value(),
            )

        following.future = self._pool.submit(run)
        return following

    def _interrupt(self) -> None:
        if self._interrupt_lp is not None:
            self._interrupt_lp()

    def _unproven(
        self, level: Level, value: float, bound: float | None, level_start: float
    ) -> LevelResult:
        """The result of a level the search improved but could not prove optimal."""
        self._report(level.name, value, bound)
        return LevelResult(
            name=level.name,
            sense=level.sense,
            value=value,
            bound=bound,
            status="FEASIBLE",
            seconds=time.monotonic() - level_start,
        )

    def _proven(self, level: Level, value: float, level_start: float) -> LevelResult:
        """The result of a level whose value met its LP bound: optimal, with proof."""
        self._report(level.name, value, value)
        return LevelResult(
            name=level.name,
            sense=level.sense,
            value=value,
            bound=value,
            status="OPTIMAL",
            seconds=time.monotonic() - level_start,
        )

    def _on_lp_start(self, interrupt: Callable[[], object]) -> None:
        self._interrupt_lp = interrupt
        if self._stopped.is_set():
            interrupt()

    def _lottery_start(self, built: PlacementModel) -> IntArray | None:
        """The lottery's allocation as a full solution, if it is feasible (it keeps the locks)."""
        start = lottery(self.instance, self.options.seed, built.eligibility)
        x = built.complete(built.counts_of(start.placements))
        return None if built.program.violations(x) else x

    def _previous_start(self, built: PlacementModel) -> IntArray | None:
        """The previous allocation's still-possible placements, if together they still fit."""
        assert self.previous is not None
        kept = [p for p in self.previous.placements if p.key in self.instance.need]
        x = built.complete(built.counts_of(kept))
        return None if built.program.violations(x) else x

    def _report(self, level: str, value: float | None, bound: float | None) -> None:
        if self.progress is not None:
            self.progress(level, value, bound, time.monotonic() - self._started)


FULL_SEARCH_COLUMNS = 20_000
"""Up to this many columns, CP-SAT searches the whole program after the neighbourhoods.

On bigger ones a search of the whole neither finds better solutions nor proves
bounds better than the LP's in the time a level has (it cannot solve the root
LP of a hundred thousand columns in a minute), so the neighbourhoods take it all.
"""

MIN_SOLVE_SECONDS = 1.0
"""A solve gets at least this long, even when reading the workbook used up the deadline."""

LP_SHARE = 0.7
"""An LP expected to take more than this share of its level's time is not started."""

LATER_LP_FACTOR = 5.0
"""How many times longer a later level's LP takes than the first's (3-7 measured)."""

TAKE_UP_SECONDS = 5.0
"""A block of the wish guide waits at most this long for the search to take up the one
before (it restarts in well under a second)."""

LP_HEAD_START = 5.0
"""Seconds the LP runs alone before the neighbourhood search starts beside it (at most a
tenth of the level's time); most regional LPs are done by then."""

AROUND_LP_SHARE = 0.3
AROUND_LP_SECONDS = 10.0
"""Time for making the LP's vertex whole in one part: a share of the level's, at most this."""

AROUND_UNROUNDED_SECONDS = 1.0
"""At most this long where rounding the vertex broke a row an earlier level holds: such a
part is either quickly restored (0.1 s on `hard`) or too tight to solve in time."""

GUIDE = "GUIDE"
"""Status of an LP solution that guides the search but bounds nothing (see `Upcoming`)."""

WISH_LP_SHARE = 0.5
"""The wish LP is started early only if predicted to take at most this share of the time left."""

ESTIMATE_WEIGHT = 1.5
"""Share of the time (as `_weight`) for steering the class solution towards wishes."""

PATIENCE_SECONDS = 5.0
PATIENCE_SHARE = 0.25
MAX_PATIENCE_SECONDS = 20.0
"""A level's search that has found nothing better for this long (this share of the level's
time, between PATIENCE_SECONDS and MAX_PATIENCE_SECONDS) leaves the rest of its time to the
next levels; the last level searches to the end. The cap: in one national run, shortfall
found 2 units (0.07%) in its last 96 s, gaps of 26 s and 59 s apart, while the wish level
was still finding about 30 units a second at the deadline."""

FULL_SEARCH_SHARE = 0.3
"""The share of a level's time the whole-program search gets, where it runs.

Before the last level it runs only for the first level, where the search ended
one unit from the LP bound: there it can prove that the bound cannot be reached
(regional seed 2: 3,482 placements under 3,483, proven in 10 s; `small`: 247 under
248). Two or more units away it never did (regional seed 1: placements 3,427 under
3,429, shortfall 276-278 under 267: 5-8 s of each level, nothing found), nor for a
later level one unit away (seed 3: shortfall 598 under 597, 12 s); the wish level
got those seconds: on seed 1, 3,749-3,883 instead of 4,204-4,309 (four runs and
five); on seed 3, 3,378 instead of 3,403-3,443.
"""


LATE_LEVELS = frozenset({"repeats", "groups_split", "travel_km", "peak_load"})
"""The spec's level 4 and the history preference: they share a smaller part of the time."""

LATE_WEIGHT = 0.25
"""The weight of each late level in the share of the time (see `_weight`)."""


def _weight(level: str) -> float:
    """Share of the remaining time a level gets: the spec's levels 1-3 twelve times more.

    Wish cost a third more again: it starts furthest from its optimum and keeps
    improving longest (placements usually reach their bound in a few seconds). The
    late levels get little of their own, as their rank in the objective says, and what
    an earlier level leaves once its search stalls: on national, the wish level was
    still improving by 100 units a second when the three late levels took a quarter
    of the run (150 s) at weight 1.
    """
    return LATE_WEIGHT if level in LATE_LEVELS else {"wish_cost": 4.0}.get(level, 3.0)


def _lp_seconds(built: PlacementModel, level: Level) -> float:
    """About how long GLOP takes for this level's LP, from the number of pairs.

    Measured on two cores: 2-3 s for the first level of a 100,000-pair regional
    program and 295 s for a 1,040,000-pair national one (growing with the square);
    a later level's LP, held at the earlier levels, takes 3-7 times as long.
    """
    first = 2.5 * (built.pairs.num_pairs / 100_000) ** 2
    return first if built.levels[0] is level else LATER_LP_FACTOR * first


def _wish_lp_seconds(classes: PlacementModel) -> float:
    """About how long GLOP takes for the wish LP, from the class model's size.

    Measured on two cores: about 17 s for the regional benchmark's 14,500 class
    pairs, growing with the square (national: 118,000 class pairs, far too long).
    """
    return _class_lp_seconds(classes.pairs.num_pairs)


def _class_lp_seconds(num_class_pairs: int) -> float:
    """`_wish_lp_seconds` for this many class pairs (also a block's, `solver.guide`: there
    it overestimates, 76 s predicted for the national blocks of about 30,000 class pairs,
    which took 15-49 s)."""
    return 17.0 * (num_class_pairs / 14_500) ** 2


def _whole_search_pays(*, first: bool, last: bool, value: float, bound: float | None) -> bool:
    """Whether CP-SAT on a whole small program is worth a level's last share of time.

    The last level has no later level to give the time to; elsewhere, only a first
    level one unit from its LP bound (see FULL_SEARCH_SHARE)."""
    return last or bound is None or (first and abs(value - bound) <= 1)


def _patience(seconds: float) -> float:
    """How long a search of `seconds` may go without finding anything better."""
    return min(MAX_PATIENCE_SECONDS, max(PATIENCE_SECONDS, PATIENCE_SHARE * seconds))


def _integer_bound(lp_value: float, sense: str) -> float:
    """The best integer value the LP optimum allows (floor for max, ceil for min)."""
    return float(math.floor(lp_value + 1e-6) if sense == "max" else math.ceil(lp_value - 1e-6))


def _better(a: float, b: float, sense: str) -> bool:
    return a > b if sense == "max" else a < b


def _hold(built: PlacementModel, level: Level, reached: float) -> None:
    """Keep `level` at least as good as `reached` from now on (a row of the program)."""
    built.program.add_row(
        LEVEL_ROW,
        level.name,
        level.objective.columns,
        level.objective.coefficients,
        lower=reached if level.sense == "max" else -INFINITY,
        upper=reached if level.sense == "min" else INFINITY,
    )


def _not_solved(level: Level) -> LevelResult:
    return LevelResult(name=level.name, sense=level.sense, status="NOT_SOLVED")
