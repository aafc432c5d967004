"""The neighbourhood search: parts solved as models of their own, tie-breaks, and the search.

The tiny programs here are written out by hand so each answer can be checked
on paper; the last test runs the search on a generated region and has the
independent checker verify the result.
"""

from __future__ import annotations

import importlib
import threading
import time
from concurrent.futures import Future

import numpy as np
import pytest
import scipy.sparse

from placement.allocation import Allocation, Unplaced
from placement.check import check
from placement.instance import Instance
from placement.options import Options
from solver import neighbourhood
from solver import run as run_module
from solver.cpsat import CpSatBackend
from solver.lp import LpResult, solve_lp
from solver.model import PlacementModel
from solver.neighbourhood import NeighbourhoodSearch, tie_broken
from solver.program import INFINITY, IntArray, IntegerProgram, Objective
from solver.solve import LexicographicSolver, Stage, Upcoming, _hold, _whole_search_pays
from solver.wishes import WishRelaxation
from tests import factory as f


def _program() -> IntegerProgram:
    """Three 0/1 columns, x0 + x1 <= 1 and x1 + x2 <= 1: at most x0 and x2 together."""
    program = IntegerProgram()
    program.add_columns("x", np.zeros(3, dtype=np.int64), np.ones(3, dtype=np.int64))
    program.add_rows(
        "pack",
        ["a", "b"],
        [(np.array([0, 1]), np.array([1, 1])), (np.array([1, 2]), np.array([1, 1]))],
        [-INFINITY, -INFINITY],
        [1, 1],
    )
    return program


def _count(columns: list[int], sense: str = "max") -> Objective:
    return Objective("count", sense, np.array(columns), np.ones(len(columns), dtype=np.int64))


def test_a_part_moves_only_its_free_columns():
    # Start x = (0, 1, 0): one placed. Free x0 and x1 only, x2 held at 0: the best
    # the part can do is still one (x0 or x1), so the value stays 1.
    backend = CpSatBackend(_program(), workers=1, seed=0, deterministic=True)
    start = np.array([0, 1, 0])
    result = backend.solve_neighbourhood(_count([0, 1, 2]), np.array([0, 1]), start, time_limit=5)
    assert result.status == "OPTIMAL"
    assert result.x is not None
    assert result.x[2] == 0
    assert result.value == 1
    # Freeing all three: x0 = x2 = 1, x1 = 0 is the optimum, 2.
    whole = backend.solve_neighbourhood(_count([0, 1, 2]), np.array([0, 1, 2]), start, time_limit=5)
    assert whole.x is not None
    assert whole.value == 2
    assert whole.x.tolist() == [1, 0, 1]


def test_an_improving_part_finds_only_strictly_better_solutions():
    # From x = (0, 1, 0) (value 1) with everything free, (1, 0, 1) (value 2) is better;
    # from (1, 0, 1) nothing is, and the part says so (INFEASIBLE: no better solution).
    backend = CpSatBackend(_program(), workers=1, seed=0, deterministic=True)
    everything = np.array([0, 1, 2])
    better = backend.solve_neighbourhood(
        _count([0, 1, 2]), everything, np.array([0, 1, 0]), time_limit=5, improving=True
    )
    assert better.x is not None and better.x.tolist() == [1, 0, 1]
    none = backend.solve_neighbourhood(
        _count([0, 1, 2]), everything, np.array([1, 0, 1]), time_limit=5, improving=True
    )
    assert none.status == "INFEASIBLE"
    assert none.x is None


def test_a_part_whose_held_columns_break_a_row_is_infeasible():
    # x0 = x1 = 1 held breaks row a (x0 + x1 <= 1); freeing only x2 cannot repair it.
    backend = CpSatBackend(_program(), workers=1, seed=0, deterministic=True)
    result = backend.solve_neighbourhood(
        _count([0, 1, 2]), np.array([2]), np.array([1, 1, 0]), time_limit=5
    )
    assert result.status == "INFEASIBLE"
    assert result.x is None


