"""The pre-scan's byte-search path (fastscan.py): on a plain sheet it gives exactly the full
walk's SheetScan, however the part is cut into chunks; on anything else it answers None and the
walk decides. Every case below is also checked against the walk itself."""

from __future__ import annotations

import io
import zipfile
from collections.abc import Iterator

import pytest

from service.config import Settings, get_settings
from service.imports import prescan as prescan_module
from service.imports.fastscan import plain_sheet
from service.imports.filecheck import FileRefusal
from service.imports.filecheck import SpreadsheetFormat as Format
from service.imports.package import DefusedParser
from service.imports.prescan import WorkbookScan, prescan
from service.imports.sheetscan import SheetScan, XlsxSheet
from tests.support.workbooks import MAIN_NS, raw_xlsx, rows_xml, sheet_xml, xlsx_bytes

HEADER: list[object] = ["SIREN", "Raison sociale", "Département du siège"]
ROWS: list[list[object]] = [
    HEADER,
    ["552081317", "Aurore & fils <f>", 75],
    ["732829320", "Emmaüs", 93.5],
]
X14_VALIDATION = (
    '<extLst><ext uri="{CCE6A557-97BC-4b89-ADB6-D9C93CAAB3DF}" xmlns:x14="http://schemas.'
    'microsoft.com/office/spreadsheetml/2009/9/main"><x14:dataValidations count="1" xmlns:xm='
    '"http://schemas.microsoft.com/office/excel/2006/main"><x14:dataValidation type="list">'
    "<x14:formula1><xm:f>Listes!$A$1:$A$9</xm:f></x14:formula1><xm:sqref>C2:C9</xm:sqref>"
    "</x14:dataValidation></x14:dataValidations></ext></extLst>"
)


def limits(**changes: int) -> Settings:
    return get_settings().model_copy(update=changes)


def walk(part: bytes, lim: Settings | None = None) -> SheetScan:
    state = XlsxSheet("Entités", lim or get_settings())
    state.parser = parser = DefusedParser(state)
    parser.feed(part)
    parser.close()
    return state.scan


def chunked(part: bytes, size: int) -> Iterator[bytes]:
    return (part[i : i + size] for i in range(0, len(part), size))


def fast(part: bytes, size: int = 65536, lim: Settings | None = None) -> SheetScan | None:
    return plain_sheet(chunked(part, size), "Entités", lim or get_settings())


def part_of(body: str, tail: str = "", **kwargs: str) -> bytes:
    xml = sheet_xml(body, **kwargs)
    return xml.replace("</worksheet>", f"{tail}</worksheet>").encode()


def not_plain(part: bytes) -> None:
    """The byte path declines at every cut into two chunks (and whole)."""
    assert fast(part) is None
    for cut in range(1, len(part)):
        assert plain_sheet(iter((part[:cut], part[cut:])), "Entités", get_settings()) is None


@pytest.mark.parametrize("size", [1, 2, 3, 7, 64, 65536])
def test_a_plain_sheet_scans_like_the_walk_whatever_the_chunks(size: int) -> None:
    part = part_of(rows_xml(ROWS) + '<row r="9" ht="30" customHeight="1"/>', tail=X14_VALIDATION)
    expected = walk(part)
    assert (expected.max_row, expected.max_column, expected.data_rows) == (3, 3, 3)
    assert fast(part, size) == expected


def test_every_cut_into_two_chunks_gives_the_same_scan() -> None:
    part = part_of(rows_xml(ROWS))
    expected = walk(part)
    for cut in range(1, len(part)):
        assert plain_sheet(iter((part[:cut], part[cut:])), "x", get_settings()) == SheetScan(
            "x", expected.max_row, expected.max_column, expected.data_rows
        )


def test_escaped_markup_in_texts_is_text() -> None:
    # « <f> » and « <c r="XFD1"> » typed in cells are written escaped: no formula, no cell.
    texts: list[list[object]] = [["<f>", '<c r="XFD1048576"><v>1</v></c>', "a & b", "x'y\"z"]]
    part = part_of(rows_xml(texts))
    assert b"&lt;f" in part and b"&lt;c r=" in part
    assert fast(part) == walk(part) == SheetScan("Entités", 1, 4, 1)


def test_cells_with_only_a_style_are_no_data_and_cost_nothing() -> None:
    # What the template pre-formats (openpyxl writes « <c r="A2" s="6" t="n" /> »), a styled
    # cell far away, a styled row without cells: not data, for the walk as for calamine.
    body = rows_xml([HEADER])
    body += '<row r="2"><c r="A2" s="6" t="n" /><c r="B2"><v>1</v></c><c r="C2" s="6"></c></row>'
    body += '<row r="3"><c r="A3" s="6" t="n" /><c r="F3" s="6" t="e"/></row><row r="4" s="2"/>'
    body += '<row r="1048576" s="2"><c r="XFD1048576" s="3"/></row>'
    part = part_of(body)
    expected = walk(part)
    assert (expected.max_row, expected.max_column, expected.data_rows) == (2, 3, 2)
    assert fast(part) == expected
    for cut in range(1, len(part)):
        assert plain_sheet(iter((part[:cut], part[cut:])), "Entités", get_settings()) == expected


