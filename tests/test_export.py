"""Exports per institution, site and trust, read back by a second reader (pandas, openpyxl)
and opened by LibreOffice where it is installed.

Expected contents are counted here from the allocation and the instance's own fields
(dates, supervision ratios), not with the exporter's helpers.
"""

from __future__ import annotations

import math
import shutil
import subprocess
import zipfile
from collections import defaultdict
from datetime import date, datetime, timedelta
from fractions import Fraction
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from openpyxl import load_workbook
from typer.testing import CliRunner

from cli import app
from placement.allocation import Allocation, Placement, Unplaced
from placement.instance import Instance
from placement.io.atomic import OutputExistsError
from placement.io.export import (
    export_allocation,
    export_allocations,
    planned_exports,
    safe_file_name,
    semester,
)
from placement.io.write_allocation import write_allocation
from placement.io.write_input import write_instance
from placement.options import Options
from solver import solve
from tests import factory as f

FAST = Options(time_limit=10, workers=1)
HOG = "HØG/Vest"  # an institution id with a slash and a Norwegian letter
VOSS = "S 2/Voss"  # a site id with a space and a slash


def region(**extra: Any) -> Instance:
    """Two institutions, four sites: S1 and S4 of Trust A, `S 2/Voss` of Trust B, S3 of none.

    UNI (one-to-one supervision, weeks 2-5 of 2026) may use Trust A and S3; HØG/Vest
    (paired model, weeks 3-7) Trusts A and B. S4's ward has no supervisors, so S4
    receives nobody. u4 needs a wheelchair ward, which no ward is: unplaced.
    """
    return f.instance(
        institutions=[f.institution("UNI", "Universitetet"), f.institution(HOG, "Høgskolen")],
        programmes=[
            f.programme("NURSE"),
            f.programme("HV-SYK", institution_id=HOG, students_per_supervisor=2),
        ],
        periods=[
            f.period("P1"),
            f.period("P2", programme_id="HV-SYK", start=date(2026, 1, 12), end=date(2026, 2, 13)),
        ],
        sites=[
            f.site("S1"),
            f.site(VOSS, organisation="Trust B", location="Voss"),
            f.site("S3", organisation=None),
            f.site("S4"),
        ],
        wards=[
            f.ward("W1"),
            f.ward("W2", site_id=VOSS),
            f.ward("W3", site_id="S3"),
            f.ward("W4", site_id="S4"),
        ],
        sups=[f.supervisors("W1", count=2), f.supervisors("W2", count=3), f.supervisors("W3")],
        agreements=[
            f.agreement("A1", organisation="Trust A", min_places=1),
            f.agreement("A2", site_id="S3"),
            f.agreement("A3", institution_id=HOG, organisation="Trust B"),
            f.agreement("A4", institution_id=HOG, organisation="Trust A"),
        ],
        students=[
            f.student("u1", name="=Ulla"),
            f.student("u2", name="Una", prefs=("W3",)),
            f.student("u3", name="+47 Olsen"),
            f.student("u4", name="Uno", requires=("wheelchair",)),
            f.student("h1", "P2", "HV-SYK", name="@Hanne", prefs=("W1",)),
            f.student("h2", "P2", "HV-SYK", name="Hege"),
            f.student("h3", "P2", "HV-SYK", name="Hilde"),
            f.student("h4", "P2", "HV-SYK", name="Håkon"),
        ],
        **extra,
    )


@pytest.fixture(scope="module")
def solved() -> tuple[Instance, Allocation]:
    inst = region(source_name="region.xlsx", source_sha256="ab" * 32)
    allocation = solve(inst, FAST)
    assert allocation.num_placed == 7 and [u.student_id for u in allocation.unplaced] == ["u4"]
    return inst, allocation


# ---- what we expect, counted here ----------------------------------------------------------------
def institution_of(inst: Instance, student_id: str, period_id: str) -> str:
    need = inst.need[(student_id, period_id)]
    return inst.programme[need.programme_id].institution_id


