"""`placement`: allocate health-education students to clinical placements from Excel.

A thin command-line layer: each command reads, calls the `placement` and
`solver` packages, and writes. Exit status: 0 done, 1 the run failed (no
allocation found, or a checked allocation breaks a rule), 2 the input must be
fixed (every problem is listed with sheet, row and column).
"""

from __future__ import annotations

import time

_LOADING = time.monotonic()  # before the other imports: a command's time limit counts them

import contextlib
import signal
import sys
from collections.abc import Callable, Iterator
from enum import StrEnum
from pathlib import Path
from types import FrameType
from typing import Annotated, Any, NoReturn

import typer
from rich.console import Console
from rich.live import Live
from rich.table import Table

from placement import __version__
from placement.allocation import Allocation
from placement.instance import Instance
from placement.io.atomic import OutputExistsError, check_writable
from placement.io.read import read_instance
from placement.options import Options, SettingsError
from placement.problems import InputError, Problem

STARTUP_SECONDS = time.monotonic() - _LOADING
"""How long this module's imports took: part of a command's time limit too."""

app = typer.Typer(
    name="placement",
    help="Allocate students to clinical placements (praksisplasser) from an Excel workbook.\n\n"
    "Typical use: `placement validate input.xlsx`, then `placement solve input.xlsx -o "
    "allocation.xlsx`. Start from `placement template` (empty workbook) or `placement demo` "
    "(a synthetic Helse Vest region).",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
)
err = Console(stderr=True, highlight=False)
out = Console(highlight=False)

EXIT_FAILED = 1
EXIT_INPUT = 2


class Fairness(StrEnum):
    """How wishes are weighed against each other (objective level 3)."""

    total = "total"
    minimax = "minimax"


class ExportKind(StrEnum):
    """Who an export workbook is for."""

    institution = "institution"
    site = "site"
    organisation = "organisation"


class Language(StrEnum):
    """Language of sheet names and labels in written workbooks."""

    en = "en"
    nb = "nb"


_debug = False


@app.callback()
def _main(
    debug: Annotated[
        bool, typer.Option("--debug", help="Show Python tracebacks (for developers).")
    ] = False,
    version: Annotated[bool, typer.Option("--version", help="Print the version and stop.")] = False,
) -> None:
    global _debug  # noqa: PLW0603 - one process-wide switch for error display
    _debug = debug
    if version:
        out.print(f"placement {__version__}")
        raise typer.Exit()


# ---- shared helpers ---------------------------------------------------------------------------
def _fail(message: str, code: int = EXIT_INPUT) -> NoReturn:
    err.print(f"[bold red]error:[/] {_escape(message)}", markup=True, soft_wrap=True)
    raise typer.Exit(code)


def _print_problems(problems: list[Problem]) -> None:
    errors = [p for p in problems if p.is_error]
    for problem in problems:
        if not problem.is_error:  # one line each, however long: soft_wrap
            err.print(f"[yellow]note:[/] {_escape(str(problem))}", markup=True, soft_wrap=True)
    for problem in errors:
        err.print(f"[bold red]error:[/] {_escape(str(problem))}", markup=True, soft_wrap=True)
    if errors:
        err.print(
            f"[bold red]{len(errors)} problem{'s' if len(errors) != 1 else ''} to fix[/] "
            "before the workbook can be used.",
            markup=True,
        )


def _escape(text: str) -> str:
    return text.replace("[", r"\[")


@contextlib.contextmanager
def _errors_reported() -> Iterator[None]:
    """Turn known failures into a clear message and an exit status; never a traceback."""
    try:
        yield
    except typer.Exit:
        raise
    except InputError as error:
        _print_problems(error.problems)
        raise typer.Exit(EXIT_INPUT) from None
    except OutputExistsError as error:
        _fail(str(error))
    except SettingsError as error:
        _fail(f"sheet Settings: {error}")
    except KeyboardInterrupt:
        _fail("interrupted; nothing was written", EXIT_FAILED)
    except Exception as error:
        if _debug:
            raise
        _fail(
            f"unexpected {type(error).__name__}: {error} (run with --debug for details)",
            EXIT_FAILED,
        )


