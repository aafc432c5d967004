"""The peers a benchmark run compares, each solving the same instance with levels 1-3.

- `project`: read the workbook, solve, write the allocation (what `placement solve` does);
- `lottery`: students in random order take their best wish with room left
  (`placement.lottery`, what coordinators do by hand today);
- `highs`: the project's own integer programs solved lexicographically as a MILP
  by HiGHS: placements and shortfall on the class model, the wish cost on the
  wish model built on it (`solver.wishes`), each level's result kept as a row for
  the next, all levels sharing the one time limit;
- `highs-cohorts`: the same, on the cohort model alone (one column per eligible
  cohort and ward, what a straightforward model has);
- `lp`: the LP relaxation of each level (HiGHS), lexicographic: a bound on what
  any allocation can reach on a level, given the earlier levels at their
  (integer-rounded) LP bounds. On the class and wish models, whose LPs equal the
  cohort model's, with ten times the time limit: its bounds are the yardstick.

Every peer runs in a process of its own (`bench.run`) and returns a `PeerResult`
as a plain dict. Its level values are recomputed by the independent checker
(`placement.check`) from its placements, never taken from the peer itself; the
LP has no placements, so its values are bounds.
"""

from __future__ import annotations

import math
import resource
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypedDict

import numpy as np
import numpy.typing as npt

from placement.allocation import Allocation, Unplaced
from placement.check import check
from placement.instance import Instance
from placement.io.read import read_instance
from placement.io.write_allocation import write_allocation
from placement.lottery import lottery
from placement.options import Options
from solver import solve
from solver.assign import cohort_counts
from solver.model import PlacementModel
from solver.program import INFINITY, IntegerProgram, Objective
from solver.run import finish_by
from solver.wishes import WishRelaxation

LEVELS = ("placements", "shortfall", "wish_cost")
"""The spec's objective levels 1-3, the ones the benchmark compares."""

CHECK_OPTIONS = Options(max_levels=3)
"""Options the checker recomputes every peer's levels with (the spec's defaults)."""


class PeerResult(TypedDict, total=False):
    """What a peer reports back to the harness (plain data, so it crosses processes)."""

    values: dict[str, float | None]  # per level, recomputed by placement.check
    bounds: dict[str, float | None]  # per level, the peer's own proven bound
    status: dict[str, str]  # per level, the peer's own word for how it ended
    seconds: float  # the peer's own work (the project's includes reading and writing)
    peak_mb: float  # peak resident memory of the peer's process
    model: dict[str, int]  # size of the program (LP peer)
    notes: list[str]
    error: str
    wall: float  # wall time of the peer's whole process (set by the harness)


