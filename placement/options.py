"""Run options: from the Settings sheet, overridden by the command line.

Every option has a default so an empty Settings sheet (or none) works.
"""

from __future__ import annotations

import os
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

SETTING_ALIASES = {
    # Norwegian keys a coordinator may type in the Settings sheet
    "tidsgrense": "time_limit",
    "frø": "seed",
    "tråder": "workers",
    "kostnad_uten_ønske": "unranked_cost",
    "rettferdighet": "fairness",
    "maks_reise_km": "max_travel_km",
    "foretrekk_ny": "prefer_new",
}

FAIRNESS_MODES = ("total", "minimax")
PREFER_NEW = ("none", "site", "specialty")


class Options(BaseModel):
    """Options that shape a solve. Field names are the Settings sheet keys."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    time_limit: float = Field(default=60.0, gt=0, description="seconds for the whole solve")
    workers: int = Field(default=0, ge=0, description="solver threads; 0 = one per core")
    seed: int = Field(default=0, ge=0, description="random seed: same seed, same allocation")
    deterministic: bool = Field(
        default=True,
        description="reproducible search: the same input, options and seed give the same "
        "allocation (the time limit then only guards against runaway runs)",
    )
    unranked_cost: int = Field(
        default=10,
        ge=0,
        description="wish cost of a placement matching none of the student's wishes",
    )
    wish_costs: tuple[int, ...] = Field(
        default=(), description="cost of the 1st, 2nd, ... wish; default k-1 for the k-th"
    )
    fairness: Literal["total", "minimax"] = Field(
        default="total",
        description="total: minimise the total wish cost; minimax: first the number of "
        "students given none of their wishes and the worst wish rank given, then the total",
    )
    max_travel_km: float | None = Field(
        default=None,
        ge=0,
        description="hard limit on the distance from a student's home_location to the ward, "
        "except where a wish names the place (Programmes.max_travel_km overrides it)",
    )
    max_levels: int = Field(
        default=0,
        ge=0,
        description="optimise only the first this many objective levels (0 = all); e.g. 3 "
        "for placements, shortfall and wishes when time is short",
    )
    prefer_new: Literal["none", "site", "specialty"] = Field(
        default="none",
        description="after wishes, prefer a site (or a specialty) the student has not had "
        "before, by the History sheet",
    )

    @property
    def num_workers(self) -> int:
        """Solver threads to use (0 means one per available core)."""
        if self.workers:
            return self.workers
        return max(
            1,
            len(os.sched_getaffinity(0))
            if hasattr(os, "sched_getaffinity")
            else os.cpu_count() or 1,
        )

    def wish_cost(self, rank: int | None, has_wishes: bool) -> int:
        """Objective level 3 cost of one placement at a wish of this rank (None: no wish)."""
        if not has_wishes:
            return 0
        if rank is None:
            return self.unranked_cost
        if rank <= len(self.wish_costs):
            return self.wish_costs[rank - 1]
        return rank - 1

    def merged(self, **overrides: Any) -> Options:
        """A copy with the given (non-None) options replaced, validated."""
        values = self.model_dump()
        values.update({k: v for k, v in overrides.items() if v is not None})
        return Options.model_validate(values)


class SettingsError(ValueError):
    """A Settings sheet value that is not valid, naming the key."""

    def __init__(self, key: str, value: str, expected: str) -> None:
        super().__init__(f"setting {key!r}: {value!r} is not {expected}")
        self.key, self.value, self.expected = key, value, expected


def options_from_settings(settings: dict[str, str]) -> tuple[Options, list[str]]:
    """Parse Settings sheet keys into Options; unknown keys are returned as notes.

    Raises SettingsError naming the first key whose value is not valid.
    """
    known = set(Options.model_fields)
    values: dict[str, Any] = {}
    notes: list[str] = []
    for raw_key, raw_value in settings.items():
        key = SETTING_ALIASES.get(raw_key.strip().casefold(), raw_key.strip().casefold())
        key = key.replace(" ", "_")
        if key not in known:
            notes.append(f"Settings: key {raw_key!r} is not used by this version (ignored)")
            continue
        if key == "wish_costs":
            parts = [p.strip() for p in raw_value.split(",") if p.strip()]
            values[key] = tuple(parts)
        elif key in {"fairness", "prefer_new"}:
            values[key] = raw_value.strip().casefold()
        elif key == "max_travel_km" and not raw_value.strip():
            continue
        elif key == "deterministic":
            values[key] = raw_value.strip().casefold() in {"1", "true", "yes", "ja", "on"}
        else:
            values[key] = raw_value.strip()
    try:
        return Options.model_validate(values), notes
    except ValidationError as error:
        first = error.errors()[0]
        key = str(first["loc"][0]) if first["loc"] else "?"
        raise SettingsError(
            key, str(settings.get(key, values.get(key))), _expected(first["type"])
        ) from None


def _expected(error_type: str) -> str:
    if "int" in error_type:
        return "a whole number"
    if "float" in error_type or "number" in error_type:
        return "a number"
    if "greater" in error_type:
        return "a positive number"
    if "literal" in error_type:
        return (
            f"one of {', '.join(FAIRNESS_MODES)} (fairness) or {', '.join(PREFER_NEW)} (prefer_new)"
        )
    return "valid"
