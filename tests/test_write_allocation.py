"""The allocation workbook: six spec sheets as Excel tables, read back by pandas and by us."""

from __future__ import annotations

import zipfile
from datetime import datetime

import pandas as pd
import pytest
from openpyxl import load_workbook

from placement.allocation import Allocation, Placement, Unplaced
from placement.check import check
from placement.io.read_allocation import read_allocation
from placement.io.style import StreamingWorkbook
from placement.io.write_allocation import write_allocation
from placement.options import Options
from solver import solve
from tests import factory as f

FAST = Options(time_limit=10, workers=1)


@pytest.fixture
def solved():
    """Three students, two one-supervisor wards: two placed, one unplaced with a reason.

    a wishes W1, b W2 and c W1: placing c costs someone a wish (10), so a and b are placed.
    """
    inst = f.instance(
        students=[
            f.student("a", prefs=("W1",), name="=Ada"),
            f.student("b", prefs=("W2",)),
            f.student("c", prefs=("W1",)),
        ],
        wards=[f.ward("W1"), f.ward("W2")],
        agreements=[f.agreement(organisation="Trust A", min_places=3, max_places=5)],
    )
    return inst, solve(inst, FAST)


def test_sheets_in_order_with_headers_in_row_one(solved, tmp_path):
    inst, allocation = solved
    path = write_allocation(inst, allocation, tmp_path / "out.xlsx", options=FAST)
    book = load_workbook(path)
    assert book.sheetnames[:4] == ["Allocation", "Unplaced", "Agreements", "Capacity"]
    assert {"Summary", "Run"} <= set(book.sheetnames)
    frames = pd.read_excel(path, sheet_name=None, engine="openpyxl")
    placed = frames["Allocation"]
    assert sorted(placed["student_id"]) == ["a", "b"]
    assert list(placed.columns[:14]) == [
        "student_id", "name", "institution_id", "programme_id", "period_id", "start_date",
        "end_date", "specialty", "ward_id", "ward_name", "site_id", "organisation",
        "preference_rank", "locked",
    ]  # fmt: skip
    # Dates are real dates, wishes met are rank 1, nothing is locked.
    assert isinstance(placed["start_date"][0], datetime)
    assert set(placed["preference_rank"]) == {1}
    assert set(placed["locked"]) == {"no"}
    unplaced = frames["Unplaced"]
    assert list(unplaced["student_id"]) == ["c"]
    assert "full" in unplaced["reason"][0]
    agreement = frames["Agreements"].iloc[0]
    assert (agreement["placed"], agreement["shortfall"]) == (2, 1)
    run = dict(zip(frames["Run"]["key"], frames["Run"]["value"], strict=True))
    assert run["placements_value"] == 2
    assert run["status"] in {"OPTIMAL", "FEASIBLE"}
    for key in ("seconds", "seed", "workers", "input_sha256", "program_version"):
        assert key in run


def test_every_sheet_is_a_table_with_frozen_header(solved, tmp_path):
    inst, allocation = solved
    book = load_workbook(write_allocation(inst, allocation, tmp_path / "out.xlsx"))
    for title in ("Allocation", "Unplaced", "Agreements", "Capacity", "Run"):
        ws = book[title]
        assert ws.tables, title
        assert ws.freeze_panes == "A2", title


def test_formula_like_text_stays_text(solved, tmp_path):
    # The name "=Ada" must never become a formula in Excel.
    inst, allocation = solved
    book = load_workbook(write_allocation(inst, allocation, tmp_path / "out.xlsx"))
    cells = [c for row in book["Allocation"].iter_rows() for c in row if c.value == "=Ada"]
    assert cells and all(c.data_type == "s" for c in cells)


def test_summary_has_charts(solved, tmp_path):
    inst, allocation = solved
    path = write_allocation(inst, allocation, tmp_path / "out.xlsx")
    names = zipfile.ZipFile(path).namelist()
    assert sum(n.startswith("xl/charts/chart") for n in names) == 2


def test_norwegian_sheet_names(solved, tmp_path):
    inst, allocation = solved
    path = write_allocation(inst, allocation, tmp_path / "out.xlsx", language="nb")
    names = load_workbook(path).sheetnames
    assert names[:4] == ["Fordeling", "Ikke plassert", "Avtaler", "Kapasitet"]
    assert "Kjøring" in names


def test_round_trip_passes_the_checker(solved, tmp_path):
    inst, allocation = solved
    for lang in ("en", "nb"):
        path = write_allocation(inst, allocation, tmp_path / f"out-{lang}.xlsx", language=lang)
        back = read_allocation(path)
        assert set(back.placements) == set(allocation.placements)
        assert {u.key for u in back.unplaced} == {u.key for u in allocation.unplaced}
        assert back.run is not None and allocation.run is not None
        assert back.run.seed == allocation.run.seed
        assert [lv.value for lv in back.run.levels] == [lv.value for lv in allocation.run.levels]
        assert check(inst, back, FAST).ok


def test_existing_output_needs_force(solved, tmp_path):
    from placement.io.atomic import OutputExistsError

    inst, allocation = solved
    path = tmp_path / "out.xlsx"
    path.write_bytes(b"keep me")
    with pytest.raises(OutputExistsError):
        write_allocation(inst, allocation, path)
    assert path.read_bytes() == b"keep me"
    write_allocation(inst, allocation, path, force=True)
    assert load_workbook(path).sheetnames[0] == "Allocation"


def test_hand_made_allocation_without_run_details(tmp_path):
    # An allocation from another tool has no Run details: the sheet says so.
    inst = f.instance(students=[f.student("a"), f.student("b")], wards=[f.ward("W1")])
    allocation = Allocation(
        placements=(Placement(student_id="a", period_id="P1", ward_id="W1"),),
        unplaced=(Unplaced(student_id="b", period_id="P1", reason="by hand"),),
    )
    path = write_allocation(inst, allocation, tmp_path / "out.xlsx")
    assert read_allocation(path).run is None
    assert check(inst, read_allocation(path), FAST).ok


def test_streamed_rows_read_back_like_built_ones(tmp_path):
    # Rows past the head are written as raw XML: types, dates and quoting must match.
    rows = [[f"id{i}", i, datetime(2026, 1, 5), "=x" if i % 2 else None, True] for i in range(30)]
    book = StreamingWorkbook(head_rows=5)
    book.add_table_sheet("Data", ["id", "n", "day", "text", "flag"], rows)
    path = tmp_path / "stream.xlsx"
    book.save(path)
    frame = pd.read_excel(path, sheet_name="Data", engine="openpyxl")
    assert len(frame) == 30
    assert list(frame["n"]) == list(range(30))
    assert all(isinstance(d, datetime) for d in frame["day"])
    ws = load_workbook(path)["Data"]
    assert ws.tables["Data"].ref == "A1:E31"
    assert ws["D31"].value == "=x" and ws["D31"].data_type == "s"
