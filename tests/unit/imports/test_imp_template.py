"""The Temps 1 template (IMPORT-FORMAT.md « Workbook 1 »): read back with openpyxl, calamine,
and the reader's pre-scan (the LibreOffice round trip: tests/e2e/test_libreoffice_roundtrip.py)."""

from __future__ import annotations

import io
import zipfile
from datetime import date

import openpyxl
import pytest
import python_calamine
from openpyxl.utils import get_column_letter
from openpyxl.workbook.workbook import Workbook
from openpyxl.worksheet.worksheet import Worksheet

from service.config import Settings
from service.imports.columns import (
    DISPOSITIFS,
    ENTITES,
    STATE_ONLY_FIELDS,
    TEMPLATE_VERSION,
    Kind,
    Sheet,
)
from service.imports.filecheck import SpreadsheetFormat
from service.imports.prescan import README_MAX_CELLS, WorkbookScan, prescan
from service.imports.template import FORMATTED_ROWS, TEXT_KINDS, Prefill, build_template
from service.referentiels.listes import FINANCEURS, FORMES_JURIDIQUES, PUBLICS
from service.referentiels.reference_data import departements, types
from tests.support.template_checks import (
    EXPECTED_LISTS,
    MARKER_PREFIX,
    SHEETS,
    headers,
    letters,
    marker_cells,
    validations,
)


@pytest.fixture(scope="module")
def template() -> bytes:
    return build_template()


@pytest.fixture(scope="module")
def wb(template: bytes) -> Workbook:
    return openpyxl.load_workbook(io.BytesIO(template))


def test_sheets_in_order_and_listes_hidden(wb: Workbook) -> None:
    assert wb.sheetnames == ["Lisez-moi", "Entités", "Dispositifs", "Listes"]
    assert [ws.sheet_state for ws in wb.worksheets] == ["visible", "visible", "visible", "hidden"]
    assert wb.active is not None and wb.active.title == "Lisez-moi"


@pytest.mark.parametrize("sheet", SHEETS, ids=lambda s: s.name)
def test_headers_are_exactly_the_contract(wb: Workbook, sheet: Sheet) -> None:
    ws = wb[sheet.name]
    assert headers(ws) == [c.header for c in sheet.columns]
    assert all(c.font.bold for c in ws[1])
    assert ws.freeze_panes == "A2"
    assert all((ws.column_dimensions[x].width or 0) >= 10 for x in letters(ws))


@pytest.mark.parametrize("sheet", SHEETS, ids=lambda s: s.name)
def test_each_header_comment_gives_format_and_obligation(wb: Workbook, sheet: Sheet) -> None:
    ws = wb[sheet.name]
    for cell, column in zip(ws[1], sheet.columns, strict=True):
        assert cell.comment is not None, column.header
        text = cell.comment.text
        assert text.startswith("Obligatoire." if column.required else "Facultatif."), text
        assert column.help in text
        assert ("services de l'État" in text) is (column.field in STATE_ONLY_FIELDS)


@pytest.mark.parametrize("sheet", SHEETS, ids=lambda s: s.name)
def test_no_example_rows(template: bytes, wb: Workbook, sheet: Sheet) -> None:
    ws = wb[sheet.name]
    assert all(c.value is None for row in ws.iter_rows(min_row=2) for c in row)
    book = python_calamine.CalamineWorkbook.from_filelike(io.BytesIO(template))
    rows = book.get_sheet_by_name(sheet.name).to_python()
    assert rows == [[c.header for c in sheet.columns]]


@pytest.mark.parametrize("sheet", SHEETS, ids=lambda s: s.name)
def test_identifier_columns_are_text_formatted(wb: Workbook, sheet: Sheet) -> None:
    ws = wb[sheet.name]
    for index, column in enumerate(sheet.columns, start=1):
        letter = get_column_letter(index)
        text = column.kind in TEXT_KINDS
        for row in (2, 500, FORMATTED_ROWS + 1):
            assert (ws[f"{letter}{row}"].number_format == "@") is text, (column.header, row)
        # The column style covers rows typed below the formatted ones.
        assert (ws.column_dimensions[letter].number_format == "@") is text, column.header
    kinds = {c.kind for c in sheet.columns if c.kind in TEXT_KINDS}
    expected = {Kind.SIREN, Kind.DEPARTEMENT} | (
        {Kind.IDENTIFIANT, Kind.SIRET, Kind.FINESS_LIST} if sheet is DISPOSITIFS else set()
    )
    assert expected <= kinds


