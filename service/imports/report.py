"""The error report of a job (IMPORT-FORMAT.md « Error report »), and its CSV variant.

A freshly generated workbook, never the uploaded file: a first sheet « Anomalies », then the
user's sheets with their values at the same row numbers, each faulty cell filled (red for an
error, orange for a warning) with a comment holding the message(s). Written in openpyxl's
write-only mode: a file may have 200,000 rows, which a normal workbook would hold as millions
of cell objects. Nothing is ever written as a formula (workbook_style.set_text).
"""

from __future__ import annotations

import csv
import io
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import Cell
from openpyxl.styles import PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from service.imports.anomalies import Anomalie
from service.imports.columns import WORKBOOK_1
from service.imports.workbook_style import (
    ERROR_FILL,
    HEADER_FONT,
    WARNING_FILL,
    WRAP,
    column_width,
    comment,
    safe_text,
    set_value,
)
from service.referentiels.checks import Severite
from service.referentiels.text import fold

__all__ = ["ANOMALY_HEADERS", "HOW_TO_FIX", "SheetValues", "anomalies_csv", "build_report"]

ANOMALIES_SHEET = "Anomalies"
ANOMALY_HEADERS = (
    "Feuille",
    "Ligne",
    "Colonne",
    "Valeur",
    "Code",
    "Sévérité",
    "Message",
    "Comment corriger",
)
_ANOMALY_WIDTHS = (14, 8, 24, 24, 26, 14, 80, 60)
MAX_MESSAGES_PER_COMMENT = 10  # a cell with more keeps the first ones and says how many remain
# OWASP « CSV injection »: a spreadsheet evaluates a cell starting with one of these.
_CSV_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
_MAX_ROW = 1_048_576
_SHEET_NAME_FORBIDDEN = str.maketrans({c: "_" for c in "[]:*?/\\"})

