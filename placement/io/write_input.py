"""Write an `Instance` back out as a format-1 input workbook.

Used by `placement demo` (synthetic regions), by tests (build an instance in
code, write it, read it back) and by the benchmark scenario generators.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any

from openpyxl import Workbook

from placement import schema
from placement.instance import Instance
from placement.io.atomic import atomic_path
from placement.io.style import write_table_sheet


def instance_rows(instance: Instance) -> dict[str, list[dict[str, Any]]]:
    """Rows per sheet (canonical sheet and column names), as the workbook holds them."""
    max_wishes = max((len(n.preferences) for n in instance.needs), default=0)

    def join(items: Iterable[str]) -> str | None:
        items = list(items)
        return ", ".join(items) if items else None

    students = []
    for n in instance.needs:
        row: dict[str, Any] = {
            "student_id": n.student_id,
            "name": n.name or None,
            "programme_id": n.programme_id,
            "period_id": n.period_id,
            "specialty": n.specialty,
        }
        for k in range(max_wishes):
            row[f"preference_{k + 1}"] = (
                n.preferences[k] or None if k < len(n.preferences) else None
            )
        row.update(
            {
                "requires": join(n.requires),
                "avoid": join(n.avoid),
                "group_id": n.group_id,
                "locked_ward": n.locked_ward,
                "home_location": n.home_location,
            }
        )
        students.append(row)
    rows: dict[str, list[dict[str, Any]]] = {
        "Institutions": [i.model_dump() for i in instance.institutions],
        "Programmes": [
            {
                k: v
                for k, v in p.model_dump().items()
                if k != "max_travel_km"
                or any(q.max_travel_km is not None for q in instance.programmes)
            }
            for p in instance.programmes
        ],
        "Periods": [p.model_dump() for p in instance.periods],
        "Sites": [s.model_dump() for s in instance.sites],
        "Wards": [
            {
                **w.model_dump(),
                "specialties": join(w.specialties),
                "professions": join(w.professions),
                "tags": join(w.tags),
            }
            for w in instance.wards
        ],
        "Supervisors": [s.model_dump() for s in instance.supervisors],
        "Students": students,
    }
    if instance.agreements is not None:
        rows["Agreements"] = [
            {k: v for k, v in a.model_dump().items() if k != "agreement_id"}
            for a in instance.agreements
        ]
    if instance.history:
        rows["History"] = [h.model_dump() for h in instance.history]
    if instance.locations:
        rows["Locations"] = [loc.model_dump() for loc in instance.locations]
    if instance.settings:
        rows["Settings"] = [{"key": k, "value": v} for k, v in instance.settings.items()]
    if instance.costs:
        rows["Costs"] = [
            {"profession": k, "cost_per_student_week": v} for k, v in instance.costs.items()
        ]
    return rows


def write_instance(
    instance: Instance, path: str | Path, *, language: str = "en", force: bool = True
) -> Path:
    """Write `instance` as an input workbook; `language="nb"` uses the Norwegian names."""
    path = Path(path)
    workbook = Workbook()
    workbook.remove(workbook.active)
    rows = instance_rows(instance)
    for spec in schema.SHEETS:
        data = rows.get(spec.name)
        if data is None:
            continue
        columns = _columns(spec, data)
        headers = [_header(spec, c, language) for c in columns]
        title = spec.alias if language == "nb" else spec.name
        write_table_sheet(workbook, title, headers, ([r.get(c) for c in columns] for r in data))
    with atomic_path(path, force=force) as tmp:
        workbook.save(tmp)
    return path


def _columns(spec: schema.Sheet, rows: list[dict[str, Any]]) -> list[str]:
    known = [c.name for c in spec.columns]
    present = list(dict.fromkeys(k for r in rows for k in r)) if rows else known
    ordered = [c for c in present if c in known or c.startswith("preference_")]
    required = [c.name for c in spec.columns if c.required and c.name not in ordered]
    return required + ordered


def _header(spec: schema.Sheet, column: str, language: str) -> str:
    if language != "nb":
        return column
    if column.startswith("preference_"):
        return "ønske_" + column.removeprefix("preference_")
    return spec.column(column).alias
