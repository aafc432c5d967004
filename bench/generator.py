"""A seeded generator of placement instances for the benchmarks, independent of `placement.demo`.

It builds `placement.instance` models directly. The shape is that of a real
spring semester in one or more Norwegian health regions (`bench.regions`):

- programmes per institution, profession and campus, each with a few periods
  that start on the institution's own calendar, so the periods of different
  institutions overlap only in part; paired (2:1) and one-to-one supervision
  are mixed on the same wards, and some periods override their programme's;
- wards of typical kinds (medical, surgical, psychiatric, ...) teaching one to
  three fields, spread over the sites by size; the university hospitals (hubs)
  hold most wards and draw most wishes;
- supervisors sized per profession and field so that, in the busiest week,
  they only just cover what the students of that field need; some wards lose
  or gain a supervisor mid-semester, some cap students of all professions;
- agreements per institution and trust (a university with every trust of its
  region, a college with the trusts near its campuses), promising minimums
  that do not all fit and some capping places; medicine has per-period
  agreements at its hub; nationally, each region's university also sends
  students to a trust of the next region;
- students with up to five ranked wishes (a ward, a site, a trust or a town),
  about one in seven needing two periods, and a few with a required ward
  feature, a conflict of interest (avoid), a group, history, or an agreed
  (locked) placement that is eligible and fits together with the other locks.

Everything is drawn from one `random.Random(seed)` and only ordered containers
are iterated, so the same arguments always give the same instance.
"""

from __future__ import annotations

import math
import random
import unicodedata
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date, timedelta

from bench.regions import (
    BIOENGINEERING,
    MEDICINE,
    MIDWIFERY,
    NURSING,
    OT,
    PARAMEDIC,
    PHYSIO,
    RADIOGRAPHY,
    REGIONS,
    InstitutionSpec,
    RegionSpec,
    SiteSpec,
)
from placement.capacity import CapacityLedger
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
    haversine_km,
)

SEMESTER_START = date(2027, 1, 4)  # a Monday
SEMESTER_WEEKS = 22
HUB_PULL = 1.1  # wishes go to a site in proportion to its weight to this power


@dataclass(frozen=True)
class ProfessionSpec:
    """How a profession's programmes look: fields, supervision models, periods."""

    code: str
    weight: float  # share of an institution's students, relative to its other professions
    fields: tuple[str, ...]  # specialties its periods need
    ratios: tuple[int, ...]  # students per supervisor a programme may use
    weeks: tuple[int, ...]  # period lengths
    periods: int  # periods per programme


PROFESSIONS: dict[str, ProfessionSpec] = {
    NURSING: ProfessionSpec(
        "SPL",
        4.0,
        ("acute care", "medicine", "surgery", "geriatrics", "psychiatry", "community"),
        (1, 2, 2),
        (6, 8, 8),
        4,
    ),
    MEDICINE: ProfessionSpec(
        "MED",
        2.5,
        ("internal medicine", "surgery", "psychiatry", "paediatrics", "obstetrics", "emergency"),
        (1, 2),
        (4, 5, 6),
        4,
    ),
    PHYSIO: ProfessionSpec(
        "FYS", 0.8, ("rehabilitation", "orthopaedics", "neurology"), (1,), (6, 8), 3
    ),
    OT: ProfessionSpec(
        "ERG", 0.5, ("rehabilitation", "psychiatry", "community"), (1, 2), (6, 8), 2
    ),
    RADIOGRAPHY: ProfessionSpec("RAD", 0.5, ("radiology",), (1, 2), (5, 6), 3),
    BIOENGINEERING: ProfessionSpec("BIO", 0.4, ("laboratory",), (2, 3), (4, 6), 2),
    MIDWIFERY: ProfessionSpec("JOR", 0.4, ("obstetrics",), (1,), (6, 8), 3),
    PARAMEDIC: ProfessionSpec("PAR", 0.7, ("emergency",), (1, 2), (4, 6), 3),
}


@dataclass(frozen=True)
class WardKind:
    """A kind of ward: what it teaches and how likely it takes each profession."""

    code: str
    name: str
    specialties: tuple[str, ...]
    takes: dict[str, float]
    weight: float


