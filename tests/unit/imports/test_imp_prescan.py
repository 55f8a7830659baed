"""Streaming pre-scan (ARCHITECTURE.md §3.2, RELIABILITY-NOTES.md « Uploads »).

No test here hands a dangerous sheet to calamine: the cells-at-A1-and-XFD1048576 sheet would
abort the test process (SIGABRT).
"""

from __future__ import annotations

import io
import zipfile

import pytest
import python_calamine

from service.config import Settings, get_settings
from service.imports.filecheck import FileRefusal
from service.imports.filecheck import SpreadsheetFormat as Format
from service.imports.prescan import WorkbookScan, prescan
from tests.support.workbooks import (
    million_styled_rows_xlsx,
    ods_bytes,
    ods_rows,
    raw_xlsx,
    rows_xml,
    sheet_xml,
    xlsx_bytes,
    zip_bytes,
)

HEADER = ["SIREN", "Raison sociale"]
BILLION_LAUGHS = (
    '<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;">'
    '<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]>'
)
XXE = '<!DOCTYPE r [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>'


def limits(**changes: int) -> Settings:
    return get_settings().model_copy(update=changes)


def scanned(data: bytes, fmt: Format = Format.XLSX, lim: Settings | None = None) -> WorkbookScan:
    result = prescan(data, fmt, lim)
    assert isinstance(result, WorkbookScan), result
    return result


def refused(data: bytes, code: str, fmt: Format = Format.XLSX, **changes: int) -> FileRefusal:
    result = prescan(data, fmt, limits(**changes) if changes else None)
    assert isinstance(result, FileRefusal), result
    assert result.code == code, result
    return result


def one_sheet(body: str, **kwargs: str) -> bytes:
    return raw_xlsx({"Entités": sheet_xml(body, **kwargs)})


def test_counts_real_rows_and_columns() -> None:
    data = xlsx_bytes({"Entités": [HEADER, ["552081317", "A"], [None, None], [None, "B", 3]]})
    sheet = scanned(data).sheets[0]
    assert (sheet.name, sheet.max_row, sheet.max_column, sheet.data_rows) == ("Entités", 4, 3, 3)
    assert sheet.formulas_without_value == sheet.error_cells == []


def test_a_lying_dimension_is_ignored() -> None:
    body = rows_xml([HEADER, ["552081317", "A"], ["732829320", "B"]])
    sheet = scanned(one_sheet(body, dimension="A1:XFD1048576")).sheets[0]
    assert (sheet.max_row, sheet.max_column, sheet.data_rows) == (3, 2, 3)


def test_cells_at_a1_and_xfd1048576_are_refused_before_calamine() -> None:
    far = '<row r="1048576"><c r="XFD1048576"><v>1</v></c></row>'
    body = '<row r="1"><c r="A1"><v>1</v></c></row>' + far
    message = refused(one_sheet(body), "FICHIER_DANGEREUX").message
    assert "XFD1048576" in message and "Entités" in message


def test_a_cached_empty_formula_result_far_away_is_occupied_too() -> None:
    # calamine materialises it (and aborts on it at XFD1048576), so the scan counts it.
    body = '<row r="1"><c r="A1"><v>1</v></c><c r="XFD1" t="str"><f>""</f><v></v></c></row>'
    refused(one_sheet(body), "FICHIER_DANGEREUX")


def test_another_namespace_does_not_slip_past_the_scan() -> None:
    # calamine matches local names: a « Strict Open XML » (or any namespace) sheet is scanned.
    strict = (
        '<?xml version="1.0"?><worksheet xmlns="http://purl.oclc.org/ooxml/spreadsheetml/main">'
        '<sheetData><row r="1"><c r="A1"><v>1</v></c><c r="XFD1"><v>1</v></c></row>'
        "</sheetData></worksheet>"
    )
    refused(raw_xlsx({"Entités": strict}), "FICHIER_DANGEREUX")
    odd = (
        '<t:table-row xmlns:t="urn:autre"><t:table-cell t:number-columns-repeated="16384" '
        'office:value-type="float" office:value="1"/></t:table-row>'
    )
    refused(ods_bytes({"Entités": odd}), "FICHIER_DANGEREUX", Format.ODS)


