"""A harder synthetic Helse Vest region, kept as the benchmark scenario `hard`.

Written as an alternative to `placement.demo` (81 staggered periods, mixed
one-to-one and paired supervision on the same wards, more students with two
periods). On it the project's solver falls well short of HiGHS on levels 1-3
(see bench/results/hard.md): this scenario is here to measure that gap until
it is closed.


Why: coordinators, tests and benchmarks need a workbook that looks and behaves
like a real semester in western Norway without holding anyone's personal data.

What: the real institutions (UiB, HVL with its campuses in Bergen, Førde,
Haugesund and Stord, VID, UiS) and the real trusts and hospitals of the region
with their towns and coordinates; synthetic programmes, periods (autumn 2026),
wards, supervisors, agreements and students shaped like the real thing:

- Haukeland (HUS) and Stavanger (SUS) hold most wards and draw most wishes;
- supervisors only just cover each field's busiest week (a hub gets a smaller
  share of its trust's supervisors than the local hospitals do); some wards
  lose supervisors mid-semester, and some cap students of all professions;
- agreements per institution and trust (or site), some per programme or
  period, promise minimums and some cap the places;
- a few students need two periods, need a ward feature, have a conflict of
  interest, come as a group, have been placed before, or have an agreed
  (locked) placement that is eligible and jointly feasible with the others.

Everything is drawn from one `random.Random(seed)` and only ever iterates over
ordered containers, so a (size, seed) pair always gives the same region.
"""

from __future__ import annotations

import math
import random
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta

from placement.eligibility import Eligibility
from placement.instance import (
    Agreement,
    HistoryEntry,
    Instance,
    Institution,
    Location,
    Need,
    Period,
    Programme,
    Site,
    SupervisorRow,
    Ward,
)

# ---- the region's geography ------------------------------------------------------------------

TOWNS: dict[str, tuple[float, float]] = {
    # hospital towns
    "Bergen": (60.3913, 5.3221),
    "Voss": (60.6290, 6.4160),
    "Stavanger": (58.9690, 5.7331),
    "Haugesund": (59.4136, 5.2680),
    "Stord": (59.7800, 5.5000),
    "Odda": (60.0680, 6.5460),
    "Førde": (61.4520, 5.8570),
    "Nordfjordeid": (61.9110, 5.9870),
    "Lærdal": (61.0990, 7.4830),
    # Kysthospitalet i Hagevik (Helse Bergen's rehabilitation) is in Os
    "Os": (60.1860, 5.4690),
    # where students live
    "Knarvik": (60.5470, 5.2870),
    "Kleppestø": (60.4090, 5.2250),
    "Norheimsund": (60.3710, 6.1460),
    "Florø": (61.5990, 5.0330),
    "Sogndal": (61.2290, 7.1000),
    "Kopervik": (59.2830, 5.3060),
    "Husnes": (59.8650, 5.7630),
    "Sandnes": (58.8520, 5.7350),
    "Bryne": (58.7350, 5.6480),
    "Egersund": (58.4510, 5.9990),
}
"""Towns of the Locations sheet (decimal degrees)."""

HOME_TOWNS: dict[str, tuple[tuple[str, float], ...]] = {
    # campus town -> where its students live, weighted
    "Bergen": (("Bergen", 6.0), ("Os", 1.0), ("Knarvik", 1.0), ("Kleppestø", 1.0),
               ("Voss", 0.4), ("Norheimsund", 0.3)),
    "Førde": (("Førde", 4.0), ("Florø", 1.5), ("Nordfjordeid", 1.0), ("Sogndal", 1.0),
              ("Lærdal", 0.4)),
    "Haugesund": (("Haugesund", 5.0), ("Kopervik", 1.5), ("Stord", 0.5), ("Odda", 0.3)),
    "Stord": (("Stord", 4.0), ("Husnes", 1.0), ("Haugesund", 1.0), ("Odda", 0.3),
              ("Bergen", 0.5)),
    "Stavanger": (("Stavanger", 5.0), ("Sandnes", 2.5), ("Bryne", 1.0), ("Egersund", 0.6),
                  ("Haugesund", 0.3)),
}  # fmt: skip


@dataclass(frozen=True)
class _WardKind:
    """A kind of ward: what it teaches and which professions it supervises."""

    name: str  # Norwegian, as on the hospital's signs
    extras: tuple[str, ...]  # further specialties some wards of this kind also teach
    core: tuple[str, ...]  # professions it takes; the first always, the others mostly
    optional: tuple[str, ...]  # professions only some such wards take
    share: float  # of the wards at a site that has the kind


WARD_KINDS: dict[str, _WardKind] = {
    # main specialty -> kind
    "medicine": _WardKind("Medisinsk sengepost", ("geriatrics", "oncology", "emergency"),
                          ("nursing", "medicine", "physiotherapy"), ("occupational therapy",),
                          0.20),
    "surgery": _WardKind("Kirurgisk sengepost", ("orthopaedics", "oncology", "emergency"),
                         ("nursing", "medicine"), ("physiotherapy",), 0.15),
    "psychiatry": _WardKind("Psykiatrisk døgnpost", ("geriatrics",),
                            ("nursing", "medicine", "occupational therapy"), (), 0.12),
    "paediatrics": _WardKind("Barne- og ungdomspost", ("emergency",), ("nursing", "medicine"),
                             ("physiotherapy",), 0.06),
    "maternity": _WardKind("Føde- og barselavdeling", ("paediatrics",),
                           ("midwifery", "medicine"), ("nursing",), 0.05),
    "emergency": _WardKind("Akuttmottak", ("medicine", "surgery"),
                           ("nursing", "medicine", "paramedic"), (), 0.05),
    "orthopaedics": _WardKind("Ortopedisk sengepost", ("surgery", "rehabilitation"),
                              ("nursing", "physiotherapy", "medicine"), (), 0.06),
    "oncology": _WardKind("Kreftavdeling", ("medicine",), ("nursing", "medicine", "radiography"),
                          ("physiotherapy",), 0.06),
    "geriatrics": _WardKind("Geriatrisk sengepost", ("medicine", "rehabilitation"),
                            ("nursing", "physiotherapy", "occupational therapy"),
                            ("medicine",), 0.08),
    "rehabilitation": _WardKind("Rehabiliteringspost", ("orthopaedics", "geriatrics"),
                                ("physiotherapy", "occupational therapy", "nursing"), (), 0.06),
    "radiology": _WardKind("Radiologisk avdeling", (), ("radiography", "medicine"), (), 0.07),
    "laboratory": _WardKind("Laboratorium for medisinsk biokjemi", (),
                            ("biomedical laboratory science",), (), 0.04),
}  # fmt: skip