def test_a_held_value_counts_in_the_objective():
    # x1 = 1 held (not free), x0 and x2 free but both share a row with x1: the
    # objective still counts the held x1, so the value is 1, not 0.
    backend = CpSatBackend(_program(), workers=1, seed=0, deterministic=True)
    result = backend.solve_neighbourhood(
        _count([0, 1, 2]), np.array([0, 2]), np.array([0, 1, 0]), time_limit=5
    )
    assert result.value == 1


def test_tie_break_keeps_the_levels_in_order():
    # Level 1: maximise x0 + x1 + x2 (span 3). Level 2: minimise x1 (span 1).
    # Weighted: minimise -(1 + 1) * (x0 + x1 + x2) + x1 = -2 x0 - x1 - 2 x2.
    # One unit of level 1 (weight 2) outweighs all level 2 can change (1).
    program = _program()
    ranked = tie_broken(_count([0, 1, 2]), [_count([1], "min")], program)
    assert ranked.sense == "min"
    weights = dict(zip(ranked.columns.tolist(), ranked.coefficients.tolist(), strict=True))
    assert weights == {0: -2, 1: -1, 2: -2}
    # (1, 0, 1) beats (0, 1, 0) on level 1, and the weighted objective agrees.
    assert ranked.value(np.array([1, 0, 1])) < ranked.value(np.array([0, 1, 0]))


def test_tie_break_leaves_out_levels_whose_weights_would_overflow():
    program = IntegerProgram()
    program.add_columns("x", np.zeros(1, dtype=np.int64), np.full(1, 10**9, dtype=np.int64))
    huge = Objective("huge", "min", np.array([0]), np.array([10**6], dtype=np.int64))
    ranked = tie_broken(_count([0]), [huge], program)
    assert ranked.name == "count"
    assert ranked.sense == "max"  # unchanged: the tie-break did not fit


@pytest.mark.parametrize("whole_program_columns", [2000, 0], ids=["whole", "in-parts"])
def test_search_improves_a_poor_start_and_the_checker_agrees(
    monkeypatch: pytest.MonkeyPatch, whole_program_columns: int
):
    # Two wards with one supervisor each, three students wishing for W1 and
    # eligible at both: from nobody placed, the search must place two, one at W1
    # (a first wish, cost 0) and one at W2; both as one part and part by part.
    monkeypatch.setattr(neighbourhood, "WHOLE_PROGRAM_COLUMNS", whole_program_columns)
    inst = f.instance(
        students=[f.student(s, prefs=("W1",)) for s in ("a", "b", "c")],
        wards=[f.ward("W1"), f.ward("W2")],
    )
    options = Options(time_limit=5, workers=1, max_levels=3)
    built = PlacementModel(inst, options)
    backend = CpSatBackend(built.program, workers=1, seed=0, deterministic=True)
    search = NeighbourhoodSearch(built, backend, seed=0)
    start = built.complete(np.zeros(built.pairs.num_pairs, dtype=np.int64))
    placements = built.levels[0].objective
    improved = search.improve(
        placements,
        start,
        None,
        None,
        time.monotonic() + 3.0,
        later=[level.objective for level in built.levels[1:]],
        stopped=lambda: False,
    )
    assert placements.value(improved) == 2
    assert not built.program.violations(improved)
    chosen = built.placements_from(improved)
    assert sorted(p.ward_id for p in chosen) == ["W1", "W2"]
    placed = {p.student_id for p in chosen}
    unplaced = tuple(
        Unplaced(student_id=n.student_id, period_id=n.period_id, reason="-")
        for n in inst.needs
        if n.student_id not in placed
    )
    report = check(inst, Allocation(placements=chosen, unplaced=unplaced), options)
    assert report.ok, report.violations


