"""The placement instance: what one input workbook says, as checked pydantic models.

Everything downstream (solver, checker, reports) reads these models; nothing
downstream cleans data. Derived lookups (a ward's trust, a student row's
profession and weeks, supervisors per ward, profession and week) live here once
so that the solver and the independent checker agree on what the words mean.
"""

from __future__ import annotations

import math
import unicodedata
from collections import defaultdict
from datetime import date
from functools import cached_property

from pydantic import Field, model_validator

from placement.base import FrozenModel
from placement.weeks import in_range, weeks_touched


def norm(text: str | None) -> str:
    """Comparison key for free text (specialties, professions, tags, wishes).

    Case-, accent-form- and whitespace-insensitive: `Surgery ` matches `surgery`.
    """
    if text is None:
        return ""
    return " ".join(unicodedata.normalize("NFC", text).casefold().split())


class Institution(FrozenModel):
    """A university or college that sends students (e.g. HVL, UiB)."""

    institution_id: str
    name: str = ""


class Programme(FrozenModel):
    """A study programme of one institution, for one profession."""

    programme_id: str
    institution_id: str
    name: str = ""
    profession: str
    students_per_supervisor: int = Field(default=1, ge=1)
    max_travel_km: float | None = Field(default=None, ge=0)


class Period(FrozenModel):
    """A practice period of one programme: dates, field and supervision model."""

    period_id: str
    programme_id: str
    start_date: date
    end_date: date
    specialty: str | None = None
    students_per_supervisor: int | None = Field(default=None, ge=1)

    @model_validator(mode="after")
    def _dates_in_order(self) -> Period:
        if self.end_date < self.start_date:
            raise ValueError(f"period {self.period_id}: end_date is before start_date")
        return self

    @cached_property
    def weeks(self) -> tuple[date, ...]:
        """Mondays of the ISO weeks this period occupies."""
        return weeks_touched(self.start_date, self.end_date)


class Site(FrozenModel):
    """A hospital or other placement site, belonging to a trust (organisation)."""

    site_id: str
    name: str = ""
    organisation: str | None = None
    location: str | None = None


class Ward(FrozenModel):
    """A ward (post) of a site: fields taught, tags, student limit."""

    ward_id: str
    site_id: str
    name: str = ""
    specialties: tuple[str, ...]
    max_students: int | None = Field(default=None, ge=0)
    professions: tuple[str, ...] = ()
    tags: tuple[str, ...] = ()
    location: str | None = None

    @cached_property
    def specialty_keys(self) -> frozenset[str]:
        return frozenset(norm(s) for s in self.specialties)

    @cached_property
    def profession_keys(self) -> frozenset[str]:
        return frozenset(norm(p) for p in self.professions)

    @cached_property
    def tag_keys(self) -> frozenset[str]:
        return frozenset(norm(t) for t in self.tags)

    def takes_profession(self, profession: str) -> bool:
        """A blank professions list takes any profession it has supervisors for."""
        return not self.professions or norm(profession) in self.profession_keys


class SupervisorRow(FrozenModel):
    """Supervisors of one profession at one ward, optionally for a date range."""

    ward_id: str
    profession: str
    supervisors: int = Field(ge=0)
    start_date: date | None = None
    end_date: date | None = None


class Agreement(FrozenModel):
    """An agreement opening a site or a whole trust to an institution.

    It counts the placed students matching all its columns; `max_places` is a
    hard limit, `min_places` a promise met where possible.
    """

    agreement_id: str
    institution_id: str
    site_id: str | None = None
    organisation: str | None = None
    programme_id: str | None = None
    period_id: str | None = None
    min_places: int = Field(default=0, ge=0)
    max_places: int | None = Field(default=None, ge=0)

    @model_validator(mode="after")
    def _site_or_organisation(self) -> Agreement:
        if (self.site_id is None) == (self.organisation is None):
            raise ValueError("give exactly one of site_id and organisation")
        return self

    @property
    def label(self) -> str:
        """Short human description, e.g. `HVL at Helse Bergen HF, HVL-SYK, all periods`."""
        where = self.site_id or self.organisation
        programme = self.programme_id or "all programmes"
        period = self.period_id or "all periods"
        return f"{self.institution_id} at {where} ({programme}, {period})"


class Need(FrozenModel):
    """One row of the Students sheet: one placement that one student needs."""

    student_id: str
    period_id: str
    programme_id: str
    name: str = ""
    specialty: str | None = None
    preferences: tuple[str, ...] = ()
    requires: tuple[str, ...] = ()
    avoid: tuple[str, ...] = ()
    group_id: str | None = None
    locked_ward: str | None = None
    home_location: str | None = None
    row: int = 0  # Excel row number in the Students sheet, for messages; 0 when built in code

    @property
    def key(self) -> tuple[str, str]:
        """(student_id, period_id): unique per workbook."""
        return (self.student_id, self.period_id)


class HistoryEntry(FrozenModel):
    """A ward a student has been placed at before: never again (hard rule 1)."""

    student_id: str
    ward_id: str


