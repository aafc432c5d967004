"""The synthetic Helse Vest region: deterministic, valid, realistic, and solvable."""

from __future__ import annotations

from placement.check import check
from placement.demo import generate_region
from placement.io.read import read_instance
from placement.io.write_input import write_instance
from placement.lottery import lottery
from placement.options import Options
from placement.validate import validate_instance
from solver import solve


def test_same_seed_same_region_other_seed_other_region():
    assert generate_region(300, 3) == generate_region(300, 3)
    assert generate_region(300, 3).needs != generate_region(300, 4).needs


def test_size_and_features():
    inst = generate_region(3000, 1)
    assert abs(inst.num_needs - 3000) <= 150
    assert 180 <= len(inst.wards) <= 260
    assert {s.organisation for s in inst.sites} >= {"Helse Bergen HF", "Helse Stavanger HF"}
    assert any(n.locked_ward for n in inst.needs)
    assert any(n.group_id for n in inst.needs)
    assert inst.num_students < inst.num_needs  # some students have two periods
    assert any(r.end_date is not None for r in inst.supervisors)  # supervisors who leave
    assert inst.agreements and any(a.min_places > 0 for a in inst.agreements)
    wishes = [w for n in inst.needs for w in n.preferences]
    assert wishes.count("HUS") > len(wishes) / 10  # wishes pile onto the big hospital


def test_valid_and_round_trips_through_a_workbook(tmp_path):
    inst = generate_region(200, 2)
    assert not [p for p in validate_instance(inst) if p.is_error]
    path = write_instance(inst, tmp_path / "demo.xlsx")
    back, _ = read_instance(path)
    for part in ("programmes", "periods", "sites", "wards", "supervisors", "agreements"):
        assert getattr(back, part) == getattr(inst, part), part
    assert [n.model_copy(update={"row": 0}) for n in back.needs] == list(inst.needs)


def test_small_region_solves_and_beats_the_lottery():
    inst = generate_region(150, 0)
    options = Options(time_limit=20)
    allocation = solve(inst, options)
    report = check(inst, allocation, options)
    assert report.ok
    drawn = check(inst, lottery(inst, 0), options)
    assert report.levels["placements"] >= drawn.levels["placements"]
    assert allocation.num_placed > 0.5 * inst.num_needs  # a tiny region is tight
