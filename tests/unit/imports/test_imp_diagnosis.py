"""Real-world workbooks get the right diagnosis (issue 9, item 7): what calamine can read is
read, sheets the import does not need neither refuse nor cost anything, and « dangerous » is
kept for real attacks (XML bombs), whichever part of the package holds them."""

from __future__ import annotations

import io
import zipfile
from datetime import date
from xml.sax.saxutils import quoteattr

import openpyxl
import pytest
import python_calamine
import structlog
from openpyxl.chart import BarChart, Reference
from openpyxl.utils.datetime import CALENDAR_MAC_1904

from service.imports.filecheck import FileRefusal, SpreadsheetFormat, inspect_upload
from service.imports.prescan import UNREAD_ODS_CELLS, WorkbookScan, prescan
from service.imports.sources import OpenedSource, open_source
from tests.support.workbooks import (
    BILLION_LAUGHS,
    EXTERNAL_ENTITY,
    MAIN_CT,
    MAIN_NS,
    PKG_REL_NS,
    QUADRATIC_BLOWUP,
    REL_NS,
    SHEET_CT,
    ods_bytes,
    ods_rows,
    raw_xlsx,
    rewrite_zip,
    rows_xml,
    sheet_xml,
    with_prolog,
    zip_bytes,
)

ENTITES = [["SIREN", "Raison sociale", "Département du siège"], ["552081317", "Régie", "75"]]
DISPOSITIFS = [["SIREN de l'entité", "Nom du dispositif", "Type de dispositif", "Département"]]
SHEETS = {"Entités": sheet_xml(rows_xml(ENTITES)), "Dispositifs": sheet_xml(rows_xml(DISPOSITIFS))}
FAR = '<row r="1"><c r="A1"><v>1</v></c></row><row r="1048576"><c r="XFD1048576"><v>1</v></c></row>'


def opened(data: bytes, name: str = "offre.xlsx") -> OpenedSource:
    return open_source(name, data)


def codes(source: OpenedSource) -> list[str]:
    return [a.code for a in source.anomalies]


def rows(source: OpenedSource) -> list[tuple[str, int, object]]:
    return [(r.sheet, r.line, r.cells.get("siren")) for b in source.batches(100) for r in b]


def read_normally(source: OpenedSource, warnings: tuple[str, ...] = ()) -> None:
    assert not source.fatal, source.anomalies
    assert sorted(codes(source)) == sorted(warnings), source.anomalies
    assert rows(source) == [("Entités", 2, "552081317")]


# --- part names and the package's own relationships -------------------------------------------


def test_backslashes_in_part_names_are_read() -> None:
    # Some exporters write the Windows separator in ZIP names; calamine reads them.
    data = rewrite_zip(raw_xlsx(SHEETS), rename=lambda n: n.replace("/", "\\"))
    assert "xl\\workbook.xml" in zipfile.ZipFile(io.BytesIO(data)).namelist()
    read_normally(opened(data))


def test_the_same_part_under_two_spellings_is_ambiguous_and_refused() -> None:
    data = rewrite_zip(raw_xlsx(SHEETS), replace={"XL\\Workbook.xml": "<workbook/>"})
    assert codes(opened(data)) == ["FICHIER_DANGEREUX"]


def relocated(folder: str, main: str) -> bytes:
    """A package whose workbook is not at xl/workbook.xml: found through _rels/.rels."""
    listed = "".join(
        f'<sheet name={quoteattr(n)} sheetId="{i}" r:id="r{i}"/>' for i, n in enumerate(SHEETS, 1)
    )
    rels = "".join(
        f'<Relationship Id="r{i}" Type="{REL_NS}/worksheet" Target="feuilles/f{i}.xml"/>'
        for i in range(1, len(SHEETS) + 1)
    )
    overrides = "".join(
        f'<Override PartName="/{folder}/feuilles/f{i}.xml" ContentType="{SHEET_CT}"/>'
        for i in range(1, len(SHEETS) + 1)
    )
    return zip_bytes(
        {
            "[Content_Types].xml": '<?xml version="1.0"?><Types xmlns="http://schemas.'
            'openxmlformats.org/package/2006/content-types"><Default Extension="rels" '
            'ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
            f'<Override PartName="/{folder}/{main}" ContentType="{MAIN_CT}"/>{overrides}</Types>',
            "_rels/.rels": f'<?xml version="1.0"?><Relationships xmlns="{PKG_REL_NS}">'
            f'<Relationship Id="rId1" Type="{REL_NS}/officeDocument" Target="/{folder}/{main}"/>'
            "</Relationships>",
            f"{folder}/{main}": f'<?xml version="1.0"?><workbook xmlns="{MAIN_NS}" '
            f'xmlns:r="{REL_NS}"><sheets>{listed}</sheets></workbook>',
            f"{folder}/_rels/{main}.rels": f'<?xml version="1.0"?><Relationships '
            f'xmlns="{PKG_REL_NS}">{rels}</Relationships>',
            **{f"{folder}/feuilles/f{i}.xml": p for i, p in enumerate(SHEETS.values(), 1)},
        }
    )


