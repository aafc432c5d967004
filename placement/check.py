"""The independent checker: every hard rule re-verified, every objective level recomputed.

It reads only the instance and the allocation and counts everything itself
(supervision in exact fractions), sharing no code with the solver or with the
eligibility filter the solver uses. Every solve runs it before writing, and
`placement check INPUT ALLOCATION` runs it on any pair of files.
"""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date
from fractions import Fraction

from placement.allocation import Allocation, Placement
from placement.instance import Agreement, Instance, Need, SupervisorRow, haversine_km, norm
from placement.levels import group_members, level_names
from placement.options import Options
from placement.weeks import week_label


@dataclass(frozen=True)
class Violation:
    """One broken hard rule (1-5 as numbered in the spec), or a bookkeeping error (0)."""

    rule: int
    message: str

    def __str__(self) -> str:
        label = f"hard rule {self.rule}" if self.rule else "allocation"
        return f"{label}: {self.message}"


@dataclass
class CheckReport:
    """What the checker found: broken rules and the objective levels it recomputed."""

    violations: list[Violation] = field(default_factory=list)
    levels: dict[str, float] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not self.violations


LEVEL_NAMES = ("placements", "shortfall", "wish_cost")
"""The spec's levels 1-3, in every run; `placement.levels.level_names` adds the others."""


def check(
    instance: Instance,
    allocation: Allocation,
    options: Options | None = None,
    previous: Allocation | None = None,
) -> CheckReport:
    """Verify hard rules 1-5 and recompute every objective level of the run.

    `previous` is the allocation a re-planning run started from (for the moves level).
    """
    options = options or Options()
    report = CheckReport()
    placed = _check_rows(instance, allocation, report)
    history = {(h.student_id, h.ward_id) for h in instance.history}
    for placement, need in placed:
        _check_rule_1(instance, placement, need, history, options, report)
    _check_rule_2(instance, placed, report)
    _check_rule_3(instance, placed, report)
    _check_rule_4_weeks(instance, placed, report)
    _check_rule_5(instance, allocation, report)
    report.levels = objective_levels(instance, placed, options, previous)
    return report


def objective_levels(
    instance: Instance,
    placed: list[tuple[Placement, Need]],
    options: Options,
    previous: Allocation | None = None,
) -> dict[str, float]:
    """Every objective level of the run for these placements, most important first."""
    ranks = [(_wish_rank(instance, need, p.ward_id), need) for p, need in placed]
    wishing = [rank for rank, need in ranks if any(need.preferences)]
    values: dict[str, float] = {"placements": len(placed)}
    if previous is not None:
        values["moves"] = _moves(instance, placed, previous)
    counts = _agreement_counts(instance, placed)
    values["shortfall"] = sum(
        max(0, a.min_places - counts[a.agreement_id]) for a in instance.agreements or ()
    )
    values["unwished"] = sum(rank is None for rank in wishing)
    values["worst_rank"] = max((rank for rank in wishing if rank is not None), default=0)
    values["wish_cost"] = sum(
        options.wish_cost(rank, any(need.preferences)) for rank, need in ranks
    )
    values["repeats"] = _repeats(instance, placed, options.prefer_new)
    values["groups_split"] = _groups_split(instance, placed)
    values["travel_km"] = _travel_km(instance, placed)
    values["peak_load"] = _peak_load(instance, placed)
    names = level_names(instance, options, replanning=previous is not None)
    return {name: values[name] for name in names}


def evaluate(
    instance: Instance,
    allocation: Allocation,
    options: Options | None = None,
    previous: Allocation | None = None,
) -> dict[str, float]:
    """The objective levels of an allocation (assumed valid)."""
    placed = [(p, instance.need[p.key]) for p in allocation.placements if p.key in instance.need]
    return objective_levels(instance, placed, options or Options(), previous)


# ---- the levels after the spec's first three --------------------------------------------------
def _moves(instance: Instance, placed: list[tuple[Placement, Need]], previous: Allocation) -> int:
    """Rows placed in `previous` that still exist and are not at the same ward now."""
    now = {p.key: p.ward_id for p, _ in placed}
    return sum(
        1 for p in previous.placements if p.key in instance.need and now.get(p.key) != p.ward_id
    )