def _read(path: Path) -> Instance:
    instance, notes = read_instance(path)
    if notes:
        _print_problems(notes)
    return instance


def _check_output(output: Path, inputs: list[Path], force: bool) -> None:
    for source in inputs:
        with contextlib.suppress(OSError):
            if output.resolve() == source.resolve():
                _fail(f"the output {output} is an input file; input files are never written to")
    check_writable(output, force=force)


@contextlib.contextmanager
def _interrupts_stop(stop: Callable[[], None]) -> Iterator[None]:
    """Ctrl-C stops the search and keeps the best allocation found so far."""

    def handler(signum: int, frame: FrameType | None) -> None:
        del signum, frame
        err.print("[yellow]interrupted: keeping the best allocation found so far[/]", markup=True)
        stop()

    previous = signal.signal(signal.SIGINT, handler)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)


class _ProgressView:
    """Live line on stderr: elapsed time, objective level, best value and bound."""

    def __init__(self, enabled: bool) -> None:
        self.live = Live(console=err, transient=True, auto_refresh=False) if enabled else None
        self.started = time.monotonic()

    def __enter__(self) -> _ProgressView:
        if self.live is not None:
            self.live.__enter__()
        return self

    def __exit__(self, *exc: object) -> None:
        if self.live is not None:
            self.live.__exit__(None, None, None)

    def update(self, level: str, value: float | None, bound: float | None, seconds: float) -> None:
        if self.live is None:
            return
        best = "-" if value is None else f"{value:g}"
        proven = "-" if bound is None else f"{bound:g}"
        self.live.update(
            f"solving {seconds:6.1f} s  level {level}: best {best}  bound {proven}", refresh=True
        )


# ---- commands ---------------------------------------------------------------------------------
InputPath = Annotated[Path, typer.Argument(help="The input workbook (.xlsx).", show_default=False)]
ForceOption = Annotated[bool, typer.Option("--force", help="Overwrite the output if it exists.")]


@app.command()
def validate(workbook: InputPath) -> None:
    """Check an input workbook and list every problem (sheet, row, column); change nothing."""
    with _errors_reported():
        instance = _read(workbook)
        out.print(
            f"{workbook.name}: OK - {instance.num_needs} student rows "
            f"({instance.num_students} students), {len(instance.programmes)} programmes, "
            f"{len(instance.periods)} periods, {len(instance.wards)} wards at "
            f"{len(instance.sites)} sites, "
            + (
                f"{len(instance.agreements)} agreements"
                if instance.agreements is not None
                else "no agreements (every site open to every institution)"
            )
        )