def site_of(inst: Instance, ward_id: str) -> str:
    return next(w.site_id for w in inst.wards if w.ward_id == ward_id)


def trust_of(inst: Instance, ward_id: str) -> str | None:
    return next(s.organisation for s in inst.sites if s.site_id == site_of(inst, ward_id))


def mondays(start: date, end: date) -> list[date]:
    """Monday of every ISO week the days start..end touch."""
    monday = start - timedelta(days=start.weekday())
    out = []
    while monday <= end:
        out.append(monday)
        monday += timedelta(days=7)
    return out


def expected_supervision(
    inst: Instance, allocation: Allocation, wards: set[str]
) -> dict[tuple[str, date], tuple[int, Fraction]]:
    """(ward, Monday) -> (students, supervisors needed), every student nursing here."""
    out: dict[tuple[str, date], tuple[int, Fraction]] = defaultdict(lambda: (0, Fraction(0)))
    for p in allocation.placements:
        if p.ward_id not in wards:
            continue
        period = next(x for x in inst.periods if x.period_id == p.period_id)
        ratio = period.students_per_supervisor or next(
            g.students_per_supervisor
            for g in inst.programmes
            if g.programme_id == period.programme_id
        )
        for monday in mondays(period.start_date, period.end_date):
            n, need = out[(p.ward_id, monday)]
            out[(p.ward_id, monday)] = (n + 1, need + Fraction(1, ratio))
    return dict(out)


def read_all(path: Path) -> dict[str, pd.DataFrame]:
    return pd.read_excel(path, sheet_name=None, engine="openpyxl")


def every_cell(path: Path) -> list[Any]:
    """Every value in every sheet, headers, titles and the About sheet included."""
    book = load_workbook(path)
    values = [c.value for ws in book.worksheets for row in ws.iter_rows() for c in row]
    values += [ws.oddHeader.center.text for ws in book.worksheets]
    return [v for v in values if v is not None]


def records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    return [{str(k): v for k, v in row.items()} for row in frame.to_dict("records")]


def pairs(frame: pd.DataFrame) -> set[tuple[str, str]]:
    return set(zip(frame["student_id"], frame["period_id"], strict=True))


# ---- institutions --------------------------------------------------------------------------------
def test_each_institution_gets_exactly_its_own_students(solved, tmp_path):
    inst, allocation = solved
    paths = export_allocation(inst, allocation, tmp_path, "institution")
    assert sorted(p.name for p in paths) == ["institution-HØG_Vest.xlsx", "institution-UNI.xlsx"]
    names = {n.student_id: n.name for n in inst.needs}
    for path, key in zip(paths, ["UNI", HOG], strict=True):
        sheets = read_all(path)
        assert list(sheets) == ["About", "Placements", "Unplaced", "Agreements"]
        placed = sheets["Placements"]
        mine = {p.key for p in allocation.placements if institution_of(inst, *p.key) == key}
        assert pairs(placed) == mine and len(placed) == len(mine)
        assert set(placed["institution_id"]) == {key}
        wards = dict(zip(placed["student_id"], placed["ward_id"], strict=True))
        assert wards == {p.student_id: p.ward_id for p in allocation.placements if p.key in mine}
        unplaced = sheets["Unplaced"]
        own_unplaced = {u.key for u in allocation.unplaced if institution_of(inst, *u.key) == key}
        assert pairs(unplaced) == own_unplaced
        assert unplaced["reason"].notna().all()
        assert set(sheets["Agreements"]["institution_id"]) == {key}
        # No other institution's student anywhere in the file: no id, no name, in no sheet.
        others = {n.student_id for n in inst.needs if institution_of(inst, *n.key) != key}
        cells = every_cell(path)
        assert not set(map(str, cells)) & (others | {names[s] for s in others})
        assert not any(names[s] in str(c) for c in cells for s in others)