def test_styled_empty_cells_far_away_cost_nothing() -> None:
    body = rows_xml([HEADER]) + '<row r="1048576" s="2"><c r="XFD1048576" s="3"/></row>'
    sheet = scanned(one_sheet(body)).sheets[0]
    assert (sheet.max_row, sheet.max_column, sheet.data_rows) == (1, 2, 1)


def test_a_million_styled_empty_rows_are_not_data() -> None:
    # How fast: bench/README.md (« classeur de 1 048 576 lignes stylées vides »).
    sheet = scanned(million_styled_rows_xlsx()).sheets[0]
    assert (sheet.max_row, sheet.data_rows) == (3, 3)


def test_more_data_rows_than_the_cap() -> None:
    rows = [HEADER] + [[f"55208131{i}", "x"] for i in range(6)]
    message = refused(one_sheet(rows_xml(rows)), "TROP_DE_LIGNES", max_rows_per_file=5).message
    assert "ligne 7" in message and "5 lignes" in message
    assert scanned(one_sheet(rows_xml(rows[:6])), lim=limits(max_rows_per_file=5))


def test_one_value_at_the_last_row_is_too_many_rows() -> None:
    body = rows_xml([HEADER]) + '<row r="1048576"><c r="A1048576"><v>0</v></c></row>'
    refused(one_sheet(body), "TROP_DE_LIGNES")


def test_data_beyond_the_column_cap() -> None:
    body = rows_xml([HEADER + [None] * 5 + ["trop loin"]])
    refused(one_sheet(body), "FICHIER_DANGEREUX", max_columns=6)


def test_formula_without_cached_value_and_error_cells_are_located() -> None:
    body = (
        rows_xml([HEADER])
        + '<row r="2"><c r="A2"><f>B2*2</f></c><c r="B2"><f>1+1</f><v></v></c>'
        + '<c r="C2" t="str"><f>""</f><v></v></c>'  # a cached empty text is a value
        + '<c r="D2" t="e"><f>Z99/0</f><v>#DIV/0!</v></c></row>'
        + '<row r="3"><c r="E3" t="e"><v>#REF!</v></c><c r="F3" t="e"><v>#N/A</v></c></row>'
    )
    sheet = scanned(one_sheet(body)).sheets[0]
    assert [(i.code, i.ref, i.row, i.column, i.value) for i in sheet.formulas_without_value] == [
        ("FORMULE_SANS_VALEUR", "A2", 2, 1, "=B2*2"),
        ("FORMULE_SANS_VALEUR", "B2", 2, 2, "=1+1"),
    ]
    assert [(i.code, i.ref, i.value) for i in sheet.error_cells] == [
        ("ERREUR_DE_FORMULE", "D2", "#DIV/0!"),
        ("ERREUR_DE_FORMULE", "E3", "#REF!"),
        ("ERREUR_DE_FORMULE", "F3", "#N/A"),
    ]


def test_openpyxl_formulas_have_no_cached_value() -> None:
    data = xlsx_bytes({"Dispositifs": [HEADER, ["552081317", '=A2&"x"']]})
    assert [i.ref for i in scanned(data).sheets[0].formulas_without_value] == ["B2"]


def test_billion_laughs_in_a_sheet_part() -> None:
    body = '<row r="1"><c r="A1" t="inlineStr"><is><t>&lol3;</t></is></c></row>'
    refused(one_sheet(body, prolog=BILLION_LAUGHS), "FICHIER_DANGEREUX")


def test_xxe_in_a_sheet_part() -> None:
    body = '<row r="1"><c r="A1" t="inlineStr"><is><t>&xxe;</t></is></c></row>'
    refused(one_sheet(body, prolog=XXE), "FICHIER_DANGEREUX")


def test_entities_in_the_workbook_part() -> None:
    data = raw_xlsx(
        {"Entités": sheet_xml(rows_xml([HEADER]))},
        extra_parts={"xl/workbook.xml": f"<?xml version='1.0'?>{BILLION_LAUGHS}<workbook/>"},
    )
    refused(data, "FICHIER_DANGEREUX")


