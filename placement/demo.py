"""A realistic synthetic Helse Vest region: `placement demo` and the bundled sample.

Real institutions (UiB, HVL with its four campuses, VID, UiS), real trusts and
hospitals of western Norway with their towns and coordinates, and synthetic
students, wards and supervisors shaped like a real semester: the big
university hospitals (Haukeland, SUS) are where most wards are and where most
wishes go; supervisors only just cover demand overall and are tighter there;
some wards lose supervisors mid-semester; agreements promise minimums per
institution and trust; a few students have special needs, conflicts of
interest, groups, history, or an agreed (locked) placement. Everything is
drawn from one `random.Random(seed)`, so a seed always gives the same region.
"""

from __future__ import annotations

import math
import random
from collections import defaultdict
from dataclasses import dataclass
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


@dataclass(frozen=True)
class _SiteSpec:
    site_id: str
    name: str
    organisation: str
    town: str
    weight: float  # share of the region's wards


SITES = (
    _SiteSpec("HUS", "Haukeland universitetssjukehus", "Helse Bergen HF", "Bergen", 10.0),
    _SiteSpec("VOSS", "Voss sjukehus", "Helse Bergen HF", "Voss", 1.2),
    _SiteSpec(
        "HDS", "Haraldsplass Diakonale Sykehus", "Haraldsplass Diakonale Sykehus", "Bergen", 2.0
    ),
    _SiteSpec("SUS", "Stavanger universitetssjukehus", "Helse Stavanger HF", "Stavanger", 7.0),
    _SiteSpec("HAU", "Haugesund sjukehus", "Helse Fonna HF", "Haugesund", 2.4),
    _SiteSpec("STO", "Stord sjukehus", "Helse Fonna HF", "Stord", 1.0),
    _SiteSpec("ODDA", "Odda sjukehus", "Helse Fonna HF", "Odda", 0.5),
    _SiteSpec("FSS", "Førde sentralsjukehus", "Helse Førde HF", "Førde", 2.4),
    _SiteSpec("NFJ", "Nordfjord sjukehus", "Helse Førde HF", "Nordfjordeid", 0.6),
    _SiteSpec("LAE", "Lærdal sjukehus", "Helse Førde HF", "Lærdal", 0.5),
)

TOWNS = {
    "Bergen": (60.3913, 5.3221),
    "Voss": (60.6280, 6.4140),
    "Stavanger": (58.9700, 5.7331),
    "Haugesund": (59.4138, 5.2680),
    "Stord": (59.7790, 5.5000),
    "Odda": (60.0690, 6.5460),
    "Førde": (61.4519, 5.8570),
    "Nordfjordeid": (61.9100, 6.0000),
    "Lærdal": (61.1000, 7.4800),
    "Sandnes": (58.8520, 5.7350),
    "Os": (60.1870, 5.4680),
    "Knarvik": (60.5460, 5.2860),
    "Florø": (61.5990, 5.0320),
    "Leirvik": (59.7800, 5.4990),
    "Kopervik": (59.2830, 5.3060),
}

REGION_OF_TOWN = {
    "Bergen": "bergen", "Voss": "bergen", "Os": "bergen", "Knarvik": "bergen",
    "Stavanger": "stavanger", "Sandnes": "stavanger",
    "Haugesund": "fonna", "Stord": "fonna", "Odda": "fonna", "Leirvik": "fonna",
    "Kopervik": "fonna",
    "Førde": "forde", "Nordfjordeid": "forde", "Lærdal": "forde", "Florø": "forde",
}  # fmt: skip

INSTITUTIONS = (
    ("UiB", "Universitetet i Bergen"),
    ("HVL", "Høgskulen på Vestlandet"),
    ("VID", "VID vitenskapelige høgskole"),
    ("UiS", "Universitetet i Stavanger"),
)


@dataclass(frozen=True)
class _ProgrammeSpec:
    programme_id: str
    institution_id: str
    name: str
    profession: str
    students_per_supervisor: int
    campus: str  # town
    share: float  # of the region's student rows
    specialties: tuple[str, ...]  # one period per specialty, staggered through the semester
    weeks: int  # length of each period


