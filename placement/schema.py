"""The input workbook format (format 1): every sheet and column, with aliases.

One table that the reader, the template, the documentation and the tests share,
so that a column's name, its Norwegian alias and what it may hold are written
down exactly once. See `../shared/spec/workbook.md` for the contract.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from enum import Enum

FORMAT_VERSION = 1


class Kind(Enum):
    """What a cell of a column may hold."""

    ID = "id"  # a string; numbers typed into Excel are read without ".0"
    TEXT = "text"
    INT = "int"  # whole number >= 0
    POSITIVE_INT = "positive int"  # whole number >= 1
    NUMBER = "number"  # decimal number
    DATE = "date"  # Excel date or ISO YYYY-MM-DD
    LIST = "list"  # comma-separated


KIND_EXPECTED = {
    Kind.ID: "an id (text or a whole number)",
    Kind.TEXT: "text",
    Kind.INT: "a whole number >= 0",
    Kind.POSITIVE_INT: "a whole number >= 1",
    Kind.NUMBER: "a number",
    Kind.DATE: "a date (an Excel date or YYYY-MM-DD)",
    Kind.LIST: "a comma-separated list",
}


@dataclass(frozen=True)
class Column:
    """One column of an input sheet."""

    name: str
    alias: str
    kind: Kind
    required: bool = False
    help: str = ""
    extra_aliases: tuple[str, ...] = ()
    choices: tuple[str, ...] = ()

    @property
    def all_names(self) -> tuple[str, ...]:
        return (self.name, self.alias, *self.extra_aliases)


@dataclass(frozen=True)
class Sheet:
    """One input sheet and its columns."""

    name: str
    alias: str
    columns: tuple[Column, ...]
    optional: bool = False
    help: str = ""
    extra_aliases: tuple[str, ...] = ()
    example: tuple[dict[str, object], ...] = field(default=())

    @property
    def all_names(self) -> tuple[str, ...]:
        return (self.name, self.alias, *self.extra_aliases)

    def column(self, name: str) -> Column:
        for column in self.columns:
            if column.name == name:
                return column
        raise KeyError(name)


def normalise_header(text: object) -> str:
    """Header key: case-, space- and underscore-insensitive, Unicode-normalised.

    `Student ID`, `student_id` and `STUDENT  id` all give `studentid`.
    """
    s = unicodedata.normalize("NFC", str(text)).casefold()
    return re.sub(r"[\s_\-.]+", "", s)


PREFERENCE_PATTERN = re.compile(r"^(?:preference|ønske|onske|wish|pref)(\d+)$")
"""Matches the normalised header of a ranked-wish column, capturing its rank."""

PROFESSIONS_EXAMPLES = (
    "nursing",
    "medicine",
    "physiotherapy",
    "radiography",
    "bioengineering",
    "occupational_therapy",
    "midwifery",
    "paramedic",
    "social_educator",
)

INSTITUTIONS = Sheet(
    "Institutions",
    "Institusjoner",
    (
        Column(
            "institution_id",
            "institusjon",
            Kind.ID,
            True,
            "short id, e.g. HVL",
            ("institusjonid", "institusjonskode"),
        ),
        Column("name", "navn", Kind.TEXT, help="full name"),
    ),
    help="The universities and colleges that send students.",
    example=({"institution_id": "HVL", "name": "Høgskulen på Vestlandet"},),
)

PROGRAMMES = Sheet(
    "Programmes",
    "Studieprogram",
    (
        Column(
            "programme_id",
            "studieprogram",
            Kind.ID,
            True,
            "e.g. HVL-SYKEPLEIE-BERGEN",
            ("programid", "program", "studieprogramid", "programme"),
        ),
        Column(
            "institution_id",
            "institusjon",
            Kind.ID,
            True,
            "must exist in Institutions",
            ("institusjonid",),
        ),
        Column("name", "navn", Kind.TEXT),
        Column(
            "profession",
            "profesjon",
            Kind.TEXT,
            True,
            "e.g. nursing, medicine; matches Supervisors.profession",
        ),
        Column(
            "students_per_supervisor",
            "studenter_per_veileder",
            Kind.POSITIVE_INT,
            help="supervision model: students one supervisor takes at once (default 1)",
            extra_aliases=("veiledningsmodell",),
        ),
        Column(
            "max_travel_km",
            "maks_reise_km",
            Kind.NUMBER,
            help="optional: hard limit on travel from home, except where a wish names the place",
        ),
    ),
    extra_aliases=("Programs", "Studieprogrammer"),
    help="The study programmes, their profession and supervision model.",
    example=(
        {
            "programme_id": "HVL-SYK-BERGEN",
            "institution_id": "HVL",
            "name": "Sykepleie Bergen",
            "profession": "nursing",
            "students_per_supervisor": 2,
        },
    ),
)

PERIODS = Sheet(
    "Periods",
    "Praksisperioder",
    (
        Column(
            "period_id",
            "periode",
            Kind.ID,
            True,
            "unique across the workbook",
            ("periodeid", "praksisperiode"),
        ),
        Column("programme_id", "studieprogram", Kind.ID, True, extra_aliases=("program",)),
        Column(
            "start_date",
            "startdato",
            Kind.DATE,
            True,
            "first day of placement",
            ("start", "fra", "fradato"),
        ),
        Column(
            "end_date",
            "sluttdato",
            Kind.DATE,
            True,
            "last day of placement",
            ("end", "slutt", "til", "tildato"),
        ),
        Column(
            "specialty",
            "fagområde",
            Kind.TEXT,
            help="the field students in this period need, e.g. surgery",
            extra_aliases=("speciality", "fagomrade"),
        ),
        Column(
            "students_per_supervisor",
            "studenter_per_veileder",
            Kind.POSITIVE_INT,
            help="overrides the programme's supervision model",
            extra_aliases=("veiledningsmodell",),
        ),
    ),
    extra_aliases=("Perioder", "Praksisperiode"),
    help="Practice periods: when each programme's students are out, and in which field.",
    example=(
        {
            "period_id": "SYK2-H26-KIR",
            "programme_id": "HVL-SYK-BERGEN",
            "start_date": "2026-09-07",
            "end_date": "2026-10-30",
            "specialty": "surgery",
            "students_per_supervisor": None,
        },
    ),
)

SITES = Sheet(
    "Sites",
    "Praksissteder",
    (
        Column("site_id", "praksissted", Kind.ID, True, "e.g. HUS", ("stedid", "sykehus")),
        Column("name", "navn", Kind.TEXT),
        Column(
            "organisation",
            "helseforetak",
            Kind.TEXT,
            help="the trust that signs agreements, e.g. Helse Bergen HF",
            extra_aliases=("organization", "foretak", "hf"),
        ),
        Column("location", "sted", Kind.TEXT, help="town", extra_aliases=("by",)),
    ),
    extra_aliases=("Praksissted",),
    help="Hospitals and other placement sites, and the trust each belongs to.",
    example=(
        {
            "site_id": "HUS",
            "name": "Haukeland universitetssjukehus",
            "organisation": "Helse Bergen HF",
            "location": "Bergen",
        },
    ),
)

WARDS = Sheet(
    "Wards",
    "Poster",
    (
        Column("ward_id", "post", Kind.ID, True, "unique", ("postid", "avdeling")),
        Column("site_id", "praksissted", Kind.ID, True),
        Column("name", "navn", Kind.TEXT),
        Column(
            "specialties",
            "fagområder",
            Kind.LIST,
            True,
            "comma list of fields the ward can teach",
            ("specialty", "fagområde", "fagomrader"),
        ),
        Column(
            "max_students",
            "maks_studenter",
            Kind.INT,
            help="students of all professions in any one week; blank = no limit",
            extra_aliases=("makstudenter",),
        ),
        Column(
            "professions",
            "profesjoner",
            Kind.LIST,
            help="professions it takes; blank = any it has supervisors for",
        ),
        Column("tags", "egenskaper", Kind.LIST, help="features, e.g. wheelchair, english"),
        Column("location", "sted", Kind.TEXT, help="overrides the site's location"),
    ),
    extra_aliases=("Post", "Avdelinger"),
    help="Wards (poster) at each site: what they teach and how many students fit.",
    example=(
        {
            "ward_id": "HUS-KIR-1",
            "site_id": "HUS",
            "name": "Kirurgisk post 1",
            "specialties": "surgery",
            "max_students": 6,
            "professions": "nursing, medicine",
            "tags": "wheelchair",
            "location": None,
        },
    ),
)

SUPERVISORS = Sheet(
    "Supervisors",
    "Veiledere",
    (
        Column("ward_id", "post", Kind.ID, True),
        Column("profession", "profesjon", Kind.TEXT, True),
        Column(
            "supervisors",
            "veiledere",
            Kind.INT,
            True,
            "qualified supervisors of that profession available",
            ("antall", "antallveiledere"),
        ),
        Column(
            "start_date",
            "startdato",
            Kind.DATE,
            help="blank = from the beginning of time",
            extra_aliases=("fra", "fradato"),
        ),
        Column(
            "end_date",
            "sluttdato",
            Kind.DATE,
            help="blank = to the end of time",
            extra_aliases=("til", "tildato"),
        ),
    ),
    extra_aliases=("Veiledarar", "Veiledning"),
    help="Qualified supervisors per ward and profession, optionally for a date range.",
    example=(
        {
            "ward_id": "HUS-KIR-1",
            "profession": "nursing",
            "supervisors": 3,
            "start_date": None,
            "end_date": None,
        },
    ),
)

AGREEMENTS = Sheet(
    "Agreements",
    "Avtaler",
    (
        Column("institution_id", "institusjon", Kind.ID, True),
        Column("site_id", "praksissted", Kind.ID, help="exactly one of site_id and organisation"),
        Column(
            "organisation",
            "helseforetak",
            Kind.TEXT,
            help="the agreement covers every site of that trust",
            extra_aliases=("organization", "foretak", "hf"),
        ),
        Column(
            "programme_id",
            "studieprogram",
            Kind.ID,
            help="blank = all programmes",
            extra_aliases=("program",),
        ),
        Column("period_id", "periode", Kind.ID, help="blank = all periods"),
        Column(
            "min_places",
            "min_plasser",
            Kind.INT,
            help="places the trust has promised (default 0)",
            extra_aliases=("minimum",),
        ),
        Column(
            "max_places",
            "maks_plasser",
            Kind.INT,
            help="places the institution may use at most; blank = no maximum",
            extra_aliases=("maximum", "maxplasser"),
        ),
    ),
    optional=True,
    extra_aliases=("Avtale", "Praksisavtaler"),
    help="Which sites are open to which institution, and promised and maximum places. "
    "Without this sheet every site is open to every institution.",
    example=(
        {
            "institution_id": "HVL",
            "site_id": None,
            "organisation": "Helse Bergen HF",
            "programme_id": "HVL-SYK-BERGEN",
            "period_id": None,
            "min_places": 40,
            "max_places": 80,
        },
    ),
)

STUDENTS = Sheet(
    "Students",
    "Studenter",
    (
        Column(
            "student_id",
            "student",
            Kind.ID,
            True,
            "one row per placement a student needs",
            ("studentnummer", "studentnr", "studentid", "kandidatnummer"),
        ),
        Column("name", "navn", Kind.TEXT, help="optional; personal data"),
        Column("programme_id", "studieprogram", Kind.ID, True, extra_aliases=("program",)),
        Column("period_id", "periode", Kind.ID, True, "must belong to the programme"),
        Column(
            "specialty",
            "fagområde",
            Kind.TEXT,
            help="overrides the period's specialty",
            extra_aliases=("speciality", "fagomrade"),
        ),
        Column(
            "requires",
            "krav",
            Kind.LIST,
            help="ward tags the student needs (documented special arrangements)",
            extra_aliases=("tilrettelegging",),
        ),
        Column(
            "avoid",
            "unngå",
            Kind.LIST,
            help="ward_ids or site_ids the student must not be placed at",
            extra_aliases=("unnga", "habilitet"),
        ),
        Column("group_id", "gruppe", Kind.ID, help="same group and period: should share a ward"),
        Column(
            "locked_ward",
            "låst_post",
            Kind.ID,
            help="agreed placement: must be exactly there",
            extra_aliases=("lastpost", "låst"),
        ),
        Column("home_location", "bosted", Kind.TEXT, help="for travel"),
    ),
    help="One row per placement a student needs. Wishes go in preference_1, preference_2, ... "
    "(ønske_1, ønske_2, ...): each a ward_id, site_id, trust or town, best first.",
    example=(
        {
            "student_id": "100234",
            "name": "Kari Nordmann",
            "programme_id": "HVL-SYK-BERGEN",
            "period_id": "SYK2-H26-KIR",
            "specialty": None,
            "preference_1": "HUS-KIR-1",
            "preference_2": "HUS",
            "preference_3": "Bergen",
            "requires": None,
            "avoid": None,
            "group_id": None,
            "locked_ward": None,
            "home_location": "Bergen",
        },
    ),
)

HISTORY = Sheet(
    "History",
    "Historikk",
    (
        Column(
            "student_id",
            "student",
            Kind.ID,
            True,
            extra_aliases=("studentnummer", "studentnr", "studentid"),
        ),
        Column("ward_id", "post", Kind.ID, True),
    ),
    optional=True,
    help="Wards a student has been placed at before: never again.",
    example=({"student_id": "100234", "ward_id": "HUS-MED-2"},),
)

LOCATIONS = Sheet(
    "Locations",
    "Steder",
    (
        Column("location", "sted", Kind.TEXT, True),
        Column("latitude", "breddegrad", Kind.NUMBER, True, extra_aliases=("lat",)),
        Column("longitude", "lengdegrad", Kind.NUMBER, True, extra_aliases=("lon", "lng")),
    ),
    optional=True,
    help="Coordinates of the towns named in Sites, Wards and Students (for travel).",
    example=({"location": "Bergen", "latitude": 60.3913, "longitude": 5.3221},),
)

SETTINGS = Sheet(
    "Settings",
    "Innstillinger",
    (
        Column("key", "nøkkel", Kind.TEXT, True, extra_aliases=("nokkel", "setting")),
        Column("value", "verdi", Kind.TEXT, True),
    ),
    optional=True,
    help="Solver options: time_limit, seed, workers, unranked_cost, ... "
    "Command-line options override them.",
    example=({"key": "time_limit", "value": "60"},),
)

COSTS = Sheet(
    "Costs",
    "Kostnader",
    (
        Column("profession", "profesjon", Kind.TEXT, True),
        Column(
            "cost_per_student_week",
            "kostnad_per_studentuke",
            Kind.NUMBER,
            True,
            extra_aliases=("kostnad", "cost"),
        ),
    ),
    optional=True,
    help="Optional: what one student-week of practice costs per profession (NOK).",
    example=({"profession": "nursing", "cost_per_student_week": 4200},),
)

SHEETS: tuple[Sheet, ...] = (
    INSTITUTIONS,
    PROGRAMMES,
    PERIODS,
    SITES,
    WARDS,
    SUPERVISORS,
    AGREEMENTS,
    STUDENTS,
    HISTORY,
    LOCATIONS,
    SETTINGS,
    COSTS,
)

NORWEGIAN_SHEET_NAMES = {sheet.name: sheet.alias for sheet in SHEETS}
