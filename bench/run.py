"""Run the project and its peers on the same scenario, one after another, and write the table.

    .venv/bin/python -m bench.run --scenario regional --time-limit 60
    .venv/bin/python -m bench.run --scenario all

The scenario is generated, written to a workbook in bench/work/, and every peer
(`bench.peers`) runs on that workbook in a fresh process of its own (spawned),
so its time and peak memory are its own. The table goes to
bench/results/<scenario>.md and to standard output.
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import platform
import queue
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path
from typing import Any

from bench.peers import LEVELS, LP_TIME_FACTOR, PEERS, PeerResult, run_project
from bench.scenarios import MAIN_SCENARIOS, SCENARIOS
from placement.io.read import read_instance
from placement.io.write_input import write_instance

HERE = Path(__file__).resolve().parent
DEFAULT_LIMITS = {"small": 20.0, "regional": 60.0, "national": 600.0}
"""Seconds per peer when --time-limit is not given (others: 60)."""

SENSE = {"placements": "max", "shortfall": "min", "wish_cost": "min"}
GRACE_SECONDS = 5.0  # "the time limit is honoured within a few seconds"


@dataclass
class Target:
    """A scenario's targets from issue 4."""

    seconds: float
    gaps: dict[str, float]
    level_1_proven: bool = False
    peak_mb: float | None = None


TARGETS = {
    "regional": Target(60, {"placements": 0.0, "shortfall": 0.01, "wish_cost": 0.01}, True),
    "national": Target(600, dict.fromkeys(LEVELS, 0.02), peak_mb=6144),
}


# ---- running the peers ---------------------------------------------------------------------------
def _child(
    peer: str, workbook: str, time_limit: float, output: str, answer: Any, spawned: float
) -> None:
    try:
        if peer == "project":  # its time limit counts the process's start-up, as the CLI's does
            result = run_project(
                Path(workbook), time_limit, Path(output), started_seconds_ago=time.time() - spawned
            )
        else:
            result = PEERS[peer](Path(workbook), time_limit, Path(output))
        answer.put(result)
    except BaseException as error:  # reported in the table, never hidden
        answer.put({"error": f"{type(error).__name__}: {error}"})


def run_peer(peer: str, workbook: Path, time_limit: float, work: Path) -> PeerResult:
    """Run one peer in a spawned process; adds `wall` (the process's wall time)."""
    context = multiprocessing.get_context("spawn")
    answer = context.Queue()
    started = time.monotonic()
    process = context.Process(
        target=_child,
        args=(peer, str(workbook), time_limit, str(work / f"{peer}.xlsx"), answer, time.time()),
    )
    process.start()
    result: PeerResult
    patience = time_limit * (LP_TIME_FACTOR if peer == "lp" else 1.0) * 1.5 + 300
    try:
        result = answer.get(timeout=patience)
    except queue.Empty:
        result = {"error": f"no answer within {patience:.0f} s (killed)"}
    process.join(timeout=30)
    if process.is_alive():
        process.kill()
        process.join()
    wall = time.monotonic() - started
    result["wall"] = wall
    return result


# ---- the best bound of each level ----------------------------------------------------------------
@dataclass
class Reference:
    """Per level, the tightest bound known on the lexicographic optimum, and how sure it is.

    Level 1's bound is unconditional (every peer's bound on it is valid). A later
    level's bound holds given the earlier levels at their reference values, so
    only bounds proven on that same path count; `proven[k]` says whether some
    allocation attains level k's bound (then the path so far is the optimum's).
    """

    bound: dict[str, float | None] = field(default_factory=dict)
    proven: dict[str, bool] = field(default_factory=dict)


def reference(results: dict[str, PeerResult]) -> Reference:
    """The reference bound of each level from every peer's bounds and values."""
    ref = Reference()
    path: list[float | None] = []
    for k, level in enumerate(LEVELS):
        candidates: list[float] = []
        attained: list[float] = []
        for peer, result in results.items():
            if "error" in result:
                continue
            values = result.get("values", {})
            if [values.get(earlier) for earlier in LEVELS[:k]] != path:
                continue  # a different path: its bound is about another problem
            bound = result.get("bounds", {}).get(level)
            if bound is not None:
                candidates.append(bound)
            value = values.get(level)
            if value is not None and peer != "lp":
                attained.append(value)
        if not candidates:
            ref.bound[level] = None
            ref.proven[level] = False
            path.append(None)
            continue
        best = min(candidates) if SENSE[level] == "max" else max(candidates)
        ref.bound[level] = best
        ref.proven[level] = best in attained
        path.append(best)
    return ref


