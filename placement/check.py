"""The independent checker: every hard rule re-verified, every objective level recomputed.

It reads only the instance and the allocation and counts everything itself
(supervision in exact fractions), sharing no code with the solver or with the
eligibility filter the solver uses. Every solve runs it before writing, and
`placement check INPUT ALLOCATION` runs it on any pair of files.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import date
from fractions import Fraction

from placement.allocation import Allocation, Placement
from placement.instance import Agreement, Instance, Need, SupervisorRow, norm
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


def check(
    instance: Instance, allocation: Allocation, options: Options | None = None
) -> CheckReport:
    """Verify hard rules 1-5 and recompute objective levels 1-3."""
    options = options or Options()
    report = CheckReport()
    placed = _check_rows(instance, allocation, report)
    history = {(h.student_id, h.ward_id) for h in instance.history}
    for placement, need in placed:
        _check_rule_1(instance, placement, need, history, report)
    _check_rule_2(instance, placed, report)
    _check_rule_3(instance, placed, report)
    _check_rule_4_weeks(instance, placed, report)
    _check_rule_5(instance, allocation, report)
    report.levels = objective_levels(instance, placed, options)
    return report


def objective_levels(
    instance: Instance, placed: list[tuple[Placement, Need]], options: Options
) -> dict[str, float]:
    """Levels 1-3 of the spec's objective for these placements."""
    shortfall = 0
    counts = _agreement_counts(instance, placed)
    for agreement in instance.agreements or ():
        shortfall += max(0, agreement.min_places - counts[agreement.agreement_id])
    wish_cost = 0
    for placement, need in placed:
        rank = _wish_rank(instance, need, placement.ward_id)
        has_wishes = any(w for w in need.preferences)
        wish_cost += options.wish_cost(rank, has_wishes)
    return {"placements": len(placed), "shortfall": shortfall, "wish_cost": wish_cost}


def evaluate(
    instance: Instance, allocation: Allocation, options: Options | None = None
) -> dict[str, float]:
    """The objective levels of an allocation (assumed valid)."""
    placed = [(p, instance.need[p.key]) for p in allocation.placements if p.key in instance.need]
    return objective_levels(instance, placed, options or Options())


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


def _check_rule_2(
    instance: Instance, placed: list[tuple[Placement, Need]], report: CheckReport
) -> None:
    used: dict[tuple[str, str, date], Fraction] = defaultdict(Fraction)
    students: Counter[tuple[str, date]] = Counter()
    for placement, need in placed:
        profession = norm(instance.programme[need.programme_id].profession)
        share = Fraction(1, _ratio(instance, need))
        for week in _weeks(instance, need):
            used[(placement.ward_id, profession, week)] += share
            students[(placement.ward_id, week)] += 1
    rows: dict[tuple[str, str], list[SupervisorRow]] = defaultdict(list)
    for row in instance.supervisors:
        rows[(row.ward_id, norm(row.profession))].append(row)
    for (ward_id, profession, week), load in used.items():
        available = sum(
            row.supervisors
            for row in rows[(ward_id, profession)]
            if (row.start_date is None or row.start_date <= week)
            and (row.end_date is None or week <= row.end_date)
        )
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
