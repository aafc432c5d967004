"""The integer program as a CP-SAT model, filled straight into the model proto.

Filling the proto from arrays is several times faster than building Python
expression objects, which matters at national scale (a million columns).
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import scipy.sparse
from ortools.sat.python import cp_model

from solver.program import FloatArray, IntArray, IntegerProgram, Objective, RowBlock

INT_MIN = -(2**62)
INT_MAX = 2**62

STATUS_NAMES = {
    cp_model.OPTIMAL: "OPTIMAL",
    cp_model.FEASIBLE: "FEASIBLE",
    cp_model.INFEASIBLE: "INFEASIBLE",
    cp_model.MODEL_INVALID: "MODEL_INVALID",
    cp_model.UNKNOWN: "UNKNOWN",
}

ProgressFn = Callable[[float, float], None]
"""Called as (best value, best bound) whenever CP-SAT finds a better solution."""


@dataclass
class CpSatResult:
    """One CP-SAT solve: status, solution (None if none found), value and proven bound."""

    status: str
    x: IntArray | None
    value: float | None
    bound: float | None
    seconds: float


class CpSatBackend:
    """Keeps a CP-SAT model in step with an integer program (rows may be added later)."""

    def __init__(
        self, program: IntegerProgram, *, workers: int, seed: int, deterministic: bool
    ) -> None:
        self.program = program
        self.model = cp_model.CpModel()
        self.workers, self.seed, self.deterministic = workers, seed, deterministic
        self._synced_blocks = 0
        self._synced_columns = 0
        self._running: set[cp_model.CpSolver] = set()  # parts may be solved side by side
        self._lock = threading.Lock()
        self._stopped = False
        self._matrix: scipy.sparse.csc_matrix | None = None
        self._matrix_rows = -1
        self._row_bounds: tuple[FloatArray, FloatArray] = (np.zeros(0), np.zeros(0))
        self._matrix_lock = threading.Lock()

    def sync(self) -> None:
        """Add columns and rows the program gained since the last sync."""
        proto = self.model.proto
        lower, upper = self.program.column_bounds()
        for lo, hi in zip(
            lower[self._synced_columns :].tolist(),
            upper[self._synced_columns :].tolist(),
            strict=True,
        ):
            proto.variables.add().domain.extend([lo, hi])
        self._synced_columns = len(lower)
        for block in self.program.blocks[self._synced_blocks :]:
            self._add_block(block)
        self._synced_blocks = len(self.program.blocks)

    def _add_block(self, block: RowBlock) -> None:
        constraints = self.model.proto.constraints
        indptr = block.indptr.tolist()
        indices = block.indices.tolist()
        data = block.data.tolist()
        for r in range(block.num_rows):
            linear = constraints.add().linear
            a, b = indptr[r], indptr[r + 1]
            linear.vars.extend(indices[a:b])
            linear.coeffs.extend(data[a:b])
            linear.domain.extend([_bound(block.lower[r], INT_MIN), _bound(block.upper[r], INT_MAX)])

    def solve_neighbourhood(
        self,
        objective: Objective,
        free: IntArray,
        start: IntArray,
        *,
        time_limit: float,
        bound: float | None = None,
        improving: bool = False,
        start_activity: FloatArray | None = None,
        start_value: float | None = None,
    ) -> CpSatResult:
        """Optimise over the `free` columns only, every other column held at `start`.

        The neighbourhood is built as a model of its own (rows restricted to the free
        columns, their bounds less what the held columns use), so a few thousand free
        columns of a national program solve in a fraction of a second instead of
        waiting on presolve of the whole. `start` need not be feasible on the free
        columns but must be on the held ones; the result is a full column vector.
        With `improving` (`start` feasible), only strictly better solutions are looked
        for: no hint to follow first, INFEASIBLE when there is none. `start_activity`
        (every row's value at a feasible `start`) saves a product with the whole matrix,
        and `start_value` (the objective's value there) a product with the objective.
        """
        started = time.monotonic()
        matrix, row_lower, row_upper = self.rows()
        lower, upper = self.program.column_bounds()
        held = start.copy()
        held[free] = 0
        columns = matrix[:, free]
        part = columns.tocsr()
        rows = np.flatnonzero(np.diff(part.indptr) > 0)
        if start_activity is not None:
            rest = start_activity - columns @ start[free].astype(np.float64)
        else:
            rest = matrix @ held.astype(np.float64)
            idle = np.ones(len(row_lower), dtype=bool)
            idle[rows] = False
            if np.any(idle & ((rest < row_lower - 1e-9) | (rest > row_upper + 1e-9))):
                return CpSatResult("INFEASIBLE", None, None, None, time.monotonic() - started)
        model = cp_model.CpModel()
        proto = model.proto
        for lo, hi in zip(lower[free].tolist(), upper[free].tolist(), strict=True):
            proto.variables.add().domain.extend([lo, hi])
        used = part[rows]  # the rows the part has columns in, a few of the program's
        indptr, indices = used.indptr.tolist(), used.indices.tolist()
        data = used.data.astype(np.int64).tolist()
        rest_used = rest[rows]
        lows, highs = row_lower[rows], row_upper[rows]
        lows = np.where(np.isinf(lows), INT_MIN, np.ceil(lows - rest_used - 1e-9))
        highs = np.where(np.isinf(highs), INT_MAX, np.floor(highs - rest_used + 1e-9))
        row_lows = lows.astype(np.int64).tolist()
        row_highs = highs.astype(np.int64).tolist()
        for r, (lo_r, hi_r) in enumerate(zip(row_lows, row_highs, strict=True)):
            linear = proto.constraints.add().linear
            a, b = indptr[r], indptr[r + 1]
            linear.vars.extend(indices[a:b])
            linear.coeffs.extend(data[a:b])
            linear.domain.extend([lo_r, hi_r])
        position = np.full(self.program.num_columns, -1, dtype=np.int64)
        position[free] = np.arange(len(free))
        local = position[objective.columns]
        inside = local >= 0
        if start_value is None:
            start_value = objective.value(start)
        offset = start_value - float(
            np.dot(objective.coefficients[inside], start[objective.columns[inside]])
        )
        sign = -1 if objective.sense == "max" else 1
        proto.objective.vars.extend(local[inside].tolist())
        proto.objective.coeffs.extend((sign * objective.coefficients[inside]).tolist())
        proto.objective.scaling_factor = float(sign)
        proto.objective.offset = sign * offset
        lowest = INT_MIN if bound is None else math.ceil(sign * (bound - offset) - 1e-6)
        if improving:
            now = int(
                np.dot(sign * objective.coefficients[inside], start[objective.columns[inside]])
            )
            proto.objective.domain.extend([lowest, now - 1])
        else:
            if bound is not None:
                proto.objective.domain.extend([lowest, INT_MAX])
            proto.solution_hint.vars.extend(range(len(free)))
            proto.solution_hint.values.extend(
                np.clip(start[free], lower[free], upper[free]).tolist()
            )
        solver = cp_model.CpSolver()
        params = solver.parameters
        params.max_time_in_seconds = max(time_limit - (time.monotonic() - started), 0.05)
        params.catch_sigint_signal = False
        # One worker with the LP at full strength: measured on regional parts, it solves
        # them where two or eight workers at the default level time out.
        params.num_workers = 1
        params.linearization_level = 2
        # Presolve would expand the tight supervisor rows into tens of thousands of
        # clauses and take seconds; the part is small and the LP does the work instead.
        params.cp_model_presolve = False
        # All rows in the LP from the start: added lazily, the part's LP bound starts far
        # below GLOP's and climbs for seconds (measured: parts 2-3 times faster).
        params.add_lp_constraints_lazily = False
        params.cp_model_probing_level = 0
        params.symmetry_level = 0
        params.random_seed = self.seed
        with self._lock:
            if self._stopped:
                return CpSatResult("NOT_SOLVED", None, None, None, 0.0)
            self._running.add(solver)
        status = solver.solve(model)
        with self._lock:
            self._running.discard(solver)
        seconds = time.monotonic() - started
        name = STATUS_NAMES.get(status, str(status))
        if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
            return CpSatResult(name, None, None, None, seconds)
        x = held
        x[free] = np.array(solver.response_proto.solution, dtype=np.int64)
        return CpSatResult(
            name, x, float(solver.objective_value), float(solver.best_objective_bound), seconds
        )

    def rows(self) -> tuple[scipy.sparse.csc_matrix, FloatArray, FloatArray]:
        """The program's rows as a column-sliceable matrix, and their lower and upper bounds
        (rebuilt when rows were added)."""
        with self._matrix_lock:
            matrix = self._build_matrix()
            return matrix, self._row_bounds[0], self._row_bounds[1]

    def _build_matrix(self) -> scipy.sparse.csc_matrix:
        if self._matrix is None or self._matrix_rows != self.program.num_rows:
            indptr, indices, data, row_lower, row_upper = self.program.csr()
            self._matrix = scipy.sparse.csr_matrix(
                (data.astype(np.float64), indices, indptr),
                shape=(len(row_lower), self.program.num_columns),
            ).tocsc()
            self._row_bounds = (row_lower, row_upper)
            self._matrix_rows = self.program.num_rows
        return self._matrix

    def stop(self) -> None:
        """Stop the running solve (from another thread or a signal handler)."""
        with self._lock:
            self._stopped = True
            for solver in self._running:
                solver.stop_search()

    def solve(
        self,
        objective: Objective,
        *,
        time_limit: float,
        hint: IntArray | None = None,
        bound: float | None = None,
        progress: ProgressFn | None = None,
    ) -> CpSatResult:
        """Optimise one objective over the whole program; `bound` (e.g. the LP's) ends it early."""
        self.sync()
        return self._solve(objective, time_limit, hint, bound, progress)

    def _solve(
        self,
        objective: Objective,
        time_limit: float,
        hint: IntArray | None,
        bound: float | None,
        progress: ProgressFn | None,
    ) -> CpSatResult:
        proto = self.model.proto
        proto.clear_objective()
        sign = -1 if objective.sense == "max" else 1
        proto.objective.vars.extend(objective.columns.tolist())
        proto.objective.coeffs.extend((sign * objective.coefficients).tolist())
        proto.objective.scaling_factor = float(sign)
        if bound is not None:  # objective domain: never better than the proven bound
            limit = sign * bound
            proto.objective.domain.extend([math.ceil(limit - 1e-6), INT_MAX])
        proto.clear_solution_hint()
        if hint is not None:
            proto.solution_hint.vars.extend(range(len(hint)))
            proto.solution_hint.values.extend(hint.tolist())
        solver = cp_model.CpSolver()
        params = solver.parameters
        params.max_time_in_seconds = max(time_limit, 0.05)
        # Ctrl-C belongs to the program (which stops and keeps the best allocation), not to
        # OR-Tools, whose own handler resets SIGINT after each solve.
        params.catch_sigint_signal = False
        params.num_workers = self.workers
        params.random_seed = self.seed
        if self.deterministic and params.num_workers > 1:
            params.interleave_search = True
        with self._lock:
            if self._stopped:
                return CpSatResult("NOT_SOLVED", None, None, None, 0.0)
            self._running.add(solver)
        started = time.monotonic()
        callback = _Progress(progress) if progress is not None else None
        status = solver.solve(self.model, callback)
        with self._lock:
            self._running.discard(solver)
        seconds = time.monotonic() - started
        name = STATUS_NAMES.get(status, str(status))
        if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
            return CpSatResult(name, None, None, None, seconds)
        x = np.array(solver.response_proto.solution, dtype=np.int64)
        return CpSatResult(
            name, x, float(solver.objective_value), float(solver.best_objective_bound), seconds
        )


class _Progress(cp_model.CpSolverSolutionCallback):
    def __init__(self, report: ProgressFn) -> None:
        super().__init__()
        self.report = report

    def on_solution_callback(self) -> None:
        self.report(self.objective_value, self.best_objective_bound)


def _bound(value: float, default: int) -> int:
    if math.isinf(value):
        return default
    return math.floor(value) if default == INT_MAX else math.ceil(value)