# ---- sites and trusts ----------------------------------------------------------------------------
def test_every_site_gets_exactly_the_students_placed_there(solved, tmp_path):
    inst, allocation = solved
    paths = export_allocation(inst, allocation, tmp_path, "site")
    assert sorted(p.name for p in paths) == [
        "site-S1.xlsx",
        "site-S3.xlsx",
        "site-S4.xlsx",
        "site-S_2_Voss.xlsx",
    ]
    by_name = {p.name: p for p in paths}
    for site_id, name in [("S1", "site-S1.xlsx"), ("S3", "site-S3.xlsx"),
                          ("S4", "site-S4.xlsx"), (VOSS, "site-S_2_Voss.xlsx")]:  # fmt: skip
        sheets = read_all(by_name[name])
        assert list(sheets) == [
            "About", "Placements", "Supervision", "Per ward", "Students per week", "Agreements"
        ]  # fmt: skip
        placed = sheets["Placements"]
        here = {p.key for p in allocation.placements if site_of(inst, p.ward_id) == site_id}
        assert pairs(placed) == here and len(placed) == len(here)
        assert set(placed["site_id"]) <= {site_id}
        keys = list(zip(placed["ward_id"], placed["start_date"], strict=True))
        assert keys == sorted(keys)  # grouped by ward, then by start date
        if site_id == "S4":
            assert placed.empty and sheets["Supervision"].empty


def test_supervision_sheet_matches_the_allocation(solved, tmp_path):
    inst, allocation = solved
    for kind in ("site", "organisation"):
        for path in export_allocation(inst, allocation, tmp_path / kind, kind):
            sheets = read_all(path)
            wards = {
                w.ward_id for w in inst.wards if w.ward_id in set(sheets["Placements"]["ward_id"])
            }
            expected = expected_supervision(inst, allocation, wards)
            supervision = sheets["Supervision"]
            got = {
                (r["ward_id"], r["week_start"].date()): (r["students"], r["supervisors_needed"])
                for r in records(supervision)
            }
            assert set(got) == set(expected), path.name
            for key, (students, needed) in expected.items():
                assert got[key][0] == students
                assert got[key][1] == pytest.approx(float(needed))
            for r in records(supervision):
                needed = r["supervisors_needed"]
                assert r["supervisors_needed_whole"] == math.ceil(needed - 1e-9)
                assert r["supervisors_available"] >= needed
                year, week, _ = r["week_start"].isocalendar()
                assert r["week"] == f"{year}-W{week:02d}"
            weekly = sheets["Students per week"]
            per_week: dict[date, int] = defaultdict(int)
            for (_, monday), (students, _) in expected.items():
                per_week[monday] += students
            assert {
                r["week_start"].date(): r["students"] for r in records(weekly) if r["students"]
            } == dict(per_week)
            per_ward = sheets["Per ward"]
            assert per_ward["student_weeks"].sum() == sum(n for n, _ in expected.values())
            assert per_ward["supervisor_weeks"].sum() == pytest.approx(
                float(sum(x for _, x in expected.values()))
            )
            assert "xl/charts/chart1.xml" in zipfile.ZipFile(path).namelist()


def test_mixed_supervision_models_counted_exactly(tmp_path):
    """One ward: u1 one-to-one (weeks 2-5) and three paired students (weeks 3-7)."""
    inst = region()
    allocation = Allocation(
        placements=(
            Placement(student_id="u1", period_id="P1", ward_id="W1"),
            *(Placement(student_id=s, period_id="P2", ward_id="W1") for s in ("h1", "h2", "h3")),
        )
    )
    (path,) = [
        p for p in export_allocation(inst, allocation, tmp_path, "site") if p.stem == "site-S1"
    ]
    supervision = read_all(path)["Supervision"]
    figures = {
        r["week"]: (r["students"], r["supervisors_needed"], r["supervisors_needed_whole"])
        for r in records(supervision)
    }
    assert figures == {
        "2026-W02": (1, 1, 1),
        "2026-W03": (4, 2.5, 3),
        "2026-W04": (4, 2.5, 3),
        "2026-W05": (4, 2.5, 3),
        "2026-W06": (3, 1.5, 2),
        "2026-W07": (3, 1.5, 2),
    }
    (per_ward,) = records(read_all(path)["Per ward"])
    assert (per_ward["students"], per_ward["student_weeks"], per_ward["supervisor_weeks"]) == (
        4,
        19,
        11.5,
    )


