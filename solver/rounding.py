"""From a fractional LP solution to a feasible integer one: round down, then fill greedily.

Every row of the placement program is a packing row (`a.x <= b`, a >= 0) or a
row whose lower bound is met by helper columns, so rounding the pair columns
down keeps them feasible; the greedy fill then adds back what fits, those the
LP wanted most first.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import scipy.sparse

from solver.program import FloatArray, IntArray, IntegerProgram, Objective


def round_and_fill(
    program: IntegerProgram,
    num_pairs: int,
    lp_x: FloatArray,
    objective: Objective,
    complete: Callable[[IntArray], IntArray],
) -> IntArray | None:
    """A feasible integer solution near `lp_x`, or None if rounding could not make one."""
    x = np.floor(lp_x[:num_pairs] + 1e-9).astype(np.int64)
    indptr, indices, data, _, row_upper = program.csr()
    matrix = scipy.sparse.csr_matrix(
        (data.astype(np.float64), indices, indptr), shape=(len(row_upper), program.num_columns)
    ).tocsc()
    full = complete(_padded(x, program.num_columns))
    activity = matrix @ full.astype(np.float64)
    _, column_upper = program.column_bounds()
    cost = np.zeros(program.num_columns)
    np.add.at(cost, objective.columns, objective.coefficients.astype(np.float64))
    if objective.sense == "max":
        cost = -cost
    fraction = lp_x[:num_pairs] - x
    candidates = np.lexsort((cost[:num_pairs], -fraction))
    candidates = candidates[fraction[candidates] > 1e-9]
    for column in candidates.tolist():
        start, end = matrix.indptr[column], matrix.indptr[column + 1]
        rows, coefs = matrix.indices[start:end], matrix.data[start:end]
        if x[column] + 1 > column_upper[column]:
            continue
        if np.all(activity[rows] + coefs <= row_upper[rows] + 1e-9):
            x[column] += 1
            activity[rows] += coefs
    solution = complete(_padded(x, program.num_columns))
    return solution if not program.violations(solution) else None


def _padded(x: IntArray, size: int) -> IntArray:
    full = np.zeros(size, dtype=np.int64)
    full[: len(x)] = x
    return full
