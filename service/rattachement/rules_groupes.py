"""Rules of one groupe de places' decision (sheet « Groupes de places » or screen entry), pure.

Rattacher needs a target — an open dispositif of the département whose type takes places —,
Exclure ignores it, an empty Décision is « à décider ».
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from service.bascule.types import avec_places
from service.rattachement.cells import Probleme, identifier_of, text_of
from service.rattachement.columns import DECISIONS_GROUPE, choice_value, leading_identifiant
from service.rattachement.context import Contexte, GroupeDecision
from service.referentiels.checks import Issue, Severite, error
from service.referentiels.nomenclature import TYPES_BY_CODE

COMMENTAIRE_MAX = 1000


@dataclass(frozen=True, slots=True)
class LigneGroupe:
    """One groupe's row as read: ``decision`` None is « à décider »."""

    ligne: int
    groupe_id: int | None
    decision: GroupeDecision | None
    problemes: tuple[Probleme, ...] = ()

    @property
    def erreur(self) -> bool:
        return any(p.issue.severite is Severite.ERREUR for p in self.problemes)


def _labels(values: Mapping[str, str]) -> str:
    return ", ".join(f"« {label} »" for label in values.values())


def groupe_id_problem(raw: object, ctx: Contexte) -> tuple[int | None, Issue | None]:
    if not text_of(raw):
        return None, error("VALEUR_OBLIGATOIRE", "l'identifiant du groupe est obligatoire.")
    groupe_id = identifier_of(raw)
    if groupe_id is None or groupe_id not in ctx.groupes:
        detail = (
            f"n'est pas un groupe de places actif du département {ctx.departement} : gardez "
            "l'identifiant exporté, ou supprimez la ligne."
        )
        return groupe_id, error("GROUPE_INCONNU", detail)
    return groupe_id, None


def dispositif_problem(identifiant: str | None, typed: str, ctx: Contexte) -> Issue | None:
    """Why ``identifiant`` cannot receive groupes de places, if it cannot."""
    found = ctx.dispositifs.get(identifiant) if identifiant else None
    if found is None:
        return error(
            "DISPOSITIF_INCONNU",
            f"n'est pas un dispositif du département {ctx.departement} : choisissez-le dans la "
            "liste (feuille Dispositifs), seul l'identifiant DSP-… en tête est lu.",
        )
    if not avec_places(found.type_code):
        record = TYPES_BY_CODE.get(found.type_code)
        return error(
            "TYPE_INCOMPATIBLE",
            f"est un dispositif de type « {record.libelle if record else found.type_code} », "
            "qui n'accueille pas de groupes de places : choisissez un dispositif d'hébergement "
            "ou de logement, ou excluez le groupe.",
        )
    if found.ferme:
        return error(
            "DISPOSITIF_FERME",
            "est un dispositif fermé : choisissez un dispositif ouvert, ou excluez le groupe.",
        )
    return None


def groupe_rules(ligne: int, cells: Mapping[str, object], ctx: Contexte) -> LigneGroupe:
    """The decision a row asks for, and what is wrong with it."""
    problems: list[Probleme] = []
    groupe_id, issue = groupe_id_problem(cells.get("groupe"), ctx)
    if issue is not None:
        problems.append(Probleme("groupe", cells.get("groupe"), issue))
    commentaire = text_of(cells.get("commentaire")) or None
    if commentaire is not None and len(commentaire) > COMMENTAIRE_MAX:
        detail = f"dépasse {COMMENTAIRE_MAX} caractères : raccourcissez le commentaire."
        problems.append(Probleme("commentaire", commentaire, error("TEXTE_TROP_LONG", detail)))
    typed = text_of(cells.get("decision"))
    value = choice_value(DECISIONS_GROUPE, typed) if typed else None
    decision: GroupeDecision | None = None
    if typed and value is None:
        detail = f"n'est pas une décision possible : {_labels(DECISIONS_GROUPE)}, ou vide."
        problems.append(Probleme("decision", typed, error("VALEUR_HORS_LISTE", detail)))
    elif value == "exclure":
        decision = GroupeDecision("exclure", None, commentaire)
    elif value == "rattacher":
        target_text = text_of(cells.get("cible"))
        identifiant = leading_identifiant(target_text)
        if not target_text:
            detail = "« Rattacher » demande un dispositif cible : choisissez-le dans la liste."
            problems.append(Probleme("cible", "", error("VALEUR_OBLIGATOIRE", detail)))
        elif (issue := dispositif_problem(identifiant, target_text, ctx)) is not None:
            problems.append(Probleme("cible", target_text, issue))
        else:
            decision = GroupeDecision("rattacher", identifiant, commentaire)
    return LigneGroupe(ligne, groupe_id, decision, tuple(problems))
