"""What the API says about Temps 2 (French field names, ASCII machine values), and how it is
built from a département's context, pure: the routes and the console call these."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

from service.bascule.model import PropositionCompte, PropositionGroupe
from service.rattachement.context import CompteDecision, Contexte, GroupeDecision
from service.rattachement.progress import Progression
from service.referentiels.listes import TYPES_STRUCTURE_HISTORIQUES

Confiance = Literal["haute", "moyenne", "faible", "aucune"]


class Alerte(BaseModel):
    code: str = Field(description="Code stable (CONFLIT_PROFILS, PLACES_DNA…).")
    message: str
    acquittee: bool = Field(False, description="Acquittée par l'administration nationale.")


class Candidat(BaseModel):
    identifiant: str
    nom: str
    type_code: str
    score: float
    motif: str = Field(description="Les signaux qui l'ont classé, en français.")


class DecisionGroupe(BaseModel):
    decision: Literal["rattacher", "exclure"]
    dispositif: str | None = None
    commentaire: str | None = None


class PropositionGroupeOut(BaseModel):
    dispositif: str | None = Field(None, description="L'identifiant proposé (aucun : vide).")
    confiance: Confiance
    motif: str


class Proposition(BaseModel):
    """Un groupe de places actif, sa proposition, ses candidats classés et sa décision."""

    groupe: int = Field(description="Identifiant SI SIAO du groupe de places.")
    structure_id: int
    structure: str
    type_structure: str
    libelle: str
    type_place: str
    public: str | None
    nb_places: int
    places_occupees: int
    commune: str | None
    proposition: PropositionGroupeOut
    alertes: list[Alerte]
    candidats: list[Candidat]
    decision: DecisionGroupe | None = Field(None, description="Vide : à décider.")


class GroupeRattachement(BaseModel):
    groupe: int
    departement: str
    proposition: PropositionGroupeOut | None
    decision: DecisionGroupe | None = Field(None, description="Vide : à décider.")


class GroupeRattachementIn(BaseModel):
    decision: Literal["rattacher", "exclure"] | None = Field(
        description="« rattacher » (au dispositif), « exclure », ou null : à décider."
    )
    dispositif: str | None = Field(
        None, description="Identifiant du dispositif cible (DSP-93-000123), pour « rattacher »."
    )
    commentaire: str | None = Field(None, max_length=1000)


class DecisionCompte(BaseModel):
    decision: Literal["migrer", "lier", "desactiver"]
    profil: str | None = None
    departements: list[str] = []
    siren: str | None = None
    dispositifs: list[str] = []
    courriel: str | None = Field(None, description="Nouveau courriel, s'il change.")


class PropositionCompteOut(BaseModel):
    decision: Literal["migrer", "lier", "desactiver"]
    profil: str | None = Field(None, description="Vide sur un conflit de profils.")
    departements: list[str]
    siren: str | None
    dispositifs: list[str]
    motif: str


class UtilisateurHistorique(BaseModel):
    id: int
    departement: str
    nom: str
    prenom: str
    courriel: str
    profils_historiques: list[str]
    proposition: PropositionCompteOut | None
    alertes: list[Alerte]
    decision: DecisionCompte | None = Field(None, description="Vide : à décider.")


class MigrationIn(BaseModel):
    decision: Literal["migrer", "lier", "desactiver"] | None = Field(
        description="« migrer », « lier » (au compte existant), « desactiver », ou null : à "
        "décider."
    )
    profil: str | None = Field(None, description="Code (OPERATEUR_SIAO) ou libellé du profil.")
    departements: list[str] = Field(default_factory=list, description="Profils départementaux.")
    siren: str | None = Field(None, description="Profils d'entité : le SIREN de l'entité.")
    dispositifs: list[str] = Field(default_factory=list, description="Profils de dispositif.")
    courriel: str | None = Field(None, description="Nouveau courriel nominatif, s'il change.")


class AcquittementIn(BaseModel):
    codes: list[str] | None = Field(
        None, description="Les codes d'alerte à acquitter ; toutes les alertes du compte si absent."
    )


class GroupesFigures(BaseModel):
    total: int
    rattaches: int
    exclus: int
    restants: int


class UtilisateursFigures(BaseModel):
    total: int
    migres: int
    lies: int = Field(description="Liés à un compte existant.")
    desactives: int
    restants: int


class AlerteFigures(BaseModel):
    total: int
    resolues: int = Field(description="Réglées par la décision prise.")
    acquittees: int = Field(description="Acquittées par l'administration nationale.")
    restantes: int = Field(description="Bloquent le Temps 3.")


class ProgressionOut(BaseModel):
    departement: str
    groupes: GroupesFigures
    utilisateurs: UtilisateursFigures
    alertes: dict[str, AlerteFigures] = Field(description="Par code d'alerte des comptes.")
    bloquants: dict[str, int] = Field(
        description="Ce qui bloque le Temps 3, par code (GROUPE_A_DECIDER, DISPOSITIF_FERME…)."
    )
    job_actif: int | None = Field(None, description="Le job d'écriture qui tient le département.")


def groupe_proposal_out(p: PropositionGroupe | None) -> PropositionGroupeOut | None:
    if p is None:
        return None
    return PropositionGroupeOut(dispositif=p.dispositif, confiance=p.confiance.value, motif=p.motif)


def groupe_decision_out(d: GroupeDecision | None) -> DecisionGroupe | None:
    if d is None:
        return None
    return DecisionGroupe.model_validate(
        {"decision": d.decision, "dispositif": d.dispositif, "commentaire": d.commentaire}
    )


def propositions(ctx: Contexte, confiance: str | None = None) -> list[Proposition]:
    """Every active groupe of the département with its proposal, by groupe id."""
    found = []
    for groupe_id in sorted(ctx.groupes):
        p = ctx.propositions_groupes.get(groupe_id)
        proposal = groupe_proposal_out(p)
        if p is None or proposal is None or (confiance and p.confiance.value != confiance):
            continue
        g = ctx.groupes[groupe_id]
        s = ctx.structures[g.structure_id]
        found.append(
            Proposition(
                groupe=groupe_id,
                structure_id=s.id,
                structure=s.nom,
                type_structure=TYPES_STRUCTURE_HISTORIQUES.get(s.type_code, str(s.type_code)),
                libelle=g.libelle,
                type_place=g.type_place,
                public=g.public,
                nb_places=g.nb_places,
                places_occupees=g.places_occupees,
                commune=g.commune or s.commune,
                proposition=proposal,
                alertes=[Alerte(code=a.code, message=a.message) for a in p.alertes],
                candidats=[
                    Candidat(
                        identifiant=c.identifiant,
                        nom=c.nom,
                        type_code=c.type_code,
                        score=round(c.score, 2),
                        motif=c.motif,
                    )
                    for c in p.candidats
                ],
                decision=groupe_decision_out(ctx.decisions_groupes.get(groupe_id)),
            )
        )
    return found


def groupe_out(ctx: Contexte, groupe_id: int) -> GroupeRattachement:
    return GroupeRattachement(
        groupe=groupe_id,
        departement=ctx.departement,
        proposition=groupe_proposal_out(ctx.propositions_groupes.get(groupe_id)),
        decision=groupe_decision_out(ctx.decisions_groupes.get(groupe_id)),
    )


def _compte_proposal_out(p: PropositionCompte | None) -> PropositionCompteOut | None:
    if p is None:
        return None
    return PropositionCompteOut(
        decision=p.decision.value,
        profil=p.profil,
        departements=list(p.departements),
        siren=p.siren,
        dispositifs=list(p.dispositifs),
        motif=p.motif,
    )


def _compte_decision_out(d: CompteDecision | None) -> DecisionCompte | None:
    if d is None:
        return None
    return DecisionCompte.model_validate(
        {
            "decision": d.decision,
            "profil": d.profil,
            "departements": list(d.departements),
            "siren": d.siren,
            "dispositifs": list(d.dispositifs),
            "courriel": d.courriel,
        }
    )


def compte_out(
    ctx: Contexte, utilisateur_id: int, acquittees: frozenset[str] | None = None
) -> UtilisateurHistorique:
    account = ctx.comptes[utilisateur_id]
    proposal = ctx.propositions_comptes.get(utilisateur_id)
    done = ctx.acquittees.get(utilisateur_id, frozenset()) if acquittees is None else acquittees
    return UtilisateurHistorique(
        id=utilisateur_id,
        departement=ctx.departement,
        nom=account.nom,
        prenom=account.prenom,
        courriel=account.email,
        profils_historiques=list(account.profils),
        proposition=_compte_proposal_out(proposal),
        alertes=[
            Alerte(code=a.code, message=a.message, acquittee=a.code in done)
            for a in (proposal.alertes if proposal else ())
        ],
        decision=_compte_decision_out(ctx.decisions_comptes.get(utilisateur_id)),
    )


def progression_out(p: Progression, job_actif: int | None) -> ProgressionOut:
    return ProgressionOut.model_validate(
        {
            "departement": p.departement,
            "groupes": p.groupes,
            "utilisateurs": p.utilisateurs,
            "alertes": {
                code: {
                    "total": a.total,
                    "resolues": a.resolues,
                    "acquittees": a.acquittees,
                    "restantes": a.restantes,
                }
                for code, a in p.alertes.items()
            },
            "bloquants": p.bloquants,
            "job_actif": job_actif,
        }
    )