def _half_student_instance() -> Instance:
    """W1 and W2 have one supervisor each (2 units). p is paired (1 unit), o1 and o2
    one-to-one (2 units); p fits only W1, o2 only W2, o1 either.

    The LP places p, o2 and half of o1 (one unit left at W1): 2.5. Whole students
    cannot do better than 2: o1 fits nowhere once p and o2 are placed.
    """
    return f.instance(
        programmes=[f.programme("ONE"), f.programme("PAIR", students_per_supervisor=2)],
        periods=[f.period("P1", "ONE", specialty=None), f.period("PP", "PAIR", specialty=None)],
        wards=[f.ward("W1", specialties=("a", "b")), f.ward("W2", specialties=("b", "c"))],
        students=[
            f.student("p", period_id="PP", programme_id="PAIR", specialty="a"),
            f.student("o1", programme_id="ONE", specialty="b"),
            f.student("o2", programme_id="ONE", specialty="c"),
        ],
    )


def test_the_lp_vertex_is_made_whole_around_its_fractional_part():
    inst = _half_student_instance()
    built = PlacementModel(inst, Options(time_limit=5, workers=1, max_levels=1))
    placements = built.levels[0].objective
    lp = solve_lp(built.program, placements, time_limit=5)
    assert lp.value == pytest.approx(2.5)
    assert not lp.integral and lp.x is not None
    backend = CpSatBackend(built.program, workers=1, seed=0, deterministic=True)
    search = NeighbourhoodSearch(built, backend, seed=0)
    whole = search.around_lp(placements, None, lp.x, 2, time_limit=5)
    assert whole is not None
    assert placements.value(whole) == 2  # the floor of the LP bound: optimal
    assert not built.program.violations(whole)
    # an incumbent as good as the result is not replaced
    assert search.around_lp(placements, whole, lp.x, 2, time_limit=5) is None


def test_a_fractional_part_too_big_to_solve_is_left_to_the_search(
    monkeypatch: pytest.MonkeyPatch,
):
    # The same half-student LP, but a cap of one column: its fractional part frees
    # more than that, so no part is solved (CP-SAT would fail if it were called).
    inst = _half_student_instance()
    built = PlacementModel(inst, Options(time_limit=5, workers=1, max_levels=1))
    placements = built.levels[0].objective
    lp = solve_lp(built.program, placements, time_limit=5)
    assert lp.x is not None and not lp.integral
    backend = CpSatBackend(built.program, workers=1, seed=0, deterministic=True)
    search = NeighbourhoodSearch(built, backend, seed=0)
    monkeypatch.setattr(neighbourhood, "AROUND_LP_MAX_COLUMNS", 1)

    def no_solve(*args: object, **kwargs: object) -> None:
        raise AssertionError("a part bigger than the cap was solved")

    monkeypatch.setattr(backend, "solve_neighbourhood", no_solve)
    assert search.around_lp(placements, None, lp.x, 2, time_limit=5) is None


def test_around_the_lp_restores_a_held_row_its_floor_breaks():
    # Placements held at 2 (a row, as after level 1). A fractional solution that gives
    # every pair a half rounds down to no placement at all, which breaks that row; the
    # part frees every student it splits, and CP-SAT places two of them again.
    inst = _half_student_instance()
    built = PlacementModel(inst, Options(time_limit=5, workers=1, max_levels=1))
    placements = built.levels[0].objective
    built.program.add_row(
        "level", "placements", placements.columns, placements.coefficients, lower=2
    )
    halves = np.full(built.program.num_columns, 0.5)
    assert built.program.violations(built.complete(np.zeros(built.pairs.num_pairs, np.int64)))
    backend = CpSatBackend(built.program, workers=1, seed=0, deterministic=True)
    search = NeighbourhoodSearch(built, backend, seed=0)
    whole = search.around_lp(placements, None, halves, 2, time_limit=5)
    assert whole is not None
    assert placements.value(whole) == 2
    assert not built.program.violations(whole)