HOSPITAL_KINDS = (
    WardKind(
        "MED",
        "Medisinsk",
        ("medicine", "internal medicine", "acute care"),
        {NURSING: 1.0, MEDICINE: 0.7, PHYSIO: 0.2, OT: 0.1},
        0.22,
    ),
    WardKind(
        "KIR",
        "Kirurgisk",
        ("surgery", "orthopaedics", "acute care"),
        {NURSING: 1.0, MEDICINE: 0.7, PHYSIO: 0.4},
        0.18,
    ),
    WardKind("PSY", "Psykiatrisk", ("psychiatry",), {NURSING: 1.0, MEDICINE: 0.5, OT: 0.5}, 0.12),
    WardKind(
        "GER",
        "Geriatrisk",
        ("geriatrics", "rehabilitation", "internal medicine", "acute care"),
        {NURSING: 1.0, MEDICINE: 0.3, PHYSIO: 0.6, OT: 0.6},
        0.08,
    ),
    WardKind(
        "BAR",
        "Barn",
        ("paediatrics", "acute care"),
        {NURSING: 1.0, MEDICINE: 0.6, PHYSIO: 0.2},
        0.06,
    ),
    WardKind("FOD", "Føde", ("obstetrics",), {NURSING: 0.3, MEDICINE: 0.6, MIDWIFERY: 1.0}, 0.05),
    WardKind(
        "NEV",
        "Nevrologisk",
        ("neurology", "rehabilitation", "acute care"),
        {NURSING: 1.0, MEDICINE: 0.5, PHYSIO: 0.8, OT: 0.5},
        0.06,
    ),
    WardKind(
        "AKU",
        "Akutt",
        ("emergency", "medicine", "surgery", "acute care"),
        {NURSING: 1.0, MEDICINE: 0.7, PARAMEDIC: 1.0},
        0.07,
    ),
    WardKind("RAD", "Radiologisk", ("radiology",), {RADIOGRAPHY: 1.0, MEDICINE: 0.2}, 0.04),
    WardKind("LAB", "Laboratorium", ("laboratory",), {BIOENGINEERING: 1.0}, 0.03),
    WardKind(
        "REH",
        "Rehabilitering",
        ("rehabilitation", "orthopaedics"),
        {PHYSIO: 1.0, OT: 0.7, NURSING: 0.6},
        0.04,
    ),
)
MUNICIPAL_KINDS = (
    WardKind(
        "SHJ", "Sykehjem", ("geriatrics", "community"), {NURSING: 1.0, OT: 0.3, PHYSIO: 0.3}, 0.6
    ),
    WardKind("HJT", "Hjemmetjeneste", ("community",), {NURSING: 1.0, OT: 0.6, PHYSIO: 0.4}, 0.3),
    WardKind(
        "LEG",
        "Legevakt",
        ("emergency", "community"),
        {NURSING: 0.8, MEDICINE: 0.6, PARAMEDIC: 1.0},
        0.1,
    ),
)


@dataclass(frozen=True)
class Size:
    """How much of one region to generate."""

    region: RegionSpec
    rows: int
    wards: int
    institutions: int


@dataclass
class _Region:
    """One region's generated parts, before they become an Instance."""

    spec: RegionSpec
    institutions: list[Institution]
    programmes: list[Programme]
    periods: list[Period]
    sites: list[Site]
    wards: list[Ward]
    supervisors: list[SupervisorRow]
    agreements: list[Agreement]
    needs: list[Need]
    history: list[HistoryEntry]
    campus_of: dict[str, str]  # programme_id -> campus town


