"""ISO weeks: the time unit of capacity.

A week is identified by the date of its Monday. A period occupies every ISO
week it touches; a supervisor row counts in a week when its date range contains
that week's Monday (spec, Periods and Supervisors).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, timedelta

ONE_WEEK = timedelta(days=7)


def monday_of(day: date) -> date:
    """The Monday of the ISO week that contains `day`."""
    return day - timedelta(days=day.weekday())


def weeks_touched(start: date, end: date) -> tuple[date, ...]:
    """Mondays of every ISO week that the closed range [start, end] touches."""
    first, last = monday_of(start), monday_of(end)
    count = (last - first).days // 7 + 1
    return tuple(first + i * ONE_WEEK for i in range(max(count, 0)))


def week_label(monday: date) -> str:
    """ISO week label, e.g. `2026-W05`."""
    year, week, _ = monday.isocalendar()
    return f"{year}-W{week:02d}"


def week_number_range(mondays: Iterable[date]) -> str:
    """Compact human text for a set of weeks, e.g. `weeks 5-7, 9 (2026)`."""
    days = sorted(set(mondays))
    if not days:
        return "no weeks"
    runs: list[tuple[date, date]] = []
    for day in days:
        if runs and day - runs[-1][1] == ONE_WEEK:
            runs[-1] = (runs[-1][0], day)
        else:
            runs.append((day, day))
    parts = []
    for first, last in runs:
        a, b = first.isocalendar(), last.isocalendar()
        if first == last:
            parts.append(f"{a.week}")
        elif a.year == b.year:
            parts.append(f"{a.week}-{b.week}")
        else:
            parts.append(f"{a.week} ({a.year})-{b.week} ({b.year})")
    years = {d.isocalendar().year for d in days}
    noun = "week" if len(days) == 1 else "weeks"
    suffix = f" ({years.pop()})" if len(years) == 1 else ""
    return f"{noun} {', '.join(parts)}{suffix}"


def in_range(monday: date, start: date | None, end: date | None) -> bool:
    """True when a supervisor row with this date range counts in the week of `monday`."""
    return (start is None or start <= monday) and (end is None or monday <= end)