def _one_student_at_its_first_wish() -> tuple[PlacementModel, NeighbourhoodSearch, IntArray]:
    """One student with one wish, placed at it, the only ward: nothing can improve."""
    inst = f.instance(students=[f.student("a", prefs=("W1",))], wards=[f.ward("W1")])
    built = PlacementModel(inst, Options(time_limit=5, workers=1, max_levels=3))
    backend = CpSatBackend(built.program, workers=1, seed=0, deterministic=True)
    search = NeighbourhoodSearch(built, backend, seed=0)
    return built, search, built.complete(np.ones(built.pairs.num_pairs, dtype=np.int64))


def test_a_search_that_finds_nothing_better_gives_up_after_its_patience(
    monkeypatch: pytest.MonkeyPatch,
):
    # One student already at its first wish, the only ward: nothing can improve, so
    # with a patience of 0.5 s the search ends long before its 20 s deadline.
    monkeypatch.setattr(neighbourhood, "WHOLE_PROGRAM_COLUMNS", 0)
    built, search, start = _one_student_at_its_first_wish()
    began = time.monotonic()
    search.improve(
        built.levels[2].objective,
        start,
        None,
        None,
        began + 20,
        stopped=lambda: False,
        patience=0.5,
    )
    assert time.monotonic() - began < 5
    assert search.stalled  # the level may hand its time on


def test_a_search_that_ends_at_its_deadline_has_not_stalled(monkeypatch: pytest.MonkeyPatch):
    # The same student, no patience: the search runs to its 0.5 s deadline, and says
    # it did not end for want of progress (the level then keeps its remaining time).
    monkeypatch.setattr(neighbourhood, "WHOLE_PROGRAM_COLUMNS", 0)
    built, search, start = _one_student_at_its_first_wish()
    search.stalled = True
    began = time.monotonic()
    search.improve(built.levels[2].objective, start, None, None, began + 0.5, stopped=lambda: False)
    assert time.monotonic() - began >= 0.4
    assert not search.stalled


@pytest.mark.parametrize(("gap", "ends_early"), [(0.0005, True), (0.5, False)])
def test_a_search_near_its_bound_gives_up_after_its_near_patience(
    monkeypatch: pytest.MonkeyPatch, gap: float, ends_early: bool
):
    # One student placed at the only ward: one placement, nothing can improve. Within
    # 0.1% of the bound (1.0005) the search ends after its near patience (0.2 s); far
    # from it (1.5) it searches to its 2 s deadline.
    monkeypatch.setattr(neighbourhood, "WHOLE_PROGRAM_COLUMNS", 0)
    built, search, start = _one_student_at_its_first_wish()
    objective = built.levels[0].objective  # placements
    value = objective.value(start)
    assert value == 1
    began = time.monotonic()
    search.improve(
        objective,
        start,
        None,
        value * (1 + gap),
        began + 2,
        stopped=lambda: False,
        near_patience=0.2,
    )
    assert (time.monotonic() - began < 1.5) == ends_early
    assert search.stalled == ends_early


@pytest.mark.parametrize(
    ("first", "last", "value", "bound", "pays"),
    [
        (True, False, 247, 248, True),  # `small`: one under the LP bound, CP-SAT proves it
        (True, False, 3427, 3429, False),  # two under: the proof never came in time
        (False, False, 598, 597, False),  # a later level: its proofs never came in time
        (False, True, 4700, 4600, True),  # the last level: no later level wants the time
        (False, False, 10, None, True),  # no LP bound: the whole search may find one
    ],
)
def test_the_whole_program_search_runs_before_the_last_level_only_where_a_proof_is_near(
    first: bool, last: bool, value: float, bound: float | None, pays: bool
):
    assert _whole_search_pays(first=first, last=last, value=value, bound=bound) == pays


def test_finish_by_leaves_time_for_checking_and_writing():
    # 60 s from t=100 for 10,000 rows: 2 s plus 1 ms per row (10 s) kept for the finish.
    assert run_module.finish_by(100.0, 60.0, 10_000) == pytest.approx(148.0)


