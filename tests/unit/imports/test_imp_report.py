"""The error report (IMPORT-FORMAT.md « Error report ») and its CSV variant: read back with
openpyxl and calamine (the LibreOffice round trip: tests/e2e/test_libreoffice_roundtrip.py)."""

from __future__ import annotations

import csv
import io
import zipfile
from datetime import datetime

import openpyxl
import pytest
import python_calamine
from openpyxl.workbook.workbook import Workbook
from openpyxl.worksheet.worksheet import Worksheet

from service.imports.anomalies import Anomalie, anomaly
from service.imports.report import (
    ANOMALY_HEADERS,
    HOW_TO_FIX,
    MAX_MESSAGES_PER_COMMENT,
    SheetValues,
    anomalies_csv,
    build_report,
)
from service.referentiels.checks import Severite

E, W = Severite.ERREUR, Severite.AVERTISSEMENT
RED, ORANGE = "FFFFC7CE", "FFFFD8A8"
# Every code of IMPORT-FORMAT.md « Anomaly codes », plus PLAN_PERIME (ARCHITECTURE.md).
CONTRACT_CODES = (
    "FICHIER_ILLISIBLE",
    "FORMAT_NON_PRIS_EN_CHARGE",
    "FICHIER_PROTEGE",
    "FICHIER_DANGEREUX",
    "FICHIER_TROP_GROS",
    "FICHIER_VIDE",
    "TROP_DE_LIGNES",
    "MODELE_OBSOLETE",
    "FEUILLE_MANQUANTE",
    "COLONNE_MANQUANTE",
    "COLONNE_EN_DOUBLE",
    "COLONNE_INCONNUE",
    "MACROS_IGNOREES",
    "VALEUR_OBLIGATOIRE",
    "SIREN_INVALIDE",
    "SIRET_INVALIDE",
    "FINESS_INVALIDE",
    "RNA_INVALIDE",
    "CODE_POSTAL_INVALIDE",
    "CODE_COMMUNE_INVALIDE",
    "COURRIEL_INVALIDE",
    "TELEPHONE_INVALIDE",
    "PRECISION_PERDUE",
    "DATE_INVALIDE",
    "NOMBRE_INVALIDE",
    "TEXTE_TROP_LONG",
    "CARACTERE_INTERDIT",
    "FORMULE_SANS_VALEUR",
    "ERREUR_DE_FORMULE",
    "DEPARTEMENT_INCONNU",
    "TYPE_INCONNU",
    "VALEUR_HORS_LISTE",
    "HORS_PERIMETRE",
    "CAPACITE_INTERDITE",
    "DATES_INCOHERENTES",
    "DOUBLON_DANS_LE_FICHIER",
    "ENTITE_INCONNUE",
    "IDENTIFIANT_INCONNU",
    "IDENTIFIANT_INVALIDE",
    "ZERO_RESTAURE",
    "DATE_NUMERIQUE",
    "SIRET_AUTRE_ENTITE",
    "FINESS_CORSE_NON_VERIFIE",
    "COURRIEL_GENERIQUE",
    "COURRIEL_PERSONNEL",
    "CHAMP_RESERVE_ETAT",
    "PLAN_PERIME",
)
FORMULA_LIKE = ["=1+1", '=HYPERLINK("http://exemple.invalid";"x")', "+33 1 23", "-5", "@SOMME(A1)"]