def test_listes_hold_every_closed_list(wb: Workbook) -> None:
    ws = wb["Listes"]

    def column(letter: str) -> list[object]:
        values = [c.value for c in ws[letter]]
        while values and values[-1] is None:
            values.pop()
        return values[1:]

    assert column("A") == [t.libelle for t in types()]
    assert len(column("A")) == 34
    assert column("B") == [d.code for d in departements()]
    assert len(column("B")) == 101 and "2A" in column("B") and "976" in column("B")
    assert all(isinstance(v, str) for v in column("B"))  # « 01 », not 1
    assert column("C") == list(FORMES_JURIDIQUES)
    assert column("D") == list(FINANCEURS)
    assert column("E") == list(PUBLICS)


@pytest.mark.parametrize("sheet", SHEETS, ids=lambda s: s.name)
def test_drop_downs_point_at_listes(wb: Workbook, sheet: Sheet) -> None:
    ws = wb[sheet.name]
    found = validations(ws)
    expected = {h: f for h, f in EXPECTED_LISTS.items() if h in headers(ws)}
    assert {h: f for h, (f, _) in found.items()} == expected
    for header, (_, ref) in found.items():
        letter = get_column_letter(headers(ws).index(header) + 1)
        assert ref == f"{letter}2:{letter}1048576"
    for dv in ws.data_validations.dataValidation:
        assert dv.showErrorMessage and dv.showInputMessage and dv.allow_blank
        # Excel declares the file corrupted beyond these lengths.
        assert dv.error and dv.prompt and dv.errorTitle and dv.promptTitle
        assert len(dv.errorTitle) <= 32 and len(dv.promptTitle) <= 32
        assert len(dv.error) <= 255 and len(dv.prompt) <= 255
        assert "liste" in dv.error  # French


def test_drop_down_ranges_cover_exactly_the_lists(wb: Workbook) -> None:
    listes = wb["Listes"]
    for formula in set(EXPECTED_LISTS.values()):
        area = formula.split("!")[1].replace("$", "")
        first, last = area.split(":")
        letter = first[0]
        cells = [c.value for (c,) in listes[area]]
        assert all(cells), formula
        assert listes[f"{letter}{int(last[1:]) + 1}"].value is None, formula


def test_version_marker_is_in_a_hidden_cell(wb: Workbook) -> None:
    ws = wb["Lisez-moi"]
    (ref,) = marker_cells(ws)
    assert ws[ref].value == TEMPLATE_VERSION
    assert ws.column_dimensions[ref.rstrip("0123456789")].hidden
    assert ws[ref].font.color is not None and ws[ref].font.color.rgb == "FFFFFFFF"


def test_the_reader_finds_the_marker(template: bytes) -> None:
    # The pre-scan keeps « Lisez-moi » values only up to README_MAX_CELLS cells.
    scan = prescan(template, SpreadsheetFormat.XLSX, Settings())
    assert isinstance(scan, WorkbookScan)
    values = scan.readme_values
    assert values is not None, "« Lisez-moi » a trop de cellules pour le pré-examen"
    assert len(values) <= README_MAX_CELLS - 20  # room for a few more lines of help
    assert [v for v in values.values() if v.startswith(MARKER_PREFIX)] == [TEMPLATE_VERSION]


def test_readme_explains_codes_and_formats(wb: Workbook) -> None:
    text = "\n".join(
        str(c.value) for row in wb["Lisez-moi"].iter_rows() for c in row if c.value is not None
    )
    for t in types():
        assert t.code in text and t.libelle in text and t.categorie_libelle in text
    assert "(places)" in text and "(logements)" in text and "(mesures)" in text
    for d in departements():
        assert f"{d.code} {d.nom}" in text
    for value in (*FINANCEURS, *PUBLICS, *FORMES_JURIDIQUES):
        assert value in text
    for sheet in SHEETS:
        assert f"« {sheet.name} »" in text
        for column in sheet.columns:
            if column.required:
                assert column.header in text
    assert "JJ/MM/AAAA" in text and "« ; »" in text and "Texte" in text


def test_nothing_is_a_formula(template: bytes) -> None:
    with zipfile.ZipFile(io.BytesIO(template)) as archive:
        for name in archive.namelist():
            if name.startswith("xl/worksheets/"):
                assert b"<f>" not in archive.read(name) and b"<f " not in archive.read(name)


# --- Pre-filled export -----------------------------------------------------------------------