PROGRAMMES = (
    _ProgrammeSpec("UIB-MED", "UiB", "Medisin", "medicine", 1, "Bergen", 0.12,
                   ("medicine", "surgery", "psychiatry", "paediatrics", "obstetrics"), 4),
    _ProgrammeSpec("HVL-SYK-BERGEN", "HVL", "Sykepleie, Bergen", "nursing", 2, "Bergen", 0.17,
                   ("medicine", "surgery", "psychiatry", "geriatrics"), 6),
    _ProgrammeSpec("HVL-SYK-FORDE", "HVL", "Sykepleie, Førde", "nursing", 2, "Førde", 0.06,
                   ("medicine", "surgery"), 6),
    _ProgrammeSpec("HVL-SYK-HAUGESUND", "HVL", "Sykepleie, Haugesund", "nursing", 2,
                   "Haugesund", 0.06, ("medicine", "surgery", "psychiatry"), 6),
    _ProgrammeSpec("HVL-SYK-STORD", "HVL", "Sykepleie, Stord", "nursing", 2, "Stord", 0.04,
                   ("medicine", "geriatrics"), 6),
    _ProgrammeSpec("HVL-FYSIO", "HVL", "Fysioterapi", "physiotherapy", 1, "Bergen", 0.06,
                   ("rehabilitation", "orthopaedics", "medicine"), 5),
    _ProgrammeSpec("HVL-RAD", "HVL", "Radiografi", "radiography", 1, "Bergen", 0.04,
                   ("radiology",), 5),
    _ProgrammeSpec("HVL-ERGO", "HVL", "Ergoterapi", "occupational therapy", 1, "Bergen", 0.03,
                   ("rehabilitation", "psychiatry"), 5),
    _ProgrammeSpec("VID-SYK-BERGEN", "VID", "Sykepleie, Bergen", "nursing", 2, "Bergen", 0.13,
                   ("medicine", "surgery", "psychiatry", "paediatrics"), 6),
    _ProgrammeSpec("UIS-SYK", "UiS", "Sykepleie, Stavanger", "nursing", 2, "Stavanger", 0.16,
                   ("medicine", "surgery", "psychiatry", "geriatrics", "emergency"), 6),
    _ProgrammeSpec("UIS-JORDMOR", "UiS", "Jordmor", "midwifery", 1, "Stavanger", 0.03,
                   ("obstetrics",), 5),
    _ProgrammeSpec("UIB-ODONT", "UiB", "Medisin, klinisk kommunikasjon", "medicine", 1,
                   "Bergen", 0.02, ("emergency",), 3),
)  # fmt: skip

WARD_KINDS = {
    # specialty -> (professions taken, name in Norwegian, share of wards)
    "medicine": (("nursing", "medicine", "physiotherapy"), "Medisinsk sengepost", 0.22),
    "surgery": (("nursing", "medicine"), "Kirurgisk sengepost", 0.18),
    "psychiatry": (("nursing", "medicine", "occupational therapy"), "Psykiatrisk post", 0.12),
    "geriatrics": (("nursing", "physiotherapy"), "Geriatrisk post", 0.08),
    "paediatrics": (("nursing", "medicine"), "Barneavdeling", 0.07),
    "emergency": (("nursing", "medicine"), "Akuttmottak", 0.06),
    "obstetrics": (("midwifery", "medicine", "nursing"), "Føde/barsel", 0.05),
    "orthopaedics": (("nursing", "physiotherapy", "medicine"), "Ortopedisk post", 0.07),
    "rehabilitation": (
        ("physiotherapy", "occupational therapy", "nursing"),
        "Rehabiliteringspost",
        0.07,
    ),
    "radiology": (("radiography", "medicine"), "Radiologisk avdeling", 0.08),
}

COSTS = {
    "nursing": 2400.0,
    "medicine": 3100.0,
    "physiotherapy": 2600.0,
    "radiography": 2600.0,
    "occupational therapy": 2400.0,
    "midwifery": 2800.0,
}
"""NOK per student-week, a made-up but plausible cost model (Costs sheet)."""