def _gap(level: str, value: float | None, bound: float | None) -> float | None:
    """How far `value` is behind `bound`, relative to the bound (negative: ahead of it)."""
    if value is None or bound is None:
        return None
    behind = bound - value if SENSE[level] == "max" else value - bound
    return behind / max(abs(bound), 1.0)


def _off_path(result: PeerResult, ref: Reference, k: int) -> bool:
    values = result.get("values", {})
    return any(values.get(earlier) != ref.bound.get(earlier) for earlier in LEVELS[:k])


# ---- the table -----------------------------------------------------------------------------------
def markdown(scenario: str, info: dict[str, Any], results: dict[str, PeerResult]) -> str:
    """The results of one scenario as a markdown page: table, notes and the targets."""
    ref = reference(results)
    model = results.get("lp", {}).get("model") or {}
    lines = [
        f"# Benchmark: {scenario}",
        "",
        f"{info['rows']:,} student rows ({info['students']:,} students), {info['wards']} wards, "
        f"{info['institutions']} institutions, {info['periods']} periods, seed {info['seed']}; "
        f"time limit {info['time_limit']:g} s per peer.",
    ]
    if model:
        lines.append(
            f"Program: {model['cohorts']:,} cohorts, {model['pairs']:,} pairs, "
            f"{model['columns']:,} columns, {model['rows']:,} rows, "
            f"{model['nonzeros']:,} nonzeros."
        )
    lines += [
        f"Run {info['date']} on {info['cpu']} ({info['cores']} cores, {info['memory_gb']} GB, "
        f"load {info['load']} at start), Python {info['python']}, OR-Tools {info['ortools']}, "
        f"highspy {info['highs']}.",
        "",
        "| peer | level | value | own bound | best bound | gap | status | seconds | wall s | "
        "peak MB |",
        "|---|---|--:|--:|--:|--:|---|--:|--:|--:|",
    ]
    for peer, result in results.items():
        if "error" in result:
            lines.append(f"| {peer} | - | error: {result['error']} | | | | | | | |")
            continue
        wall = result.get("wall", 0.0)
        for k, level in enumerate(LEVELS):
            value = result["values"].get(level)
            bound = result.get("bounds", {}).get(level)
            gap = _gap(level, value, ref.bound[level]) if peer != "lp" else None
            mark = " †" if gap is not None and _off_path(result, ref, k) else ""
            best = ref.bound[level]
            best_text = _num(best) + ("" if ref.proven[level] or best is None else " ?")
            lines.append(
                f"| {peer} | {level} | {_num(value)} | {_num(bound)} | {best_text} | "
                f"{'-' if gap is None else f'{gap:.2%}'}{mark} | "
                f"{result['status'].get(level, '-')} | {result['seconds']:.1f} | {wall:.1f} | "
                f"{result['peak_mb']:.0f} |"
            )
    lines += ["", *_legend(), "", *_verdict(scenario, info, results, ref)]
    notes = [n for r in results.values() for n in r.get("notes", [])]
    if notes:
        lines += ["", "Notes from the project's run:", "", *[f"- {n}" for n in notes]]
    return "\n".join(lines) + "\n"


def _legend() -> list[str]:
    return [
        "How to read it: *value* is the level as the independent checker recomputes it from "
        "the peer's allocation (the LP's are its bounds). *own bound* is what the peer proved "
        "about that level given its own earlier levels. *best bound* is the tightest bound "
        "known on the lexicographic optimum (level 1: the tightest of all peers' bounds; a "
        "later level: of the bounds proven with the earlier levels at their best bounds); "
        "`?` means no allocation reaches it, so it may not be attainable. *gap* is how far "
        "the value is behind the best bound, relative to it. † marks a peer whose earlier "
        "levels differ from the best bounds: its later levels answer a different question "
        "(fewer placements can mean less shortfall), so that gap does not compare. "
        "*seconds* is the peer's own work (the project's counts from its process's "
        "start, as `placement solve` does: imports, reading the workbook and writing the "
        "allocation included; the others' start after reading); *wall s* is its whole "
        "process, spawning and shutting down included; *peak MB* its peak resident memory.",
    ]