ENTITES = SheetValues(
    "Entités",
    ["N° SIREN", "Raison sociale", "Département du siège"],
    [
        (2, ["55208131", "Asso A", "75"]),
        # row 3 is blank in the user's file
        (4, ["552081317", "=1+1", 75.0]),
        (5, [datetime(2024, 1, 2), "+33 1 23", None]),
        (6, ["-5", "@SOMME(A1)", "\x01contrôle"]),
    ],
)
ANOMALIES = [
    anomaly("Entités", 2, "SIREN", "55208131", "SIREN_INVALIDE", E, "n'est pas un SIREN valide."),
    anomaly("Entités", 2, "SIREN", "55208131", "ZERO_RESTAURE", W, "zéro restauré."),
    anomaly("Entités", 4, "Département du siège", 75.0, "ZERO_RESTAURE", W, "lu 75."),
    anomaly("Entités", 5, "", None, "DOUBLON_DANS_LE_FICHIER", E, "voir aussi ligne 6."),
    anomaly("Entités", 6, "Colonne disparue", "x", "VALEUR_HORS_LISTE", E, "hors liste."),
    anomaly("Entités", 3, "Raison sociale", None, "VALEUR_OBLIGATOIRE", E, "obligatoire."),
    anomaly("Entités", 0, "", None, "MODELE_OBSOLETE", E, "modèle ancien."),
    anomaly("Dispositifs", 0, "", None, "FEUILLE_MANQUANTE", E, "feuille absente."),
]


@pytest.fixture(scope="module")
def report() -> bytes:
    return build_report([ENTITES], ANOMALIES)


@pytest.fixture(scope="module")
def wb(report: bytes) -> Workbook:
    return openpyxl.load_workbook(io.BytesIO(report))


def fill(wb: Workbook, sheet: str, ref: str) -> str | None:
    cell = wb[sheet][ref]
    return cell.fill.fgColor.rgb if cell.fill.fill_type == "solid" else None


def header_row(ws: Worksheet) -> int:
    """The row of the detailed table's headers, below the summary block."""
    return next(
        r[0].row for r in ws.iter_rows() if tuple(c.value for c in r[:8]) == ANOMALY_HEADERS
    )


def table(ws: Worksheet) -> list[tuple[object, ...]]:
    """The detailed table of « Anomalies », its header first."""
    start = header_row(ws)
    return [tuple(r[:8]) for r in ws.iter_rows(min_row=start, max_col=8, values_only=True)]


def csv_text(anomalies: list[Anomalie]) -> str:
    return b"".join(anomalies_csv(anomalies)).decode("utf-8-sig")


# --- « Anomalies » ---------------------------------------------------------------------------


def test_how_to_fix_covers_every_contract_code() -> None:
    assert set(CONTRACT_CODES) <= set(HOW_TO_FIX)
    for code, text in HOW_TO_FIX.items():
        assert 20 <= len(text) <= 160, code
        assert not text.startswith(("=", "+", "-", "@")), code


def test_anomalies_sheet_comes_first_with_every_anomaly(wb: Workbook) -> None:
    assert wb.sheetnames == ["Anomalies", "Entités", "Lisez-moi", "Listes"]
    ws = wb["Anomalies"]
    rows = table(ws)
    assert rows[0] == ANOMALY_HEADERS
    assert len(rows) == 1 + len(ANOMALIES)
    for row, a in zip(rows[1:], ANOMALIES, strict=True):
        assert row == (
            a.feuille,
            a.ligne or None,  # the file as a whole: no row number
            a.colonne or None,
            a.valeur or None,
            a.code,
            a.severite.value,
            a.message,
            HOW_TO_FIX[a.code],
        )
    first = header_row(ws)
    assert ws.auto_filter.ref == f"A{first}:H{first + len(ANOMALIES)}"
    assert all(c.font.bold for c in ws[first])
    assert fill(wb, "Anomalies", f"F{first + 1}") == RED
    assert fill(wb, "Anomalies", f"F{first + 2}") == ORANGE


def test_unknown_code_gets_a_generic_fix() -> None:
    a = anomaly("Entités", 2, "SIREN", "x", "CODE_DU_TEMPS_2", E, "autre.")
    ws = openpyxl.load_workbook(io.BytesIO(build_report([], [a])))["Anomalies"]
    assert "Corrigez" in str(table(ws)[1][7])


# --- The user's sheets -----------------------------------------------------------------------


