"""A whole run: solve, explain the unplaced, record how it went, and re-check independently.

This is what `placement solve` and the Python API call. The allocation it
returns has passed the independent checker (`placement.check`); an allocation
that would not is never returned or written.
"""

from __future__ import annotations

import time
from datetime import UTC, datetime

from placement import __version__
from placement.allocation import Allocation, RunInfo, Unplaced
from placement.check import check
from placement.conflicts import lock_conflicts
from placement.eligibility import Eligibility
from placement.instance import Instance
from placement.options import Options, options_from_settings
from placement.reasons import ReasonFinder
from solver.solve import LexicographicSolver, ProgressFn, SolveResult


class InfeasibleError(Exception):
    """No allocation keeps every lock (hard rule 5); `reasons` say where they collide."""

    def __init__(self, reasons: list[str]) -> None:
        super().__init__("the locked placements cannot all hold: " + "; ".join(reasons))
        self.reasons = reasons


class CheckFailedError(RuntimeError):
    """The solver produced an allocation the independent checker rejects (a bug)."""


class NoSolutionError(Exception):
    """The time limit (or an interrupt) came before any allocation was found."""


def effective_options(instance: Instance, **overrides: object) -> Options:
    """Options from the workbook's Settings sheet, overridden by non-None `overrides`."""
    options, _ = options_from_settings(instance.settings)
    return options.merged(**overrides)


FINISH_SECONDS = 2.0
FINISH_SECONDS_PER_ROW = 0.001
"""What finishing a run takes after the solve (reasons for the unplaced, the independent
check, writing the workbook): measured 1.5-3.1 s for 3,700 rows (busy machine) and
23 s for 30,000 (the national benchmark ended 4 s late with 19 s reserved); this
reserves 5.7 s and 32 s (a regional command ran 0.4 s over with 1 s less)."""


def finish_by(started: float, time_limit: float, num_rows: int) -> float:
    """The instant the solve must end for a command started at `started` to end in time."""
    return started + time_limit - FINISH_SECONDS - FINISH_SECONDS_PER_ROW * num_rows


class PlacementRun:
    """One run of the optimiser on one instance; `stop()` ends it early, keeping the best."""

    def __init__(
        self,
        instance: Instance,
        options: Options,
        *,
        progress: ProgressFn | None = None,
        previous: Allocation | None = None,
        deadline: float | None = None,
    ) -> None:
        """`deadline` (a `time.monotonic()` instant) ends the solve early enough to finish by it."""
        self.instance = instance
        self.options = options
        self.previous = previous
        self.eligibility = Eligibility(instance, max_travel_km=options.max_travel_km)
        self.solver = LexicographicSolver(
            instance,
            options,
            progress=progress,
            eligibility=self.eligibility,
            previous=previous,
            deadline=deadline,
        )
        self.result: SolveResult | None = None

    def stop(self) -> None:
        """Stop solving now (e.g. Ctrl-C); the best allocation found so far is kept."""
        self.solver.stop()

    def run(self) -> Allocation:
        """Solve and return a checked allocation with reasons and run details.

        Raises InfeasibleError when the locks cannot all hold, NoSolutionError when no
        allocation was found in time, CheckFailedError if the checker finds a broken rule.
        """
        started_at = datetime.now(UTC).isoformat(timespec="seconds")
        clock = time.monotonic()
        result = self.result = self.solver.solve()
        if result.status == "INFEASIBLE":
            raise InfeasibleError(
                lock_conflicts(self.instance)
                or [
                    "the locks collide through agreement maximums or other rows; run "
                    "`placement explain` for the smallest set of conflicting requirements"
                ]
            )
        if result.placements is None:
            raise NoSolutionError(
                "no allocation was found before the time limit or interrupt; "
                "give it more time (--time-limit)"
            )
        finder = ReasonFinder(self.instance, self.eligibility, result.placements)
        placed = {p.key for p in result.placements}
        unplaced = tuple(
            Unplaced(student_id=n.student_id, period_id=n.period_id, reason=finder.reason(n))
            for n in self.instance.needs
            if n.key not in placed
        )
        allocation = Allocation(placements=result.placements, unplaced=unplaced)
        report = check(self.instance, allocation, self.options, self.previous)
        if not report.ok:
            raise CheckFailedError(
                "the independent checker rejected the solver's allocation (please report "
                "this): " + "; ".join(str(v) for v in report.violations[:5])
            )
        notes = list(result.notes)
        for level in result.levels:
            checked = report.levels.get(level.name)
            if level.value is not None and checked is not None and checked != level.value:
                notes.append(f"{level.name}: solver says {level.value:g}, checker {checked:g}")
        run = RunInfo(
            status=result.status,
            levels=tuple(result.levels),
            seconds=round(time.monotonic() - clock, 3),
            seed=self.options.seed,
            workers=self.options.num_workers,
            time_limit=self.options.time_limit,
            input_sha256=self.instance.source_sha256,
            input_name=self.instance.source_name,
            program_version=__version__,
            options={k: _text(v) for k, v in self.options.model_dump().items()},
            notes=tuple(notes),
            started=started_at,
        )
        return allocation.model_copy(update={"run": run})


def solve(
    instance: Instance,
    options: Options | None = None,
    *,
    progress: ProgressFn | None = None,
    previous: Allocation | None = None,
    deadline: float | None = None,
) -> Allocation:
    """Solve `instance` (options default to its Settings sheet) and return a checked allocation.

    With `previous` (an earlier allocation of a similar instance), re-plan: keep as
    many previous placements as possible, right after placing as many as possible.
    `deadline` (see `finish_by`) ends the solve early enough for the caller to finish by it.
    """
    run = PlacementRun(
        instance,
        options or effective_options(instance),
        progress=progress,
        previous=previous,
        deadline=deadline,
    )
    return run.run()


def _text(value: object) -> str:
    if isinstance(value, tuple):
        return ", ".join(str(v) for v in value)
    return str(value)
