"""Capacity planning (dimensioning): will next year's intake fit, and where would it not?

For the regional cooperation bodies that keep candidate targets, supervisor
capacity and agreements in step. Everything here reuses the placement model:

- demand against capacity per programme, period and specialty (supervisor-weeks);
- the most students that can be placed: a max-placement solve (level 1 alone);
- agreements whose minimum exceeds what their wards can take, and trusts whose
  promised minimums add up to more than their wards can take;
- what-if scaling of intake (per profession or programme) and of supervisors
  (per trust, site, ward or profession), and the extra supervisors that would
  place every student who has an eligible ward: per ward, profession and week,
  found by letting each supervisor row stretch and minimising the stretch.
"""

from __future__ import annotations

import math
import random
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from typing import cast

import numpy as np
import pandas as pd

from placement.capacity import CapacityGrid
from placement.eligibility import Eligibility
from placement.instance import Instance, Need, SupervisorRow, norm
from placement.options import Options
from solver.constraints import SUPERVISORS
from solver.lp import solve_lp
from solver.model import PlacementModel
from solver.objectives import Completion, Level
from solver.program import IntArray, Objective, RowBlock
from solver.solve import LexicographicSolver

DEMAND_COLUMNS = [
    "programme_id",
    "period_id",
    "specialty",
    "profession",
    "weeks",
    "students",
    "demand_supervisor_weeks",
    "eligible_wards",
    "capacity_supervisor_weeks",
    "demand_share_of_capacity",
]


@dataclass
class CapacityReport:
    """The dimensioning report's tables and headline figures."""

    num_rows: int
    max_placeable: float | None
    max_placeable_bound: float | None
    max_placeable_status: str
    demand: pd.DataFrame
    agreements: pd.DataFrame
    trusts: pd.DataFrame
    extra_supervisors: pd.DataFrame
    weekly: pd.DataFrame
    scaling: list[str] = field(default_factory=list)


# ---- what-if scaling --------------------------------------------------------------------------
def scale_students(instance: Instance, factors: dict[str, float], seed: int = 0) -> Instance:
    """More (or fewer) student rows: factor per profession or programme_id (e.g. nursing=1.1).

    Extra rows copy randomly drawn existing rows of the same group under new ids
    (`<id>+1`, ...), keeping wishes and needs but not locks, groups or names.
    """
    if not factors:
        return instance
    rng = random.Random(seed)
    keyed = {norm(k): v for k, v in factors.items()}

    def factor_of(need: Need) -> float | None:
        for key in (norm(need.programme_id), norm(instance.profession_of(need))):
            if key in keyed:
                return keyed[key]
        return None

    groups: dict[float, list[Need]] = defaultdict(list)
    kept: list[Need] = []
    for need in instance.needs:
        factor = factor_of(need)
        if factor is None:
            kept.append(need)
        else:
            groups[factor].append(need)
    for factor, needs in groups.items():
        target = round(len(needs) * factor)
        if target <= len(needs):
            chosen = sorted(rng.sample(range(len(needs)), target))
            kept += [needs[i] for i in chosen]
            continue
        kept += needs
        for copy in range(target - len(needs)):
            source = needs[rng.randrange(len(needs))]
            kept.append(
                source.model_copy(
                    update={
                        "student_id": f"{source.student_id}+{copy + 1}",
                        "name": "",
                        "locked_ward": None,
                        "group_id": None,
                        "row": 0,
                    }
                )
            )
    return instance.model_copy(update={"needs": tuple(kept)})


def scale_supervisors(instance: Instance, factors: dict[str, float]) -> Instance:
    """Fewer or more supervisors: factor per trust, site, ward or profession (e.g. HUS=0.9).

    Counts are rounded down, so 0.9 of one supervisor is none.
    """
    if not factors:
        return instance
    keyed = {norm(k): v for k, v in factors.items()}
    rows: list[SupervisorRow] = []
    for row in instance.supervisors:
        ward = instance.ward[row.ward_id]
        site = instance.site[ward.site_id]
        factor = 1.0
        for key in (ward.ward_id, site.site_id, site.organisation or "", row.profession):
            factor *= keyed.get(norm(key), 1.0)
        rows.append(row.model_copy(update={"supervisors": math.floor(row.supervisors * factor)}))
    return instance.model_copy(update={"supervisors": tuple(rows)})


