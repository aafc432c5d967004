"""The base of every domain model: immutable, strict, and safe to copy."""

from __future__ import annotations

from collections.abc import Mapping
from functools import cached_property
from typing import Any, Self

from pydantic import BaseModel, ConfigDict


class FrozenModel(BaseModel):
    """Immutable pydantic model; unknown fields are an error.

    Derived lookups are `cached_property`s; `model_copy` drops them so a copy
    with changed fields never answers from the original's stale caches.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    def model_copy(self, *, update: Mapping[str, Any] | None = None, deep: bool = False) -> Self:
        """A copy with `update` applied; derived lookups are recomputed, never copied stale."""
        copied = super().model_copy(update=update, deep=deep)
        cached = [
            name
            for name in copied.__dict__
            if isinstance(getattr(type(copied), name, None), cached_property)
        ]
        for name in cached:
            del copied.__dict__[name]
        return copied
