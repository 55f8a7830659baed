"""The error report is a workbook to keep working in (issue 9, item 14): the template's
drop-downs, widths, formats and « Lisez-moi », rows high enough for their messages, each
anomaly linked to its cell, a summary on top, and re-importable once corrected."""

from __future__ import annotations

import io

import openpyxl
import pytest
from openpyxl.workbook.workbook import Workbook

from service.imports.anomalies import anomaly
from service.imports.columns import TEMPLATE_VERSION
from service.imports.report import ANOMALY_HEADERS, SheetValues, build_report
from service.imports.sources import open_source
from service.imports.template import build_template
from service.referentiels.checks import Severite

E, W = Severite.ERREUR, Severite.AVERTISSEMENT
HEADER = [
    "Identifiant",
    "N° SIREN",
    "Nom du dispositif",
    "Type de dispositif",
    "Département",
    "Notes",
]
ROWS: list[tuple[int, list[object]]] = [
    (2, [None, "732829320", "CHRS Les Lilas", "CHRS", "75", None]),
    (4, [None, "732829320", "Accueil DNA", "DNA", "75", "à revoir"]),
]
LONG = "est un message très long. " * 20
ANOMALIES = [
    anomaly("Dispositifs", 0, "", None, "FEUILLE_IGNOREE", W, "ignorée."),
    anomaly("Dispositifs", 1, "Notes", "Notes", "COLONNE_INCONNUE", W, "inconnue."),
    anomaly("Dispositifs", 2, "SIREN de l'entité", "732829320", "ENTITE_INCONNUE", E, LONG),
    anomaly("Dispositifs", 3, "Nom du dispositif", None, "VALEUR_OBLIGATOIRE", E, "vide."),
    anomaly("Dispositifs", 4, "", None, "DOUBLON_DANS_LE_FICHIER", E, "doublon."),
]


@pytest.fixture(scope="module")
def report() -> bytes:
    return build_report([SheetValues("Dispositifs", HEADER, ROWS)], ANOMALIES)


@pytest.fixture(scope="module")
def wb(report: bytes) -> Workbook:
    return openpyxl.load_workbook(io.BytesIO(report))


@pytest.fixture(scope="module")
def template() -> Workbook:
    return openpyxl.load_workbook(io.BytesIO(build_template()))


def detail_rows(wb: Workbook) -> dict[str, int]:
    """code → its row in the detailed table of « Anomalies »."""
    ws = wb["Anomalies"]
    start = next(
        r[0].row for r in ws.iter_rows() if tuple(c.value for c in r[:8]) == ANOMALY_HEADERS
    )
    return {str(ws.cell(row=r, column=5).value): r for r in range(start + 1, ws.max_row + 1)}


def test_sheets_lisez_moi_and_hidden_listes(wb: Workbook, template: Workbook) -> None:
    assert wb.sheetnames == ["Anomalies", "Dispositifs", "Lisez-moi", "Listes"]
    assert wb["Listes"].sheet_state == "hidden"
    for name in ("Lisez-moi", "Listes"):
        mine = [[c.value for c in row] for row in wb[name].iter_rows()]
        theirs = [[c.value for c in row] for row in template[name].iter_rows()]
        assert mine == theirs, name
    readme = wb["Lisez-moi"]
    assert readme["Z1"].value == TEMPLATE_VERSION and readme.column_dimensions["Z"].hidden
    assert {str(r) for r in readme.merged_cells.ranges} == {
        str(r) for r in template["Lisez-moi"].merged_cells.ranges
    }