ALL_KINDS = tuple(WARD_KINDS)


@dataclass(frozen=True)
class _SiteSpec:
    site_id: str
    name: str
    organisation: str
    town: str
    weight: float  # share of the region's wards
    kinds: tuple[str, ...]  # ward kinds the hospital has, the essential ones first
    hub: bool = False


SITES = (
    _SiteSpec("HUS", "Haukeland universitetssjukehus", "Helse Bergen HF", "Bergen", 10.0,
              ALL_KINDS, hub=True),
    _SiteSpec("VOSS", "Voss sjukehus", "Helse Bergen HF", "Voss", 1.0,
              ("medicine", "surgery", "emergency", "maternity", "radiology", "orthopaedics",
               "geriatrics", "rehabilitation")),
    _SiteSpec("HDS", "Haraldsplass Diakonale Sykehus", "Haraldsplass Diakonale Sykehus",
              "Bergen", 1.8,
              ("medicine", "surgery", "geriatrics", "emergency", "orthopaedics", "oncology",
               "radiology", "rehabilitation", "laboratory")),
    _SiteSpec("SUS", "Stavanger universitetssjukehus", "Helse Stavanger HF", "Stavanger", 7.0,
              ALL_KINDS, hub=True),
    _SiteSpec("HAU", "Haugesund sjukehus", "Helse Fonna HF", "Haugesund", 2.6,
              ("medicine", "surgery", "psychiatry", "emergency", "maternity", "paediatrics",
               "radiology", "orthopaedics", "geriatrics", "oncology", "laboratory",
               "rehabilitation")),
    _SiteSpec("STO", "Stord sjukehus", "Helse Fonna HF", "Stord", 1.0,
              ("medicine", "surgery", "emergency", "maternity", "radiology", "geriatrics",
               "laboratory")),
    _SiteSpec("ODDA", "Odda sjukehus", "Helse Fonna HF", "Odda", 0.5,
              ("medicine", "emergency", "radiology", "geriatrics")),
    _SiteSpec("FSS", "Førde sentralsjukehus", "Helse Førde HF", "Førde", 2.6,
              ("medicine", "surgery", "psychiatry", "emergency", "maternity", "paediatrics",
               "radiology", "orthopaedics", "oncology", "geriatrics", "laboratory",
               "rehabilitation")),
    _SiteSpec("NFJ", "Nordfjord sjukehus", "Helse Førde HF", "Nordfjordeid", 0.6,
              ("medicine", "surgery", "emergency", "maternity", "radiology")),
    _SiteSpec("LAE", "Lærdal sjukehus", "Helse Førde HF", "Lærdal", 0.5,
              ("medicine", "emergency", "radiology", "rehabilitation")),
)  # fmt: skip

INSTITUTIONS = (
    ("UiB", "Universitetet i Bergen"),
    ("HVL", "Høgskulen på Vestlandet"),
    ("VID", "VID vitenskapelige høgskole"),
    ("UiS", "Universitetet i Stavanger"),
)

# ---- programmes and their periods ---------------------------------------------------------------

SEMESTER_START = date(2026, 8, 17)  # Monday of ISO week 34; the semester runs 18 weeks


@dataclass(frozen=True)
class _PeriodSpec:
    specialty: str
    start_week: int  # weeks after SEMESTER_START
    weeks: int  # ISO weeks it occupies (Monday of the first to Friday of the last)
    weight: float = 1.0  # share of the programme's student rows
    students_per_supervisor: int | None = None  # overrides the programme's model

    @property
    def end_week(self) -> int:
        return self.start_week + self.weeks - 1


@dataclass(frozen=True)
class _ProgrammeSpec:
    programme_id: str
    institution_id: str
    name: str
    profession: str
    students_per_supervisor: int
    campus: str  # town
    share: float  # of the region's student rows
    periods: tuple[_PeriodSpec, ...]
    places: tuple[tuple[str, float], ...]  # trusts (or sites) it is placed at, weighted

    @property
    def hub(self) -> str:
        """The big university hospital its students wish for most."""
        return "HUS" if any(p in {"Helse Bergen HF", "HUS"} for p, _ in self.places) else "SUS"


_P = _PeriodSpec
HB, HDS, HS, HF, HFD = (
    "Helse Bergen HF",
    "Haraldsplass Diakonale Sykehus",
    "Helse Stavanger HF",
    "Helse Fonna HF",
    "Helse Førde HF",
)


def _blocks(
    first: tuple[int, int], second: tuple[int, int], *fields: tuple[str, float, float]
) -> tuple[_PeriodSpec, ...]:
    """Nursing-style periods: the same fields in two blocks (start week, weeks each).

    Each field is (specialty, weight in the first block, weight in the second); a
    weight of 0 leaves the field out of that block. Hospitals host students in the
    big fields all semester, so their demand is level rather than peaked.
    """
    return tuple(
        _P(specialty, start, weeks, weights[block])
        for block, (start, weeks) in enumerate((first, second))
        for specialty, *weights in fields
        if weights[block]
    )


