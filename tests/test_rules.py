"""Every hard rule of the spec on a tiny instance: once where it holds, once where it bites.

Defaults (see tests/factory.py): institution UNI, nursing programme NURSE with
one-to-one supervision, period P1 = ISO weeks 2-5 of 2026 in surgery, site S1
of "Trust A" in Bergen. Each test says in a comment why the answer is what it is.
"""

from __future__ import annotations

from datetime import date

import pytest

from placement.check import check
from placement.instance import Instance
from placement.options import Options
from solver import InfeasibleError, solve
from tests import factory as f

FAST = Options(time_limit=10, workers=1)


def placed_at(instance: Instance, options: Options = FAST) -> dict[str, str]:
    """Solve, assert the independent checker agrees, and map student_id -> ward_id."""
    allocation = solve(instance, options)
    assert check(instance, allocation, options).ok
    return {p.student_id: p.ward_id for p in allocation.placements}


def reason_of(instance: Instance, student_id: str = "s1") -> str:
    allocation = solve(instance, FAST)
    return next(u.reason for u in allocation.unplaced if u.student_id == student_id)


# ---- rule 1: eligibility -------------------------------------------------------------------
def test_specialty_holds_when_a_ward_teaches_it():
    # W1 teaches surgery, the period's specialty: the one student goes there.
    assert placed_at(f.instance()) == {"s1": "W1"}


def test_specialty_bites_when_no_ward_teaches_it():
    # W1 teaches only medicine; the surgery student has nowhere to go.
    inst = f.instance(wards=[f.ward(specialties=("medicine",))])
    assert placed_at(inst) == {}
    assert "no ward teaches surgery" in reason_of(inst)


def test_student_row_specialty_overrides_the_period():
    # The period says surgery but the row says medicine: only the medicine ward fits.
    inst = f.instance(
        students=[f.student(specialty="medicine")],
        wards=[f.ward("W1"), f.ward("W2", specialties=("medicine",))],
    )
    assert placed_at(inst) == {"s1": "W2"}


def test_profession_bites_when_ward_takes_other_professions():
    # W1 lists only medicine, so the nursing student cannot go there despite a nurse supervisor.
    inst = f.instance(wards=[f.ward(professions=("medicine",))])
    assert placed_at(inst) == {}
    assert "takes nursing" in reason_of(inst)


def test_profession_blank_means_any_with_supervisors():
    # W1 lists no professions but has only physiotherapy supervisors: no nursing student.
    # W2 lists none either and has a nursing supervisor: the student goes there.
    inst = f.instance(
        wards=[f.ward("W1"), f.ward("W2")],
        sups=[f.supervisors("W1", 3, profession="physiotherapy"), f.supervisors("W2", 1)],
    )
    assert placed_at(inst) == {"s1": "W2"}


def test_required_tags_hold_and_bite():
    # The student requires wheelchair access: only W2 has it.
    inst = f.instance(
        students=[f.student(requires=("wheelchair",), prefs=("W1",))],
        wards=[f.ward("W1"), f.ward("W2", tags=("wheelchair", "english"))],
    )
    assert placed_at(inst) == {"s1": "W2"}
    only_w1 = f.instance(students=[f.student(requires=("wheelchair",))], wards=[f.ward("W1")])
    assert placed_at(only_w1) == {}
    assert "wheelchair" in reason_of(only_w1)


def test_avoid_a_ward_and_a_whole_site():
    # Avoiding W1 leaves W2; avoiding site S1 (both wards are there) leaves nothing.
    wards = [f.ward("W1"), f.ward("W2")]
    assert placed_at(f.instance(students=[f.student(avoid=("W1",))], wards=wards)) == {"s1": "W2"}
    inst = f.instance(students=[f.student(avoid=("S1",))], wards=wards)
    assert placed_at(inst) == {}
    assert "avoid list" in reason_of(inst)


def test_history_is_never_repeated():
    # s1 has been at W1 before and wishes it again: the rule sends it to W2 instead.
    inst = f.instance(
        students=[f.student(prefs=("W1",))],
        wards=[f.ward("W1"), f.ward("W2")],
        history=(f.history("s1", "W1"),),
    )
    assert placed_at(inst) == {"s1": "W2"}
    only_w1 = f.instance(history=(f.history("s1", "W1"),))
    assert placed_at(only_w1) == {}
    assert "before" in reason_of(only_w1)


def test_no_agreements_sheet_opens_every_site():
    # agreements=None means the workbook had no Agreements sheet: S2 is open.
    inst = f.instance(sites=[f.site("S1"), f.site("S2")], wards=[f.ward("W2", site_id="S2")])
    assert placed_at(inst) == {"s1": "W2"}


