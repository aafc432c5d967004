"""What pandas does not tell about an .xlsx file: error cells, merged cells, hidden sheets.

pandas (with calamine) reads Excel error cells such as `#REF!` as blanks, a
formula whose result was never saved (a file written by a program, not by Excel)
as a blank too, and says nothing about merged ranges, so one pass over the
package's XML finds them.
It also tells a real workbook from a CSV, PDF, old .xls or encrypted file that
merely has an .xlsx name.
"""

from __future__ import annotations

import re
import zipfile
import zlib
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

_OLE_SIGNATURE = bytes.fromhex("D0CF11E0A1B11AE1")
_ZIP_SIGNATURE = b"PK\x03\x04"

_SHEET = re.compile(rb"<(?:\w+:)?sheet\b([^>]*)/?>")
_ATTR = re.compile(rb'([\w:]+)="([^"]*)"')
_RELATIONSHIP = re.compile(rb"<(?:\w+:)?Relationship\b([^>]*)/?>")
_MERGE = re.compile(rb'<(?:\w+:)?mergeCell\s+ref="([A-Z]+\d+):([A-Z]+\d+)"')
_ERROR_CELL = re.compile(
    rb'<(?:\w+:)?c\b(?=[^>]*\bt="e")[^>]*\br="([A-Z]+)(\d+)"[^>]*>.*?<(?:\w+:)?v>([^<]*)</',
    re.S,
)
_FORMULA_CELL = re.compile(
    rb"<(?:\w+:)?c\b([^>]*?)(?:/>|(?<!/)>(.*?)</(?:\w+:)?c>)",
    re.S,
)
_FORMULA = re.compile(rb"<(?:\w+:)?f\b[^>]*?(?:/>|>([^<]*)</(?:\w+:)?f>)")
_VALUE = re.compile(rb"<(?:\w+:)?v>([^<]*)</(?:\w+:)?v>")


class NotAWorkbookError(Exception):
    """The file cannot be read as an .xlsx workbook; the message says what it is instead."""


@dataclass
class SheetMeta:
    """Facts about one sheet that pandas does not report."""

    name: str
    hidden: bool = False
    merged: list[tuple[int, int, int, int]] = field(
        default_factory=list
    )  # r1, c1, r2, c2 (0-based)
    errors: dict[tuple[int, int], str] = field(default_factory=dict)  # (row, col) 0-based -> #REF!
    unsaved_formulas: dict[tuple[int, int], str] = field(
        default_factory=dict
    )  # (row, col) 0-based -> "=A1+1": formulas with no saved result


def column_index(letters: str) -> int:
    """0-based column index of Excel column letters (A -> 0, AA -> 26)."""
    index = 0
    for ch in letters:
        index = index * 26 + (ord(ch) - 64)
    return index - 1


def column_letter(index: int) -> str:
    """Excel column letters of a 0-based column index."""
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def check_signature(path: Path) -> None:
    """Raise NotAWorkbookError with a plain explanation unless `path` looks like an .xlsx file."""
    with path.open("rb") as handle:
        head = handle.read(2048)
    if head.startswith(_ZIP_SIGNATURE):
        return
    if head.startswith(_OLE_SIGNATURE):
        with path.open("rb") as handle:
            content = handle.read()
        if "EncryptedPackage".encode("utf-16-le") in content:
            raise NotAWorkbookError(
                "the workbook is password-protected (encrypted); open it in Excel, remove the "
                "password (File > Info > Protect Workbook) and save it again as .xlsx"
            )
        raise NotAWorkbookError(
            "this is an old Excel 97-2003 file (.xls); open it in Excel and save it as an "
            "Excel Workbook (.xlsx)"
        )
    if not head:
        raise NotAWorkbookError("the file is empty")
    if head.startswith(b"%PDF"):
        raise NotAWorkbookError("this is a PDF file, not an Excel workbook")
    text = head.decode("utf-8", errors="ignore")
    if head.lstrip().startswith((b"<html", b"<!DOCTYPE", b"<?xml")):
        raise NotAWorkbookError("this is an HTML or XML file, not an Excel workbook")
    if "," in text or ";" in text or "\t" in text:
        raise NotAWorkbookError(
            "this looks like a CSV or text file, not an Excel workbook; open it in Excel and "
            "save it as an Excel Workbook (.xlsx)"
        )
    raise NotAWorkbookError("this is not an Excel workbook (.xlsx)")