# One short « comment corriger » per stable code (IMPORT-FORMAT.md « Anomaly codes »); the
# message already names the cell and the value, this says what to do about it.
HOW_TO_FIX: dict[str, str] = {
    "FICHIER_ILLISIBLE": "Ouvrez le fichier dans Excel ou LibreOffice, enregistrez-le à nouveau "
    "au format .xlsx et déposez-le.",
    "FORMAT_NON_PRIS_EN_CHARGE": "Enregistrez le fichier au format .xlsx, .ods ou .csv "
    "(« Enregistrer sous ») et déposez-le à nouveau.",
    "FICHIER_PROTEGE": "Retirez le mot de passe (Fichier > Informations > Protéger le classeur), "
    "enregistrez et déposez à nouveau.",
    "FICHIER_DANGEREUX": "Partez du modèle téléchargé depuis le service et recopiez-y vos "
    "données (valeurs seules).",
    "FICHIER_TROP_GROS": "Supprimez les feuilles, images et mises en forme inutiles, ou "
    "découpez le fichier par département.",
    "FICHIER_VIDE": "Remplissez au moins une ligne sous les en-têtes avant de déposer le fichier.",
    "TROP_DE_LIGNES": "Supprimez les lignes vides ou inutiles en fin de feuille, ou découpez le "
    "fichier par département.",
    "MODELE_OBSOLETE": "Téléchargez le modèle actuel et recopiez-y vos données.",
    "FEUILLE_MANQUANTE": "Ajoutez la feuille manquante ou rendez-lui son nom d'origine "
    "(Entités, Dispositifs).",
    "COLONNE_MANQUANTE": "Ajoutez la colonne en ligne 1, avec l'en-tête exact du modèle.",
    "COLONNE_EN_DOUBLE": "Gardez une seule colonne portant cet en-tête et supprimez l'autre.",
    "COLONNE_INCONNUE": "Rien à faire si la colonne est volontaire : elle est ignorée. Sinon, "
    "corrigez son en-tête d'après le modèle.",
    "MACROS_IGNOREES": "Rien à faire : les macros ne sont jamais exécutées. Enregistrez en .xlsx "
    "pour ne plus voir cet avertissement.",
    "VALEUR_OBLIGATOIRE": "Renseignez la cellule : cette colonne est obligatoire.",
    "SIREN_INVALIDE": "Saisissez les 9 chiffres du SIREN (vérifiez-le sur annuaire-entreprises."
    "data.gouv.fr), cellule au format Texte.",
    "SIRET_INVALIDE": "Saisissez les 14 chiffres du SIRET de l'établissement, cellule au "
    "format Texte.",
    "FINESS_INVALIDE": "Saisissez le numéro FINESS à 9 caractères (vérifiez-le sur finess."
    "esante.gouv.fr), cellule au format Texte.",
    "RNA_INVALIDE": "Saisissez W suivi de 9 chiffres, ou videz la cellule.",
    "CODE_POSTAL_INVALIDE": "Saisissez 5 chiffres (01000), cellule au format Texte.",
    "CODE_COMMUNE_INVALIDE": "Saisissez le code INSEE de la commune à 5 caractères (75056, "
    "2A004), différent du code postal.",
    "COURRIEL_INVALIDE": "Saisissez une seule adresse de la forme nom@domaine.fr, sans espace.",
    "TELEPHONE_INVALIDE": "Saisissez un numéro français à 10 chiffres (01 23 45 67 89).",
    "PRECISION_PERDUE": "Formatez la colonne en Texte, puis saisissez ou collez à nouveau "
    "l'identifiant complet.",
    "DATE_INVALIDE": "Saisissez une date JJ/MM/AAAA ou AAAA-MM-JJ.",
    "NOMBRE_INVALIDE": "Saisissez un nombre entier positif ou nul, sans unité ni décimale.",
    "TEXTE_TROP_LONG": "Raccourcissez le texte (255 caractères au plus, 50 pour le sigle).",
    "CARACTERE_INTERDIT": "Retapez le texte : il contient un caractère invisible (souvent "
    "issu d'un copier-coller).",
    "FORMULE_SANS_VALEUR": "Ouvrez le fichier, laissez le tableur recalculer, enregistrez ; ou "
    "remplacez la formule par sa valeur (collage spécial > valeurs).",
    "ERREUR_DE_FORMULE": "Corrigez la formule (#REF!, #N/A…) ou remplacez-la par la valeur "
    "attendue.",
    "DEPARTEMENT_INCONNU": "Choisissez le code du département dans la liste (01, 2A, 971…).",
    "TYPE_INCONNU": "Choisissez le type dans la liste déroulante ou saisissez son code "
    "(feuille Lisez-moi du modèle).",
    "VALEUR_HORS_LISTE": "Choisissez la valeur dans la liste (feuille Lisez-moi du modèle) ; "
    "séparez plusieurs valeurs par « ; ».",
    "HORS_PERIMETRE": "Retirez cette ligne, ou faites-la importer par le département concerné.",
    "CAPACITE_INTERDITE": "Videz la capacité : ce type de dispositif n'en a pas.",
    "DATES_INCOHERENTES": "Corrigez la date d'ouverture ou de fermeture : la fermeture ne "
    "peut précéder l'ouverture.",
    "DOUBLON_DANS_LE_FICHIER": "Gardez une seule des lignes citées, ou distinguez-les (nom, "
    "type, identifiant).",
    "ENTITE_INCONNUE": "Ajoutez l'entité (ce SIREN) dans la feuille Entités, ou corrigez le SIREN.",
    "IDENTIFIANT_INCONNU": "Videz l'identifiant pour créer un dispositif, ou reprenez celui "
    "d'un export récent de votre offre.",
    "IDENTIFIANT_INVALIDE": "Reprenez l'identifiant tel qu'exporté (DSP-75-000123) ou videz-le "
    "pour un nouveau dispositif.",
    "ZERO_RESTAURE": "Vérifiez l'identifiant complété ; formatez la colonne en Texte pour ne "
    "plus perdre les zéros.",
    "DATE_NUMERIQUE": "Vérifiez la date lue ; formatez la colonne en Date pour l'afficher.",
    "SIRET_AUTRE_ENTITE": "Vérifiez le SIRET : il ne commence pas par le SIREN de l'entité.",
    "FINESS_CORSE_NON_VERIFIE": "Vérifiez ce FINESS de Corse dans le répertoire FINESS : sa "
    "clé n'a pas pu être contrôlée.",
    "COURRIEL_GENERIQUE": "Indiquez si possible l'adresse nominative du responsable.",
    "COURRIEL_PERSONNEL": "Indiquez de préférence une adresse professionnelle.",
    "CHAMP_RESERVE_ETAT": "Rien à faire : capacité et financeurs sont modifiés par les "
    "services de l'État ; adressez-leur la demande.",
    "PLAN_PERIME": "L'offre a changé depuis l'analyse : déposez à nouveau le fichier pour un "
    "aperçu à jour.",
    # Temps 2 (workbook 2)
    "GROUPE_INCONNU": "Gardez l'identifiant du groupe tel qu'exporté, ou supprimez la ligne.",
    "UTILISATEUR_INCONNU": "Gardez l'identifiant du compte tel qu'exporté, ou supprimez la ligne.",
    "DISPOSITIF_INCONNU": "Choisissez le dispositif dans la liste (feuille Dispositifs du "
    "classeur exporté).",
    "TYPE_INCOMPATIBLE": "Choisissez un dispositif d'hébergement ou de logement, ou excluez le "
    "groupe.",
    "DISPOSITIF_FERME": "Choisissez un dispositif ouvert, ou excluez le groupe.",
    "PERIMETRE_INCOHERENT": "Remplissez la colonne de périmètre du profil (Départements, SIREN "
    "de l'entité ou Dispositifs) et videz les autres.",
    "PROFIL_RESERVE": "Laissez ce compte à l'administration nationale, ou choisissez un profil "
    "que vous pouvez attribuer.",
    "COURRIEL_EN_DOUBLE": "Saisissez un « Nouveau courriel » nominatif, liez ce compte au compte "
    "existant, ou désactivez le doublon.",
    "DECISION_MODIFIEE_DEPUIS": "Vérifiez la décision dans l'aperçu avant d'appliquer, ou "
    "exportez à nouveau le classeur pour partir des décisions actuelles.",
    "COMPTE_A_LIER_INCONNU": "Indiquez le courriel du compte à lier dans « Nouveau courriel », ou "
    "choisissez « Migrer ».",
}
_GENERIC_FIX = "Corrigez la cellule d'après le message, puis déposez à nouveau le fichier."