def test_malformed_xml_is_unreadable() -> None:
    refused(raw_xlsx({"Entités": "<worksheet><sheetData><row>"}), "FICHIER_ILLISIBLE")
    bad_ref = sheet_xml('<row r="1"><c r="1A"><v>1</v></c></row>')
    refused(raw_xlsx({"Entités": bad_ref}), "FICHIER_ILLISIBLE")


def test_sheet_names_come_through_the_relationships() -> None:
    rels = (
        '<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/package/'
        '2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/'
        'officeDocument/2006/relationships/worksheet" Target="/xl/worksheets/sheet2.xml"/>'
        '<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
        'relationships/worksheet" Target="worksheets/sheet1.xml"/></Relationships>'
    )
    data = raw_xlsx(
        {"Entités": sheet_xml(rows_xml([HEADER])), "Dispositifs": sheet_xml(rows_xml([[1], [2]]))},
        extra_parts={"xl/_rels/workbook.xml.rels": rels},
    )
    sheets = {s.name: s.data_rows for s in scanned(data).sheets}
    assert sheets == {"Entités": 2, "Dispositifs": 1}


def test_calamine_gets_only_the_scanned_sheets() -> None:
    # calamine's own name → part mapping might differ from ours (duplicate ids, odd targets):
    # it is handed a package holding the sheets the scan bounded, and nothing else.
    far = '<row r="1"><c r="A1"><v>1</v></c></row>'
    far += '<row r="1048576"><c r="XFD1048576"><v>1</v></c></row>'
    data = raw_xlsx(
        {"Entités": sheet_xml(rows_xml([HEADER])), "Notes": sheet_xml(far)},
        extra_parts={"xl/worksheets/sheet9.xml": sheet_xml(far)},
    )
    scan = scanned(data)
    assert [s.name for s in scan.sheets] == ["Entités"]
    assert scan.sheet_names == ("Entités", "Notes")
    with zipfile.ZipFile(io.BytesIO(scan.package)) as package:
        parts = sorted(package.namelist())
        assert [p for p in parts if "worksheets/" in p] == ["xl/worksheets/sheet1.xml"]
        assert package.read("xl/worksheets/sheet1.xml") == sheet_xml(rows_xml([HEADER])).encode()
    book = python_calamine.CalamineWorkbook.from_filelike(io.BytesIO(scan.package))
    assert book.sheet_names == ["Entités"]
    assert book.get_sheet_by_name("Entités").to_python() == [HEADER]


def test_readme_values_resolve_shared_strings() -> None:
    readme: list[list[object]] = [["Mode d'emploi"], [None, "offre-temps1-v1"]]
    data = xlsx_bytes({"Entités": [list(HEADER)], " lisez-MOI ": readme})
    scan = scanned(data)
    assert scan.readme_values == {"A1": "Mode d'emploi", "B2": "offre-temps1-v1"}
    assert scan.sheets[0].values is None  # only the « Lisez-moi » keeps its values


def test_readme_values_are_dropped_when_the_sheet_is_large() -> None:
    data = xlsx_bytes({"Lisez-moi": [[f"ligne {i}"] for i in range(201)]})
    assert scanned(data).readme_values is None


def test_shared_strings_count_as_data_without_being_read() -> None:
    body = '<row r="1"><c r="A1" t="s"><v>0</v></c></row>'
    body += '<row r="9"><c r="C9" t="s"><v>1</v></c></row>'
    data = raw_xlsx({"Entités": sheet_xml(body)}, shared_strings=["SIREN", ""])
    sheet = scanned(data).sheets[0]
    assert (sheet.max_row, sheet.max_column, sheet.data_rows) == (9, 3, 2)


def test_csv_has_nothing_to_scan() -> None:
    assert scanned(b"SIREN;Nom\r\n", Format.CSV).sheets == ()


# --- ODS ---------------------------------------------------------------------------------------

EMPTY_TAIL = (
    '<table:table-row table:number-rows-repeated="1048574">'
    '<table:table-cell table:number-columns-repeated="16384"/></table:table-row>'
)


