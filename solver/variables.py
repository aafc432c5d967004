"""The decision variables: one integer per eligible (cohort, ward) pair, in one container.

`x[c, w]` is how many students of cohort `c` are placed at ward `w`. Pairs exist
only where hard rule 1 allows them (and the ward has room in every week of the
period), so rule 1 holds by construction.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cached_property

from ortools.sat.python import cp_model

from placement.capacity import CapacityLedger
from placement.instance import Instance
from solver.cohorts import Cohort


@dataclass(frozen=True)
class Pair:
    """One eligible (cohort, ward) pair and its variable."""

    index: int
    cohort: Cohort
    ward_id: str
    cost: int  # wish cost of one placement here
    rank: int | None
    var: cp_model.IntVar
    upper: int  # most students of the cohort that could ever go here


class PlacementVars:
    """All placement variables, with typed accessors by cohort, ward and agreement."""

    def __init__(
        self,
        model: cp_model.CpModel,
        instance: Instance,
        cohorts: list[Cohort],
        ledger: CapacityLedger,
    ) -> None:
        self.instance = instance
        self.cohorts = cohorts
        self.ledger = ledger
        self.pairs: list[Pair] = []
        self._by_cohort: list[list[Pair]] = [[] for _ in cohorts]
        self._by_ward: dict[str, list[Pair]] = defaultdict(list)
        self._by_key: dict[tuple[int, str], Pair] = {}
        for cohort in cohorts:
            for ward_id, rank, cost in zip(cohort.wards, cohort.ranks, cohort.costs, strict=True):
                upper = min(cohort.size, self._room(cohort, ward_id))
                if upper <= 0:
                    continue
                var = model.new_int_var(0, upper, f"x_{cohort.index}_{ward_id}")
                pair = Pair(len(self.pairs), cohort, ward_id, cost, rank, var, upper)
                self.pairs.append(pair)
                self._by_cohort[cohort.index].append(pair)
                self._by_ward[ward_id].append(pair)
                self._by_key[(cohort.index, ward_id)] = pair

    def _room(self, cohort: Cohort, ward_id: str) -> int:
        """Most students of `cohort` the ward could take if nobody else were there."""
        ward = self.instance.ward[ward_id]
        room = min(
            self.ledger.supervisor_units(ward_id, cohort.profession, week) // cohort.units
            for week in cohort.weeks
        )
        if ward.max_students is not None:
            room = min(room, ward.max_students)
        for agreement in self.ledger.agreements_for(cohort.needs[0], ward_id):
            if agreement.max_places is not None:
                room = min(room, agreement.max_places)
        return room

    # ---- accessors -----------------------------------------------------------------------------
    @property
    def num_pairs(self) -> int:
        return len(self.pairs)

    def of_cohort(self, cohort: Cohort) -> list[Pair]:
        """Pairs of one cohort (its eligible wards with room)."""
        return self._by_cohort[cohort.index]

    def at_ward(self, ward_id: str) -> list[Pair]:
        """Pairs at one ward."""
        return self._by_ward.get(ward_id, [])

    def pair(self, cohort: Cohort, ward_id: str) -> Pair | None:
        return self._by_key.get((cohort.index, ward_id))

    def wards(self) -> Iterator[str]:
        """Wards that have at least one pair."""
        return iter(self._by_ward)

    @cached_property
    def by_agreement(self) -> dict[str, list[Pair]]:
        """Pairs counted by each agreement (placements matching all its columns)."""
        out: dict[str, list[Pair]] = defaultdict(list)
        for pair in self.pairs:
            for agreement in self.ledger.agreements_for(pair.cohort.needs[0], pair.ward_id):
                out[agreement.agreement_id].append(pair)
        return out

    # ---- expressions ---------------------------------------------------------------------------
    def placed(self, cohort: Cohort) -> cp_model.LinearExprT:
        """Students of `cohort` placed anywhere."""
        return sum_of(self.of_cohort(cohort))

    def total_placed(self) -> cp_model.LinearExprT:
        return sum_of(self.pairs)


def sum_of(pairs: list[Pair], coefficients: list[int] | None = None) -> cp_model.LinearExpr:
    """Sum (or weighted sum) of the pairs' variables."""
    variables = [p.var for p in pairs]
    if coefficients is None:
        return cp_model.LinearExpr.sum(variables)
    return cp_model.LinearExpr.weighted_sum(variables, coefficients)
