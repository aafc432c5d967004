"""The peers a benchmark run compares, each solving the same instance with levels 1-3.

- `project`: read the workbook, solve, write the allocation (what `placement solve` does);
- `lottery`: students in random order take their best wish with room left
  (`placement.lottery`, what coordinators do by hand today);
- `highs`: the very same integer program (`solver.model.PlacementModel`) solved
  lexicographically as a MILP by HiGHS, each level's result kept as a row for
  the next, all levels sharing the one time limit;
- `lp`: the LP relaxation of each level (HiGHS), lexicographic: a bound on what
  any allocation can reach on a level, given the earlier levels at their
  (integer-rounded) LP bounds.

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
from solver.model import PlacementModel
from solver.objectives import Level
from solver.run import finish_by

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
def run_project(workbook: Path, time_limit: float, output: Path) -> PeerResult:
    """`placement solve`: read the workbook, solve levels 1-3, write the allocation; all timed."""
    started = time.monotonic()
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


def _highs(built: PlacementModel, integral: bool) -> Any:
    """The program as a HiGHS model (rows from `IntegerProgram.csr()`), with no objective yet."""
    import highspy  # noqa: PLC0415 - a benchmark-only dependency

    program = built.program
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
    """Levels 1-3 solved in turn by HiGHS, each level's result kept as a row for the next."""

    def __init__(self, instance: Instance, time_limit: float, integral: bool) -> None:
        self.started = time.monotonic()
        self.time_limit = time_limit
        self.integral = integral
        self.built = PlacementModel(instance, Options(time_limit=time_limit, max_levels=3))
        self.h = _highs(self.built, integral)
        self.values: dict[str, float | None] = {}
        self.bounds: dict[str, float | None] = {}
        self.status: dict[str, str] = {}
        self.x: FloatArray | None = None

    def solve(self) -> None:
        """Optimise every level; a level that finds nothing in time keeps the previous solution."""
        levels = self.built.levels
        for position, level in enumerate(levels):
            remaining = self.time_limit - (time.monotonic() - self.started)
            if remaining <= 0.5:
                self.status[level.name] = "not solved (no time left)"
                self._keep(level)
                continue
            self._solve_level(level, remaining / (len(levels) - position))

    def _solve_level(self, level: Level, budget: float) -> None:
        h = self.h
        num_columns = self.built.program.num_columns
        sign = -1.0 if level.sense == "max" else 1.0
        cost = np.zeros(num_columns)
        np.add.at(cost, level.objective.columns, sign * level.objective.coefficients)
        h.changeColsCost(num_columns, np.arange(num_columns, dtype=np.int32), cost)
        h.setOptionValue("time_limit", float(budget))
        if self.integral and self.x is not None:
            self._warm_start(self.x)
        h.run()
        info = h.getInfo()
        self.status[level.name] = h.modelStatusToString(h.getModelStatus())
        if info.primal_solution_status == 2:  # a feasible solution
            self.x = np.array(h.getSolution().col_value)
        if self.integral:
            has_bound = math.isfinite(info.mip_dual_bound)
            self.bounds[level.name] = (
                _whole(sign * info.mip_dual_bound, level) if has_bound else None
            )
        elif self.x is not None and self.status[level.name] == "Optimal":
            self.bounds[level.name] = _whole(level.objective.value(self.x), level)
        self._keep(level)

    def _warm_start(self, x: FloatArray) -> None:
        import highspy  # noqa: PLC0415

        start = highspy.HighsSolution()
        start.col_value = list(np.round(x))
        start.value_valid = True
        self.h.setSolution(start)

    def _keep(self, level: Level) -> None:
        """Hold the level at its result: the MILP's value, or the LP's integer-rounded bound."""
        import highspy  # noqa: PLC0415

        if self.integral:
            if self.x is None:
                return
            kept = float(round(level.objective.value(self.x)))
        else:
            bound = self.bounds.get(level.name)
            if bound is None:
                return
            kept = bound
        self.values[level.name] = kept
        self.h.addRow(
            kept if level.sense == "max" else -highspy.kHighsInf,
            kept if level.sense == "min" else highspy.kHighsInf,
            len(level.objective.columns),
            level.objective.columns.astype(np.int32),
            level.objective.coefficients.astype(np.float64),
        )

    def allocation(self, instance: Instance) -> Allocation | None:
        """The last solution as an allocation (None if HiGHS found none)."""
        if self.x is None:
            return None
        built = self.built
        counts = np.round(self.x[: built.pairs.num_pairs]).astype(np.int64)
        placements = built.placements_from(counts)
        placed = {p.key for p in placements}
        unplaced = tuple(
            Unplaced(student_id=n.student_id, period_id=n.period_id, reason="-")
            for n in instance.needs
            if n.key not in placed
        )
        return Allocation(placements=placements, unplaced=unplaced)


def _whole(value: float, level: Level) -> float:
    """The best whole value a fractional bound allows (floor for max, ceil for min)."""
    if level.sense == "max":
        return float(math.floor(value + 1e-6))
    return float(math.ceil(value - 1e-6))


def run_highs(workbook: Path, time_limit: float, output: Path) -> PeerResult:
    """HiGHS MILP on the project's own program, lexicographic, within `time_limit` in all."""
    del output
    instance, _ = read_instance(workbook)
    started = time.monotonic()
    solver = Lexicographic(instance, time_limit, integral=True)
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


def run_lp(workbook: Path, time_limit: float, output: Path) -> PeerResult:
    """The LP relaxation of each level (HiGHS), lexicographic: bounds, not allocations."""
    del output
    instance, _ = read_instance(workbook)
    started = time.monotonic()
    solver = Lexicographic(instance, time_limit, integral=False)
    solver.solve()
    program = solver.built.program
    return {
        "values": {k: solver.bounds.get(k) for k in LEVELS},
        "bounds": {k: solver.bounds.get(k) for k in LEVELS},
        "status": solver.status,
        "seconds": time.monotonic() - started,
        "peak_mb": peak_mb(),
        "model": {
            "cohorts": len(solver.built.cohorts),
            "pairs": solver.built.pairs.num_pairs,
            "columns": program.num_columns,
            "rows": program.num_rows,
            "nonzeros": int(sum(len(b.indices) for b in program.blocks)),
        },
    }


PEERS: dict[str, Callable[[Path, float, Path], PeerResult]] = {
    "project": run_project,
    "lottery": run_lottery,
    "highs": run_highs,
    "lp": run_lp,
}
"""Every peer by name, in the order a run takes them."""