def generate(
    sizes: Sequence[Size],
    seed: int,
    *,
    coverage: float = 0.86,
    cross_region: bool = True,
    name: str = "bench",
) -> Instance:
    """An instance of one or more regions (ids never clash between regions).

    `coverage` scales supervisors: the share of each profession and field's busiest
    week they cover. With several regions and `cross_region`, each region's
    university also has an agreement (and some wishes) with a trust of the next one.
    """
    rng = random.Random(seed)
    regions = [_region(size, rng, coverage) for size in sizes]
    if cross_region and len(regions) > 1:
        _link_regions(regions, rng)
    towns: dict[str, tuple[float, float]] = {}
    for region in regions:
        towns.update(region.spec.towns)
    instance = Instance(
        institutions=tuple(x for r in regions for x in r.institutions),
        programmes=tuple(x for r in regions for x in r.programmes),
        periods=tuple(x for r in regions for x in r.periods),
        sites=tuple(x for r in regions for x in r.sites),
        wards=tuple(x for r in regions for x in r.wards),
        supervisors=tuple(x for r in regions for x in r.supervisors),
        agreements=tuple(
            a.model_copy(update={"agreement_id": f"A{n}"})
            for n, a in enumerate((a for r in regions for a in r.agreements), start=1)
        ),
        needs=tuple(x for r in regions for x in r.needs),
        history=tuple(x for r in regions for x in r.history),
        locations=tuple(
            Location(location=town, latitude=lat, longitude=lon)
            for town, (lat, lon) in towns.items()
        ),
        source_name=f"{name}-{seed}",
    )
    return _with_locks(instance, rng, share=0.01)


# ---- one region ----------------------------------------------------------------------------------
def _region(size: Size, rng: random.Random, coverage: float) -> _Region:
    spec = size.region
    institutions = spec.institutions[: size.institutions]
    programmes, periods, campus_of = _programmes(institutions, rng)
    wards, takes = _wards(spec, size.wards, rng)
    used = {w.site_id for w in wards}
    spec = replace(spec, sites=tuple(s for s in spec.sites if s.site_id in used))
    sites = [
        Site(site_id=s.site_id, name=s.name, organisation=s.organisation, location=s.town)
        for s in spec.sites
    ]
    needs = _students(spec, institutions, programmes, periods, campus_of, size.rows, rng)
    supervisors = _supervisors(wards, takes, programmes, periods, needs, coverage, rng)
    agreements = _agreements(
        spec, institutions, programmes, periods, wards, supervisors, needs, rng
    )
    needs = _with_wishes(
        spec, programmes, periods, wards, supervisors, agreements, campus_of, needs, rng
    )
    history = _history(spec, programmes, wards, needs, rng)
    return _Region(
        spec,
        [Institution(institution_id=i.institution_id, name=i.name) for i in institutions],
        programmes,
        periods,
        sites,
        wards,
        supervisors,
        agreements,
        needs,
        history,
        campus_of,
    )


def _ascii(text: str) -> str:
    """`Ålesund` -> `ALE`: a short id part from a town name."""
    plain = unicodedata.normalize("NFKD", text.replace("Ø", "O").replace("ø", "o"))
    letters = "".join(c for c in plain if c.isalpha() and c.isascii())
    return letters[:3].upper()


def _programmes(
    institutions: Sequence[InstitutionSpec], rng: random.Random
) -> tuple[list[Programme], list[Period], dict[str, str]]:
    """Programmes per institution and profession (nursing per campus), each with its periods."""
    programmes: list[Programme] = []
    periods: list[Period] = []
    campus_of: dict[str, str] = {}
    for institution in institutions:
        # the institution's own calendar: the weeks its periods may start in
        starts = sorted(rng.sample(range(0, SEMESTER_WEEKS - 4), 6))
        for profession in institution.professions:
            prof = PROFESSIONS[profession]
            campuses = institution.campuses if profession == NURSING else institution.campuses[:1]
            for campus in campuses:
                programme_id = f"{institution.institution_id}-{prof.code}"
                if len(campuses) > 1:
                    programme_id += f"-{_ascii(campus)}"
                ratio = rng.choice(prof.ratios)
                programmes.append(
                    Programme(
                        programme_id=programme_id,
                        institution_id=institution.institution_id,
                        name=f"{profession} ({institution.name}, {campus})",
                        profession=profession,
                        students_per_supervisor=ratio,
                    )
                )
                campus_of[programme_id] = campus
                fields = list(prof.fields)
                rng.shuffle(fields)
                for k in range(prof.periods):
                    length = rng.choice(prof.weeks)
                    start_week = min(rng.choice(starts), SEMESTER_WEEKS - length)
                    start = SEMESTER_START + timedelta(weeks=start_week)
                    end = start + timedelta(weeks=length, days=-3)  # a Friday
                    if rng.random() < 0.1:
                        end += timedelta(days=4)  # ends on the Tuesday of one more week
                    override = rng.choice(prof.ratios) if rng.random() < 0.2 else None
                    periods.append(
                        Period(
                            period_id=f"{programme_id}-P{k + 1}",
                            programme_id=programme_id,
                            start_date=start,
                            end_date=end,
                            specialty=fields[k % len(fields)],
                            students_per_supervisor=override if override != ratio else None,
                        )
                    )
    return programmes, periods, campus_of