def test_a_deadline_already_past_still_gives_the_solve_its_minimum():
    # Reading used up the whole deadline: the solve still gets MIN_SOLVE_SECONDS and
    # places the one student on the one ward (a trivial, integral LP).
    inst = f.instance(students=[f.student("a")], wards=[f.ward("W1")])
    allocation = run_module.solve(
        inst, Options(time_limit=60, workers=1), deadline=time.monotonic() - 10
    )
    assert allocation.num_placed == 1
    assert allocation.run is not None
    assert allocation.run.status == "OPTIMAL"


def test_an_improving_part_takes_a_few_of_a_students_better_wards_not_all():
    # One student wishes W1-W5 and sits at W6, at none of them: all five would be
    # better. A part of one ward takes W6, where the student is, and one of the five
    # (all of them made parts too big to solve in time on regional).
    wards = [f.ward(f"W{k}") for k in range(1, 7)]
    inst = f.instance(
        wards=wards, students=[f.student("a", prefs=tuple(f"W{k}" for k in range(1, 6)))]
    )
    built = PlacementModel(inst, Options(time_limit=5, workers=1, max_levels=3))
    pairs = built.pairs
    at_w6 = np.array([pairs.ward_ids[w] == "W6" for w in pairs.ward.tolist()])
    start = built.complete(at_w6.astype(np.int64))
    backend = CpSatBackend(built.program, workers=1, seed=0, deterministic=True)
    search = NeighbourhoodSearch(built, backend, seed=0)
    cost = pairs.cost.astype(np.float64)
    chosen = search._choose_improving(1 / 6, cost, start)
    names = [pairs.ward_ids[w] for w in np.flatnonzero(chosen)]
    assert len(names) == 2 and "W6" in names


def test_steering_towards_wishes_ends_when_the_wish_lp_lands(monkeypatch: pytest.MonkeyPatch):
    # One student at its first wish, the only ward: the steering can find nothing
    # better, so alone it would search until its 5 s patience. A wish LP that lands
    # after 0.3 s ends it: the wish level gets the time instead.
    monkeypatch.setattr(neighbourhood, "WHOLE_PROGRAM_COLUMNS", 0)
    inst = f.instance(students=[f.student("a", prefs=("W1",))], wards=[f.ward("W1")])
    options = Options(time_limit=30, workers=1, max_levels=3)
    solver = LexicographicSolver(inst, options)
    stage = solver._first_stage()
    assert stage.built.classes and stage.estimate is not None
    best = stage.built.complete(np.ones(stage.built.pairs.num_pairs, dtype=np.int64))
    built: Future[tuple[PlacementModel, WishRelaxation]] = Future()
    built.set_result(
        (stage.built, WishRelaxation(stage.built, solver._cohort_model(["wish_cost"])))
    )
    lp: Future[LpResult] = Future()
    stage.upcoming = Upcoming(built, lp, ("shortfall", 0.0))
    threading.Timer(0.3, lp.set_result, [LpResult("OPTIMAL", 0.0, None, 0.3)]).start()
    began = time.monotonic()
    solver._towards_wishes(stage, stage.estimate, best, seconds=20)
    assert time.monotonic() - began < 3


@pytest.mark.parametrize(("lp_seconds", "steered"), [(0.0, True), (1e9, False)])
def test_the_class_solution_is_steered_towards_wishes_only_while_the_wish_lp_runs(
    monkeypatch: pytest.MonkeyPatch, lp_seconds: float, steered: bool
):
    # Two students, two wards, both wishing W1. A wish LP predicted to take no time
    # starts beside the shortfall level, and the class solution is steered while it
    # runs; one predicted to outlast the run is not started, and then nothing steers.
    solve_module = importlib.import_module("solver.solve")
    monkeypatch.setattr(solve_module, "_wish_lp_seconds", lambda classes: lp_seconds)
    calls: list[float] = []
    original = LexicographicSolver._towards_wishes

    def towards(
        self: LexicographicSolver, stage: Stage, estimate: Objective, best: IntArray, seconds: float
    ) -> IntArray:
        calls.append(seconds)
        return original(self, stage, estimate, best, seconds)

    monkeypatch.setattr(LexicographicSolver, "_towards_wishes", towards)
    inst = f.instance(
        students=[f.student("a", prefs=("W1",)), f.student("b", prefs=("W1",))],
        wards=[f.ward("W1"), f.ward("W2")],
    )
    result = LexicographicSolver(inst, Options(time_limit=10, workers=1, max_levels=3)).solve()
    assert result.status == "OPTIMAL"
    assert bool(calls) is steered


