"""Properties on random instances: every allocation validates, and is the true optimum.

The brute force enumerates every assignment of a tiny instance and ranks the
valid ones with the independent checker alone, so it shares no code with the
solver's model.
"""

from __future__ import annotations

import itertools

from hypothesis import HealthCheck, given, settings

from placement.allocation import Allocation, Placement, Unplaced
from placement.check import check
from placement.instance import Instance
from placement.lottery import lottery
from placement.options import Options
from solver import InfeasibleError, solve
from tests.strategies import instances

OPTIONS = Options(time_limit=20, workers=1)
LEVELS = ("placements", "shortfall", "wish_cost")


def _key(levels: dict[str, float]) -> tuple[float, ...]:
    """Lexicographic key, larger is better: more placements, less shortfall, less cost."""
    return (levels["placements"], -levels["shortfall"], -levels["wish_cost"])


def brute_force_optimum(instance: Instance) -> tuple[float, ...] | None:
    """Best lexicographic key over every valid assignment (None if none is valid)."""
    options = [(None, *[w.ward_id for w in instance.wards])] * len(instance.needs)
    best = None
    for choice in itertools.product(*options):
        placements = tuple(
            Placement(
                student_id=n.student_id, period_id=n.period_id, ward_id=w, locked=n.locked_ward == w
            )
            for n, w in zip(instance.needs, choice, strict=True)
            if w is not None
        )
        unplaced = tuple(
            Unplaced(student_id=n.student_id, period_id=n.period_id, reason="-")
            for n, w in zip(instance.needs, choice, strict=True)
            if w is None
        )
        report = check(instance, Allocation(placements=placements, unplaced=unplaced), OPTIONS)
        if report.ok and (best is None or _key(report.levels) > best):
            best = _key(report.levels)
    return best


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(instances())
def test_every_allocation_passes_the_checker_and_beats_the_lottery(instance):
    try:
        allocation = solve(instance, OPTIONS)
    except InfeasibleError as error:
        # only locks can make a run infeasible, and then there is a reason
        assert any(n.locked_ward for n in instance.needs)
        assert error.reasons
        return
    report = check(instance, allocation, OPTIONS)
    assert report.ok, report.violations
    assert {u.key for u in allocation.unplaced} | {p.key for p in allocation.placements} == {
        n.key for n in instance.needs
    }
    assert all(u.reason for u in allocation.unplaced)
    baseline = check(instance, lottery(instance, seed=0), OPTIONS)
    if baseline.ok:  # the lottery may break a lock it could not honour
        assert _key(report.levels) >= _key(baseline.levels)


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(instances(max_students=5, max_wards=2))
def test_levels_equal_the_brute_force_optimum(instance):
    best = brute_force_optimum(instance)
    try:
        allocation = solve(instance, OPTIONS)
    except InfeasibleError:
        assert best is None
        return
    assert best is not None
    found = check(instance, allocation, OPTIONS).levels
    assert _key(found) == best
    assert allocation.run is not None
    assert all(level.status == "OPTIMAL" for level in allocation.run.levels)
