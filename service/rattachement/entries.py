"""Screen entry of one decision (the console, the API), with the rules of workbook 2: one
transaction, its audit row, refused while a write job holds the département. And the national
team's acknowledgement of an account's alerts. Services flush, never commit."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace
from typing import Any

from sqlalchemy import delete
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.orm import Session

from service.auth.permissions import Action, Identity, can
from service.bascule.status import check_not_switched
from service.imports.anomalies import display
from service.jobs import audit
from service.jobs.errors import JobConflict
from service.jobs.locks import active_job, lock_departement
from service.rattachement.cells import Probleme
from service.rattachement.context import CompteDecision, Contexte, GroupeDecision
from service.rattachement.cross_rules import courriels_en_double
from service.rattachement.plan import compte_proposal, compte_state, groupe_proposal, groupe_state
from service.rattachement.queries import compte_departement, groupe_departement, load_contexte
from service.rattachement.rules_comptes import compte_rules
from service.rattachement.rules_groupes import groupe_rules
from service.rattachement.tables import AlerteAcquittee, MigrationUtilisateur, RattachementGroupe
from service.referentiels.checks import Severite

# The API's field names for the columns of workbook 2.
API_FIELDS = {"cible": "dispositif", "groupe": "id", "utilisateur": "id"}


class NotFound(LookupError):
    """Unknown, or outside the caller's scope (404)."""


class EntryRefused(ValueError):
    """The entry breaks a rule: its problems, with French messages (422)."""

    def __init__(self, problems: Sequence[dict[str, Any]]) -> None:
        super().__init__(problems[0]["message"])
        self.problems = list(problems)
        self.code = str(problems[0]["code"])
        self.message = str(problems[0]["message"])


def _in_scope(departement: str | None, id_: int, identity: Identity) -> str:
    if departement is None or not can(identity, Action.RATTACHER, departement):
        raise NotFound(id_)
    return departement


def _hold(session: Session, departement: str) -> None:
    """The département's write lock until commit; refused while a write job holds it, and
    once it has switched (Temps 3)."""
    lock_departement(session, departement)
    check_not_switched(session, departement)
    holder = active_job(session, departement)
    if holder is not None:
        raise JobConflict(departement, holder)


def _refuse_errors(what: str, found: Sequence[Probleme]) -> None:
    errors = [p for p in found if p.issue.severite is Severite.ERREUR]
    if not errors:
        return
    problems = []
    for p in errors:
        champ = API_FIELDS.get(p.champ, p.champ)
        value = display(p.valeur)
        subject = f"« {value} » " if value else ""
        message = f"{what}, champ « {champ} » : {subject}{p.issue.detail}"
        problems.append({"champ": champ, "valeur": value, "code": p.issue.code, "message": message})
    raise EntryRefused(problems)


def decide_groupe(
    session: Session, identity: Identity, groupe_id: int, body: Mapping[str, Any]
) -> tuple[Contexte, GroupeDecision | None]:
    """``body``: ``decision`` (rattacher | exclure | None: à décider), ``dispositif``,
    ``commentaire``."""
    departement = _in_scope(groupe_departement(session, groupe_id), groupe_id, identity)
    _hold(session, departement)
    ctx = load_contexte(session, departement, for_rules=True)
    cells = {
        "groupe": groupe_id,
        "decision": body.get("decision") or "",
        "cible": body.get("dispositif") or "",
        "commentaire": body.get("commentaire") or "",
    }
    ligne = groupe_rules(0, cells, ctx)
    _refuse_errors(f"Groupe de places n° {groupe_id}", ligne.problemes)
    before = groupe_state(ctx.decisions_groupes.get(groupe_id))
    after = groupe_state(ligne.decision)
    if before != after:
        session.execute(
            delete(RattachementGroupe).where(RattachementGroupe.groupe_places_id == groupe_id)
        )
        if ligne.decision is not None:
            session.add(
                RattachementGroupe(
                    groupe_places_id=groupe_id,
                    departement=departement,
                    decision=ligne.decision.decision,
                    dispositif_identifiant=ligne.decision.dispositif,
                    commentaire=ligne.decision.commentaire,
                    proposition=groupe_proposal(ctx.propositions_groupes.get(groupe_id)),
                    decide_par=identity.utilisateur_id,
                )
            )
        audit.record(
            session,
            identity.utilisateur_id,
            None,
            "rattachement.groupe.decide",
            "groupe_places",
            str(groupe_id),
            departement,
            {"avant": before, "apres": after},
        )
        session.flush()
    return _with(ctx, groupes={groupe_id: ligne.decision}), ligne.decision


