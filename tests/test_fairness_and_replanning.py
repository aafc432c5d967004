"""Issue 6 levels on tiny instances: minimax fairness, groups, travel, even load, history
preference, and re-planning from a previous allocation. Each test explains the optimum.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from placement.allocation import Allocation, Placement
from placement.changes import diff
from placement.check import check, evaluate
from placement.options import Options
from solver import solve
from solver.model import PlacementModel
from tests import factory as f

FAST = Options(time_limit=10, workers=1)


def wards_of(allocation: Allocation) -> dict[str, str]:
    return {p.student_id: p.ward_id for p in allocation.placements}


# ---- minimax fairness --------------------------------------------------------------------------
def test_minimax_beats_total_where_they_disagree():
    # a and b both wish W1, W2, W3 (one supervisor each). With wish costs 0, 5, 4 (a
    # coordinator who cares little whether it is the 2nd or 3rd wish):
    #   {W1, W2} costs 0 + 5 = 5, worst rank 2;  {W1, W3} costs 0 + 4 = 4, worst rank 3.
    # The total picks W1 + W3; minimax first minimises the worst rank (2), then the total (5).
    inst = f.instance(
        students=[
            f.student("a", prefs=("W1", "W2", "W3")),
            f.student("b", prefs=("W1", "W2", "W3")),
        ],
        wards=[f.ward("W1"), f.ward("W2"), f.ward("W3")],
    )
    total_opts = FAST.merged(wish_costs=(0, 5, 4))
    fair_opts = total_opts.merged(fairness="minimax")
    total = solve(inst, total_opts)
    fair = solve(inst, fair_opts)
    assert evaluate(inst, total, fair_opts)["worst_rank"] == 3
    assert evaluate(inst, total, fair_opts)["wish_cost"] == 4
    assert evaluate(inst, fair, fair_opts)["worst_rank"] == 2
    assert evaluate(inst, fair, fair_opts)["wish_cost"] == 5
    assert fair.run is not None
    assert [level.name for level in fair.run.levels] == [
        "placements", "shortfall", "unwished", "worst_rank", "wish_cost", "peak_load"
    ]  # fmt: skip


def test_minimax_first_minimises_students_given_none_of_their_wishes():
    # a wishes W1; b wishes W1, W2. W3 is wished by nobody. One supervisor each.
    # Default costs (k-1, unranked 10): a@W1, b@W2 = 1, nobody unwished. With unranked_cost 0
    # the total is indifferent to sending a to W3 (unwished): minimax still avoids it.
    inst = f.instance(
        students=[f.student("a", prefs=("W1",)), f.student("b", prefs=("W1", "W2"))],
        wards=[f.ward("W1"), f.ward("W2"), f.ward("W3")],
    )
    opts = FAST.merged(unranked_cost=0, fairness="minimax")
    fair = solve(inst, opts)
    assert evaluate(inst, fair, opts)["unwished"] == 0
    assert wards_of(fair) == {"a": "W1", "b": "W2"}


# ---- groups -------------------------------------------------------------------------------------
def test_group_stays_together_where_capacity_allows():
    # a and b form a group; W1 has 2 supervisors, W2 has 1. No wishes: together at W1.
    inst = f.instance(
        students=[f.student("a", group_id="g"), f.student("b", group_id="g")],
        wards=[f.ward("W1"), f.ward("W2")],
        sups=[f.supervisors("W1", count=2), f.supervisors("W2", count=1)],
    )
    allocation = solve(inst, FAST)
    assert wards_of(allocation) == {"a": "W1", "b": "W1"}
    assert evaluate(inst, allocation, FAST)["groups_split"] == 0


def test_group_is_split_only_when_capacity_forces_it():
    # Two one-supervisor wards: a group of two cannot share one, so it is split (1 split),
    # and both are still placed (level 1 comes first).
    inst = f.instance(
        students=[f.student("a", group_id="g"), f.student("b", group_id="g")],
        wards=[f.ward("W1"), f.ward("W2")],
    )
    allocation = solve(inst, FAST)
    assert allocation.num_placed == 2
    assert evaluate(inst, allocation, FAST)["groups_split"] == 1


def test_completing_a_solution_marks_a_group_split_unless_all_are_at_one_ward():
    # Group g = {a, b}, group h = {c, d}; W1 and W2 have room for all. The helper columns
    # follow the placements: a, b at W1 -> g together; c at W1, d at W2 -> h split (1);
    # c also at W2 -> h together at W2 (0); a, b apart and c, d apart -> both split (2).
    inst = f.instance(
        students=[f.student(s, group_id=g) for s, g in zip("abcd", "gghh", strict=True)],
        wards=[f.ward("W1"), f.ward("W2")],
        sups=[f.supervisors("W1", count=4), f.supervisors("W2", count=4)],
    )
    built = PlacementModel(inst, FAST.merged(max_levels=0))
    groups = next(level for level in built.levels if level.name == "groups_split")

    def split_after(wards: dict[str, str]) -> float:
        counts = np.zeros(built.pairs.num_pairs, dtype=np.int64)
        for cohort in built.cohorts:
            pair = built.pairs.pair(cohort, wards[cohort.needs[0].student_id])
            assert pair is not None
            counts[pair] = 1
        x = built.complete(counts)
        assert not built.program.violations(x)
        return groups.objective.value(x)

    assert split_after({"a": "W1", "b": "W1", "c": "W1", "d": "W2"}) == 1
    assert split_after({"a": "W1", "b": "W1", "c": "W2", "d": "W2"}) == 0
    assert split_after({"a": "W1", "b": "W2", "c": "W1", "d": "W2"}) == 2


# ---- travel -------------------------------------------------------------------------------------
def travel_instance(**programme_extra: Any):
    """a lives in Bergen. W1 is at S1 in Bergen, W2 at S2 in Førde (about 110 km away)."""
    return f.instance(
        students=[f.student("a", home_location="Bergen")],
        wards=[f.ward("W1", site_id="S1"), f.ward("W2", site_id="S2")],
        sites=[f.site("S1", location="Bergen"), f.site("S2", location="Førde")],
        programmes=[f.programme(**programme_extra)],
        locations=(f.location("Bergen", 60.39, 5.32), f.location("Førde", 61.45, 5.86)),
    )


def test_travel_is_minimised_after_wishes():
    # No wishes: the nearer ward (0 km) wins.
    inst = travel_instance()
    allocation = solve(inst, FAST)
    assert wards_of(allocation) == {"a": "W1"}
    assert evaluate(inst, allocation, FAST)["travel_km"] == 0


def test_travel_limit_holds_and_bites():
    # Only W2 (Førde, ~120 km) has a supervisor. max_travel_km 50 forbids it...
    inst = travel_instance(max_travel_km=50).model_copy(
        update={"supervisors": (f.supervisors("W2"),)}
    )
    assert solve(inst, FAST).num_placed == 0
    reason = solve(inst, FAST).unplaced[0].reason
    assert "max_travel_km" in reason
    # ... unless the student wishes for Førde (a wish names the place).
    wished = inst.model_copy(
        update={"needs": (f.student("a", home_location="Bergen", prefs=("Førde",)),)}
    )
    assert wards_of(solve(wished, FAST)) == {"a": "W2"}
    # The global limit (Settings) works the same way.
    plain = travel_instance().model_copy(update={"supervisors": (f.supervisors("W2"),)})
    assert solve(plain, FAST.merged(max_travel_km=50)).num_placed == 0
    assert solve(plain, FAST.merged(max_travel_km=500)).num_placed == 1


def test_checker_catches_a_broken_travel_limit():
    inst = travel_instance(max_travel_km=50)
    far = Allocation(placements=(Placement(student_id="a", period_id="P1", ward_id="W2"),))
    assert any(v.rule == 1 and "km" in v.message for v in check(inst, far, FAST).violations)


# ---- even load ----------------------------------------------------------------------------------
def test_even_load_spreads_students():
    # Two students, W1 and W2 with two supervisors each: one at each ward gives a peak of 50 %,
    # both at one ward 100 %.
    inst = f.instance(
        students=[f.student("a"), f.student("b")],
        wards=[f.ward("W1"), f.ward("W2")],
        sups=[f.supervisors("W1", count=2), f.supervisors("W2", count=2)],
    )
    allocation = solve(inst, FAST)
    assert sorted(wards_of(allocation).values()) == ["W1", "W2"]
    assert evaluate(inst, allocation, FAST)["peak_load"] == 50


def test_wishes_beat_even_load():
    # Both wish W1 (two supervisors): level 3 keeps them there even though the load is 100 %.
    inst = f.instance(
        students=[f.student("a", prefs=("W1",)), f.student("b", prefs=("W1",))],
        wards=[f.ward("W1"), f.ward("W2")],
        sups=[f.supervisors("W1", count=2), f.supervisors("W2", count=2)],
    )
    allocation = solve(inst, FAST)
    assert wards_of(allocation) == {"a": "W1", "b": "W1"}
    assert evaluate(inst, allocation, FAST)["peak_load"] == 100


# ---- history preference -------------------------------------------------------------------------
def test_prefer_a_new_site():
    # a was at W0 (site S1) before. W1 is also at S1, W2 at S2: prefer_new=site picks W2.
    inst = f.instance(
        students=[f.student("a")],
        wards=[f.ward("W0", specialties=("medicine",)), f.ward("W1"), f.ward("W2", site_id="S2")],
        sites=[f.site("S1"), f.site("S2")],
        history=(f.history("a", "W0"),),
    )
    opts = FAST.merged(prefer_new="site")
    allocation = solve(inst, opts)
    assert wards_of(allocation) == {"a": "W2"}
    assert evaluate(inst, allocation, opts)["repeats"] == 0


# ---- re-planning --------------------------------------------------------------------------------
def replanning_instance(w1_supervisors: int = 2):
    """a, b, c; W1 (two supervisors), W2 and W3 (one each); no wishes."""
    return f.instance(
        students=[f.student("a"), f.student("b"), f.student("c")],
        wards=[f.ward("W1"), f.ward("W2"), f.ward("W3")],
        sups=[
            f.supervisors("W1", count=w1_supervisors),
            f.supervisors("W2"),
            f.supervisors("W3"),
        ],
    )


def test_replanning_keeps_what_still_fits():
    # Previously a, b at W1 and c at W2. Nothing changed: nobody moves, although the even-load
    # level alone would prefer spreading them (a at W1, b at W3).
    inst = replanning_instance()
    previous = Allocation(
        placements=(
            Placement(student_id="a", period_id="P1", ward_id="W1"),
            Placement(student_id="b", period_id="P1", ward_id="W1"),
            Placement(student_id="c", period_id="P1", ward_id="W2"),
        )
    )
    allocation = solve(inst, FAST, previous=previous)
    assert wards_of(allocation) == {"a": "W1", "b": "W1", "c": "W2"}
    assert check(inst, allocation, FAST, previous).levels["moves"] == 0


def test_replanning_moves_only_the_students_of_a_withdrawn_ward():
    # W1 drops to one supervisor: one of a and b must move (to W3, the only ward with room);
    # c stays at W2. Exactly one move.
    previous = Allocation(
        placements=(
            Placement(student_id="a", period_id="P1", ward_id="W1"),
            Placement(student_id="b", period_id="P1", ward_id="W1"),
            Placement(student_id="c", period_id="P1", ward_id="W2"),
        )
    )
    inst = replanning_instance(w1_supervisors=1)
    allocation = solve(inst, FAST, previous=previous)
    changes = diff(previous, allocation)
    assert len(changes) == 1
    assert changes[0].student_id in {"a", "b"}
    assert (changes[0].ward_before, changes[0].ward_after) == ("W1", "W3")
    assert wards_of(allocation)["c"] == "W2"
    assert check(inst, allocation, FAST, previous).levels["moves"] == 1


def test_replanning_places_new_students_and_forgets_dropped_ones():
    # b dropped out, d is new; a stays at W1 and d takes a free ward.
    previous = Allocation(
        placements=(
            Placement(student_id="a", period_id="P1", ward_id="W1"),
            Placement(student_id="b", period_id="P1", ward_id="W2"),
        )
    )
    inst = f.instance(students=[f.student("a"), f.student("d")], wards=[f.ward("W1"), f.ward("W2")])
    allocation = solve(inst, FAST, previous=previous)
    assert wards_of(allocation)["a"] == "W1"
    assert allocation.num_placed == 2
    kinds = sorted((c.student_id, c.change) for c in diff(previous, allocation))
    assert kinds == [("b", "removed"), ("d", "added")]