def test_the_templates_drop_downs_widths_and_formats(wb: Workbook, template: Workbook) -> None:
    ws, model = wb["Dispositifs"], template["Dispositifs"]
    model_letters = {c.value: c.column_letter for c in model[1]}
    validations = {str(v.sqref): v.formula1 for v in ws.data_validations.dataValidation}
    expected = {
        str(v.sqref).replace(model_letters[h], letter): v.formula1
        for v in model.data_validations.dataValidation
        for h, letter in (("Type de dispositif", "D"), ("Département", "E"))
        if str(v.sqref).startswith(model_letters[h] + "2:")
    }
    assert (
        validations
        == expected
        == {
            "D2:D1048576": "Listes!$A$2:$A$35",
            "E2:E1048576": "Listes!$B$2:$B$102",
        }
    )
    for header, letter in (("Nom du dispositif", "C"), ("Type de dispositif", "D")):
        width = ws.column_dimensions[letter].width
        assert width == model.column_dimensions[model_letters[header]].width, header
    # The alias « N° SIREN » is the model's « SIREN de l'entité »: a Text column, like it.
    assert ws.column_dimensions["B"].number_format == "@"
    assert ws["C1"].comment is not None and "Obligatoire" in ws["C1"].comment.text
    assert (
        ws["C1"].fill.fgColor.rgb
        == model[f"{model_letters['Nom du dispositif']}1"].fill.fgColor.rgb
    )
    assert ws.freeze_panes == "A2"


def test_each_anomaly_links_to_its_cell(wb: Workbook) -> None:
    ws, rows = wb["Anomalies"], detail_rows(wb)
    links = {code: ws.cell(row=r, column=2).hyperlink for code, r in rows.items()}
    assert links["FEUILLE_IGNOREE"] is None  # the sheet as a whole: nowhere to go
    assert links["COLONNE_INCONNUE"].location == "'Dispositifs'!F1"
    assert links["ENTITE_INCONNUE"].location == "'Dispositifs'!B2"  # « N° SIREN » in the file
    assert links["VALEUR_OBLIGATOIRE"].location == "'Dispositifs'!C3"  # a blank row
    assert links["DOUBLON_DANS_LE_FICHIER"].location == "'Dispositifs'!A4"  # the row
    assert ws.cell(row=rows["ENTITE_INCONNUE"], column=2).font.underline == "single"
    assert all(link is None or not link.target for link in links.values())  # internal only


def test_rows_are_high_enough_for_their_messages(wb: Workbook) -> None:
    ws, rows = wb["Anomalies"], detail_rows(wb)
    long, short = rows["ENTITE_INCONNUE"], rows["VALEUR_OBLIGATOIRE"]
    assert ws.row_dimensions[long].height >= 15 * (len(ANOMALIES[2].message) // 80)
    assert ws.row_dimensions[short].height < ws.row_dimensions[long].height


def test_the_summary_on_top_counts_by_severity_and_code(wb: Workbook) -> None:
    ws = wb["Anomalies"]
    assert ws["A1"].value == "Rapport d'anomalies"
    assert ws["A2"].value == "3 erreurs et 2 avertissements."
    header = next(c.row for c in ws["A"] if c.value == "Code")
    codes = [r for r in ws.iter_rows(min_row=header + 1, max_col=4, values_only=True) if r[0]]
    assert codes[:5] == [
        ("DOUBLON_DANS_LE_FICHIER", "erreur", 1, 1),
        ("ENTITE_INCONNUE", "erreur", 1, 1),
        ("VALEUR_OBLIGATOIRE", "erreur", 1, 1),
        ("COLONNE_INCONNUE", "avertissement", 1, 1),
        ("FEUILLE_IGNOREE", "avertissement", 1, 1),
    ]


def test_the_corrected_report_can_be_imported_again() -> None:
    entites = SheetValues(
        "Entités", ["SIREN", "Raison sociale", "Département du siège"], [(2, ["732829320", "A", 1])]
    )
    dispositifs = SheetValues("Dispositifs", HEADER[:5], [(2, ROWS[0][1][:5])])
    report = build_report([entites, dispositifs], ANOMALIES[2:3])
    source = open_source("rapport.xlsx", report)
    assert source.anomalies == []  # « Anomalies » is not read, the marker is the current one
    rows = [(r.sheet, r.line, r.cells["siren"]) for b in source.batches(10) for r in b]
    assert rows == [("Entités", 2, "732829320"), ("Dispositifs", 2, "732829320")]