def decide_compte(
    session: Session, identity: Identity, utilisateur_id: int, body: Mapping[str, Any]
) -> tuple[Contexte, CompteDecision | None]:
    """``body``: ``decision`` (migrer | lier | desactiver | None: à décider), ``profil``,
    ``departements``, ``siren``, ``dispositifs``, ``courriel``."""
    departement = _in_scope(compte_departement(session, utilisateur_id), utilisateur_id, identity)
    _hold(session, departement)
    ctx = load_contexte(session, departement, for_rules=True)
    cells = {
        "utilisateur": utilisateur_id,
        "decision": body.get("decision") or "",
        "profil": body.get("profil") or "",
        "departements": list(body.get("departements") or ()),
        "siren": body.get("siren") or "",
        "dispositifs": list(body.get("dispositifs") or ()),
        "courriel": body.get("courriel") or "",
    }
    ligne = compte_rules(0, cells, ctx, identity)
    found = [*ligne.problemes]
    if not ligne.erreur:
        found += [p for _, p in courriels_en_double([ligne], ctx)]
    _refuse_errors(f"Compte historique n° {utilisateur_id}", found)
    before = compte_state(ctx.decisions_comptes.get(utilisateur_id))
    after = compte_state(ligne.decision)
    if before != after:
        session.execute(
            delete(MigrationUtilisateur).where(
                MigrationUtilisateur.utilisateur_historique_id == utilisateur_id
            )
        )
        if (d := ligne.decision) is not None:
            session.add(
                MigrationUtilisateur(
                    utilisateur_historique_id=utilisateur_id,
                    departement=departement,
                    decision=d.decision,
                    profil_code=d.profil,
                    departements=list(d.departements),
                    siren=d.siren,
                    dispositifs=list(d.dispositifs),
                    courriel=d.courriel,
                    proposition=compte_proposal(ctx.propositions_comptes.get(utilisateur_id)),
                    decide_par=identity.utilisateur_id,
                )
            )
        audit.record(
            session,
            identity.utilisateur_id,
            None,
            "rattachement.utilisateur.decide",
            "utilisateur_historique",
            str(utilisateur_id),
            departement,
            {"avant": before, "apres": after},
        )
        session.flush()
    return _with(ctx, comptes={utilisateur_id: ligne.decision}), ligne.decision


def _with(
    ctx: Contexte,
    groupes: Mapping[int, GroupeDecision | None] | None = None,
    comptes: Mapping[int, CompteDecision | None] | None = None,
) -> Contexte:
    """The context as the entry leaves it (« à décider »: no decision)."""
    decided_g = {**ctx.decisions_groupes, **(groupes or {})}
    decided_c = {**ctx.decisions_comptes, **(comptes or {})}
    return replace(
        ctx,
        decisions_groupes={k: v for k, v in decided_g.items() if v is not None},
        decisions_comptes={k: v for k, v in decided_c.items() if v is not None},
    )


def acknowledge(
    session: Session, identity: Identity, utilisateur_id: int, codes: Sequence[str] | None
) -> tuple[Contexte, frozenset[str]]:
    """The national team acknowledges ``codes`` (all the account's alerts when None): they no
    longer block Temps 3. Returns the context and the account's acknowledged codes."""
    departement = _in_scope(compte_departement(session, utilisateur_id), utilisateur_id, identity)
    ctx = load_contexte(session, departement)
    proposal = ctx.propositions_comptes.get(utilisateur_id)
    current = [a.code for a in proposal.alertes] if proposal else []
    wanted = list(dict.fromkeys(codes)) if codes is not None else current
    unknown = [c for c in wanted if c not in current]
    if unknown:
        shown = ", ".join(current) or "aucune"
        raise EntryRefused(
            [
                {
                    "champ": "codes",
                    "valeur": ", ".join(unknown),
                    "code": "ALERTE_INCONNUE",
                    "message": f"Compte historique n° {utilisateur_id} : ce compte n'a pas "
                    f"l'alerte {', '.join(unknown)} (ses alertes : {shown}).",
                }
            ]
        )
    done = ctx.acquittees.get(utilisateur_id, frozenset())
    new = [c for c in wanted if c not in done]
    if new:
        session.execute(
            insert(AlerteAcquittee)
            .values(
                [
                    {
                        "utilisateur_historique_id": utilisateur_id,
                        "code": code,
                        "departement": departement,
                        "acquittee_par": identity.utilisateur_id,
                    }
                    for code in new
                ]
            )
            .on_conflict_do_nothing()
        )
        audit.record(
            session,
            identity.utilisateur_id,
            None,
            "rattachement.alertes.acquittees",
            "utilisateur_historique",
            str(utilisateur_id),
            departement,
            {"codes": new},
        )
        session.flush()
    return ctx, done | frozenset(new)
