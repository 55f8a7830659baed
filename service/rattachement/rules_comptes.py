"""Rules of one legacy account's decision (sheet « Utilisateurs » or screen entry), pure.

« Migrer » needs a profile and the scope its ``perimetre`` asks for, inside the département
(entités and dispositifs that run there); « Lier au compte existant » needs an account to link
to; « Désactiver » needs nothing. No privilege escalation (``PROFIL_RESERVE``): a submitter
grants an Entité profile scoped to the département, a SIAO profile no higher than its own, and
the accounts touching the État or Observation sociale families, or a scope beyond the
département, are decided by the national team only.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from service.auth.permissions import Identity
from service.bascule.comptes import courriel_key
from service.rattachement.cells import Probleme, identifier_of, items_of, text_of
from service.rattachement.columns import DECISIONS_COMPTE, choice_value, leading_identifiant
from service.rattachement.context import CompteDecision, Contexte
from service.rattachement.rules_groupes import dispositif_problem
from service.referentiels.checks import Issue, Severite, error
from service.referentiels.departements import check_departement
from service.referentiels.identifiers import check_email, check_siren
from service.referentiels.profils import PROFILS_BY_CODE, family, includes, target_for_legacy
from service.referentiels.text import fold

RESERVED_FAMILIES = frozenset({"ETAT", "OBSERVATION_SOCIALE"})
_PROFILS_BY_KEY = {
    **{fold(p.libelle): p.code for p in PROFILS_BY_CODE.values()},
    **{fold(p.code): p.code for p in PROFILS_BY_CODE.values()},
}


@dataclass(frozen=True, slots=True)
class LigneCompte:
    """One account's row as read: ``decision`` None is « à décider »."""

    ligne: int
    utilisateur_id: int | None
    decision: CompteDecision | None
    problemes: tuple[Probleme, ...] = ()

    @property
    def erreur(self) -> bool:
        return any(p.issue.severite is Severite.ERREUR for p in self.problemes)


def profil_of(raw: str) -> str | None:
    """A profile by its code or its label, any case and accents."""
    return _PROFILS_BY_KEY.get(fold(raw))


def effective_email(decision: CompteDecision, legacy_email: str) -> str:
    return courriel_key(decision.courriel or legacy_email)


def _scope(cells: Mapping[str, object], ctx: Contexte, problems: list[Probleme]) -> CompteDecision:
    """Profile, scope and new e-mail as typed, each checked on its own."""
    typed = text_of(cells.get("profil"))
    profil = profil_of(typed) if typed else None
    if typed and profil is None:
        labels = ", ".join(p.libelle for p in PROFILS_BY_CODE.values())
        detail = f"n'est pas un profil : {labels}."
        problems.append(Probleme("profil", typed, error("VALEUR_HORS_LISTE", detail)))
    departements: list[str] = []
    for item in items_of(cells.get("departements")):
        checked = check_departement(item)
        if checked.value is None:
            problems.extend(Probleme("departements", item, i) for i in checked.issues)
        elif checked.value not in departements:
            departements.append(checked.value)
    siren = None
    if text := text_of(cells.get("siren")):
        checked = check_siren(cells.get("siren"))
        problems.extend(Probleme("siren", text, i) for i in checked.issues)
        siren = checked.value
    dispositifs: list[str] = []
    for item in items_of(cells.get("dispositifs")):
        identifiant = leading_identifiant(item)
        elsewhere = identifiant in ctx.identifiants_connus and identifiant not in ctx.dispositifs
        issue = None if elsewhere else dispositif_problem(identifiant, item, ctx)
        if issue is not None and issue.code != "TYPE_INCOMPATIBLE":
            problems.append(Probleme("dispositifs", item, issue))
        elif identifiant is not None and identifiant not in dispositifs:
            dispositifs.append(identifiant)
    return CompteDecision(
        "migrer", profil, tuple(departements), siren, tuple(dispositifs), _courriel(cells, problems)
    )


def _courriel(cells: Mapping[str, object], problems: list[Probleme]) -> str | None:
    if not (text := text_of(cells.get("courriel"))):
        return None
    checked = check_email(text, nominative=True)
    problems.extend(Probleme("courriel", text, i) for i in checked.issues)
    return checked.value


def perimetre_problems(decision: CompteDecision, ctx: Contexte) -> list[Probleme]:
    """« Migrer »: the scope the profile's perimetre asks for, and nothing else."""
    if decision.profil is None:
        detail = "« Migrer » demande un nouveau profil : choisissez-le dans la liste."
        return [Probleme("profil", "", error("VALEUR_OBLIGATOIRE", detail))]
    record = PROFILS_BY_CODE[decision.profil]
    label = f"le profil « {record.libelle} »"
    given = {
        "departements": decision.departements,
        "siren": decision.siren,
        "dispositifs": decision.dispositifs,
    }
    wanted = {"national": None, "departement": "departements", "entite": "siren"}.get(
        record.perimetre, "dispositifs"
    )
    problems = [
        Probleme(
            champ,
            "; ".join(value) if isinstance(value, tuple) else value,
            error("PERIMETRE_INCOHERENT", f"ne convient pas à {label} : videz cette colonne."),
        )
        for champ, value in given.items()
        if value and champ != wanted
    ]
    if wanted is not None and not given[wanted]:
        what = {"departements": "au moins un département", "siren": "le SIREN de son entité"}
        detail = f"{label} demande {what.get(wanted, 'au moins un dispositif')}."
        problems.append(Probleme(wanted, "", error("PERIMETRE_INCOHERENT", detail)))
    known = ctx.sirens | ctx.sirens_connus
    if wanted == "siren" and decision.siren and decision.siren not in known:
        detail = "n'est pas le SIREN d'une entité connue du module Offre."
        problems.append(Probleme("siren", decision.siren, error("PERIMETRE_INCOHERENT", detail)))
    return problems