def _spread(total: int, weights: Sequence[float]) -> list[int]:
    """`total` split in proportion to `weights` (largest remainders), each at least 0."""
    whole = sum(weights)
    exact = [total * w / whole for w in weights]
    counts = [math.floor(e) for e in exact]
    order = sorted(range(len(exact)), key=lambda i: counts[i] - exact[i])
    for i in order[: total - sum(counts)]:
        counts[i] += 1
    return counts


def _wards(
    spec: RegionSpec, count: int, rng: random.Random
) -> tuple[list[Ward], dict[str, list[str]]]:
    """Wards spread over the sites by weight, and the professions each one takes."""
    wards: list[Ward] = []
    takes: dict[str, list[str]] = {}
    per_site = _spread(count, [s.weight for s in spec.sites])
    for site, n in zip(spec.sites, per_site, strict=True):
        kinds: tuple[WardKind, ...] = MUNICIPAL_KINDS if site.municipal else HOSPITAL_KINDS
        if not site.municipal and n < 8:  # small hospitals: no radiology or lab teaching
            kinds = tuple(k for k in kinds if k.code not in {"RAD", "LAB", "REH"})
        numbers: dict[str, int] = defaultdict(int)
        for _ in range(n):
            kind = rng.choices(kinds, weights=[k.weight for k in kinds])[0]
            numbers[kind.code] += 1
            ward_id = f"{site.site_id}-{kind.code}{numbers[kind.code]}"
            specialties = list(kind.specialties)
            if len(specialties) > 2 and rng.random() < 0.2:
                specialties = specialties[: rng.randint(2, len(specialties))]
            tags = []
            if rng.random() < 0.25:
                tags.append("wheelchair")
            if rng.random() < (0.2 if site.hub else 0.06):
                tags.append("english")
            wards.append(
                Ward(
                    ward_id=ward_id,
                    site_id=site.site_id,
                    name=f"{kind.name} {numbers[kind.code]}, {site.name}",
                    specialties=tuple(specialties),
                    tags=tuple(tags),
                )
            )
            takes[ward_id] = [p for p, chance in kind.takes.items() if rng.random() < chance]
    return wards, takes


def _students(
    spec: RegionSpec,
    institutions: Sequence[InstitutionSpec],
    programmes: list[Programme],
    periods: list[Period],
    campus_of: dict[str, str],
    rows: int,
    rng: random.Random,
) -> list[Need]:
    """Student rows (wishes come later): programme sizes, homes, special needs."""
    size_of = {i.institution_id: i.size for i in institutions}
    campuses = {i.institution_id: len(i.campuses) for i in institutions}
    weights = []
    for p in programmes:
        share = size_of[p.institution_id] * PROFESSIONS[p.profession].weight
        siblings = campuses[p.institution_id] if p.profession == NURSING else 1
        spread = sum(PROFESSIONS[q].weight for q in _professions_of(institutions, p.institution_id))
        weights.append(share / spread / siblings)
    per_programme = _spread(rows, weights)
    periods_of: dict[str, list[Period]] = defaultdict(list)
    for period in periods:
        periods_of[period.programme_id].append(period)
    site_weights = [s.weight for s in spec.sites]
    needs: list[Need] = []
    for programme, count in zip(programmes, per_programme, strict=True):
        own = periods_of[programme.programme_id]
        prof = PROFESSIONS[programme.profession]
        campus = campus_of[programme.programme_id]
        number = 0
        made = 0
        while made < count:
            number += 1
            student_id = f"{programme.programme_id}-{number:04d}"
            chosen = [rng.choice(own)]
            if made + 1 < count and rng.random() < 0.15:
                other = rng.choice(own)
                if not set(other.weeks) & set(chosen[0].weeks):
                    chosen.append(other)
            home = campus if rng.random() < 0.65 else rng.choice(sorted(spec.towns))
            for period in chosen:
                specialty = None
                if len(prof.fields) > 1 and rng.random() < 0.25:
                    specialty = rng.choice([f for f in prof.fields if f != period.specialty])
                requires: tuple[str, ...] = ()
                draw = rng.random()
                if draw < 0.015:
                    requires = ("wheelchair",)
                elif draw < 0.02:
                    requires = ("english",)
                avoid: tuple[str, ...] = ()
                if rng.random() < 0.02:
                    avoid = (rng.choices(spec.sites, weights=site_weights)[0].site_id,)
                needs.append(
                    Need(
                        student_id=student_id,
                        period_id=period.period_id,
                        programme_id=programme.programme_id,
                        specialty=specialty,
                        requires=requires,
                        avoid=avoid,
                        home_location=home,
                    )
                )
                made += 1
    return _with_groups(needs, rng)


