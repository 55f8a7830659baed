"""The Temps 1 template (IMPORT-FORMAT.md « Workbook 1 »), blank or pre-filled with an offre.

Sheets: « Lisez-moi » (how to fill in, the codes), « Entités », « Dispositifs » (headers of
columns.py, comments, drop-down lists) and a hidden « Listes » the drop-downs point at.

The version marker (:data:`TEMPLATE_VERSION`) is the text of cell ``Z1`` of « Lisez-moi »:
column Z is hidden and the font is white. The reader looks for any « Lisez-moi » cell starting
with ``offre-temps1-`` (prescan ``WorkbookScan.readme_values``), and keeps those values only
while the sheet holds at most ``README_MAX_CELLS`` (200) cells: « Lisez-moi » stays compact
(one cell per région for the départements, lists joined in one cell), a test guards the count.
"""

from __future__ import annotations

import io
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from functools import cache

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import Cell, MergedCell
from openpyxl.utils import get_column_letter
from openpyxl.utils.cell import column_index_from_string as column_index
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.worksheet import Worksheet

from service.imports.columns import (
    DISPOSITIFS,
    ENTITES,
    STATE_ONLY_FIELDS,
    TEMPLATE_VERSION,
    Column,
    Kind,
    Sheet,
)
from service.imports.workbook_style import (
    DATE_FORMAT,
    HEADER_FONT,
    HIDDEN_FONT,
    OPTIONAL_FILL,
    REQUIRED_FILL,
    SECTION_FONT,
    TEXT_FORMAT,
    TITLE_FONT,
    TextSheet,
    column_width,
    comment,
    set_text,
    set_value,
)
from service.referentiels.listes import FINANCEURS, FORMES_JURIDIQUES, PUBLICS
from service.referentiels.reference_data import departements, types
from service.referentiels.text import fold

README = "Lisez-moi"
LISTES = "Listes"
MARKER_CELL = "Z1"
FORMATTED_ROWS = 2_000  # empty rows pre-formatted below the headers (and below pre-filled data)
LAST_ROW = 1_048_576
LIST_SEPARATOR = " ; "

# Columns formatted as Text so that Excel keeps leading zeros (SIREN 012345678, code postal
# 01000, département 01) instead of turning them into numbers.
TEXT_KINDS = frozenset(
    {
        Kind.SIREN,
        Kind.SIRET,
        Kind.FINESS,
        Kind.FINESS_LIST,
        Kind.RNA,
        Kind.CODE_POSTAL,
        Kind.CODE_COMMUNE,
        Kind.DEPARTEMENT,
        Kind.TELEPHONE,
        Kind.IDENTIFIANT,
    }
)
_LIST_KINDS = frozenset({Kind.FINANCEURS, Kind.PUBLICS, Kind.FINESS_LIST, Kind.LEGACY_IDS})
_WIDTHS = {Kind.TEXT: 30, Kind.TYPE: 34, Kind.FORME_JURIDIQUE: 30, Kind.PUBLICS: 34}
_WIDTHS |= {Kind.EMAIL: 30, Kind.EMAIL_NOMINATIVE: 30, Kind.FINANCEURS: 26}


@dataclass(frozen=True, slots=True)
class Prefill:
    """Rows of a pre-filled export, keyed by the ``field`` names of columns.py.

    Dates as :class:`datetime.date` or ISO text, lists as lists (joined with « ; »), a type as its
    code or label (written as its label, what the drop-down offers).
    """

    entites: Sequence[Mapping[str, object]] = field(default_factory=tuple)
    dispositifs: Sequence[Mapping[str, object]] = field(default_factory=tuple)


@dataclass(frozen=True, slots=True)
class _List:
    title: str
    values: tuple[str, ...]
    column: str  # its column in « Listes »

    @property
    def formula(self) -> str:
        # Absolute and without « = »: the form Excel itself writes in <formula1>.
        return f"{LISTES}!${self.column}$2:${self.column}${len(self.values) + 1}"


@cache
def _lists() -> dict[Kind, _List]:
    return {
        Kind.TYPE: _List("Types de dispositif", tuple(t.libelle for t in types()), "A"),
        Kind.DEPARTEMENT: _List("Départements", tuple(d.code for d in departements()), "B"),
        Kind.FORME_JURIDIQUE: _List("Formes juridiques", FORMES_JURIDIQUES, "C"),
        Kind.FINANCEURS: _List("Financeurs", FINANCEURS, "D"),
        Kind.PUBLICS: _List("Publics accueillis", PUBLICS, "E"),
    }