def peak_mb() -> float:
    """Peak resident memory of this process so far, in MB (Linux reports kB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def checked_levels(instance: Instance, allocation: Allocation) -> dict[str, float | None]:
    """Levels 1-3 of `allocation` as the checker counts them; raises if a hard rule breaks."""
    report = check(instance, allocation, CHECK_OPTIONS)
    if not report.ok:
        raise AssertionError(f"broken hard rules: {[str(v) for v in report.violations[:3]]}")
    return {name: float(report.levels[name]) for name in LEVELS}


# ---- the project ---------------------------------------------------------------------------------
def run_project(
    workbook: Path, time_limit: float, output: Path, *, started_seconds_ago: float = 0.0
) -> PeerResult:
    """`placement solve`: read the workbook, solve levels 1-3, write the allocation; all timed.

    As `placement solve` counts its own start-up, the clock may start
    `started_seconds_ago` (when the process was spawned, before its imports).
    """
    started = time.monotonic() - max(started_seconds_ago, 0.0)
    instance, _ = read_instance(workbook)
    options = Options(time_limit=time_limit, max_levels=3)
    # As `placement solve` does: the time limit covers reading and writing too.
    allocation = solve(
        instance, options, deadline=finish_by(started, time_limit, instance.num_needs)
    )
    write_allocation(instance, allocation, output, options=options, force=True)
    seconds = time.monotonic() - started
    assert allocation.run is not None
    return {
        "values": checked_levels(instance, allocation),
        "bounds": {level.name: level.bound for level in allocation.run.levels},
        "status": {level.name: level.status for level in allocation.run.levels},
        "seconds": seconds,
        "peak_mb": peak_mb(),
        "notes": list(allocation.run.notes),
    }


# ---- the lottery ---------------------------------------------------------------------------------
def run_lottery(workbook: Path, time_limit: float, output: Path) -> PeerResult:
    """The lottery coordinators run by hand (seed 0); the time is the draw alone."""
    del time_limit, output
    instance, _ = read_instance(workbook)
    started = time.monotonic()
    allocation = lottery(instance, 0)
    seconds = time.monotonic() - started
    return {
        "values": checked_levels(instance, allocation),
        "bounds": {},
        "status": dict.fromkeys(LEVELS, "-"),
        "seconds": seconds,
        "peak_mb": peak_mb(),
    }


# ---- HiGHS ---------------------------------------------------------------------------------------
FloatArray = npt.NDArray[np.float64]


def _highs(program: IntegerProgram, integral: bool) -> Any:
    """`program` as a HiGHS model (rows from `IntegerProgram.csr()`), with no objective yet."""
    import highspy  # noqa: PLC0415 - a benchmark-only dependency

    h = highspy.Highs()  # type: ignore[no-untyped-call]
    h.setOptionValue("output_flag", False)
    h.setOptionValue("threads", 2)
    lower, upper = program.column_bounds()
    indptr, indices, data, row_lower, row_upper = program.csr()
    lp = highspy.HighsLp()
    lp.num_col_ = len(lower)
    lp.num_row_ = len(row_lower)
    lp.col_cost_ = np.zeros(len(lower))
    lp.col_lower_ = lower.astype(np.float64)
    lp.col_upper_ = upper.astype(np.float64)
    lp.row_lower_ = np.where(np.isinf(row_lower), -highspy.kHighsInf, row_lower)
    lp.row_upper_ = np.where(np.isinf(row_upper), highspy.kHighsInf, row_upper)
    lp.a_matrix_.format_ = highspy.MatrixFormat.kRowwise
    lp.a_matrix_.start_ = indptr.astype(np.int32)
    lp.a_matrix_.index_ = indices.astype(np.int32)
    lp.a_matrix_.value_ = data.astype(np.float64)
    if integral:
        lp.integrality_ = [highspy.HighsVarType.kInteger] * len(lower)
        # objectives are whole numbers: a gap below 1 proves optimality, and nothing less does
        h.setOptionValue("mip_rel_gap", 0.0)
        h.setOptionValue("mip_abs_gap", 0.999)
    else:
        # interior point with crossover: on these LPs several times faster than dual simplex
        h.setOptionValue("solver", "ipm")
    h.passModel(lp)
    return h


class Lexicographic:
    """Levels 1-3 solved in turn by HiGHS, each level's result kept as a row for the next.

    With `staged` (the project's formulation), placements and shortfall are solved
    on the class model and the wish cost on the wish model built on it
    (`solver.wishes`), as the project does; otherwise everything on the cohort model.
    The LPs are the same either way, the staged ones several times smaller.
    """

    def __init__(self, instance: Instance, time_limit: float, integral: bool, staged: bool) -> None:
        self.started = time.monotonic()
        self.time_limit = time_limit
        self.integral = integral
        options = Options(time_limit=time_limit, max_levels=3)
        self.cohorts = PlacementModel(instance, options)
        self.classes = (
            PlacementModel(instance, options, levels=list(LEVELS[:2]), classes=True)
            if staged
            else None
        )
        self.values: dict[str, float | None] = {}
        self.bounds: dict[str, float | None] = {}
        self.status: dict[str, str] = {}
        self.x: FloatArray | None = None  # the last solution, on the current stage's program
        self.wishes: WishRelaxation | None = None
        first = self.classes or self.cohorts
        self.program: IntegerProgram = first.program
        self.h = _highs(first.program, integral)

    def solve(self) -> None:
        """Optimise every level; a level that finds nothing in time keeps the previous solution."""
        for position, name in enumerate(LEVELS):
            if name == "wish_cost" and self.classes is not None:
                self._to_wish_model()
            objective = self._objective(name)
            remaining = self.time_limit - (time.monotonic() - self.started)
            if remaining <= 0.5:
                self.status[name] = "not solved (no time left)"
                self._keep(name, objective)
                continue
            self._solve_level(name, objective, remaining / (len(LEVELS) - position))

    def _objective(self, name: str) -> Objective:
        if name == "wish_cost" and self.wishes is not None:
            return self.wishes.objective(name)
        model = self.classes if self.classes is not None else self.cohorts
        return next(level.objective for level in model.levels if level.name == name)

    def _to_wish_model(self) -> None:
        """The wish model on the class model (its levels held), started where the last
        solution left the places."""
        assert self.classes is not None
        self.wishes = WishRelaxation(self.classes, self.cohorts)
        self.program = self.wishes.program
        places = self.x
        self.h = _highs(self.program, self.integral)
        if places is not None and self.integral:
            start = np.zeros(self.program.num_columns)
            start[: len(places)] = places
            self._warm_start(self._with_unwished(start))

    def _with_unwished(self, start: FloatArray) -> FloatArray:
        """A feasible wish model solution from places alone: nobody at a wish."""
        assert self.wishes is not None and self.classes is not None
        pairs = self.classes.pairs
        placed = np.bincount(
            pairs.cohort, weights=start[: pairs.num_pairs], minlength=len(self.classes.cohorts)
        )
        _, upper = self.program.column_bounds()
        no_wish = np.minimum(placed, upper[self.wishes.no_wish])
        start[self.wishes.no_wish] = no_wish
        start[self.wishes.unwished] = placed - no_wish
        return start

    def _solve_level(self, name: str, objective: Objective, budget: float) -> None:
        h = self.h
        num_columns = self.program.num_columns
        sign = -1.0 if objective.sense == "max" else 1.0
        cost = np.zeros(num_columns)
        np.add.at(cost, objective.columns, sign * objective.coefficients)
        h.changeColsCost(num_columns, np.arange(num_columns, dtype=np.int32), cost)
        h.setOptionValue("time_limit", float(budget))
        if self.integral and self.x is not None and len(self.x) == num_columns:
            self._warm_start(self.x)
        h.run()
        info = h.getInfo()
        self.status[name] = h.modelStatusToString(h.getModelStatus())
        if info.primal_solution_status == 2:  # a feasible solution
            self.x = np.array(h.getSolution().col_value)
        if self.integral:
            has_bound = math.isfinite(info.mip_dual_bound)
            self.bounds[name] = _whole(sign * info.mip_dual_bound, objective) if has_bound else None
        elif self.x is not None and self.status[name] == "Optimal":
            self.bounds[name] = _whole(objective.value(self.x), objective)
        self._keep(name, objective)

    def _warm_start(self, x: FloatArray) -> None:
        import highspy  # noqa: PLC0415

        start = highspy.HighsSolution()
        start.col_value = list(np.round(x))
        start.value_valid = True
        self.h.setSolution(start)

    def _keep(self, name: str, objective: Objective) -> None:
        """Hold the level at its result: the MILP's value, or the LP's integer-rounded bound.

        The row goes into the program too, so that a later stage built on it keeps it.
        """
        import highspy  # noqa: PLC0415

        if self.integral:
            if self.x is None or len(self.x) != self.program.num_columns:
                return
            kept = float(round(objective.value(self.x)))
        else:
            bound = self.bounds.get(name)
            if bound is None:
                return
            kept = bound
        self.values[name] = kept
        lower = kept if objective.sense == "max" else -highspy.kHighsInf
        upper = kept if objective.sense == "min" else highspy.kHighsInf
        self.h.addRow(
            lower,
            upper,
            len(objective.columns),
            objective.columns.astype(np.int32),
            objective.coefficients.astype(np.float64),
        )
        self.program.add_row(
            "level",
            name,
            objective.columns,
            objective.coefficients,
            lower=kept if objective.sense == "max" else -INFINITY,
            upper=kept if objective.sense == "min" else INFINITY,
        )

    def allocation(self, instance: Instance) -> Allocation | None:
        """The last solution as an allocation (None if HiGHS found none)."""
        if self.x is None:
            return None
        cohorts = self.cohorts
        counts = np.round(self.x).astype(np.int64)
        if self.classes is not None:  # places of classes: split at least wish cost
            counts = cohort_counts(self.classes, cohorts, counts, cohorts.pairs.cost)
        placements = cohorts.placements_from(counts[: cohorts.pairs.num_pairs])
        placed = {p.key for p in placements}
        unplaced = tuple(
            Unplaced(student_id=n.student_id, period_id=n.period_id, reason="-")
            for n in instance.needs
            if n.key not in placed
        )
        return Allocation(placements=placements, unplaced=unplaced)


def _whole(value: float, objective: Objective) -> float:
    """The best whole value a fractional bound allows (floor for max, ceil for min)."""
    if objective.sense == "max":
        return float(math.floor(value + 1e-6))
    return float(math.ceil(value - 1e-6))


def _run_highs(workbook: Path, time_limit: float, staged: bool) -> PeerResult:
    instance, _ = read_instance(workbook)
    started = time.monotonic()
    solver = Lexicographic(instance, time_limit, integral=True, staged=staged)
    solver.solve()
    seconds = time.monotonic() - started
    allocation = solver.allocation(instance)
    values: dict[str, float | None] = (
        checked_levels(instance, allocation) if allocation else dict.fromkeys(LEVELS)
    )
    return {
        "values": values,
        "bounds": solver.bounds,
        "status": solver.status,
        "seconds": seconds,
        "peak_mb": peak_mb(),
    }


def run_highs(workbook: Path, time_limit: float, output: Path) -> PeerResult:
    """HiGHS MILP on the project's formulation (class model, then wish model), lexicographic."""
    del output
    return _run_highs(workbook, time_limit, staged=True)


def run_highs_cohorts(workbook: Path, time_limit: float, output: Path) -> PeerResult:
    """HiGHS MILP on the cohort model alone (one column per eligible cohort and ward)."""
    del output
    return _run_highs(workbook, time_limit, staged=False)


LP_TIME_FACTOR = 10.0
"""The LP peer gets this many times the time limit: its bounds are the yardstick."""


def run_lp(workbook: Path, time_limit: float, output: Path) -> PeerResult:
    """The LP relaxation of each level (HiGHS), lexicographic: bounds, not allocations."""
    del output
    instance, _ = read_instance(workbook)
    started = time.monotonic()
    solver = Lexicographic(instance, LP_TIME_FACTOR * time_limit, integral=False, staged=True)
    solver.solve()
    program = solver.cohorts.program
    return {
        "values": {k: solver.bounds.get(k) for k in LEVELS},
        "bounds": {k: solver.bounds.get(k) for k in LEVELS},
        "status": solver.status,
        "seconds": time.monotonic() - started,
        "peak_mb": peak_mb(),
        "model": {
            "cohorts": len(solver.cohorts.cohorts),
            "pairs": solver.cohorts.pairs.num_pairs,
            "columns": program.num_columns,
            "rows": program.num_rows,
            "nonzeros": int(sum(len(b.indices) for b in program.blocks)),
        },
    }


PEERS: dict[str, Callable[[Path, float, Path], PeerResult]] = {
    "project": run_project,
    "lottery": run_lottery,
    "highs": run_highs,
    "highs-cohorts": run_highs_cohorts,
    "lp": run_lp,
}
"""Every peer by name, in the order a run takes them."""