def test_a_kind_of_part_that_finds_nothing_is_drawn_less_but_still_drawn():
    # Four kinds (without the level's own LP there is no DISAGREEING). After one failed
    # narrow part and one successful part of each other kind, narrow's success rate is 0
    # and the others' equal: narrow keeps its floor, MIN_SHARE (10%) of the draws, and
    # the three others share the remaining 90% (30% each). Before any part is tried
    # every kind is drawn alike (25%).
    inst = f.instance(students=[f.student("a", prefs=("W1",))], wards=[f.ward("W1")])
    built = PlacementModel(inst, Options(time_limit=5, workers=1, max_levels=3))
    backend = CpSatBackend(built.program, workers=1, seed=0, deterministic=True)
    search = NeighbourhoodSearch(built, backend, seed=0)
    draws = 4000

    def shares() -> list[float]:
        kinds = [search._choose_kind(4) for _ in range(draws)]
        return [kinds.count(kind) / draws for kind in range(4)]

    assert shares() == pytest.approx([0.25] * 4, abs=0.03)
    search._reward(neighbourhood.NARROW, improved=False, seconds=0.2)
    for kind in (neighbourhood.BY_SITE, neighbourhood.RANDOM, neighbourhood.IMPROVING):
        search._reward(kind, improved=True, seconds=0.2)
    assert shares() == pytest.approx([0.1, 0.3, 0.3, 0.3], abs=0.03)


def test_a_disagreeing_part_takes_the_wards_where_a_student_is_and_where_the_lp_has_it():
    # Student a is at W1, but the level's own LP has it at W2; b is at W3, as in the LP.
    # The only student that disagrees is a, so the part is W1 and W2, never W3.
    inst = f.instance(
        students=[f.student("a", prefs=("W2",)), f.student("b", prefs=("W3",))],
        wards=[f.ward("W1"), f.ward("W2"), f.ward("W3")],
    )
    built = PlacementModel(inst, Options(time_limit=5, workers=1, max_levels=3))
    backend = CpSatBackend(built.program, workers=1, seed=0, deterministic=True)
    search = NeighbourhoodSearch(built, backend, seed=0)
    pairs = built.pairs
    ward_ids = list(pairs.ward_ids)
    cohort_of = {c.needs[0].student_id: k for k, c in enumerate(built.cohorts)}

    def pair(student: str, ward: str) -> int:
        at = (pairs.cohort == cohort_of[student]) & (pairs.ward == ward_ids.index(ward))
        return int(np.flatnonzero(at)[0])

    best = np.zeros(built.program.num_columns, dtype=np.int64)
    best[[pair("a", "W1"), pair("b", "W3")]] = 1
    lp_rounded = np.zeros(pairs.num_pairs, dtype=np.int64)
    lp_rounded[[pair("a", "W2"), pair("b", "W3")]] = 1
    for _ in range(10):
        chosen = search._choose_disagreeing(1.0, best, lp_rounded)
        assert [ward_ids[w] for w in np.flatnonzero(chosen)] == ["W1", "W2"]


def test_the_disagreeing_kind_is_drawn_only_with_the_levels_own_lp():
    # With five kinds allowed each untried kind is drawn alike (20%); with four, the
    # fifth (DISAGREEING) never.
    inst = f.instance(students=[f.student("a", prefs=("W1",))], wards=[f.ward("W1")])
    built = PlacementModel(inst, Options(time_limit=5, workers=1, max_levels=3))
    backend = CpSatBackend(built.program, workers=1, seed=0, deterministic=True)
    search = NeighbourhoodSearch(built, backend, seed=0)
    with_lp = [search._choose_kind(5) for _ in range(2000)]
    assert with_lp.count(neighbourhood.DISAGREEING) / 2000 == pytest.approx(0.2, abs=0.03)
    assert neighbourhood.DISAGREEING not in [search._choose_kind(4) for _ in range(2000)]


