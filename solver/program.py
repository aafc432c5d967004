"""A solver-independent integer linear program in sparse arrays.

The placement model is built once as this program: integer columns with bounds,
linear rows `lower <= a.x <= upper` tagged by constraint family, and objective
levels as sparse vectors. Backends turn it into a CP-SAT model (`solver.cpsat`),
its LP relaxation for GLOP (`solver.lp`), or, in the benchmarks, a HiGHS model,
so every engine solves exactly the same problem.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt
import scipy.sparse

IntArray = npt.NDArray[np.int64]
FloatArray = npt.NDArray[np.float64]

INFINITY = float("inf")


@dataclass
class Objective:
    """One objective level: minimise or maximise `coefficients . x[columns]`."""

    name: str
    sense: str  # "max" or "min"
    columns: IntArray
    coefficients: IntArray

    def value(self, x: npt.NDArray[np.int64] | FloatArray) -> float:
        """The objective's value at a full column vector."""
        return float(np.dot(self.coefficients, x[self.columns]))


@dataclass
class RowBlock:
    """Rows of one constraint family, in CSR form over the program's columns."""

    family: str
    keys: list[object]  # what each row is about, e.g. (ward_id, profession, week)
    indptr: IntArray
    indices: IntArray
    data: IntArray
    lower: FloatArray
    upper: FloatArray
    _matrix: scipy.sparse.csr_matrix | None = field(
        default=None, init=False, repr=False, compare=False
    )  # built by `activity` on first use

    @property
    def num_rows(self) -> int:
        return len(self.keys)

    def activity(self, x: IntArray | FloatArray) -> FloatArray:
        """Each row's value `a.x` at a full column vector.

        The block's sparse matrix is built once: the search asks for the supervisor
        rows' activity at every accepted part (on national, 0.18 s each without it).
        """
        if self._matrix is None:  # a block never changes once added
            width = int(self.indices.max()) + 1 if len(self.indices) else 0
            self._matrix = scipy.sparse.csr_matrix(
                (self.data.astype(np.float64), self.indices, self.indptr),
                shape=(self.num_rows, width),
            )
        values = np.asarray(x[: self._matrix.shape[1]], dtype=np.float64)
        return np.asarray(self._matrix @ values, dtype=np.float64)


@dataclass
class IntegerProgram:
    """Columns (integer variables) with bounds, rows by family, and objective levels."""

    lower: list[IntArray] = field(default_factory=list)
    upper: list[IntArray] = field(default_factory=list)
    names: list[str] = field(default_factory=list)  # one name per column block
    blocks: list[RowBlock] = field(default_factory=list)
    objectives: list[Objective] = field(default_factory=list)
    _num_columns: int = 0
    _bounds: tuple[int, IntArray, IntArray] | None = field(
        default=None, init=False, repr=False, compare=False
    )  # (column blocks, lower, upper) of the last `column_bounds`

    # ---- columns ---------------------------------------------------------------------------
    def add_columns(self, name: str, lower: IntArray, upper: IntArray) -> IntArray:
        """Add a block of integer columns; returns their indices."""
        start = self._num_columns
        self.lower.append(np.asarray(lower, dtype=np.int64))
        self.upper.append(np.asarray(upper, dtype=np.int64))
        self.names.append(name)
        self._num_columns += len(lower)
        return np.arange(start, self._num_columns, dtype=np.int64)

    @property
    def num_columns(self) -> int:
        return self._num_columns

    def column_bounds(self) -> tuple[IntArray, IntArray]:
        """All columns' lower and upper bounds (read-only: kept until columns are added;
        a part of the neighbourhood search asks for them every time)."""
        if self._bounds is None or self._bounds[0] != len(self.lower):
            lower = np.concatenate(self.lower) if self.lower else np.zeros(0, dtype=np.int64)
            upper = np.concatenate(self.upper) if self.upper else np.zeros(0, dtype=np.int64)
            lower.flags.writeable = upper.flags.writeable = False
            self._bounds = (len(self.lower), lower, upper)
        return self._bounds[1], self._bounds[2]

    # ---- rows ------------------------------------------------------------------------------
    def add_rows(
        self,
        family: str,
        keys: Sequence[object],
        rows: Sequence[tuple[IntArray, IntArray]],
        lower: Sequence[float] | FloatArray | IntArray,
        upper: Sequence[float] | FloatArray | IntArray,
    ) -> RowBlock:
        """Add rows `lower <= sum(coef * x[col]) <= upper`, one (cols, coefs) pair per row."""
        lengths = np.fromiter((len(cols) for cols, _ in rows), dtype=np.int64, count=len(rows))
        indptr = np.concatenate(([0], np.cumsum(lengths))).astype(np.int64)
        indices = (
            np.concatenate([np.asarray(c, dtype=np.int64) for c, _ in rows])
            if rows
            else np.zeros(0, dtype=np.int64)
        )
        data = (
            np.concatenate([np.asarray(d, dtype=np.int64) for _, d in rows])
            if rows
            else np.zeros(0, dtype=np.int64)
        )
        block = RowBlock(
            family,
            list(keys),
            indptr,
            indices,
            data,
            np.asarray(lower, dtype=np.float64),
            np.asarray(upper, dtype=np.float64),
        )
        self.blocks.append(block)
        return block

    def add_row(
        self,
        family: str,
        key: object,
        columns: IntArray,
        coefficients: IntArray,
        lower: float = -INFINITY,
        upper: float = INFINITY,
    ) -> RowBlock:
        """Add a single row (e.g. a level's optimum kept for the next level)."""
        return self.add_rows(family, [key], [(columns, coefficients)], [lower], [upper])

    def family(self, name: str) -> list[RowBlock]:
        """Row blocks of one constraint family."""
        return [b for b in self.blocks if b.family == name]

    @property
    def num_rows(self) -> int:
        return sum(b.num_rows for b in self.blocks)

    def csr(self) -> tuple[IntArray, IntArray, IntArray, FloatArray, FloatArray]:
        """All rows stacked: (indptr, indices, data, lower, upper)."""
        if not self.blocks:
            empty = np.zeros(0, dtype=np.int64)
            return np.zeros(1, dtype=np.int64), empty, empty, np.zeros(0), np.zeros(0)
        offsets = np.cumsum([0] + [len(b.indices) for b in self.blocks[:-1]])
        indptr = np.concatenate(
            [self.blocks[0].indptr[:1]]
            + [b.indptr[1:] + off for b, off in zip(self.blocks, offsets, strict=True)]
        )
        return (
            indptr,
            np.concatenate([b.indices for b in self.blocks]),
            np.concatenate([b.data for b in self.blocks]),
            np.concatenate([b.lower for b in self.blocks]),
            np.concatenate([b.upper for b in self.blocks]),
        )

    def violations(self, x: IntArray, tolerance: float = 1e-9) -> list[tuple[str, object]]:
        """Rows (family, key) and column bounds that `x` breaks; empty when feasible."""
        broken: list[tuple[str, object]] = []
        lower, upper = self.column_bounds()
        for column in np.flatnonzero((x < lower) | (x > upper)):
            broken.append(("bounds", int(column)))
        for block in self.blocks:
            activity = block.activity(x)
            bad = np.flatnonzero(
                (activity < block.lower - tolerance) | (activity > block.upper + tolerance)
            )
            broken.extend((block.family, block.keys[i]) for i in bad)
        return broken