@app.command()
def solve(
    workbook: InputPath,
    output: Annotated[
        Path, typer.Option("--output", "-o", help="Where to write the allocation workbook.")
    ] = Path("allocation.xlsx"),
    time_limit: Annotated[
        float | None,
        typer.Option(
            help="Seconds for the whole command: reading, solving, checking and writing the "
            "allocation (exports come after). Default: Settings sheet, else 60."
        ),
    ] = None,
    workers: Annotated[
        int | None, typer.Option(help="Solver threads (default: one per core).")
    ] = None,
    seed: Annotated[
        int | None, typer.Option(help="Random seed; same input, options and seed, same result.")
    ] = None,
    lang: Annotated[
        Language | None, typer.Option(help="Sheet names: en or nb (default: as the input).")
    ] = None,
    force: ForceOption = False,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No progress display.")] = False,
    fairness: Annotated[
        Fairness | None,
        typer.Option(
            help="total: least total wish cost (default); minimax: first nobody without any "
            "wish and the best worst wish rank, then the total."
        ),
    ] = None,
    previous: Annotated[
        Path | None,
        typer.Option(
            help="Re-plan from this earlier allocation workbook: keep every placement that "
            "still fits and move as few students as possible."
        ),
    ] = None,
    history: Annotated[
        list[Path] | None,
        typer.Option(
            help="Earlier semesters' allocation workbooks: their placements count as History "
            "(never the same ward again). Repeat for several files."
        ),
    ] = None,
    export_dir: Annotated[
        Path | None,
        typer.Option(
            help="After solving, also write the exports into this folder, as `placement "
            "export` does: one workbook per institution (its own students), per site and per "
            "trust (the students placed there and the supervision they need). Checked for "
            "existing files before solving."
        ),
    ] = None,
    export_by: Annotated[
        list[ExportKind] | None,
        typer.Option(
            help="Which exports --export-dir writes: institution, site or organisation. "
            "Repeat for several; default all three."
        ),
    ] = None,
) -> None:
    """Allocate placements and write the allocation workbook (checked before it is written)."""
    started = time.monotonic() - STARTUP_SECONDS
    from placement.changes import changes_frame, replanning_changes
    from placement.io.write_allocation import write_allocation
    from solver import InfeasibleError, NoSolutionError, PlacementRun, effective_options
    from solver.run import finish_by

    with _errors_reported():
        inputs = [workbook, *([previous] if previous else []), *(history or [])]
        _check_output(output, inputs, force)
        instance = _with_history(_read(workbook), history or [])
        if export_dir is not None:
            _check_exports(instance, export_dir, export_by, [*inputs, output], force)
        previous_allocation = _read_allocation(previous) if previous else None
        options = effective_options(
            instance,
            time_limit=time_limit,
            workers=workers,
            seed=seed,
            fairness=fairness.value if fairness else None,
        )
        err.print(
            f"solving {instance.num_needs} student rows, {len(instance.wards)} wards "
            f"(time limit {options.time_limit:g} s, {options.num_workers} workers, seed "
            f"{options.seed})"
        )
        with _ProgressView(enabled=not quiet and err.is_terminal) as view:
            run = PlacementRun(
                instance,
                options,
                progress=view.update,
                previous=previous_allocation,
                deadline=finish_by(started, options.time_limit, instance.num_needs),
            )
            with _interrupts_stop(run.stop):
                try:
                    allocation = run.run()
                except InfeasibleError as error:
                    err.print(
                        "[bold red]no allocation keeps every locked placement:[/]", markup=True
                    )
                    for reason in error.reasons:
                        err.print(f"  - {_escape(reason)}")
                    err.print("Nothing was written.")
                    raise typer.Exit(EXIT_INPUT) from None
                except NoSolutionError as error:
                    _fail(f"{error}; nothing was written", EXIT_FAILED)
        changes = None
        if previous_allocation is not None:
            moved = replanning_changes(instance, previous_allocation, allocation, run.eligibility)
            changes = changes_frame(moved)
        write_allocation(
            instance,
            allocation,
            output,
            options=options,
            language=lang.value if lang else None,
            force=force,
            changes=changes,
        )
        _print_summary(instance, allocation, options, output)
        if changes is not None:
            _print_changes(changes)
        if export_dir is not None:
            _export(instance, allocation, export_dir, export_by, lang, force)


def _print_summary(
    instance: Instance, allocation: Allocation, options: Options, output: Path
) -> None:
    from placement.report import agreements_frame, wish_profile

    run = allocation.run
    table = Table(title="Allocation", show_header=False, title_justify="left")
    table.add_column("what")
    table.add_column("value", justify="right")
    total = instance.num_needs
    table.add_row("placed", f"{allocation.num_placed} of {total}")
    table.add_row("not placed", str(len(allocation.unplaced)))
    for label, count in wish_profile(instance, allocation).items():
        table.add_row(f"  {label}", str(count))
    frame = agreements_frame(instance, allocation)
    short = frame[frame["shortfall"] > 0]
    if len(frame):
        table.add_row(
            "agreements short of their minimum",
            f"{len(short)} of {len(frame)} (total shortfall {int(short['shortfall'].sum())})",
        )
        worst = short.sort_values("shortfall", ascending=False, kind="stable").head(5)
        for record in worst.to_dict("records"):
            where = (
                record["site_id"]
                if isinstance(record["site_id"], str)
                else (record["organisation"])
            )
            table.add_row(
                f"  {record['agreement_id']} {record['institution_id']} at {where}",
                f"{record['placed']} of min {record['min_places']}",
            )
    if run is not None:
        table.add_row("solver status", run.status)
        for level in run.levels:
            gap = level.gap
            table.add_row(
                f"  {level.name}",
                f"{_num(level.value)} (bound {_num(level.bound)}, "
                f"gap {'-' if gap is None else f'{gap:.1%}'})",
            )
        table.add_row("time", f"{run.seconds:.1f} s (limit {options.time_limit:g} s)")
    table.add_row("written to", str(output))
    out.print(table)