def _program_with_helpers() -> tuple[IntegerProgram, scipy.sparse.csc_matrix]:
    """Pairs p0, p1, p2; a narrow helper h3 in one row with p0; a wide helper h4 (think of
    the peak load) in WIDE_HELPER_ROWS + 1 rows, one of them with p2."""
    program = IntegerProgram()
    program.add_columns("pair", np.zeros(3, dtype=np.int64), np.ones(3, dtype=np.int64))
    program.add_columns("helper", np.zeros(2, dtype=np.int64), np.ones(2, dtype=np.int64))
    program.add_row("narrow", "h3", np.array([0, 3]), np.array([1, -1]), -INFINITY, 0)
    wide = neighbourhood.WIDE_HELPER_ROWS + 1
    program.add_rows(
        "wide",
        list(range(wide)),
        [(np.array([2, 4]), np.array([1, -1]))] + [(np.array([4]), np.array([1]))] * (wide - 1),
        [-INFINITY] * wide,
        [0] + [1] * (wide - 1),
    )
    backend = CpSatBackend(program, workers=1, seed=0, deterministic=True)
    return program, backend.rows()[0]


def test_a_part_frees_the_narrow_helpers_its_pairs_share_a_row_with():
    # Freeing p0 frees h3 (they share a row); p1 shares no row with any helper.
    _, matrix = _program_with_helpers()
    helpers = neighbourhood._Helpers(matrix, 3, _count([0, 1, 2], "max"))
    assert helpers.freed_with(np.array([0])).tolist() == [3]
    assert helpers.freed_with(np.array([1])).tolist() == []


def test_a_helper_linked_through_another_helper_is_freed_too():
    # Pairs p0, p1; helper h2 in a row with p0, helper h3 in a row with h2 only (a
    # group's split column, linked to its members through its together column).
    # Freeing p0 frees h2 and, through h2, h3; freeing p1 frees neither.
    program = IntegerProgram()
    program.add_columns("pair", np.zeros(2, dtype=np.int64), np.ones(2, dtype=np.int64))
    program.add_columns("helper", np.zeros(2, dtype=np.int64), np.ones(2, dtype=np.int64))
    program.add_row("link", "p0", np.array([0, 2]), np.array([1, -1]), 0, INFINITY)
    program.add_row("cover", "g", np.array([2, 3]), np.array([1, 1]), 1, INFINITY)
    matrix = CpSatBackend(program, workers=1, seed=0, deterministic=True).rows()[0]
    helpers = neighbourhood._Helpers(matrix, 2, _count([0, 1]))
    assert helpers.freed_with(np.array([0])).tolist() == [2, 3]
    assert helpers.freed_with(np.array([1])).tolist() == []


def test_a_wide_helper_is_held_unless_the_levels_own_objective_has_it():
    # p2 shares a row with h4, but h4 is in 101 rows: freeing it would bring every one of
    # them into the part, so it is held. Where the level's objective is h4 itself, it is
    # freed in every part, whatever the part's pairs.
    _, matrix = _program_with_helpers()
    assert neighbourhood._Helpers(matrix, 3, _count([0, 1, 2])).freed_with(np.array([2])).size == 0
    peak = neighbourhood._Helpers(matrix, 3, _count([4], "min"))
    assert peak.freed_with(np.array([1])).tolist() == [4]


