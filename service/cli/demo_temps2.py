"""The Temps 2 part of `offre demo`: what an operator does with workbook 2 when the proposals
are good enough — accept them, exclude the groupes without one, take the proposed profiles,
link what the proposal links, keep one migrating account per shared e-mail and deactivate the
duplicates, leave to decide what needs a person (profile conflicts, scopes that cannot be
proposed yet)."""

from __future__ import annotations

import io

from openpyxl import load_workbook

from service.bascule.comptes import courriel_key
from service.rattachement.columns import DECISIONS_COMPTE, DECISIONS_GROUPE, GROUPES, UTILISATEURS
from service.rattachement.rules_comptes import profil_of
from service.referentiels.profils import PROFILS_BY_CODE

_SCOPE_HEADER = {
    "departement": "Départements",
    "entite": "SIREN de l'entité",
    "dispositif": "Dispositifs",
}


def _columns(ws: object) -> dict[str, int]:
    return {c.value: c.column for c in ws[1] if c.value}  # type: ignore[index]


def accept_proposals(data: bytes) -> bytes:
    """Workbook 2 as exported, with its « Décision » columns filled that way."""
    wb = load_workbook(io.BytesIO(data))
    ws = wb[GROUPES.name]
    col = _columns(ws)
    for row in range(2, ws.max_row + 1):
        if ws.cell(row, col["Identifiant groupe"]).value is None:
            continue
        proposed = ws.cell(row, col["Dispositif proposé"]).value
        decision = DECISIONS_GROUPE["rattacher" if proposed else "exclure"]
        ws.cell(row, col["Décision"]).value = decision
    ws = wb[UTILISATEURS.name]
    col = _columns(ws)
    migrating: set[str] = set()
    for row in range(2, ws.max_row + 1):
        if ws.cell(row, col["Identifiant utilisateur"]).value is None:
            continue
        proposed = str(ws.cell(row, col["Profil proposé"]).value or "")
        profil = profil_of(str(ws.cell(row, col["Nouveau profil"]).value or ""))
        email = courriel_key(str(ws.cell(row, col["Courriel"]).value or ""))
        if DECISIONS_COMPTE["lier"] in proposed:
            decision = "lier"
        elif profil is None:
            continue  # a profile conflict: a person decides
        elif email in migrating:
            decision = "desactiver"  # a duplicate of a shared e-mail
        else:
            header = _SCOPE_HEADER.get(PROFILS_BY_CODE[profil].perimetre)
            if header and not ws.cell(row, col[header]).value:
                continue  # its scope cannot be proposed yet
            decision = "migrer"
            migrating.add(email)
        ws.cell(row, col["Décision"]).value = DECISIONS_COMPTE[decision]
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()
