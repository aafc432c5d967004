"""Which wards a student row may be placed at (hard rule 1), and why not the others.

Eligibility is a chain of filters, each one a rule of the spec. The chain is run
once per *signature* (programme, period, specialty), which most student rows
share, and only the rare personal rules (required tags, avoid list, history)
are applied per row. That keeps it fast at national scale (tens of thousands of
rows, thousands of wards) and gives the unplaced-reason report its counts:
"of 12 wards teaching surgery, 4 take nursing, 2 are open by agreement ...".
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from functools import cached_property

import numpy as np

from placement.capacity import CapacityGrid
from placement.instance import Instance, Need, norm


class Rule:
    """Names of the eligibility filters, in the order they are applied."""

    SPECIALTY = "specialty"
    PROFESSION = "profession"
    AGREEMENT = "agreement"
    TAGS = "requires"
    AVOID = "avoid"
    HISTORY = "history"
    TRAVEL = "travel"  # farther from home than max_travel_km, and no wish names the place
    CAPACITY = "capacity"  # no supervisor or student room in some week of the period

    ORDER = (SPECIALTY, PROFESSION, AGREEMENT, TAGS, AVOID, HISTORY, TRAVEL, CAPACITY)


@dataclass(frozen=True)
class Stage:
    """One filter of the chain: the rule and the wards it removed."""

    rule: str
    removed: tuple[str, ...]
    remaining: tuple[str, ...]


class Eligibility:
    """Eligible wards per student row, computed once per instance."""

    def __init__(self, instance: Instance, max_travel_km: float | None = None) -> None:
        self.instance = instance
        self.max_travel_km = max_travel_km  # the global limit; a programme's own overrides it
        self._open_cache: dict[tuple[str, str], frozenset[str] | None] = {}
        self._full_weeks_cache: dict[tuple[str, str, str], tuple[date, ...]] = {}
        self._base_cache: dict[tuple[str, str, str], list[Stage]] = {}
        self._stages_cache: dict[tuple[str, str], list[Stage]] = {}
        self._plain_cache: dict[tuple[str, str, str], list[Stage]] = {}
        self._room_cache: dict[tuple[str, str, str], frozenset[str]] = {}

    # ---- shared, per-signature part ------------------------------------------------------------
    @cached_property
    def _wards_by_specialty(self) -> dict[str, tuple[str, ...]]:
        out: dict[str, list[str]] = defaultdict(list)
        for ward in self.instance.wards:
            for key in ward.specialty_keys:
                out[key].append(ward.ward_id)
        return {k: tuple(v) for k, v in out.items()}

    @cached_property
    def _supervised_professions(self) -> dict[str, frozenset[str]]:
        """Per ward, professions with at least one supervisor row of count > 0."""
        out: dict[str, set[str]] = defaultdict(set)
        for row in self.instance.supervisors:
            if row.supervisors > 0:
                out[row.ward_id].add(norm(row.profession))
        return {k: frozenset(v) for k, v in out.items()}

    def _takes(self, ward_id: str, profession: str) -> bool:
        ward = self.instance.ward[ward_id]
        key = norm(profession)
        return ward.takes_profession(profession) and key in self._supervised_professions.get(
            ward_id, frozenset()
        )

    def _open_sites(self, need: Need) -> frozenset[str] | None:
        """Sites an agreement opens to this row's institution, programme and period."""
        return self._open_sites_for(need.programme_id, need.period_id)

    def _open_sites_for(self, programme_id: str, period_id: str) -> frozenset[str] | None:
        cache = self._open_cache
        key = (programme_id, period_id)
        if key not in cache:
            inst = self.instance
            if inst.agreements is None:
                cache[key] = None
            else:
                institution_id = inst.programme[programme_id].institution_id
                cache[key] = frozenset(
                    site.site_id
                    for site in inst.sites
                    if any(
                        inst.agreement_covers(
                            a, institution_id, site.site_id, programme_id, period_id
                        )
                        for a in inst.agreements
                    )
                )
        return cache[key]

    @cached_property
    def grid(self) -> CapacityGrid:
        """Supervisors and max_students per ward and week (shared with the ledger)."""
        return CapacityGrid.build(self.instance)

    def full_weeks(self, ward_id: str, profession: str, period_id: str) -> tuple[date, ...]:
        """Weeks of the period in which the ward has no room at all for one such student."""
        key = (ward_id, norm(profession), period_id)
        weeks = self._full_weeks_cache.get(key)
        if weeks is None:
            grid = self.grid
            mondays = self.instance.period[period_id].weeks
            first = grid.week_index[mondays[0]]
            ward = grid.ward_index[ward_id]
            prof = grid.profession_index.get(norm(profession))
            units = (
                grid.supervisor_units[ward, prof, first : first + len(mondays)]
                if prof is not None
                else np.zeros(len(mondays), dtype=np.int64)
            )
            closed = (units <= 0) | (grid.max_students[ward] <= 0)
            weeks = self._full_weeks_cache[key] = tuple(mondays[i] for i in np.flatnonzero(closed))
        return weeks

    def _base_stages(self, programme_id: str, period_id: str, specialty: str | None) -> list[Stage]:
        cache = self._base_cache
        key = (programme_id, period_id, norm(specialty))
        if key in cache:
            return cache[key]
        inst = self.instance
        profession = inst.programme[programme_id].profession
        teaching = self._wards_by_specialty.get(norm(specialty), ()) if specialty else ()
        stages = [Stage(Rule.SPECIALTY, (), teaching)]
        taking = tuple(w for w in teaching if self._takes(w, profession))
        stages.append(_stage(Rule.PROFESSION, teaching, taking))
        open_sites = self._open_sites_for(programme_id, period_id)
        opened = (
            taking
            if open_sites is None
            else tuple(w for w in taking if inst.ward[w].site_id in open_sites)
        )
        stages.append(_stage(Rule.AGREEMENT, taking, opened))
        cache[key] = stages
        return stages

    # ---- per row --------------------------------------------------------------------------------
    def stages(self, need: Need) -> list[Stage]:
        """The whole filter chain for one student row, each stage with what it removed."""
        cached = self._stages_cache.get(need.key)
        if cached is None:
            cached = self._stages_cache[need.key] = self._compute_stages(need)
        return cached

    def _compute_stages(self, need: Need) -> list[Stage]:
        inst = self.instance
        base = self._base_stages(need.programme_id, need.period_id, inst.specialty_of(need))
        history = inst.history_of.get(need.student_id, frozenset())
        travel_limit = self.travel_limit(need)
        if not (need.requires or need.avoid or history or travel_limit is not None):
            return self._plain_stages(need.programme_id, need.period_id, inst.specialty_of(need))
        stages = list(base)
        current = stages[-1].remaining
        if need.requires:
            required = {norm(t) for t in need.requires}
            kept = tuple(w for w in current if required <= inst.ward[w].tag_keys)
        else:
            kept = current
        stages.append(_stage(Rule.TAGS, current, kept))
        current = kept
        kept = tuple(w for w in current if not inst.is_avoided(need, w)) if need.avoid else current
        stages.append(_stage(Rule.AVOID, current, kept))
        current = kept
        kept = tuple(w for w in current if w not in history) if history else current
        stages.append(_stage(Rule.HISTORY, current, kept))
        current = kept
        if travel_limit is not None:
            wished = inst.wish_ranks(need)
            kept = tuple(
                w
                for w in current
                if w in wished
                or w == need.locked_ward  # an agreed placement is the coordinator's call
                or (inst.travel_km(need, w) or 0.0) <= travel_limit
            )
        stages.append(_stage(Rule.TRAVEL, current, kept))
        current = kept
        with_room = self._with_room(need.programme_id, need.period_id, inst.specialty_of(need))
        stages.append(_stage(Rule.CAPACITY, current, tuple(w for w in current if w in with_room)))
        return stages

    def _plain_stages(
        self, programme_id: str, period_id: str, specialty: str | None
    ) -> list[Stage]:
        """The chain for rows with no personal rule (most rows), cached per signature."""
        key = (programme_id, period_id, norm(specialty))
        stages = self._plain_cache.get(key)
        if stages is None:
            base = self._base_stages(programme_id, period_id, specialty)
            opened = base[-1].remaining
            unchanged = [
                Stage(rule, (), opened)
                for rule in (Rule.TAGS, Rule.AVOID, Rule.HISTORY, Rule.TRAVEL)
            ]
            with_room = self._with_room(programme_id, period_id, specialty)
            capacity = _stage(Rule.CAPACITY, opened, tuple(w for w in opened if w in with_room))
            stages = self._plain_cache[key] = [*base, *unchanged, capacity]
        return stages

    def _with_room(
        self, programme_id: str, period_id: str, specialty: str | None
    ) -> frozenset[str]:
        """Wards open to the signature that have room for one student in every week."""
        key = (programme_id, period_id, norm(specialty))
        wards = self._room_cache.get(key)
        if wards is None:
            profession = self.instance.programme[programme_id].profession
            opened = self._base_stages(programme_id, period_id, specialty)[-1].remaining
            wards = self._room_cache[key] = frozenset(
                w for w in opened if not self.full_weeks(w, profession, period_id)
            )
        return wards

    def travel_limit(self, need: Need) -> float | None:
        """The row's travel limit in km, or None where none applies (no limit or no home)."""
        limit = self.instance.programme[need.programme_id].max_travel_km
        if limit is None:
            limit = self.max_travel_km
        if limit is None or self.instance.home_coordinates(need) is None:
            return None
        return limit

    def allowed_wards(self, need: Need) -> tuple[str, ...]:
        """Wards that hard rule 1 allows for this row (capacity not considered)."""
        return self.stages(need)[-2].remaining

    def eligible_wards(self, need: Need) -> tuple[str, ...]:
        """Wards allowed by rule 1 that also have room for one student in every week.

        These are the only wards the solver creates variables for.
        """
        return self.stages(need)[-1].remaining

    def excluding_rule(self, need: Need, ward_id: str) -> str | None:
        """The first rule that excludes `ward_id` for `need`, or None if it is eligible."""
        for stage in self.stages(need):
            if stage.rule == Rule.SPECIALTY:
                if ward_id not in stage.remaining:
                    return Rule.SPECIALTY
            elif ward_id in stage.removed:
                return stage.rule
        return None


def _stage(rule: str, before: tuple[str, ...], after: tuple[str, ...]) -> Stage:
    kept = set(after)
    return Stage(rule, tuple(w for w in before if w not in kept), after)