# ---- the report ---------------------------------------------------------------------------------
def capacity_report(instance: Instance, options: Options) -> CapacityReport:
    """Demand and capacity tables, the max-placement optimum, and the extra supervisors needed."""
    eligibility = Eligibility(instance, max_travel_km=options.max_travel_km)
    half = options.merged(time_limit=options.time_limit / 2)
    most = _max_placements(instance, half, eligibility)
    built = PlacementModel(instance, options, eligibility)
    return CapacityReport(
        num_rows=instance.num_needs,
        max_placeable=most[0],
        max_placeable_bound=most[1],
        max_placeable_status=most[2],
        demand=demand_frame(instance, eligibility),
        agreements=_agreement_frame(instance, built, options),
        trusts=_trust_frame(instance, built, options),
        extra_supervisors=_extra_supervisors(instance, half, eligibility),
        weekly=weekly_frame(instance),
    )


def _max_placements(
    instance: Instance, options: Options, eligibility: Eligibility
) -> tuple[float | None, float | None, str]:
    """Level 1 alone: the most students that can be placed, with its proven bound."""
    built = PlacementModel(instance, options, eligibility, levels=["placements"])
    result = LexicographicSolver(instance, options, eligibility=eligibility, model=built).solve()
    level = result.levels[0]
    return level.value, level.bound, level.status


def demand_frame(instance: Instance, eligibility: Eligibility) -> pd.DataFrame:
    """Per programme, period and specialty: supervisor-weeks needed and available to them.

    Capacity counts every supervisor-week of the eligible wards in the period, of
    the profession; different signatures may share the same wards, so capacities
    do not add up across rows.
    """
    groups: dict[tuple[str, str, str], list[Need]] = defaultdict(list)
    for need in instance.needs:
        groups[(need.programme_id, need.period_id, instance.specialty_of(need) or "")].append(need)
    rows = []
    for (programme_id, period_id, specialty), needs in sorted(groups.items()):
        profession = instance.programme[programme_id].profession
        weeks = instance.period[period_id].weeks
        ratio = instance.students_per_supervisor(period_id)
        demand = len(needs) * len(weeks) / ratio
        wards = set()
        for need in needs:
            wards |= set(eligibility.allowed_wards(need))
        capacity = sum(
            instance.supervisors_in_week(w, profession, week) for w in wards for week in weeks
        )
        rows.append(
            [
                programme_id,
                period_id,
                specialty or None,
                profession,
                len(weeks),
                len(needs),
                round(demand, 2),
                len(wards),
                capacity,
                round(demand / capacity, 3) if capacity else None,
            ]
        )
    return pd.DataFrame(rows, columns=DEMAND_COLUMNS)


def weekly_frame(instance: Instance) -> pd.DataFrame:
    """Per profession and week: supervisors needed by all rows, and supervisors available."""
    needed: dict[tuple[str, object], float] = defaultdict(float)
    available: dict[tuple[str, object], int] = defaultdict(int)
    for need in instance.needs:
        profession = norm(instance.profession_of(need))
        share = 1 / instance.students_per_supervisor(need.period_id)
        for week in instance.weeks_of(need):
            needed[(profession, week)] += share
    for week in instance.all_weeks:
        for row in instance.supervisors:
            if (row.start_date is None or row.start_date <= week) and (
                row.end_date is None or week <= row.end_date
            ):
                available[(norm(row.profession), week)] += row.supervisors
    keys = sorted(set(needed) | set(available), key=lambda k: (k[0], str(k[1])))
    return pd.DataFrame(
        [[p, w, round(needed[(p, w)], 2), available[(p, w)]] for p, w in keys],
        columns=["profession", "week_start", "supervisors_needed", "supervisors_available"],
    )


def _lp_most(built: PlacementModel, columns: IntArray, options: Options) -> int | None:
    objective = Objective("most", "max", columns, np.ones(len(columns), dtype=np.int64))
    lp = solve_lp(built.program, objective, time_limit=options.time_limit)
    if lp.status != "OPTIMAL" or lp.value is None:
        return None
    return math.floor(lp.value + 1e-6)


def _agreement_frame(instance: Instance, built: PlacementModel, options: Options) -> pd.DataFrame:
    """Per agreement with a minimum: the most placements that could count under it."""
    rows = []
    for agreement in instance.agreements or ():
        if agreement.min_places <= 0:
            continue
        members = built.membership.get(agreement.agreement_id, np.zeros(0, dtype=np.int64))
        most = _lp_most(built, members, options)
        rows.append(
            [
                agreement.agreement_id,
                agreement.label,
                agreement.min_places,
                agreement.max_places,
                most,
                "yes" if most is not None and most < agreement.min_places else "no",
            ]
        )
    return pd.DataFrame(
        rows,
        columns=[
            "agreement_id",
            "agreement",
            "min_places",
            "max_places",
            "most_placeable",
            "minimum_out_of_reach",
        ],
    )


