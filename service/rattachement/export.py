"""Workbook 2 of one département, pre-filled (IMPORT-FORMAT.md « Workbook 2 »), pure: built
from the département's context.

« Groupes de places » and « Utilisateurs » show the legacy rows, the proposals and, in the
columns to fill, the stored decision or else the proposal (« Décision » stays empty — « à
décider » — until someone decides). Read-only columns are grey and locked (sheet protection
without password: it prevents slips, not a determined user, and the reader ignores those
columns anyway); drop-downs offer the decisions, the profiles and « DSP-93-000123 — Nom
(type) » from the sheet « Dispositifs ». « Lisez-moi » holds the hidden marker (département,
export time). Written with openpyxl's write-only mode; every value is text, never a formula.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from datetime import UTC, datetime

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import PatternFill, Protection
from openpyxl.utils import column_index_from_string, get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.worksheet import Worksheet
from sqlalchemy.orm import Session

from service.bascule.types import avec_places
from service.imports.workbook_style import (
    HEADER_FONT,
    HIDDEN_FONT,
    TEXT_FORMAT,
    TITLE_FONT,
    WRAP,
    column_width,
    comment,
    set_value,
)
from service.rattachement.columns import (
    ALERTES,
    DECISIONS_COMPTE,
    DECISIONS_GROUPE,
    DISPOSITIFS,
    GROUPES,
    MARKER_CELL,
    README,
    UTILISATEURS,
    dispositif_label,
    marker,
)
from service.rattachement.context import Contexte
from service.rattachement.queries import load_contexte
from service.referentiels.listes import TYPES_STRUCTURE_HISTORIQUES
from service.referentiels.nomenclature import TYPES_BY_CODE
from service.referentiels.profils import PROFILS_BY_CODE
from service.referentiels.reference_data import profils_historiques

READ_ONLY_FILL = PatternFill("solid", fgColor="FFD9D9D9")
TO_FILL = {"cible", "decision", "commentaire", "profil", "departements", "siren"}
TO_FILL |= {"dispositifs", "courriel"}
_TEXT_FIELDS = {"departements", "siren", "dispositifs"}
_WIDTHS = {"motif": 60, "alertes": 60, "cible": 48, "propose": 48, "choix": 60, "structure": 34}
_LEGACY_PROFILES = {p.code: p.libelle for p in profils_historiques()}
_JOIN = " ; "

Row = list[object]


def _label(ctx: Contexte, identifiant: str | None) -> str:
    if identifiant is None:
        return ""
    found = ctx.dispositifs.get(identifiant)
    return dispositif_label(identifiant, found.nom, found.type_code) if found else identifiant


def _groupe_rows(ctx: Contexte) -> list[Row]:
    rows: list[Row] = []
    for groupe_id in sorted(ctx.groupes):
        g = ctx.groupes[groupe_id]
        s = ctx.structures[g.structure_id]
        p = ctx.propositions_groupes.get(groupe_id)
        decided = ctx.decisions_groupes.get(groupe_id)
        motif = p.motif if p else ""
        if p and p.alertes:
            motif = " ".join([motif + ".", *(a.message for a in p.alertes)])
        target = decided.dispositif if decided else (p.dispositif if p else None)
        rows.append(
            [
                groupe_id,
                f"{s.nom} (n° {s.id})",
                TYPES_STRUCTURE_HISTORIQUES.get(s.type_code, str(s.type_code)),
                g.libelle,
                g.type_place,
                g.public or "",
                g.nb_places,
                g.places_occupees,
                g.commune or s.commune or "",
                _label(ctx, p.dispositif if p else None),
                p.confiance.value if p else "",
                motif,
                _label(ctx, target),
                DECISIONS_GROUPE[decided.decision] if decided else "",
                decided.commentaire or "" if decided else "",
            ]
        )
    return rows


def _alertes(ctx: Contexte, utilisateur_id: int) -> str:
    p = ctx.propositions_comptes.get(utilisateur_id)
    done = ctx.acquittees.get(utilisateur_id, frozenset())
    return "\n".join(
        f"{ALERTES.get(a.code, a.code)}{' (acquittée)' if a.code in done else ''} : {a.message}"
        for a in (p.alertes if p else ())
    )


def _compte_rows(ctx: Contexte) -> list[Row]:
    rows: list[Row] = []
    for utilisateur_id in sorted(ctx.comptes):
        a = ctx.comptes[utilisateur_id]
        p = ctx.propositions_comptes.get(utilisateur_id)
        decided = ctx.decisions_comptes.get(utilisateur_id)
        structure = ctx.structures.get(a.structure_id) if a.structure_id else None
        proposed = ""
        if p is not None:
            libelle = PROFILS_BY_CODE[p.profil].libelle if p.profil else "à choisir"
            proposed = f"{libelle} ({p.motif})"
            if p.decision.value != "migrer":
                proposed += f" — proposé : {DECISIONS_COMPTE[p.decision.value]}"
        scope = decided if decided is not None else p
        profil = scope.profil if scope is not None else None
        rows.append(
            [
                utilisateur_id,
                a.nom,
                a.prenom,
                a.email,
                _JOIN.join(_LEGACY_PROFILES.get(c, c) for c in a.profils),
                f"{structure.nom} (n° {structure.id})"
                if structure
                else (f"n° {a.structure_id}" if a.structure_id else ""),
                proposed,
                _alertes(ctx, utilisateur_id),
                PROFILS_BY_CODE[profil].libelle if profil else "",
                _JOIN.join(scope.departements) if scope else "",
                (scope.siren or "") if scope else "",
                _JOIN.join(scope.dispositifs) if scope else "",
                (decided.courriel or "") if decided else "",
                DECISIONS_COMPTE[decided.decision] if decided else "",
            ]
        )
    return rows


def choices(ctx: Contexte) -> list[Row]:
    """The open dispositifs whose type takes places: what « Dispositif cible » may name."""
    rows: list[Row] = []
    for identifiant in sorted(ctx.dispositifs):
        d = ctx.dispositifs[identifiant]
        if d.ferme or not avec_places(d.type_code):
            continue
        record = TYPES_BY_CODE.get(d.type_code)
        rows.append(
            [
                dispositif_label(identifiant, d.nom, d.type_code),
                identifiant,
                d.nom,
                record.libelle if record else d.type_code,
                d.siren,
                ctx.entites.get(d.siren, ""),
                d.commune or "",
                _JOIN.join(d.publics),
                _JOIN.join(str(i) for i in d.structures_historiques),
            ]
        )
    return rows


def _validation(formula: str, ref: str, title: str, prompt: str, *, strict: bool) -> DataValidation:
    validation = DataValidation(
        type="list",
        formula1=formula,
        allow_blank=True,
        showErrorMessage=True,
        showInputMessage=True,
        errorStyle="stop" if strict else "warning",
        errorTitle="Valeur hors liste",
        error="Choisissez une valeur de la liste.",
        promptTitle=title,
        prompt=prompt,
    )
    validation.add(ref)
    return validation


def _inline(values: Sequence[str]) -> str:
    return '"' + ",".join(values) + '"'


def _write_sheet(
    ws: Worksheet,
    fields: Sequence[str],
    headers: Sequence[str],
    helps: Sequence[str],
    rows: Sequence[Row],
) -> None:
    for index, (field, header) in enumerate(zip(fields, headers, strict=True), start=1):
        width = column_width(header, minimum=_WIDTHS.get(field, 14))
        ws.column_dimensions[get_column_letter(index)].width = width
    ws.freeze_panes = "B2"
    ws.auto_filter.ref = f"A1:{get_column_letter(len(fields))}{len(rows) + 1}"
    # Protected, but sorting, filtering and resizing stay allowed.
    ws.protection.sheet = True
    ws.protection.sort = ws.protection.autoFilter = False
    ws.protection.formatColumns = ws.protection.formatRows = False
    header_cells = []
    for field, header, note in zip(fields, headers, helps, strict=True):
        cell = WriteOnlyCell(ws)
        set_value(cell, header)
        cell.font = HEADER_FONT
        if field not in TO_FILL:
            cell.fill = READ_ONLY_FILL
        cell.comment = comment(note)
        header_cells.append(cell)
    ws.append(header_cells)
    for row in rows:
        cells = []
        for field, value in zip(fields, row, strict=True):
            cell = WriteOnlyCell(ws)
            set_value(cell, "" if value is None else value)
            if field in TO_FILL:
                cell.protection = Protection(locked=False)
                if field in _TEXT_FIELDS:
                    cell.number_format = TEXT_FORMAT
            else:
                cell.fill = READ_ONLY_FILL
            if field in ("motif", "alertes"):
                cell.alignment = WRAP
            cells.append(cell)
        ws.append(cells)


def _column(sheet_fields: Sequence[str], field: str, rows: int) -> str:
    letter = get_column_letter(sheet_fields.index(field) + 1)
    return f"{letter}2:{letter}{max(rows, 1) + 1}"


def departement_workbook(session: Session, departement: str) -> bytes:
    """The département's workbook 2 as it stands now."""
    return build_workbook2(load_contexte(session, departement), datetime.now(UTC))


