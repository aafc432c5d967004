"""Solving: objective levels one after another, each level's result kept for the next.

The lottery's allocation is the first hint, so the solver starts from what a
coordinator would get by hand and can only improve on it. Each level's best
solution is the hint for the next level.
"""

from __future__ import annotations

import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field

from ortools.sat.python import cp_model

from placement.allocation import LevelResult, Placement
from placement.capacity import CapacityLedger
from placement.eligibility import Eligibility
from placement.instance import Instance
from placement.lottery import lottery
from placement.options import Options
from solver import constraints
from solver.cohorts import Cohort, build_cohorts
from solver.objectives import Counts, Level, build_levels
from solver.variables import PlacementVars

STATUS_NAMES = {
    cp_model.OPTIMAL: "OPTIMAL",
    cp_model.FEASIBLE: "FEASIBLE",
    cp_model.INFEASIBLE: "INFEASIBLE",
    cp_model.MODEL_INVALID: "MODEL_INVALID",
    cp_model.UNKNOWN: "UNKNOWN",
}

ProgressFn = Callable[[str, float | None, float | None, float], None]
"""Called as (level name, best value, best bound, seconds elapsed) while solving."""


@dataclass
class SolveResult:
    """Outcome of a solve: status, allocation (placements only), and every level's figures."""

    status: str  # OPTIMAL (every level proven), FEASIBLE, INFEASIBLE, UNKNOWN, INTERRUPTED
    placements: tuple[Placement, ...] | None
    levels: list[LevelResult] = field(default_factory=list)
    seconds: float = 0.0
    num_cohorts: int = 0
    num_pairs: int = 0
    notes: list[str] = field(default_factory=list)
    interrupted: bool = False

    @property
    def feasible(self) -> bool:
        return self.placements is not None

    def objective(self) -> dict[str, float | None]:
        return {level.name: level.value for level in self.levels}

    def bound(self) -> dict[str, float | None]:
        return {level.name: level.bound for level in self.levels}


class _Progress(cp_model.CpSolverSolutionCallback):
    """Reports each improving solution of one level."""

    def __init__(self, level: str, started: float, report: ProgressFn) -> None:
        super().__init__()
        self.level, self.started, self.report = level, started, report

    def on_solution_callback(self) -> None:
        self.report(
            self.level,
            self.objective_value,
            self.best_objective_bound,
            time.monotonic() - self.started,
        )


class PlacementModel:
    """The CP-SAT model of one instance: cohorts, variables, hard rules and objective levels."""

    def __init__(
        self, instance: Instance, options: Options, eligibility: Eligibility | None = None
    ) -> None:
        self.instance = instance
        self.options = options
        self.eligibility = eligibility or Eligibility(instance)
        self.ledger = CapacityLedger(instance)
        self.model = cp_model.CpModel()
        self.cohorts: list[Cohort] = build_cohorts(instance, self.eligibility, self.ledger, options)
        self.xs = PlacementVars(self.model, instance, self.cohorts, self.ledger)
        constraints.add_one_place_per_row(self.model, self.xs)
        constraints.add_one_place_per_week(self.model, self.xs)
        self.supervisor_constraints = constraints.add_supervisor_capacity(self.model, self.xs)
        self.max_students_constraints = constraints.add_max_students(self.model, self.xs, instance)
        self.agreement_constraints = constraints.add_agreement_maximums(
            self.model, self.xs, instance
        )
        self.locks = constraints.lock_literals(self.model, self.xs)
        self.levels: list[Level] = build_levels(self.model, self.xs, instance)

    def enforce_locks(self) -> None:
        """Rule 5: every lock holds (as a hard constraint)."""
        for literal in self.locks.values():
            self.model.add_bool_or([literal])

    def counts_of(self, placements: tuple[Placement, ...] | list[Placement]) -> Counts:
        """Pair counts (pair index -> students) of an allocation given as placements."""
        cohort_of = {need.key: cohort for cohort in self.cohorts for need in cohort.needs}
        counts: Counter[int] = Counter()
        for placement in placements:
            pair = self.xs.pair(cohort_of[placement.key], placement.ward_id)
            if pair is not None:
                counts[pair.index] += 1
        return dict(counts)

    def hint(self, counts: Counts) -> None:
        """Give the solver a complete starting solution (locks held)."""
        self.model.clear_hints()  # type: ignore[no-untyped-call]
        for pair in self.xs.pairs:
            self.model.add_hint(pair.var, counts.get(pair.index, 0))
        for level in self.levels:
            for var, value in level.helper_values(counts).items():
                self.model.add_hint(var, value)
        for literal in self.locks.values():
            self.model.add_hint(literal, 1)

    def placements_from(self, counts: Counts) -> tuple[Placement, ...]:
        """Turn pair counts into placements: a cohort's first students take its places."""
        out: list[Placement] = []
        for cohort in self.cohorts:
            queue = list(cohort.needs)
            for pair in self.xs.of_cohort(cohort):
                for _ in range(counts.get(pair.index, 0)):
                    need = queue.pop(0)
                    out.append(
                        Placement(
                            student_id=need.student_id,
                            period_id=need.period_id,
                            ward_id=pair.ward_id,
                            locked=need.locked_ward == pair.ward_id,
                        )
                    )
        return tuple(out)