def _print_changes(changes: Any, limit: int = 30) -> None:
    """Who moved and why (ids only: names are personal data)."""
    table = Table(
        title=f"Changes from the previous allocation ({len(changes)})", title_justify="left"
    )
    for column in ("student_id", "period_id", "change", "ward_before", "ward_after", "reason"):
        table.add_column(column)
    for row in changes.head(limit).itertuples(index=False):
        table.add_row(*("" if v is None else str(v) for v in row))
    out.print(table)
    if len(changes) > limit:
        out.print(f"... and {len(changes) - limit} more in the Changes sheet")


def _read_allocation(path: Path) -> Allocation:
    from placement.io.read_allocation import read_allocation

    return read_allocation(path)


def _with_history(instance: Instance, paths: list[Path]) -> Instance:
    """The instance with earlier allocations' placements added to its History."""
    from placement.instance import HistoryEntry

    if not paths:
        return instance
    entries = list(instance.history)
    seen = {(h.student_id, h.ward_id) for h in entries}
    for path in paths:
        for placement in _read_allocation(path).placements:
            key = (placement.student_id, placement.ward_id)
            if key not in seen and placement.ward_id in instance.ward:
                seen.add(key)
                entries.append(HistoryEntry(student_id=key[0], ward_id=key[1]))
    return instance.model_copy(update={"history": tuple(entries)})


def _num(value: float | None) -> str:
    return "-" if value is None else f"{value:g}"


@app.command("check")
def check_command(
    workbook: InputPath,
    allocation_file: Annotated[
        Path, typer.Argument(help="An allocation workbook to verify.", show_default=False)
    ],
) -> None:
    """Re-verify every hard rule of an allocation against its input, independently of the solver."""
    from placement.check import check
    from placement.io.read_allocation import read_allocation

    with _errors_reported():
        instance = _read(workbook)
        allocation = read_allocation(allocation_file)
        options, _ = _settings_options(instance)
        report = check(instance, allocation, options)
        for violation in report.violations:
            err.print(f"[bold red]broken:[/] {_escape(str(violation))}", markup=True)
        levels = ", ".join(f"{k} {v:g}" for k, v in report.levels.items())
        if report.ok:
            out.print(f"OK: no hard rule is broken. Objective levels: {levels}")
            return
        out.print(f"{len(report.violations)} broken rule(s). Objective levels: {levels}")
        raise typer.Exit(EXIT_FAILED)


def _settings_options(instance: Instance) -> tuple[Options, list[str]]:
    from placement.options import options_from_settings

    return options_from_settings(instance.settings)