# Drop-down messages: Excel refuses (« contenu illisible ») titles over 32 characters and
# messages over 255. errorStyle « warning » rather than « stop »: the reader accepts what the
# list would refuse (a type's code, « pension de famille », département « 1 » or « 2a »).
_VALIDATIONS = {
    Kind.TYPE: (
        "Type de dispositif",
        "Choisissez le type dans la liste. Le code du type (ex. HEB_CHRS) est aussi accepté.",
        "Type hors liste",
        "Ce type ne figure pas dans la nomenclature. Choisissez-le dans la liste ou saisissez "
        "son code (voir la feuille Lisez-moi).",
    ),
    Kind.DEPARTEMENT: (
        "Département",
        "Choisissez le code du département (01, 2A, 971…).",
        "Département hors liste",
        "Ce code de département n'existe pas. Choisissez-le dans la liste (01, 2A, 971…).",
    ),
    Kind.FORME_JURIDIQUE: (
        "Forme juridique",
        "Choisissez la forme juridique dans la liste (Autre si aucune ne convient).",
        "Forme juridique hors liste",
        "Cette forme juridique ne figure pas dans la liste : choisissez-en une, ou « Autre ».",
    ),
}


def build_template(prefill: Prefill | None = None) -> bytes:
    """The Temps 1 workbook as .xlsx bytes; with `prefill`, its rows below the headers."""
    wb = Workbook()
    readme = wb.active
    assert readme is not None  # a new Workbook always has its first sheet
    readme.title = README
    write_readme(readme)
    for sheet, rows in (
        (ENTITES, prefill.entites if prefill else ()),
        (DISPOSITIFS, prefill.dispositifs if prefill else ()),
    ):
        _write_data_sheet(wb.create_sheet(sheet.name), sheet, rows)
    write_lists(wb.create_sheet(LISTES))
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


# --- « Entités » and « Dispositifs » ---------------------------------------------------------


def header_note(column: Column) -> str:
    """The comment on a column's header: format, obligation, who may write it."""
    lines = [
        "Obligatoire." if column.required else "Facultatif.",
        column.help,
    ]
    if column.field in STATE_ONLY_FIELDS:
        lines.append("Réservé aux services de l'État : ignoré dans un fichier déposé par un SIAO.")
    return "\n".join(line for line in lines if line)


def _write_data_sheet(
    ws: Worksheet,
    sheet: Sheet,
    rows: Sequence[Mapping[str, object]],
) -> None:
    known = {c.field for c in sheet.columns}
    for number, row in enumerate(rows, start=1):
        # A misspelt key would silently export an empty column, and re-importing it would
        # clear that field for every row: refuse it here.
        if unknown := sorted(set(row) - known):
            raise ValueError(
                f"{sheet.name}, ligne pré-remplie {number} : champs inconnus {unknown}"
            )
    last_formatted = len(rows) + 1 + FORMATTED_ROWS
    for index, column in enumerate(sheet.columns, start=1):
        letter = get_column_letter(index)
        header = ws.cell(row=1, column=index)
        set_text(header, column.header)
        header.font = HEADER_FONT
        header.fill = REQUIRED_FILL if column.required else OPTIONAL_FILL
        header.comment = comment(header_note(column))
        dimension = ws.column_dimensions[letter]
        dimension.width = template_width(column)
        number_format = cell_format(column)
        if number_format:
            # The first rows' cells carry the format (every tool keeps a cell's format); the
            # column style extends it to rows typed further down, where Excel and LibreOffice
            # give new cells their column's style.
            dimension.number_format = number_format
            for r in range(2, last_formatted + 1):
                ws.cell(row=r, column=index).number_format = number_format
        if (validation := drop_down(column, letter)) is not None:
            ws.add_data_validation(validation)
        for r, row in enumerate(rows, start=2):
            _write_prefilled(ws.cell(row=r, column=index), column, row.get(column.field))
    ws.freeze_panes = "A2"


def template_width(column: Column) -> float:
    return column_width(column.header, minimum=_WIDTHS.get(column.kind, 14))


def cell_format(column: Column) -> str | None:
    """Text for identifiers (leading zeros kept), a date format for dates, else None."""
    if column.kind in TEXT_KINDS:
        return TEXT_FORMAT
    if column.kind is Kind.DATE:
        return DATE_FORMAT
    return None


