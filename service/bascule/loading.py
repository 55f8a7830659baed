"""The SQL of the Temps 2 matching: what one département's proposals need, read once.

Only reads; the ``siao`` schema is never written here (Temps 2 is « sans impact »).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date

from sqlalchemy import Connection, RowMapping, text

from service.bascule.comptes import courriel_key
from service.bascule.model import (
    ComptesContexte,
    DepartementOffre,
    LegacyAccount,
    LegacyGroupe,
    LegacyStructure,
    OffreDispositif,
    Rattachement,
)

_STRUCTURES = text(
    "SELECT s.id, s.nom, s.departement, s.type_code, s.siret, s.finess, s.adresse, "
    "s.code_postal, s.commune, s.actif, s.entite_id, e.nom AS entite_nom, "
    "e.siren AS entite_siren FROM siao.structure s JOIN siao.entite e ON e.id = s.entite_id "
    "WHERE s.departement = :departement ORDER BY s.id"
)
_GROUPES = text(
    "SELECT g.id, g.structure_id, g.libelle, g.type_place, g.public, g.nb_places, "
    "g.places_occupees, g.adresse, g.code_postal, g.commune, g.actif "
    "FROM siao.groupe_places g JOIN siao.structure s ON s.id = g.structure_id "
    "WHERE s.departement = :departement ORDER BY g.id"
)
_DISPOSITIFS = text(
    "SELECT d.identifiant, e.siren, d.nom, d.type_code, d.departement, d.siret, d.finess_et, "
    "d.adresse, d.code_postal, d.commune, d.publics, d.structures_historiques, "
    "coalesce(d.date_fermeture <= :today, false) AS ferme "
    "FROM offre.dispositif d JOIN offre.entite e ON e.id = d.entite_id "
    "WHERE d.departement = :departement ORDER BY d.identifiant"
)
_ACCOUNTS = (
    "SELECT u.id, u.email, u.nom, u.prenom, u.departement, u.structure_id, u.actif, "
    "coalesce(array_agg(p.profil_historique_code ORDER BY p.profil_historique_code) "
    "FILTER (WHERE p.profil_historique_code IS NOT NULL), '{}') AS profils "
    "FROM siao.utilisateur u "
    "LEFT JOIN siao.utilisateur_profil p ON p.utilisateur_id = u.id "
)
_DEPARTEMENT_ACCOUNTS = text(
    _ACCOUNTS + "WHERE u.departement = :departement GROUP BY u.id ORDER BY u.id"
)
_SAME_EMAIL_ACCOUNTS = text(
    _ACCOUNTS + "WHERE u.actif AND lower(u.email) IN (SELECT lower(email) FROM siao.utilisateur "
    "WHERE departement = :departement AND actif) GROUP BY u.id ORDER BY u.id"
)
_MODULE_EMAILS = text(
    "SELECT DISTINCT lower(o.courriel) FROM offre.utilisateur o "
    "JOIN siao.utilisateur u ON lower(u.email) = lower(o.courriel) "
    "WHERE o.actif AND u.departement = :departement"
)


def load_departement(
    connection: Connection, departement: str, today: date | None = None
) -> DepartementOffre:
    """Legacy structures and groupes, and the dispositifs of the département (closed ones too,
    flagged ``ferme``: a structure matching a closed dispositif says so)."""
    params = {"departement": departement}
    structures = tuple(
        LegacyStructure(**row) for row in connection.execute(_STRUCTURES, params).mappings()
    )
    groupes = tuple(LegacyGroupe(**row) for row in connection.execute(_GROUPES, params).mappings())
    rows = connection.execute(_DISPOSITIFS, {**params, "today": today or date.today()})
    dispositifs = tuple(
        OffreDispositif(
            **{
                **row,
                "finess_et": tuple(row["finess_et"]),
                "publics": tuple(row["publics"]),
                "structures_historiques": tuple(row["structures_historiques"]),
            }
        )
        for row in rows.mappings()
    )
    return DepartementOffre(departement, structures, groupes, dispositifs)


def _account(row: RowMapping) -> LegacyAccount:
    return LegacyAccount(**{**row, "profils": tuple(row["profils"])})


def load_comptes(
    connection: Connection,
    departement: str,
    rattachements: Mapping[int, Rattachement],
) -> tuple[tuple[LegacyAccount, ...], ComptesContexte]:
    """The département's legacy accounts and their context.

    ``rattachements``: legacy structure id → where its groupes are attached so far (Temps 2
    decisions, or the proposals before any decision: service/bascule/groupes.rattachements),
    for the structures of every département, since an account may belong to a structure of
    another département.
    """
    params = {"departement": departement}
    comptes = tuple(
        _account(r) for r in connection.execute(_DEPARTEMENT_ACCOUNTS, params).mappings()
    )
    same: dict[str, list[LegacyAccount]] = {}
    for row in connection.execute(_SAME_EMAIL_ACCOUNTS, params).mappings():
        account = _account(row)
        same.setdefault(courriel_key(account.email), []).append(account)
    module = frozenset(connection.execute(_MODULE_EMAILS, params).scalars())
    referenced = {c.structure_id for c in comptes if c.structure_id is not None}
    contexte = ComptesContexte(
        comptes_meme_courriel={k: tuple(v) for k, v in same.items()},
        courriels_module=module,
        rattachements={i: rattachements[i] for i in referenced if i in rattachements},
    )
    return comptes, contexte
