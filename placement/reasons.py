"""Why a student row was not placed: a sentence a coordinator can act on.

Either a rule leaves no ward at all (say which rule, and how many wards each
rule removed), or every eligible ward is full in the final allocation (name the
wards, the weeks, and whether supervisors, max_students, an agreement's maximum
or the student's own other placement is what binds).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable

from placement.allocation import Placement
from placement.capacity import CapacityLedger
from placement.eligibility import Eligibility, Rule, Stage
from placement.instance import Instance, Need
from placement.validate import rule_text
from placement.weeks import week_number_range

MAX_WARDS_NAMED = 4


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}" + ("" if n == 1 else "s")


def _names(items: Iterable[str], limit: int = MAX_WARDS_NAMED) -> str:
    items = list(items)
    shown = ", ".join(items[:limit])
    return shown + (f" and {len(items) - limit} more" if len(items) > limit else "")


class ReasonFinder:
    """Explains unplaced rows against a final set of placements."""

    def __init__(
        self, instance: Instance, eligibility: Eligibility, placements: Iterable[Placement]
    ) -> None:
        self.instance = instance
        self.eligibility = eligibility
        self.ledger = CapacityLedger(instance)
        self.periods_placed: dict[str, list[str]] = defaultdict(list)  # per student_id
        self.placed_rows: list[tuple[Need, str]] = []
        for placement in placements:
            self.ledger.place(instance.need[placement.key], placement.ward_id)
            self.placed_rows.append((instance.need[placement.key], placement.ward_id))
            self.periods_placed[placement.student_id].append(placement.period_id)

    def reason(self, need: Need) -> str:
        """One sentence: why this row has no placement."""
        stages = self.eligibility.stages(need)
        for i, stage in enumerate(stages):
            if not stage.remaining:
                return self._no_ward(need, stages[: i + 1])
        return self._all_full(need, stages[-1].remaining)

    # ---- a rule leaves no ward ----------------------------------------------------------------
    def _no_ward(self, need: Need, stages: list[Stage]) -> str:
        inst = self.instance
        specialty = inst.specialty_of(need)
        profession = inst.profession_of(need)
        last = stages[-1]
        trail = self._trail(stages)
        if last.rule == Rule.SPECIALTY:
            if not specialty:
                return (
                    "the row has no specialty and its period names none, so no ward can be "
                    "chosen; fill in Students.specialty or Periods.specialty"
                )
            return f"no ward teaches {specialty}; add {specialty} to a ward's specialties"
        if last.rule == Rule.PROFESSION:
            return (
                f"none of the {_count(len(last.removed), 'ward')} teaching {specialty} "
                f"takes {profession} students with {profession} supervisors "
                f"({_names(last.removed)})"
            )
        if last.rule == Rule.AGREEMENT:
            sites = sorted({inst.ward[w].site_id for w in last.removed})
            return (
                f"no agreement opens {_names(sites)} (the sites of the "
                f"{_count(len(last.removed), 'ward')} teaching {specialty} to {profession} "
                f"students) to {inst.institution_of(need)} for programme "
                f"{need.programme_id}, period {need.period_id}"
            )
        if last.rule == Rule.TAGS:
            return (
                f"none of the {_count(len(last.removed), 'ward')} otherwise open to the "
                f"student has {', '.join(need.requires)} (required); {trail}"
            )
        if last.rule == Rule.AVOID:
            return (
                f"the avoid list rules out every remaining ward ({_names(last.removed)}); {trail}"
            )
        if last.rule == Rule.HISTORY:
            return (
                f"the student has been at every remaining ward before "
                f"({_names(last.removed)}); {trail}"
            )
        if last.rule == Rule.TRAVEL:
            limit = self.eligibility.travel_limit(need)
            return (
                f"every remaining ward is farther than {limit:g} km (max_travel_km) from the "
                f"student's home {need.home_location} and no wish names it "
                f"({_names(last.removed)}); {trail}"
            )
        # capacity: every allowed ward has no room at all in some week
        details = []
        for ward_id in last.removed:
            weeks = self.eligibility.full_weeks(ward_id, profession, need.period_id)
            details.append(f"{ward_id} ({week_number_range(weeks)})")
        return (
            f"each of the {_count(len(last.removed), 'ward')} the student may go to has no "
            f"{profession} supervisors or room in part of the period: {_names(details)}"
        )

    def _trail(self, stages: list[Stage]) -> str:
        """`wards: 12 teach surgery, 8 take nursing, 3 open by agreement, 0 after requires`."""
        words = {
            Rule.SPECIALTY: "teach the specialty",
            Rule.PROFESSION: "take the profession",
            Rule.AGREEMENT: "are open by agreement",
            Rule.TAGS: "have the required tags",
            Rule.AVOID: "are not on the avoid list",
            Rule.HISTORY: "are new to the student",
            Rule.TRAVEL: "are within max_travel_km",
            Rule.CAPACITY: "have room in every week",
        }
        parts = [f"{len(s.remaining)} {words[s.rule]}" for s in stages]
        return "wards: " + ", ".join(parts)

    # ---- every eligible ward is full -------------------------------------------------------------
    def _all_full(self, need: Need, wards: tuple[str, ...]) -> str:
        inst = self.instance
        busy_weeks = set(inst.weeks_of(need)) & self.ledger.busy_weeks[need.student_id]
        if busy_weeks:
            other = [
                period_id
                for period_id in self.periods_placed[need.student_id]
                if set(inst.period[period_id].weeks) & busy_weeks
            ]
            return (
                f"the student is already placed in period {', '.join(other)}, which shares "
                f"{week_number_range(busy_weeks)} with this period (a student cannot be in "
                "two places in one week)"
            )
        rooms = self.ledger.rooms(need, wards)
        with_room = [w for w, room in zip(wards, rooms, strict=True) if room > 0]
        if with_room:
            return (
                f"{_names(with_room)} still had room, but the solver stopped (time limit or "
                "interrupt) before placing the student; run again with a longer time limit"
            )
        profession = inst.profession_of(need)
        by_cause: dict[str, list[str]] = {"supervisors": [], "max_students": []}
        agreement_full: dict[str, list[str]] = {}
        for ward_id in wards:
            agreement = self.full_agreement(need, ward_id)
            if agreement is not None:
                agreement_full.setdefault(agreement, []).append(ward_id)
                continue
            sup_weeks, max_weeks = self.ledger.full_weeks(need, ward_id)
            if sup_weeks:
                by_cause["supervisors"].append(f"{ward_id} ({week_number_range(sup_weeks)})")
            elif max_weeks:
                by_cause["max_students"].append(f"{ward_id} ({week_number_range(max_weeks)})")
        parts = []
        if by_cause["supervisors"]:
            parts.append(
                f"{profession} supervisors fully used at {_names(by_cause['supervisors'])}"
            )
        if by_cause["max_students"]:
            parts.append(f"max_students reached at {_names(by_cause['max_students'])}")
        for agreement_id, ward_ids in agreement_full.items():
            full = next(a for a in inst.agreements or () if a.agreement_id == agreement_id)
            parts.append(
                f"agreement {agreement_id} ({full.label}) has used all "
                f"{full.max_places} of its max_places, closing {_names(ward_ids)}"
            )
        return (
            f"all {_count(len(wards), 'eligible ward')} are full in the student's weeks: "
            + "; ".join(parts)
        )

    def full_agreement(self, need: Need, ward_id: str) -> str | None:
        """The agreement whose max_places is used up and would count this row at the ward."""
        for agreement in self.ledger.agreements_for(need, ward_id):
            if agreement.max_places is not None and (
                self.ledger.agreement_count[agreement.agreement_id] >= agreement.max_places
            ):
                return agreement.agreement_id
        return None


def wish_explanations(
    instance: Instance,
    eligibility: Eligibility,
    placements: Iterable[Placement],
    student_id: str,
) -> list[str]:
    """Why each of a student's rows did not get a better wish: one sentence per higher wish.

    For each wish ranked above the one given (all wishes if none matched), say
    whether a rule excludes its wards, or who fills them in which weeks.
    """
    placements = list(placements)
    at = {p.key: p.ward_id for p in placements}
    lines: list[str] = []
    needs = [n for n in instance.needs if n.student_id == student_id]
    for need in needs:
        ward_id = at.get(need.key)
        given = instance.preference_rank(need, ward_id) if ward_id else None
        where = f"placed at {ward_id}" if ward_id else "not placed"
        wish = f"wish {given}" if given else "none of the wishes"
        lines.append(f"period {need.period_id}: {where} ({wish})")
        if not any(need.preferences):
            lines.append("  the student gave no wishes")
            continue
        others = [p for p in placements if p.key != need.key]
        finder = ReasonFinder(instance, eligibility, others)
        allowed = set(eligibility.allowed_wards(need))
        for rank, target in enumerate(need.preferences, start=1):
            if not target or (given is not None and rank >= given):
                continue
            wards = [
                w.ward_id
                for w in instance.wards
                if instance.preference_rank(need, w.ward_id) == rank
            ]
            if not wards:
                lines.append(f"  wish {rank} ({target}): names no ward the student could match")
                continue
            lines.append(f"  wish {rank} ({target}):")
            for ward in wards:
                why = _why_not_ward(instance, eligibility, finder, need, ward, allowed)
                lines.append(f"    {ward}: {why}")
    return lines


def _why_not_ward(
    instance: Instance,
    eligibility: Eligibility,
    finder: ReasonFinder,
    need: Need,
    ward_id: str,
    allowed: set[str],
) -> str:
    if ward_id not in allowed:
        rule = eligibility.excluding_rule(need, ward_id) or Rule.CAPACITY
        return "not possible: " + rule_text(instance, need, ward_id, rule)
    agreement = finder.full_agreement(need, ward_id)
    if agreement is not None:
        return f"agreement {agreement}'s max_places is used up by other students"
    sup_weeks, max_weeks = finder.ledger.full_weeks(need, ward_id)
    weeks = sup_weeks or max_weeks
    if not weeks:
        if ward_id in eligibility.eligible_wards(need):
            return (
                "had room, but placing the student there would cost more on a higher "
                "objective level (more placements or agreement minimums elsewhere)"
            )
        return "has no room in part of the period"
    occupants = sorted(
        {
            p_need.student_id
            for p_need, ward in finder.placed_rows
            if ward == ward_id and set(instance.weeks_of(p_need)) & set(weeks)
        }
    )
    what = (
        f"{instance.profession_of(need)} supervisors fully used"
        if sup_weeks
        else "max_students reached"
    )
    return f"full in {week_number_range(weeks)} ({what}) by {_names(occupants, 8)}"