def _repeats(instance: Instance, placed: list[tuple[Placement, Need]], mode: str) -> int:
    """Placements at a site (or teaching a specialty) of a ward in the student's History."""
    if mode == "none":
        return 0
    had: dict[str, list[str]] = defaultdict(list)
    for entry in instance.history:
        if entry.ward_id in instance.ward:
            had[entry.student_id].append(entry.ward_id)
    count = 0
    for placement, need in placed:
        before = had.get(need.student_id)
        if not before:
            continue
        ward = instance.ward[placement.ward_id]
        if mode == "site":
            count += ward.site_id in {instance.ward[w].site_id for w in before}
        else:
            taught = {norm(s) for w in before for s in instance.ward[w].specialties}
            count += bool(taught & {norm(s) for s in ward.specialties})
    return count


def _groups_split(instance: Instance, placed: list[tuple[Placement, Need]]) -> int:
    """Groups (same group_id and period) whose students are not all placed at one ward."""
    ward_of = {p.key: p.ward_id for p, _ in placed}
    return sum(
        not all(key in ward_of for key in keys) or len({ward_of[key] for key in keys}) > 1
        for keys in group_members(instance).values()
    )


def _travel_km(instance: Instance, placed: list[tuple[Placement, Need]]) -> int:
    """Total great-circle km, each placement rounded to whole km, where both ends are known."""
    coordinates = {norm(loc.location): (loc.latitude, loc.longitude) for loc in instance.locations}
    total = 0
    for placement, need in placed:
        km = _distance(instance, coordinates, need, placement.ward_id)
        if km is not None:
            total += round(km)
    return total


def _distance(
    instance: Instance,
    coordinates: Mapping[str, tuple[float, float]],
    need: Need,
    ward_id: str,
) -> float | None:
    ward = instance.ward[ward_id]
    town = ward.location or instance.site[ward.site_id].location
    home = coordinates.get(norm(need.home_location)) if need.home_location else None
    there = coordinates.get(norm(town)) if town else None
    return None if home is None or there is None else haversine_km(home, there)


def _peak_load(instance: Instance, placed: list[tuple[Placement, Need]]) -> int:
    """Highest supervisors used / available of any ward, profession and week, as whole %."""
    used = _supervisors_used(instance, placed)
    available = _supervisors_available(instance)
    peak = 0
    for key, load in used.items():
        supervisors = available(*key)
        if supervisors > 0:
            peak = max(peak, math.ceil(100 * load / supervisors))
    return peak


def _check_rows(
    instance: Instance, allocation: Allocation, report: CheckReport
) -> list[tuple[Placement, Need]]:
    placed: list[tuple[Placement, Need]] = []
    counts = Counter(p.key for p in allocation.placements)
    for key, n in counts.items():
        if n > 1:
            report.violations.append(
                Violation(4, f"student {key[0]} is placed {n} times for period {key[1]}")
            )
    seen: set[tuple[str, str]] = set()
    for placement in allocation.placements:
        need = instance.need.get(placement.key)
        if need is None:
            report.violations.append(
                Violation(
                    0,
                    f"placement of student {placement.student_id} in period "
                    f"{placement.period_id} has no row in the Students sheet",
                )
            )
            continue
        if placement.ward_id not in instance.ward:
            report.violations.append(
                Violation(
                    1,
                    f"student {placement.student_id} is placed at unknown ward {placement.ward_id}",
                )
            )
            continue
        if placement.key not in seen:
            seen.add(placement.key)
            placed.append((placement, need))
    unplaced = {u.key for u in allocation.unplaced}
    for key in unplaced & seen:
        report.violations.append(
            Violation(
                0, f"student {key[0]} in period {key[1]} is both placed and listed as unplaced"
            )
        )
    for need in instance.needs:
        if need.key not in seen and need.key not in unplaced:
            report.violations.append(
                Violation(
                    0,
                    f"student {need.student_id} in period {need.period_id} is neither placed nor "
                    "listed as unplaced",
                )
            )
    return placed