def reserved_reason(
    submitter: Identity, utilisateur_id: int, decision: CompteDecision | None, ctx: Contexte
) -> str | None:
    """Why only the national team may decide this (None: the submitter may)."""
    if submitter.national:
        return None
    account = ctx.comptes[utilisateur_id]
    proposal = ctx.propositions_comptes.get(utilisateur_id)
    if target_for_legacy(account.profils).families & RESERVED_FAMILIES or (
        proposal is not None
        and proposal.profil is not None
        and family(proposal.profil) in RESERVED_FAMILIES
    ):
        return (
            "ce compte a un profil de l'État ou de l'observation sociale : seule "
            "l'administration nationale décide de sa migration."
        )
    if proposal is not None and set(proposal.departements) - {ctx.departement}:
        return (
            f"ce compte a un périmètre proposé au-delà du département {ctx.departement} "
            f"({', '.join(proposal.departements)}) : seule l'administration nationale décide "
            "de sa migration."
        )
    if decision is None or decision.profil is None:
        return None
    chosen = PROFILS_BY_CODE[decision.profil]
    if chosen.famille in RESERVED_FAMILIES:
        return (
            f"le profil « {chosen.libelle} » relève de l'État ou de l'observation sociale : "
            "seule l'administration nationale l'attribue."
        )
    if chosen.famille == "SIAO" and not includes(submitter.profil, chosen.code):
        return (
            f"vous ne pouvez pas attribuer le profil « {chosen.libelle} », plus élevé que le "
            f"vôtre ({PROFILS_BY_CODE[submitter.profil].libelle})."
        )
    if ctx.beyond(decision):
        return (
            f"ce périmètre sort du département {ctx.departement} (départements, entité ou "
            "dispositifs d'ailleurs) : seule l'administration nationale l'attribue."
        )
    return None


def _link_problem(decision: CompteDecision, legacy_email: str, ctx: Contexte) -> Issue | None:
    email = effective_email(decision, legacy_email)
    if email in ctx.courriels_module or len(ctx.comptes_meme_courriel.get(email, ())) > 1:
        return None
    return error(
        "COMPTE_A_LIER_INCONNU",
        "« Lier au compte existant » demande un compte à lier : aucun compte actif du module "
        "ni autre compte historique n'a ce courriel. Indiquez son courriel dans « Nouveau "
        "courriel », ou choisissez « Migrer ».",
    )


def compte_rules(
    ligne: int, cells: Mapping[str, object], ctx: Contexte, submitter: Identity
) -> LigneCompte:
    """The decision a row asks for, and what is wrong with it."""
    problems: list[Probleme] = []
    raw_id = cells.get("utilisateur")
    utilisateur_id = identifier_of(raw_id)
    if not text_of(raw_id):
        detail = "l'identifiant du compte est obligatoire."
        problems.append(Probleme("utilisateur", "", error("VALEUR_OBLIGATOIRE", detail)))
    elif utilisateur_id is None or utilisateur_id not in ctx.comptes:
        detail = (
            f"n'est pas un compte historique actif du département {ctx.departement} : gardez "
            "l'identifiant exporté, ou supprimez la ligne."
        )
        problems.append(Probleme("utilisateur", raw_id, error("UTILISATEUR_INCONNU", detail)))
        utilisateur_id = None
    typed = text_of(cells.get("decision"))
    value = choice_value(DECISIONS_COMPTE, typed) if typed else None
    if typed and value is None:
        labels = ", ".join(f"« {label} »" for label in DECISIONS_COMPTE.values())
        detail = f"n'est pas une décision possible : {labels}, ou vide."
        problems.append(Probleme("decision", typed, error("VALEUR_HORS_LISTE", detail)))
    # What a decision ignores is not checked (« Désactiver » ignores the profile and scope).
    decision: CompteDecision | None = None
    if value == "migrer":
        decision = _scope(cells, ctx, problems)
        if decision.profil is not None or not text_of(cells.get("profil")):
            problems.extend(perimetre_problems(decision, ctx))
    elif value == "lier":
        decision = CompteDecision("lier", courriel=_courriel(cells, problems))
    elif value == "desactiver":
        decision = CompteDecision("desactiver")
    if utilisateur_id is not None:
        account = ctx.comptes[utilisateur_id]
        issue = (
            _link_problem(decision, account.email, ctx)
            if decision is not None and decision.decision == "lier"
            else None
        )
        if issue is not None:
            problems.append(Probleme("decision", typed, issue))
        changes = decision != ctx.decisions_comptes.get(utilisateur_id)
        reason = reserved_reason(submitter, utilisateur_id, decision, ctx) if changes else None
        if reason is not None:
            problems.append(Probleme("decision", typed, error("PROFIL_RESERVE", reason)))
    return LigneCompte(ligne, utilisateur_id, decision, tuple(problems))