def drop_down(column: Column, letter: str) -> DataValidation | None:
    """The column's drop-down list (pointing at « Listes »), from row 2 down, if it has one."""
    chosen = _lists().get(column.kind)
    if chosen is None or column.kind not in _VALIDATIONS:
        return None
    return _validation(column.kind, chosen, f"{letter}2:{letter}{LAST_ROW}")


def _validation(kind: Kind, chosen: _List, ref: str) -> DataValidation:
    prompt_title, prompt, error_title, error = _VALIDATIONS[kind]
    validation = DataValidation(
        type="list",
        formula1=chosen.formula,
        allow_blank=True,
        showErrorMessage=True,
        showInputMessage=True,
        errorStyle="warning",
        errorTitle=error_title,
        error=error,
        promptTitle=prompt_title,
        prompt=prompt,
    )
    validation.add(ref)
    return validation


_TYPE_LABELS = {t.code: t.libelle for t in types()}


def _write_prefilled(cell: Cell | MergedCell, column: Column, value: object) -> None:
    if value is None or value == "":
        return
    if column.kind in _LIST_KINDS and isinstance(value, list | tuple):
        set_text(cell, LIST_SEPARATOR.join(str(v) for v in value))
    elif column.kind is Kind.DATE:
        set_value(cell, _as_date(value))
    elif column.kind is Kind.TYPE:
        set_text(cell, _TYPE_LABELS.get(str(value), str(value)))
    elif column.kind not in TEXT_KINDS:
        set_value(cell, value)  # the capacité stays a number, free text stays text
    else:
        set_text(cell, str(value))  # identifiers: always text, leading zeros kept


def _as_date(value: object) -> object:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, str):
        try:
            return date.fromisoformat(value)
        except ValueError:
            return value  # written as text: the reader will report it, the user will see it
    return value


# --- « Listes » ------------------------------------------------------------------------------


def write_lists(ws: Worksheet) -> None:
    """« Listes », row after row (a normal or a write-only sheet): each list in its column."""
    lists = sorted(_lists().values(), key=lambda chosen: chosen.column)
    for chosen in lists:
        ws.column_dimensions[chosen.column].width = column_width(
            chosen.title, *chosen.values, maximum=50
        )
    # Hidden, not « very hidden »: a curious user may unhide it in Excel or LibreOffice.
    ws.sheet_state = "hidden"
    for r in range(max(len(chosen.values) for chosen in lists) + 1):
        cells: list[Cell | None] = []
        for chosen in lists:
            text = chosen.title if r == 0 else (chosen.values[r - 1 : r] or [None])[0]
            cells.extend([None] * (column_index(chosen.column) - 1 - len(cells)))
            if text is None:
                cells.append(None)
                continue
            cell = WriteOnlyCell(ws)
            set_text(cell, text)
            if r == 0:
                cell.font = HEADER_FONT
            cells.append(cell)
        ws.append(cells)


# --- « Lisez-moi » ---------------------------------------------------------------------------

_README_WIDTHS = (26, 62, 34, 16)  # A:D; paragraphs span all four


def _required(sheet: Sheet) -> str:
    return ", ".join(c.header for c in sheet.columns if c.required)


