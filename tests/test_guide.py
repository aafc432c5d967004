"""The wish LP block by block (`solver.guide`): blocks of wards, rows shared out, the guide.

Each instance is tiny; the comments give the answer worked out by hand.
"""

from __future__ import annotations

import importlib
from typing import Any

import numpy as np
import pytest
import scipy.sparse

from placement.allocation import Placement
from placement.instance import Instance
from placement.options import Options
from solver import neighbourhood
from solver.guide import BlockGuide, blocks_of, shared_out, ward_blocks
from solver.model import PlacementModel
from solver.program import IntArray
from solver.solve import LexicographicSolver
from solver.wishes import WishRelaxation
from tests import factory as f

OPTIONS = Options(time_limit=5, workers=1, max_levels=3)


def _two_trusts(*, surgery_at_b: bool) -> Instance:
    """Trust A (site SA) has surgery wards A1 and A2; trust B (site SB) medicine wards B1 and
    B2, and with `surgery_at_b` the surgery ward B3 too. One supervisor each.

    Student a (period PS, surgery) wishes A1; student b (period PM, medicine) wishes B1.
    """
    wards = [
        f.ward("A1", site_id="SA"),
        f.ward("A2", site_id="SA"),
        f.ward("B1", site_id="SB", specialties=("medicine",)),
        f.ward("B2", site_id="SB", specialties=("medicine",)),
    ]
    if surgery_at_b:
        wards.append(f.ward("B3", site_id="SB"))
    return f.instance(
        students=[
            f.student("a", period_id="PS", prefs=("A1",)),
            f.student("b", period_id="PM", prefs=("B1",)),
        ],
        wards=wards,
        sites=[f.site("SA", organisation="Trust A"), f.site("SB", organisation="Trust B")],
        periods=[f.period("PS"), f.period("PM", specialty="medicine")],
    )


def _models(inst: Instance) -> tuple[PlacementModel, PlacementModel]:
    """The class model held at both students placed, and the cohort model."""
    classes = PlacementModel(inst, OPTIONS, levels=["placements", "shortfall"], classes=True)
    placements = classes.levels[0].objective
    classes.program.add_row(
        "level", "placements", placements.columns, placements.coefficients, lower=2
    )
    return classes, PlacementModel(inst, OPTIONS)


def _start(cohorts: PlacementModel, wards: dict[tuple[str, str], str]) -> IntArray:
    placed = [Placement(student_id=s, period_id=p, ward_id=w) for (s, p), w in wards.items()]
    return cohorts.complete(cohorts.counts_of(placed))


def _wards_of(guide: BlockGuide, cohorts: PlacementModel) -> dict[str, float]:
    """How much of a student the guide has at each ward (one student per period here)."""
    x = guide.result().x
    assert x is not None
    pairs = cohorts.pairs
    return {
        pairs.ward_ids[pairs.ward[p]]: round(float(x[p]), 6)
        for p in range(pairs.num_pairs)
        if x[p] > 1e-9
    }


def test_trusts_that_share_no_student_are_blocks_of_their_own():
    # a can go to A1 and A2 only, b to B1 and B2 only: nothing links the trusts.
    classes, _ = _models(_two_trusts(surgery_at_b=False))
    blocks = ward_blocks(classes)
    assert blocks[0] == blocks[1] and blocks[2] == blocks[3] and blocks[0] != blocks[2]


def test_trusts_a_class_may_go_to_both_are_joined_while_the_block_is_small_enough():
    # a may go to A1, A2 and B3 (surgery): the trusts share a's class, and all five
    # wards are one block; capped at three class pairs they stay two (A: a's two pairs,
    # B: a's pair at B3 and b's two).
    classes, _ = _models(_two_trusts(surgery_at_b=True))
    assert len(set(ward_blocks(classes).tolist())) == 1
    capped = ward_blocks(classes, max_pairs=3)
    assert len(set(capped.tolist())) == 2


def test_a_trust_bigger_than_a_block_is_cut_into_its_sites():
    # Trust A has sites SX (ward X1) and SY (ward Y1); student a may go to both. Two
    # class pairs: as one block where two fit, cut between its sites where one does.
    inst = f.instance(
        students=[f.student("a", prefs=("X1",))],
        wards=[f.ward("X1", site_id="SX"), f.ward("Y1", site_id="SY")],
        sites=[f.site("SX"), f.site("SY")],
    )
    classes = PlacementModel(inst, OPTIONS, levels=["placements"], classes=True)
    assert ward_blocks(classes, max_pairs=2).tolist() == [0, 0]
    assert sorted(ward_blocks(classes, max_pairs=1).tolist()) == [0, 1]


def test_a_row_shared_by_two_blocks_gives_each_half_its_slack():
    # x0 + x1 >= 1 with x0 in block 0, x1 in block 1, both at 1: activity 2, slack 1,
    # so each block keeps its own column at least 1 - 1/2. The row x0 <= 3, in block 0
    # alone, keeps its bounds.
    matrix = scipy.sparse.csr_matrix(np.array([[1.0, 1.0], [1.0, 0.0]]))
    lower, upper = np.array([1.0, -np.inf]), np.array([np.inf, 3.0])
    start = np.array([1.0, 1.0])
    blocks, touching = blocks_of(matrix, np.array([0, 1]))
    assert [b.columns.tolist() for b in blocks] == [[0], [1]]
    assert [b.rows.tolist() for b in blocks] == [[0, 1], [0]]
    assert touching.tolist() == [2, 1]
    activity = matrix @ start
    first = shared_out(blocks[0], activity, lower, upper, touching, start)
    second = shared_out(blocks[1], activity, lower, upper, touching, start)
    assert [bound.tolist() for bound in first] == [[0.5, -np.inf], [np.inf, 3.0]]
    assert [bound.tolist() for bound in second] == [[0.5], [np.inf]]


