"""Geography of the four Norwegian health regions for the benchmark generator.

Trusts, hospitals, municipal services and towns are shaped after the real ones
(names, rough sizes, coordinates); the institutions, their programmes and
everything generated from them are synthetic. A site's `weight` is its share of
its region's wards; `hub` marks the university hospitals that draw most wishes.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class SiteSpec:
    """A hospital or municipal health service of one trust (organisation)."""

    site_id: str
    name: str
    organisation: str
    town: str
    weight: float
    hub: bool = False
    municipal: bool = False


@dataclass(frozen=True)
class InstitutionSpec:
    """An institution: its campuses (towns) and the professions it teaches, with sizes."""

    institution_id: str
    name: str
    campuses: tuple[str, ...]
    professions: tuple[str, ...]
    size: float  # relative number of students
    university: bool = False  # has agreements with every trust of its region


@dataclass(frozen=True)
class RegionSpec:
    """One health region: towns, sites and institutions (the first ones used first)."""

    code: str
    name: str
    towns: dict[str, tuple[float, float]]
    sites: tuple[SiteSpec, ...]
    institutions: tuple[InstitutionSpec, ...]


NURSING = "nursing"
MEDICINE = "medicine"
PHYSIO = "physiotherapy"
OT = "occupational therapy"
RADIOGRAPHY = "radiography"
BIOENGINEERING = "bioengineering"
MIDWIFERY = "midwifery"
PARAMEDIC = "paramedic"

MIDT = RegionSpec(
    code="MIDT",
    name="Helse Midt-Norge",
    towns={
        "Trondheim": (63.4305, 10.3951),
        "Orkanger": (63.3000, 9.8500),
        "Røros": (62.5747, 11.3842),
        "Ålesund": (62.4722, 6.1549),
        "Molde": (62.7375, 7.1591),
        "Kristiansund": (63.1115, 7.7320),
        "Volda": (62.1467, 6.0714),
        "Levanger": (63.7464, 11.2996),
        "Namsos": (64.4662, 11.4957),
        "Steinkjer": (64.0149, 11.4954),
        "Stjørdal": (63.4697, 10.9177),
    },
    sites=(
        SiteSpec("SOH", "St. Olavs hospital", "St. Olavs hospital HF", "Trondheim", 10.0, True),
        SiteSpec("ORK", "Orkdal sykehus", "St. Olavs hospital HF", "Orkanger", 1.2),
        SiteSpec("ROR", "Røros sykehus", "St. Olavs hospital HF", "Røros", 0.4),
        SiteSpec("AAS", "Ålesund sjukehus", "Helse Møre og Romsdal HF", "Ålesund", 4.0),
        SiteSpec("MOS", "Molde sjukehus", "Helse Møre og Romsdal HF", "Molde", 1.8),
        SiteSpec("KSS", "Kristiansund sykehus", "Helse Møre og Romsdal HF", "Kristiansund", 1.2),
        SiteSpec("VOS", "Volda sjukehus", "Helse Møre og Romsdal HF", "Volda", 0.8),
        SiteSpec("LES", "Sykehuset Levanger", "Helse Nord-Trøndelag HF", "Levanger", 2.5),
        SiteSpec("NMS", "Sykehuset Namsos", "Helse Nord-Trøndelag HF", "Namsos", 1.2),
        SiteSpec(
            "TKH",
            "Trondheim kommune helse og velferd",
            "Trondheim kommune",
            "Trondheim",
            2.5,
            municipal=True,
        ),
        SiteSpec("AKH", "Ålesund kommune helse", "Ålesund kommune", "Ålesund", 0.8, municipal=True),
        SiteSpec(
            "SKH", "Steinkjer kommune helse", "Steinkjer kommune", "Steinkjer", 0.6, municipal=True
        ),
    ),
    institutions=(
        InstitutionSpec(
            "NTNU",
            "Norges teknisk-naturvitenskapelige universitet",
            ("Trondheim", "Ålesund"),
            (NURSING, MEDICINE, PHYSIO, RADIOGRAPHY, BIOENGINEERING, OT),
            5.0,
            university=True,
        ),
        InstitutionSpec(
            "NORD-TRD",
            "Nord universitet, Trøndelag",
            ("Levanger", "Namsos"),
            (NURSING, PARAMEDIC),
            2.0,
        ),
        InstitutionSpec("HIM", "Høgskolen i Molde", ("Molde", "Kristiansund"), (NURSING,), 1.2),
        InstitutionSpec(
            "VID-TRD",
            "VID vitenskapelige høgskole, Trondheim",
            ("Trondheim",),
            (NURSING, MIDWIFERY),
            1.0,
        ),
        InstitutionSpec("DHT", "Diakonhjemmet helsefag Trøndelag", ("Stjørdal",), (NURSING,), 0.8),
    ),
)

VEST = RegionSpec(
    code="VEST",
    name="Helse Vest",
    towns={
        "Bergen": (60.3913, 5.3221),
        "Voss": (60.6280, 6.4150),
        "Stavanger": (58.9700, 5.7331),
        "Haugesund": (59.4138, 5.2680),
        "Stord": (59.7795, 5.5003),
        "Odda": (60.0690, 6.5460),
        "Førde": (61.4520, 5.8570),
        "Nordfjordeid": (61.9090, 5.9870),
        "Lærdal": (61.1000, 7.4830),
        "Egersund": (58.4510, 5.9990),
    },
    sites=(
        SiteSpec("HUS", "Haukeland universitetssjukehus", "Helse Bergen HF", "Bergen", 10.0, True),
        SiteSpec("VOSS", "Voss sjukehus", "Helse Bergen HF", "Voss", 1.2),
        SiteSpec("KYST", "Kysthospitalet i Hagevik", "Helse Bergen HF", "Bergen", 0.6),
        SiteSpec(
            "HDS", "Haraldsplass Diakonale Sykehus", "Haraldsplass Diakonale Sykehus", "Bergen", 2.0
        ),
        SiteSpec(
            "SUS", "Stavanger universitetssjukehus", "Helse Stavanger HF", "Stavanger", 7.0, True
        ),
        SiteSpec("HAU", "Haugesund sjukehus", "Helse Fonna HF", "Haugesund", 2.4),
        SiteSpec("STO", "Stord sjukehus", "Helse Fonna HF", "Stord", 1.0),
        SiteSpec("ODD", "Odda sjukehus", "Helse Fonna HF", "Odda", 0.5),
        SiteSpec("FSS", "Førde sentralsjukehus", "Helse Førde HF", "Førde", 2.4),
        SiteSpec("NFJ", "Nordfjord sjukehus", "Helse Førde HF", "Nordfjordeid", 0.6),
        SiteSpec("LAE", "Lærdal sjukehus", "Helse Førde HF", "Lærdal", 0.5),
        SiteSpec("BKH", "Bergen kommune helse", "Bergen kommune", "Bergen", 2.0, municipal=True),
        SiteSpec(
            "SKO", "Stavanger kommune helse", "Stavanger kommune", "Stavanger", 1.5, municipal=True
        ),
    ),
    institutions=(
        InstitutionSpec(
            "HVL",
            "Høgskulen på Vestlandet",
            ("Bergen", "Førde", "Haugesund", "Stord"),
            (NURSING, PHYSIO, RADIOGRAPHY, BIOENGINEERING, OT),
            5.0,
            university=True,
        ),
        InstitutionSpec(
            "UIB", "Universitetet i Bergen", ("Bergen",), (MEDICINE,), 1.5, university=True
        ),
        InstitutionSpec(
            "UIS", "Universitetet i Stavanger", ("Stavanger",), (NURSING, PARAMEDIC, MIDWIFERY), 2.0
        ),
        InstitutionSpec(
            "VID-BGO", "VID vitenskapelige høgskole, Bergen", ("Bergen",), (NURSING,), 1.0
        ),
        InstitutionSpec("BET", "Betanien helsefagskole", ("Bergen",), (NURSING,), 0.6),
    ),
)

SOR = RegionSpec(
    code="SOR",
    name="Helse Sør-Øst",
    towns={
        "Oslo": (59.9139, 10.7522),
        "Lørenskog": (59.9277, 10.9585),
        "Drammen": (59.7441, 10.2045),
        "Sandvika": (59.8907, 10.5262),
        "Hønefoss": (60.1681, 10.2566),
        "Kongsberg": (59.6680, 9.6502),
        "Hamar": (60.7945, 11.0680),
        "Gjøvik": (60.7957, 10.6916),
        "Lillehammer": (61.1153, 10.4662),
        "Elverum": (60.8819, 11.5623),
        "Kristiansand": (58.1599, 8.0182),
        "Arendal": (58.4615, 8.7724),
        "Skien": (59.2096, 9.6090),
        "Tønsberg": (59.2674, 10.4076),
        "Sarpsborg": (59.2839, 11.1096),
    },
    sites=(
        SiteSpec("RH", "Rikshospitalet", "Oslo universitetssykehus HF", "Oslo", 6.0, True),
        SiteSpec("ULL", "Ullevål sykehus", "Oslo universitetssykehus HF", "Oslo", 6.0, True),
        SiteSpec(
            "AHUS",
            "Akershus universitetssykehus",
            "Akershus universitetssykehus HF",
            "Lørenskog",
            6.0,
            True,
        ),
        SiteSpec("DRS", "Drammen sykehus", "Vestre Viken HF", "Drammen", 3.0),
        SiteSpec("BAS", "Bærum sykehus", "Vestre Viken HF", "Sandvika", 2.0),
        SiteSpec("RIS", "Ringerike sykehus", "Vestre Viken HF", "Hønefoss", 1.2),
        SiteSpec("KOS", "Kongsberg sykehus", "Vestre Viken HF", "Kongsberg", 0.8),
        SiteSpec("HAS", "Sykehuset Innlandet Hamar", "Sykehuset Innlandet HF", "Hamar", 2.0),
        SiteSpec("GJS", "Sykehuset Innlandet Gjøvik", "Sykehuset Innlandet HF", "Gjøvik", 1.5),
        SiteSpec(
            "LIS", "Sykehuset Innlandet Lillehammer", "Sykehuset Innlandet HF", "Lillehammer", 2.0
        ),
        SiteSpec("ELS", "Sykehuset Innlandet Elverum", "Sykehuset Innlandet HF", "Elverum", 1.2),
        SiteSpec(
            "SSK", "Sørlandet sykehus Kristiansand", "Sørlandet sykehus HF", "Kristiansand", 3.0
        ),
        SiteSpec("SSA", "Sørlandet sykehus Arendal", "Sørlandet sykehus HF", "Arendal", 2.0),
        SiteSpec("STS", "Sykehuset Telemark", "Sykehuset Telemark HF", "Skien", 2.5),
        SiteSpec("SIV", "Sykehuset i Vestfold", "Sykehuset i Vestfold HF", "Tønsberg", 3.0),
        SiteSpec("KAL", "Sykehuset Østfold Kalnes", "Sykehuset Østfold HF", "Sarpsborg", 3.0),
        SiteSpec(
            "LDS", "Lovisenberg Diakonale Sykehus", "Lovisenberg Diakonale Sykehus", "Oslo", 1.5
        ),
        SiteSpec("OKH", "Oslo kommune helseetaten", "Oslo kommune", "Oslo", 3.0, municipal=True),
    ),
    institutions=(
        InstitutionSpec(
            "OSLOMET",
            "OsloMet – storbyuniversitetet",
            ("Oslo",),
            (NURSING, PHYSIO, OT, RADIOGRAPHY, BIOENGINEERING, MIDWIFERY, PARAMEDIC),
            5.0,
            university=True,
        ),
        InstitutionSpec(
            "UIO", "Universitetet i Oslo", ("Oslo",), (MEDICINE,), 1.8, university=True
        ),
        InstitutionSpec(
            "USN",
            "Universitetet i Sørøst-Norge",
            ("Drammen", "Skien", "Tønsberg"),
            (NURSING, PARAMEDIC),
            2.5,
        ),
        InstitutionSpec(
            "UIA", "Universitetet i Agder", ("Kristiansand", "Arendal"), (NURSING,), 1.5
        ),
        InstitutionSpec("INN", "Høgskolen i Innlandet", ("Elverum", "Gjøvik"), (NURSING,), 1.5),
    ),
)

NORD = RegionSpec(
    code="NORD",
    name="Helse Nord",
    towns={
        "Tromsø": (69.6492, 18.9553),
        "Harstad": (68.7986, 16.5415),
        "Narvik": (68.4385, 17.4273),
        "Bodø": (67.2804, 14.4049),
        "Gravdal": (68.1210, 13.5020),
        "Stokmarknes": (68.5650, 14.9100),
        "Mo i Rana": (66.3128, 14.1428),
        "Mosjøen": (65.8364, 13.1905),
        "Sandnessjøen": (66.0217, 12.6316),
        "Hammerfest": (70.6634, 23.6821),
        "Kirkenes": (69.7271, 30.0450),
        "Alta": (69.9689, 23.2716),
    },
    sites=(
        SiteSpec("UNNT", "UNN Tromsø", "Universitetssykehuset Nord-Norge HF", "Tromsø", 8.0, True),
        SiteSpec("UNNH", "UNN Harstad", "Universitetssykehuset Nord-Norge HF", "Harstad", 1.5),
        SiteSpec("UNNN", "UNN Narvik", "Universitetssykehuset Nord-Norge HF", "Narvik", 1.0),
        SiteSpec("NLSB", "Nordlandssykehuset Bodø", "Nordlandssykehuset HF", "Bodø", 4.0),
        SiteSpec("NLSL", "Nordlandssykehuset Lofoten", "Nordlandssykehuset HF", "Gravdal", 0.8),
        SiteSpec(
            "NLSV", "Nordlandssykehuset Vesterålen", "Nordlandssykehuset HF", "Stokmarknes", 0.8
        ),
        SiteSpec(
            "HSMO", "Helgelandssykehuset Mo i Rana", "Helgelandssykehuset HF", "Mo i Rana", 1.2
        ),
        SiteSpec("HSMJ", "Helgelandssykehuset Mosjøen", "Helgelandssykehuset HF", "Mosjøen", 0.7),
        SiteSpec(
            "HSSA",
            "Helgelandssykehuset Sandnessjøen",
            "Helgelandssykehuset HF",
            "Sandnessjøen",
            0.8,
        ),
        SiteSpec("FIHA", "Klinikk Hammerfest", "Finnmarkssykehuset HF", "Hammerfest", 1.2),
        SiteSpec("FIKI", "Klinikk Kirkenes", "Finnmarkssykehuset HF", "Kirkenes", 0.8),
        SiteSpec("TRK", "Tromsø kommune helse", "Tromsø kommune", "Tromsø", 1.5, municipal=True),
        SiteSpec("BOK", "Bodø kommune helse", "Bodø kommune", "Bodø", 1.0, municipal=True),
    ),
    institutions=(
        InstitutionSpec(
            "UIT",
            "UiT Norges arktiske universitet",
            ("Tromsø", "Harstad", "Hammerfest"),
            (NURSING, MEDICINE, PHYSIO, OT, RADIOGRAPHY, MIDWIFERY),
            5.0,
            university=True,
        ),
        InstitutionSpec(
            "NORD-BOD", "Nord universitet, Bodø", ("Bodø", "Mo i Rana"), (NURSING, PARAMEDIC), 2.0
        ),
        InstitutionSpec(
            "VID-TOS", "VID vitenskapelige høgskole, Tromsø", ("Tromsø",), (NURSING,), 0.8
        ),
        InstitutionSpec("FHN", "Finnmark helsefagskole", ("Alta", "Kirkenes"), (NURSING,), 0.8),
        InstitutionSpec(
            "HHV", "Helgeland helsefagskole", ("Mosjøen", "Sandnessjøen"), (NURSING,), 0.7
        ),
    ),
)

REGIONS: tuple[RegionSpec, ...] = (MIDT, VEST, SOR, NORD)
"""The four health regions; `regional` uses the first, `national` all four."""
