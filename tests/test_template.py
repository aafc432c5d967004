"""`placement template`: an empty workbook that the reader accepts once rows are added."""

from __future__ import annotations

from openpyxl import load_workbook

from placement import schema
from placement.io.read import read_instance
from placement.problems import InputError
from placement.template import write_template


def test_every_sheet_and_required_header_is_there(tmp_path):
    path = write_template(tmp_path / "t.xlsx")
    book = load_workbook(path)
    assert book.sheetnames[0] == "Instructions"
    for spec in schema.SHEETS:
        headers = [c.value for c in book[spec.name][1]]
        for column in spec.columns:
            assert column.name in headers, (spec.name, column.name)
        assert "preference_1" in headers or spec is not schema.STUDENTS


def test_header_comments_and_dropdowns(tmp_path):
    book = load_workbook(write_template(tmp_path / "t.xlsx"))
    ws = book["Programmes"]
    assert all(cell.comment is not None for cell in ws[1])
    kinds = {v.type for v in ws.data_validations.dataValidation}
    assert "list" in kinds  # profession: usual values offered
    assert "whole" in kinds  # students_per_supervisor >= 1
    dates = {v.type for v in book["Periods"].data_validations.dataValidation}
    assert "date" in dates


def test_norwegian_template_uses_aliases(tmp_path):
    book = load_workbook(write_template(tmp_path / "t.xlsx", language="nb"))
    assert book.sheetnames[0] == "Instruksjoner"
    assert "Studenter" in book.sheetnames
    assert "studieprogram" in [c.value for c in book["Studenter"][1]]


def test_empty_template_says_what_is_missing(tmp_path):
    # An empty template is not yet an instance: the reader names the empty required sheets.
    path = write_template(tmp_path / "t.xlsx")
    try:
        read_instance(path)
    except InputError as error:
        assert any(p.sheet == "Students" for p in error.problems)
    else:  # pragma: no cover - an empty template must never be accepted
        raise AssertionError("empty template accepted")