@app.command()
def explain(
    workbook: InputPath,
    student: Annotated[
        str | None,
        typer.Option(help="Explain why this student (student_id) did not get a better wish."),
    ] = None,
    allocation_file: Annotated[
        Path | None,
        typer.Option(
            "--allocation",
            help="The allocation to explain --student against (default: solve the workbook first).",
        ),
    ] = None,
    time_limit: Annotated[float, typer.Option(help="Seconds for the search.")] = 60.0,
) -> None:
    """Say why requirements conflict: the smallest set of locks and agreement minimums
    that cannot all hold, and which student rows no ward can take at all."""
    from placement.eligibility import Eligibility
    from placement.reasons import wish_explanations
    from solver import effective_options
    from solver import solve as solve_instance
    from solver.explain import explain as find_conflicts

    with _errors_reported():
        instance = _read(workbook)
        options = effective_options(instance, time_limit=time_limit)
        if student is not None:
            if student not in {n.student_id for n in instance.needs}:
                _fail(f"no student {student!r} in the Students sheet")
            allocation = (
                _read_allocation(allocation_file)
                if allocation_file
                else solve_instance(instance, options)
            )
            eligibility = Eligibility(instance, max_travel_km=options.max_travel_km)
            for line in wish_explanations(instance, eligibility, allocation.placements, student):
                out.print(_escape(line))
            return
        result = find_conflicts(instance, options, time_limit=time_limit)
        if result.feasible:
            out.print("Every locked placement and every agreement minimum can be met together.")
        else:
            out.print(
                f"[bold]These {len(result.conflict)} requirements cannot all hold[/] "
                "(drop or change any one of them and the rest can):",
                markup=True,
            )
            for requirement in result.conflict:
                out.print(f"  - {_escape(requirement.label)}")
            out.print("Why:")
            for sentence in result.sentences:
                out.print(f"  - {_escape(sentence)}")
            if not result.complete:
                out.print("(the search ran out of time: the set may not be the smallest)")
        if result.unplaceable:
            out.print("Student rows that no ward can take:")
            for line in result.unplaceable:
                out.print(f"  - {_escape(line)}")
        if not result.feasible:
            raise typer.Exit(EXIT_FAILED)


def _factors(values: list[str] | None, option: str) -> dict[str, float]:
    """`name=1.1` pairs from a repeated option, or a clear error."""
    factors: dict[str, float] = {}
    for value in values or []:
        name, _, number = value.partition("=")
        try:
            factors[name.strip()] = float(number)
        except ValueError:
            _fail(f"{option} {value!r}: expected NAME=FACTOR, e.g. nursing=1.1")
        if not name.strip() or factors[name.strip()] < 0:
            _fail(f"{option} {value!r}: expected NAME=FACTOR with a factor of 0 or more")
    return factors


@app.command()
def capacity(
    workbook: InputPath,
    output: Annotated[
        Path, typer.Option("--output", "-o", help="Where to write the capacity report.")
    ] = Path("capacity.xlsx"),
    scale_students: Annotated[
        list[str] | None,
        typer.Option(
            help="What-if intake: PROFESSION_OR_PROGRAMME=FACTOR, e.g. nursing=1.1. Repeatable."
        ),
    ] = None,
    scale_supervisors: Annotated[
        list[str] | None,
        typer.Option(
            help="What-if supervisors: TRUST_SITE_WARD_OR_PROFESSION=FACTOR, e.g. "
            "HUS=0.9. Repeatable."
        ),
    ] = None,
    time_limit: Annotated[float, typer.Option(help="Seconds for the solves.")] = 60.0,
    lang: Annotated[Language | None, typer.Option(help="Sheet names: en or nb.")] = None,
    force: ForceOption = False,
) -> None:
    """Dimensioning: demand against supervisor capacity, the most students that fit, promises
    out of reach, and where extra supervisors would be needed (with what-if scaling)."""
    from placement.io.write_report import weekly_wide, write_capacity_report
    from solver import effective_options
    from solver.dimensioning import capacity_report
    from solver.dimensioning import scale_students as scale_rows
    from solver.dimensioning import scale_supervisors as scale_staff

    with _errors_reported():
        _check_output(output, [workbook], force)
        student_factors = _factors(scale_students, "--scale-students")
        supervisor_factors = _factors(scale_supervisors, "--scale-supervisors")
        instance = _read(workbook)
        options = effective_options(instance, time_limit=time_limit)
        scaled = scale_staff(
            scale_rows(instance, student_factors, options.seed), supervisor_factors
        )
        report = capacity_report(scaled, options)
        headline: list[tuple[str, Any]] = [
            ("input_file", workbook.name),
            ("scale_students", ", ".join(f"{k}={v:g}" for k, v in student_factors.items()) or None),
            (
                "scale_supervisors",
                ", ".join(f"{k}={v:g}" for k, v in supervisor_factors.items()) or None,
            ),
            ("student_rows", report.num_rows),
            ("max_placeable", report.max_placeable),
            ("max_placeable_bound", report.max_placeable_bound),
            ("max_placeable_status", report.max_placeable_status),
            (
                "agreements_out_of_reach",
                int((report.agreements["minimum_out_of_reach"] == "yes").sum())
                if len(report.agreements)
                else 0,
            ),
            (
                "extra_supervisor_weeks",
                int(report.extra_supervisors["extra_supervisors"].sum())
                if len(report.extra_supervisors)
                else 0,
            ),
        ]
        if scaled.costs:
            from placement.report import placement_cost

            headline.append(
                (
                    "cost_of_all_rows",
                    round(sum(placement_cost(scaled, n) or 0.0 for n in scaled.needs), 2),
                )
            )
        language = lang.value if lang else instance.language
        write_capacity_report(
            output,
            headline,
            {
                "Demand": report.demand,
                "Weekly": weekly_wide(report.weekly),
                "Agreements": report.agreements,
                "Trusts": report.trusts,
                "Extra supervisors": report.extra_supervisors,
            },
            language=language,
            force=force,
        )
        table = Table(title="Capacity", show_header=False, title_justify="left")
        table.add_column("what")
        table.add_column("value", justify="right")
        for key, value in headline:
            if value is not None:
                table.add_row(key.replace("_", " "), str(value))
        table.add_row("written to", str(output))
        out.print(table)


