"""Rows of a worksheet cut out of its XML (service/imports/sheetcut.py): what calamine reads of
the cut is what it reads of the same rows in the whole sheet, whatever the chunking; anything
but the plain kind of sheet is not cut (None), and open_source leaves a large sheet's rows to
the parts of the analysis only when it could cut it."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date

import pytest

from service.imports.columns import DISPOSITIFS, ENTITES
from service.imports.filecheck import FileRefusal, SpreadsheetFormat
from service.imports.prescan import prescan
from service.imports.reader import open_rows, open_workbook
from service.imports.repack import replace_sheet, sheet_chunks
from service.imports.sheetcut import cut_rows
from service.imports.sources import open_source
from tests.support.workbooks import MAIN_NS, raw_xlsx, rows_xml, sheet_xml, xlsx_bytes

HEADERS = ["SIREN de l'entité", "Nom du dispositif", "Type de dispositif", "Département"]


def _rows(n: int) -> list[list[object]]:
    """Numbers, text with markup characters, empty cells, dates: what a sheet holds."""
    return [
        [
            f"7328293{k % 100:02d}",
            f"CHRS <n°{k}> & « Les Lilas »" if k % 7 else None,
            "CHRS" if k % 3 else 12.5,
            date(2020, 1, 1 + k % 28) if k % 11 == 0 else "75",
        ]
        for k in range(n)
    ]


ENTITES_ROWS = [["SIREN", "Raison sociale", "Département du siège"], ["732829320", "Aurore", "75"]]
WORKBOOK = xlsx_bytes({"Entités": ENTITES_ROWS, "Dispositifs": [HEADERS, *_rows(300)]})


def _chunks(data: bytes, size: int) -> Iterator[bytes]:
    for start in range(0, len(data), size):
        yield data[start : start + size]


def _package() -> bytes:
    scan = prescan(WORKBOOK, SpreadsheetFormat.XLSX)
    assert not isinstance(scan, Exception) and hasattr(scan, "package")
    return scan.package  # type: ignore[union-attr]


def _read(package: bytes, first: int, last: int | None) -> list[tuple[str, int, dict[str, object]]]:
    scan = prescan(WORKBOOK, SpreadsheetFormat.XLSX)
    layouts = open_workbook(WORKBOOK, scan, (DISPOSITIFS,)).layouts  # type: ignore[arg-type]
    reader = open_rows(package, layouts)
    batches = reader.iter_rows(50, first=first, last=last)
    return [(r.sheet, r.line, r.cells) for batch in batches for r in batch]


@pytest.mark.parametrize("size", [1, 7, 64, 1000, 1 << 16])
@pytest.mark.parametrize(("first", "last"), [(2, 301), (2, 60), (61, 120), (250, 301), (300, 400)])
def test_the_cut_reads_as_the_same_rows_of_the_whole_sheet(
    size: int, first: int, last: int
) -> None:
    package = _package()
    xml = b"".join(sheet_chunks(package, "Dispositifs"))
    cut = cut_rows(_chunks(xml, size), first, last)
    assert cut is not None
    assert cut.count(b"<row") == len(range(first, min(last, 301) + 1))
    whole = _read(package, first, last)
    assert whole  # the range holds rows
    assert _read(replace_sheet(package, "Dispositifs", (cut,)), first, last) == whole


def test_the_header_alone() -> None:
    xml = b"".join(sheet_chunks(_package(), "Dispositifs"))
    cut = cut_rows(_chunks(xml, 100), 1, 1)
    assert cut is not None and cut.count(b"<row") == 1 and b"Nom du dispositif" in cut


def _sheet(body: str) -> bytes:
    return sheet_xml(body).encode()


@pytest.mark.parametrize(
    ("xml", "why"),
    [
        (
            sheet_xml(rows_xml([["a"], ["b"]])).replace("worksheet", "x:worksheet").encode(),
            "prefixed elements",
        ),
        (_sheet('<row r="1"><c r="A1"><v>1</v></c></row><row><c r="A2"><v>2</v></c></row>'), "row"),
        (_sheet(rows_xml([["a"]], 2) + rows_xml([["b"]], 4) + rows_xml([["c"]], 3)), "order"),
        (_sheet(""), "no row"),
        (_sheet(rows_xml([["a"], ["b"]])).replace(b"</sheetData></worksheet>", b""), "truncated"),
    ],
)
def test_what_is_not_plain_is_not_cut(xml: bytes, why: str) -> None:
    assert cut_rows(_chunks(xml, 13), 2, 5) is None, why


def test_a_large_sheet_is_left_to_the_parts_with_its_header_only() -> None:
    whole = open_source("offre.xlsx", WORKBOOK)
    split = open_source("offre.xlsx", WORKBOOK, split=DISPOSITIFS, split_above=100)
    assert (split.split_height, whole.split_height) == (301, 0)
    assert split.split_layout is not None
    assert split.split_layout.columns == whole.reader.layouts[1].columns  # type: ignore[union-attr]
    assert split.anomalies == whole.anomalies
    assert split.reader is not None and whole.reader is not None
    rows = [r for batch in split.reader.iter_rows(1000) for r in batch]
    assert {r.sheet for r in rows} == {ENTITES.name}  # the Dispositifs rows are the parts'
    assert split.package == whole.package  # the parts read the whole package


def _renumbered(body: str, moves: dict[int, int]) -> str:
    for old, new in moves.items():
        body = body.replace(f'<row r="{old}">', f'<row r="{new}">').replace(f'{old}"', f'{new}"')
    return body


@pytest.mark.parametrize("why", ["rows out of order", "a namespace prefix"])
def test_a_sheet_the_fast_path_did_not_take_is_read_whole(why: str) -> None:
    body = rows_xml([HEADERS, *_rows(200)])
    sheet = sheet_xml(body)
    if why == "rows out of order":  # three rows numbered back at 5, 6, 7
        sheet = sheet_xml(_renumbered(body, {182: 5, 183: 6, 184: 7}))
    else:
        sheet = sheet.replace("<worksheet xmlns=", f'<x:worksheet xmlns:x="{MAIN_NS}" xmlns=')
        sheet = sheet.replace("</worksheet>", "</x:worksheet>")
    data = raw_xlsx({"Entités": sheet_xml(rows_xml(ENTITES_ROWS)), "Dispositifs": sheet})
    opened = open_source("offre.xlsx", data)
    split = open_source("offre.xlsx", data, split=DISPOSITIFS, split_above=100)
    assert (split.split_height, split.split_layout) == (0, None), why
    assert split.anomalies == opened.anomalies
    assert opened.reader is not None and split.reader is not None
    assert [r.cells for b in split.reader.iter_rows() for r in b] == [
        r.cells for b in opened.reader.iter_rows() for r in b
    ]


def test_the_fast_path_says_whether_rows_come_in_order() -> None:
    body = rows_xml([HEADERS, *_rows(200)])
    for sheet, in_order in ((body, True), (_renumbered(body, {182: 5, 183: 6, 184: 7}), False)):
        data = raw_xlsx({"Dispositifs": sheet_xml(sheet)})
        scan = prescan(data, SpreadsheetFormat.XLSX, read=("Dispositifs",))
        assert not isinstance(scan, FileRefusal)
        assert scan.sheets[0].rows_in_order is in_order