def _lexi(result: PeerResult) -> tuple[float, ...] | None:
    """Levels 1-3 as a tuple where larger is better, for a lexicographic comparison."""
    values = result.get("values", {})
    out = []
    for level in LEVELS:
        value = values.get(level)
        if value is None:
            return None
        out.append(value if SENSE[level] == "max" else -value)
    return tuple(out)


def _verdict(
    scenario: str, info: dict[str, Any], results: dict[str, PeerResult], ref: Reference
) -> list[str]:
    project = results.get("project", {})
    if "values" not in project:
        return ["The project did not finish: every target is missed."]
    notes: list[str] = []
    limit = info["time_limit"]
    honoured = project["seconds"] <= limit + GRACE_SECONDS
    notes.append(
        f"- time limit {limit:g} s, reading and writing included: {project['seconds']:.1f} s "
        f"({'honoured' if honoured else 'NOT honoured'} within {GRACE_SECONDS:g} s)"
    )
    target = TARGETS.get(scenario)
    if target:
        ok = project["seconds"] <= target.seconds
        notes.append(
            f"- wall time {project['seconds']:.1f} s against {target.seconds:g} s: "
            f"{'met' if ok else 'NOT met'}"
        )
        if target.level_1_proven:
            status = project["status"].get("placements")
            ok = status == "OPTIMAL" and project["values"]["placements"] == ref.bound["placements"]
            notes.append(f"- placements proven optimal: {'met' if ok else 'NOT met'} ({status})")
        for k, (level, allowed) in enumerate(target.gaps.items()):
            gap = _gap(level, project["values"].get(level), ref.bound[level])
            off = _off_path(project, ref, k)
            ok = gap is not None and gap <= allowed + 1e-12 and not off
            why = " (earlier levels not at their best bound)" if off else ""
            own = project["bounds"].get(level)
            if off and own is not None:  # its LP given its own earlier levels: same question
                own_gap = _gap(level, project["values"].get(level), own)
                if own_gap is not None:
                    why += f"; {own_gap:.2%} from its own bound, given its own earlier levels"
            notes.append(
                f"- {level} within {allowed:.0%} of the best bound: gap "
                f"{'-' if gap is None else f'{gap:.2%}'}{why}: {'met' if ok else 'NOT met'}"
            )
        if target.peak_mb is not None:
            ok = project["peak_mb"] <= target.peak_mb
            notes.append(
                f"- peak memory {project['peak_mb']:.0f} MB against {target.peak_mb:g} MB: "
                f"{'met' if ok else 'NOT met'}"
            )
    for peer in ("lottery", "highs", "highs-cohorts"):
        other = results.get(peer, {})
        if "values" not in other:
            continue
        per_level = []
        earlier_differ = False  # then a later level answers another question (see †)
        for level in LEVELS:
            mine, theirs = project["values"].get(level), other["values"].get(level)
            if mine is None or theirs is None:
                per_level.append(f"{level} -")
                earlier_differ = True
                continue
            better = mine >= theirs if SENSE[level] == "max" else mine <= theirs
            verdict = "ok" if better else "WORSE"
            if earlier_differ and not better:
                verdict = "behind, but the earlier levels differ †"
            per_level.append(f"{level} {_num(mine)} vs {_num(theirs)} {verdict}")
            earlier_differ = earlier_differ or mine != theirs
        mine_lex, theirs_lex = _lexi(project), _lexi(other)
        overall = (
            "-"
            if mine_lex is None or theirs_lex is None
            else ("at least as good" if mine_lex >= theirs_lex else "WORSE")
        )
        notes.append(
            f"- against {peer}: lexicographically {overall}; per level: " + "; ".join(per_level)
        )
    notes += _bound_checks(results)
    return ["Against the targets of issue 4:", "", *notes]


