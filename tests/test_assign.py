"""The class model, and splitting its counts into cohorts at least cost (`solver.assign`).

Each instance is small enough to check on paper; the comment says why the
expected answer is the only right one.
"""

from __future__ import annotations

import numpy as np

from placement.allocation import Allocation, Placement
from placement.instance import Instance
from placement.options import Options
from solver.assign import class_of_cohorts, cohort_counts
from solver.model import PlacementModel
from tests import factory as f

OPTIONS = Options(time_limit=5, workers=1, max_levels=3)


def _two_wards_three_wishes() -> Instance:
    """a and b wish W1, c wishes W2; all three are eligible at both wards."""
    return f.instance(
        students=[
            f.student("a", prefs=("W1",)),
            f.student("b", prefs=("W1",)),
            f.student("c", prefs=("W2",)),
        ],
        wards=[f.ward("W1"), f.ward("W2")],
        sups=[f.supervisors("W1", 2), f.supervisors("W2", 2)],
    )


def test_rows_that_differ_only_in_wishes_share_one_class():
    # a and b (same wish) are one cohort, c another; as a class all three are one:
    # same programme, period and eligible wards.
    inst = _two_wards_three_wishes()
    cohorts = PlacementModel(inst, OPTIONS)
    classes = PlacementModel(inst, OPTIONS, levels=["placements", "shortfall"], classes=True)
    assert sorted(c.size for c in cohorts.cohorts) == [1, 2]
    assert [c.size for c in classes.cohorts] == [3]
    assert class_of_cohorts(classes, cohorts).tolist() == [0, 0]
    assert classes.pairs.num_pairs == 2  # one per ward, against four cohort pairs
    assert cohorts.pairs.num_pairs == 4


def test_a_class_model_refuses_levels_that_look_at_wishes():
    inst = _two_wards_three_wishes()
    try:
        PlacementModel(inst, OPTIONS, levels=["placements", "wish_cost"], classes=True)
    except ValueError as error:
        assert "wish_cost" in str(error)
    else:
        raise AssertionError("a class model must not take the wish level")


def test_class_counts_are_split_so_that_wishes_are_met():
    # The class puts two rows at W1 and one at W2. At least cost, a and b (who wish
    # W1) take W1 and c takes W2: wish cost 0. Any other split costs 20.
    inst = _two_wards_three_wishes()
    cohorts = PlacementModel(inst, OPTIONS)
    classes = PlacementModel(inst, OPTIONS, levels=["placements", "shortfall"], classes=True)
    w1 = classes.pairs.pair(classes.cohorts[0], "W1")
    w2 = classes.pairs.pair(classes.cohorts[0], "W2")
    assert w1 is not None and w2 is not None
    class_x = np.zeros(classes.pairs.num_pairs, dtype=np.int64)
    class_x[[w1, w2]] = [2, 1]
    counts = cohort_counts(classes, cohorts, class_x, cohorts.pairs.cost)
    placed = {(p.student_id, p.ward_id) for p in cohorts.placements_from(counts)}
    assert placed == {("a", "W1"), ("b", "W1"), ("c", "W2")}
    assert cohorts.levels[2].objective.value(cohorts.complete(counts)) == 0


def test_where_the_class_puts_fewer_rows_someone_goes_unplaced_at_least_cost():
    # Only one place, at W2: c (who wishes W2) takes it at cost 0 rather than a or b
    # at cost 10.
    inst = _two_wards_three_wishes()
    cohorts = PlacementModel(inst, OPTIONS)
    classes = PlacementModel(inst, OPTIONS, levels=["placements", "shortfall"], classes=True)
    w2 = classes.pairs.pair(classes.cohorts[0], "W2")
    assert w2 is not None
    class_x = np.zeros(classes.pairs.num_pairs, dtype=np.int64)
    class_x[w2] = 1
    counts = cohort_counts(classes, cohorts, class_x, cohorts.pairs.cost)
    assert [(p.student_id, p.ward_id) for p in cohorts.placements_from(counts)] == [("c", "W2")]


def test_re_planning_keeps_previous_rows_where_the_class_keeps_their_places():
    # Before, a was at W2 (not its wish). The class keeps one row at W2 and one at W1.
    # Least wish cost alone would send c to W2 and a or b to W1 (cost 0), but keeping
    # the previous placement comes first: a stays at W2 (cost 10), b takes W1 (cost 0)
    # and c is the one left out.
    inst = _two_wards_three_wishes()
    previous = Allocation(placements=(Placement(student_id="a", period_id="P1", ward_id="W2"),))
    cohorts = PlacementModel(inst, OPTIONS, previous=previous)
    classes = PlacementModel(
        inst, OPTIONS, previous=previous, levels=["placements", "moves", "shortfall"], classes=True
    )
    a_class = next(c for c in classes.cohorts if "a" in c.student_ids)
    w1 = classes.pairs.pair(a_class, "W1")
    w2 = classes.pairs.pair(a_class, "W2")
    assert w1 is not None and w2 is not None
    class_x = np.zeros(classes.pairs.num_pairs, dtype=np.int64)
    class_x[[w1, w2]] = [1, 1]
    counts = cohort_counts(classes, cohorts, class_x, cohorts.pairs.cost)
    placed = {(p.student_id, p.ward_id) for p in cohorts.placements_from(counts)}
    assert placed == {("a", "W2"), ("b", "W1")}
