"""A guide for a wish level whose LP is too big to solve in time: the LP block by block.

The national wish LP takes GLOP far longer than the run has (about 118,000 class
pairs; it grows with the square), so the wish level used to search with no LP at
all: no parts around the students the LP places elsewhere, no ties broken towards
it. Here the wards are cut into blocks that few students cross (`ward_blocks`:
nationally, about the health regions), every column is given to a block, and each
block's LP is solved on its own with the rest held where an allocation has it.

A row that spans blocks is shared out: each block may move its part of the row
from where the allocation has it by its share of the row's slack only
(`shared_out`), so the blocks' solutions around one allocation together keep
every row: a solution of the whole LP at a wish cost at most the allocation's.
It bounds nothing (the rows shared out are tighter than the whole LP's), so it
only guides the search. The blocks are solved in turn, round after round, each
around the search's solution of the moment (`BlockGuide.follow`).

Measured on the national benchmark (two cores): five blocks of 10,000-150,000
columns, 0.1-49 s each, a round in about 120 s; with the guide the wish level
ended at 34,461 and 34,626 against 35,297-35,723 without it.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import scipy.sparse

from solver.lp import LpResult, solve_lp_arrays
from solver.model import PlacementModel
from solver.program import FloatArray, IntArray
from solver.wishes import WishRelaxation

log = logging.getLogger(__name__)

MAX_BLOCK_PAIRS = 32_000
"""The largest block, in class pairs: its LP takes about as long as regional's whole one
twice over (GLOP time grows with the square of the pairs)."""

WIDE_ROW = 1000
"""Rows with more columns than this (a level held at its value) do not decide which block
a column belongs to."""


def ward_blocks(classes: PlacementModel, max_pairs: int = MAX_BLOCK_PAIRS) -> IntArray:
    """A block for every ward: trusts (or sites, where no trust is given or the trust is
    bigger than a block) joined into blocks of at most `max_pairs` class pairs, those
    that share the most students first.

    Two trusts share a class's rows where the class may go to both: the more rows they
    share, the more a cut between them would hold still. Nationally this finds the
    health regions, which only a university's students to one trust next door cross.
    """
    instance, pairs = classes.instance, classes.pairs
    site_of = {w.ward_id: w.site_id for w in instance.wards}
    site_ward = [site_of[w] for w in pairs.ward_ids]
    trust = {s.site_id: s.organisation or s.site_id for s in instance.sites}
    trust_pairs: dict[str, int] = {}
    for ward, count in enumerate(np.bincount(pairs.ward, minlength=len(site_ward)).tolist()):
        name = trust[site_ward[ward]]
        trust_pairs[name] = trust_pairs.get(name, 0) + count
    # a trust bigger than a block is cut into its sites
    atom_of_site = {
        site: ("trust", name) if trust_pairs.get(name, 0) <= max_pairs else ("site", site)
        for site, name in trust.items()
    }
    atom_names = sorted({atom_of_site[site] for site in site_ward})
    atom_index = {name: i for i, name in enumerate(atom_names)}
    ward_atom = np.array([atom_index[atom_of_site[site]] for site in site_ward], dtype=np.int64)
    num_atoms = len(atom_names)
    pair_atom = ward_atom[pairs.ward]
    size = np.bincount(pair_atom, minlength=num_atoms).astype(np.int64)
    # rows of each class at each atom: shared[a, b] = rows of classes that may go to both
    sizes = pairs.cohort_size
    member = scipy.sparse.csr_matrix(
        (np.ones(len(pair_atom)), (pairs.cohort, pair_atom)),
        shape=(len(classes.cohorts), num_atoms),
    )
    member.data[:] = 1.0  # one per (class, atom), however many wards
    weighted = scipy.sparse.diags(sizes.astype(np.float64)) @ member
    shared = (member.T @ weighted).tocoo()
    links = [
        (float(w), int(a), int(b))
        for w, a, b in zip(shared.data, shared.row, shared.col, strict=True)
        if a < b
    ]
    links.sort(key=lambda link: (-link[0], link[1], link[2]))
    parent = list(range(num_atoms))
    block_size = size.tolist()

    def root(a: int) -> int:
        while parent[a] != a:
            parent[a] = parent[parent[a]]
            a = parent[a]
        return a

    for _, a, b in links:
        ra, rb = root(a), root(b)
        if ra != rb and block_size[ra] + block_size[rb] <= max_pairs:
            parent[rb] = ra
            block_size[ra] += block_size[rb]
    roots = np.array([root(a) for a in range(num_atoms)], dtype=np.int64)
    _, block_of_atom = np.unique(roots, return_inverse=True)
    return block_of_atom.astype(np.int64)[ward_atom]


@dataclass
class Block:
    """One block's LP: its columns, the rows it touches, and those rows' matrix."""

    columns: IntArray
    rows: IntArray
    matrix: scipy.sparse.csr_matrix


def blocks_of(
    matrix: scipy.sparse.csr_matrix, column_block: IntArray
) -> tuple[list[Block], IntArray]:
    """Each block's columns and rows, and for every row how many blocks it touches."""
    num_blocks = int(column_block.max()) + 1 if len(column_block) else 0
    one_hot = scipy.sparse.csc_matrix(
        (np.ones(len(column_block)), (np.arange(len(column_block)), column_block)),
        shape=(len(column_block), num_blocks),
    )
    pattern = matrix.copy()
    pattern.data = np.ones_like(pattern.data, dtype=np.float64)
    touched = (pattern @ one_hot).tocsc()
    touched.data = np.ones_like(touched.data)
    num_touching = np.asarray(touched.sum(axis=1)).ravel().astype(np.int64)
    blocks = []
    for block in range(num_blocks):
        rows = touched.indices[touched.indptr[block] : touched.indptr[block + 1]].astype(np.int64)
        columns = np.flatnonzero(column_block == block).astype(np.int64)
        blocks.append(Block(columns, rows, matrix[rows][:, columns].tocsr()))
    return blocks, num_touching


