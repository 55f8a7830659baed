"""The reads of Temps 2: one département's context (legacy rows, dispositifs, decisions,
proposals, e-mails taken), loaded once per analysis, export or screen entry, and the
fingerprint that tells a stale plan. Only reads; schema ``siao`` is never written."""

from __future__ import annotations

from collections import defaultdict
from datetime import date, datetime

from sqlalchemy import Connection, text
from sqlalchemy.orm import Session

from service.bascule.comptes import propose_comptes
from service.bascule.groupes import propose_groupes
from service.bascule.loading import load_comptes, load_departement
from service.bascule.model import Rattachement
from service.rattachement.context import (
    CompteDecision,
    Contexte,
    GroupeDecision,
    effective_rattachements,
)

_GROUPE_DECISIONS = text(
    "SELECT groupe_places_id, decision, dispositif_identifiant, commentaire, decide_le "
    "FROM offre.rattachement_groupe WHERE departement = :dep"
)
_COMPTE_DECISIONS = text(
    "SELECT utilisateur_historique_id, decision, profil_code, departements, siren, dispositifs, "
    "courriel, decide_le FROM offre.migration_utilisateur WHERE departement = :dep"
)
# Structures of other départements where the département's accounts work, as decided there.
_ELSEWHERE = text(
    "SELECT g.structure_id, r.dispositif_identifiant, e.siren "
    "FROM offre.rattachement_groupe r "
    "JOIN siao.groupe_places g ON g.id = r.groupe_places_id "
    "JOIN offre.dispositif d ON d.identifiant = r.dispositif_identifiant "
    "JOIN offre.entite e ON e.id = d.entite_id "
    "WHERE r.decision = 'rattacher' AND r.departement <> :dep AND g.structure_id IN ("
    " SELECT structure_id FROM siao.utilisateur WHERE departement = :dep AND actif)"
)
_MODULE_EMAILS = text("SELECT DISTINCT lower(courriel) FROM offre.utilisateur WHERE actif")
_MIGRATED_EMAILS = text(
    "SELECT lower(coalesce(m.courriel, u.email)), m.utilisateur_historique_id "
    "FROM offre.migration_utilisateur m "
    "JOIN siao.utilisateur u ON u.id = m.utilisateur_historique_id "
    "WHERE m.decision = 'migrer'"
)
_ACKNOWLEDGED = text(
    "SELECT utilisateur_historique_id, code FROM offre.alerte_acquittee WHERE departement = :dep"
)
_ENTITES = text(
    "SELECT DISTINCT e.siren, e.raison_sociale FROM offre.entite e "
    "JOIN offre.dispositif d ON d.entite_id = e.id WHERE d.departement = :dep"
)
_SIRENS = text("SELECT siren FROM offre.entite")
_IDENTIFIANTS = text("SELECT identifiant FROM offre.dispositif")
_GROUPE_DEPARTEMENT = text(
    "SELECT s.departement FROM siao.groupe_places g JOIN siao.structure s "
    "ON s.id = g.structure_id WHERE g.id = :id"
)
_COMPTE_DEPARTEMENT = text("SELECT departement FROM siao.utilisateur WHERE id = :id")
_FINGERPRINT = text(
    "SELECT md5(concat_ws('|', "
    " (SELECT string_agg(r::text, ',' ORDER BY r.groupe_places_id) "
    "  FROM offre.rattachement_groupe r WHERE r.departement = :dep), "
    " (SELECT string_agg(m::text, ',' ORDER BY m.utilisateur_historique_id) "
    "  FROM offre.migration_utilisateur m WHERE m.departement = :dep), "
    " (SELECT string_agg(concat_ws(':', d.identifiant, d.type_code, d.entite_id, "
    "  d.date_fermeture), ',' ORDER BY d.id) FROM offre.dispositif d "
    "  WHERE d.departement = :dep)))"
)


def _elsewhere(connection: Connection, departement: str) -> dict[int, Rattachement]:
    ids: defaultdict[int, set[str]] = defaultdict(set)
    sirens: defaultdict[int, set[str]] = defaultdict(set)
    for structure_id, identifiant, siren in connection.execute(_ELSEWHERE, {"dep": departement}):
        ids[structure_id].add(identifiant)
        sirens[structure_id].add(siren)
    return {s: Rattachement(frozenset(ids[s]), frozenset(sirens[s])) for s in ids}


