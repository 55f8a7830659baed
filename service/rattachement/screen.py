"""What a département's rattachement screen lists, pure over its context: the groupes with
their proposal and decision (filtered by confiance and by state), the dispositifs that may
receive them, and the accounts with their proposal, alerts and decision."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from service.bascule.types import avec_places
from service.rattachement.columns import dispositif_label
from service.rattachement.context import Contexte
from service.rattachement.progress import alert_states
from service.rattachement.schemas import Proposition, UtilisateurHistorique, compte_out

Etat = Literal["a_decider", "rattache", "exclu"]
ETATS: dict[str, str] = {"a_decider": "À décider", "rattache": "Rattachés", "exclu": "Exclus"}
ETATS_COMPTE: dict[str, str] = {
    "a_decider": "À décider",
    "migrer": "Migrés",
    "lier": "Liés à un compte existant",
    "desactiver": "Désactivés",
    "alertes": "Avec une alerte qui bloque le Temps 3",
}


@dataclass(frozen=True, slots=True)
class Cible:
    """A dispositif that may receive groupes de places: open, of a type with places."""

    identifiant: str
    libelle: str  # « DSP-93-000123 — Nom (type) »


def etat(p: Proposition) -> str:
    if p.decision is None:
        return "a_decider"
    return "rattache" if p.decision.decision == "rattacher" else "exclu"


def filtrer(
    items: list[Proposition], confiance: str | None, etat_voulu: str | None
) -> list[Proposition]:
    """The groupes (``propositions(ctx)``) with these filters (None: all)."""
    return [
        p
        for p in items
        if confiance in (None, p.proposition.confiance) and etat_voulu in (None, etat(p))
    ]


def cibles(ctx: Contexte) -> list[Cible]:
    return [
        Cible(d.identifiant, dispositif_label(d.identifiant, d.nom, d.type_code))
        for d in sorted(ctx.dispositifs.values(), key=lambda d: d.identifiant)
        if avec_places(d.type_code) and not d.ferme
    ]


def libelles(ctx: Contexte) -> dict[str, str]:
    """Every dispositif of the département by identifiant: its label (closed ones too, for the
    decisions that still point at them)."""
    return {
        d.identifiant: dispositif_label(d.identifiant, d.nom, d.type_code)
        for d in ctx.dispositifs.values()
    }


def comptes(ctx: Contexte, etat_voulu: str | None) -> list[UtilisateurHistorique]:
    """The département's active legacy accounts by id; ``alertes``: those with an alert
    neither settled by their decision nor acknowledged (what blocks Temps 3)."""
    found = []
    for utilisateur_id in sorted(ctx.comptes):
        if etat_voulu == "alertes":
            keep = "restante" in alert_states(ctx, utilisateur_id).values()
        else:
            decided = ctx.decisions_comptes.get(utilisateur_id)
            keep = etat_voulu in (None, decided.decision if decided else "a_decider")
        if keep:
            found.append(compte_out(ctx, utilisateur_id))
    return found