def _rotations(
    length: int, starts: tuple[int, ...], *fields: tuple[str, float]
) -> tuple[_PeriodSpec, ...]:
    """Medicine-style rotations: every field at every start week, each `length` weeks."""
    return tuple(_P(s, start, length, w) for start in starts for s, w in fields)


PROGRAMMES = (
    _ProgrammeSpec("UIB-MED", "UiB", "Medisin, Bergen", "medicine", 1, "Bergen", 0.11,
                   (*_rotations(6, (0, 6, 12), ("medicine", 1.0), ("surgery", 1.0)),
                    _P("psychiatry", 0, 4, 0.4), _P("paediatrics", 6, 4, 0.4),
                    _P("maternity", 12, 4, 0.4), _P("emergency", 14, 3, 0.3),
                    _P("oncology", 8, 5, 0.3)),
                   ((HB, 0.5), (HDS, 0.1), (HF, 0.12), (HFD, 0.13), (HS, 0.15))),
    _ProgrammeSpec("UIB-MED-STAVANGER", "UiB", "Medisin, Stavanger", "medicine", 1,
                   "Stavanger", 0.03,
                   (*_rotations(6, (0, 6, 12), ("medicine", 1.0), ("surgery", 0.7)),
                    _P("psychiatry", 12, 4, 0.5)),
                   ((HS, 0.85), (HF, 0.15))),
    _ProgrammeSpec("HVL-SYK-BERGEN", "HVL", "Sykepleie, Bergen", "nursing", 2, "Bergen", 0.17,
                   (*_blocks((0, 8), (9, 8), ("medicine", 1.0, 0.8), ("surgery", 0.8, 0.7),
                             ("oncology", 0.0, 0.4), ("orthopaedics", 0.3, 0.3)),
                    # psychiatry is supervised one-to-one
                    _P("psychiatry", 0, 8, 0.4, 1), _P("psychiatry", 9, 8, 0.4, 1)),
                   ((HB, 0.75), (HDS, 0.25))),
    _ProgrammeSpec("HVL-SYK-FORDE", "HVL", "Sykepleie, Førde", "nursing", 2, "Førde", 0.05,
                   _blocks((1, 8), (10, 7), ("medicine", 1.0, 1.0), ("surgery", 0.7, 0.7),
                           ("psychiatry", 0.0, 0.5)),
                   ((HFD, 0.85), (HB, 0.15))),
    _ProgrammeSpec("HVL-SYK-HAUGESUND", "HVL", "Sykepleie, Haugesund", "nursing", 2,
                   "Haugesund", 0.06,
                   _blocks((0, 7), (9, 7), ("medicine", 1.0, 1.0), ("surgery", 0.7, 0.7),
                           ("psychiatry", 0.4, 0.4), ("paediatrics", 0.0, 0.3)),
                   ((HF, 0.8), (HS, 0.2))),
    _ProgrammeSpec("HVL-SYK-STORD", "HVL", "Sykepleie, Stord", "nursing", 2, "Stord", 0.035,
                   _blocks((2, 7), (10, 7), ("medicine", 1.0, 1.0), ("surgery", 0.6, 0.6),
                           ("geriatrics", 0.5, 0.0)),
                   ((HF, 0.8), (HB, 0.2))),
    _ProgrammeSpec("HVL-FYSIO", "HVL", "Fysioterapi", "physiotherapy", 1, "Bergen", 0.05,
                   _blocks((2, 6), (10, 6), ("rehabilitation", 1.0, 1.0),
                           ("orthopaedics", 0.7, 0.7), ("medicine", 0.0, 0.5)),
                   ((HB, 0.6), (HDS, 0.1), (HF, 0.15), (HFD, 0.15))),
    _ProgrammeSpec("HVL-RAD", "HVL", "Radiografi", "radiography", 1, "Bergen", 0.03,
                   (_P("radiology", 1, 5), _P("radiology", 7, 5), _P("radiology", 13, 5),
                    _P("oncology", 13, 4, 0.4)),
                   ((HB, 0.6), (HF, 0.2), (HFD, 0.2))),
    _ProgrammeSpec("HVL-ERGO", "HVL", "Ergoterapi", "occupational therapy", 1, "Bergen", 0.025,
                   _blocks((3, 6), (11, 6), ("rehabilitation", 1.0, 1.0),
                           ("psychiatry", 0.6, 0.6), ("geriatrics", 0.0, 0.5)),
                   ((HB, 0.7), (HF, 0.15), (HFD, 0.15))),
    _ProgrammeSpec("HVL-JORDMOR", "HVL", "Jordmorutdanning", "midwifery", 1, "Bergen", 0.02,
                   (_P("maternity", 0, 8), _P("maternity", 10, 7)),
                   ((HB, 0.8), ("STO", 0.2))),
    _ProgrammeSpec("HVL-BIO", "HVL", "Bioingeniørfag", "biomedical laboratory science", 2,
                   "Bergen", 0.025,
                   (_P("laboratory", 0, 4), _P("laboratory", 5, 4), _P("laboratory", 11, 4)),
                   ((HB, 0.7), (HFD, 0.3))),
    _ProgrammeSpec("VID-SYK-BERGEN", "VID", "Sykepleie, Bergen", "nursing", 2, "Bergen", 0.13,
                   _blocks((1, 8), (10, 7), ("medicine", 0.8, 1.0), ("surgery", 0.7, 0.8),
                           ("psychiatry", 0.5, 0.4), ("geriatrics", 0.4, 0.0),
                           ("paediatrics", 0.0, 0.3)),
                   ((HB, 0.6), (HDS, 0.4))),
    _ProgrammeSpec("UIS-SYK", "UiS", "Sykepleie, Stavanger", "nursing", 2, "Stavanger", 0.15,
                   _blocks((0, 8), (9, 8), ("medicine", 1.0, 1.0), ("surgery", 0.8, 0.8),
                           ("psychiatry", 0.5, 0.5), ("geriatrics", 0.4, 0.0),
                           ("emergency", 0.0, 0.3)),
                   ((HS, 0.85), ("HAU", 0.15))),
    _ProgrammeSpec("UIS-PARAMED", "UiS", "Paramedisin", "paramedic", 1, "Stavanger", 0.02,
                   (_P("emergency", 3, 4), _P("emergency", 10, 4)),
                   ((HS, 1.0),)),
)  # fmt: skip
"""Every programme's places include Helse Bergen or Helse Stavanger, whose hubs have every
kind of ward, so every period has somewhere to go at any size."""