def load_contexte(
    session: Session, departement: str, today: date | None = None, *, for_rules: bool = False
) -> Contexte:
    """Everything the rules, the plan, the export and the figures of a département need;
    ``for_rules``: also every SIREN and identifiant of the module (scopes beyond the
    département)."""
    connection = session.connection()
    params = {"dep": departement}
    offre = load_departement(connection, departement, today)
    structures = {s.id: s for s in offre.structures}
    active = {s.id for s in offre.structures if s.actif}
    groupes = {g.id: g for g in offre.groupes if g.actif and g.structure_id in active}
    dispositifs = {d.identifiant: d for d in offre.dispositifs}
    decide_le: dict[tuple[str, int], datetime] = {}
    decisions_groupes = {}
    for r in connection.execute(_GROUPE_DECISIONS, params):
        decisions_groupes[r[0]] = GroupeDecision(r[1], r[2], r[3])
        decide_le["groupe", r[0]] = r[4]
    propositions_groupes = {p.groupe_id: p for p in propose_groupes(offre)}
    attached = effective_rattachements(
        propositions_groupes.values(),
        decisions_groupes,
        dispositifs,
        _elsewhere(connection, departement),
    )
    comptes, comptes_contexte = load_comptes(connection, departement, attached)
    propositions_comptes = {p.utilisateur_id: p for p in propose_comptes(comptes, comptes_contexte)}
    decisions_comptes = {}
    for r in connection.execute(_COMPTE_DECISIONS, params):
        decisions_comptes[r[0]] = CompteDecision(r[1], r[2], tuple(r[3]), r[4], tuple(r[5]), r[6])
        decide_le["compte", r[0]] = r[7]
    migrated: defaultdict[str, list[int]] = defaultdict(list)
    for email, utilisateur_id in connection.execute(_MIGRATED_EMAILS):
        migrated[email].append(utilisateur_id)
    acknowledged: defaultdict[int, set[str]] = defaultdict(set)
    for utilisateur_id, code in connection.execute(_ACKNOWLEDGED, params):
        acknowledged[utilisateur_id].add(code)
    return Contexte(
        departement=departement,
        structures=structures,
        groupes=groupes,
        comptes={c.id: c for c in comptes if c.actif},
        dispositifs=dispositifs,
        decisions_groupes=decisions_groupes,
        decisions_comptes=decisions_comptes,
        propositions_groupes=propositions_groupes,
        propositions_comptes=propositions_comptes,
        courriels_module=frozenset(connection.execute(_MODULE_EMAILS).scalars()),
        courriels_migres={k: tuple(v) for k, v in migrated.items()},
        comptes_meme_courriel={
            k: tuple(a.id for a in v) for k, v in comptes_contexte.comptes_meme_courriel.items()
        },
        acquittees={k: frozenset(v) for k, v in acknowledged.items()},
        decide_le=decide_le,
        entites={siren: nom for siren, nom in connection.execute(_ENTITES, params)},
        sirens_connus=frozenset(connection.execute(_SIRENS).scalars())
        if for_rules
        else frozenset(),
        identifiants_connus=(
            frozenset(connection.execute(_IDENTIFIANTS).scalars()) if for_rules else frozenset()
        ),
    )


def fingerprint(session: Session, departement: str) -> str:
    """The département's decisions and the dispositifs' fields the rules read: a plan made on
    another state is stale (PLAN_PERIME)."""
    return str(session.scalar(_FINGERPRINT, {"dep": departement}))


def groupe_departement(session: Session, groupe_id: int) -> str | None:
    """The département of a legacy groupe de places (its structure's), None if unknown."""
    return session.scalar(_GROUPE_DEPARTEMENT, {"id": groupe_id})


def compte_departement(session: Session, utilisateur_id: int) -> str | None:
    return session.scalar(_COMPTE_DEPARTEMENT, {"id": utilisateur_id})
