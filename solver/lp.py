"""The LP relaxation of the integer program, solved by GLOP (OR-Tools' simplex).

For placement problems the relaxation is strong, and a simplex vertex is very
often integral: then it is an optimal solution of the integer program with a
proof (its value equals the bound). Where it is fractional, it still gives the
bound and a starting point that CP-SAT completes.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import scipy.sparse
from ortools.linear_solver.python import model_builder_helper as mbh

from solver.program import FloatArray, IntArray, IntegerProgram, Objective

INTEGRAL_TOLERANCE = 1e-6


@dataclass
class LpResult:
    """An LP solve: status, optimal value and solution (None unless OPTIMAL)."""

    status: str
    value: float | None
    x: FloatArray | None
    seconds: float

    @property
    def integral(self) -> bool:
        """True when every column is (numerically) a whole number."""
        return self.x is not None and bool(
            np.all(np.abs(self.x - np.round(self.x)) <= INTEGRAL_TOLERANCE)
        )


def solve_lp(
    program: IntegerProgram,
    objective: Objective,
    *,
    time_limit: float,
    solver_name: str = "glop",
    register: Callable[[Callable[[], object]], None] | None = None,
    bounds: tuple[IntArray, IntArray] | None = None,
) -> LpResult:
    """Solve the LP relaxation of `program` for one objective.

    `register` receives a function that interrupts the solve (for Ctrl-C);
    `bounds` replaces the columns' bounds (e.g. while diving).
    """
    started = time.monotonic()
    lower, upper = bounds if bounds is not None else program.column_bounds()
    indptr, indices, data, row_lower, row_upper = program.csr()
    matrix = scipy.sparse.csr_matrix(
        (data.astype(np.float64), indices, indptr), shape=(len(row_lower), program.num_columns)
    )
    costs = np.zeros(program.num_columns)
    np.add.at(costs, objective.columns, objective.coefficients.astype(np.float64))
    result = solve_lp_arrays(
        lower.astype(np.float64),
        upper.astype(np.float64),
        costs,
        row_lower,
        row_upper,
        matrix,
        maximize=objective.sense == "max",
        time_limit=time_limit,
        solver_name=solver_name,
        register=register,
    )
    return LpResult(result.status, result.value, result.x, time.monotonic() - started)


def solve_lp_arrays(
    lower: FloatArray,
    upper: FloatArray,
    costs: FloatArray,
    row_lower: FloatArray,
    row_upper: FloatArray,
    matrix: scipy.sparse.csr_matrix,
    *,
    maximize: bool,
    time_limit: float,
    solver_name: str = "glop",
    register: Callable[[Callable[[], object]], None] | None = None,
) -> LpResult:
    """Solve the LP `row_lower <= matrix.x <= row_upper`, `lower <= x <= upper`, for `costs`."""
    started = time.monotonic()
    model: Any = mbh.ModelBuilderHelper()  # its stubs reject the numpy arrays it takes
    model.fill_model_from_sparse_data(lower, upper, costs, row_lower, row_upper, matrix)
    model.set_maximize(maximize)
    solver = mbh.ModelSolverHelper(solver_name)
    solver.set_time_limit_in_seconds(max(time_limit, 0.05))
    if register is not None:
        register(solver.interrupt_solve)
    solver.solve(model)
    seconds = time.monotonic() - started
    status = solver.status()
    if status != mbh.SolveStatus.OPTIMAL:
        return LpResult(status.name, None, None, seconds)
    values = np.asarray(solver.variable_values(), dtype=np.float64)
    return LpResult("OPTIMAL", float(solver.objective_value()), values, seconds)