def test_the_score_kept_from_changed_columns_equals_the_score_recomputed():
    # Maximise x0 + 2 x1 (+ x2 as a tie-break, minimised): from (1, 0, 1) to (0, 1, 0)
    # the level goes 1 -> 2 and the tie-break 1 -> 0, whether counted afresh or by change.
    program = _program()
    level = Objective("level", "max", np.array([0, 1]), np.array([1, 2]))
    ranked = tie_broken(level, [_count([2], "min")], program)
    before, after = np.array([1, 0, 1]), np.array([0, 1, 0])
    score = neighbourhood._Score(level, ranked, program.num_columns)
    changed = np.flatnonzero(after != before)
    kept = score.changed(
        neighbourhood._key(level, ranked, before), changed, (after - before)[changed]
    )
    assert kept == neighbourhood._key(level, ranked, after)
    assert kept[0] == -2  # lower is better: the level is maximised


def test_ties_are_broken_towards_the_lp_only_where_asked():
    # One student, eligible at W1 and W2 and wishing for neither: the wish cost is the
    # same at both. It is at W1 (placements held at 1, as the solver holds an earlier
    # level), the level's own LP has it at W2. Breaking ties towards the LP moves it to
    # W2 at the same wish cost; without, nothing is strictly better, so it stays at W1.
    inst = f.instance(students=[f.student("a")], wards=[f.ward("W1"), f.ward("W2")])
    built = PlacementModel(inst, Options(time_limit=5, workers=1, max_levels=3))
    _hold(built, built.levels[0], 1)
    backend = CpSatBackend(built.program, workers=1, seed=0, deterministic=True)
    search = NeighbourhoodSearch(built, backend, seed=0)
    ward_ids = list(built.pairs.ward_ids)
    at_w1 = int(np.flatnonzero(built.pairs.ward == ward_ids.index("W1"))[0])
    at_w2 = int(np.flatnonzero(built.pairs.ward == ward_ids.index("W2"))[0])
    start = np.zeros(built.pairs.num_pairs, dtype=np.int64)
    start[at_w1] = 1
    start = built.complete(start)
    lp_x = np.zeros(built.program.num_columns)
    lp_x[at_w2] = 1.0
    wish_cost = built.levels[2].objective

    def improved(toward_lp: bool) -> IntArray:
        return search.improve(
            wish_cost,
            start,
            lp_x,
            None,
            time.monotonic() + 2.0,
            stopped=lambda: False,
            own_lp=True,
            toward_lp=toward_lp,
        )

    moved = improved(True)
    assert moved[at_w2] == 1 and moved[at_w1] == 0
    assert wish_cost.value(moved) == wish_cost.value(start)
    assert not built.program.violations(moved)
    kept = improved(False)
    assert kept[at_w1] == 1 and kept[at_w2] == 0


def test_the_toward_lp_tie_break_counts_the_students_at_pairs_the_lp_leaves_empty():
    # The LP has 1 at pair 0, 0.6 at pair 2 and 0.2 at pair 3: pairs 1 and 3 count.
    tie = neighbourhood.toward_lp_objective(np.array([1.0, 0.0, 0.6, 0.2]))
    assert tie.sense == "min"
    assert tie.columns.tolist() == [1, 3]
    assert tie.value(np.array([1, 1, 0, 2])) == 3


def test_a_level_searched_beside_the_wish_lp_leaves_it_a_core():
    # Two workers: while the wish LP started beside the level runs, its search takes one
    # core; once the LP has landed, or where none was started, every core.
    inst = f.instance(students=[f.student("a", prefs=("W1",))], wards=[f.ward("W1")])
    solver = LexicographicSolver(inst, Options(time_limit=30, workers=2, max_levels=3))
    stage = solver._first_stage()
    assert solver._threads_beside_wish_lp(stage) is None
    built: Future[tuple[PlacementModel, WishRelaxation]] = Future()
    lp: Future[LpResult] = Future()
    stage.upcoming = Upcoming(built, lp, ("shortfall", 0.0))
    assert solver._threads_beside_wish_lp(stage) == 1
    lp.set_result(LpResult("OPTIMAL", 0.0, None, 0.1))
    assert solver._threads_beside_wish_lp(stage) is None
