"""Objective levels 1-3 on tiny instances, including where two levels pull apart.

Levels are lexicographic: a higher level's optimum is never given up for a
lower one. Each test explains the hand-computed optimum.
"""

from __future__ import annotations

from placement.check import evaluate
from placement.options import Options
from solver import solve
from tests import factory as f

FAST = Options(time_limit=10, workers=1)


def test_level_1_places_everyone_it_can():
    # Three students, W1 and W2 with one supervisor each: two can be placed, no more.
    inst = f.instance(
        students=[f.student("a"), f.student("b"), f.student("c")],
        wards=[f.ward("W1"), f.ward("W2")],
    )
    allocation = solve(inst, FAST)
    assert allocation.num_placed == 2
    assert allocation.run is not None
    level = allocation.run.levels[0]
    assert (level.name, level.value, level.bound, level.status) == ("placements", 2, 2, "OPTIMAL")


def test_level_1_beats_level_3_wishes():
    # Both wish W1 (one supervisor). Placing both means one goes unwished to W2 (cost 10),
    # which is worse on wishes than leaving one out (cost 0) but better on level 1.
    inst = f.instance(
        students=[f.student("a", prefs=("W1",)), f.student("b", prefs=("W1",))],
        wards=[f.ward("W1"), f.ward("W2")],
    )
    allocation = solve(inst, FAST)
    assert allocation.num_placed == 2
    assert evaluate(inst, allocation, FAST)["wish_cost"] == 10


def test_level_2_meets_agreement_minimums():
    # Trust B promised UNI one place (min 1 at S2). The student has no wishes, so without
    # level 2 either ward would do; the minimum sends it to W2 at S2.
    inst = f.instance(
        sites=[f.site("S1", organisation="Trust A"), f.site("S2", organisation="Trust B")],
        wards=[f.ward("W1", site_id="S1"), f.ward("W2", site_id="S2")],
        agreements=[
            f.agreement("A1", organisation="Trust A"),
            f.agreement("A2", organisation="Trust B", min_places=1),
        ],
    )
    allocation = solve(inst, FAST)
    assert [p.ward_id for p in allocation.placements] == ["W2"]
    assert evaluate(inst, allocation, FAST)["shortfall"] == 0


def test_level_2_beats_level_3_wishes():
    # The student wishes W1 at S1, but S2 has a promised minimum of 1: the promise (level 2)
    # wins over the wish (level 3), so the student goes to W2 at cost 10.
    inst = f.instance(
        students=[f.student(prefs=("W1",))],
        sites=[f.site("S1", organisation="Trust A"), f.site("S2", organisation="Trust B")],
        wards=[f.ward("W1", site_id="S1"), f.ward("W2", site_id="S2")],
        agreements=[
            f.agreement("A1", organisation="Trust A"),
            f.agreement("A2", organisation="Trust B", min_places=1),
        ],
    )
    allocation = solve(inst, FAST)
    assert [p.ward_id for p in allocation.placements] == ["W2"]
    levels = evaluate(inst, allocation, FAST)
    assert (levels["placements"], levels["shortfall"], levels["wish_cost"]) == (1, 0, 10)


def test_level_1_beats_level_2_minimums():
    # W2 at S2 has one supervisor. Student a (UNI) can go to W1 or W2; student b (OTHER
    # institution) only to W2. UNI was promised 1 place at S2. Meeting the promise (a at W2)
    # leaves b unplaced; level 1 places both (a at W1, b at W2) and accepts shortfall 1.
    inst = f.instance(
        institutions=[
            f.institution("UNI"),
            f.institution("OTHER"),
        ],
        programmes=[f.programme("NURSE"), f.programme("NURSE2", institution_id="OTHER")],
        periods=[f.period("P1"), f.period("P2", programme_id="NURSE2")],
        students=[f.student("a", "P1"), f.student("b", "P2", programme_id="NURSE2")],
        sites=[f.site("S1", organisation="Trust A"), f.site("S2", organisation="Trust B")],
        wards=[f.ward("W1", site_id="S1"), f.ward("W2", site_id="S2")],
        agreements=[
            f.agreement("A1", site_id="S1"),
            f.agreement("A2", site_id="S2", min_places=1),
            f.agreement("A3", institution_id="OTHER", site_id="S2"),
        ],
    )
    allocation = solve(inst, FAST)
    assert {p.student_id: p.ward_id for p in allocation.placements} == {"a": "W1", "b": "W2"}
    assert evaluate(inst, allocation, FAST)["shortfall"] == 1


def test_level_3_minimises_total_wish_cost():
    # W1 and W2 have one supervisor each. a wishes (W1, W2), b wishes only W1.
    # a->W1, b->W2 costs 0 + 10; b->W1, a->W2 costs 0 + 1. The optimum is 1.
    inst = f.instance(
        students=[f.student("a", prefs=("W1", "W2")), f.student("b", prefs=("W1",))],
        wards=[f.ward("W1"), f.ward("W2")],
    )
    allocation = solve(inst, FAST)
    assert {p.student_id: p.ward_id for p in allocation.placements} == {"a": "W2", "b": "W1"}
    assert evaluate(inst, allocation, FAST)["wish_cost"] == 1


def test_wishes_may_name_a_site_trust_or_town():
    # Wish 1 names the town Voss (only W2 is there), so the student gets its first wish.
    inst = f.instance(
        students=[f.student(prefs=("Voss", "W1"))],
        sites=[f.site("S1", location="Bergen"), f.site("S2", location="Voss")],
        wards=[f.ward("W1", site_id="S1"), f.ward("W2", site_id="S2")],
    )
    allocation = solve(inst, FAST)
    assert [p.ward_id for p in allocation.placements] == ["W2"]
    assert evaluate(inst, allocation, FAST)["wish_cost"] == 0


def test_unranked_cost_and_no_wishes():
    # a's only wish (W1) is taken by the locked b, so a lands unwished at W2: it costs
    # unranked_cost (set to 3 here). b has no wishes at all and so costs nothing.
    inst = f.instance(
        students=[f.student("a", prefs=("W1",)), f.student("b", locked_ward="W1")],
        wards=[f.ward("W1"), f.ward("W2")],
    )
    options = FAST.merged(unranked_cost=3)
    allocation = solve(inst, options)
    assert evaluate(inst, allocation, options)["wish_cost"] == 3


def test_interchangeable_students_are_solved_as_one_cohort():
    # Ten identical students and two wards of three paired supervisors (6 places each):
    # all ten are placed, and they form a single cohort in the model.
    from solver.solve import LexicographicSolver

    inst = f.instance(
        students=[f.student(f"s{i}", prefs=("W1",)) for i in range(10)],
        programmes=[f.programme(students_per_supervisor=2)],
        wards=[f.ward("W1"), f.ward("W2")],
        sups=[f.supervisors("W1", 3), f.supervisors("W2", 3)],
    )
    result = LexicographicSolver(inst, FAST).solve()
    assert result.num_cohorts == 1
    assert result.placements is not None and len(result.placements) == 10
    assert sum(p.ward_id == "W1" for p in result.placements) == 6