def test_values_stay_at_their_row_numbers(wb: Workbook) -> None:
    ws = wb["Entités"]
    assert [c.value for c in ws[1]] == ENTITES.header
    assert ws["A2"].value == "55208131" and ws["B2"].value == "Asso A"
    assert ws["B4"].value == "=1+1" and ws["C4"].value == 75
    assert ws["A5"].value == datetime(2024, 1, 2) and ws["A5"].number_format == "DD/MM/YYYY"
    assert ws["C6"].value == "\\x01contrôle"  # an unwritable character shown, not dropped
    assert ws["A3"].value is None and ws["C3"].value is None  # the blank row stays blank
    assert ws.freeze_panes == "A2"


def test_faulty_cells_are_filled_and_commented(wb: Workbook) -> None:
    ws = wb["Entités"]
    # An error and a warning on « N° SIREN » (the alias of SIREN): red, both messages.
    assert fill(wb, "Entités", "A2") == RED
    note = ws["A2"].comment.text
    assert ANOMALIES[0].message in note and ANOMALIES[1].message in note
    assert fill(wb, "Entités", "C4") == ORANGE
    assert ws["C4"].comment.text == ANOMALIES[2].message
    # Untouched cells keep no fill and no comment.
    assert fill(wb, "Entités", "B2") is None and ws["B2"].comment is None


def test_row_level_anomalies_mark_the_first_cell(wb: Workbook) -> None:
    ws = wb["Entités"]
    assert fill(wb, "Entités", "A5") == RED and "ligne 6" in ws["A5"].comment.text
    # An unknown column falls back to the first cell too.
    assert fill(wb, "Entités", "A6") == RED and "hors liste" in ws["A6"].comment.text
    # A blank row still shows its anomaly.
    assert fill(wb, "Entités", "B3") == RED and ws["B3"].value is None


def test_file_level_anomalies_stay_in_the_anomalies_sheet(wb: Workbook) -> None:
    notes = [c.comment.text for row in wb["Entités"].iter_rows() for c in row if c.comment]
    assert not any("modèle ancien" in n or "feuille absente" in n for n in notes)


def test_many_anomalies_on_one_cell_make_one_bounded_comment() -> None:
    many = [
        anomaly("Entités", 2, "Raison sociale", "x", "VALEUR_HORS_LISTE", E, f"message {i}.")
        for i in range(MAX_MESSAGES_PER_COMMENT + 5)
    ]
    ws = openpyxl.load_workbook(io.BytesIO(build_report([ENTITES], many)))["Entités"]
    note = ws["B2"].comment.text
    assert "message 0." in note and f"message {MAX_MESSAGES_PER_COMMENT - 1}." in note
    assert f"message {MAX_MESSAGES_PER_COMMENT}." not in note and "et 5 autres" in note


def test_sheet_titles_are_made_valid_and_unique() -> None:
    sheets = [
        SheetValues("anomalies", ["A"], []),
        SheetValues("Données/2024 [brouillon]: à revoir absolument", ["A"], []),
    ]
    wb = openpyxl.load_workbook(io.BytesIO(build_report(sheets, [])))
    assert wb.sheetnames[0] == "Anomalies"
    assert wb.sheetnames[1] == "anomalies (2)"
    assert wb.sheetnames[2] == "Données_2024 _brouillon__ à rev"
    assert wb.sheetnames[3:] == ["Lisez-moi", "Listes"]
    assert all(len(name) <= 31 for name in wb.sheetnames)


def test_rows_numbered_twice_out_of_order_or_on_the_header_are_refused() -> None:
    with pytest.raises(ValueError, match="ligne 2"):
        build_report([SheetValues("Entités", ["SIREN"], [(2, ["a"]), (2, ["b"])])], [])
    with pytest.raises(ValueError, match="ligne 1"):
        build_report([SheetValues("Entités", ["SIREN"], [(1, ["a"])])], [])
    with pytest.raises(ValueError, match="ligne 3"):
        build_report([SheetValues("Entités", ["SIREN"], [(4, ["a"]), (3, ["b"])])], [])


# --- Never a formula -------------------------------------------------------------------------


