"""The SQL of the capacity report: the open dispositifs of switched départements with the places
of their active groupes de places, then one GROUPING SETS query for every level above them (type,
catégorie, département, the whole scope), each per unit. Only reads."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import text
from sqlalchemy.orm import Session

# Open dispositifs (no closing date, or one still to come) of a type with a capacity unit, in
# the switched départements of the scope, each with the places of its active groupes.
_LIGNES = """
WITH lignes AS (
    SELECT d.identifiant, d.nom, d.departement, d.type_code, t.categorie_code,
           t.unite_capacite AS unite, d.capacite_financee,
           coalesce(g.groupes, 0) AS groupes,
           coalesce(g.installees, 0) AS installees,
           coalesce(g.occupees, 0) AS occupees
    FROM offre.dispositif d
    JOIN offre.type_dispositif t ON t.code = d.type_code
    JOIN offre.departement dep ON dep.code = d.departement
    LEFT JOIN LATERAL (
        SELECT count(*) AS groupes, sum(gp.nb_places) AS installees,
               sum(gp.places_occupees) AS occupees
        FROM offre.groupe_places gp
        WHERE gp.dispositif_id = d.id AND gp.actif
    ) g ON true
    WHERE dep.module_actif
      AND d.departement = ANY(:codes)
      AND t.unite_capacite IS NOT NULL
      AND (d.date_fermeture IS NULL OR d.date_fermeture > :today)
)
"""
_DISPOSITIFS = text(
    _LIGNES + "SELECT * FROM lignes ORDER BY departement, categorie_code, type_code, identifiant"
)
# Type and catégorie determine the unit: grouping by it too keeps one unit per row.
_NIVEAUX = text(
    _LIGNES
    + """
SELECT grouping(departement) = 0 AS par_departement,
       grouping(categorie_code) = 0 AS par_categorie,
       grouping(type_code) = 0 AS par_type,
       departement, categorie_code, type_code, unite,
       count(*) AS dispositifs,
       count(*) FILTER (WHERE capacite_financee IS NULL) AS non_renseignees,
       coalesce(sum(capacite_financee), 0) AS financee,
       sum(installees) AS installees,
       sum(occupees) AS occupees
FROM lignes
GROUP BY GROUPING SETS (
    (unite, categorie_code, type_code),
    (unite, categorie_code),
    (unite, departement),
    (unite)
)
"""
)
_DEPARTEMENTS = text(
    "SELECT code, nom, module_actif, bascule_le FROM offre.departement "
    "WHERE code = ANY(:codes) ORDER BY code"
)


@dataclass(frozen=True, slots=True)
class EtatDepartement:
    code: str
    nom: str
    bascule: bool
    bascule_le: datetime | None


@dataclass(frozen=True, slots=True)
class Niveau:
    """One aggregate row: ``departement`` set for the per-département level, ``type_code`` for
    the per-type one, ``categorie_code`` alone for the per-catégorie one; none for the scope."""

    departement: str | None
    categorie_code: str | None
    type_code: str | None
    unite: str
    dispositifs: int
    non_renseignees: int
    financee: int
    installees: int
    occupees: int


def departements(session: Session, codes: Sequence[str]) -> list[EtatDepartement]:
    return [
        EtatDepartement(r.code, r.nom, r.module_actif, r.bascule_le)
        for r in session.execute(_DEPARTEMENTS, {"codes": list(codes)})
    ]


def dispositifs(session: Session, codes: Sequence[str], today: date) -> list[dict[str, Any]]:
    """The open dispositifs of the switched départements among ``codes``, with their places."""
    rows = session.execute(_DISPOSITIFS, {"codes": list(codes), "today": today}).mappings()
    return [dict(r) for r in rows]


def niveaux(session: Session, codes: Sequence[str], today: date) -> list[Niveau]:
    """Every aggregate level in one query (GROUPING SETS)."""
    found = []
    for r in session.execute(_NIVEAUX, {"codes": list(codes), "today": today}):
        found.append(
            Niveau(
                departement=r.departement if r.par_departement else None,
                categorie_code=r.categorie_code if r.par_categorie else None,
                type_code=r.type_code if r.par_type else None,
                unite=r.unite,
                dispositifs=r.dispositifs,
                non_renseignees=r.non_renseignees,
                financee=int(r.financee),
                installees=int(r.installees),
                occupees=int(r.occupees),
            )
        )
    return found
