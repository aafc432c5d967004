"""`placement explain`: the minimal conflicting requirements, and why a student got a lower wish.

Each instance plants one conflict; the explanation must name exactly it.
"""

from __future__ import annotations

from placement.allocation import Allocation, Placement
from placement.eligibility import Eligibility
from placement.options import Options
from placement.reasons import wish_explanations
from solver.explain import explain
from tests import factory as f

FAST = Options(time_limit=10, workers=1)


def test_no_conflict_when_everything_fits():
    inst = f.instance(students=[f.student("a", locked_ward="W1")])
    result = explain(inst, FAST)
    assert result.feasible and not result.conflict


def test_locks_beyond_a_wards_supervisors():
    # a, b and c are locked to W1 (one supervisor, one-to-one); d is locked to W2, which is
    # fine. Any two of a, b, c already conflict, so a minimal set has exactly two of them.
    inst = f.instance(
        students=[
            f.student("a", locked_ward="W1"),
            f.student("b", locked_ward="W1"),
            f.student("c", locked_ward="W1"),
            f.student("d", locked_ward="W2"),
        ],
        wards=[f.ward("W1"), f.ward("W2")],
    )
    result = explain(inst, FAST)
    assert not result.feasible
    assert len(result.conflict) == 2
    assert {r.key[0] for r in result.conflict} <= {"a", "b", "c"}  # type: ignore[index]
    text = " ".join(result.sentences)
    assert "W1" in text and "supervisors" in text and "W2" not in text


def test_lock_on_a_ward_the_student_may_not_go_to():
    # a is locked to W2, which does not teach surgery: the lock alone is the conflict.
    inst = f.instance(
        students=[f.student("a", locked_ward="W2"), f.student("b", locked_ward="W1")],
        wards=[f.ward("W1"), f.ward("W2", specialties=("medicine",))],
    )
    result = explain(inst, FAST)
    assert [r.key for r in result.conflict] == [("a", "P1")]
    assert "does not teach surgery" in result.sentences[0]


def test_agreement_minimum_above_what_its_supervisors_can_take():
    # The agreement promises 3 places at Trust A, whose only ward has 2 supervisors.
    inst = f.instance(
        students=[f.student("a"), f.student("b"), f.student("c")],
        sups=[f.supervisors("W1", count=2)],
        agreements=[f.agreement(organisation="Trust A", min_places=3)],
    )
    result = explain(inst, FAST)
    assert [r.key for r in result.conflict] == ["A1"]
    assert "promises 3 places" in result.sentences[0]
    assert "at most 2" in result.sentences[0]


def test_a_specialty_no_ward_teaches_is_reported():
    inst = f.instance(
        students=[f.student("a", specialty="neonatal"), f.student("b")],
    )
    result = explain(inst, FAST)
    assert result.feasible
    assert len(result.unplaceable) == 1
    assert "no ward teaches neonatal" in result.unplaceable[0]


def test_why_a_student_got_its_second_wish():
    # a wishes W1 then W2; b (locked) fills W1's only supervisor, so a is at W2.
    inst = f.instance(
        students=[f.student("a", prefs=("W1", "W2")), f.student("b", locked_ward="W1")],
        wards=[f.ward("W1"), f.ward("W2")],
    )
    allocation = Allocation(
        placements=(
            Placement(student_id="a", period_id="P1", ward_id="W2"),
            Placement(student_id="b", period_id="P1", ward_id="W1", locked=True),
        )
    )
    lines = wish_explanations(inst, Eligibility(inst), allocation.placements, "a")
    text = "\n".join(lines)
    assert "placed at W2 (wish 2)" in text
    assert "W1: full in week" in text and "by b" in text
