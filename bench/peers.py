"""The peers a benchmark run compares, each solving the same instance with levels 1-3.

- `project`: read the workbook, solve, write the allocation (what `placement solve` does);
- `lottery`: students in random order take their best wish with room left;
- `highs`: the very same integer program (`solver.model.PlacementModel`) solved
  lexicographically as a MILP by HiGHS, each level's optimum kept for the next;
- `lp`: the LP relaxation of each level (HiGHS), lexicographic: a bound on what
  any allocation can reach on that level given the levels before.

Every peer's level values are recomputed by the independent checker from its
placements (the LP has none: its values are the bounds).
"""

from __future__ import annotations

import math
import resource
import time
from pathlib import Path
from typing import Any

import numpy as np

from placement.allocation import Allocation
from placement.check import check
from placement.instance import Instance
from placement.io.read import read_instance
from placement.io.write_allocation import write_allocation
from placement.lottery import lottery
from placement.options import Options
from solver import solve
from solver.model import PlacementModel

LEVELS = ["placements", "shortfall", "wish_cost"]


def peak_mb() -> float:
    """Peak resident memory of this process, in MB."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _levels(instance: Instance, allocation: Allocation, options: Options) -> dict[str, float]:
    report = check(instance, allocation, options)
    if not report.ok:
        raise AssertionError(f"broken rules: {report.violations[:3]}")
    return {name: report.levels[name] for name in LEVELS}


def run_project(workbook: Path, time_limit: float, output: Path) -> dict[str, Any]:
    started = time.monotonic()
    instance, _ = read_instance(workbook)
    options = Options(time_limit=time_limit, max_levels=3)
    allocation = solve(instance, options)
    write_allocation(instance, allocation, output, options=options, force=True)
    seconds = time.monotonic() - started
    assert allocation.run is not None
    return {
        "values": _levels(instance, allocation, options),
        "bounds": {lv.name: lv.bound for lv in allocation.run.levels},
        "status": {lv.name: lv.status for lv in allocation.run.levels},
        "seconds": seconds,
        "peak_mb": peak_mb(),
    }


def run_lottery(workbook: Path, time_limit: float, output: Path) -> dict[str, Any]:
    del time_limit, output
    instance, _ = read_instance(workbook)
    started = time.monotonic()
    allocation = lottery(instance, 0)
    seconds = time.monotonic() - started
    return {
        "values": _levels(instance, allocation, Options()),
        "bounds": {},
        "status": dict.fromkeys(LEVELS, "-"),
        "seconds": seconds,
        "peak_mb": peak_mb(),
    }


def _highs_model(built: PlacementModel, integral: bool) -> Any:
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
    h.passModel(lp)
    return h


def _lexicographic(
    instance: Instance, time_limit: float, integral: bool
) -> tuple[dict[str, float | None], dict[str, float | None], dict[str, str], np.ndarray | None]:
    """Solve levels 1-3 in turn with HiGHS; returns values, bounds, statuses, last x."""
    import highspy  # noqa: PLC0415

    options = Options(time_limit=time_limit, max_levels=3)
    built = PlacementModel(instance, options)
    h = _highs_model(built, integral)
    started = time.monotonic()
    values: dict[str, float | None] = {}
    bounds: dict[str, float | None] = {}
    status: dict[str, str] = {}
    x = None
    num_columns = built.program.num_columns
    for position, level in enumerate(built.levels):
        remaining = time_limit - (time.monotonic() - started)
        if remaining <= 0:
            status[level.name] = "NOT_SOLVED"
            continue
        h.setOptionValue("time_limit", remaining / (len(built.levels) - position))
        cost = np.zeros(num_columns)
        sign = -1.0 if level.sense == "max" else 1.0
        cost[level.objective.columns] = sign * level.objective.coefficients
        h.changeColsCost(num_columns, np.arange(num_columns, dtype=np.int32), cost)
        h.run()
        model_status = h.getModelStatus()
        info = h.getInfo()
        solution = h.getSolution()
        has_solution = info.primal_solution_status == 2  # feasible
        status[level.name] = h.modelStatusToString(model_status)
        if not has_solution:
            continue
        x = np.array(solution.col_value)
        value = float(np.dot(level.objective.coefficients, x[level.objective.columns]))
        values[level.name] = value
        bounds[level.name] = sign * info.mip_dual_bound if integral else value
        kept = round(value) if integral else value
        row_lower = kept - 1e-6 if level.sense == "max" else -highspy.kHighsInf
        row_upper = kept + 1e-6 if level.sense == "min" else highspy.kHighsInf
        h.addRow(
            row_lower,
            row_upper,
            len(level.objective.columns),
            level.objective.columns.astype(np.int32),
            level.objective.coefficients.astype(np.float64),
        )
    return values, bounds, status, x


def run_highs(workbook: Path, time_limit: float, output: Path) -> dict[str, Any]:
    del output
    instance, _ = read_instance(workbook)
    started = time.monotonic()
    values, bounds, status, x = _lexicographic(instance, time_limit, integral=True)
    seconds = time.monotonic() - started
    checked: dict[str, float | None] = dict.fromkeys(LEVELS)
    if x is not None:
        built = PlacementModel(instance, Options(max_levels=3))
        counts = np.round(x[: built.pairs.num_pairs]).astype(np.int64)
        placements = built.placements_from(counts)
        placed = {p.key for p in placements}
        from placement.allocation import Unplaced  # noqa: PLC0415

        allocation = Allocation(
            placements=placements,
            unplaced=tuple(
                Unplaced(student_id=n.student_id, period_id=n.period_id, reason="-")
                for n in instance.needs
                if n.key not in placed
            ),
        )
        checked.update(_levels(instance, allocation, Options()))
    return {
        "values": {k: checked[k] if k in values else None for k in LEVELS},
        "bounds": {
            k: (math.floor(v + 1e-6) if k == "placements" else math.ceil(v - 1e-6))
            if v is not None
            else None
            for k, v in bounds.items()
        },
        "status": status,
        "seconds": seconds,
        "peak_mb": peak_mb(),
    }


def run_lp(workbook: Path, time_limit: float, output: Path) -> dict[str, Any]:
    del output
    instance, _ = read_instance(workbook)
    started = time.monotonic()
    values, _, status, _ = _lexicographic(instance, time_limit, integral=False)
    return {
        "values": {k: values.get(k) for k in LEVELS},
        "bounds": {k: values.get(k) for k in LEVELS},
        "status": status,
        "seconds": time.monotonic() - started,
        "peak_mb": peak_mb(),
    }


PEERS = {
    "project": run_project,
    "lottery": run_lottery,
    "highs": run_highs,
    "lp": run_lp,
}