class Location(FrozenModel):
    """Coordinates of a town, for travel distances."""

    location: str
    latitude: float = Field(ge=-90, le=90)
    longitude: float = Field(ge=-180, le=180)


class Instance(FrozenModel):
    """A whole input workbook, cross-references checked (see `placement.validate`)."""

    institutions: tuple[Institution, ...]
    programmes: tuple[Programme, ...]
    periods: tuple[Period, ...]
    sites: tuple[Site, ...]
    wards: tuple[Ward, ...]
    supervisors: tuple[SupervisorRow, ...]
    agreements: tuple[Agreement, ...] | None = None  # None: no Agreements sheet, all open
    needs: tuple[Need, ...]
    history: tuple[HistoryEntry, ...] = ()
    locations: tuple[Location, ...] = ()
    settings: dict[str, str] = Field(default_factory=dict)
    costs: dict[str, float] = Field(default_factory=dict)  # profession key -> per student-week
    source_sha256: str = ""
    source_name: str = ""
    language: str = "en"  # language of the input's sheet names: "en" or "nb"

    # ---- lookups -------------------------------------------------------------------------
    @cached_property
    def institution(self) -> dict[str, Institution]:
        return {i.institution_id: i for i in self.institutions}

    @cached_property
    def programme(self) -> dict[str, Programme]:
        return {p.programme_id: p for p in self.programmes}

    @cached_property
    def period(self) -> dict[str, Period]:
        return {p.period_id: p for p in self.periods}

    @cached_property
    def site(self) -> dict[str, Site]:
        return {s.site_id: s for s in self.sites}

    @cached_property
    def ward(self) -> dict[str, Ward]:
        return {w.ward_id: w for w in self.wards}

    @cached_property
    def need(self) -> dict[tuple[str, str], Need]:
        return {n.key: n for n in self.needs}

    @property
    def num_students(self) -> int:
        """Distinct students (a student may need several placements)."""
        return len({n.student_id for n in self.needs})

    @property
    def num_needs(self) -> int:
        """Student-periods: rows of the Students sheet."""
        return len(self.needs)

    @property
    def agreements_apply(self) -> bool:
        """False when the workbook has no agreements: every site is open to everyone."""
        return self.agreements is not None

    # ---- what a student row means ----------------------------------------------------------
    def institution_of(self, need: Need) -> str:
        return self.programme[need.programme_id].institution_id

    def profession_of(self, need: Need) -> str:
        return self.programme[need.programme_id].profession

    def specialty_of(self, need: Need) -> str | None:
        """The student row's specialty, else its period's."""
        return need.specialty if need.specialty else self.period[need.period_id].specialty

    def students_per_supervisor(self, period_id: str) -> int:
        """The period's supervision model, else its programme's."""
        period = self.period[period_id]
        if period.students_per_supervisor is not None:
            return period.students_per_supervisor
        return self.programme[period.programme_id].students_per_supervisor

    def weeks_of(self, need: Need) -> tuple[date, ...]:
        return self.period[need.period_id].weeks

    # ---- what a ward means -----------------------------------------------------------------
    def organisation_of(self, ward_id: str) -> str | None:
        return self.site[self.ward[ward_id].site_id].organisation

    def location_of(self, ward_id: str) -> str | None:
        """The ward's location, else its site's."""
        ward = self.ward[ward_id]
        return ward.location if ward.location else self.site[ward.site_id].location

    @cached_property
    def ward_name_keys(self) -> dict[str, frozenset[str]]:
        """Per ward, every name a wish or avoid entry may use for it (normalised)."""
        out: dict[str, frozenset[str]] = {}
        for ward in self.wards:
            site = self.site.get(ward.site_id)
            names = {ward.ward_id, ward.site_id}
            if site is not None and site.organisation:
                names.add(site.organisation)
            location = ward.location or (site.location if site else None)
            if location:
                names.add(location)
            out[ward.ward_id] = frozenset(norm(n) for n in names)
        return out

    @cached_property
    def wish_targets(self) -> dict[str, tuple[str, ...]]:
        """For each normalised wish text, the wards it names (ward, site, trust or town)."""
        targets: dict[str, list[str]] = defaultdict(list)
        for ward_id, names in self.ward_name_keys.items():
            for name in names:
                targets[name].append(ward_id)
        return {name: tuple(wards) for name, wards in targets.items()}

    def wish_ranks(self, need: Need) -> dict[str, int]:
        """Per ward some wish of `need` names, the 1-based rank of the first such wish."""
        cache = self._wish_rank_cache
        ranks = cache.get(need.key)
        if ranks is None:
            ranks = {}
            for rank, wish in enumerate(need.preferences, start=1):
                for ward_id in self.wish_targets.get(norm(wish), ()) if wish else ():
                    ranks.setdefault(ward_id, rank)
            cache[need.key] = ranks
        return ranks

    @cached_property
    def _wish_rank_cache(self) -> dict[tuple[str, str], dict[str, int]]:
        return {}

    def preference_rank(self, need: Need, ward_id: str) -> int | None:
        """1-based rank of the first wish of `need` that names `ward_id`, or None."""
        return self.wish_ranks(need).get(ward_id)

    def is_avoided(self, need: Need, ward_id: str) -> bool:
        """Conflict of interest: the avoid list names this ward or its site."""
        if not need.avoid:
            return False
        ward = self.ward[ward_id]
        keys = {norm(ward.ward_id), norm(ward.site_id)}
        return any(norm(a) in keys for a in need.avoid)

    @cached_property
    def history_of(self) -> dict[str, frozenset[str]]:
        """Per student_id, the wards it has been placed at before."""
        out: dict[str, set[str]] = defaultdict(set)
        for entry in self.history:
            out[entry.student_id].add(entry.ward_id)
        return {s: frozenset(w) for s, w in out.items()}

    # ---- capacity ----------------------------------------------------------------------------
    @cached_property
    def supervisor_rows(self) -> dict[tuple[str, str], tuple[SupervisorRow, ...]]:
        """Supervisor rows per (ward_id, normalised profession)."""
        out: dict[tuple[str, str], list[SupervisorRow]] = defaultdict(list)
        for row in self.supervisors:
            out[(row.ward_id, norm(row.profession))].append(row)
        return {k: tuple(v) for k, v in out.items()}

    def supervisors_in_week(self, ward_id: str, profession: str, monday: date) -> int:
        """Supervisors of `profession` at `ward_id` in the week of `monday` (rows add up)."""
        rows = self.supervisor_rows.get((ward_id, norm(profession)), ())
        return sum(r.supervisors for r in rows if in_range(monday, r.start_date, r.end_date))

    @cached_property
    def all_weeks(self) -> tuple[date, ...]:
        """Every week some period occupies, in order."""
        return tuple(sorted({w for p in self.periods for w in p.weeks}))

    # ---- agreements ----------------------------------------------------------------------------
    def agreement_covers(
        self,
        agreement: Agreement,
        institution_id: str,
        site_id: str,
        programme_id: str,
        period_id: str,
    ) -> bool:
        """Whether `agreement` matches all its columns for this placement."""
        if agreement.institution_id != institution_id:
            return False
        if agreement.site_id is not None:
            if agreement.site_id != site_id:
                return False
        elif norm(agreement.organisation) != norm(self.site[site_id].organisation):
            return False
        if agreement.programme_id is not None and agreement.programme_id != programme_id:
            return False
        return agreement.period_id is None or agreement.period_id == period_id

    def agreements_counting(self, need: Need, ward_id: str) -> list[Agreement]:
        """Agreements that count a placement of `need` at `ward_id`."""
        if self.agreements is None:
            return []
        site_id = self.ward[ward_id].site_id
        institution_id = self.institution_of(need)
        return [
            a
            for a in self.agreements
            if self.agreement_covers(a, institution_id, site_id, need.programme_id, need.period_id)
        ]

    def site_open_to(self, need: Need, site_id: str) -> bool:
        """Some agreement covers this institution, site, programme and period (or none exist)."""
        if self.agreements is None:
            return True
        institution_id = self.institution_of(need)
        return any(
            self.agreement_covers(a, institution_id, site_id, need.programme_id, need.period_id)
            for a in self.agreements
        )

    # ---- travel ----------------------------------------------------------------------------------
    @cached_property
    def coordinates(self) -> dict[str, tuple[float, float]]:
        return {norm(loc.location): (loc.latitude, loc.longitude) for loc in self.locations}

    def distance_km(self, place_a: str | None, place_b: str | None) -> float | None:
        """Great-circle distance between two named towns, or None if either is unknown."""
        if not place_a or not place_b:
            return None
        a, b = self.coordinates.get(norm(place_a)), self.coordinates.get(norm(place_b))
        if a is None or b is None:
            return None
        return haversine_km(a, b)

    def home_coordinates(self, need: Need) -> tuple[float, float] | None:
        """Coordinates of the row's home_location, if the Locations sheet has them."""
        if not need.home_location:
            return None
        return self.coordinates.get(norm(need.home_location))

    def travel_km(self, need: Need, ward_id: str) -> float | None:
        """Great-circle km from the row's home_location to the ward (None if either unknown)."""
        return self.distance_km(need.home_location, self.location_of(ward_id))

    @property
    def has_travel(self) -> bool:
        """Whether any row has a home whose distance to some ward can be measured."""
        return bool(self.locations) and any(
            self.home_coordinates(n) is not None for n in self.needs
        )


def haversine_km(a: tuple[float, float], b: tuple[float, float]) -> float:
    """Great-circle distance in km between two (latitude, longitude) points."""
    lat1, lon1, lat2, lon2 = map(math.radians, (*a, *b))
    h = (
        math.sin((lat2 - lat1) / 2) ** 2
        + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    )
    return 2 * 6371.0088 * math.asin(math.sqrt(min(1.0, h)))