def test_shared_strings_cells_are_plain() -> None:
    body = '<row r="1" spans="1:3"><c r="A1" t="s"><v>0</v></c><c r="C1" t="s"><v>1</v></c></row>'
    body += '<row r="7"><c r="B7" s="2" t="n"><v>3</v></c></row>'
    part = part_of(body)
    assert fast(part) == walk(part) == SheetScan("Entités", 7, 3, 2)


def test_what_excel_writes_is_plain() -> None:
    part = (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\r\n'
        f'<worksheet xmlns="{MAIN_NS}" xmlns:mc="http://schemas.openxmlformats.org/'
        'markup-compatibility/2006" xmlns:x14ac="http://schemas.microsoft.com/office/'
        'spreadsheetml/2009/9/ac" mc:Ignorable="x14ac"><dimension ref="A1:B2"/><sheetViews>'
        '<sheetView workbookViewId="0"/></sheetViews><sheetFormatPr defaultRowHeight="15" '
        'x14ac:dyDescent="0.25"/><sheetData><row r="1" spans="1:2" x14ac:dyDescent="0.25">'
        '<c r="A1" t="s"><v>0</v></c><c r="B1" s="1" t="s"><v>1</v></c></row>'
        '<row r="2" spans="1:2" ht="30" customHeight="1" x14ac:dyDescent="0.25">'
        '<c r="A2"><v>552081317</v></c><c r="B2" t="b"><v>1</v></c></row></sheetData>'
        '<pageMargins left="0.7" right="0.7" top="0.75" bottom="0.75" header="0.3" '
        f'footer="0.3"/>{X14_VALIDATION}</worksheet>'
    ).encode()
    assert fast(part) == walk(part) == SheetScan("Entités", 2, 2, 2)


@pytest.mark.parametrize(
    "cell",
    [
        '<c r="B2"><f>A2*2</f></c>',  # formula without cached value
        '<c r="B2"><f>A2*2</f><v>4</v></c>',  # with one: still the walk's to judge
        '<c r="B2"><f t="shared" si="0"/><v>4</v></c>',
        '<c r="B2" t="e"><v>#REF!</v></c>',
        "<c r='B2' t='e'><v>#REF!</v></c>",
        '<c r="B2" t = "e"><v>#REF!</v></c>',
        '<c r="B2"\tt="e"><v>#REF!</v></c>',
        '<c r="B2" t="&#101;"><v>#REF!</v></c>',
        '<c r="B2"><v/></c>',
        '<c r="B2" s="1"><v/></c>',
        '<c r="B2" s = "1"/>',
        '<c s="1" r="B2"><v>1</v></c>',  # reference not first
        "<c><v>1</v></c>",  # no reference
        '<c r="B02"><v>1</v></c>',
        '<c r="B2"><v>&#1;</v></c>',
        '<c r="B2" t="inlineStr"><is><t>&nbsp;</t></is></c>',  # undefined entity
        '<c r="B2"><v>1\x01</v></c>',  # a control byte: not XML
    ],
)
def test_anything_but_a_plain_cell_goes_to_the_walk(cell: str) -> None:
    part = part_of(rows_xml([HEADER]) + f'<row r="2"><c r="A2"><v>1</v></c>{cell}</row>')
    not_plain(part)


@pytest.mark.parametrize(
    "part",
    [
        # prefixed spreadsheetml elements (the walk reads local names in any namespace)
        (
            f'<?xml version="1.0"?><x:worksheet xmlns:x="{MAIN_NS}"><x:sheetData><x:row r="1">'
            '<x:c r="A1"><x:v>1</x:v></x:c></x:row></x:sheetData></x:worksheet>'
        ),
        (
            f'<worksheet xmlns="{MAIN_NS}" xmlns:x="{MAIN_NS}"><sheetData><row r="1">'
            '<c r="A1"><x:f>B1</x:f><v>1</v></c></row></sheetData></worksheet>'
        ),
        (
            f'<worksheet xmlns="{MAIN_NS}" xmlns:x="{MAIN_NS}"><sheetData><row r="1">'
            '<x:c r="A1"><v>1</v></x:c></row></sheetData></worksheet>'
        ),
        # a DTD, another encoding, a truncated part, invalid UTF-8
        f'<?xml version="1.0"?><!DOCTYPE r [<!ENTITY a "b">]><worksheet xmlns="{MAIN_NS}"/>',
        (
            f'<?xml version="1.0" encoding="ISO-8859-1"?><worksheet xmlns="{MAIN_NS}">'
            '<sheetData><row r="1"><c r="A1"><v>1</v></c></row></sheetData></worksheet>'
        ),
        f'<worksheet xmlns="{MAIN_NS}"><sheetData><row r="1"><c r="A1"><v>1</v></c></row>',
        # a cell after the sheet data
        (
            f'<worksheet xmlns="{MAIN_NS}"><sheetData><row r="1"><c r="A1"><v>1</v></c></row>'
            '</sheetData><c r="XFD1048576"><v>1</v></c></worksheet>'
        ),
    ],
)
def test_unusual_parts_go_to_the_walk(part: str) -> None:
    not_plain(part.encode())