def shared_out(
    block: Block,
    activity: FloatArray,
    row_lower: FloatArray,
    row_upper: FloatArray,
    num_touching: IntArray,
    start: FloatArray,
) -> tuple[FloatArray, FloatArray]:
    """The bounds of a block's rows, a row shared with other blocks shared out around `start`.

    A row `L <= a.x <= U` that `start` meets at `activity` s, of which the block has
    `s_b`, becomes `s_b - (s - L)/n <= a_b.x_b <= s_b + (U - s)/n` (n: the blocks it
    touches). The blocks' rows add up to at most the row's slack on either side, so
    solutions of every block around the same start together keep the row; and
    `start` keeps every block's rows. A row in this block alone keeps its bounds.
    """
    rows = block.rows
    part = block.matrix @ start[block.columns]
    touching = np.maximum(num_touching[rows], 1)
    single = touching == 1
    with np.errstate(invalid="ignore"):  # infinite bounds stay infinite
        lower_slack = np.maximum(activity[rows] - row_lower[rows], 0.0) / touching
        upper_slack = np.maximum(row_upper[rows] - activity[rows], 0.0) / touching
    lower = np.where(single, row_lower[rows], part - lower_slack)
    upper = np.where(single, row_upper[rows], part + upper_slack)
    return lower, upper