def _check_rule_1(
    instance: Instance,
    placement: Placement,
    need: Need,
    history: set[tuple[str, str]],
    options: Options,
    report: CheckReport,
) -> None:
    ward = instance.ward[placement.ward_id]
    site = instance.site[ward.site_id]
    programme = instance.programme[need.programme_id]
    period = instance.period[need.period_id]
    who = f"student {need.student_id} at {ward.ward_id} ({need.period_id})"
    specialty = need.specialty or period.specialty
    if not specialty or norm(specialty) not in {norm(s) for s in ward.specialties}:
        report.violations.append(Violation(1, f"{who}: the ward does not teach {specialty}"))
    if ward.professions and norm(programme.profession) not in {norm(p) for p in ward.professions}:
        report.violations.append(
            Violation(1, f"{who}: the ward does not take {programme.profession} students")
        )
    missing = {norm(t) for t in need.requires} - {norm(t) for t in ward.tags}
    if missing:
        report.violations.append(Violation(1, f"{who}: the ward lacks {sorted(missing)}"))
    avoided = {norm(a) for a in need.avoid}
    if norm(ward.ward_id) in avoided or norm(ward.site_id) in avoided:
        report.violations.append(Violation(1, f"{who}: the ward or site is on the avoid list"))
    if (need.student_id, ward.ward_id) in history:
        report.violations.append(Violation(1, f"{who}: the student has been at this ward before"))
    limit = (
        programme.max_travel_km if programme.max_travel_km is not None else (options.max_travel_km)
    )
    if limit is not None and need.locked_ward != ward.ward_id:
        coordinates = {
            norm(loc.location): (loc.latitude, loc.longitude) for loc in instance.locations
        }
        km = _distance(instance, coordinates, need, ward.ward_id)
        if km is not None and km > limit and _wish_rank(instance, need, ward.ward_id) is None:
            report.violations.append(
                Violation(1, f"{who}: {km:.0f} km from home, max_travel_km is {limit:g}")
            )
    if instance.agreements is not None:
        institution = programme.institution_id
        covered = False
        for a in instance.agreements:
            if a.institution_id != institution:
                continue
            if a.site_id is not None and a.site_id != site.site_id:
                continue
            if a.site_id is None and norm(a.organisation) != norm(site.organisation):
                continue
            if a.programme_id not in (None, need.programme_id):
                continue
            if a.period_id not in (None, need.period_id):
                continue
            covered = True
            break
        if not covered:
            report.violations.append(
                Violation(1, f"{who}: no agreement opens site {site.site_id} to {institution}")
            )


def _ratio(instance: Instance, need: Need) -> int:
    period = instance.period[need.period_id]
    if period.students_per_supervisor is not None:
        return period.students_per_supervisor
    return instance.programme[need.programme_id].students_per_supervisor


def _weeks(instance: Instance, need: Need) -> list[date]:
    return list(instance.period[need.period_id].weeks)


def _supervisors_used(
    instance: Instance, placed: list[tuple[Placement, Need]]
) -> dict[tuple[str, str, date], Fraction]:
    """Supervisors used per (ward, profession, week): 1/ratio per student, exactly."""
    used: dict[tuple[str, str, date], Fraction] = defaultdict(Fraction)
    for placement, need in placed:
        profession = norm(instance.programme[need.programme_id].profession)
        share = Fraction(1, _ratio(instance, need))
        for week in _weeks(instance, need):
            used[(placement.ward_id, profession, week)] += share
    return used


def _supervisors_available(instance: Instance) -> Callable[[str, str, date], int]:
    """Supervisors available to (ward, profession, week): the rows whose range holds Monday."""
    rows: dict[tuple[str, str], list[SupervisorRow]] = defaultdict(list)
    for row in instance.supervisors:
        rows[(row.ward_id, norm(row.profession))].append(row)

    def available(ward_id: str, profession: str, week: date) -> int:
        return sum(
            row.supervisors
            for row in rows[(ward_id, profession)]
            if (row.start_date is None or row.start_date <= week)
            and (row.end_date is None or week <= row.end_date)
        )

    return available


