"""Students traded between the slots in use at least cost (`solver.exchange`).

Each instance is small enough to check on paper; the comment says why the
expected answer is the only right one.
"""

from __future__ import annotations

from datetime import date

import numpy as np
import scipy.sparse
from hypothesis import HealthCheck, given, settings

from placement.instance import Instance
from placement.lottery import lottery
from placement.options import Options
from solver.exchange import SlotExchange
from solver.model import PlacementModel
from solver.neighbourhood import _Exchanged, tie_broken
from solver.program import IntArray
from tests import factory as f
from tests.strategies import instances

OPTIONS = Options(time_limit=5, workers=1, max_levels=3)


def _crossed() -> Instance:
    """a wishes W2 and b wishes W1; both can go to either ward, one supervisor each."""
    return f.instance(
        students=[f.student("a", prefs=("W2",)), f.student("b", prefs=("W1",))],
        wards=[f.ward("W1"), f.ward("W2")],
    )


def _placed(built: PlacementModel, where: dict[str, str]) -> IntArray:
    """The full solution with each student at the ward given."""
    x = np.zeros(built.pairs.num_pairs, dtype=np.int64)
    for cohort in built.cohorts:
        pair = built.pairs.pair(cohort, where[cohort.needs[0].student_id])
        assert pair is not None
        x[pair] += 1
    return built.complete(x)


def _activity(built: PlacementModel, x: IntArray) -> np.ndarray:
    indptr, indices, data, lower, _ = built.program.csr()
    matrix = scipy.sparse.csr_matrix((data, indices, indptr), shape=(len(lower), len(x)))
    return np.asarray(matrix @ x)


def _wish_cost(built: PlacementModel):
    return next(level.objective for level in built.levels if level.name == "wish_cost")


def test_two_students_at_each_others_wish_trade_places():
    # a sits at W1 and b at W2 (wish cost 10 + 10); both are at their one wish after
    # the trade (cost 0), and every row counts what it did: one nursing student per
    # ward in the same weeks.
    built = PlacementModel(_crossed(), OPTIONS)
    objective = _wish_cost(built)
    x = _placed(built, {"a": "W1", "b": "W2"})
    traded = SlotExchange(built).exchange(objective, x)
    assert traded is not None
    assert objective.value(x) == 20 and objective.value(traded) == 0
    placed = {(p.student_id, p.ward_id) for p in built.placements_from(traded)}
    assert placed == {("a", "W2"), ("b", "W1")}
    assert not built.program.violations(traded)
    assert np.array_equal(_activity(built, x), _activity(built, traded))


def test_a_student_who_may_not_go_to_the_other_ward_keeps_its_place():
    # b has been at W1 before (never again), so there is no pair (b, W1): a cannot take
    # b's place at W2 without b taking a's at W1. Nothing to gain: None.
    inst = _crossed().model_copy(update={"history": (f.history("b", "W1"),)})
    built = PlacementModel(inst, OPTIONS)
    x = _placed(built, {"a": "W1", "b": "W2"})
    assert SlotExchange(built).exchange(_wish_cost(built), x) is None


def test_a_trade_that_would_overfill_a_ward_in_some_week_is_not_made():
    # a (January) sits at W1 and wishes W2; c (January, no wish, at W1 before) fills
    # W2's one supervisor in January; b (March) sits at W2 and wishes W1. Trading a and
    # b would put a and c at W2 in January: the flow keeps each slot's count, and a's
    # pair at W2 shares January's supervisor row with c's, so no trade is possible.
    # (b moving to W1 alone would gain, but changes how many use a slot: the search's
    # job, not the exchange's.)
    march = f.period("P2", start=date(2026, 3, 2), end=date(2026, 3, 27))
    inst = f.instance(
        students=[
            f.student("a", prefs=("W2",)),
            f.student("b", period_id="P2", prefs=("W1",)),
            f.student("c"),
        ],
        periods=[f.period("P1"), march],
        wards=[f.ward("W1"), f.ward("W2")],
        history=(f.history("c", "W1"),),
    )
    built = PlacementModel(inst, OPTIONS)
    x = _placed(built, {"a": "W1", "b": "W2", "c": "W2"})
    assert not built.program.violations(x)
    assert SlotExchange(built).exchange(_wish_cost(built), x) is None


def test_an_objective_every_pair_counts_alike_cannot_gain():
    built = PlacementModel(_crossed(), OPTIONS)
    exchange = SlotExchange(built)
    assert not exchange.can_gain(built.levels[0].objective)  # placements: the count is kept
    assert exchange.can_gain(_wish_cost(built))


def test_the_search_exchanges_on_the_wish_level_and_not_on_placements():
    # Placements, with shortfall as the tie-break (here no agreement, so no helper
    # column: the tie-broken objective is still every pair alike), cannot gain: the
    # search never exchanges there. The wish cost can.
    built = PlacementModel(_crossed(), OPTIONS)
    placements, shortfall = built.levels[0].objective, built.levels[1].objective
    ranked = tie_broken(placements, [shortfall], built.program)
    assert _Exchanged(SlotExchange(built), placements, ranked).objective is None
    wishes = _wish_cost(built)
    assert _Exchanged(SlotExchange(built), wishes, wishes).objective is wishes


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(instances())
def test_an_exchange_keeps_every_row_and_only_lowers_the_cost(instance):
    built = PlacementModel(instance, OPTIONS)
    start = lottery(instance, 0, built.eligibility)
    x = built.complete(built.counts_of(start.placements))
    if built.program.violations(x):
        return  # the lottery broke a lock it could not honour
    objective = _wish_cost(built)
    traded = SlotExchange(built).exchange(objective, x)
    if traded is None:
        return
    assert not built.program.violations(traded)
    assert np.array_equal(_activity(built, x), _activity(built, traded))
    assert objective.value(traded) < objective.value(x)