@app.command()
def diff(
    first: Annotated[Path, typer.Argument(help="The earlier allocation workbook.")],
    second: Annotated[Path, typer.Argument(help="The later allocation workbook.")],
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="Also write the changes as a workbook.")
    ] = None,
    force: ForceOption = False,
) -> None:
    """List the students placed differently in two allocations: moved, added, removed."""
    from placement.changes import changes_frame
    from placement.changes import diff as find_changes
    from placement.io.write_report import write_diff

    with _errors_reported():
        if output is not None:
            _check_output(output, [first, second], force)
        changes = changes_frame(find_changes(_read_allocation(first), _read_allocation(second)))
        counts = changes["change"].value_counts().to_dict() if len(changes) else {}
        out.print(", ".join(f"{counts.get(k, 0)} {k}" for k in ("moved", "added", "removed")))
        _print_changes(changes.drop(columns=["reason"]))
        if output is not None:
            write_diff(output, changes, force=force)
            out.print(f"written to {output}")


def _export_kinds(kinds: list[ExportKind] | None) -> list[str]:
    return [kind.value for kind in (kinds or list(ExportKind))]


def _check_exports(
    instance: Instance,
    out_dir: Path,
    kinds: list[ExportKind] | None,
    inputs: list[Path],
    force: bool,
) -> None:
    """Before any work: no export may overwrite an input, or an existing file without --force."""
    from placement.io.export import planned_exports

    for path in planned_exports(instance, out_dir, _export_kinds(kinds)):
        _check_output(path, inputs, force)


def _export(
    instance: Instance,
    allocation: Allocation,
    out_dir: Path,
    kinds: list[ExportKind] | None,
    lang: Language | None,
    force: bool,
) -> None:
    from placement.io.export import export_allocations, export_summary, sites_without_trust

    written = export_allocations(
        instance,
        allocation,
        out_dir,
        _export_kinds(kinds),
        language=lang.value if lang else None,
        force=force,
    )
    counts = ", ".join(f"{n} per {kind}" for kind, n in export_summary(written).items())
    out.print(f"{len(written)} export workbooks ({counts}) written to {out_dir}")
    orphans = sites_without_trust(instance)
    if orphans and ExportKind.organisation.value in _export_kinds(kinds):
        err.print(
            f"[yellow]note:[/] {len(orphans)} site(s) have no trust (organisation), so their "
            f"students are in no trust's file, only in the site files: "
            f"{_escape(', '.join(orphans[:10]))}",
            markup=True,
            soft_wrap=True,
        )