class BlockGuide:
    """The wish LP solved block by block around an allocation (see the module docstring)."""

    def __init__(
        self,
        wishes: WishRelaxation,
        name: str,
        start: IntArray,
        ward_block: IntArray | None = None,
    ) -> None:
        """`start`: a solution of the cohort model, at the levels the relaxation holds;
        `ward_block`: each ward's block (default: `ward_blocks`)."""
        self.wishes = wishes
        self.objective = wishes.objective(name)
        program = wishes.program
        indptr, indices, data, self.row_lower, self.row_upper = program.csr()
        self.matrix = scipy.sparse.csr_matrix(
            (data.astype(np.float64), indices, indptr),
            shape=(len(self.row_lower), program.num_columns),
        )
        self.start = self._relaxed(start)
        self.x = self.start.copy()
        self.costs = np.zeros(program.num_columns)
        np.add.at(
            self.costs, self.objective.columns, self.objective.coefficients.astype(np.float64)
        )
        if ward_block is None:
            ward_block = ward_blocks(wishes.classes)
        self.column_block = self._column_blocks(ward_block)
        self.blocks, self.num_touching = blocks_of(self.matrix, self.column_block)
        self.num_blocks = len(self.blocks)
        self.seconds = 0.0

    def _relaxed(self, x: IntArray) -> FloatArray:
        """A cohort solution in the relaxation's columns; ValueError if it breaks a row."""
        relaxed = self.wishes.of_cohorts(x).astype(np.float64)
        activity = self.matrix @ relaxed
        if np.any(activity < self.row_lower - 1e-6) or np.any(activity > self.row_upper + 1e-6):
            raise ValueError("the allocation breaks a row of the relaxation")
        return relaxed

    def _column_blocks(self, ward_block: IntArray) -> IntArray:
        """The block of every column: a pair's is its ward's; another's, the block most of
        the pairs in its narrow rows belong to."""
        wishes = self.wishes
        block = np.full(wishes.program.num_columns, -1, dtype=np.int64)
        class_pairs = wishes.classes.pairs
        block[: class_pairs.num_pairs] = ward_block[class_pairs.ward]
        block[wishes.x] = ward_block[wishes.cohorts.pairs.ward[wishes.wished]]
        unknown = np.flatnonzero(block < 0)
        if len(unknown):
            known = np.flatnonzero(block >= 0)
            lengths = np.diff(self.matrix.indptr)
            narrow = self.matrix[np.flatnonzero(lengths <= WIDE_ROW)]
            narrow.data = np.ones_like(narrow.data)
            one_hot = scipy.sparse.csc_matrix(
                (np.ones(len(known)), (known, block[known])),
                shape=(len(block), int(ward_block.max()) + 1),
            )
            votes = (narrow[:, unknown].T @ (narrow @ one_hot)).toarray()
            block[unknown] = np.where(votes.max(axis=1) > 0, votes.argmax(axis=1), 0)
        return block

    def value(self) -> float:
        """The guide's wish cost."""
        return float(self.costs @ self.x)

    def solve_block(
        self,
        index: int,
        around: FloatArray,
        deadline: float,
        register: Callable[[Callable[[], object]], None] | None = None,
    ) -> bool:
        """Block `index`'s LP, the rest held at `around` (in the relaxation's columns); its
        columns of the guide replaced by the solution. False if it found none in time."""
        block = self.blocks[index]
        lower, upper = self.wishes.program.column_bounds()
        row_lower, row_upper = shared_out(
            block,
            self.matrix @ around,
            self.row_lower,
            self.row_upper,
            self.num_touching,
            around,
        )
        result = solve_lp_arrays(
            lower[block.columns].astype(np.float64),
            upper[block.columns].astype(np.float64),
            self.costs[block.columns],
            row_lower,
            row_upper,
            block.matrix,
            maximize=False,
            time_limit=deadline - time.monotonic(),
            register=register,
        )
        self.seconds += result.seconds
        log.debug(
            "guide block %d of %d columns, %d rows: %s in %.1f s",
            index,
            len(block.columns),
            len(block.rows),
            result.status,
            result.seconds,
        )
        if result.x is None:
            return False
        self.x[block.columns] = result.x
        return True

    def solve(
        self,
        deadline: float,
        *,
        stopped: Callable[[], bool],
        register: Callable[[Callable[[], object]], None] | None = None,
    ) -> int:
        """Solve every block around the start in turn, until the deadline or `stopped()`;
        returns how many were solved. Together they keep every row of the relaxation."""
        solved = 0
        for index in range(self.num_blocks):
            if stopped() or time.monotonic() >= deadline:
                break
            solved += self.solve_block(index, self.start, deadline, register)
        return solved

    def follow(
        self,
        latest: Callable[[], IntArray],
        deadline: float,
        *,
        stopped: Callable[[], bool],
        updated: Callable[[], None],
        register: Callable[[Callable[[], object]], None] | None = None,
    ) -> int:
        """Solve the blocks in turn, round after round, each around the `latest()` cohort
        solution, calling `updated()` after each, until the deadline or `stopped()`;
        returns how many were solved.

        Each block then moves from where the search has its students by now, not from
        where the level started (nationally 81,000 at the start against 38,000 when the
        first round ends). Blocks solved around different solutions need not keep every
        shared row together: the guide guides, it bounds nothing.
        """
        solved = 0
        index = 0
        while not stopped() and time.monotonic() < deadline:
            try:
                around = self._relaxed(latest())
            except ValueError:  # it should not happen; the start still maps
                around = self.start
            if self.solve_block(index, around, deadline, register):
                solved += 1
                updated()
            index = (index + 1) % self.num_blocks
        return solved

    def result(self) -> LpResult:
        """The guide as a (fractional) cohort solution; its value is its wish cost."""
        return LpResult("GUIDE", self.value(), self.wishes.to_cohorts(self.x), self.seconds)