def test_each_trust_gets_the_students_at_its_sites(solved, tmp_path):
    inst, allocation = solved
    paths = export_allocation(inst, allocation, tmp_path, "organisation", language="nb")
    assert sorted(p.name for p in paths) == [
        "organisation-Trust_A.xlsx",
        "organisation-Trust_B.xlsx",
    ]
    for path, trust in zip(paths, ["Trust A", "Trust B"], strict=True):
        sheets = read_all(path)
        assert list(sheets) == [
            "Om", "Plasseringer", "Veiledning", "Per post", "Studenter per uke", "Avtaler"
        ]  # fmt: skip
        placed = sheets["Plasseringer"]
        there = {p.key for p in allocation.placements if trust_of(inst, p.ward_id) == trust}
        assert pairs(placed) == there
    # S3 has no trust: its students are in no trust's file.
    at_s3 = {p.student_id for p in allocation.placements if site_of(inst, p.ward_id) == "S3"}
    assert at_s3
    for path in paths:
        assert not at_s3 & set(read_all(path)["Plasseringer"]["student_id"])


# ---- formatting ----------------------------------------------------------------------------------
def test_layout_title_tables_dates_and_print_header(solved, tmp_path):
    inst, allocation = solved
    paths = export_allocations(inst, allocation, tmp_path, ["institution", "site", "organisation"])
    assert len(paths) == 2 + 4 + 2
    for path in paths:
        book = load_workbook(path)
        about = book.worksheets[0]
        assert about.title == "About"
        title = about["A1"].value
        assert "Spring 2026" in title and "region.xlsx" in title
        facts = {row[0]: row[1] for row in about.iter_rows(min_row=3, values_only=True) if row[0]}
        assert facts["run started"].date().isoformat() in title
        assert facts["input SHA-256"] == "ab" * 32
        assert isinstance(facts["run started"], datetime)
        assert facts["first day of placement"] == datetime(2026, 1, 5)
        for ws in book.worksheets:
            assert ws.sheet_view.showGridLines is False
            assert ws.oddHeader.center.text == title
        for ws in book.worksheets[1:]:
            (table,) = ws.tables.values()
            assert table.ref.startswith("A1:")  # the header in row 1, filterable
            assert ws.freeze_panes == "A2"
            assert ws.print_title_rows == "$1:$1"  # the header row on every page
            assert all(ws.column_dimensions[c].width for c in "AB")
            headers = [c.value for c in ws[1]]
            for column in ("start_date", "end_date", "week_start"):
                if column in headers and ws.max_row > 1 and ws.cell(2, 1).value is not None:
                    cell = ws.cell(2, headers.index(column) + 1)
                    assert cell.is_date and isinstance(cell.value, datetime), (path, column)
        frames = read_all(path)
        for name, frame in frames.items():
            for column in ("start_date", "end_date", "week_start"):
                if column in frame and len(frame):
                    assert pd.api.types.is_datetime64_any_dtype(frame[column]), (name, column)