@app.command()
def export(
    workbook: Annotated[
        Path,
        typer.Argument(help="The input workbook the allocation was made from.", show_default=False),
    ],
    allocation_file: Annotated[
        Path, typer.Argument(help="The allocation workbook to export.", show_default=False)
    ],
    by: Annotated[
        list[ExportKind] | None,
        typer.Option(
            help="institution: one file per institution with only its own students (placed, "
            "and unplaced with the reason); site / organisation: one file per site / trust with "
            "the students placed there by ward, and the supervisors they need per ward, "
            "profession and week. Repeat for several; default all three."
        ),
    ] = None,
    out_dir: Annotated[
        Path, typer.Option("--out-dir", help="Folder for the workbooks (created if missing).")
    ] = Path("exports"),
    lang: Annotated[
        Language | None,
        typer.Option(help="Sheet names and titles: en or nb (default: as the input workbook)."),
    ] = None,
    force: Annotated[
        bool, typer.Option("--force", help="Overwrite export files that exist.")
    ] = False,
) -> None:
    """Write the workbooks for the people who receive an allocation: per institution, per
    site, per trust (file names like institution-HVL.xlsx; names only inside the files).

    The input workbook is needed as well as the allocation: it holds the supervision
    models, the supervisors available, the wards and sites that receive no students, and
    the rules the allocation is checked against first. A broken allocation is not exported
    (exit 1). Each file opens with an About sheet (title: semester and run); every other
    sheet is a table with its header in row 1."""
    from placement.check import check

    with _errors_reported():
        instance = _read(workbook)
        _check_exports(instance, out_dir, by, [workbook, allocation_file], force)
        allocation = _read_allocation(allocation_file)
        options, _ = _settings_options(instance)
        report = check(instance, allocation, options)
        if not report.ok:
            for violation in report.violations[:10]:
                err.print(f"[bold red]broken:[/] {_escape(str(violation))}", markup=True)
            if len(report.violations) > 10:
                err.print(f"... and {len(report.violations) - 10} more")
            _fail("the allocation breaks hard rules; nothing was exported", EXIT_FAILED)
        run = allocation.run
        if run and run.input_sha256 and run.input_sha256 != instance.source_sha256:
            err.print(
                "[yellow]note:[/] the allocation was made from another version of the input "
                f"({_escape(run.input_name or 'unknown file')}, SHA-256 "
                f"{run.input_sha256[:12]}...); it still keeps every hard rule of this one",
                markup=True,
                soft_wrap=True,
            )
        _export(instance, allocation, out_dir, by, lang, force)


@app.command()
def template(
    output: Annotated[Path, typer.Argument(help="Where to write the empty input workbook.")],
    lang: Annotated[Language, typer.Option(help="Sheet and column names: en or nb.")] = (
        Language.en
    ),
    force: ForceOption = False,
) -> None:
    """Write an empty input workbook: every sheet and header, instructions, dropdowns."""
    from placement.template import write_template

    with _errors_reported():
        write_template(output, language=lang.value, force=force)
        out.print(f"template written to {output}")


@app.command()
def demo(
    output: Annotated[Path, typer.Argument(help="Where to write the demo input workbook.")],
    students: Annotated[
        int, typer.Option(help="About how many student rows (student-periods).", min=1)
    ] = 3000,
    seed: Annotated[int, typer.Option(help="Random seed: same seed, same region.")] = 0,
    lang: Annotated[Language, typer.Option(help="Sheet and column names: en or nb.")] = (
        Language.en
    ),
    force: ForceOption = False,
) -> None:
    """Write a realistic synthetic Helse Vest region to try the tool on."""
    from placement.demo import generate_region
    from placement.io.write_input import write_instance

    with _errors_reported():
        check_writable(output, force=force)
        instance = generate_region(students, seed)
        write_instance(instance, output, language=lang.value, force=force)
        out.print(
            f"demo region written to {output}: {instance.num_needs} student rows, "
            f"{len(instance.wards)} wards, {len(instance.sites)} sites"
        )


def main(argv: list[str] | None = None) -> Any:
    """Entry point for `python cli.py`."""
    return app(argv if argv is not None else sys.argv[1:])


if __name__ == "__main__":
    main()