def write_readme(ws: Worksheet) -> None:
    """« Lisez-moi », row after row (a normal or a write-only sheet), with the version marker
    in the hidden cell MARKER_CELL."""
    lists = _lists()
    marker = WriteOnlyCell(ws)
    set_text(marker, TEMPLATE_VERSION)
    marker.font = HIDDEN_FONT
    marker_column = column_index(MARKER_CELL.rstrip("0123456789"))
    ws.column_dimensions[get_column_letter(marker_column)].hidden = True
    doc = TextSheet(ws, _README_WIDTHS)
    doc.paragraph(
        "Import de l'offre – modèle Temps 1", font=TITLE_FONT, extra={marker_column: marker}
    )
    doc.paragraph(
        "Ce classeur déclare ou met à jour les entités (organismes gestionnaires) et leurs "
        "dispositifs. Remplissez les feuilles « Entités » et « Dispositifs » à partir de la "
        "ligne 2, sans renommer les feuilles ni modifier les en-têtes (ligne 1), puis déposez "
        "le fichier (.xlsx, .ods, ou .csv pour une seule feuille). Chaque en-tête porte un "
        "commentaire : format attendu, colonne obligatoire ou facultative ; les en-têtes "
        "foncés sont obligatoires. Ne supprimez pas cette feuille : elle indique la version du "
        "modèle."
    )
    doc.paragraph("Feuille « Entités »", font=SECTION_FONT, gap=True)
    doc.paragraph(
        "Une ligne par entité, identifiée par son SIREN : une entité déjà connue est mise à "
        "jour, une nouvelle est créée, quel que soit son département du siège. Colonnes "
        f"obligatoires : {_required(ENTITES)}."
    )
    doc.paragraph("Feuille « Dispositifs »", font=SECTION_FONT, gap=True)
    doc.paragraph(
        "Une ligne par dispositif, dans votre périmètre. Laissez « Identifiant » vide pour un "
        "nouveau dispositif : le service l'attribue (DSP-75-000123). Pour modifier un "
        "dispositif existant, et notamment pour le renommer, gardez son identifiant (un export "
        "pré-rempli les contient). Le SIREN de l'entité doit figurer dans la feuille "
        f"« Entités » ou être déjà connu. Colonnes obligatoires : {_required(DISPOSITIFS)}."
    )
    doc.paragraph(
        "Capacité financée et Financeurs sont des décisions de financement de l'État : seuls "
        "les administrateurs de l'État les modifient ; dans un fichier déposé par un SIAO, ces "
        "deux colonnes sont ignorées. Une colonne absente du fichier laisse le champ inchangé ; "
        "une cellule vide dans une colonne présente efface la valeur (sauf colonne obligatoire)."
    )
    doc.paragraph("Formats acceptés", font=SECTION_FONT, gap=True)
    for text in _FORMATS:
        doc.paragraph(text)
    doc.paragraph("Types de dispositif", font=SECTION_FONT, gap=True)
    doc.table_row("Code", "Libellé", "Catégorie (unité de capacité)", header=True)
    for t in types():
        unit = t.unite_capacite or "sans capacité"
        doc.table_row(t.code, t.libelle, f"{t.categorie_libelle} ({unit})")
    doc.paragraph("Départements", font=SECTION_FONT, gap=True)
    by_region: dict[str, list[str]] = {}
    for d in departements():
        by_region.setdefault(d.region, []).append(f"{d.code} {d.nom}")
    for region in sorted(by_region, key=fold):
        doc.table_row(region, ", ".join(by_region[region]), span_last=True)
    doc.paragraph("Listes de valeurs", font=SECTION_FONT, gap=True)
    doc.paragraph(
        "Financeurs et Publics accueillis acceptent plusieurs valeurs séparées par « ; » "
        "(par exemple « BOP 177 ; CAF »)."
    )
    for kind in (Kind.FORME_JURIDIQUE, Kind.FINANCEURS, Kind.PUBLICS):
        chosen = lists[kind]
        doc.table_row(chosen.title, LIST_SEPARATOR.join(chosen.values), span_last=True)


_FORMATS = (
    "Identifiants (SIREN, SIRET, FINESS, codes postaux et commune, département, identifiant, "
    "téléphone) : les colonnes du modèle sont au format Texte pour garder les zéros initiaux ; "
    "si vous collez des données, collez les valeurs seules. Espaces, points et tirets sont "
    "acceptés (772 201 489).",
    "SIREN : 9 chiffres. SIRET : 14 chiffres, commençant normalement par le SIREN. FINESS : "
    "9 caractères (plusieurs FINESS ET séparés par « ; »). RNA : W suivi de 9 chiffres.",
    "Code postal : 5 chiffres. Code commune INSEE : 5 caractères (75056, 2A004). Département : "
    "code de la liste (01, 2A, 971) ; « 1 » est lu 01.",
    "Type de dispositif : libellé de la liste déroulante (majuscules et accents indifférents) "
    "ou code du type (tableau ci-dessous).",
    "Capacité financée : nombre entier ≥ 0 dans l'unité du type (places, logements ou "
    "mesures) ; laissez-la vide pour la Veille sociale et le Premier accueil.",
    "Dates : cellule date, JJ/MM/AAAA ou AAAA-MM-JJ ; la date de fermeture ne précède pas la "
    "date d'ouverture.",
    "Courriel de contact : toute adresse valide (boîte fonctionnelle acceptée). Courriel du "
    "responsable : adresse professionnelle nominative. Téléphone : numéro français "
    "(01 23 45 67 89).",
    "Structures SI SIAO actuelles : identifiants des structures actuelles séparés par « ; ».",
)
