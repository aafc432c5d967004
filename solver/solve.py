"""Solving: objective levels one after another, each level's result kept for the next.

Per level: first the LP relaxation (GLOP). If its vertex is integral it is an
optimal solution with a proof, and the level is done. Otherwise the LP gives a
bound and, rounded and filled, a starting solution for CP-SAT, which then
searches for the integer optimum and stops as soon as it meets the LP bound.
The lottery coordinators run by hand is the very first starting solution, so
the result is never worse than it.
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from placement.allocation import Allocation, LevelResult, Placement
from placement.eligibility import Eligibility
from placement.instance import Instance
from placement.lottery import lottery
from placement.options import Options
from solver.cpsat import CpSatBackend
from solver.lp import solve_lp
from solver.model import PlacementModel
from solver.objectives import Level
from solver.program import INFINITY, FloatArray, IntArray
from solver.rounding import round_and_fill

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
    ) -> None:
        self.instance = instance
        self.options = options
        self.progress = progress
        self.eligibility = eligibility
        self.previous = previous
        self.model = model  # a prebuilt (e.g. modified) model to solve instead of the default
        self._stopped = threading.Event()
        self._backend: CpSatBackend | None = None
        self._interrupt_lp: Callable[[], object] | None = None
        self._started = 0.0

    def stop(self) -> None:
        """Stop the search now; the best allocation found so far is kept."""
        self._stopped.set()
        if self._interrupt_lp is not None:
            self._interrupt_lp()
        if self._backend is not None:
            self._backend.stop()

    def solve(self) -> SolveResult:
        """Optimise every level in turn within the time limit."""
        self._started = started = time.monotonic()
        options = self.options
        built = self.model or PlacementModel(
            self.instance, options, self.eligibility, self.previous
        )
        backend = self._backend = CpSatBackend(
            built.program,
            workers=options.num_workers,
            seed=options.seed,
            deterministic=options.deterministic,
        )
        if self._stopped.is_set():
            backend.stop()
        result = SolveResult(
            "UNKNOWN", None, num_cohorts=len(built.cohorts), num_pairs=built.pairs.num_pairs
        )
        best = self._previous_start(built) if self.previous is not None else None
        if best is None:
            best = self._lottery_start(built)
        for position, level in enumerate(built.levels):
            remaining = options.time_limit - (time.monotonic() - started)
            weights = [_weight(later.name) for later in built.levels[position:]]
            budget = remaining * weights[0] / sum(weights)
            if self._stopped.is_set() or remaining <= 0:
                level_result, solution = _not_solved(level), None
            else:
                level_result, solution = self._solve_level(built, backend, level, best, budget)
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
            achieved = level.objective.value(best)
            built.program.add_row(
                LEVEL_ROW,
                level.name,
                level.objective.columns,
                level.objective.coefficients,
                lower=achieved if level.sense == "max" else -INFINITY,
                upper=achieved if level.sense == "min" else INFINITY,
            )
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

    # ---- one level ---------------------------------------------------------------------------
    def _solve_level(
        self,
        built: PlacementModel,
        backend: CpSatBackend,
        level: Level,
        best: IntArray | None,
        budget: float,
    ) -> tuple[LevelResult, IntArray | None]:
        level_start = time.monotonic()
        objective = level.objective
        lp = solve_lp(built.program, objective, time_limit=budget, register=self._on_lp_start)
        bound: float | None = None
        if lp.status == "OPTIMAL" and lp.value is not None and lp.x is not None:
            bound = _integer_bound(lp.value, level.sense)
            self._report(level.name, None, bound)
            if lp.integral:
                x = built.complete(np.round(lp.x).astype(np.int64))
                value = objective.value(x)
                if not built.program.violations(x) and value == bound:
                    return self._proven(level, bound, level_start), x
            rounded = round_and_fill(
                built.program, built.pairs.num_pairs, lp.x, objective, built.complete
            )
            if rounded is not None and (
                best is None
                or _better(objective.value(rounded), objective.value(best), level.sense)
            ):
                best = rounded
            if best is not None:
                best = self._neighbourhood(built, backend, level, lp.x, best, bound, budget)
                if bound is not None and objective.value(best) == bound:
                    return self._proven(level, bound, level_start), best
        elif lp.status == "INFEASIBLE":
            bound = None  # CP-SAT confirms and the caller reports the colliding locks
        remaining = budget - (time.monotonic() - level_start)
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
            solution, status = cp.x, cp.status
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

    def _neighbourhood(
        self,
        built: PlacementModel,
        backend: CpSatBackend,
        level: Level,
        lp_x: FloatArray,
        best: IntArray,
        bound: float | None,
        budget: float,
    ) -> IntArray:
        """RINS: hold the pairs where the LP and the incumbent agree, solve the rest exactly.

        The free part is small (the LP's fractional pairs and what rounding moved), so
        CP-SAT usually closes it in well under a second, often reaching the LP bound.
        """
        pairs = built.pairs.num_pairs
        limit = min(max(budget / 4, 1.0), 10.0)
        # First around the LP alone: its integral pairs held and its fractional ones free;
        # then, wider, only the pairs the LP leaves at zero held.
        lp_point = built.complete(np.round(lp_x).astype(np.int64))
        rounded = np.round(lp_x[:pairs])
        integral = np.abs(lp_x[:pairs] - rounded) < 1e-6
        unused = best[:pairs] == 0
        # Widest: pairs unused by both the LP and the incumbent held at zero (always
        # feasible, since the incumbent is inside it).
        neighbourhoods = (
            (integral, lp_point),
            (integral & (rounded == 0), lp_point),
            (integral & (rounded == 0) & unused, best),
        )
        for hold, start in neighbourhoods:
            result = backend.solve(
                level.objective,
                time_limit=limit,
                hint=start,
                bound=bound,
                fixed=np.flatnonzero(hold).astype(np.int64),
                workers=1,  # small neighbourhoods: one thread is deterministic and enough
            )
            if result.x is not None and _better(
                level.objective.value(result.x), level.objective.value(best), level.sense
            ):
                best = result.x
            if bound is not None and level.objective.value(best) == bound:
                return best
        best = self._dive(
            built, backend, level, lp_x, best, bound, time.monotonic() + max(budget / 3, limit)
        )
        if bound is not None and level.objective.value(best) == bound:
            return best
        # Then RINS proper: where the LP and the incumbent agree.
        agree = np.flatnonzero(np.abs(lp_x[:pairs] - best[:pairs]) < 1e-6).astype(np.int64)
        if len(agree) == pairs:
            return best
        result = backend.solve(
            level.objective, time_limit=limit, hint=best, bound=bound, fixed=agree, workers=1
        )
        if result.x is not None and not _better(
            level.objective.value(best), level.objective.value(result.x), level.sense
        ):
            return result.x
        return best

    def _dive(
        self,
        built: PlacementModel,
        backend: CpSatBackend,
        level: Level,
        lp_x: FloatArray,
        best: IntArray,
        bound: float | None,
        deadline: float,
    ) -> IntArray:
        """LP diving: push the pairs the LP most wants up to whole numbers and re-solve.

        Each round rounds up the tenth of the fractional pairs closest to their ceiling
        (at least one), or rounds them down if that makes the LP infeasible; after each
        round CP-SAT settles the few pairs still fractional with the rest held. Returns
        the best allocation found (`best` if none is better).
        """
        program = built.program
        pairs = built.pairs.num_pairs
        objective = level.objective
        lower, upper = (bounds.copy() for bounds in program.column_bounds())
        x = lp_x
        while time.monotonic() < deadline and not self._stopped.is_set():
            part = x[:pairs] - np.floor(x[:pairs] + 1e-9)
            fractional = np.flatnonzero((part > 1e-6) & (part < 1 - 1e-6))
            point = built.complete(np.round(x).astype(np.int64))
            if len(fractional) == 0:
                if not program.violations(point) and _better(
                    objective.value(point), objective.value(best), level.sense
                ):
                    best = point
                return best
            settled = backend.solve(
                objective,
                time_limit=min(1.0, max(deadline - time.monotonic(), 0.05)),
                hint=point,
                bound=bound,
                fixed=np.setdiff1d(np.arange(pairs), fractional).astype(np.int64),
                workers=1,
            )
            if settled.x is not None and _better(
                objective.value(settled.x), objective.value(best), level.sense
            ):
                best = settled.x
                if bound is not None and objective.value(best) == bound:
                    return best
            order = fractional[np.argsort(-part[fractional], kind="stable")]
            chosen = order[: max(1, len(order) // 10)]
            saved = lower[chosen].copy()
            lower[chosen] = np.ceil(x[chosen]).astype(np.int64)
            lp = solve_lp(
                program,
                objective,
                time_limit=max(deadline - time.monotonic(), 0.05),
                bounds=(lower, upper),
            )
            if lp.x is None:
                lower[chosen] = saved
                upper[chosen] = np.floor(x[chosen]).astype(np.int64)
                lp = solve_lp(
                    program,
                    objective,
                    time_limit=max(deadline - time.monotonic(), 0.05),
                    bounds=(lower, upper),
                )
                if lp.x is None:
                    return best
            x = lp.x
        return best

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


LATE_LEVELS = frozenset({"repeats", "groups_split", "travel_km", "peak_load"})
"""The spec's level 4 and the history preference: they share a smaller part of the time."""


def _weight(level: str) -> float:
    """Share of the remaining time a level gets: the spec's levels 1-3 three times more."""
    return 1.0 if level in LATE_LEVELS else 3.0


def _integer_bound(lp_value: float, sense: str) -> float:
    """The best integer value the LP optimum allows (floor for max, ceil for min)."""
    return float(math.floor(lp_value + 1e-6) if sense == "max" else math.ceil(lp_value - 1e-6))


def _better(a: float, b: float, sense: str) -> bool:
    return a > b if sense == "max" else a < b


def _not_solved(level: Level) -> LevelResult:
    return LevelResult(name=level.name, sense=level.sense, status="NOT_SOLVED")


def solve_placements(
    instance: Instance, options: Options | None = None, *, progress: ProgressFn | None = None
) -> SolveResult:
    """Solve levels 1-3 for `instance`; placements only (see `solver.solve` for a full run)."""
    return LexicographicSolver(instance, options or Options(), progress=progress).solve()
