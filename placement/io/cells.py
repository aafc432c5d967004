"""Turning one Excel cell into a typed value, or saying exactly what is wrong with it."""

from __future__ import annotations

import math
import re
import unicodedata
from datetime import date, datetime
from typing import Any

import pandas as pd

from placement.schema import KIND_EXPECTED, Kind

_INVISIBLE = dict.fromkeys(map(ord, "\u200b\u200c\u200d\ufeff\u2060"), None)
MAX_COUNT = 1_000_000
"""The largest whole number a count column takes; anything larger is a slip of the keyboard."""
_NORWEGIAN_DATE = re.compile(r"^(\d{1,2})\.(\d{1,2})\.(\d{4})$")


class CellError(ValueError):
    """A cell that does not hold what its column expects."""

    def __init__(self, message: str, expected: str) -> None:
        super().__init__(message)
        self.expected = expected


def clean_text(value: str) -> str:
    """Trim, collapse runs of whitespace (non-breaking spaces too), drop zero-width characters."""
    text = unicodedata.normalize("NFC", value.translate(_INVISIBLE)).replace("\xa0", " ")
    return " ".join(text.split())


def is_blank(value: Any) -> bool:
    """Empty cell: None, NaN/NaT, or only whitespace."""
    if value is None:
        return True
    if isinstance(value, float) and math.isnan(value):
        return True
    if isinstance(value, str):
        return not clean_text(value)
    try:
        return bool(pd.isna(value))
    except (TypeError, ValueError):
        return False


def number_text(value: float | int) -> str:
    """A number as an id: 12345.0 -> '12345', 1.5 -> '1.5'."""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def parse_cell(value: Any, kind: Kind) -> Any:
    """Convert a non-blank raw cell to the column's kind, or raise CellError."""
    expected = KIND_EXPECTED[kind]
    if isinstance(value, bool):
        raise CellError("a TRUE/FALSE value", expected)
    if kind in (Kind.ID, Kind.TEXT):
        if isinstance(value, (int, float)):
            return number_text(value)
        if isinstance(value, (datetime, date)):
            raise CellError("a date", expected)
        return clean_text(str(value))
    if kind == Kind.LIST:
        if isinstance(value, (int, float)):
            return (number_text(value),)
        if isinstance(value, (datetime, date)):
            raise CellError("a date", expected)
        return tuple(
            item for item in (clean_text(part) for part in re.split(r"[,;]", str(value))) if item
        )
    if kind in (Kind.INT, Kind.POSITIVE_INT):
        number = _as_number(value, expected)
        if not float(number).is_integer():
            raise CellError("a fraction", expected)
        whole = int(number)
        minimum = 1 if kind == Kind.POSITIVE_INT else 0
        if whole < minimum:
            raise CellError("a negative number" if whole < 0 else "zero", expected)
        if whole > MAX_COUNT:
            raise CellError(f"a number larger than {MAX_COUNT:,}", expected)
        return whole
    if kind == Kind.NUMBER:
        return float(_as_number(value, expected))
    if kind == Kind.DATE:
        return _as_date(value, expected)
    raise AssertionError(kind)


def _as_number(value: Any, expected: str) -> float:
    if isinstance(value, (int, float)):
        if isinstance(value, float) and not math.isfinite(value):
            raise CellError("not a finite number", expected)
        return value
    if isinstance(value, (datetime, date)):
        raise CellError("a date", expected)
    text = clean_text(str(value)).replace(" ", "")
    if re.fullmatch(r"[+-]?\d+(?:[.,]\d+)?", text):
        return float(text.replace(",", "."))
    raise CellError("text", expected)


def _as_date(value: Any, expected: str) -> date:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if hasattr(value, "to_pydatetime"):  # pandas Timestamp
        result: date = value.to_pydatetime().date()
        return result
    if isinstance(value, (int, float)):
        raise CellError("a number (format the cell as a date, or write YYYY-MM-DD)", expected)
    text = clean_text(str(value))
    try:
        return (
            date.fromisoformat(text[:10])
            if len(text) >= 10 and text[4] == "-"
            else (_norwegian_date(text))
        )
    except ValueError:
        raise CellError("text that is not a date", expected) from None


def _norwegian_date(text: str) -> date:
    """Accept 31.01.2026 as well, the way Norwegian Excel shows dates."""
    match = _NORWEGIAN_DATE.match(text)
    if not match:
        raise ValueError(text)
    day, month, year = (int(g) for g in match.groups())
    return date(year, month, day)