def _professions_of(
    institutions: Sequence[InstitutionSpec], institution_id: str
) -> tuple[str, ...]:
    return next(i.professions for i in institutions if i.institution_id == institution_id)


class _WishMaker:
    """Ranked wishes that pile onto the hubs and the student's own towns."""

    KINDS = ("ward", "site", "organisation", "town")
    KIND_WEIGHTS = (0.25, 0.35, 0.22, 0.18)
    COUNT_WEIGHTS = (0.08, 0.07, 0.13, 0.24, 0.25, 0.23)  # 0, 1, ..., 5 wishes

    def __init__(
        self,
        spec: RegionSpec,
        wards: list[Ward],
        supervisors: list[SupervisorRow],
        agreements: list[Agreement],
        rng: random.Random,
    ) -> None:
        self.spec = spec
        self.rng = rng
        self.sites = list(spec.sites)
        self.site_towns = {s.town for s in spec.sites}
        self.open: dict[str, set[str]] = defaultdict(set)  # institution -> organisations
        for agreement in agreements:
            if agreement.organisation is not None:
                self.open[agreement.institution_id].add(agreement.organisation)
        supervised = {(r.ward_id, r.profession) for r in supervisors if r.supervisors > 0}
        self.wards_at: dict[str, list[Ward]] = defaultdict(list)
        self.fitting: dict[tuple[str, str, str], list[Ward]] = defaultdict(list)
        professions_at: dict[str, list[str]] = defaultdict(list)
        for ward_id, profession in sorted(supervised):
            professions_at[ward_id].append(profession)
        for ward in wards:
            self.wards_at[ward.site_id].append(ward)
            for profession in professions_at[ward.ward_id]:
                for field in ward.specialties:
                    self.fitting[(ward.site_id, profession, field)].append(ward)
        self._weights: dict[tuple[str, ...], list[float]] = {}

    def _site_weights(
        self, institution: str, profession: str, field: str, campus: str, home: str
    ) -> list[float]:
        """Sites by size (hubs most), near ones more; mostly those open and teaching the field."""
        key = (institution, profession, field, campus, home)
        cached = self._weights.get(key)
        if cached is None:
            open_here = self.open.get(institution, set())
            cached = self._weights[key] = [
                site.weight**HUB_PULL
                * (3.0 if site.town in (campus, home) else 1.0)
                * (1.0 if self.fitting.get((site.site_id, profession, field)) else 0.08)
                * (1.0 if site.organisation in open_here else 0.15)
                for site in self.sites
            ]
        return cached

    def make(
        self, institution: str, profession: str, field: str, campus: str, home: str
    ) -> tuple[str, ...]:
        """Up to five distinct ranked wishes for one student row."""
        rng = self.rng
        count = rng.choices(range(len(self.COUNT_WEIGHTS)), weights=self.COUNT_WEIGHTS)[0]
        weights = self._site_weights(institution, profession, field, campus, home)
        chosen: list[str] = []
        for _ in range(count * 3):
            if len(chosen) == count:
                break
            kind = rng.choices(self.KINDS, weights=self.KIND_WEIGHTS)[0]
            site: SiteSpec = rng.choices(self.sites, weights=weights)[0]
            if kind == "ward":
                here = self.wards_at.get(site.site_id, [])
                fitting = self.fitting.get((site.site_id, profession, field), [])
                pool = fitting if fitting and rng.random() < 0.9 else here
                if not pool:
                    continue
                wish = rng.choice(pool).ward_id
            elif kind == "site":
                wish = site.site_id
            elif kind == "organisation":
                wish = site.organisation
            else:
                towns = [t for t in (campus, home) if t in self.site_towns]
                wish = rng.choice([*towns, site.town])
            if wish not in chosen:
                chosen.append(wish)
        return tuple(chosen)