FIRST_NAMES = (
    "Kari", "Ola", "Ingrid", "Lars", "Sofie", "Emil", "Nora", "Jonas", "Emma", "Henrik",
    "Sara", "Magnus", "Ida", "Sindre", "Maja", "Eirik", "Thea", "Mathias", "Hanna", "Tobias",
    "Amalie", "Sander", "Aisha", "Ali", "Marta", "Jakub", "Liv", "Torbjørn", "Åse", "Øystein",
)  # fmt: skip
LAST_NAMES = (
    "Nordmann", "Hansen", "Johansen", "Olsen", "Larsen", "Andersen", "Pedersen", "Nilsen",
    "Kristiansen", "Jensen", "Berg", "Haugen", "Hagen", "Vik", "Solheim", "Bakke", "Myklebust",
    "Sæther", "Eide", "Lie", "Ahmed", "Nowak", "Holm", "Strand", "Aasen", "Fjeld", "Øvrebø",
)  # fmt: skip

SEMESTER_START = date(2026, 8, 24)  # Monday of ISO week 35
SEMESTER_WEEKS = 16
TIGHTNESS = 1.04
"""Supervisor capacity per profession relative to its busiest week's demand."""


def generate_region(
    num_students: int = 3000, seed: int = 0, num_wards: int | None = None
) -> Instance:
    """A synthetic Helse Vest region with about `num_students` student rows.

    `num_wards` defaults to one ward per 14 rows (216 wards for 3,000 rows).
    """
    rng = random.Random(seed)
    num_rows = max(num_students, 20)
    programmes, periods = _programmes_and_periods(rng)
    programme_spec = {p.programme_id: p for p in PROGRAMMES}
    needs = _students(rng, num_rows, periods, programme_spec)
    wards = _wards(rng, num_wards or max(12, round(num_rows / 14)))
    supervisors = _supervisors(rng, wards, needs, periods, programme_spec)
    agreements = _agreements(rng, needs, programme_spec, periods)
    sites = tuple(
        Site(site_id=s.site_id, name=s.name, organisation=s.organisation, location=s.town)
        for s in SITES
    )
    needs = _known_wishes_only(needs, wards)
    history = _history(rng, needs, wards)
    instance = Instance(
        institutions=tuple(Institution(institution_id=i, name=n) for i, n in INSTITUTIONS),
        programmes=programmes,
        periods=periods,
        sites=sites,
        wards=wards,
        supervisors=supervisors,
        agreements=agreements,
        needs=needs,
        history=history,
        locations=tuple(
            Location(location=t, latitude=lat, longitude=lon) for t, (lat, lon) in TOWNS.items()
        ),
        costs=dict(COSTS),
        source_name=f"demo-helse-vest-{num_students}-{seed}",
    )
    return _with_locks(rng, instance)


def _programmes_and_periods(rng: random.Random) -> tuple[tuple[Programme, ...], tuple[Period, ...]]:
    programmes = tuple(
        Programme(
            programme_id=p.programme_id,
            institution_id=p.institution_id,
            name=p.name,
            profession=p.profession,
            students_per_supervisor=p.students_per_supervisor,
        )
        for p in PROGRAMMES
    )
    periods = []
    for spec in PROGRAMMES:
        count = len(spec.specialties)
        room = max(SEMESTER_WEEKS - spec.weeks, 0)
        for index, specialty in enumerate(spec.specialties):
            offset = round(index * room / max(count - 1, 1)) if count > 1 else rng.randint(0, room)
            start = SEMESTER_START + timedelta(weeks=offset)
            periods.append(
                Period(
                    period_id=f"{spec.programme_id}-H26-{index + 1}",
                    programme_id=spec.programme_id,
                    start_date=start,
                    end_date=start + timedelta(weeks=spec.weeks, days=-3),  # Friday
                    specialty=specialty,
                )
            )
    return programmes, tuple(periods)