@pytest.mark.parametrize(("folder", "main"), [("excel", "workbook.xml"), ("donnees", "book.xml")])
def test_a_relocated_package_is_found_through_its_relationships(folder: str, main: str) -> None:
    data = relocated(folder, main)
    info = inspect_upload("offre.xlsx", data)
    assert not isinstance(info, FileRefusal), info
    assert info.format is SpreadsheetFormat.XLSX
    read_normally(opened(data))


# --- sheets the import does not read ---------------------------------------------------------


def with_extra_sheet(name: str, rel_type: str | None, part: str, content: str) -> bytes:
    """raw_xlsx(SHEETS) plus a third sheet `name` whose relationship has `rel_type` (None: the
    sheet points at no relationship at all)."""
    base = raw_xlsx(SHEETS)
    archive = zipfile.ZipFile(io.BytesIO(base))
    workbook = archive.read("xl/workbook.xml").decode()
    rels = archive.read("xl/_rels/workbook.xml.rels").decode()
    workbook = workbook.replace(
        "</sheets>", f'<sheet name={quoteattr(name)} sheetId="3" r:id="rId3"/></sheets>'
    )
    if rel_type is not None:
        rels = rels.replace(
            "</Relationships>",
            f'<Relationship Id="rId3" Type="{rel_type}" Target="{part}"/></Relationships>',
        )
    return rewrite_zip(
        base,
        replace={
            "xl/workbook.xml": workbook,
            "xl/_rels/workbook.xml.rels": rels,
            f"xl/{part}": content,
        },
    )


def test_an_excel4_macro_sheet_is_ignored_with_a_warning() -> None:
    data = with_extra_sheet(
        "Macro1",
        "http://schemas.microsoft.com/office/2006/relationships/xlMacrosheet",
        "macrosheets/sheet1.xml",
        f'<xm:macrosheet xmlns="{MAIN_NS}" xmlns:xm="http://schemas.microsoft.com/office/excel/'
        '2006/main"><sheetData><row r="1"><c r="A1"><f>HALT()</f></c></row></sheetData>'
        "</xm:macrosheet>",
    )
    with pytest.raises(python_calamine.CalamineError):  # what the file got before
        python_calamine.CalamineWorkbook.from_filelike(io.BytesIO(data))
    source = opened(data, "offre.xlsm")
    read_normally(source, ("MACROS_IGNOREES", "FEUILLE_IGNOREE"))
    ignored = next(a for a in source.anomalies if a.code == "FEUILLE_IGNOREE")
    assert (ignored.feuille, ignored.ligne, ignored.severite) == ("Macro1", 0, "avertissement")
    assert ignored.message.startswith("Feuille Macro1 : c'est une feuille de macros Excel 4.0")


def test_a_chart_sheet_pointing_nowhere_is_ignored_with_a_warning() -> None:
    data = with_extra_sheet("Graphique", None, "chartsheets/sheet1.xml", "<chartsheet/>")
    with pytest.raises(python_calamine.CalamineError):
        python_calamine.CalamineWorkbook.from_filelike(io.BytesIO(data))
    read_normally(opened(data), ("FEUILLE_IGNOREE",))


def test_a_real_chart_sheet_is_ignored_with_a_warning() -> None:
    wb = openpyxl.Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = "Entités"
    for row in ENTITES:
        ws.append(row)
    wb.create_sheet("Dispositifs").append(DISPOSITIFS[0])
    chart = BarChart()
    chart.add_data(Reference(ws, min_col=3, min_row=1, max_row=2))
    wb.create_chartsheet("Graphique").add_chart(chart)
    out = io.BytesIO()
    wb.save(out)
    source = opened(out.getvalue())
    read_normally(source, ("FEUILLE_IGNOREE",))
    assert "une feuille graphique" in source.anomalies[0].message


def test_a_far_cell_on_a_sheet_the_import_does_not_read_is_harmless() -> None:
    data = raw_xlsx({**SHEETS, "Notes": sheet_xml(FAR)})
    read_normally(opened(data))
    scan = prescan(data, SpreadsheetFormat.XLSX)
    assert isinstance(scan, WorkbookScan)
    book = python_calamine.CalamineWorkbook.from_filelike(io.BytesIO(scan.package))
    assert book.sheet_names == ["Entités", "Dispositifs"]  # « Notes » never reaches calamine
    # The same cell on a sheet the import reads is still refused before calamine.
    assert codes(opened(raw_xlsx({**SHEETS, "Entités": sheet_xml(FAR)}))) == ["FICHIER_DANGEREUX"]


