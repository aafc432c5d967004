"""The wish levels' LP on the class model (`solver.wishes`) against the cohort model's LP.

Each instance is tiny; the comment gives the optimum worked out by hand.
"""

from __future__ import annotations

import numpy as np
import pytest

from placement.instance import Instance
from placement.options import Options
from solver.lp import solve_lp
from solver.model import PlacementModel
from solver.objectives import wish_estimate
from solver.wishes import WishRelaxation
from tests import factory as f


def _instance() -> Instance:
    """W1 has one supervisor, W2 two. a and b wish W1, c wishes W2, d has no wishes."""
    return f.instance(
        students=[
            f.student("a", prefs=("W1",)),
            f.student("b", prefs=("W1",)),
            f.student("c", prefs=("W2",)),
            f.student("d"),
        ],
        wards=[f.ward("W1"), f.ward("W2")],
        sups=[f.supervisors("W1", 1), f.supervisors("W2", 2)],
    )


def _models(inst: Instance, options: Options) -> tuple[PlacementModel, PlacementModel]:
    """The class model held at three placements, and the cohort model held the same."""
    classes = PlacementModel(inst, options, levels=["placements", "shortfall"], classes=True)
    cohorts = PlacementModel(inst, options)
    for built in (classes, cohorts):
        placements = built.levels[0].objective
        built.program.add_row(
            "level", "placements", placements.columns, placements.coefficients, lower=3
        )
    return classes, cohorts


def test_the_wish_lp_equals_the_cohort_lp():
    # Three of four fit (one at W1, two at W2). Cheapest: a or b at W1 (0), c at W2 (0),
    # and the third place at W2 to d, who has no wishes (0): wish cost 0. Leaving d out
    # instead would cost 10 (a or b unwished at W2).
    options = Options(time_limit=5, workers=1, max_levels=3)
    classes, cohorts = _models(_instance(), options)
    relaxation = WishRelaxation(classes, cohorts)
    assert len(classes.cohorts) == 1  # all four rows are one class
    cohort_lp = solve_lp(cohorts.program, cohorts.levels[2].objective, time_limit=5)
    wish_lp = relaxation.solve("wish_cost", time_limit=5)
    assert cohort_lp.value == pytest.approx(0)
    assert wish_lp.value == pytest.approx(0)


def test_its_solution_maps_to_cohorts_without_breaking_a_row():
    options = Options(time_limit=5, workers=1, max_levels=3)
    classes, cohorts = _models(_instance(), options)
    wish_lp = WishRelaxation(classes, cohorts).solve("wish_cost", time_limit=5)
    assert wish_lp.x is not None
    x = wish_lp.x
    x[cohorts.pairs.num_pairs :] = 0
    full = cohorts.complete(np.round(x).astype(np.int64))
    assert not cohorts.program.violations(full)
    assert cohorts.levels[0].objective.value(full) == 3
    assert cohorts.levels[2].objective.value(full) == 0


def test_unwished_counts_the_rows_placed_at_none_of_their_wishes():
    # With d gone, the third place must go to a or b at W2: one row unwished.
    options = Options(time_limit=5, workers=1, max_levels=3)
    inst = _instance()
    inst = inst.model_copy(update={"needs": inst.needs[:3]})
    classes, cohorts = _models(inst, options)
    lp = WishRelaxation(classes, cohorts).solve("unwished", time_limit=5)
    assert lp.value == pytest.approx(1)


def test_with_wishes_dearer_than_none_it_is_still_a_lower_bound():
    # A first wish costs 20, none 10 (odd Settings): the relaxation may price a wished
    # place at 10, so it can only be lower than the cohort LP, never higher.
    options = Options(time_limit=5, workers=1, max_levels=3, wish_costs=(20,))
    classes, cohorts = _models(_instance(), options)
    cohort_lp = solve_lp(cohorts.program, cohorts.levels[2].objective, time_limit=5)
    wish_lp = WishRelaxation(classes, cohorts).solve("wish_cost", time_limit=5)
    assert cohort_lp.value is not None and wish_lp.value is not None
    assert wish_lp.value <= cohort_lp.value + 1e-6


def test_the_estimate_is_ten_times_the_mean_wish_cost_of_the_class():
    # One class of four: at W1, a and b cost 0, c costs 10 (unwished), d 0: mean 2.5 -> 25;
    # at W2, a and b cost 10, c and d 0: mean 5 -> 50.
    options = Options(time_limit=5, workers=1, max_levels=3)
    classes, _ = _models(_instance(), options)
    estimate = wish_estimate(classes.pairs, options)
    by_ward = {
        classes.pairs.ward_id(int(p)): int(c)
        for p, c in zip(estimate.columns, estimate.coefficients, strict=True)
    }
    assert by_ward == {"W1": 25, "W2": 50}