def _wards(rng: random.Random, count: int) -> tuple[Ward, ...]:
    """Wards at sites by weight; every specialty is taught at several sites."""
    total = sum(s.weight for s in SITES)
    per_site = {s.site_id: max(1, round(count * s.weight / total)) for s in SITES}
    kinds = list(WARD_KINDS)
    shares = [WARD_KINDS[k][2] for k in kinds]
    wards = []
    for spec in SITES:
        small = spec.weight < 1.5
        for number in range(1, per_site[spec.site_id] + 1):
            if small:  # small local hospitals: general wards
                main = rng.choice(("medicine", "surgery", "geriatrics", "emergency"))
            elif number <= len(kinds):  # every kind at least once at a bigger site
                main = kinds[number - 1]
            else:
                main = rng.choices(kinds, shares)[0]
            professions, label, _ = WARD_KINDS[main]
            specialties = [main]
            if rng.random() < 0.35:
                extra = rng.choice(kinds)
                if extra != main and not set(WARD_KINDS[extra][0]).isdisjoint(professions):
                    specialties.append(extra)
            tags = []
            if rng.random() < 0.2:
                tags.append("wheelchair")
            if rng.random() < 0.1:
                tags.append("english")
            wards.append(
                Ward(
                    ward_id=f"{spec.site_id}-{number:03d}",
                    site_id=spec.site_id,
                    name=f"{label} {number}",
                    specialties=tuple(specialties),
                    max_students=rng.randint(4, 9) if rng.random() < 0.3 else None,
                    professions=professions,
                    tags=tuple(tags),
                )
            )
    return tuple(wards)


def _students(
    rng: random.Random,
    num_rows: int,
    periods: tuple[Period, ...],
    programme_spec: dict[str, _ProgrammeSpec],
) -> tuple[Need, ...]:
    """Student rows: shares per programme, some students with two periods, wishes skewed."""
    by_programme: dict[str, list[Period]] = defaultdict(list)
    for period in periods:
        by_programme[period.programme_id].append(period)
    total_share = sum(p.share for p in PROGRAMMES)
    needs: list[Need] = []
    number = 0
    for spec in PROGRAMMES:
        rows = max(len(by_programme[spec.programme_id]), round(num_rows * spec.share / total_share))
        own = by_programme[spec.programme_id]
        made = 0
        while made < rows:
            number += 1
            student_id = f"S{number:05d}"
            home = spec.campus if rng.random() < 0.7 else rng.choice(_nearby(spec.campus))
            name = f"{rng.choice(FIRST_NAMES)} {rng.choice(LAST_NAMES)}"
            first = rng.randrange(len(own))
            chosen = [own[first]]
            if len(own) > 1 and rng.random() < 0.15 and made + 1 < rows:
                later = [p for p in own if p.start_date > own[first].end_date]
                if later:
                    chosen.append(rng.choice(later))
            requires = ("wheelchair",) if rng.random() < 0.015 else ()
            for period in chosen:
                needs.append(
                    Need(
                        student_id=student_id,
                        period_id=period.period_id,
                        programme_id=spec.programme_id,
                        name=name,
                        preferences=_wishes(rng, spec, home),
                        requires=requires,
                        home_location=home,
                    )
                )
                made += 1
    needs = _with_avoid_and_groups(rng, needs)
    return tuple(needs)


def _nearby(campus: str) -> list[str]:
    region = REGION_OF_TOWN[campus]
    return [t for t, r in REGION_OF_TOWN.items() if r == region]


def _wishes(rng: random.Random, spec: _ProgrammeSpec, home: str) -> tuple[str, ...]:
    """0-5 ranked wishes, piling onto the big hospitals and the home region."""
    count = rng.choices((0, 1, 2, 3, 4, 5), (0.12, 0.18, 0.25, 0.22, 0.13, 0.10))[0]
    region = REGION_OF_TOWN[spec.campus]
    local_sites = [s for s in SITES if REGION_OF_TOWN[s.town] == region]
    hub = "SUS" if region == "stavanger" else "HUS"
    pool: list[tuple[str, float]] = [(hub, 6.0)]
    if any(s.town == home for s in SITES):
        pool.append((home, 2.0))
    pool += [(s.site_id, 1.0 + s.weight / 3) for s in local_sites]
    pool += [(s.organisation, 0.8) for s in local_sites]
    pool += [(f"{hub}-{rng.randint(1, 12):03d}", 2.0)]
    pool += [(rng.choice(SITES).site_id, 0.5)]
    wishes: list[str] = []
    while len(wishes) < count and pool:
        names, weights = zip(*pool, strict=True)
        wish = rng.choices(names, weights)[0]
        pool = [(n, w) for n, w in pool if n != wish]
        wishes.append(wish)
    return tuple(wishes)