def test_invalid_utf8_goes_to_the_walk() -> None:
    not_plain(part_of('<row r="1"><c r="A1" t="inlineStr"><is><t>\x00</t></is></c></row>'))
    bad = part_of('<row r="1"><c r="A1" t="inlineStr"><is><t>é</t></is></c></row>')
    not_plain(bad.replace("é".encode(), b"\xe9"))


def test_a_formula_marker_split_at_any_chunk_boundary_is_seen() -> None:
    # not_plain() cuts the part at every byte: « <f », « t="e" », « <x:f » straddle each cut.
    first = rows_xml([HEADER]) + '<row r="2"><c r="A2"><v>1</v></c>'
    not_plain(part_of(first + '<c r="B2"><f>A2</f></c></row>'))
    not_plain(part_of(first + '<c r="B2" t="e"><v>#N/A</v></c></row>'))
    prefixed = part_of(first + '<c r="B2"><x:f>A2</x:f><v>1</v></c></row>')
    not_plain(prefixed.replace(b"<worksheet ", b'<worksheet xmlns:x="urn:x" '))


def test_limits_are_checked_on_every_cell_reference() -> None:
    far_column = part_of('<row r="1"><c r="A1"><v>1</v></c><c r="GS1"><v>1</v></c></row>')
    assert fast(far_column, lim=limits(max_columns=200)) is None
    assert fast(far_column, lim=limits(max_columns=201)) == SheetScan("Entités", 1, 201, 1)
    rows = rows_xml([HEADER, *[[str(i)] for i in range(6)]])  # header + 6 data rows
    assert fast(part_of(rows), lim=limits(max_rows_per_file=5)) is None
    assert fast(part_of(rows), lim=limits(max_rows_per_file=6)) == SheetScan("Entités", 7, 3, 7)
    # the greatest column is the greatest of all cells, not of the last one of each row
    unordered = '<row r="1"><c r="C1"><v>1</v></c><c r="A1"><v>1</v></c></row>'
    assert fast(part_of(unordered)) == walk(part_of(unordered)) == SheetScan("Entités", 1, 3, 1)


def test_a_cell_off_its_rows_number_is_bounded_by_its_reference() -> None:
    # Only the first cell of a row is compared with the row's number (fastscan.py says why);
    # any other is still bounded by the limits on every reference.
    body = rows_xml([HEADER]) + '<row r="2"><c r="A2"><v>1</v></c><c r="B5"><v>1</v></c></row>'
    assert walk(part_of(body)).max_row == 5
    assert fast(part_of(body)) == SheetScan("Entités", 2, 3, 2)
    far = body.replace('r="B5"', 'r="B300000"')
    assert fast(part_of(far)) is None
    not_plain(part_of(rows_xml([HEADER]) + '<row r="2"><c r="A3"><v>1</v></c></row>'))


def test_a_cell_is_bounded_by_its_own_reference_not_its_rows() -> None:
    # calamine places a cell by its reference: the walk must bound that row, not the <row>'s.
    body = rows_xml([HEADER]) + '<row r="2"><c r="A1048576"><v>1</v></c></row>'
    data = raw_xlsx({"Entités": sheet_xml(body)})
    result = prescan(data, Format.XLSX)
    assert isinstance(result, FileRefusal) and result.code == "TROP_DE_LIGNES", result
    assert "ligne 1048576" in result.message


def test_prescan_of_an_openpyxl_workbook_takes_the_byte_path(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    rows: list[list[object]] = [HEADER, *[[f"55208131{i % 10}", f"N {i}", 75] for i in range(2000)]]
    data = xlsx_bytes({"Entités": rows, "Dispositifs": [["SIREN de l'entité"], ["552081317"]]})
    found: list[SheetScan | None] = []

    def recorded(chunks: Iterator[bytes], name: str, lim: Settings) -> SheetScan | None:
        found.append(plain_sheet(chunks, name, lim))
        return found[-1]

    monkeypatch.setattr(prescan_module, "plain_sheet", recorded)
    by_bytes = prescan(data, Format.XLSX)
    assert len(found) == 2 and None not in found
    monkeypatch.setattr(prescan_module, "plain_sheet", lambda *_: None)
    walked = prescan(data, Format.XLSX)
    assert isinstance(by_bytes, WorkbookScan) and isinstance(walked, WorkbookScan)
    assert by_bytes.sheets == walked.sheets
    assert by_bytes.sheets[0].data_rows == 2001
    with zipfile.ZipFile(io.BytesIO(by_bytes.package)) as package:
        assert package.namelist() == zipfile.ZipFile(io.BytesIO(walked.package)).namelist()
