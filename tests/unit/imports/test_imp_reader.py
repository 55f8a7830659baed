"""Reading workbook 1 (IMPORT-FORMAT.md « Reading rules »): sheets, headers, rows, CSV."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

import pytest

from service.config import get_settings
from service.imports.columns import DISPOSITIFS, ENTITES
from service.imports.filecheck import FileInfo, SpreadsheetFormat, inspect_upload
from service.imports.prescan import WorkbookScan, prescan
from service.imports.reader import RawRow, SheetReader, open_workbook, read_csv
from service.referentiels.checks import Severite
from tests.support.workbooks import (
    csv_bytes,
    million_styled_rows_xlsx,
    ods_bytes,
    ods_rows,
    raw_xlsx,
    rows_xml,
    sheet_xml,
    xlsx_bytes,
)

ENTITES_HEADER = ["SIREN", "Raison sociale", "Département du siège"]
DISPOSITIFS_HEADER = ["SIREN de l'entité", "Nom du dispositif", "Type de dispositif", "Département"]
DISPO_PART = sheet_xml(rows_xml([DISPOSITIFS_HEADER]))


def read(name: str, data: bytes) -> SheetReader:
    """The real pipeline: upload checks, then pre-scan, then calamine (or csv)."""
    info = inspect_upload(name, data)
    assert isinstance(info, FileInfo), info
    scan = prescan(data, info.format)
    assert isinstance(scan, WorkbookScan), scan
    return open_workbook(data, scan)


def all_rows(reader: SheetReader, batch_size: int | None = None) -> list[RawRow]:
    return [row for batch in reader.iter_rows(batch_size) for row in batch]


def codes(reader: SheetReader) -> list[str]:
    return [a.code for a in reader.anomalies]


Rows = Sequence[Sequence[object]]


def workbook(entites: Rows, dispositifs: Rows | None = None) -> bytes:
    dispositifs = dispositifs if dispositifs is not None else [DISPOSITIFS_HEADER]
    return xlsx_bytes({"Entités": entites, "Dispositifs": dispositifs})


def test_reads_both_sheets_with_the_spreadsheet_line_numbers() -> None:
    data = workbook(
        [ENTITES_HEADER, ["552081317", "Régie", "75"], [552081317, "Autre", 1]],
        [DISPOSITIFS_HEADER, ["552081317", "CHRS Les Lilas", "CHRS", "75"]],
    )
    reader = read("offre.xlsx", data)
    assert reader.ok and reader.anomalies == []
    rows = all_rows(reader)
    assert [(r.sheet, r.line) for r in rows] == [("Entités", 2), ("Entités", 3), ("Dispositifs", 2)]
    assert rows[0].cells == {
        "siren": "552081317",
        "raison_sociale": "Régie",
        "departement_siege": "75",
    }
    assert rows[1].cells["siren"] == 552081317.0 and rows[1].cells["departement_siege"] == 1
    assert rows[2].present_fields == {"siren", "nom", "type_code", "departement"}


def test_values_are_what_calamine_returns() -> None:
    header = [*DISPOSITIFS_HEADER, "Date d'ouverture", "Capacité financée"]
    row = ["552081317", "Lilas", "CHRS", "75", date(2024, 3, 1), 12]
    rows = all_rows(read("offre.xlsx", workbook([ENTITES_HEADER], [header, row])))
    assert rows[0].cells["date_ouverture"] == date(2024, 3, 1)
    assert rows[0].cells["capacite_financee"] == 12


def test_header_variants_and_aliases() -> None:
    header = ["siren*", "Raison\u00a0 sociale *", "  DÉPARTEMENT DU SIÈGE", "code insee"]
    dispositifs = ["N° SIREN", "Nom du  dispositif*", "type", "département", "Capacité Financée"]
    reader = read("offre.xlsx", workbook([header, ["1", "2", "3", "4"]], [dispositifs]))
    assert reader.anomalies == []
    entites, dispo = reader.layouts
    assert list(entites.columns.items()) == [
        ("siren", 0),
        ("raison_sociale", 1),
        ("departement_siege", 2),
        ("code_commune", 3),
    ]
    assert set(dispo.columns) == {"siren", "nom", "type_code", "departement", "capacite_financee"}
    assert entites.headers["raison_sociale"] == "Raison\u00a0 sociale *"


def test_typographic_apostrophe_in_a_header() -> None:
    header = ["SIREN de l’entité", *DISPOSITIFS_HEADER[1:]]  # Excel's autocorrect
    assert read("offre.xlsx", workbook([ENTITES_HEADER], [header])).anomalies == []


def test_duplicate_missing_and_unknown_columns() -> None:
    entites = ["SIREN", "Raison sociale", "Département du siège", "N° SIREN", "Remarques"]
    dispositifs = ["SIREN de l'entité", "Type de dispositif", "Département"]
    reader = read("offre.xlsx", workbook([entites], [dispositifs]))
    assert codes(reader) == ["COLONNE_EN_DOUBLE", "COLONNE_INCONNUE", "COLONNE_MANQUANTE"]
    double, unknown, missing = reader.anomalies
    assert double.severite is Severite.ERREUR
    assert double.message.startswith("Feuille Entités, ligne 1, colonne D : « N° SIREN » ")
    assert "que la colonne A (« SIREN »)" in double.message
    assert unknown.severite is Severite.AVERTISSEMENT and unknown.colonne == "Remarques"
    assert unknown.message.startswith("Feuille Entités, ligne 1, colonne E : « Remarques » ")
    assert "Vouliez-vous dire" not in unknown.message
    assert missing.message == (
        "Feuille Dispositifs, ligne 1 : la colonne obligatoire « Nom du dispositif » est "
        "absente. Ajoutez-la en ligne 1 (voir le modèle)."
    )
    assert (missing.feuille, missing.ligne, missing.colonne) == (
        "Dispositifs",
        1,
        "Nom du dispositif",
    )
    assert not reader.ok


def test_unknown_column_is_only_a_warning() -> None:
    reader = read("offre.xlsx", workbook([[*ENTITES_HEADER, "Notes"], ["1", "2", "3", "x"]]))
    assert codes(reader) == ["COLONNE_INCONNUE"] and reader.ok
    assert "notes" not in all_rows(reader)[0].cells


def test_sheets_are_found_tolerantly_and_a_missing_one_is_named() -> None:
    data = xlsx_bytes({" entites ": [ENTITES_HEADER], "Feuil1": [DISPOSITIFS_HEADER]})
    reader = read("offre.xlsx", data)
    assert [layout.found_name for layout in reader.layouts] == [" entites "]
    assert codes(reader) == ["FEUILLE_MANQUANTE"]
    assert "« Dispositifs »" in reader.anomalies[0].message
    assert "« Feuil1 »" in reader.anomalies[0].message


def test_blank_rows_are_skipped_anywhere_with_correct_line_numbers() -> None:
    rows: list[list[object]] = [
        [*ENTITES_HEADER, "Notes"],
        ["552081317", "A", "75"],
        [None, None, None],
        ["  ", "\u00a0", ""],  # whitespace only
        [None, None, None, "une note seule"],  # data in an unknown column only
        ["732829320", "B", "69"],
    ]
    lines = [r.line for r in all_rows(read("offre.xlsx", workbook(rows)))]
    assert lines == [2, 6]


def test_data_not_starting_in_column_a_keeps_its_columns() -> None:
    # calamine's rows start at the first used column: the reader must shift them back.
    body = rows_xml([[None, *ENTITES_HEADER], [], [None, "552081317", "A", "75"]])
    reader = read("offre.xlsx", raw_xlsx({"Entités": sheet_xml(body), "Dispositifs": DISPO_PART}))
    assert reader.layouts[0].columns == {"siren": 1, "raison_sociale": 2, "departement_siege": 3}
    (row,) = all_rows(reader)
    assert (row.line, row.cells["siren"], row.cells["departement_siege"]) == (3, "552081317", "75")


def test_a_header_not_on_row_1_is_missing() -> None:
    body = rows_xml([ENTITES_HEADER, ["552081317", "A", "75"]], first_row=3)
    data = raw_xlsx({"Entités": sheet_xml(body), "Dispositifs": DISPO_PART})
    assert codes(read("offre.xlsx", data)) == ["COLONNE_MANQUANTE"] * 3


def test_rows_come_in_batches_that_never_mix_sheets() -> None:
    entites = [ENTITES_HEADER] + [[f"55208131{i}", "x", "75"] for i in range(5)]
    dispositifs = [DISPOSITIFS_HEADER, ["552081317", "n", "CHRS", "75"]]
    reader = read("offre.xlsx", workbook(entites, dispositifs))
    sizes = [(b[0].sheet, len(b)) for b in reader.iter_rows(2)]
    assert sizes == [("Entités", 2), ("Entités", 2), ("Entités", 1), ("Dispositifs", 1)]


def test_ods_is_read_by_calamine() -> None:
    data = ods_bytes(
        {
            "Entités": ods_rows([ENTITES_HEADER, [], ["552081317", "A", 75]]),
            "Dispositifs": ods_rows([DISPOSITIFS_HEADER]),
        }
    )
    rows = all_rows(read("offre.ods", data))
    assert [(r.line, r.cells["departement_siege"]) for r in rows] == [(3, 75.0)]


def test_xlsm_values_are_read() -> None:
    sheets = {
        "Entités": sheet_xml(rows_xml([ENTITES_HEADER, ["552081317", "A", "75"]])),
        "Dispositifs": sheet_xml(rows_xml([DISPOSITIFS_HEADER])),
    }
    assert len(all_rows(read("macros.xlsm", raw_xlsx(sheets, macros=True)))) == 1


def test_a_million_styled_empty_rows_read_only_the_real_ones() -> None:
    data = million_styled_rows_xlsx()
    scan = prescan(data, SpreadsheetFormat.XLSX)
    assert isinstance(scan, WorkbookScan)
    reader = open_workbook(data, scan, [ENTITES])
    assert [r.line for r in all_rows(reader)] == [2, 3]


def test_calamine_never_loads_a_sheet_the_scan_did_not_cover() -> None:
    data = workbook([ENTITES_HEADER])
    reader = open_workbook(data, WorkbookScan(SpreadsheetFormat.XLSX, ()))
    assert codes(reader) == ["FICHIER_ILLISIBLE"] and reader.layouts == []


# --- CSV ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("encoding", "sep"),
    [("utf-8-sig", ";"), ("utf-8", ","), ("cp1252", ";"), ("cp1252", ",")],
)
def test_csv_encodings_and_separators(encoding: str, sep: str) -> None:
    rows = [ENTITES_HEADER, ["552081317", "Société « Île-de-France », œuvre", "2A"]]
    reader = read("entites.csv", csv_bytes(rows, sep=sep, encoding=encoding))
    assert reader.anomalies == [] and reader.layouts[0].spec is ENTITES
    (row,) = all_rows(reader)
    assert row.cells == {
        "siren": "552081317",
        "raison_sociale": "Société « Île-de-France », œuvre",
        "departement_siege": "2A",
    }


def test_csv_sheet_is_recognised_by_its_headers() -> None:
    rows = [DISPOSITIFS_HEADER, ["552081317", "Lilas", "CHRS", "75"]]
    reader = read_csv(csv_bytes(rows))
    assert reader.layouts[0].spec is DISPOSITIFS and all_rows(reader)[0].sheet == "Dispositifs"


def test_csv_unrecognised_headers() -> None:
    reader = read_csv(csv_bytes([["Nom", "Prénom"], ["a", "b"]]))
    assert codes(reader) == ["FEUILLE_MANQUANTE"] and reader.layouts == []


def test_csv_multiline_cells_blank_lines_and_nul_bytes() -> None:
    text = (
        "SIREN;Raison sociale;Département du siège\r\n"
        "\r\n"
        '"552081317";"Ligne 1\nLigne 2";75\r\n'  # one spreadsheet row, two text lines
        ";;\r\n"
        '732829320;"a\x00b";69\r\n'
    )
    rows = all_rows(read_csv(text.encode()))
    assert [(r.line, r.cells["raison_sociale"]) for r in rows] == [
        (3, "Ligne 1\nLigne 2"),
        (5, "a\x00b"),  # reported per cell by the normalisation (CARACTERE_INTERDIT)
    ]


def test_csv_row_cap() -> None:
    rows = [ENTITES_HEADER] + [["552081317", "x", "75"]] * 4
    capped = get_settings().model_copy(update={"max_rows_per_file": 3})
    assert codes(read_csv(csv_bytes(rows), limits=capped)) == ["TROP_DE_LIGNES"]
    assert read_csv(csv_bytes(rows[:4]), limits=capped).ok


def test_csv_short_rows_leave_missing_cells_empty() -> None:
    rows = all_rows(
        read_csv(b"SIREN;Raison sociale;D\xc3\xa9partement du si\xc3\xa8ge\n552081317\n")
    )
    assert rows[0].cells == {"siren": "552081317", "raison_sociale": "", "departement_siege": ""}


def test_a_file_calamine_cannot_open_is_unreadable() -> None:
    reader = open_workbook(b"PK\x03\x04 pas un classeur", WorkbookScan(SpreadsheetFormat.XLSX, ()))
    assert codes(reader) == ["FICHIER_ILLISIBLE"] and list(reader.iter_rows()) == []