def _bound_checks(results: dict[str, PeerResult]) -> list[str]:
    """Whether the project's reported bounds are true: no allocation on its path beats them."""
    project = results.get("project", {})
    out = []
    for k, level in enumerate(LEVELS):
        bound = project.get("bounds", {}).get(level)
        if bound is None:
            continue
        path = [project["values"].get(earlier) for earlier in LEVELS[:k]]
        for peer, result in results.items():
            if peer in {"project", "lp"} or "values" not in result:
                continue
            values = result["values"]
            if [values.get(earlier) for earlier in LEVELS[:k]] != path:
                continue
            value = values.get(level)
            if value is None:
                continue
            beaten = value > bound if SENSE[level] == "max" else value < bound
            if beaten:
                out.append(
                    f"- the project's {level} bound {_num(bound)} is NOT true: {peer} "
                    f"reaches {_num(value)} with the same earlier levels"
                )
    return out or ["- the project's reported bounds: no peer's allocation contradicts them"]


def _num(value: float | None) -> str:
    if value is None:
        return "-"
    return f"{value:,.0f}" if float(value).is_integer() else f"{value:,.2f}"


# ---- machine ------------------------------------------------------------------------------------
def machine_info() -> dict[str, Any]:
    """Cores, CPU, memory, load and versions, for the table's header."""
    cpu = platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    memory_gb = "?"
    try:
        pages = os.sysconf("SC_PHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
        memory_gb = f"{pages / 2**30:.0f}"
    except (ValueError, OSError):
        pass
    return {
        "date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "cpu": cpu,
        "cores": len(os.sched_getaffinity(0)),
        "memory_gb": memory_gb,
        "load": f"{os.getloadavg()[0]:.2f}",
        "python": platform.python_version(),
        "ortools": metadata.version("ortools"),
        "highs": metadata.version("highspy"),
    }


def run_scenario(
    scenario: str,
    seed: int,
    time_limit: float,
    peers: list[str],
    results_dir: Path = HERE / "results",
) -> str:
    """Generate, write and run one scenario; write its markdown table to `results_dir`
    and return it."""
    work = HERE / "work"
    work.mkdir(exist_ok=True)
    started = time.monotonic()
    instance = SCENARIOS[scenario](seed)
    generated = time.monotonic() - started
    workbook = write_instance(instance, work / f"{scenario}.xlsx", force=True)
    read_instance(workbook)  # fail here, once, if the workbook is not valid input
    print(
        f"{scenario}: {instance.num_needs} rows generated in {generated:.1f} s, "
        f"written to {workbook}",
        flush=True,
    )
    info = {
        "rows": instance.num_needs,
        "students": instance.num_students,
        "wards": len(instance.wards),
        "institutions": len(instance.institutions),
        "periods": len(instance.periods),
        "seed": seed,
        "time_limit": time_limit,
        **machine_info(),
    }
    results: dict[str, PeerResult] = {}
    for peer in peers:
        print(f"{scenario}: running {peer} ...", flush=True)
        results[peer] = run_peer(peer, workbook, time_limit, work)
        done = results[peer]
        print(
            f"{scenario}: {peer} done in {done.get('wall', 0.0):.1f} s: "
            f"{done.get('values', done.get('error'))}",
            flush=True,
        )
    text = markdown(scenario, info, results)
    results_dir.mkdir(parents=True, exist_ok=True)
    (results_dir / f"{scenario}.md").write_text(text, encoding="utf-8")
    return text


def main() -> None:
    """Command line: which scenarios, seed, time limit and peers."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--scenario", default="small", choices=[*SCENARIOS, "all"])
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument(
        "--time-limit", type=float, default=None, help="seconds per peer (default per scenario)"
    )
    parser.add_argument("--peers", default=",".join(PEERS), help="comma-separated peer names")
    parser.add_argument(
        "--results-dir",
        type=Path,
        default=HERE / "results",
        help="where the tables go (default bench/results, the committed ones)",
    )
    args = parser.parse_args()
    peers = [p.strip() for p in args.peers.split(",") if p.strip()]
    unknown = [p for p in peers if p not in PEERS]
    if unknown:
        parser.error(f"unknown peers: {', '.join(unknown)} (known: {', '.join(PEERS)})")
    scenarios = list(MAIN_SCENARIOS) if args.scenario == "all" else [args.scenario]
    for scenario in scenarios:
        limit = args.time_limit or DEFAULT_LIMITS.get(scenario, 60.0)
        print(run_scenario(scenario, args.seed, limit, peers, args.results_dir), flush=True)


if __name__ == "__main__":
    main()