def test_ods_repeated_empty_rows_and_cells_cost_nothing() -> None:
    # 1,048,574 × 16,384 repeated cells: expanded, this would never end (pytest-timeout).
    data = ods_bytes({"Entités": ods_rows([HEADER, ["552081317", "A"]]) + EMPTY_TAIL})
    sheet = scanned(data, Format.ODS).sheets[0]
    assert (sheet.max_row, sheet.max_column, sheet.data_rows) == (2, 2, 2)


def test_ods_repeated_data_is_counted_not_expanded() -> None:
    row = '<table:table-row table:number-rows-repeated="3">' + ods_rows([["x", "y"]])[17:]
    sheet = scanned(ods_bytes({"Entités": ods_rows([HEADER]) + row}), Format.ODS).sheets[0]
    assert (sheet.max_row, sheet.data_rows) == (4, 4)
    huge = '<table:table-row table:number-rows-repeated="1048575">' + ods_rows([["x"]])[17:]
    refused(ods_bytes({"Entités": ods_rows([HEADER]) + huge}), "TROP_DE_LIGNES", Format.ODS)
    wide = (
        '<table:table-row><table:table-cell table:number-columns-repeated="16384" '
        'office:value-type="float" office:value="1"/></table:table-row>'
    )
    message = refused(ods_bytes({"Entités": wide}), "FICHIER_DANGEREUX", Format.ODS).message
    assert "XFD1" in message
    beyond = wide.replace('"16384"', '"1000000000"')  # past any column letter
    refused(ods_bytes({"Dispositifs": beyond}), "FICHIER_DANGEREUX", Format.ODS)


def test_ods_formula_without_value_and_errors() -> None:
    cells = (
        '<table:table-row><table:table-cell table:formula="of:=[.A1]*2"/>'
        '<table:table-cell table:formula="of:=1/0" office:value-type="string" '
        'office:string-value="" calcext:value-type="error"><text:p>#DIV/0!</text:p>'
        "</table:table-cell>"
        '<table:table-cell table:formula="of:=[.Z9]" office:value-type="string">'
        "<text:p>#REF!</text:p></table:table-cell>"
        '<table:table-cell table:formula="of:=&quot;&quot;" office:value-type="string" '
        'office:string-value=""/></table:table-row>'
    )
    sheet = scanned(ods_bytes({"Entités": ods_rows([HEADER]) + cells}), Format.ODS).sheets[0]
    assert [(i.ref, i.value) for i in sheet.formulas_without_value] == [("A2", "=[.A1]*2")]
    assert [(i.ref, i.value) for i in sheet.error_cells] == [("B2", "#DIV/0!"), ("C2", "#REF!")]


def test_ods_issue_list_is_capped_and_the_rest_counted() -> None:
    row = (
        '<table:table-row table:number-rows-repeated="15000"><table:table-cell '
        'table:formula="of:=1/0" calcext:value-type="error"><text:p>#DIV/0!</text:p>'
        "</table:table-cell></table:table-row>"
    )
    sheet = scanned(ods_bytes({"Dispositifs": row}), Format.ODS).sheets[0]
    assert len(sheet.error_cells) == 10_000 and sheet.omitted_issues == 5_000


def test_ods_comment_text_is_not_a_value_and_readme_is_read() -> None:
    note = (
        "<table:table-row><table:table-cell><office:annotation><text:p>une note</text:p>"
        "</office:annotation></table:table-cell></table:table-row>"
    )
    readme = ods_rows([["Mode d'emploi"], [None, None, "offre-temps1-v1"]])
    scan = scanned(ods_bytes({"Lisez-moi": readme + note}), Format.ODS)
    assert scan.readme_values == {"A1": "Mode d'emploi", "C2": "offre-temps1-v1"}
    assert scan.sheets[0].data_rows == 2


@pytest.mark.parametrize("prolog", [BILLION_LAUGHS, XXE])
def test_ods_dtd_is_refused(prolog: str) -> None:
    refused(ods_bytes({"S": ods_rows([HEADER])}, prolog=prolog), "FICHIER_DANGEREUX", Format.ODS)


def test_ods_without_content_is_unreadable() -> None:
    data = zip_bytes({"mimetype": "application/vnd.oasis.opendocument.spreadsheet"})
    refused(data, "FICHIER_ILLISIBLE", Format.ODS)
