"""Which objective levels a run optimises, most important first (spec, "What is optimised").

Shared by the solver (which builds one objective per level) and the checker
(which recomputes each one on its own), so both report the same levels under
the same names. A level with nothing to decide is left out: no groups, no
group level; no homes with coordinates, no travel level.
"""

from __future__ import annotations

from collections import Counter

from placement.instance import Instance
from placement.options import Options

LEVEL_DESCRIPTIONS = {
    "placements": "placements made (more is better)",
    "moves": "students moved from the previous allocation (--previous; fewer is better)",
    "shortfall": "places short of agreements' min_places, in total",
    "unwished": "students with wishes placed at none of them (minimax fairness)",
    "worst_rank": "the worst wish rank anyone was given (minimax fairness)",
    "wish_cost": "total wish cost: k-1 for the k-th wish, unranked_cost for none",
    "repeats": "placements at a site or specialty the student has had before (prefer_new)",
    "groups_split": "groups whose students are not all placed at one ward",
    "travel_km": "total km from students' homes to their wards",
    "peak_load": "highest supervisor utilisation of any ward, profession and week, in %",
}
"""Every level this version knows, with what its value means."""


def level_names(instance: Instance, options: Options, *, replanning: bool = False) -> list[str]:
    """The levels of a run on `instance`, most important first."""
    names = ["placements"]
    if replanning:
        names.append("moves")
    names.append("shortfall")
    if options.fairness == "minimax":
        names += ["unwished", "worst_rank"]
    names.append("wish_cost")
    if options.prefer_new != "none" and instance.history:
        names.append("repeats")
    if group_members(instance):
        names.append("groups_split")
    if instance.has_travel:
        names.append("travel_km")
    names.append("peak_load")
    return names[: options.max_levels] if options.max_levels else names


def group_members(instance: Instance) -> dict[tuple[str, str], list[tuple[str, str]]]:
    """Groups of two or more rows: (group_id, period_id) -> the rows' keys."""
    sizes = Counter((n.group_id, n.period_id) for n in instance.needs if n.group_id)
    out: dict[tuple[str, str], list[tuple[str, str]]] = {}
    for need in instance.needs:
        if need.group_id and sizes[(need.group_id, need.period_id)] > 1:
            out.setdefault((need.group_id, need.period_id), []).append(need.key)
    return out