def test_each_block_moves_its_students_to_their_wishes():
    # a starts at A2 and b at B2, neither at a wish (wish cost twice `unranked_cost`).
    # Each block's LP moves its student to the wish with room (A1, B1): wish cost 0.
    classes, cohorts = _models(_two_trusts(surgery_at_b=False))
    start = _start(cohorts, {("a", "PS"): "A2", ("b", "PM"): "B2"})
    guide = BlockGuide(WishRelaxation(classes, cohorts), "wish_cost", start)
    assert guide.num_blocks == 2
    assert guide.objective.value(guide.start) == 2 * OPTIONS.unranked_cost
    assert guide.solve(float("inf"), stopped=lambda: False) == 2
    assert guide.value() == pytest.approx(0)
    assert _wards_of(guide, cohorts) == {"A1": 1.0, "B1": 1.0}


def test_a_student_is_kept_in_the_block_the_start_has_him_in():
    # a starts at B3 (trust B), his wish A1 is in trust A. As one block the LP moves
    # him there; cut into two blocks, a's row is shared out and his place stays in B.
    classes, cohorts = _models(_two_trusts(surgery_at_b=True))
    start = _start(cohorts, {("a", "PS"): "B3", ("b", "PM"): "B1"})
    whole = BlockGuide(WishRelaxation(classes, cohorts), "wish_cost", start)
    whole.solve(float("inf"), stopped=lambda: False)
    assert whole.value() == pytest.approx(0)
    assert _wards_of(whole, cohorts) == {"A1": 1.0, "B1": 1.0}
    cut = BlockGuide(
        WishRelaxation(classes, cohorts), "wish_cost", start, ward_blocks(classes, max_pairs=3)
    )
    assert cut.num_blocks == 2
    cut.solve(float("inf"), stopped=lambda: False)
    assert cut.value() == pytest.approx(OPTIONS.unranked_cost)
    assert _wards_of(cut, cohorts) == {"B3": 1.0, "B1": 1.0}


def test_the_guide_keeps_every_row_and_stops_when_asked():
    classes, cohorts = _models(_two_trusts(surgery_at_b=True))
    start = _start(cohorts, {("a", "PS"): "A2", ("b", "PM"): "B2"})
    relaxation = WishRelaxation(classes, cohorts)
    guide = BlockGuide(relaxation, "wish_cost", start, ward_blocks(classes, max_pairs=3))
    assert guide.solve(float("inf"), stopped=lambda: True) == 0
    assert guide.value() == guide.objective.value(guide.start)  # the start itself
    guide.solve(float("inf"), stopped=lambda: False)
    activity = guide.matrix @ guide.x
    assert np.all(activity >= guide.row_lower - 1e-6)
    assert np.all(activity <= guide.row_upper + 1e-6)


def test_following_solves_the_blocks_in_turn_around_the_latest_solution():
    # Two blocks, solved 0, 1, 0 around a start with both students away from their
    # wishes; each solved block is reported, and the guide reaches wish cost 0.
    classes, cohorts = _models(_two_trusts(surgery_at_b=False))
    start = _start(cohorts, {("a", "PS"): "A2", ("b", "PM"): "B2"})
    guide = BlockGuide(WishRelaxation(classes, cohorts), "wish_cost", start)
    solved: list[float] = []
    count = guide.follow(
        lambda: start,
        float("inf"),
        stopped=lambda: len(solved) == 3,
        updated=lambda: solved.append(guide.value()),
    )
    assert count == 3
    assert solved[0] == pytest.approx(OPTIONS.unranked_cost)  # a moved, b not yet
    assert solved[1:] == pytest.approx([0, 0])


def test_a_wish_level_without_an_lp_of_its_own_is_guided_block_by_block(
    monkeypatch: pytest.MonkeyPatch,
):
    # Every LP predicted to outlast the run, as on a national program: the wish level
    # follows the guide of two blocks (one per trust) and ends at wish cost 0, both
    # students at their wishes, and the guide's LP thread ends with the level.
    solve_module = importlib.import_module("solver.solve")
    monkeypatch.setattr(solve_module, "_lp_seconds", lambda built, level: 1e9)
    monkeypatch.setattr(solve_module, "_wish_lp_seconds", lambda classes: 1e9)
    monkeypatch.setattr(neighbourhood, "WHOLE_PROGRAM_COLUMNS", 0)
    followed: list[int] = []
    original = BlockGuide.follow

    def follow(self: BlockGuide, *args: Any, **kwargs: Any) -> int:
        followed.append(self.num_blocks)
        return original(self, *args, **kwargs)

    monkeypatch.setattr(BlockGuide, "follow", follow)
    inst = _two_trusts(surgery_at_b=False)
    options = Options(time_limit=4, workers=2, max_levels=3)
    solver = LexicographicSolver(inst, options)
    result = solver.solve()
    assert followed == [2]
    assert result.objective() == {"placements": 2, "shortfall": 0, "wish_cost": 0}
    assert solver._pool._shutdown