def test_agreement_opens_only_its_sites():
    # Only S2 is opened to UNI; the student wishes W1 at S1 but must go to W2 at S2.
    inst = f.instance(
        students=[f.student(prefs=("W1",))],
        sites=[f.site("S1", organisation="Trust A"), f.site("S2", organisation="Trust B")],
        wards=[f.ward("W1", site_id="S1"), f.ward("W2", site_id="S2")],
        agreements=[f.agreement(site_id="S2")],
    )
    assert placed_at(inst) == {"s1": "W2"}


def test_agreement_for_a_trust_covers_all_its_sites():
    # "Trust B" owns S2 and S3: an organisation agreement opens both.
    inst = f.instance(
        students=[f.student("s1", prefs=("W3",))],
        sites=[
            f.site("S1", organisation="Trust A"),
            f.site("S2", organisation="Trust B"),
            f.site("S3", organisation="Trust B"),
        ],
        wards=[f.ward("W1", site_id="S1"), f.ward("W3", site_id="S3")],
        agreements=[f.agreement(organisation="Trust B")],
    )
    assert placed_at(inst) == {"s1": "W3"}


def test_agreement_for_another_programme_or_period_does_not_open():
    # The only agreement names programme OTHER, so NURSE students have no open site.
    inst = f.instance(
        programmes=[f.programme("NURSE"), f.programme("OTHER")],
        periods=[f.period("P1"), f.period("P2", programme_id="OTHER")],
        agreements=[f.agreement(site_id="S1", programme_id="OTHER")],
    )
    assert placed_at(inst) == {}
    assert "no agreement opens" in reason_of(inst)
    by_period = f.instance(
        programmes=[f.programme("NURSE")],
        periods=[f.period("P1"), f.period("P2")],
        agreements=[f.agreement(site_id="S1", period_id="P2")],
    )
    assert placed_at(by_period) == {}


# ---- rule 2: supervisors and max_students per week ----------------------------------------
def test_one_to_one_supervision_bites():
    # One supervisor, one-to-one model, two students: only one can be placed.
    inst = f.instance(students=[f.student("s1"), f.student("s2")])
    assert len(placed_at(inst)) == 1


def test_paired_supervision_fits_two_per_supervisor():
    # The same ward under the paired model (2 students per supervisor) takes both.
    inst = f.instance(
        students=[f.student("s1"), f.student("s2"), f.student("s3")],
        programmes=[f.programme(students_per_supervisor=2)],
    )
    assert len(placed_at(inst)) == 2  # the third would need 1.5 supervisors


def test_period_overrides_the_programme_supervision_model():
    # Programme says one-to-one, period P1 says three per supervisor: all three fit.
    inst = f.instance(
        students=[f.student("s1"), f.student("s2"), f.student("s3")],
        periods=[f.period(students_per_supervisor=3)],
    )
    assert len(placed_at(inst)) == 3


def test_mixed_supervision_ratios_share_a_supervisor_in_fractions():
    # One nurse supervisor at W1. A one-to-one student uses 1, a paired one 1/2.
    # Best: the two paired students (1/2 + 1/2 = 1); adding the one-to-one one needs 2.
    inst = f.instance(
        programmes=[f.programme("SOLO"), f.programme("PAIR", students_per_supervisor=2)],
        periods=[f.period("P1", programme_id="SOLO"), f.period("P2", programme_id="PAIR")],
        students=[
            f.student("solo", period_id="P1", programme_id="SOLO", prefs=("W1",)),
            f.student("pair1", period_id="P2", programme_id="PAIR"),
            f.student("pair2", period_id="P2", programme_id="PAIR"),
        ],
    )
    assert set(placed_at(inst)) == {"pair1", "pair2"}


def test_supervisors_that_leave_mid_period_close_the_ward():
    # The supervisor is there only until 2026-01-16 (weeks 2-3); P1 runs weeks 2-5.
    inst = f.instance(sups=[f.supervisors(end=date(2026, 1, 16))])
    assert placed_at(inst) == {}
    assert "weeks 4-5" in reason_of(inst)


def test_supervisor_row_counts_only_from_the_monday_it_contains():
    # The row starts Tuesday 2026-01-06, so it does not contain week 2's Monday (Jan 5):
    # week 2 has no supervisor and the student cannot start there.
    late = f.instance(sups=[f.supervisors(start=date(2026, 1, 6))])
    assert placed_at(late) == {}
    on_time = f.instance(sups=[f.supervisors(start=date(2026, 1, 5))])
    assert placed_at(on_time) == {"s1": "W1"}


def test_supervisor_rows_add_up():
    # Two rows of one supervisor each, both all semester: two one-to-one students fit.
    inst = f.instance(
        students=[f.student("s1"), f.student("s2")],
        sups=[f.supervisors("W1", 1), f.supervisors("W1", 1)],
    )
    assert len(placed_at(inst)) == 2


