"""The allocation: who is placed where, who is not and why, and how the run went."""

from __future__ import annotations

from functools import cached_property

from pydantic import Field

from placement.base import FrozenModel


class Placement(FrozenModel):
    """One student row placed at one ward for its whole period."""

    student_id: str
    period_id: str
    ward_id: str
    locked: bool = False

    @property
    def key(self) -> tuple[str, str]:
        return (self.student_id, self.period_id)


class Unplaced(FrozenModel):
    """One student row left without a placement, with a reason a coordinator can act on."""

    student_id: str
    period_id: str
    reason: str

    @property
    def key(self) -> tuple[str, str]:
        return (self.student_id, self.period_id)


class LevelResult(FrozenModel):
    """One objective level after solving: value reached and the best proven bound."""

    name: str
    sense: str  # "max" or "min"
    value: float | None = None
    bound: float | None = None
    status: str = ""  # OPTIMAL, FEASIBLE, NOT_SOLVED ...
    seconds: float = 0.0

    @property
    def gap(self) -> float | None:
        """Relative gap between value and bound (0 = proven optimal)."""
        if self.value is None or self.bound is None:
            return None
        diff = abs(self.bound - self.value)
        if diff < 1e-9:
            return 0.0
        return diff / max(abs(self.bound), abs(self.value), 1.0)


class RunInfo(FrozenModel):
    """How an allocation was produced: for the Run sheet and audits of appeals."""

    status: str
    levels: tuple[LevelResult, ...] = ()
    seconds: float = 0.0
    seed: int = 0
    workers: int = 1
    time_limit: float | None = None
    input_sha256: str = ""
    input_name: str = ""
    program_version: str = ""
    options: dict[str, str] = Field(default_factory=dict)
    notes: tuple[str, ...] = ()
    started: str = ""  # ISO timestamp


class Allocation(FrozenModel):
    """The result of a run: placements, unplaced rows with reasons, and run details."""

    placements: tuple[Placement, ...] = ()
    unplaced: tuple[Unplaced, ...] = ()
    run: RunInfo | None = None

    @cached_property
    def placement_of(self) -> dict[tuple[str, str], Placement]:
        """Placement per (student_id, period_id)."""
        return {p.key: p for p in self.placements}

    @property
    def num_placed(self) -> int:
        return len(self.placements)