def how_to_fix(code: str) -> str:
    return HOW_TO_FIX.get(code, _GENERIC_FIX)


@dataclass(frozen=True, slots=True)
class SheetValues:
    """One of the user's sheets as read: its header (row 1) and its rows, numbered as in the
    user's file (blank rows may be absent: they stay blank in the report)."""

    name: str
    header: list[str]
    rows: list[tuple[int, list[object]]]


def build_report(sheets: Sequence[SheetValues], anomalies: Sequence[Anomalie]) -> bytes:
    """The error report as .xlsx bytes: « Anomalies » first, then the user's sheets."""
    for sheet in sheets:  # checked first: a write-only workbook cannot be abandoned cleanly
        _check_rows(sheet)
    wb = Workbook(write_only=True)
    _write_anomalies(wb.create_sheet(ANOMALIES_SHEET), anomalies)
    taken = {fold(ANOMALIES_SHEET)}
    by_sheet: dict[str, list[Anomalie]] = defaultdict(list)
    for a in anomalies:
        by_sheet[fold(a.feuille)].append(a)
    for sheet in sheets:
        title = _sheet_title(sheet.name, taken)
        _write_user_sheet(wb.create_sheet(title), sheet, by_sheet.get(fold(sheet.name), []))
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def anomalies_csv(anomalies: Sequence[Anomalie]) -> bytes:
    """The « Anomalies » sheet as CSV for Excel: UTF-8 with BOM, `;`, CRLF, injection-safe."""
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
    writer.writerow(ANOMALY_HEADERS)
    for a in anomalies:
        writer.writerow([_csv_cell(v) for v in _anomaly_row(a)])
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def _csv_cell(value: object) -> str:
    text = "" if value is None else safe_text(str(value))
    return "'" + text if text.startswith(_CSV_TRIGGERS) else text


def _anomaly_row(a: Anomalie) -> tuple[object, ...]:
    # Row 0 is « the file as a whole »: an empty cell says it better than a 0.
    ligne = a.ligne or None
    return (
        a.feuille,
        ligne,
        a.colonne,
        a.valeur,
        a.code,
        a.severite.value,
        a.message,
        how_to_fix(a.code),
    )


def _fill(severite: Severite) -> PatternFill:
    return ERROR_FILL if severite is Severite.ERREUR else WARNING_FILL


# The sheets below are write-only sheets: openpyxl gives them Worksheet's layout attributes
# (column_dimensions, freeze_panes, auto_filter) but types-openpyxl does not declare them on
# WriteOnlyWorksheet, so they are annotated as Worksheet.

# --- « Anomalies » ---------------------------------------------------------------------------


def _header_cells(ws: Worksheet, header: Iterable[object]) -> list[Cell]:
    cells = []
    for value in header:
        cell = WriteOnlyCell(ws)
        set_value(cell, value)
        cell.font = HEADER_FONT
        cells.append(cell)
    return cells


def _write_anomalies(ws: Worksheet, anomalies: Sequence[Anomalie]) -> None:
    # Write-only sheets take their layout before the first row.
    for index, width in enumerate(_ANOMALY_WIDTHS, start=1):
        ws.column_dimensions[get_column_letter(index)].width = width
    ws.freeze_panes = "A2"
    ws.auto_filter.ref = f"A1:{get_column_letter(len(ANOMALY_HEADERS))}{len(anomalies) + 1}"
    ws.append(_header_cells(ws, ANOMALY_HEADERS))
    for a in anomalies:
        cells = []
        for position, value in enumerate(_anomaly_row(a)):
            cell = WriteOnlyCell(ws)
            set_value(cell, value)
            if position >= 6:  # message and how-to-fix: long texts
                cell.alignment = WRAP
            if position == 5:
                cell.fill = _fill(a.severite)
            cells.append(cell)
        ws.append(cells)