def _trust_frame(instance: Instance, built: PlacementModel, options: Options) -> pd.DataFrame:
    """Per trust: the sum of promised minimums against the most its wards can take."""
    promised: dict[str, int] = defaultdict(int)
    for agreement in instance.agreements or ():
        site = instance.site.get(agreement.site_id or "")
        trust = agreement.organisation or (site.organisation if site else None) or "?"
        promised[trust] += agreement.min_places
    rows = []
    for trust, minimum in sorted(promised.items()):
        wards = [
            w.ward_id
            for w in instance.wards
            if norm(instance.organisation_of(w.ward_id)) == norm(trust)
        ]
        columns = np.concatenate(
            [built.pairs.at_ward(w) for w in wards] or [np.zeros(0, dtype=np.int64)]
        )
        most = _lp_most(built, columns, options)
        rows.append([trust, minimum, most, "yes" if most is not None and most < minimum else "no"])
    return pd.DataFrame(
        rows, columns=["organisation", "sum_min_places", "most_placeable", "minimums_out_of_reach"]
    )


def _extra_supervisors(
    instance: Instance, options: Options, eligibility: Eligibility
) -> pd.DataFrame:
    """Extra supervisors per ward, profession and week that would place every placeable row.

    Each supervisors row of the model may stretch by whole supervisors (new
    columns); first as many rows as possible are placed, then the stretch is
    minimised. Only wards that already supervise the profession can stretch, by
    up to STRETCH_FACTOR times what they have; `max_students` still holds.
    """
    del eligibility  # the stretched instance has its own (same wards, more room)
    roomy = scale_supervisors(instance, dict.fromkeys(_professions(instance), STRETCH_FACTOR))
    roomy_eligibility = Eligibility(roomy, max_travel_km=options.max_travel_km)
    built = PlacementModel(
        roomy, options, roomy_eligibility, levels=["placements"], keep_all_supervisor_rows=True
    )
    original = CapacityGrid.build(instance)
    program = built.program
    blocks = program.family(SUPERVISORS)
    if not blocks:
        return _empty_extra()
    block = blocks[0]
    units = built.grid.units_per_supervisor
    grid = built.grid
    for r, key in enumerate(block.keys):
        ward_id, profession, week = cast(tuple[str, str, date], key)
        block.upper[r] = original.supervisor_units[
            grid.ward_index[ward_id], grid.profession_index[profession], grid.week_index[week]
        ]
    extra = program.add_columns(
        "extra_supervisors",
        np.zeros(block.num_rows, dtype=np.int64),
        np.full(block.num_rows, 10**6, dtype=np.int64),
    )
    _stretch(block, extra, units)
    placements = built.levels[0]
    stretch = Level(
        Objective("extra_supervisors", "min", extra, np.ones(len(extra), dtype=np.int64)),
        _complete_stretch(block, extra, units),
    )
    built.levels = [placements, stretch]
    result = LexicographicSolver(roomy, options, eligibility=roomy_eligibility, model=built).solve()
    if result.placements is None:
        return _empty_extra()
    x = built.complete(built.counts_of(result.placements))
    rows = []
    for r, key in enumerate(block.keys):
        if x[extra[r]] > 0:
            ward_id, profession, week = cast(tuple[str, str, date], key)
            rows.append(
                [ward_id, instance.ward[ward_id].site_id, profession, week, int(x[extra[r]])]
            )
    frame = pd.DataFrame(rows, columns=[*_EXTRA_COLUMNS])
    return frame.sort_values(["ward_id", "profession", "week_start"]).reset_index(drop=True)


STRETCH_FACTOR = 20
"""How far a ward's supervisors may stretch in the extra-supervisors plan."""


def _professions(instance: Instance) -> set[str]:
    return {row.profession for row in instance.supervisors}


_EXTRA_COLUMNS = ("ward_id", "site_id", "profession", "week_start", "extra_supervisors")


def _empty_extra() -> pd.DataFrame:
    return pd.DataFrame(columns=[*_EXTRA_COLUMNS])


def _stretch(block: RowBlock, extra: IntArray, units: int) -> None:
    """Rewrite each supervisors row `a.x <= cap` as `a.x - units * extra <= cap`, in place.

    Done before any backend sees the block.
    """
    ends = block.indptr[1:]
    block.indices = np.insert(block.indices, ends, extra).astype(np.int64)
    block.data = np.insert(block.data, ends, -units).astype(np.int64)
    block.indptr = (block.indptr + np.arange(block.num_rows + 1)).astype(np.int64)


def _complete_stretch(block: RowBlock, extra: IntArray, units: int) -> Completion:
    """Fills the stretch columns: the fewest whole supervisors each row needs beyond its cap."""

    def complete(x: IntArray) -> IntArray:
        x[extra] = 0
        over = block.activity(x) - block.upper
        x[extra] = np.maximum(0, np.ceil(over / units)).astype(np.int64)
        return x

    return complete