def scan(path: Path) -> dict[str, SheetMeta]:
    """Per sheet name: hidden state, merged ranges and error cells.

    Raises NotAWorkbookError when the zip is damaged or is not a spreadsheet package.
    """
    try:
        with zipfile.ZipFile(path) as package:
            names = set(package.namelist())
            if "xl/workbook.xml" not in names:
                raise NotAWorkbookError(
                    "the file is a zip archive but not an Excel workbook (no xl/workbook.xml)"
                )
            bad = package.testzip()
            if bad is not None:
                raise NotAWorkbookError(f"the workbook file is damaged (part {bad} is corrupt)")
            workbook = package.read("xl/workbook.xml")
            rels = (
                package.read("xl/_rels/workbook.xml.rels")
                if ("xl/_rels/workbook.xml.rels" in names)
                else b""
            )
            targets = {}
            for match in _RELATIONSHIP.finditer(rels):
                attrs = dict(_ATTR.findall(match.group(1)))
                if b"Id" in attrs and b"Target" in attrs:
                    targets[attrs[b"Id"].decode()] = attrs[b"Target"].decode()
            sheets: dict[str, SheetMeta] = {}
            for match in _SHEET.finditer(workbook):
                attrs = dict(_ATTR.findall(match.group(1)))
                name = _unescape(attrs.get(b"name", b"").decode("utf-8"))
                meta = SheetMeta(name, hidden=attrs.get(b"state", b"visible") != b"visible")
                rel_id = next((v.decode() for k, v in attrs.items() if k.endswith(b":id")), None)
                target = targets.get(rel_id or "")
                if target:
                    part = (
                        target.lstrip("/")
                        if target.startswith("/")
                        else str(PurePosixPath("xl") / target)
                    )
                    if part in names:
                        _scan_sheet(package.read(part), meta)
                sheets[name] = meta
            return sheets
    except zipfile.BadZipFile as error:
        raise NotAWorkbookError(f"the workbook file is damaged or truncated ({error})") from None
    except (OSError, EOFError, ValueError, KeyError, zlib.error) as error:
        raise NotAWorkbookError(f"the workbook file is damaged ({error})") from None
    except (NotImplementedError, RuntimeError) as error:  # unknown compression, zip password
        raise NotAWorkbookError(f"the workbook file cannot be unpacked ({error})") from None


def _scan_sheet(xml: bytes, meta: SheetMeta) -> None:
    for match in _MERGE.finditer(xml):
        (c1, r1), (c2, r2) = (_split_ref(match.group(1)), _split_ref(match.group(2)))
        meta.merged.append((r1, c1, r2, c2))
    if b't="e"' in xml:
        for match in _ERROR_CELL.finditer(xml):
            col = column_index(match.group(1).decode())
            row = int(match.group(2)) - 1
            meta.errors[(row, col)] = _unescape(match.group(3).decode())
    if b"<f" in xml or b":f>" in xml:
        for match in _FORMULA_CELL.finditer(xml):
            body = match.group(2) or b""
            formula = _FORMULA.search(body)
            if formula is None:
                continue
            attrs = dict(_ATTR.findall(match.group(1)))
            value = _VALUE.search(body)
            if value is not None and (value.group(1) or attrs.get(b"t") == b"str"):
                continue  # a saved result (an empty text result is a blank cell)
            ref = re.fullmatch(rb"([A-Z]+)(\d+)", attrs.get(b"r", b""))
            if ref is None:
                continue
            col, row = column_index(ref.group(1).decode()), int(ref.group(2)) - 1
            text = _unescape((formula.group(1) or b"").decode("utf-8", errors="replace"))
            meta.unsaved_formulas[(row, col)] = "=" + text if text else ""  # "": shared


def _split_ref(ref: bytes) -> tuple[int, int]:
    m = re.match(rb"([A-Z]+)(\d+)", ref)
    assert m is not None
    return column_index(m.group(1).decode()), int(m.group(2)) - 1


def _unescape(text: str) -> str:
    return (
        text.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", '"')
        .replace("&apos;", "'")
        .replace("&amp;", "&")
    )