def _check_rule_2(
    instance: Instance, placed: list[tuple[Placement, Need]], report: CheckReport
) -> None:
    students: Counter[tuple[str, date]] = Counter()
    for placement, need in placed:
        for week in _weeks(instance, need):
            students[(placement.ward_id, week)] += 1
    supervisors = _supervisors_available(instance)
    for (ward_id, profession, week), load in _supervisors_used(instance, placed).items():
        available = supervisors(ward_id, profession, week)
        if load > available:
            report.violations.append(
                Violation(
                    2,
                    f"{ward_id}, {profession}, week {week_label(week)}: students need "
                    f"{float(load):g} supervisors, {available} available",
                )
            )
    for (ward_id, week), count in students.items():
        limit = instance.ward[ward_id].max_students
        if limit is not None and count > limit:
            report.violations.append(
                Violation(
                    2, f"{ward_id}, week {week_label(week)}: {count} students, max_students {limit}"
                )
            )


def _agreement_counts(instance: Instance, placed: list[tuple[Placement, Need]]) -> Counter[str]:
    counts: Counter[str] = Counter()
    by_institution: dict[str, list[Agreement]] = defaultdict(list)
    for agreement in instance.agreements or ():
        by_institution[agreement.institution_id].append(agreement)
    for placement, need in placed:
        site = instance.site[instance.ward[placement.ward_id].site_id]
        institution = instance.programme[need.programme_id].institution_id
        for agreement in by_institution[institution]:
            if agreement.site_id is not None and agreement.site_id != site.site_id:
                continue
            if agreement.site_id is None and norm(agreement.organisation) != norm(
                site.organisation
            ):
                continue
            if agreement.programme_id not in (None, need.programme_id):
                continue
            if agreement.period_id not in (None, need.period_id):
                continue
            counts[agreement.agreement_id] += 1
    return counts


def _check_rule_3(
    instance: Instance, placed: list[tuple[Placement, Need]], report: CheckReport
) -> None:
    counts = _agreement_counts(instance, placed)
    for agreement in instance.agreements or ():
        n = counts[agreement.agreement_id]
        if agreement.max_places is not None and n > agreement.max_places:
            report.violations.append(
                Violation(
                    3,
                    f"agreement {agreement.agreement_id} ({agreement.label}): {n} placed, "
                    f"max_places {agreement.max_places}",
                )
            )


def _check_rule_4_weeks(
    instance: Instance, placed: list[tuple[Placement, Need]], report: CheckReport
) -> None:
    busy: dict[tuple[str, date], list[str]] = defaultdict(list)
    for _, need in placed:
        for week in _weeks(instance, need):
            busy[(need.student_id, week)].append(need.period_id)
    for (student_id, week), periods in busy.items():
        if len(periods) > 1:
            report.violations.append(
                Violation(
                    4,
                    f"student {student_id} is in two places in week {week_label(week)} "
                    f"({', '.join(periods)})",
                )
            )


def _check_rule_5(instance: Instance, allocation: Allocation, report: CheckReport) -> None:
    by_key = {p.key: p for p in allocation.placements}
    for need in instance.needs:
        if need.locked_ward is None:
            continue
        placement = by_key.get(need.key)
        if placement is None or placement.ward_id != need.locked_ward:
            where = placement.ward_id if placement else "nowhere"
            report.violations.append(
                Violation(
                    5,
                    f"student {need.student_id} ({need.period_id}) is locked to "
                    f"{need.locked_ward} but placed {where}",
                )
            )


def _wish_rank(instance: Instance, need: Need, ward_id: str) -> int | None:
    ward = instance.ward[ward_id]
    site = instance.site[ward.site_id]
    names = {norm(ward.ward_id), norm(site.site_id)}
    if site.organisation:
        names.add(norm(site.organisation))
    location = ward.location or site.location
    if location:
        names.add(norm(location))
    for rank, wish in enumerate(need.preferences, start=1):
        if wish and norm(wish) in names:
            return rank
    return None