def build_workbook2(ctx: Contexte, exported_at: datetime) -> bytes:
    wb = Workbook(write_only=True)
    _write_readme(wb.create_sheet(README), ctx, exported_at)
    groupes, comptes, dispositifs = _groupe_rows(ctx), _compte_rows(ctx), choices(ctx)
    for sheet, rows in ((GROUPES, groupes), (UTILISATEURS, comptes), (DISPOSITIFS, dispositifs)):
        ws = wb.create_sheet(sheet.name)
        fields = [c.field for c in sheet.columns]
        if sheet is GROUPES:
            ws.data_validations.append(
                _validation(
                    _inline(list(DECISIONS_GROUPE.values())),
                    _column(fields, "decision", len(rows)),
                    "Décision",
                    "Rattacher au dispositif cible, ou Exclure. Vide : à décider.",
                    strict=True,
                )
            )
            if dispositifs:
                ws.data_validations.append(
                    _validation(
                        f"{DISPOSITIFS.name}!$A$2:$A${len(dispositifs) + 1}",
                        _column(fields, "cible", len(rows)),
                        "Dispositif cible",
                        "Un dispositif de la feuille Dispositifs (seul l'identifiant est lu).",
                        strict=False,
                    )
                )
        elif sheet is UTILISATEURS:
            ws.data_validations.append(
                _validation(
                    _inline(list(DECISIONS_COMPTE.values())),
                    _column(fields, "decision", len(rows)),
                    "Décision",
                    "Migrer, Lier au compte existant ou Désactiver. Vide : à décider.",
                    strict=True,
                )
            )
            ws.data_validations.append(
                _validation(
                    _inline([p.libelle for p in PROFILS_BY_CODE.values()]),
                    _column(fields, "profil", len(rows)),
                    "Nouveau profil",
                    "Le profil unique du compte.",
                    strict=True,
                )
            )
        headers = [c.header for c in sheet.columns]
        _write_sheet(ws, fields, headers, [c.help for c in sheet.columns], rows)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