def _with_wishes(
    spec: RegionSpec,
    programmes: list[Programme],
    periods: list[Period],
    wards: list[Ward],
    supervisors: list[SupervisorRow],
    agreements: list[Agreement],
    campus_of: dict[str, str],
    needs: list[Need],
    rng: random.Random,
) -> list[Need]:
    """Every row's wishes, drawn once wards, supervisors and agreements are known."""
    maker = _WishMaker(spec, wards, supervisors, agreements, rng)
    programme = {p.programme_id: p for p in programmes}
    specialty = {p.period_id: p.specialty or "" for p in periods}
    out = []
    for need in needs:
        own = programme[need.programme_id]
        wishes = maker.make(
            own.institution_id,
            own.profession,
            need.specialty or specialty[need.period_id],
            campus_of[need.programme_id],
            need.home_location or campus_of[need.programme_id],
        )
        out.append(need.model_copy(update={"preferences": wishes}))
    return out


def _with_groups(needs: list[Need], rng: random.Random) -> list[Need]:
    """About 3% of rows come in groups of two or three from the same period."""
    by_period: dict[str, list[int]] = defaultdict(list)
    for index, need in enumerate(needs):
        by_period[need.period_id].append(index)
    group_of: dict[int, str] = {}
    number = 0
    for period_id, indices in by_period.items():
        wanted = round(len(indices) * 0.03)
        pool = [i for i in indices if i not in group_of]
        rng.shuffle(pool)
        while wanted >= 2 and len(pool) >= 2:
            size = min(rng.choice((2, 2, 3)), wanted, len(pool))
            number += 1
            for i in pool[:size]:
                group_of[i] = f"G-{period_id}-{number}"
            pool = pool[size:]
            wanted -= size
    return [
        need.model_copy(update={"group_id": group_of[i]}) if i in group_of else need
        for i, need in enumerate(needs)
    ]


# ---- supervisors ---------------------------------------------------------------------------------
def _week_index(monday: date) -> int:
    return (monday - SEMESTER_START).days // 7


