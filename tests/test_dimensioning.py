"""Capacity planning: max placeable, agreements out of reach, scaling and extra supervisors."""

from __future__ import annotations

from placement.options import Options
from solver import solve
from solver.dimensioning import capacity_report, scale_students, scale_supervisors
from tests import factory as f

FAST = Options(time_limit=10, workers=1)


def three_students(count: int = 1):
    """Three students; W1 with `count` supervisors (one-to-one) in the 4-week period."""
    return f.instance(
        students=[f.student("a"), f.student("b"), f.student("c")],
        sups=[f.supervisors("W1", count=count)],
        agreements=[f.agreement(organisation="Trust A", min_places=3)],
    )


def test_max_placeable_equals_a_max_placement_solve():
    # One supervisor: one student fits, whatever the objective.
    inst = three_students(count=1)
    report = capacity_report(inst, FAST)
    assert report.max_placeable == 1 == solve(inst, FAST).num_placed
    assert report.max_placeable_status == "OPTIMAL"


def test_agreement_minimum_out_of_reach_and_extra_supervisors():
    # min_places 3 but one supervisor: out of reach; two extra supervisors in each of the
    # period's four weeks would place everyone.
    report = capacity_report(three_students(count=1), FAST)
    row = report.agreements.iloc[0]
    assert (row["most_placeable"], row["minimum_out_of_reach"]) == (1, "yes")
    assert report.trusts.iloc[0]["minimums_out_of_reach"] == "yes"
    extra = report.extra_supervisors
    assert list(extra["extra_supervisors"]) == [2, 2, 2, 2]
    assert set(extra["ward_id"]) == {"W1"}


def test_enough_supervisors_need_no_extra():
    report = capacity_report(three_students(count=3), FAST)
    assert report.max_placeable == 3
    assert report.extra_supervisors.empty
    assert report.agreements.iloc[0]["minimum_out_of_reach"] == "no"


def test_demand_in_supervisor_weeks():
    # Three one-to-one students for four weeks: 12 supervisor-weeks against 1 x 4 available.
    report = capacity_report(three_students(count=1), FAST)
    row = report.demand.iloc[0]
    assert (row["students"], row["demand_supervisor_weeks"], row["capacity_supervisor_weeks"]) == (
        3,
        12,
        4,
    )


def test_scaling_students_and_supervisors():
    inst = three_students(count=2)
    more = scale_students(inst, {"nursing": 2.0})
    assert more.num_needs == 6
    assert all(n.student_id for n in more.needs)
    assert len({n.key for n in more.needs}) == 6
    fewer = scale_supervisors(inst, {"Trust A": 0.5})
    assert [row.supervisors for row in fewer.supervisors] == [1]
