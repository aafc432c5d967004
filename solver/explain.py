"""Why no allocation keeps every requirement: a minimal set of conflicting requirements.

The requirements a coordinator sets are the locked placements (hard rule 5) and
the agreements' minimums (a promise, optimised at level 2, but a coordinator
asking "can every promise be kept?" treats them as requirements). Each gets an
assumption literal in the CP-SAT model; CP-SAT returns a set of assumptions
sufficient for infeasibility, which is shrunk one requirement at a time until
every one left is needed (a minimal unsatisfiable subset, as in CPMpy's
`mus`). The set is then said in a coordinator's words.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, field

import numpy as np
from ortools.sat.python import cp_model

from placement.conflicts import lock_conflicts
from placement.eligibility import Eligibility, Rule
from placement.instance import Agreement, Instance, Need
from placement.options import Options
from placement.validate import rule_text
from solver.constraints import LOCK
from solver.cpsat import CpSatBackend
from solver.lp import solve_lp
from solver.model import PlacementModel
from solver.program import Objective


@dataclass(frozen=True)
class Requirement:
    """A lock or an agreement minimum, as one assumption."""

    kind: str  # "lock" or "minimum"
    key: object  # (student_id, period_id) or agreement_id
    label: str


@dataclass
class Explanation:
    """What `placement explain` found."""

    feasible: bool  # every lock and every agreement minimum can be met together
    conflict: list[Requirement] = field(default_factory=list)
    sentences: list[str] = field(default_factory=list)
    unplaceable: list[str] = field(default_factory=list)  # rows no ward can take, by cause
    seconds: float = 0.0
    complete: bool = True  # False if a solve ran out of time (the set may not be minimal)


def explain(instance: Instance, options: Options, *, time_limit: float = 60.0) -> Explanation:
    """Find a minimal set of locks and agreement minimums that cannot all hold."""
    started = time.monotonic()
    eligibility = Eligibility(instance, max_travel_km=options.max_travel_km)
    built = PlacementModel(instance, options, eligibility)
    requirements, literals, model = _assumption_model(built)
    result = Explanation(feasible=True, unplaceable=unplaceable_rows(instance, eligibility))
    deadline = started + time_limit
    status, core = _solve(model, literals, list(range(len(literals))), deadline, options)
    if status != "INFEASIBLE":
        result.complete = status == "FEASIBLE"
        result.seconds = time.monotonic() - started
        return result
    result.feasible = False
    # Deletion: drop each requirement in turn; keep it only if the rest become feasible.
    needed: list[int] = list(core)
    for index in list(core):
        if index not in needed:
            continue
        trial = [i for i in needed if i != index]
        status, smaller = _solve(model, literals, trial, deadline, options)
        if status == "INFEASIBLE":
            needed = [i for i in trial if i in set(smaller)] if smaller else trial
        elif status != "FEASIBLE":
            result.complete = False
    result.conflict = [requirements[i] for i in sorted(needed)]
    result.sentences = describe(instance, built, eligibility, result.conflict, options)
    result.seconds = time.monotonic() - started
    return result


def _assumption_model(
    built: PlacementModel,
) -> tuple[list[Requirement], list[int], cp_model.CpModel]:
    """The model with every lock row and agreement minimum behind an assumption literal."""
    backend = CpSatBackend(built.program, workers=1, seed=0, deterministic=True)
    backend.sync()
    proto = backend.model.proto
    requirements: list[Requirement] = []
    literals: list[int] = []
    offset = 0
    for block in built.program.blocks:
        if block.family == LOCK:
            for r, key in enumerate(block.keys):
                literal = _new_bool(proto)
                proto.constraints[offset + r].enforcement_literal.append(literal)
                need = built.instance.need[key]  # type: ignore[index]
                requirements.append(
                    Requirement("lock", key, f"{need.student_id} locked to {need.locked_ward}")
                )
                literals.append(literal)
        offset += block.num_rows
    for agreement in built.instance.agreements or ():
        if agreement.min_places <= 0:
            continue
        members = built.membership.get(agreement.agreement_id, np.zeros(0, dtype=np.int64))
        literal = _new_bool(proto)
        constraint = proto.constraints.add()
        constraint.enforcement_literal.append(literal)
        constraint.linear.vars.extend(members.tolist())
        constraint.linear.coeffs.extend([1] * len(members))
        constraint.linear.domain.extend([agreement.min_places, 2**62])
        requirements.append(
            Requirement(
                "minimum",
                agreement.agreement_id,
                f"agreement {agreement.agreement_id} ({agreement.label}) min_places "
                f"{agreement.min_places}",
            )
        )
        literals.append(literal)
    return requirements, literals, backend.model


def _new_bool(proto: object) -> int:
    variables = proto.variables  # type: ignore[attr-defined]
    index = len(variables)
    variables.add().domain.extend([0, 1])
    return index


def _solve(
    model: cp_model.CpModel,
    literals: list[int],
    active: list[int],
    deadline: float,
    options: Options,
) -> tuple[str, list[int]]:
    """Feasibility under the active assumptions; on INFEASIBLE, a sufficient subset of them."""
    model.clear_assumptions()
    model.proto.clear_objective()
    model.proto.assumptions.extend([literals[i] for i in active])
    solver = cp_model.CpSolver()
    solver.parameters.max_time_in_seconds = max(deadline - time.monotonic(), 0.1)
    solver.parameters.num_workers = 1  # sufficient assumptions come from the core search
    solver.parameters.random_seed = options.seed
    status = solver.solve(model)
    name = solver.status_name(status)
    if status == cp_model.INFEASIBLE:
        position = {literal: i for i, literal in enumerate(literals)}
        core = [position[v] for v in solver.sufficient_assumptions_for_infeasibility()]
        return name, [i for i in core if i in set(active)] or active
    return name, []


# ---- in a coordinator's words -----------------------------------------------------------------
def describe(
    instance: Instance,
    built: PlacementModel,
    eligibility: Eligibility,
    conflict: list[Requirement],
    options: Options,
) -> list[str]:
    """Sentences for a minimal conflict: what each requirement needs, and what is there."""
    locks = [instance.need[r.key] for r in conflict if r.kind == "lock"]  # type: ignore[index]
    minimums = [r.key for r in conflict if r.kind == "minimum"]
    sentences: list[str] = []
    for need in locks:
        assert need.locked_ward is not None
        if need.locked_ward not in eligibility.allowed_wards(need):
            rule = eligibility.excluding_rule(need, need.locked_ward) or Rule.CAPACITY
            text = rule_text(instance, need, need.locked_ward, rule)
            sentences.append(
                f"student {need.student_id} ({need.period_id}) is locked to "
                f"{need.locked_ward}, which the student may not go to: {text}"
            )
    only_locks = instance.model_copy(
        update={
            "needs": tuple(
                n if n in locks else n.model_copy(update={"locked_ward": None})
                for n in instance.needs
            )
        }
    )
    if locks and not sentences:
        sentences += lock_conflicts(only_locks)
    agreements = {a.agreement_id: a for a in instance.agreements or ()}
    for agreement_id in minimums:
        agreement = agreements[str(agreement_id)]
        most = _most_placeable(built, agreement, options)
        reach = f"at most {most}" if most is not None else "fewer"
        sentences.append(
            f"agreement {agreement.agreement_id} ({agreement.label}) promises "
            f"{agreement.min_places} places, but the wards it covers can take {reach} of the "
            f"institution's students"
            + (" while the locks above hold" if locks else "")
            + _min_detail(instance, eligibility, agreement)
        )
    if not sentences:
        sentences.append(
            "these requirements cannot all hold together: " + "; ".join(r.label for r in conflict)
        )
    return sentences


def _most_placeable(built: PlacementModel, agreement: Agreement, options: Options) -> int | None:
    """The LP bound on placements counted by the agreement (with the hard rules and locks)."""
    members = built.membership.get(agreement.agreement_id, np.zeros(0, dtype=np.int64))
    objective = Objective("agreement", "max", members, np.ones(len(members), dtype=np.int64))
    lp = solve_lp(built.program, objective, time_limit=options.time_limit)
    if lp.status != "OPTIMAL" or lp.value is None:
        return None
    return math.floor(lp.value + 1e-6)


def _min_detail(instance: Instance, eligibility: Eligibility, agreement: Agreement) -> str:
    """How many students could count under the agreement at all, and where they could go."""
    students = [
        n
        for n in instance.needs
        if instance.institution_of(n) == agreement.institution_id
        and agreement.programme_id in (None, n.programme_id)
        and agreement.period_id in (None, n.period_id)
    ]
    wards: set[str] = set()
    for need in students:
        wards |= {
            w
            for w in eligibility.eligible_wards(need)
            if agreement in instance.agreements_counting(need, w)
        }
    return (
        f" ({len(students)} students of {agreement.institution_id} match it; "
        f"{len(wards)} eligible wards count under it)"
    )


def unplaceable_rows(instance: Instance, eligibility: Eligibility) -> list[str]:
    """Rows no ward can ever take, grouped by programme, period and the rule that stops them."""
    groups: dict[tuple[str, str, str], list[Need]] = {}
    for need in instance.needs:
        stages = eligibility.stages(need)
        empty = next((s for s in stages if not s.remaining), None)
        if empty is None:
            continue
        groups.setdefault((need.programme_id, need.period_id, empty.rule), []).append(need)
    out = []
    for (programme_id, period_id, rule), needs in sorted(groups.items()):
        specialty = instance.specialty_of(needs[0]) or "(none)"
        cause = {
            Rule.SPECIALTY: f"no ward teaches {specialty}",
            Rule.PROFESSION: f"no ward teaching {specialty} takes "
            f"{instance.profession_of(needs[0])} students with supervisors of that profession",
            Rule.AGREEMENT: "no agreement opens a site with a suitable ward to "
            f"{instance.institution_of(needs[0])} for this programme and period",
            Rule.TAGS: "no suitable ward has the required tags",
            Rule.AVOID: "the avoid lists rule out every suitable ward",
            Rule.HISTORY: "the students have been at every suitable ward before",
            Rule.TRAVEL: "every suitable ward is beyond max_travel_km",
            Rule.CAPACITY: "every suitable ward lacks supervisors or room in part of the period",
        }[rule]
        out.append(
            f"{len(needs)} student row(s) of programme {programme_id}, period {period_id}: "
            f"{cause} ({rule})"
        )
    return out