def _supervisors(
    wards: list[Ward],
    takes: dict[str, list[str]],
    programmes: list[Programme],
    periods: list[Period],
    needs: list[Need],
    coverage: float,
    rng: random.Random,
) -> list[SupervisorRow]:
    """Supervisors per ward and profession that only just cover each field's busiest week."""
    programme = {p.programme_id: p for p in programmes}
    period = {p.period_id: p for p in periods}
    weeks = SEMESTER_WEEKS + 2
    demand: dict[tuple[str, str], list[float]] = defaultdict(lambda: [0.0] * weeks)
    for need in needs:
        p = period[need.period_id]
        prof = programme[p.programme_id].profession
        ratio = p.students_per_supervisor or programme[p.programme_id].students_per_supervisor
        field = need.specialty or p.specialty or ""
        load = demand[(prof, field)]
        for monday in p.weeks:
            load[_week_index(monday)] += 1.0 / ratio
    lean = {ward.ward_id: math.exp(rng.gauss(0.0, 0.45)) for ward in wards}
    hub_sites = {w.site_id for w in wards if _is_hub(w.site_id)}
    supply: dict[tuple[str, str], float] = defaultdict(float)
    for (prof, field), load in sorted(demand.items()):
        teaching = [w for w in wards if field in w.specialties and prof in takes[w.ward_id]]
        if not teaching:
            continue
        needed = coverage * max(load)
        weights = [lean[w.ward_id] * (0.8 if w.site_id in hub_sites else 1.0) for w in teaching]
        total = sum(weights)
        for ward, weight in zip(teaching, weights, strict=True):
            supply[(ward.ward_id, prof)] += needed * weight / total
    rows: list[SupervisorRow] = []
    for ward in wards:
        for prof in takes[ward.ward_id]:
            exact = supply.get((ward.ward_id, prof), 0.0)
            count = math.floor(exact) + (1 if rng.random() < exact - math.floor(exact) else 0)
            if count == 0:
                continue
            draw = rng.random()
            if draw < 0.2:  # a change mid-semester
                change = SEMESTER_START + timedelta(weeks=rng.randint(5, 17))
                after = max(0, count + rng.choice((-2, -1, -1, 1)))
                rows.append(_row(ward.ward_id, prof, count, None, change - timedelta(days=1)))
                rows.append(_row(ward.ward_id, prof, after, change, None))
            elif draw < 0.28:  # one more supervisor for a few weeks (rows add up)
                first = SEMESTER_START + timedelta(weeks=rng.randint(0, 15))
                rows.append(_row(ward.ward_id, prof, count, None, None))
                rows.append(_row(ward.ward_id, prof, 1, first, first + timedelta(weeks=6)))
            else:
                rows.append(_row(ward.ward_id, prof, count, None, None))
    return rows


_HUBS = {s.site_id for r in REGIONS for s in r.sites if s.hub}


def _is_hub(site_id: str) -> bool:
    return site_id in _HUBS


def _row(
    ward_id: str, profession: str, count: int, start: date | None, end: date | None
) -> SupervisorRow:
    return SupervisorRow(
        ward_id=ward_id, profession=profession, supervisors=count, start_date=start, end_date=end
    )


# ---- agreements ----------------------------------------------------------------------------------
def _agreements(
    spec: RegionSpec,
    institutions: Sequence[InstitutionSpec],
    programmes: list[Programme],
    periods: list[Period],
    wards: list[Ward],
    supervisors: list[SupervisorRow],
    needs: list[Need],
    rng: random.Random,
) -> list[Agreement]:
    """Per institution and trust: minimums that do not all fit, some caps; medicine per period."""
    site_of_ward = {w.ward_id: w.site_id for w in wards}
    org_of_site = {s.site_id: s.organisation for s in spec.sites}
    capacity: dict[str, float] = defaultdict(float)
    for row in supervisors:
        if row.start_date is None:
            capacity[org_of_site[site_of_ward[row.ward_id]]] += row.supervisors
    institution_of = {p.programme_id: p.institution_id for p in programmes}
    rows_of: dict[str, int] = defaultdict(int)
    for need in needs:
        rows_of[institution_of[need.programme_id]] += 1
    organisations = sorted({s.organisation for s in spec.sites}, key=lambda o: -capacity[o])
    out: list[Agreement] = []
    for institution in institutions:
        if institution.university:
            partners = organisations
        else:
            near = {
                s.organisation
                for s in spec.sites
                for campus in institution.campuses
                if _km(spec, s.town, campus) <= (100 if s.municipal else 180) or s.hub
            }
            partners = [o for o in organisations if o in near]
        total = sum(capacity[o] for o in partners) or 1.0
        for organisation in partners:
            expected = 0.93 * rows_of[institution.institution_id] * capacity[organisation] / total
            minimum = 0 if rng.random() < 0.2 else round(expected * rng.uniform(0.6, 1.5))
            maximum = (
                max(minimum, math.ceil(expected * rng.uniform(1.1, 1.5)))
                if rng.random() < 0.25
                else None
            )
            out.append(
                Agreement(
                    agreement_id="",
                    institution_id=institution.institution_id,
                    organisation=organisation,
                    min_places=minimum,
                    max_places=maximum,
                )
            )
    # medicine: per-period promises at the hub of the region
    hub = next(s for s in spec.sites if s.hub)
    period_rows: dict[str, int] = defaultdict(int)
    for need in needs:
        period_rows[need.period_id] += 1
    for period in periods:
        programme = next(p for p in programmes if p.programme_id == period.programme_id)
        if programme.profession != MEDICINE:
            continue
        out.append(
            Agreement(
                agreement_id="",
                institution_id=programme.institution_id,
                site_id=hub.site_id,
                programme_id=programme.programme_id,
                period_id=period.period_id,
                min_places=round(period_rows[period.period_id] * rng.uniform(0.4, 0.7)),
                max_places=math.ceil(period_rows[period.period_id] * 0.8),
            )
        )
    return out