ENTITE = {
    "siren": "012345678",
    "raison_sociale": "=1+1 Association",
    "sigle": "@SIGLE",
    "forme_juridique": "Association loi 1901",
    "code_postal": "01000",
    "code_commune": "01053",
    "departement_siege": "01",
    "telephone": "0474000000",
    "finess_ej": "010000123",
}
DISPOSITIF = {
    "identifiant": "DSP-01-000001",
    "siren": "012345678",
    "nom": "-CHRS Les Lilas",
    "type_code": "HEB_CHRS",
    "departement": "01",
    "siret": "01234567800012",
    "finess_et": ["010000131", "010000149"],
    "capacite_financee": 12,
    "financeurs": ["BOP 177", "CAF"],
    "date_ouverture": date(2024, 1, 31),
    "date_fermeture": "2025-02-01",
    "publics": ("Homme seul", "Femme seule"),
    "structures_historiques": [101, 102],
}
EXPECTED_DISPOSITIF = {
    **DISPOSITIF,
    "type_code": "CHRS",  # the label, as the drop-down offers it
    "finess_et": "010000131 ; 010000149",
    "financeurs": "BOP 177 ; CAF",
    "publics": "Homme seul ; Femme seule",
    "structures_historiques": "101 ; 102",
}
DATES = ("date_ouverture", "date_fermeture")


@pytest.fixture(scope="module")
def prefilled() -> bytes:
    return build_template(Prefill(entites=[ENTITE], dispositifs=[DISPOSITIF, {"nom": "Autre"}]))


def row_of(ws: Worksheet, sheet: Sheet, row: int) -> dict[str, object]:
    return {c.field: ws.cell(row=row, column=i).value for i, c in enumerate(sheet.columns, 1)}


def test_prefilled_values_round_trip_with_openpyxl(prefilled: bytes) -> None:
    wb = openpyxl.load_workbook(io.BytesIO(prefilled))
    entite = row_of(wb["Entités"], ENTITES, 2)
    assert {k: v for k, v in entite.items() if v is not None} == ENTITE
    dispositif = row_of(wb["Dispositifs"], DISPOSITIFS, 2)
    got = {k: v for k, v in dispositif.items() if v is not None}
    assert got["date_ouverture"].date() == date(2024, 1, 31)  # type: ignore[attr-defined]
    assert got["date_fermeture"].date() == date(2025, 2, 1)  # type: ignore[attr-defined]
    assert {k: v for k, v in got.items() if k not in DATES} == {
        k: v for k, v in EXPECTED_DISPOSITIF.items() if k not in DATES
    }
    assert row_of(wb["Dispositifs"], DISPOSITIFS, 3)["nom"] == "Autre"
    for ws in (wb["Entités"], wb["Dispositifs"]):
        for cell in ws[2]:
            if isinstance(cell.value, str):
                assert cell.data_type == "s", cell.coordinate  # « =1+1 » stays text
        assert ws["A2"].number_format == "@"  # SIREN, Identifiant
    # The formatted rows go on below the pre-filled ones.
    assert wb["Dispositifs"][f"A{3 + FORMATTED_ROWS}"].number_format == "@"


def test_prefilled_values_round_trip_with_calamine(prefilled: bytes) -> None:
    book = python_calamine.CalamineWorkbook.from_filelike(io.BytesIO(prefilled))
    entites = book.get_sheet_by_name("Entités").to_python()
    assert dict(zip([c.field for c in ENTITES.columns], entites[1], strict=True)) == {
        c.field: ENTITE.get(c.field, "") for c in ENTITES.columns
    }
    dispositifs = book.get_sheet_by_name("Dispositifs").to_python()
    got = dict(zip([c.field for c in DISPOSITIFS.columns], dispositifs[1], strict=True))
    assert got["siren"] == "012345678" and got["siret"] == "01234567800012"
    assert got["nom"] == "-CHRS Les Lilas" and got["type_code"] == "CHRS"
    assert got["capacite_financee"] == 12
    assert got["date_ouverture"] == date(2024, 1, 31)
    assert got["financeurs"] == "BOP 177 ; CAF"


def test_prefill_refuses_unknown_fields() -> None:
    with pytest.raises(ValueError, match="type"):
        build_template(Prefill(dispositifs=[{"nom": "X", "type": "HEB_CHRS"}]))


def test_prefill_writes_an_unparsable_date_as_text() -> None:
    data = build_template(Prefill(dispositifs=[{"nom": "X", "date_ouverture": "bientôt"}]))
    ws = openpyxl.load_workbook(io.BytesIO(data))["Dispositifs"]
    column = 1 + [c.field for c in DISPOSITIFS.columns].index("date_ouverture")
    assert ws.cell(row=2, column=column).value == "bientôt"
