"""The SQL of the Temps 3 preflight: every set its checks read, in a dozen queries, for the 101
départements at once (the national table) or for a few (one département's detail, a switch).
Only reads."""

from __future__ import annotations

import gc
from collections import defaultdict
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import date
from typing import Any, cast

from sqlalchemy import Connection

from service.bascule.model import LegacyAccount, Rattachement
from service.bascule.preflight import (
    Basculement,
    Cible,
    Groupe,
    PreflightData,
    Reference,
    by_email,
)
from service.rattachement.context import CompteDecision, GroupeDecision
from service.rattachement.rules_comptes import effective_email
from service.referentiels.departements import CODES

# Each query is cut to the départements asked for: {s}, {u}, {x}, {m}, {r}, {a} stand for
# « <alias>.departement = ANY(%(deps)s) », {all} for whether every département is asked for;
# all are TRUE for the whole country. Rows are read as plain tuples (psycopg), not ORM rows.
_STATUS = (
    "SELECT code, bascule_le, bascule_job_id FROM offre.departement WHERE module_actif "
    "ORDER BY code"
)
_GROUPES = (
    "SELECT s.departement, g.id, g.structure_id, g.libelle, g.type_place, g.nb_places, "
    "g.places_occupees, g.actif AND s.actif FROM siao.groupe_places g "
    "JOIN siao.structure s ON s.id = g.structure_id WHERE {s}"
)
_GROUPE_DECISIONS = (
    "SELECT groupe_places_id, decision, dispositif_identifiant FROM offre.rattachement_groupe r "
    "WHERE {r}"
)
_ACCOUNT_DECISIONS = (
    "SELECT utilisateur_historique_id, decision, profil_code, departements, siren, dispositifs, "
    "courriel FROM offre.migration_utilisateur m WHERE {m}"
)
# The accounts, and those elsewhere that share an e-mail with one of them.
_ACCOUNT_SET = (
    "{u} OR (NOT {all} AND u.actif AND lower(u.email) IN ("
    "SELECT lower(x.email) FROM siao.utilisateur x WHERE x.actif AND {x}))"
)
_ACCOUNTS = (
    "SELECT u.id, u.email, u.nom, u.prenom, u.departement, u.structure_id, u.actif "
    "FROM siao.utilisateur u WHERE " + _ACCOUNT_SET + " ORDER BY u.id"
)
_PROFILS = (
    "SELECT p.utilisateur_id, p.profil_historique_code FROM siao.utilisateur_profil p "
    "WHERE {all} OR p.utilisateur_id IN (SELECT u.id FROM siao.utilisateur u WHERE "
    + _ACCOUNT_SET
    + ") ORDER BY p.utilisateur_id, p.profil_historique_code"
)
# E-mails the accounts would take (legacy or decided): what the e-mail sets are cut to.
_EMAILS = (
    "SELECT lower(u.email) FROM siao.utilisateur u WHERE u.actif AND {u} UNION "
    "SELECT lower(m.courriel) FROM offre.migration_utilisateur m "
    "WHERE m.courriel IS NOT NULL AND {m}"
)
_MIGRATING = (
    "SELECT lower(coalesce(m.courriel, u.email)), m.utilisateur_historique_id "
    "FROM offre.migration_utilisateur m JOIN siao.utilisateur u "
    "ON u.id = m.utilisateur_historique_id JOIN offre.departement d ON d.code = m.departement "
    "WHERE m.decision = 'migrer' AND NOT d.module_actif "
    "AND lower(coalesce(m.courriel, u.email)) = ANY(%(emails)s)"
)
_MODULE_EMAILS = (
    "SELECT DISTINCT lower(courriel) FROM offre.utilisateur "
    "WHERE actif AND ({all} OR lower(courriel) = ANY(%(emails)s))"
)
_ACKNOWLEDGED = "SELECT utilisateur_historique_id, code FROM offre.alerte_acquittee a WHERE {a}"
# Where the structures of the accounts elsewhere have their groupes attached.
_ATTACHED = (
    "SELECT g.structure_id, r.dispositif_identifiant FROM offre.rattachement_groupe r "
    "JOIN siao.groupe_places g ON g.id = r.groupe_places_id WHERE r.decision = 'rattacher' "
    "AND g.structure_id IN (SELECT u.structure_id FROM siao.utilisateur u WHERE {u})"
)
# The départements' dispositifs, and those their decisions and accounts point to.
_DISPOSITIFS = (
    "SELECT d.identifiant, d.departement, d.type_code, "
    "coalesce(d.date_fermeture <= %(today)s, false), e.siren "
    "FROM offre.dispositif d JOIN offre.entite e ON e.id = d.entite_id WHERE {all} "
    "OR d.departement = ANY(%(deps)s) OR d.identifiant IN ("
    " SELECT unnest(m.dispositifs) FROM offre.migration_utilisateur m WHERE {m} UNION "
    " SELECT r.dispositif_identifiant FROM offre.rattachement_groupe r "
    " JOIN siao.groupe_places g ON g.id = r.groupe_places_id "
    " WHERE g.structure_id IN (SELECT u.structure_id FROM siao.utilisateur u WHERE {u}))"
)
_SIRENS = (
    "SELECT siren FROM offre.entite WHERE {all} OR siren IN ("
    "SELECT m.siren FROM offre.migration_utilisateur m WHERE {m})"
)
_REFERENCES = (
    "SELECT s.departement, u.id, u.departement, u.structure_id, EXISTS (SELECT 1 FROM "
    "offre.migration_utilisateur m WHERE m.utilisateur_historique_id = u.id) "
    "FROM siao.utilisateur u JOIN siao.structure s ON s.id = u.structure_id "
    "WHERE u.actif AND u.departement <> s.departement AND {s} ORDER BY u.id"
)


