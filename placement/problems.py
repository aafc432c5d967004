"""Problems found in input: each names the sheet, row, column, what was found and expected."""

from __future__ import annotations

import difflib
from collections.abc import Iterable
from dataclasses import dataclass


@dataclass(frozen=True)
class Problem:
    """One thing wrong (or worth a note) in an input file.

    `row` is the Excel row number as the coordinator sees it; `column` the header
    as written in the sheet (or the canonical name when the column is missing).
    """

    message: str
    sheet: str | None = None
    row: int | None = None
    column: str | None = None
    value: object = None
    expected: str = ""
    hint: str = ""
    severity: str = "error"  # "error" stops the run; "note" is printed and the run goes on

    @property
    def is_error(self) -> bool:
        return self.severity == "error"

    def where(self) -> str:
        """`Students, row 17, column period_id`, as far as known."""
        parts = []
        if self.sheet:
            parts.append(f"sheet {self.sheet}")
        if self.row is not None:
            parts.append(f"row {self.row}")
        if self.column:
            parts.append(f"column {self.column}")
        return ", ".join(parts)

    def __str__(self) -> str:
        text = self.message
        if self.value is not None and self.value != "" and _show(self.value) not in text:
            text += f" (found {_show(self.value)})"
        if self.expected:
            text += f"; expected {self.expected}"
        if self.hint:
            text += f". {self.hint}"
        where = self.where()
        return f"{where}: {text}" if where else text


class InputError(Exception):
    """Input that cannot be used; carries every problem found, not just the first."""

    def __init__(self, problems: Iterable[Problem]) -> None:
        self.problems = list(problems)
        errors = [p for p in self.problems if p.is_error]
        super().__init__(
            f"{len(errors)} problem(s) in the input" + (f": {errors[0]}" if errors else "")
        )


def did_you_mean(value: str, known: Iterable[str], limit: int = 3) -> str:
    """A hint naming the nearest known ids, or '' if none is close."""
    candidates = list(known)
    close = difflib.get_close_matches(value, candidates, n=limit, cutoff=0.5)
    if not close:
        folded = {c.casefold(): c for c in candidates}
        close = [
            folded[c]
            for c in difflib.get_close_matches(value.casefold(), folded, n=limit, cutoff=0.5)
        ]
    if not close:
        return ""
    return "Did you mean " + " or ".join(repr(c) for c in close) + "?"


def _show(value: object) -> str:
    text = repr(value) if isinstance(value, str) else str(value)
    return text if len(text) <= 60 else text[:57] + "..."