def _km(spec: RegionSpec, town_a: str, town_b: str) -> float:
    return haversine_km(spec.towns[town_a], spec.towns[town_b])


def _link_regions(regions: list[_Region], rng: random.Random) -> None:
    """Each region's university sends some nursing students to a trust of the next region."""
    for position, region in enumerate(regions):
        neighbour = regions[(position + 1) % len(regions)]
        trust_sites = [s for s in neighbour.spec.sites if not s.hub and not s.municipal]
        target = max(trust_sites, key=lambda s: s.weight)
        university = region.institutions[0].institution_id
        nursing = [
            p.programme_id
            for p in region.programmes
            if p.institution_id == university and p.profession == NURSING
        ]
        if not nursing:
            continue
        rows = [i for i, n in enumerate(region.needs) if n.programme_id in nursing]
        region.agreements.append(
            Agreement(
                agreement_id="",
                institution_id=university,
                organisation=target.organisation,
                min_places=round(len(rows) * 0.03),
            )
        )
        for i in rows:
            if rng.random() < 0.05:
                need = region.needs[i]
                wishes = list(need.preferences)
                wishes.insert(min(len(wishes), rng.randint(0, 1)), target.site_id)
                region.needs[i] = need.model_copy(update={"preferences": tuple(wishes[:5])})


# ---- history and locks ---------------------------------------------------------------------------
def _history(
    spec: RegionSpec,
    programmes: list[Programme],
    wards: list[Ward],
    needs: list[Need],
    rng: random.Random,
) -> list[HistoryEntry]:
    """About 5% of students have been at a ward of their profession's fields before."""
    profession_of = {p.programme_id: p.profession for p in programmes}
    seen: set[str] = set()
    out: list[HistoryEntry] = []
    for need in needs:
        if need.student_id in seen:
            continue
        seen.add(need.student_id)
        if rng.random() >= 0.05:
            continue
        fields = set(PROFESSIONS[profession_of[need.programme_id]].fields)
        candidates = [w for w in wards if fields & set(w.specialties)]
        if candidates:
            out.append(
                HistoryEntry(student_id=need.student_id, ward_id=rng.choice(candidates).ward_id)
            )
    return out


def _with_locks(instance: Instance, rng: random.Random, share: float) -> Instance:
    """Lock about `share` of the rows at an eligible ward that fits beside the other locks."""
    eligibility = Eligibility(instance)
    ledger = CapacityLedger(instance, eligibility.grid)
    two_rows = _students_with_two_rows(instance)
    candidates = [
        i
        for i, n in enumerate(instance.needs)
        if n.group_id is None and n.student_id not in two_rows
    ]
    chosen = sorted(
        rng.sample(candidates, min(len(candidates), round(len(instance.needs) * share)))
    )
    locked: dict[int, str] = {}
    for i in chosen:
        need = instance.needs[i]
        eligible = eligibility.eligible_wards(need)
        if not eligible:
            continue
        ranks = instance.wish_ranks(need)
        wished = sorted((r, w) for w, r in ranks.items() if w in eligible)
        ward_id = wished[0][1] if wished else rng.choice(eligible)
        if ledger.fits(need, ward_id):
            ledger.place(need, ward_id)
            locked[i] = ward_id
    needs = tuple(
        n.model_copy(update={"locked_ward": locked[i]}) if i in locked else n
        for i, n in enumerate(instance.needs)
    )
    return instance.model_copy(update={"needs": needs})


def _students_with_two_rows(instance: Instance) -> set[str]:
    counts: dict[str, int] = defaultdict(int)
    for need in instance.needs:
        counts[need.student_id] += 1
    return {s for s, c in counts.items() if c > 1}
