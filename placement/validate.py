"""Checks of a whole instance that go beyond one sheet: locks, wishes, avoid lists.

The reader checks cells and cross-references sheet by sheet; these checks need
the whole instance (a locked ward's eligibility depends on agreements, tags,
history ...). They work on any `Instance`, also one built in code.
"""

from __future__ import annotations

from collections import defaultdict

from placement.eligibility import Eligibility, Rule
from placement.instance import Instance, Need, norm
from placement.problems import Problem, did_you_mean
from placement.weeks import week_number_range

STUDENTS = "Students"


def rule_text(instance: Instance, need: Need, ward_id: str, rule: str) -> str:
    """Why `rule` excludes `ward_id` for `need`, in a coordinator's words."""
    ward = instance.ward[ward_id]
    profession = instance.profession_of(need)
    if rule == Rule.SPECIALTY:
        specialty = instance.specialty_of(need)
        if not specialty:
            return "the row has no specialty and its period names none"
        return f"{ward_id} does not teach {specialty} (it teaches {', '.join(ward.specialties)})"
    if rule == Rule.PROFESSION:
        if not ward.takes_profession(profession):
            return f"{ward_id} does not take {profession} students"
        return f"{ward_id} has no {profession} supervisors"
    if rule == Rule.AGREEMENT:
        return (
            f"no agreement opens site {ward.site_id} to {instance.institution_of(need)} "
            f"for programme {need.programme_id} and period {need.period_id}"
        )
    if rule == Rule.TAGS:
        missing = sorted({norm(t) for t in need.requires} - ward.tag_keys)
        return f"{ward_id} lacks the required {', '.join(missing)}"
    if rule == Rule.AVOID:
        return f"the student's avoid list names {ward_id} or its site {ward.site_id}"
    if rule == Rule.HISTORY:
        return f"the student has been placed at {ward_id} before (History)"
    if rule == Rule.TRAVEL:
        km = instance.travel_km(need, ward_id) or 0.0
        return (
            f"{ward_id} is {km:.0f} km from the student's home {need.home_location}, beyond "
            "max_travel_km, and no wish names it"
        )
    if rule == Rule.CAPACITY:
        return f"{ward_id} has no room in some week of the period"
    return rule


def validate_instance(instance: Instance) -> list[Problem]:
    """Problems with locks, wishes and avoid lists; errors stop a run, notes do not."""
    problems: list[Problem] = []
    eligibility = Eligibility(instance, max_travel_km=_global_travel_limit(instance))
    name_keys = set(instance.wish_targets)
    avoid_keys = {norm(w.ward_id) for w in instance.wards} | {
        norm(s.site_id) for s in instance.sites
    }
    all_tags = {t for w in instance.wards for t in w.tag_keys}
    wish_names = sorted(
        {w.ward_id for w in instance.wards}
        | {s.site_id for s in instance.sites}
        | {s.organisation for s in instance.sites if s.organisation}
        | {loc for loc in (instance.location_of(w.ward_id) for w in instance.wards) if loc}
    )
    for need in instance.needs:
        row = need.row or None
        for rank, wish in enumerate(need.preferences, start=1):
            if wish and norm(wish) not in name_keys:
                problems.append(
                    Problem(
                        f"wish {rank} {wish!r} names no ward, site, trust or town",
                        sheet=STUDENTS,
                        row=row,
                        column=f"preference_{rank}",
                        value=wish,
                        expected="a ward_id, site_id, organisation or location",
                        hint=did_you_mean(wish, wish_names),
                    )
                )
        for entry in need.avoid:
            if norm(entry) not in avoid_keys:
                problems.append(
                    Problem(
                        f"avoid entry {entry!r} names no ward or site",
                        sheet=STUDENTS,
                        row=row,
                        column="avoid",
                        value=entry,
                        expected="ward_ids or site_ids",
                        hint=did_you_mean(
                            entry,
                            [w.ward_id for w in instance.wards]
                            + [s.site_id for s in instance.sites],
                        ),
                    )
                )
        unknown_tags = sorted({norm(t) for t in need.requires} - all_tags)
        if unknown_tags:
            problems.append(
                Problem(
                    f"no ward has the required tag(s) {', '.join(unknown_tags)}, so the student "
                    "cannot be placed",
                    sheet=STUDENTS,
                    row=row,
                    column="requires",
                    severity="note",
                )
            )
        if need.locked_ward:
            problems.extend(_check_lock(instance, eligibility, need))
    problems.extend(_check_same_student_weeks(instance))
    return problems


def _check_lock(instance: Instance, eligibility: Eligibility, need: Need) -> list[Problem]:
    ward_id = need.locked_ward
    assert ward_id is not None
    if ward_id not in instance.ward:
        return [
            Problem(
                f"locked_ward {ward_id!r} is not in the Wards sheet",
                sheet=STUDENTS,
                row=need.row or None,
                column="locked_ward",
            )
        ]
    rule = eligibility.excluding_rule(need, ward_id)
    if rule is None:
        return []
    if rule == Rule.CAPACITY:
        weeks = eligibility.full_weeks(ward_id, instance.profession_of(need), need.period_id)
        reason = (
            f"{ward_id} has no {instance.profession_of(need)} supervisors (or room) in "
            f"{week_number_range(weeks)}"
        )
    else:
        reason = rule_text(instance, need, ward_id, rule)
    return [
        Problem(
            f"student {need.student_id} is locked to {ward_id} for period {need.period_id}, but "
            f"hard rule 1 excludes it: {reason}",
            sheet=STUDENTS,
            row=need.row or None,
            column="locked_ward",
            value=ward_id,
            expected="a ward the student is eligible for",
            hint="Fix the ward's data or remove the lock",
        )
    ]


def _check_same_student_weeks(instance: Instance) -> list[Problem]:
    """Locked rows of one student that share a week can never both hold (hard rule 4)."""
    problems: list[Problem] = []
    rows: dict[str, list[Need]] = defaultdict(list)
    for need in instance.needs:
        rows[need.student_id].append(need)
    for student_id, needs in rows.items():
        if len(needs) < 2:
            continue
        for i, a in enumerate(needs):
            for b in needs[i + 1 :]:
                shared = set(instance.weeks_of(a)) & set(instance.weeks_of(b))
                if not shared:
                    continue
                both_locked = a.locked_ward and b.locked_ward
                problems.append(
                    Problem(
                        f"student {student_id} has periods {a.period_id} and {b.period_id} that "
                        f"share {week_number_range(shared)}"
                        + (
                            "; both are locked, which hard rule 4 forbids"
                            if both_locked
                            else "; at most one of them can be placed"
                        ),
                        sheet=STUDENTS,
                        row=b.row or None,
                        column="period_id",
                        severity="error" if both_locked else "note",
                    )
                )
    return problems


def _global_travel_limit(instance: Instance) -> float | None:
    """The Settings sheet's max_travel_km, if it holds a usable number."""
    for key, value in instance.settings.items():
        if key.strip().casefold().replace(" ", "_") in {"max_travel_km", "maks_reise_km"}:
            try:
                return float(value.replace(",", "."))
            except ValueError:
                return None
    return None