def test_capacity_is_per_week_so_consecutive_periods_share_a_supervisor():
    # P1 is weeks 2-5 and P2 weeks 6-9: one supervisor serves both students in turn.
    # P3 overlaps P1 in week 5, so its student cannot also be placed.
    inst = f.instance(
        periods=[
            f.period("P1"),
            f.period("P2", start=date(2026, 2, 2), end=date(2026, 2, 27)),
            f.period("P3", start=date(2026, 1, 30), end=date(2026, 2, 1)),
        ],
        students=[f.student("a", "P1"), f.student("b", "P2"), f.student("c", "P3")],
    )
    placed = placed_at(inst)
    assert {"a", "b"} <= set(placed) or {"c", "b"} <= set(placed)
    assert len(placed) == 2


def test_max_students_bites_across_professions():
    # W1 has a nurse and a physio supervisor, but max_students 1 for all professions.
    inst = f.instance(
        programmes=[f.programme("NURSE"), f.programme("PHYSIO", profession="physiotherapy")],
        periods=[f.period("P1"), f.period("P2", programme_id="PHYSIO")],
        students=[f.student("n", "P1"), f.student("p", "P2", programme_id="PHYSIO")],
        wards=[f.ward(max_students=1)],
        sups=[f.supervisors(), f.supervisors(profession="physiotherapy")],
    )
    assert len(placed_at(inst)) == 1
    roomy = inst.model_copy(update={"wards": (f.ward(max_students=2),)})
    assert len(placed_at(roomy)) == 2


# ---- rule 3: agreement maximums --------------------------------------------------------------
def test_agreement_max_places_holds():
    # Room for two at W1, but the agreement lets UNI use at most one place.
    inst = f.instance(
        students=[f.student("s1"), f.student("s2")],
        sups=[f.supervisors(count=2)],
        agreements=[f.agreement(site_id="S1", max_places=1)],
    )
    assert len(placed_at(inst)) == 1
    assert "max_places" in reason_of(inst, next(iter({"s1", "s2"} - set(placed_at(inst)))))


def test_overlapping_agreements_each_count():
    # A1 opens Trust A with no cap; A2 caps UNI at S1 to one place. Both count placements
    # at S1, so only one student can go to S1 and the other goes to S2.
    inst = f.instance(
        students=[f.student("s1"), f.student("s2")],
        sites=[f.site("S1"), f.site("S2")],
        wards=[f.ward("W1", site_id="S1"), f.ward("W2", site_id="S2")],
        sups=[f.supervisors("W1", 2), f.supervisors("W2", 1)],
        agreements=[
            f.agreement("A1", organisation="Trust A"),
            f.agreement("A2", site_id="S1", max_places=1),
        ],
    )
    assert sorted(placed_at(inst).values()) == ["W1", "W2"]


# ---- rule 4: one place per row and per week -----------------------------------------------
def test_a_student_is_not_in_two_places_in_one_week():
    # s1 has rows in P1 (weeks 2-5) and P2 (weeks 5-8): they share week 5, so one at most,
    # although W1 and W2 each have a free supervisor.
    inst = f.instance(
        periods=[f.period("P1"), f.period("P2", start=date(2026, 1, 28), end=date(2026, 2, 20))],
        students=[f.student("s1", "P1"), f.student("s1", "P2")],
        wards=[f.ward("W1"), f.ward("W2")],
    )
    allocation = solve(inst, FAST)
    assert allocation.num_placed == 1
    assert "already placed" in allocation.unplaced[0].reason


def test_a_student_with_separate_periods_gets_both():
    # P1 weeks 2-5 and P2 weeks 6-9 do not overlap: both rows are placed.
    inst = f.instance(
        periods=[f.period("P1"), f.period("P2", start=date(2026, 2, 2), end=date(2026, 2, 27))],
        students=[f.student("s1", "P1"), f.student("s1", "P2")],
    )
    assert solve(inst, FAST).num_placed == 2


# ---- rule 5: locks ---------------------------------------------------------------------------
def test_locked_placement_is_kept_against_wishes():
    # s1 wishes W2 but is locked to W1; s2 wishes W1. The lock wins and s2 goes to W2.
    inst = f.instance(
        students=[f.student("s1", prefs=("W2",), locked_ward="W1"), f.student("s2", prefs=("W1",))],
        wards=[f.ward("W1"), f.ward("W2")],
    )
    allocation = solve(inst, FAST)
    assert {p.student_id: (p.ward_id, p.locked) for p in allocation.placements} == {
        "s1": ("W1", True),
        "s2": ("W2", False),
    }


def test_locks_beyond_capacity_fail_with_the_reason():
    # Two students locked to W1, which has one supervisor in weeks 2-5: no allocation.
    inst = f.instance(
        students=[f.student("s1", locked_ward="W1"), f.student("s2", locked_ward="W1")]
    )
    with pytest.raises(InfeasibleError) as error:
        solve(inst, FAST)
    (reason,) = error.value.reasons
    assert "2 students locked to W1" in reason
    assert "need 2 nursing supervisors in weeks 2-5" in reason
    assert "the ward has 1" in reason
