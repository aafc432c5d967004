"""`placement`: allocate health-education students to clinical placements from Excel.

A thin command-line layer: each command reads, calls the `placement` and
`solver` packages, and writes. Exit status: 0 done, 1 the run failed (no
allocation found, or a checked allocation breaks a rule), 2 the input must be
fixed (every problem is listed with sheet, row and column).
"""

from __future__ import annotations

import contextlib
import signal
import sys
import time
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
    err.print(f"[bold red]error:[/] {message}", markup=True)
    raise typer.Exit(code)


def _print_problems(problems: list[Problem]) -> None:
    errors = [p for p in problems if p.is_error]
    for problem in problems:
        if not problem.is_error:
            err.print(f"[yellow]note:[/] {_escape(str(problem))}", markup=True)
    for problem in errors:
        err.print(f"[bold red]error:[/] {_escape(str(problem))}", markup=True)
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
        typer.Option(help="Seconds for the whole solve (default: Settings sheet, else 60)."),
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
) -> None:
    """Allocate placements and write the allocation workbook (checked before it is written)."""
    from placement.io.write_allocation import write_allocation
    from solver import InfeasibleError, NoSolutionError, PlacementRun, effective_options

    with _errors_reported():
        _check_output(output, [workbook], force)
        instance = _read(workbook)
        options = effective_options(instance, time_limit=time_limit, workers=workers, seed=seed)
        err.print(
            f"solving {instance.num_needs} student rows, {len(instance.wards)} wards "
            f"(time limit {options.time_limit:g} s, {options.num_workers} workers, seed "
            f"{options.seed})"
        )
        with _ProgressView(enabled=not quiet and err.is_terminal) as view:
            run = PlacementRun(instance, options, progress=view.update)
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
        write_allocation(
            instance,
            allocation,
            output,
            options=options,
            language=lang.value if lang else None,
            force=force,
        )
        _print_summary(instance, allocation, options, output)


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