COSTS = {
    "nursing": 2400.0,
    "medicine": 3100.0,
    "physiotherapy": 2600.0,
    "radiography": 2600.0,
    "occupational therapy": 2400.0,
    "midwifery": 2800.0,
    "biomedical laboratory science": 2200.0,
    "paramedic": 2500.0,
}
"""NOK per student-week, a made-up but plausible cost model (Costs sheet)."""

FIRST_NAMES = (
    "Kari", "Ola", "Ingrid", "Lars", "Sofie", "Emil", "Nora", "Jonas", "Emma", "Henrik",
    "Sara", "Magnus", "Ida", "Sindre", "Maja", "Eirik", "Thea", "Mathias", "Hanna", "Tobias",
    "Amalie", "Sander", "Aisha", "Ali", "Marta", "Jakub", "Liv", "Torbjørn", "Åse", "Øystein",
    "Synnøve", "Håkon", "Solveig", "Vetle", "Guro", "Brage", "Ragnhild", "Eivind", "Mina", "Omar",
)  # fmt: skip
LAST_NAMES = (
    "Nordmann", "Hansen", "Johansen", "Olsen", "Larsen", "Andersen", "Pedersen", "Nilsen",
    "Kristiansen", "Jensen", "Berg", "Haugen", "Hagen", "Vik", "Solheim", "Bakke", "Myklebust",
    "Sæther", "Eide", "Lie", "Ahmed", "Nowak", "Holm", "Strand", "Aasen", "Fjeld", "Øvrebø",
    "Haugland", "Tveit", "Nygård", "Skjold", "Rasmussen", "Helland", "Aarskog", "Brekke",
)  # fmt: skip

# ---- how tight and how varied ---------------------------------------------------------------

ROWS_PER_WARD = 16.8
"""Default size: about 220 wards for 3,700 student rows."""
TIGHTNESS = 1.02
"""Supervisors per (place, profession, specialty) relative to its busiest week's demand."""
HUB_FACTOR = 0.85
"""Where a trust has a hub and local hospitals, a hub ward gets this share of its part of the
supervisors and a local one LOCAL_FACTOR: the hubs are tighter, where most wishes go."""
LOCAL_FACTOR = 1.15
TWO_PERIODS = 0.22
"""Share of students who need two (non-overlapping) periods this semester."""
LOCKED_ROWS = 1 / 200
"""Share of rows with an agreed (locked) placement; at least two per region."""
TAGS = ("wheelchair", "english", "daytime")
TAG_ODDS = {"wheelchair": (0.25, 0.35), "english": (0.08, 0.3), "daytime": (0.15, 0.15)}
"""Per tag, the share of local and hub wards that have it."""
REQUIRE_ODDS = {"wheelchair": 0.008, "english": 0.006, "daytime": 0.008}
"""Per tag, the share of students who need it (documented special arrangements)."""


def generate_region(
    num_students: int = 3000, seed: int = 0, num_wards: int | None = None
) -> Instance:
    """A synthetic Helse Vest region with `num_students` student rows (student-periods).

    The same (num_students, seed, num_wards) always gives an equal instance.
    `num_wards` defaults to one ward per ROWS_PER_WARD rows (about 180 for 3,000),
    never fewer than the two hubs need to have every kind of ward. The instance
    passes `placement.validate.validate_instance` and survives a workbook round trip.
    """
    return _RegionBuilder(max(1, num_students), seed, num_wards).build()


# ---- building -----------------------------------------------------------------------------


@dataclass
class _WardDraft:
    ward_id: str
    site: _SiteSpec
    kind: str
    name: str
    specialties: tuple[str, ...]
    takes: tuple[str, ...]  # professions it supervises
    list_professions: bool  # False: leave the professions cell blank (any it has supervisors for)
    tags: tuple[str, ...]
    location: str | None
    max_students: int | None = None
    supervisors: dict[str, int] = field(default_factory=dict)  # profession -> count


@dataclass
class _Person:
    student_id: str
    name: str
    home: str
    requires: tuple[str, ...] = ()
    avoid: tuple[str, ...] = ()


@dataclass
class _Row:
    person: _Person
    programme: _ProgrammeSpec
    period: Period
    preferences: tuple[str, ...]
    group_id: str | None = None