def test_formula_like_names_stay_text(solved, tmp_path):
    inst, allocation = solved
    paths = export_allocations(inst, allocation, tmp_path, ["institution", "site"])
    seen: set[str] = set()
    for path in paths:
        for ws in load_workbook(path).worksheets:
            for row in ws.iter_rows():
                for cell in row:
                    if cell.value in ("=Ulla", "+47 Olsen", "@Hanne"):
                        assert cell.data_type == "s"
                        seen.add(cell.value)
        frames = read_all(path)
        for frame in frames.values():
            if "name" in frame:
                assert not frame["name"].astype(str).str.startswith("#").any()
    assert seen == {"=Ulla", "+47 Olsen", "@Hanne"}


def test_norwegian_labels_and_semester():
    autumn = f.period(start=date(2026, 8, 17), end=date(2026, 9, 25))
    assert semester(f.instance(), "en") == "Spring 2026"
    assert semester(f.instance(periods=[autumn]), "nb") == "Høst 2026"
    late = f.period(start=date(2026, 11, 30), end=date(2027, 1, 15))
    assert semester(f.instance(periods=[late]), "en") == "Autumn 2026"
    both = [f.period(), f.period("P2", start=date(2026, 8, 17), end=date(2026, 9, 25))]
    assert semester(f.instance(periods=both), "nb") == "Vår 2026 – Høst 2026"


# ---- files ---------------------------------------------------------------------------------------
def test_safe_and_distinct_file_names(tmp_path):
    assert safe_file_name("Helse Førde HF/2") == "Helse_Førde_HF_2"
    assert safe_file_name("../..") == "unnamed"
    assert safe_file_name("a:b*c?") == "a_b_c"
    sites = [f.site("A/B"), f.site("A B"), f.site("x" * 300), f.site("CON")]
    inst = f.instance(sites=sites, wards=[f.ward(site_id="A/B")])
    paths = planned_exports(inst, tmp_path, ["site"])
    names = [p.name for p in paths]
    assert len({n.casefold() for n in names}) == 4
    assert all(p.parent == tmp_path and len(p.name) < 120 for p in paths)
    assert names[0].startswith("site-A_B-") and names[1].startswith("site-A_B-")
    assert names[3] == "site-CON.xlsx"
    written = export_allocation(inst, Allocation(), tmp_path, "site")
    assert written == paths and all(p.exists() for p in paths)


def test_existing_files_need_force_and_nothing_is_written_first(solved, tmp_path):
    inst, allocation = solved
    (tmp_path / "site-S4.xlsx").write_bytes(b"old")
    with pytest.raises(OutputExistsError):
        export_allocations(inst, allocation, tmp_path, ["institution", "site"])
    assert sorted(p.name for p in tmp_path.iterdir()) == ["site-S4.xlsx"]
    assert (tmp_path / "site-S4.xlsx").read_bytes() == b"old"
    export_allocations(inst, allocation, tmp_path, ["institution", "site"], force=True)
    assert zipfile.is_zipfile(tmp_path / "site-S4.xlsx")
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]  # no temporary files


# ---- command line --------------------------------------------------------------------------------
@pytest.fixture
def files(solved, tmp_path):
    inst, allocation = solved
    workbook = write_instance(inst, tmp_path / "in.xlsx", language="nb")
    return workbook, write_allocation(inst, allocation, tmp_path / "alloc.xlsx")


def invoke(*args: str | Path) -> Any:
    result = CliRunner().invoke(app, [str(a) for a in args])
    assert "Traceback" not in result.output
    return result


def test_cli_export(files, tmp_path):
    workbook, alloc = files
    out = tmp_path / "out"
    result = invoke("export", workbook, alloc, "--out-dir", out)
    assert result.exit_code == 0, result.output
    assert len(list(out.glob("*.xlsx"))) == 2 + 4 + 2
    assert "=Ulla" not in result.output and "Hanne" not in result.output  # names stay inside
    assert "S3" in result.output  # the site without a trust is named
    # Norwegian by default (the input is Norwegian); English on request.
    assert load_workbook(out / "institution-UNI.xlsx").sheetnames[0] == "Om"
    result = invoke("export", workbook, alloc, "--out-dir", out, "--by", "site", "--by",
                    "institution", "--lang", "en")  # fmt: skip
    assert result.exit_code == 2 and "already exists" in result.output
    result = invoke("export", workbook, alloc, "--out-dir", tmp_path / "en", "--by", "site",
                    "--by", "institution", "--lang", "en")  # fmt: skip
    assert result.exit_code == 0, result.output
    assert (
        sorted(p.name.partition("-")[0] for p in (tmp_path / "en").iterdir())
        == ["institution"] * 2 + ["site"] * 4
    )
    assert load_workbook(tmp_path / "en" / "site-S1.xlsx").sheetnames[0] == "About"