@pytest.fixture(scope="module")
def formula_report() -> bytes:
    rows: list[tuple[int, list[object]]] = [(2 + i, [v, v]) for i, v in enumerate(FORMULA_LIKE)]
    anomalies = [
        anomaly("Entités", 2 + i, "SIREN", v, "SIREN_INVALIDE", E, "invalide.")
        for i, v in enumerate(FORMULA_LIKE)
    ]
    anomalies.append(Anomalie("Entités", 2, "SIREN", "=2+2", "=3+3", E, "=4+4"))
    return build_report([SheetValues("Entités", ["SIREN", "=Nom"], rows)], anomalies)


def test_formula_like_values_stay_text_with_openpyxl(formula_report: bytes) -> None:
    wb = openpyxl.load_workbook(io.BytesIO(formula_report))
    ws = wb["Entités"]
    assert ws["B1"].value == "=Nom" and ws["B1"].data_type == "s"
    for i, value in enumerate(FORMULA_LIKE):
        for ref in (f"A{2 + i}", f"B{2 + i}"):
            assert ws[ref].value == value and ws[ref].data_type == "s", ref
    anomalies = wb["Anomalies"]
    last = header_row(anomalies) + len(FORMULA_LIKE) + 1
    for column, value in (("D", "=2+2"), ("E", "=3+3"), ("G", "=4+4")):
        cell = anomalies[f"{column}{last}"]
        assert cell.value == value and cell.data_type == "s"


def test_formula_like_values_stay_text_with_calamine(formula_report: bytes) -> None:
    book = python_calamine.CalamineWorkbook.from_filelike(io.BytesIO(formula_report))
    rows = book.get_sheet_by_name("Entités").to_python()
    assert rows[0] == ["SIREN", "=Nom"]
    assert [r[0] for r in rows[1:]] == FORMULA_LIKE == [r[1] for r in rows[1:]]
    assert ["=2+2", "=3+3"] in [r[3:5] for r in book.get_sheet_by_name("Anomalies").to_python()]


def test_no_formula_element_anywhere(formula_report: bytes) -> None:
    with zipfile.ZipFile(io.BytesIO(formula_report)) as archive:
        for name in archive.namelist():
            if name.startswith("xl/worksheets/"):
                part = archive.read(name)
                assert b"<f>" not in part and b"<f " not in part, name


# --- CSV -------------------------------------------------------------------------------------


def test_csv_is_utf8_with_bom_semicolons_and_the_same_columns() -> None:
    data = b"".join(anomalies_csv(ANOMALIES))
    assert data.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig")), delimiter=";"))
    assert tuple(rows[0]) == ANOMALY_HEADERS
    assert len(rows) == 1 + len(ANOMALIES)
    first = ANOMALIES[0]
    assert rows[1] == [
        "Entités",
        "2",
        "SIREN",
        "55208131",
        "SIREN_INVALIDE",
        "erreur",
        first.message,
        HOW_TO_FIX["SIREN_INVALIDE"],
    ]
    assert rows[7][1] == ""  # the file as a whole: no row number


@pytest.mark.parametrize("value", ["=1+1", "+33", "-5", "@SOMME(A1)", "\tx", "\rx"])
def test_csv_prefixes_cells_that_a_spreadsheet_would_evaluate(value: str) -> None:
    a = Anomalie("Entités", 2, value, value, "SIREN_INVALIDE", E, value)
    (row,) = list(csv.reader(io.StringIO(csv_text([a])), delimiter=";"))[1:]
    assert row[2] == row[3] == row[6] == "'" + value


@pytest.mark.parametrize("value", ["75", "a=b", "x-y", "Asso @ Paris", " =espace"])
def test_csv_leaves_other_cells_alone(value: str) -> None:
    a = Anomalie("Entités", 2, "SIREN", value, "SIREN_INVALIDE", E, "msg")
    (row,) = list(csv.reader(io.StringIO(csv_text([a])), delimiter=";"))[1:]
    assert row[3] == value


def test_csv_escapes_control_characters() -> None:
    a = Anomalie("Entités", 2, "SIREN", "a\x00b", "CARACTERE_INTERDIT", E, "msg")
    assert "\x00" not in csv_text([a])
    assert "a\\x00b" in csv_text([a])