# --- The user's sheets -----------------------------------------------------------------------


def _sheet_title(name: str, taken: set[str]) -> str:
    """A valid, unused sheet title: at most 31 characters, none of []:*?/\\, no edge quote."""
    base = safe_text(name).translate(_SHEET_NAME_FORBIDDEN).strip().strip("'")[:31] or "Feuille"
    title, n = base, 1
    while fold(title) in taken:  # Excel compares sheet names without case
        n += 1
        suffix = f" ({n})"
        title = base[: 31 - len(suffix)] + suffix
    taken.add(fold(title))
    return title


def _header_index(sheet_name: str, header: Sequence[str]) -> dict[str, int]:
    """fold(column name) → 1-based column, with the canonical headers of columns.py mapped to
    the alias the user's file used: anomalies name canonical headers (« SIREN »), the file may
    say « N° SIREN »."""
    index: dict[str, int] = {}
    for position, text in enumerate(header, start=1):
        index.setdefault(fold(str(text)), position)
    for sheet in WORKBOOK_1:
        if fold(sheet.name) != fold(sheet_name):
            continue
        for column in sheet.columns:
            if fold(column.header) in index:
                continue
            for alias in column.aliases:
                if (found := index.get(fold(alias))) is not None:
                    index[fold(column.header)] = found
                    break
    return index


def _cell_anomalies(
    sheet: SheetValues, anomalies: Sequence[Anomalie]
) -> dict[int, dict[int, list[Anomalie]]]:
    """row → column → anomalies; a row-level anomaly (no or unknown column) goes to column 1,
    a file-level one (row 0), or one beyond the last row a sheet can have, stays in
    « Anomalies » only."""
    index = _header_index(sheet.name, sheet.header)
    found: dict[int, dict[int, list[Anomalie]]] = defaultdict(lambda: defaultdict(list))
    for a in anomalies:
        if 1 <= a.ligne <= _MAX_ROW:
            column = index.get(fold(a.colonne), 1) if a.colonne else 1
            found[a.ligne][column].append(a)
    return found


def _note(found: list[Anomalie]) -> str:
    shown = found[:MAX_MESSAGES_PER_COMMENT]
    lines = [a.message for a in shown] if len(found) == 1 else [f"• {a.message}" for a in shown]
    if len(found) > len(shown):
        lines.append(f"… et {len(found) - len(shown)} autres anomalies (feuille Anomalies).")
    return "\n".join(lines)


def _check_rows(sheet: SheetValues) -> None:
    seen: set[int] = set()
    for number, _ in sheet.rows:
        if number <= 1 or number in seen:
            raise ValueError(f"{sheet.name} : ligne {number} en double ou sur l'en-tête")
        seen.add(number)


def _write_user_sheet(ws: Worksheet, sheet: SheetValues, anomalies: Sequence[Anomalie]) -> None:
    marks = _cell_anomalies(sheet, anomalies)
    values = dict(sheet.rows)
    widest = max([len(sheet.header), *(len(r) for r in values.values())], default=0)
    for position in range(1, widest + 1):
        text = str(sheet.header[position - 1]) if position <= len(sheet.header) else ""
        ws.column_dimensions[get_column_letter(position)].width = column_width(text, maximum=40)
    ws.freeze_panes = "A2"
    last = max([1, *values, *marks])
    for number in range(1, last + 1):
        row: Sequence[object] = sheet.header if number == 1 else values.get(number, [])
        ws.append(_row_cells(ws, row, marks.get(number), header=number == 1))


def _row_cells(
    ws: Worksheet,
    row: Sequence[object],
    marks: dict[int, list[Anomalie]] | None,
    *,
    header: bool,
) -> list[Cell | None]:
    width = max([len(row), *(marks or {})])
    cells: list[Cell | None] = []
    for position in range(1, width + 1):
        value = row[position - 1] if position <= len(row) else None
        found = marks.get(position) if marks else None
        if value is None and not found and not header:
            cells.append(None)  # nothing to write: a blank cell costs nothing
            continue
        cell = WriteOnlyCell(ws)
        set_value(cell, value)
        if header:
            cell.font = HEADER_FONT
        if found:
            worst = Severite.ERREUR if any(a.bloquante for a in found) else Severite.AVERTISSEMENT
            cell.fill = _fill(worst)
            cell.comment = comment(_note(found), width_chars=60)
        cells.append(cell)
    return cells
