"""The plan of a rattachement: the decisions that change (old → new), pure.

A row whose decision is the stored one is unchanged and left out of the plan (only counted);
rows absent from the file are not looked at. ``apres`` holds the whole decision as it will be
stored, with the proposal shown at the time; ``avant`` the old values of the fields that change.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from service.bascule.model import PropositionCompte, PropositionGroupe
from service.imports.plan import Change
from service.rattachement.columns import GROUPES, UTILISATEURS
from service.rattachement.context import CompteDecision, Contexte, GroupeDecision
from service.rattachement.rules_comptes import LigneCompte
from service.rattachement.rules_groupes import LigneGroupe

A_DECIDER = "a_decider"
PLAN_ACTIONS = ("rattacher", "exclure", "migrer", "lier", "desactiver", A_DECIDER)


@dataclass(slots=True)
class Bilan:
    changes: list[Change] = field(default_factory=list)
    nouvelles: int = 0  # a decision where there was none
    modifiees: int = 0
    retirees: int = 0  # back to « à décider »
    inchangees: int = 0

    def add(self, change: Change, before_decided: bool, after_decided: bool) -> None:
        self.changes.append(change)
        if not before_decided:
            self.nouvelles += 1
        elif after_decided:
            self.modifiees += 1
        else:
            self.retirees += 1

    def merge(self, other: Bilan) -> Bilan:
        return Bilan(
            self.changes + other.changes,
            self.nouvelles + other.nouvelles,
            self.modifiees + other.modifiees,
            self.retirees + other.retirees,
            self.inchangees + other.inchangees,
        )


def groupe_state(d: GroupeDecision | None) -> dict[str, Any]:
    return {
        "decision": d.decision if d else None,
        "dispositif": d.dispositif if d else None,
        "commentaire": d.commentaire if d else None,
    }


def compte_state(d: CompteDecision | None) -> dict[str, Any]:
    return {
        "decision": d.decision if d else None,
        "profil": d.profil if d else None,
        "departements": list(d.departements) if d else [],
        "siren": d.siren if d else None,
        "dispositifs": list(d.dispositifs) if d else [],
        "courriel": d.courriel if d else None,
    }


def groupe_proposal(p: PropositionGroupe | None) -> dict[str, Any]:
    if p is None:
        return {}
    return {"dispositif": p.dispositif, "confiance": p.confiance.value, "motif": p.motif}


def compte_proposal(p: PropositionCompte | None) -> dict[str, Any]:
    if p is None:
        return {}
    return {
        "decision": p.decision.value,
        "profil": p.profil,
        "departements": list(p.departements),
        "siren": p.siren,
        "dispositifs": list(p.dispositifs),
        "motif": p.motif,
        "alertes": list(p.codes_alertes),
    }


def _change(
    bilan: Bilan,
    feuille: str,
    ligne: int,
    key: int,
    before: dict[str, Any],
    after: dict[str, Any],
    proposition: dict[str, Any],
) -> None:
    if before == after:
        bilan.inchangees += 1
        return
    avant = {f: old for f, old in before.items() if old != after[f]}
    action = after["decision"] or A_DECIDER
    apres = {**after, "proposition": proposition}
    change = Change(action, feuille, ligne, str(key), key, avant, apres)
    bilan.add(change, before["decision"] is not None, after["decision"] is not None)


def plan_groupes(lignes: Sequence[LigneGroupe], ctx: Contexte) -> Bilan:
    bilan = Bilan()
    for x in lignes:
        if x.groupe_id is None:
            continue
        before = groupe_state(ctx.decisions_groupes.get(x.groupe_id))
        proposal = groupe_proposal(ctx.propositions_groupes.get(x.groupe_id))
        after = groupe_state(x.decision)
        _change(bilan, GROUPES.name, x.ligne, x.groupe_id, before, after, proposal)
    return bilan


def plan_comptes(lignes: Sequence[LigneCompte], ctx: Contexte) -> Bilan:
    bilan = Bilan()
    for x in lignes:
        if x.utilisateur_id is None:
            continue
        before = compte_state(ctx.decisions_comptes.get(x.utilisateur_id))
        proposal = compte_proposal(ctx.propositions_comptes.get(x.utilisateur_id))
        after = compte_state(x.decision)
        _change(bilan, UTILISATEURS.name, x.ligne, x.utilisateur_id, before, after, proposal)
    return bilan


def decided_since(
    changes: Sequence[Change], ctx: Contexte, exported_at: datetime
) -> list[tuple[str, int, str]]:
    """(sheet, line, when) of the changes that replace a decision taken after the workbook was
    exported: someone decided meanwhile, and the file would overwrite it (a warning)."""
    found = []
    for c in changes:
        kind = "groupe" if c.feuille == GROUPES.name else "compte"
        when = ctx.decide_le.get((kind, c.cible_id or 0))
        if when is not None and when > exported_at and c.ligne is not None:
            found.append((c.feuille, c.ligne, f"{when:%d/%m/%Y à %H:%M}"))
    return found