_README = (
    "Ce classeur rattache au nouveau Module Offre les groupes de places et les comptes "
    "historiques du SI SIAO du département. Le SI SIAO actuel n'est pas modifié.",
    "Feuille « Groupes de places » : une ligne par groupe de places actif. Les colonnes grises "
    "sont en lecture seule : le groupe, la proposition du service, sa confiance (haute, "
    "moyenne, faible, aucune) et son motif. Remplissez « Décision » : Rattacher (au « "
    "Dispositif cible », pré-rempli avec la proposition ; la liste offre les dispositifs de la "
    "feuille Dispositifs, seul l'identifiant DSP-… en tête est lu) ou Exclure (le dispositif "
    "cible est alors ignoré). Une décision vide laisse le groupe « à décider ».",
    "Feuille « Utilisateurs » : une ligne par compte historique actif. « Nouveau profil » et "
    "son périmètre sont pré-remplis avec la proposition (le profil reste vide sur un conflit "
    "de profils) : Départements (codes séparés par « ; ») pour les profils départementaux, "
    "SIREN de l'entité pour les profils d'entité, Dispositifs (identifiants séparés par « ; ») "
    "pour les profils de dispositif. « Nouveau courriel » si le courriel actuel est partagé, "
    "générique ou personnel. « Décision » : Migrer, Lier au compte existant ou Désactiver.",
    "Les lignes absentes du fichier restent comme elles sont. Déposez le classeur : le service "
    "le vérifie, montre les décisions qui changent (ancien → nouveau), et les applique quand "
    "vous confirmez. Ne supprimez pas cette feuille : elle indique le département et la date "
    "de l'export.",
)


def _write_readme(ws: Worksheet, ctx: Contexte, exported_at: datetime) -> None:
    ws.column_dimensions["A"].width = 120
    marker_column = MARKER_CELL.rstrip("0123456789")
    ws.column_dimensions[marker_column].hidden = True
    title = WriteOnlyCell(ws)
    set_value(title, f"Rattachement Temps 2 – département {ctx.departement}")
    title.font = TITLE_FONT
    hidden = WriteOnlyCell(ws)
    set_value(hidden, marker(ctx.departement, exported_at.isoformat(timespec="seconds")))
    hidden.font = HIDDEN_FONT
    ws.append([title, *([None] * (column_index_from_string(marker_column) - 2)), hidden])
    when = f"Exporté le {exported_at:%d/%m/%Y à %H:%M} (UTC)."
    for text in (when, *_README):
        cell = WriteOnlyCell(ws)
        set_value(cell, text)
        cell.alignment = WRAP
        ws.append([cell])