def test_cli_refuses_a_broken_allocation(files, tmp_path):
    workbook, _ = files
    inst = region()
    crowded = Allocation(  # W3 has one supervisor: two one-to-one students break hard rule 2
        placements=(
            Placement(student_id="u1", period_id="P1", ward_id="W3"),
            Placement(student_id="u2", period_id="P1", ward_id="W3"),
        ),
        unplaced=tuple(
            Unplaced(student_id=n.student_id, period_id=n.period_id, reason="test")
            for n in inst.needs
            if n.student_id not in {"u1", "u2"}
        ),
    )
    broken = write_allocation(inst, crowded, tmp_path / "broken.xlsx")
    result = invoke("export", workbook, broken, "--out-dir", tmp_path / "out")
    assert result.exit_code == 1
    assert "hard rule 2" in result.output and "nothing was exported" in result.output
    assert not (tmp_path / "out").exists()


def test_solve_with_export_dir(files, tmp_path):
    workbook, _ = files
    out = tmp_path / "exports"
    result = invoke("solve", workbook, "-o", tmp_path / "a.xlsx", "--time-limit", "10",
                    "--quiet", "--export-dir", out, "--export-by", "organisation")  # fmt: skip
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in out.iterdir()) == [
        "organisation-Trust_A.xlsx",
        "organisation-Trust_B.xlsx",
    ]
    # An existing export stops the run before it solves or writes anything.
    result = invoke("solve", workbook, "-o", tmp_path / "b.xlsx", "--quiet",
                    "--export-dir", out, "--export-by", "organisation")  # fmt: skip
    assert result.exit_code == 2 and "already exists" in result.output
    assert not (tmp_path / "b.xlsx").exists()


# ---- LibreOffice ---------------------------------------------------------------------------------
def _office() -> str | None:
    return shutil.which("soffice") or shutil.which("libreoffice")


@pytest.mark.skipif(_office() is None, reason="LibreOffice (soffice) is not installed")
def test_libreoffice_opens_every_export(solved, tmp_path):
    """LibreOffice converts every workbook (exports and the allocation itself) and what it
    saves still holds the same students, and the charts."""
    inst, allocation = solved
    source = tmp_path / "source"
    paths = [write_allocation(inst, allocation, source / "alloc.xlsx")]
    paths += export_allocations(inst, allocation, source, ["institution", "site", "organisation"])
    out = tmp_path / "converted"
    office = _office()
    assert office is not None
    result = subprocess.run(
        [office, f"-env:UserInstallation={(tmp_path / 'profile').as_uri()}", "--headless",
         "--norestore", "--convert-to", "xlsx", "--outdir", str(out), *map(str, paths)],
        capture_output=True, text=True, timeout=300, check=False,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    for path in paths:
        converted = out / path.name
        assert converted.exists(), f"{path.name}: LibreOffice could not open it\n{result.stderr}"
        before, after = read_all(path), read_all(converted)
        assert list(after) == list(before)
        for name, frame in before.items():
            if "student_id" in frame:
                assert sorted(after[name]["student_id"]) == sorted(frame["student_id"]), name
        if path.name.startswith(("site-", "organisation-")):
            assert any(
                n.startswith("xl/charts/chart") for n in zipfile.ZipFile(converted).namelist()
            )