def _known_wishes_only(needs: tuple[Need, ...], wards: tuple[Ward, ...]) -> tuple[Need, ...]:
    """Drop wishes for ward numbers a small region does not have (the ranks close up)."""
    known = {w.ward_id for w in wards} | {s.site_id for s in SITES}
    known |= {s.organisation for s in SITES} | {s.town for s in SITES}
    return tuple(
        n
        if all(p in known for p in n.preferences)
        else n.model_copy(update={"preferences": tuple(p for p in n.preferences if p in known)})
        for n in needs
    )


def _with_avoid_and_groups(rng: random.Random, needs: list[Need]) -> list[Need]:
    """A few conflicts of interest (avoid) and groups of 2-3 in the same period."""
    out = list(needs)
    for i, need in enumerate(out):
        if rng.random() < 0.02:
            out[i] = need.model_copy(update={"avoid": (rng.choice(("HUS", "SUS", "HDS")),)})
    by_period: dict[str, list[int]] = defaultdict(list)
    for i, need in enumerate(out):
        by_period[need.period_id].append(i)
    group = 0
    for period_id in sorted(by_period):
        indices = by_period[period_id]
        rng.shuffle(indices)
        for start in range(0, max(len(indices) // 40, 0) * 3, 3):
            size = rng.choice((2, 3))
            members = indices[start : start + size]
            if len(members) < 2:
                continue
            group += 1
            for i in members:
                out[i] = out[i].model_copy(update={"group_id": f"G{group:03d}"})
    return out


def _supervisors(
    rng: random.Random,
    wards: tuple[Ward, ...],
    needs: tuple[Need, ...],
    periods: tuple[Period, ...],
    programme_spec: dict[str, _ProgrammeSpec],
) -> tuple[SupervisorRow, ...]:
    """Supervisors where the demand is, scaled so each field's busiest week is only just covered.

    Demand is counted per profession, specialty and region (the programme's campus
    region; programmes placed region-wide spread by hospital size) and its busiest
    week, times TIGHTNESS (less at the hubs), is shared among the region's wards
    that teach the specialty and take the profession.
    """
    period_of = {p.period_id: p for p in periods}
    site_region = {s.site_id: REGION_OF_TOWN[s.town] for s in SITES}
    region_weight: dict[str, float] = defaultdict(float)
    for spec_site in SITES:
        region_weight[REGION_OF_TOWN[spec_site.town]] += spec_site.weight
    total_weight = sum(region_weight.values())
    weekly: dict[tuple[str, str, str], dict[date, float]] = defaultdict(lambda: defaultdict(float))
    for need in needs:
        spec = programme_spec[need.programme_id]
        period = period_of[need.period_id]
        specialty = period.specialty or ""
        if spec.profession in REGION_WIDE:
            shares = {r: w / total_weight for r, w in region_weight.items()}
        else:
            shares = {REGION_OF_TOWN[spec.campus]: 1.0}
        for region, share in shares.items():
            for monday in period.weeks:
                weekly[(spec.profession, specialty, region)][monday] += (
                    share / spec.students_per_supervisor
                )
    counts: dict[tuple[str, str], float] = defaultdict(float)
    for (profession, specialty, region), by_week in weekly.items():
        teaching = [
            w
            for w in wards
            if site_region[w.site_id] == region
            and specialty in w.specialties
            and profession in w.professions
        ]
        if not teaching:
            continue
        weights = [rng.uniform(0.5, 1.5) * (0.85 if w.site_id in HUBS else 1.0) for w in teaching]
        needed = max(by_week.values()) * TIGHTNESS
        for ward, weight in zip(teaching, weights, strict=True):
            counts[(ward.ward_id, profession)] += needed * weight / sum(weights)
    rows = []
    drop_day = SEMESTER_START + timedelta(weeks=rng.randint(6, 10))
    for (ward_id, profession), amount in sorted(counts.items()):
        count = math.floor(amount) + (rng.random() < amount - math.floor(amount))
        if count > 1 and rng.random() < 0.12:  # some leave mid-semester
            rows.append(
                SupervisorRow(
                    ward_id=ward_id,
                    profession=profession,
                    supervisors=count,
                    end_date=drop_day - timedelta(days=1),
                )
            )
            rows.append(
                SupervisorRow(
                    ward_id=ward_id,
                    profession=profession,
                    supervisors=count - rng.randint(1, count - 1),
                    start_date=drop_day,
                )
            )
        else:
            rows.append(SupervisorRow(ward_id=ward_id, profession=profession, supervisors=count))
    return tuple(rows)


HUBS = frozenset({"HUS", "SUS"})
REGION_WIDE = frozenset({"radiography", "occupational therapy", "physiotherapy"})


TRUST_REGIONS = {
    "Helse Bergen HF": "bergen",
    "Haraldsplass Diakonale Sykehus": "bergen",
    "Helse Stavanger HF": "stavanger",
    "Helse Fonna HF": "fonna",
    "Helse Førde HF": "forde",
}


def _agreements(
    rng: random.Random,
    needs: tuple[Need, ...],
    programme_spec: dict[str, _ProgrammeSpec],
    periods: tuple[Period, ...],
) -> tuple[Agreement, ...]:
    """Per programme and trust in the programme's region (and Bergen for medicine)."""
    rows_of: dict[str, int] = defaultdict(int)
    for need in needs:
        rows_of[need.programme_id] += 1
    agreements: list[Agreement] = []
    for spec in PROGRAMMES:
        region = REGION_OF_TOWN[spec.campus]
        trusts = [t for t, r in TRUST_REGIONS.items() if r == region]
        if spec.profession == "medicine" or (spec.profession == "nursing" and region == "fonna"):
            trusts += [t for t in TRUST_REGIONS if t not in trusts and rng.random() < 0.5]
        if spec.profession in REGION_WIDE:
            trusts = list(TRUST_REGIONS)  # few programmes, placed across the region
        weights = {t: sum(s.weight for s in SITES if s.organisation == t) for t in trusts}
        total = sum(weights.values())
        for trust in trusts:
            expected = rows_of[spec.programme_id] * weights[trust] / total
            minimum = math.floor(expected * rng.uniform(0.55, 0.8))
            maximum = (
                math.ceil(expected * rng.uniform(1.3, 1.8)) + 2 if rng.random() < 0.5 else None
            )
            agreements.append(
                Agreement(
                    agreement_id=f"A{len(agreements) + 1}",
                    institution_id=spec.institution_id,
                    organisation=trust,
                    programme_id=spec.programme_id,
                    min_places=minimum,
                    max_places=maximum,
                )
            )
    del periods
    return tuple(agreements)


def _history(
    rng: random.Random, needs: tuple[Need, ...], wards: tuple[Ward, ...]
) -> tuple[HistoryEntry, ...]:
    """Earlier placements for about one student in ten (never again at that ward)."""
    entries = []
    seen: set[str] = set()
    for need in needs:
        if need.student_id in seen or rng.random() >= 0.1:
            continue
        seen.add(need.student_id)
        for ward in rng.sample(wards, rng.randint(1, 2)):
            entries.append(HistoryEntry(student_id=need.student_id, ward_id=ward.ward_id))
    return tuple(entries)


def _with_locks(rng: random.Random, instance: Instance) -> Instance:
    """About one row in 200 gets an agreed placement, at most one per ward, always feasible.

    A lock goes to an eligible ward with supervisors in every week of its period
    and room under any agreement maximum, one per ward so locks never collide.
    """
    eligibility = Eligibility(instance)
    used_wards: set[str] = set()
    counted: dict[str, int] = defaultdict(int)
    caps = {a.agreement_id: a.max_places for a in instance.agreements or ()}
    locked: dict[tuple[str, str], str] = {}
    candidates = [
        n
        for n in instance.needs
        if not (n.requires or n.avoid or n.group_id)
        and sum(m.student_id == n.student_id for m in instance.needs) == 1
    ]
    rng.shuffle(candidates)
    for need in candidates[: max(1, instance.num_needs // 200)]:
        options = [w for w in eligibility.eligible_wards(need) if w not in used_wards]
        for ward_id in options:
            agreements = instance.agreements_counting(need, ward_id)
            if all(
                caps[a.agreement_id] is None
                or counted[a.agreement_id] < (caps[a.agreement_id] or 0)
                for a in agreements
            ):
                locked[need.key] = ward_id
                used_wards.add(ward_id)
                for a in agreements:
                    counted[a.agreement_id] += 1
                break
    needs = tuple(
        n.model_copy(update={"locked_ward": locked[n.key]}) if n.key in locked else n
        for n in instance.needs
    )
    return instance.model_copy(update={"needs": needs})