def _sql(query: str, deps: Sequence[str] | None) -> str:
    return query.format(
        all="TRUE" if deps is None else "FALSE",
        **{
            alias: "TRUE" if deps is None else f"{alias}.departement = ANY(%(deps)s)"
            for alias in "suxmra"
        },
    )


@contextmanager
def gc_paused() -> Iterator[None]:
    """The cyclic garbage collector paused while a national load builds ~200,000 acyclic
    objects: its collections, triggered by allocation counts, took half the time."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def load_preflight(
    connection: Connection, departements: Sequence[str] | None = None, today: date | None = None
) -> PreflightData:
    """The sets for ``departements`` (every département when None)."""
    deps = list(departements) if departements is not None else None
    params: dict[str, Any] = {"deps": deps or [], "today": today or date.today(), "emails": []}
    driver = cast(Any, connection.connection.driver_connection)

    def rows(query: str) -> list[tuple[Any, ...]]:
        with driver.cursor() as cursor:
            cursor.execute(_sql(query, deps), params)
            return list(cursor.fetchall())

    basculees = {code: Basculement(le, job) for code, le, job in rows(_STATUS)}
    groupes: defaultdict[str, list[Groupe]] = defaultdict(list)
    for dep, *values in rows(_GROUPES):
        groupes[dep].append(Groupe(*values))
    decisions_groupes = {r[0]: GroupeDecision(r[1], r[2]) for r in rows(_GROUPE_DECISIONS)}
    decisions_comptes = {
        r[0]: CompteDecision(r[1], r[2], tuple(r[3]), r[4], tuple(r[5]), r[6])
        for r in rows(_ACCOUNT_DECISIONS)
    }
    profils: defaultdict[int, list[str]] = defaultdict(list)
    for utilisateur_id, code in rows(_PROFILS):
        profils[utilisateur_id].append(code)
    accounts = [
        LegacyAccount(id_, email, nom, prenom, dep, structure_id, actif, tuple(profils[id_]))
        for id_, email, nom, prenom, dep, structure_id, actif in rows(_ACCOUNTS)
    ]
    covered = set(deps) if deps is not None else set(CODES)
    comptes: defaultdict[str, list[LegacyAccount]] = defaultdict(list)
    for account in accounts:
        if account.departement in covered:
            comptes[account.departement].append(account)
    dispositifs = {r[0]: Cible(r[1], r[2], r[3], r[4]) for r in rows(_DISPOSITIFS)}
    if deps is None:  # the whole country is in memory: no need to ask again
        migrating = _migrating(accounts, decisions_comptes, basculees)
        attached = _attached(groupes, decisions_groupes)
    else:
        params["emails"] = sorted({e for (e,) in rows(_EMAILS) if e})
        migrating = defaultdict(list)
        for email, utilisateur_id in rows(_MIGRATING):
            migrating[email].append(utilisateur_id)
        attached = defaultdict(set)
        for structure_id, identifiant in rows(_ATTACHED):
            attached[structure_id].add(identifiant)
    acknowledged: defaultdict[int, set[str]] = defaultdict(set)
    for utilisateur_id, code in rows(_ACKNOWLEDGED):
        acknowledged[utilisateur_id].add(code)
    references: defaultdict[str, list[Reference]] = defaultdict(list)
    for dep, *ref in rows(_REFERENCES):
        references[dep].append(Reference(*ref))
    return PreflightData(
        departements=tuple(c for c in CODES if c in covered),
        basculees=basculees,
        groupes={k: tuple(v) for k, v in groupes.items()},
        decisions_groupes=decisions_groupes,
        dispositifs=dispositifs,
        comptes={k: tuple(v) for k, v in comptes.items()},
        decisions_comptes=decisions_comptes,
        acquittees={k: frozenset(v) for k, v in acknowledged.items()},
        comptes_meme_courriel=by_email(accounts),
        courriels_module=frozenset(r[0] for r in rows(_MODULE_EMAILS)),
        courriels_migres={k: tuple(v) for k, v in migrating.items()},
        rattachements={
            s: Rattachement(
                frozenset(ids), frozenset(dispositifs[i].siren for i in ids if i in dispositifs)
            )
            for s, ids in attached.items()
        },
        sirens=frozenset(r[0] for r in rows(_SIRENS)),
        references={k: tuple(v) for k, v in references.items()},
    )


def _migrating(
    accounts: Sequence[LegacyAccount],
    decisions: Mapping[int, CompteDecision],
    basculees: Mapping[str, Basculement],
) -> defaultdict[str, list[int]]:
    """Accounts of départements not switched that migrate, by the e-mail they will have."""
    found: defaultdict[str, list[int]] = defaultdict(list)
    for account in accounts:
        decided = decisions.get(account.id)
        migrates = decided is not None and decided.decision == "migrer"
        if migrates and decided is not None and account.departement not in basculees:
            found[effective_email(decided, account.email)].append(account.id)
    return found


def _attached(
    groupes: Mapping[str, Sequence[Groupe]], decisions: Mapping[int, GroupeDecision]
) -> defaultdict[int, set[str]]:
    """Per legacy structure, the dispositifs its groupes are attached to."""
    found: defaultdict[int, set[str]] = defaultdict(set)
    for per_departement in groupes.values():
        for g in per_departement:
            decided = decisions.get(g.id)
            if decided is not None and decided.dispositif is not None:
                found[g.structure_id].add(decided.dispositif)
    return found
