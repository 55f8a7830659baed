"""The capacity report as an .xlsx workbook, one sheet per level (dispositifs, types, catégories,
départements, the whole scope): numbers as numbers, rates as percentages, « sans objet » for the
mesures types; headers explained in their comments; nothing written as a formula (every text
through workbook_style)."""

from __future__ import annotations

import io
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime
from typing import Any

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import Cell
from openpyxl.styles import PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from service.capacites.schemas import (
    SANS_OBJET,
    CapaciteDispositif,
    Chiffres,
    RapportDepartement,
    RapportNational,
)
from service.imports.workbook_style import (
    DATETIME_FORMAT,
    HEADER_FONT,
    column_width,
    comment,
    set_text,
)
from service.referentiels.departements import CODES

HEADER_FILL = PatternFill("solid", fgColor="FFDDEBF7")
INTEGER = "#,##0"
PERCENT = "0.0%"
_HELP = {
    "Unité": "L'unité de capacité du type : places (hébergement), logements (IML, résidences "
    "sociales) ou mesures (accompagnement). Les chiffres d'une ligne sont dans cette unité.",
    "Capacité financée": "La capacité financée déclarée au Temps 1 (somme des dispositifs "
    "ouverts). Une capacité non renseignée compte 0.",
    "Places installées": "La somme des places des groupes de places actifs rattachés au "
    "dispositif. « sans objet » pour les mesures, qui n'ont pas de groupes de places.",
    "Places occupées": "La somme des places occupées de ces groupes, tenues à jour par les "
    "autres modules du SI SIAO.",
    "Taux d'occupation": "Places occupées / places installées ; vide quand aucune place n'est "
    "installée.",
    "Écart financé − installé": "Capacité financée − places installées : positif, des places "
    "financées ne sont pas installées ; négatif, plus de places installées que financées.",
}
_FIGURES = (
    ("Dispositifs", INTEGER),
    ("Capacité financée", INTEGER),
    ("Capacités non renseignées", INTEGER),
    ("Places installées", INTEGER),
    ("Places occupées", INTEGER),
    ("Taux d'occupation", PERCENT),
    ("Écart financé − installé", INTEGER),
)


def _cell(ws: Worksheet, value: Any, number_format: str | None = None) -> Cell:
    cell = WriteOnlyCell(ws)
    if isinstance(value, str):
        set_text(cell, value)
    elif isinstance(value, datetime):
        cell.value = value.astimezone(UTC).replace(tzinfo=None)
        cell.number_format = DATETIME_FORMAT
    elif value is not None:
        cell.value = value
        if number_format:
            cell.number_format = number_format
    return cell


def _sheet(
    wb: Workbook,
    title: str,
    headers: Sequence[tuple[str, str | None]],
    rows: Iterable[Sequence[Any]],
) -> None:
    ws = wb.create_sheet(title)
    for index, (header, _) in enumerate(headers, start=1):
        ws.column_dimensions[get_column_letter(index)].width = column_width(header, minimum=12)
    ws.freeze_panes = "A2"
    header_cells = []
    for header, _ in headers:
        cell = _cell(ws, header)
        cell.font = HEADER_FONT
        cell.fill = HEADER_FILL
        if header in _HELP:
            cell.comment = comment(_HELP[header])
        header_cells.append(cell)
    ws.append(header_cells)
    count = 0
    for row in rows:
        ws.append([_cell(ws, v, fmt) for v, (_, fmt) in zip(row, headers, strict=True)])
        count += 1
    ws.auto_filter.ref = f"A1:{get_column_letter(len(headers))}{count + 1}"


def _figures(c: Chiffres | None) -> list[Any]:
    if c is None:
        return [None] * len(_FIGURES)
    head = [c.dispositifs, c.capacite_financee, c.capacite_non_renseignee]
    if c.sans_objet:
        return [*head, SANS_OBJET, SANS_OBJET, SANS_OBJET, SANS_OBJET]
    return [*head, c.places_installees, c.places_occupees, c.taux_occupation, c.ecart]


def _dispositifs(wb: Workbook, items: Sequence[CapaciteDispositif]) -> None:
    headers: list[tuple[str, str | None]] = [
        ("Département", None),
        ("Identifiant", None),
        ("Nom du dispositif", None),
        ("Catégorie", None),
        ("Type", None),
        ("Unité", None),
        ("Capacité financée", INTEGER),
        ("Groupes de places", INTEGER),
        ("Places installées", INTEGER),
        ("Places occupées", INTEGER),
        ("Taux d'occupation", PERCENT),
        ("Écart financé − installé", INTEGER),
    ]
    rows = (
        [
            d.departement,
            d.identifiant,
            d.nom,
            d.categorie_libelle,
            d.type_libelle,
            d.unite,
            d.capacite_financee,
            d.groupes,
            SANS_OBJET if d.sans_objet else d.places_installees,
            SANS_OBJET if d.sans_objet else d.places_occupees,
            SANS_OBJET if d.sans_objet else d.taux_occupation,
            SANS_OBJET if d.sans_objet else d.ecart,
        ]
        for d in items
    )
    _sheet(wb, "Dispositifs", headers, rows)


def _levels(wb: Workbook, report: RapportDepartement | RapportNational) -> None:
    _sheet(
        wb,
        "Types",
        [("Catégorie", None), ("Type", None), ("Unité", None), *_FIGURES],
        ([t.categorie_libelle, t.type_libelle, t.unite, *_figures(t)] for t in report.types),
    )
    _sheet(
        wb,
        "Catégories",
        [("Catégorie", None), ("Unité", None), *_FIGURES],
        ([c.categorie_libelle, c.unite, *_figures(c)] for c in report.categories),
    )


_DEPARTEMENT_HEADERS: list[tuple[str, str | None]] = [
    ("Département", None),
    ("Nom", None),
    ("Statut", None),
    ("Basculé le (UTC)", None),
    ("Unité", None),
    *_FIGURES,
]


def _save(wb: Workbook) -> bytes:
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def departement_workbook(report: RapportDepartement) -> bytes:
    wb = Workbook(write_only=True)
    _dispositifs(wb, report.dispositifs)
    _levels(wb, report)
    head = [report.departement, report.nom, report.libelle_statut, report.bascule_le]
    rows = [[*head, t.unite, *_figures(t)] for t in report.totaux] or [
        [*head, None, *_figures(None)]
    ]
    _sheet(wb, "Département", _DEPARTEMENT_HEADERS, rows)
    return _save(wb)


def national_workbook(report: RapportNational, dispositifs: Sequence[CapaciteDispositif]) -> bytes:
    wb = Workbook(write_only=True)
    _dispositifs(wb, dispositifs)
    _levels(wb, report)
    rows = []
    for d in report.departements:
        head = [d.departement, d.nom, d.libelle_statut, d.bascule_le]
        rows += [[*head, t.unite, *_figures(t)] for t in d.totaux] or [
            [*head, None, *_figures(None)]
        ]
    _sheet(wb, "Départements", _DEPARTEMENT_HEADERS, rows)
    _sheet(
        wb,
        "National" if len(report.departements) == len(CODES) else "Périmètre",
        [("Unité", None), *_FIGURES],
        ([t.unite, *_figures(t)] for t in report.totaux),
    )
    return _save(wb)