class LexicographicSolver:
    """Optimises the levels in order; `stop()` (e.g. on Ctrl-C) keeps the best so far."""

    def __init__(
        self,
        instance: Instance,
        options: Options,
        *,
        progress: ProgressFn | None = None,
        eligibility: Eligibility | None = None,
    ) -> None:
        self.instance = instance
        self.options = options
        self.progress = progress
        self.eligibility = eligibility
        self._stopped = threading.Event()
        self._current: cp_model.CpSolver | None = None

    def stop(self) -> None:
        """Stop the search now; the best allocation found so far is kept."""
        self._stopped.set()
        if self._current is not None:
            self._current.stop_search()

    def solve(self) -> SolveResult:
        """Optimise every level in turn within the time limit."""
        started = time.monotonic()
        options = self.options
        built = PlacementModel(self.instance, options, self.eligibility)
        built.enforce_locks()
        result = SolveResult(
            "UNKNOWN", None, num_cohorts=len(built.cohorts), num_pairs=built.xs.num_pairs
        )
        best = self._lottery_start(built)
        if best is not None:
            built.hint(best)
        for position, level in enumerate(built.levels):
            remaining = options.time_limit - (time.monotonic() - started)
            if self._stopped.is_set() or remaining <= 0:
                level_result, solution = (
                    LevelResult(name=level.name, sense=level.sense, status="NOT_SOLVED"),
                    None,
                )
            else:
                budget = max(remaining / (len(built.levels) - position), 0.5)
                level_result, solution = self._solve_level(built, level, budget, started)
            if level_result.status == "INFEASIBLE":
                result.levels.append(level_result)
                result.status = "INFEASIBLE"
                result.seconds = time.monotonic() - started
                return result
            if solution is None and best is not None:
                # nothing better found in time: the previous solution stands for this level
                solution = best
                level_result = level_result.model_copy(
                    update={"value": float(level.evaluate(best))}
                )
            result.levels.append(level_result)
            if solution is None:
                continue
            best = solution
            built.hint(best)
            achieved = level.evaluate(best)
            built.model.add(
                level.expr >= achieved if level.sense == "max" else level.expr <= achieved
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

    def _lottery_start(self, built: PlacementModel) -> Counts | None:
        """The lottery's allocation as pair counts, if it keeps every lock (else no hint)."""
        start = lottery(self.instance, self.options.seed, built.eligibility)
        locked_rows = {n.key for n in self.instance.needs if n.locked_ward is not None}
        if {p.key for p in start.placements if p.locked} != locked_rows:
            return None
        return built.counts_of(start.placements)

    def _solve_level(
        self, built: PlacementModel, level: Level, budget: float, started: float
    ) -> tuple[LevelResult, Counts | None]:
        model = built.model
        if level.sense == "max":
            model.maximize(level.expr)
        else:
            model.minimize(level.expr)
        solver = cp_model.CpSolver()
        params = solver.parameters
        params.max_time_in_seconds = budget
        params.num_workers = self.options.num_workers
        params.random_seed = self.options.seed
        if self.options.deterministic:
            params.interleave_search = True
            params.max_deterministic_time = budget * 2
        self._current = solver
        level_start = time.monotonic()
        if self.progress is not None:
            status = solver.solve(model, _Progress(level.name, started, self.progress))
        else:
            status = solver.solve(model)
        self._current = None
        seconds = time.monotonic() - level_start
        name = STATUS_NAMES.get(status, str(status))
        if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
            return LevelResult(
                name=level.name, sense=level.sense, status=name, seconds=seconds
            ), None
        counts = {p.index: n for p in built.xs.pairs if (n := int(solver.value(p.var)))}
        value, bound = float(solver.objective_value), float(solver.best_objective_bound)
        if self.progress is not None:
            self.progress(level.name, value, bound, time.monotonic() - started)
        return LevelResult(
            name=level.name,
            sense=level.sense,
            value=value,
            bound=bound,
            status=name,
            seconds=seconds,
        ), counts


def solve_placements(
    instance: Instance, options: Options | None = None, *, progress: ProgressFn | None = None
) -> SolveResult:
    """Solve levels 1-3 for `instance`; placements only (see `solver.solve` for a full run)."""
    return LexicographicSolver(instance, options or Options(), progress=progress).solve()
