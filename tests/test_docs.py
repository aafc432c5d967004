"""The coordinator documentation names every sheet and column the reader knows."""

from __future__ import annotations

from pathlib import Path

from placement import schema
from placement.options import Options

DOCS = Path(__file__).resolve().parents[1] / "docs" / "workbook.md"


def test_every_sheet_and_column_is_documented_with_an_example_row():
    text = DOCS.read_text(encoding="utf-8")
    for sheet in schema.SHEETS:
        assert f"## {sheet.name} ({sheet.alias})" in text, sheet.name
        section = text.split(f"## {sheet.name} ({sheet.alias})")[1].split("\n## ")[0]
        table = [line for line in section.splitlines() if line.startswith("|")]
        assert len(table) >= 3, f"{sheet.name}: header, rule and an example row"
        for column in sheet.columns:
            assert column.name in table[0], (sheet.name, column.name)


def test_every_setting_is_documented():
    text = DOCS.read_text(encoding="utf-8")
    for key in Options.model_fields:
        assert f"`{key}`" in text, key