def test_a_far_cell_on_an_unread_ods_table_is_cut_before_calamine() -> None:
    far = (
        '<table:table-row table:number-rows-repeated="1048575"><table:table-cell '
        'office:value-type="float" office:value="1"><text:p>1</text:p></table:table-cell>'
        "</table:table-row><table:table-row><table:table-cell table:number-columns-repeated="
        '"16384" office:value-type="float" office:value="1"/></table:table-row>'
    )
    tables = {
        "Entités": ods_rows(ENTITES),
        "Notes": far,
        "Dispositifs": ods_rows(DISPOSITIFS),
        "Lisez-moi": ods_rows([["offre-temps1-v1"]]),
    }
    data = ods_bytes(tables)
    read_normally(opened(data, "offre.ods"))
    scan = prescan(data, SpreadsheetFormat.ODS)
    assert isinstance(scan, WorkbookScan)
    assert scan.sheet_names == ("Entités", "Notes", "Dispositifs", "Lisez-moi")
    assert scan.readme_values == {"A1": "offre-temps1-v1"}
    book = python_calamine.CalamineWorkbook.from_filelike(io.BytesIO(scan.package))
    assert book.sheet_names == ["Entités", "Dispositifs"]
    assert book.get_sheet_by_name("Entités").to_python() == ENTITES
    # Small unread tables (the template's own) are left alone: no copy of the package.
    small = ods_bytes({**tables, "Notes": ods_rows([["une note"]])})
    scan = prescan(small, SpreadsheetFormat.ODS)
    assert isinstance(scan, WorkbookScan) and scan.package == small
    assert UNREAD_ODS_CELLS < 16384 * 1_048_576


def test_a_workbook_of_1024_sheets() -> None:
    sheets = {**SHEETS, **{f"Feuil{i}": sheet_xml(rows_xml([[i]])) for i in range(1022)}}
    read_normally(opened(raw_xlsx(sheets)))


def test_dates_of_a_1904_workbook_keep_their_value() -> None:
    wb = openpyxl.Workbook()
    wb.epoch = CALENDAR_MAC_1904
    ws = wb.active
    assert ws is not None
    ws.title = "Dispositifs"
    ws.append([*DISPOSITIFS[0], "Date d'ouverture"])
    ws.append(["552081317", "CHRS", "CHRS", "75", date(2024, 3, 1)])
    wb.create_sheet("Entités").append(ENTITES[0])
    out = io.BytesIO()
    wb.save(out)
    source = opened(out.getvalue())
    (row,) = [r for b in source.batches(10) for r in b]
    assert row.cells["date_ouverture"] == date(2024, 3, 1)


def test_the_parsers_own_error_is_logged() -> None:
    body = rows_xml(ENTITES[:1]) + '<row r="2"><c r="A2" t="e"><v>#INCONNUE</v></c></row>'
    data = raw_xlsx({**SHEETS, "Entités": sheet_xml(body)})
    with structlog.testing.capture_logs() as logs:
        source = opened(data)
    assert codes(source) == ["FICHIER_ILLISIBLE"]
    (entry,) = [e for e in logs if e["event"] == "import.parser_error"]
    assert entry["sheet"] == "Entités" and "#INCONNUE" in entry["error"]


# --- XML bombs are dangerous wherever they are -----------------------------------------------

ATTACKS = pytest.mark.parametrize(
    "prolog", [BILLION_LAUGHS, QUADRATIC_BLOWUP, EXTERNAL_ENTITY], ids=["laughs", "quad", "xxe"]
)


@ATTACKS
@pytest.mark.parametrize(
    "part",
    [
        "xl/worksheets/sheet1.xml",
        "xl/sharedStrings.xml",
        "xl/styles.xml",
        "xl/workbook.xml",
        "[Content_Types].xml",
        "_rels/.rels",
        "docProps/app.xml",  # read by nobody: a DTD in a package is an attack anyway
    ],
)
def test_xml_bombs_in_any_xlsx_part(part: str, prolog: str) -> None:
    base = raw_xlsx(
        SHEETS,
        shared_strings=["Régie"],
        extra_parts={
            "xl/styles.xml": f'<?xml version="1.0"?><styleSheet xmlns="{MAIN_NS}"/>',
            "docProps/app.xml": '<?xml version="1.0"?><Properties/>',
        },
    )
    original = zipfile.ZipFile(io.BytesIO(base)).read(part)
    data = rewrite_zip(base, replace={part: with_prolog(original, prolog)})
    assert codes(opened(data)) == ["FICHIER_DANGEREUX"]
    refusal = inspect_upload("offre.xlsx", data)  # the API refuses it at upload already
    assert isinstance(refusal, FileRefusal) and refusal.code == "FICHIER_DANGEREUX"
    assert "DTD" in refusal.message


@ATTACKS
@pytest.mark.parametrize("part", ["content.xml", "META-INF/manifest.xml", "styles.xml"])
def test_xml_bombs_in_any_ods_part(part: str, prolog: str) -> None:
    base = rewrite_zip(
        ods_bytes({"Entités": ods_rows(ENTITES), "Dispositifs": ods_rows(DISPOSITIFS)}),
        replace={"styles.xml": '<?xml version="1.0"?><office:document-styles xmlns:office='
                 '"urn:oasis:names:tc:opendocument:xmlns:office:1.0"/>'},
    )  # fmt: skip
    original = zipfile.ZipFile(io.BytesIO(base)).read(part)
    data = rewrite_zip(base, replace={part: with_prolog(original, prolog)})
    assert codes(opened(data, "offre.ods")) == ["FICHIER_DANGEREUX"]
