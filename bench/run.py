"""Run the project and its peers on the same scenario, side by side, and write the table.

    .venv/bin/python -m bench.run --scenario regional --time-limit 60
    .venv/bin/python -m bench.run --scenario all

Each peer runs in its own process (so time and peak memory are its own), one
after another on the same workbook. The table goes to bench/results/<scenario>.md.
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import platform
import time
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path
from typing import Any

from bench.peers import LEVELS, PEERS
from bench.scenarios import SCENARIOS
from placement.io.write_input import write_instance

HERE = Path(__file__).resolve().parent
TARGETS: dict[str, dict[str, Any]] = {
    "regional": {"seconds": 60, "gap": {"placements": 0.0, "shortfall": 0.01, "wish_cost": 0.01}},
    "national": {"seconds": 600, "gap": dict.fromkeys(LEVELS, 0.02), "peak_mb": 6144},
}


def _child(peer: str, workbook: str, time_limit: float, output: str, queue: Any) -> None:
    try:
        queue.put(PEERS[peer](Path(workbook), time_limit, Path(output)))
    except Exception as error:  # reported in the table, not hidden
        queue.put({"error": f"{type(error).__name__}: {error}"})


def run_peer(peer: str, workbook: Path, time_limit: float, work: Path) -> dict[str, Any]:
    context = multiprocessing.get_context("spawn")
    queue = context.Queue()
    started = time.monotonic()
    process = context.Process(
        target=_child,
        args=(peer, str(workbook), time_limit, str(work / f"{peer}.xlsx"), queue),
    )
    process.start()
    result: dict[str, Any]
    try:
        result = queue.get(timeout=time_limit * 3 + 300)
    except Exception:
        process.kill()
        result = {"error": "no answer in time"}
    process.join()
    result["wall_seconds"] = time.monotonic() - started
    return result


def _gap(value: float | None, bound: float | None) -> float | None:
    if value is None or bound is None:
        return None
    return abs(bound - value) / max(abs(bound), 1.0)


def markdown(scenario: str, info: dict[str, Any], results: dict[str, dict[str, Any]]) -> str:
    lp = results.get("lp", {}).get("values", {})
    lines = [
        f"# Benchmark: {scenario}",
        "",
        f"{info['rows']} student rows, {info['wards']} wards, {info['institutions']} "
        f"institutions, {info['periods']} periods; time limit {info['time_limit']:g} s per peer.",
        f"Run {info['date']} on {info['machine']} ({info['cores']} cores), Python "
        f"{info['python']}, OR-Tools {info['ortools']}, HiGHS {info['highs']}.",
        "",
        "Gap: to the best bound of the level (the project's proven bound or the LP's, "
        "whichever is tighter). Seconds are wall time of the peer's process (the project's "
        "include reading the workbook and writing the allocation).",
        "",
        "| peer | level | value | bound | gap | status | seconds | peak MB |",
        "|---|---|---|---|---|---|---|---|",
    ]
    best_bound: dict[str, float | None] = {}
    for level in LEVELS:
        candidates = [lp.get(level)] + [
            r.get("bounds", {}).get(level) for r in results.values() if "error" not in r
        ]
        candidates = [c for c in candidates if c is not None]
        if not candidates:
            best_bound[level] = None
        elif level == "placements":
            best_bound[level] = min(candidates)
        else:
            best_bound[level] = max(candidates)
    for peer, result in results.items():
        if "error" in result:
            lines.append(f"| {peer} | - | error: {result['error']} | | | | | |")
            continue
        for level in LEVELS:
            value = result["values"].get(level)
            gap = _gap(value, best_bound[level]) if peer != "lp" else None
            bound = result.get("bounds", {}).get(level)
            lines.append(
                f"| {peer} | {level} | {_num(value)} | {_num(bound)} | "
                f"{'-' if gap is None else f'{gap:.2%}'} | {result['status'].get(level, '-')} | "
                f"{result['wall_seconds']:.1f} | {result['peak_mb']:.0f} |"
            )
    lines += ["", _verdict(scenario, results, best_bound)]
    return "\n".join(lines) + "\n"


def _verdict(
    scenario: str, results: dict[str, dict[str, Any]], best: dict[str, float | None]
) -> str:
    project = results.get("project", {})
    if "values" not in project:
        return "The project did not finish."
    notes = []
    target = TARGETS.get(scenario)
    if target:
        seconds_ok = project["wall_seconds"] <= target["seconds"]
        notes.append(
            f"- time {project['wall_seconds']:.1f} s against the target {target['seconds']} s: "
            f"{'met' if seconds_ok else 'NOT met'}"
        )
        for level, allowed in target["gap"].items():
            gap = _gap(project["values"].get(level), best[level])
            ok = gap is not None and gap <= allowed + 1e-12
            notes.append(
                f"- {level}: gap {'-' if gap is None else f'{gap:.2%}'} (target {allowed:.0%}): "
                f"{'met' if ok else 'NOT met'}"
            )
        if "peak_mb" in target:
            ok = project["peak_mb"] <= target["peak_mb"]
            notes.append(
                f"- peak memory {project['peak_mb']:.0f} MB (target {target['peak_mb']} MB): "
                f"{'met' if ok else 'NOT met'}"
            )
    for peer in ("lottery", "highs"):
        other = results.get(peer, {})
        if "values" not in other:
            continue
        for level in LEVELS:
            mine, theirs = project["values"].get(level), other["values"].get(level)
            if mine is None or theirs is None:
                continue
            better = mine >= theirs if level == "placements" else mine <= theirs
            notes.append(
                f"- {level} vs {peer}: {_num(mine)} against {_num(theirs)}: "
                f"{'at least as good' if better else 'WORSE'}"
            )
    return (
        "Against the targets of issue 4 (lexicographic: a later level only counts once the "
        "earlier ones are equal):\n\n" + "\n".join(notes)
    )


def _num(value: float | None) -> str:
    return "-" if value is None else f"{value:g}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--scenario", default="small", choices=[*SCENARIOS, "all"])
    parser.add_argument("--time-limit", type=float, default=None)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--peers", default=",".join(PEERS))
    args = parser.parse_args()
    scenarios = list(SCENARIOS) if args.scenario == "all" else [args.scenario]
    for scenario in scenarios:
        defaults = {"small": 20, "regional": 60, "national": 600, "hard": 60}
        limit = args.time_limit or defaults[scenario]
        work = HERE / "work"
        work.mkdir(exist_ok=True)
        instance = SCENARIOS[scenario](args.seed)
        workbook = write_instance(instance, work / f"{scenario}.xlsx", force=True)

        info = {
            "rows": instance.num_needs,
            "wards": len(instance.wards),
            "institutions": len(instance.institutions),
            "periods": len(instance.periods),
            "time_limit": limit,
            "date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
            "machine": platform.machine(),
            "cores": len(os.sched_getaffinity(0)),
            "python": platform.python_version(),
            "ortools": metadata.version("ortools"),
            "highs": metadata.version("highspy"),
        }
        results = {}
        for peer in args.peers.split(","):
            print(f"{scenario}: running {peer} ...", flush=True)
            results[peer] = run_peer(peer, workbook, limit, work)
        text = markdown(scenario, info, results)
        (HERE / "results").mkdir(exist_ok=True)
        (HERE / "results" / f"{scenario}.md").write_text(text, encoding="utf-8")
        print(text)


if __name__ == "__main__":
    main()