class _RegionBuilder:
    """Builds one region step by step; every random draw comes from `self.rng`."""

    def __init__(self, num_rows: int, seed: int, num_wards: int | None) -> None:
        self.rng = random.Random(seed)
        self.seed = seed
        self.num_rows = num_rows
        self.num_wards = num_wards or max(1, round(num_rows / ROWS_PER_WARD))
        self.site = {s.site_id: s for s in SITES}
        self.wards: list[_WardDraft] = []
        self.ward: dict[str, _WardDraft] = {}
        self.periods: dict[str, tuple[_ProgrammeSpec, _PeriodSpec, Period]] = {}
        self.quota: dict[str, int] = {}  # period_id -> student rows
        self.expected: dict[tuple[str, str], float] = {}  # (programme, place) -> rows
        self.agreements: list[Agreement] = []
        self.rows: list[_Row] = []
        self.history: list[HistoryEntry] = []
        self._place_cache: dict[str, list[_WardDraft]] = {}
        self._candidate_cache: dict[str, tuple[str, ...]] = {}
        self._pool_cache: dict[tuple[str, str], tuple[tuple[str, float], ...]] = {}

    def build(self) -> Instance:
        self._make_periods()
        self._make_wards()
        self._make_quotas()
        self._make_supervisors()
        self._make_max_students()
        self._make_agreements()
        self._make_students()
        self._make_groups()
        self._make_history()
        return self._with_locks(self._instance())

    # ---- structure ---------------------------------------------------------------------------
    def _make_periods(self) -> None:
        for spec in PROGRAMMES:
            for index, ps in enumerate(spec.periods, start=1):
                start = SEMESTER_START + timedelta(weeks=ps.start_week)
                period = Period(
                    period_id=f"{spec.programme_id}-H26-{index}",
                    programme_id=spec.programme_id,
                    start_date=start,
                    end_date=start + timedelta(weeks=ps.weeks, days=-3),  # a Friday
                    specialty=ps.specialty,
                    students_per_supervisor=ps.students_per_supervisor,
                )
                self.periods[period.period_id] = (spec, ps, period)

    def _make_wards(self) -> None:
        """Wards per site by weight; each hub has every kind, each site its essential kinds."""
        rng = self.rng
        counts = _split(self.num_wards, [s.weight for s in SITES])
        for spec, share in zip(SITES, counts, strict=True):
            count = max(share, len(ALL_KINDS) if spec.hub else 1)
            kinds = list(spec.kinds[:count])
            shares = [WARD_KINDS[k].share for k in spec.kinds]
            kinds += rng.choices(spec.kinds, shares, k=count - len(kinds))
            rng.shuffle(kinds)
            of_kind = Counter(kinds)
            seen: dict[str, int] = defaultdict(int)
            first_of_kind: set[str] = set()
            for number, kind_key in enumerate(kinds, start=1):
                kind = WARD_KINDS[kind_key]
                seen[kind_key] += 1
                specialties = [kind_key]
                for extra in kind.extras:
                    if len(specialties) < 3 and rng.random() < 0.25:
                        specialties.append(extra)
                # the first ward of each kind at a hub takes every core profession, so every
                # period has a ward; elsewhere some wards take only some professions
                full = spec.hub and kind_key not in first_of_kind
                first_of_kind.add(kind_key)
                takes = [kind.core[0]]
                takes += [p for p in kind.core[1:] if full or rng.random() < 0.8]
                takes += [p for p in kind.optional if rng.random() < 0.35]
                local, hub = zip(*(TAG_ODDS[t] for t in TAGS), strict=True)
                odds = hub if spec.hub else local
                tags = tuple(t for t, p in zip(TAGS, odds, strict=True) if rng.random() < p)
                name = kind.name if of_kind[kind_key] == 1 else f"{kind.name} {seen[kind_key]}"
                location = "Os" if spec.site_id == "HUS" and kind_key == "rehabilitation" else None
                draft = _WardDraft(
                    ward_id=f"{spec.site_id}-{number:03d}",
                    site=spec,
                    kind=kind_key,
                    name=name if location is None else f"{name}, Hagevik",
                    specialties=tuple(specialties),
                    takes=tuple(takes),
                    list_professions=rng.random() >= 0.08,
                    tags=tags,
                    location=location,
                )
                self.wards.append(draft)
                self.ward[draft.ward_id] = draft

    def _place_wards(self, place: str) -> list[_WardDraft]:
        """Wards of a trust (organisation) or of a site (cached once the wards are made)."""
        cached = self._place_cache.get(place)
        if cached is None:
            cached = [w for w in self.wards if place in (w.site.organisation, w.site.site_id)]
            self._place_cache[place] = cached
        return cached

    def _teaching(self, place: str, specialty: str, profession: str) -> list[_WardDraft]:
        return [
            w
            for w in self._place_wards(place)
            if specialty in w.specialties and profession in w.takes
        ]

    def _make_quotas(self) -> None:
        """Student rows per programme (shares of the total) and per period (weights)."""
        per_programme = _split(self.num_rows, [p.share for p in PROGRAMMES])
        for spec, rows in zip(PROGRAMMES, per_programme, strict=True):
            per_period = _split(rows, [ps.weight for ps in spec.periods])
            for index, count in enumerate(per_period, start=1):
                self.quota[f"{spec.programme_id}-H26-{index}"] = count

    # ---- supervisors -------------------------------------------------------------------------
    def _make_supervisors(self) -> None:
        """Supervisors where the demand is, only just covering each field's busiest week.

        Each period's rows are spread over the programme's places (where some ward
        teaches the field and takes the profession); per place, profession and
        specialty the busiest week's need in supervisors, times TIGHTNESS, is shared
        among those wards, at random but less at hubs (HUB_FACTOR) than at local
        hospitals (LOCAL_FACTOR), and rounded to at least one supervisor.
        """
        rng = self.rng
        demand: dict[tuple[str, str, str], dict[int, float]] = {}
        for period_id, (spec, ps, _) in self.periods.items():
            rows = self.quota[period_id]
            if not rows:
                continue
            ratio = ps.students_per_supervisor or spec.students_per_supervisor
            places = [
                (place, weight)
                for place, weight in spec.places
                if self._teaching(place, ps.specialty, spec.profession)
            ]
            weight_sum = sum(weight for _, weight in places)
            for place, weight in places:
                share = rows * weight / weight_sum
                key = (spec.programme_id, place)
                self.expected[key] = self.expected.get(key, 0.0) + share
                by_week = demand.setdefault((place, spec.profession, ps.specialty), {})
                for week in range(ps.start_week, ps.end_week + 1):
                    by_week[week] = by_week.get(week, 0.0) + share / ratio
        for (place, profession, specialty), by_week in demand.items():
            wards = self._teaching(place, specialty, profession)
            weights = [rng.uniform(0.6, 1.4) * (1.0 if w.kind == specialty else 0.5) for w in wards]
            need = max(by_week.values()) * TIGHTNESS
            amounts = [
                need * x / sum(weights) * (HUB_FACTOR if w.site.hub else LOCAL_FACTOR)
                for w, x in zip(wards, weights, strict=True)
            ]
            total = max(1, round(need))  # the factors shift supervisors, they add none
            for ward, count in zip(wards, _split(total, amounts), strict=True):
                if count:
                    ward.supervisors[profession] = ward.supervisors.get(profession, 0) + count

    def _supervisor_rows(self) -> list[SupervisorRow]:
        """One row per ward and profession; some wards lose supervisors mid-semester."""
        rng = self.rng
        rows = []
        for ward in self.wards:
            for profession, count in ward.supervisors.items():
                if count >= 2 and rng.random() < 0.1:
                    drop = SEMESTER_START + timedelta(weeks=rng.randint(6, 12))
                    rows.append(
                        SupervisorRow(
                            ward_id=ward.ward_id,
                            profession=profession,
                            supervisors=count,
                            end_date=drop - timedelta(days=1),
                        )
                    )
                    rows.append(
                        SupervisorRow(
                            ward_id=ward.ward_id,
                            profession=profession,
                            supervisors=count - rng.randint(1, max(1, count // 2)),
                            start_date=drop,
                        )
                    )
                else:
                    rows.append(
                        SupervisorRow(
                            ward_id=ward.ward_id, profession=profession, supervisors=count
                        )
                    )
        return rows

    def _make_max_students(self) -> None:
        """A quarter of the wards cap students of all professions below what supervisors allow."""
        ratio = {p.profession: p.students_per_supervisor for p in PROGRAMMES}
        for ward in self.wards:
            room = sum(count * ratio[p] for p, count in ward.supervisors.items())
            if room >= 3 and self.rng.random() < 0.25:
                ward.max_students = max(2, math.floor(room * self.rng.uniform(0.7, 1.0)))

    # ---- agreements --------------------------------------------------------------------------
    def _make_agreements(self) -> None:
        """Agreements per institution and trust, plus some per programme, site or period.

        An institution has a trust-wide agreement where it sends a good part of some
        programme, per-programme ones where it only sends a few; minimums are 50-85%
        of the rows the supervisors were sized for, and some agreements cap places.
        """
        rng = self.rng
        for institution_id, _ in INSTITUTIONS:
            programmes = [p for p in PROGRAMMES if p.institution_id == institution_id]
            places = list(dict.fromkeys(place for p in programmes for place, _ in p.places))
            for place in places:
                if any(w >= 0.3 for p in programmes for q, w in p.places if q == place):
                    total = sum(self.expected.get((p.programme_id, place), 0.0) for p in programmes)
                    self._agree(institution_id, place, total, cap_odds=0.3)
                    self._district_promise(institution_id, place, total)
                    continue
                for p in programmes:
                    own = self.expected.get((p.programme_id, place))
                    if own is not None:
                        self._agree(institution_id, place, own, p.programme_id, cap_odds=0.5)
            for p in programmes:
                if len(p.periods) >= 3 and rng.random() < 0.4:
                    index = rng.randrange(len(p.periods))
                    period_id = f"{p.programme_id}-H26-{index + 1}"
                    place, weight = p.places[0]
                    promised = self.quota[period_id] * weight
                    self._agree(institution_id, place, promised, p.programme_id, period_id)

    def _agree(
        self,
        institution_id: str,
        place: str,
        expected: float,
        programme_id: str | None = None,
        period_id: str | None = None,
        cap_odds: float = 0.0,
    ) -> None:
        rng = self.rng
        minimum = math.floor(expected * rng.uniform(0.5, 0.85))
        maximum = (
            math.ceil(expected * rng.uniform(1.3, 1.8)) + 2 if rng.random() < cap_odds else None
        )
        where = {"site_id": place} if place in self.site else {"organisation": place}
        self.agreements.append(
            Agreement(
                agreement_id=f"A{len(self.agreements) + 1}",
                institution_id=institution_id,
                programme_id=programme_id,
                period_id=period_id,
                min_places=minimum,
                max_places=maximum,
                **where,
            )
        )

    def _district_promise(self, institution_id: str, trust: str, expected: float) -> None:
        """Sometimes a trust-wide agreement comes with a promise at one of its small hospitals."""
        sites = [s for s in SITES if s.organisation == trust]
        if len(sites) < 2 or self.rng.random() >= 0.5:
            return
        site = self.rng.choice(sites[1:])  # not the trust's main hospital
        trust_wards = len(self._place_wards(trust))
        share = len(self._place_wards(site.site_id)) / trust_wards if trust_wards else 0.0
        if expected * share >= 2:
            self._agree(institution_id, site.site_id, expected * share * 0.8)

    # ---- students ----------------------------------------------------------------------------
    def _make_students(self) -> None:
        """People with one or two rows each, filling every period's quota."""
        rng = self.rng
        number = 0
        by_programme: dict[str, list[str]] = defaultdict(list)
        for period_id, (spec, _, _) in self.periods.items():
            by_programme[spec.programme_id].append(period_id)
        for spec in PROGRAMMES:
            period_ids = by_programme[spec.programme_id]
            left = [self.quota[p] for p in period_ids]
            homes, home_weights = zip(*HOME_TOWNS[spec.campus], strict=True)
            while sum(left) > 0:
                number += 1
                open_ = [i for i, n in enumerate(left) if n > 0]
                first = rng.choices(open_, [left[i] for i in open_])[0]
                chosen = [first]
                if rng.random() < TWO_PERIODS:
                    one = self.periods[period_ids[first]][1]
                    later = [
                        i
                        for i in open_
                        if self.periods[period_ids[i]][1].start_week > one.end_week
                        or self.periods[period_ids[i]][1].end_week < one.start_week
                    ]
                    if later:
                        chosen.append(rng.choice(later))
                chosen.sort(key=lambda i: self.periods[period_ids[i]][1].start_week)
                person = _Person(
                    student_id=f"S{number:05d}",
                    name=f"{rng.choice(FIRST_NAMES)} {rng.choice(LAST_NAMES)}",
                    home=rng.choices(homes, home_weights)[0],
                )
                periods = [self.periods[period_ids[i]][2] for i in chosen]
                self._special_needs(person, periods)
                for i, period in zip(chosen, periods, strict=True):
                    left[i] -= 1
                    self.rows.append(
                        _Row(person, spec, period, self._wishes(spec, period, person.home))
                    )

    def _candidates(self, period_id: str) -> tuple[str, ...]:
        """Wards at the programme's places that teach the period's field and have supervisors."""
        cached = self._candidate_cache.get(period_id)
        if cached is None:
            spec, ps, _ = self.periods[period_id]
            cached = tuple(
                dict.fromkeys(
                    w.ward_id
                    for place, _ in spec.places
                    for w in self._teaching(place, ps.specialty, spec.profession)
                    if w.supervisors.get(spec.profession)
                )
            )
            self._candidate_cache[period_id] = cached
        return cached

    def _special_needs(self, person: _Person, periods: Sequence[Period]) -> None:
        """Rarely: a required ward feature or a conflict of interest, if it leaves somewhere."""
        rng = self.rng
        candidates = [self._candidates(p.period_id) for p in periods]
        for tag, odds in REQUIRE_ODDS.items():
            if rng.random() < odds:
                person.requires = (tag,)
                break
        if rng.random() < 0.015:
            pool = candidates[0]
            if rng.random() < 0.7 and pool:
                person.avoid = (rng.choice(pool),)  # a relative works on that ward
            else:  # worked at a local hospital
                person.avoid = (rng.choice([s.site_id for s in SITES if not s.hub]),)
        if not all(any(self._allows(person, w) for w in c) for c in candidates):
            person.requires = person.avoid = ()

    def _allows(self, person: _Person, ward_id: str, history: Sequence[str] = ()) -> bool:
        """Whether the person's required tags, avoid list and history leave the ward open."""
        ward = self.ward[ward_id]
        return (
            set(person.requires) <= set(ward.tags)
            and not {ward_id, ward.site.site_id} & set(person.avoid)
            and ward_id not in history
        )

    def _wishes(self, spec: _ProgrammeSpec, period: Period, home: str) -> tuple[str, ...]:
        """0-5 ranked wishes, piling onto the hubs, their popular wards and the home town."""
        rng = self.rng
        count = rng.choices((0, 1, 2, 3, 4, 5), (0.1, 0.15, 0.2, 0.25, 0.15, 0.15))[0]
        pool = list(self._wish_pool(spec, period.period_id, home))
        wishes: list[str] = []
        while len(wishes) < count and pool:
            names, weights = zip(*pool, strict=True)
            wish = rng.choices(names, weights)[0]
            wishes.append(wish)
            pool = [(n, w) for n, w in pool if n != wish]
        return tuple(wishes)

    def _wish_pool(
        self, spec: _ProgrammeSpec, period_id: str, home: str
    ) -> tuple[tuple[str, float], ...]:
        """What students of one period living in one town wish for, weighted (cached)."""
        key = (period_id, home)
        cached = self._pool_cache.get(key)
        if cached is not None:
            return cached
        rng = self.rng
        hub = self.site[spec.hub]
        candidates = self._candidates(period_id)
        pool: dict[str, float] = {hub.site_id: 8.0, hub.organisation: 1.5}
        at_hub = [w for w in candidates if self.ward[w].site.hub]
        popular = rng.sample(at_hub, min(4, len(at_hub)))
        for weight, ward_id in zip((3.0, 2.5, 2.0, 1.5), popular, strict=False):
            pool[ward_id] = weight
        towns = {s.town for s in SITES} | {w.location for w in self.wards if w.location}
        if home in towns:
            pool[home] = pool.get(home, 0.0) + 5.0
        if spec.campus != home and spec.campus in towns:
            pool[spec.campus] = pool.get(spec.campus, 0.0) + 1.5
        for place, _ in spec.places:
            if place in self.site:
                pool.setdefault(place, 1.0)
            else:
                pool.setdefault(place, 0.6)
                for site in SITES:
                    if site.organisation == place and not site.hub:
                        pool.setdefault(site.site_id, 0.5 + site.weight / 4)
        elsewhere = [w for w in candidates if not self.ward[w].site.hub]
        for ward_id in rng.sample(elsewhere, min(2, len(elsewhere))):
            pool.setdefault(ward_id, 0.8)
        cached = self._pool_cache[key] = tuple(pool.items())
        return cached

    def _make_groups(self) -> None:
        """A few groups of 2-3 in the same period (shared car, couples) with the same wishes.

        About one group per 45 rows of a period, and at least one in any region.
        """
        rng = self.rng
        by_period: dict[str, list[int]] = defaultdict(list)
        for index, row in enumerate(self.rows):
            if not (row.person.requires or row.person.avoid):
                by_period[row.period.period_id].append(index)
        groups: list[list[int]] = []
        for indices in by_period.values():
            rng.shuffle(indices)
            start = 0
            for _ in range(len(indices) // 45):
                members = indices[start : start + rng.choice((2, 2, 3))]
                start += len(members)
                groups.append(members)
        if not groups:
            biggest = max(by_period.values(), key=len, default=[])
            if len(biggest) >= 2:
                groups.append(biggest[:2])
        for number, members in enumerate(groups, start=1):
            for index in members:
                self.rows[index].group_id = f"G{number:04d}"
                self.rows[index].preferences = self.rows[members[0]].preferences

    def _make_history(self) -> None:
        """About one student in nine has been placed at one or two of the region's wards."""
        rng = self.rng
        rows_of: dict[str, list[_Row]] = defaultdict(list)
        for row in self.rows:
            rows_of[row.person.student_id].append(row)
        pools: dict[str, list[str]] = {}
        for student_id, rows in rows_of.items():
            if rng.random() >= 0.11:
                continue
            spec = rows[0].programme
            pool = pools.get(spec.programme_id)
            if pool is None:
                pool = pools[spec.programme_id] = list(
                    dict.fromkeys(
                        w.ward_id
                        for place, _ in spec.places
                        for w in self._place_wards(place)
                        if spec.profession in w.takes
                    )
                )
            chosen = list(dict.fromkeys(rng.sample(pool, min(len(pool), rng.randint(1, 2)))))
            for row in rows:  # never leave a row nowhere to go
                candidates = self._candidates(row.period.period_id)
                if not any(self._allows(row.person, w, chosen) for w in candidates):
                    chosen = []
            self.history.extend(HistoryEntry(student_id=student_id, ward_id=w) for w in chosen)

    # ---- the instance ------------------------------------------------------------------------
    def _instance(self) -> Instance:
        wards = tuple(
            Ward(
                ward_id=w.ward_id,
                site_id=w.site.site_id,
                name=w.name,
                specialties=w.specialties,
                max_students=w.max_students,
                professions=w.takes if w.list_professions else (),
                tags=w.tags,
                location=w.location,
            )
            for w in self.wards
        )
        needs = tuple(
            Need(
                student_id=row.person.student_id,
                period_id=row.period.period_id,
                programme_id=row.programme.programme_id,
                name=row.person.name,
                preferences=row.preferences,
                requires=row.person.requires,
                avoid=row.person.avoid,
                group_id=row.group_id,
                home_location=row.person.home,
            )
            for row in self.rows
        )
        return Instance(
            institutions=tuple(Institution(institution_id=i, name=n) for i, n in INSTITUTIONS),
            programmes=tuple(
                Programme(
                    programme_id=p.programme_id,
                    institution_id=p.institution_id,
                    name=p.name,
                    profession=p.profession,
                    students_per_supervisor=p.students_per_supervisor,
                )
                for p in PROGRAMMES
            ),
            periods=tuple(period for _, _, period in self.periods.values()),
            sites=tuple(
                Site(site_id=s.site_id, name=s.name, organisation=s.organisation, location=s.town)
                for s in SITES
            ),
            wards=wards,
            supervisors=tuple(self._supervisor_rows()),
            agreements=tuple(self.agreements),
            needs=needs,
            history=tuple(self.history),
            locations=tuple(
                Location(location=t, latitude=lat, longitude=lon) for t, (lat, lon) in TOWNS.items()
            ),
            costs=dict(COSTS),
            source_name=f"demo-helse-vest-{self.num_rows}-{self.seed}",
        )

    def _with_locks(self, instance: Instance) -> Instance:
        """Agreed placements for about one row in 200, each eligible and jointly feasible.

        A lock goes to a ward eligible for the row (hard rule 1, with a supervisor
        and room in every week of the period) where no other lock falls in any of
        those weeks, and only while every agreement maximum it counts under has room.
        Near-home wards come first (locks are mostly special arrangements).
        """
        rng = self.rng
        eligibility = Eligibility(instance)
        taken: set[tuple[str, date]] = set()
        counted: dict[str, int] = defaultdict(int)
        capped = [a for a in instance.agreements or () if a.max_places is not None]
        caps = {a.agreement_id: a.max_places or 0 for a in capped}
        covering: dict[tuple[str, str, str], tuple[str, ...]] = {}

        def capped_counting(need: Need, ward_id: str) -> tuple[str, ...]:
            """Ids of the agreements with a maximum that would count this placement."""
            site_id = instance.ward[ward_id].site_id
            key = (site_id, need.programme_id, need.period_id)
            if key not in covering:
                institution_id = instance.institution_of(need)
                covering[key] = tuple(
                    a.agreement_id
                    for a in capped
                    if instance.agreement_covers(
                        a, institution_id, site_id, need.programme_id, need.period_id
                    )
                )
            return covering[key]

        locked: dict[tuple[str, str], str] = {}
        locked_students: set[str] = set()
        candidates = [n for n in instance.needs if not (n.group_id or n.requires or n.avoid)]
        rng.shuffle(candidates)
        wanted = max(2, round(instance.num_needs * LOCKED_ROWS))
        for need in candidates:
            if len(locked) >= wanted:
                break
            if need.student_id in locked_students:
                continue
            weeks = instance.weeks_of(need)
            options = [
                w
                for w in eligibility.eligible_wards(need)
                if not any((w, week) in taken for week in weeks)
                and all(counted[a] < caps[a] for a in capped_counting(need, w))
            ]
            if not options:
                continue
            near = [w for w in options if instance.location_of(w) == need.home_location]
            ward_id = rng.choice(near or options)
            locked[need.key] = ward_id
            locked_students.add(need.student_id)
            taken.update((ward_id, week) for week in weeks)
            for a in capped_counting(need, ward_id):
                counted[a] += 1
        needs = tuple(
            n.model_copy(update={"locked_ward": locked[n.key]}) if n.key in locked else n
            for n in instance.needs
        )
        return instance.model_copy(update={"needs": needs})


def _split(total: int, weights: Sequence[float]) -> list[int]:
    """`total` split in proportion to `weights` by largest remainder (sums to `total`)."""
    weight_sum = sum(weights)
    if total <= 0 or weight_sum <= 0:
        return [0] * len(weights)
    exact = [total * w / weight_sum for w in weights]
    counts = [math.floor(x) for x in exact]
    order = sorted(range(len(weights)), key=lambda i: (counts[i] - exact[i], i))
    for i in order[: total - sum(counts)]:
        counts[i] += 1
    return counts
