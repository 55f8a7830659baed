"""A switched département for the capacity report, written with SQL as Temps 3 would leave it
(dispositifs, their groupes de places in ``offre.groupe_places``, ``module_actif``), so that
these tests do not depend on the switch itself; and the figures to expect.

The statements carry literals (test values only), so that a SQLAlchemy connection and the
process stack's psycopg one both run them."""

from __future__ import annotations

from typing import Any

SIREN = "732829320"
# (n°, nom, type, capacité financée, groupes [(places, occupées, actif)], date de fermeture)
DISPOSITIFS: list[tuple[int, str, str, int | None, list[tuple[int, int, bool]], str | None]] = [
    (1, "CHRS Les Lilas", "HEB_CHRS", 40, [(20, 18, True), (15, 15, True), (5, 5, False)], None),
    (2, "Hôtel social du canal", "HEB_HOTEL", None, [(10, 4, True)], None),
    (3, "CHRS fermé", "HEB_CHRS", 30, [(30, 30, True)], "2020-01-01"),
    (4, "Pension de famille Arago", "RS_PENSION_FAMILLE", 25, [(20, 19, True)], None),
    (5, "AVDL du département", "ACC_AVDL", 60, [], None),
    (6, "Maraude de nuit", "VS_MARAUDE", None, [], None),
    (7, "Centre hors CHRS Est", "HEB_HORS_CHRS", 50, [], None),
    (8, "=Gymnase (fermeture prévue)", "HEB_AUTRE", 10, [(8, 2, True)], "2999-01-01"),
]
# What the report must say for such a département, per type (dispositifs, financée, non
# renseignées, installées, occupées, taux, écart); mesures: sans objet.
TYPES: dict[str, tuple[Any, ...]] = {
    "HEB_CHRS": (1, 40, 0, 35, 33, 0.9429, 5),
    "HEB_HORS_CHRS": (1, 50, 0, 0, 0, None, 50),
    "HEB_HOTEL": (1, 0, 1, 10, 4, 0.4, -10),
    "HEB_AUTRE": (1, 10, 0, 8, 2, 0.25, 2),
    "RS_PENSION_FAMILLE": (1, 25, 0, 20, 19, 0.95, 5),
    "ACC_AVDL": (1, 60, 0, None, None, None, None),
}
TOTAUX: dict[str, tuple[Any, ...]] = {
    "places": (4, 100, 1, 53, 39, 0.7358, 47),
    "logements": (1, 25, 0, 20, 19, 0.95, 5),
    "mesures": (1, 60, 0, None, None, None, None),
}
FIGURES = (
    "dispositifs",
    "capacite_financee",
    "capacite_non_renseignee",
    "places_installees",
    "places_occupees",
    "taux_occupation",
    "ecart",
)


def _literal(value: object) -> str:
    if value is None:
        return "NULL"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    return "'" + str(value).replace("'", "''") + "'"


def statements(departement: str, *, switched: bool = True, first_groupe: int = 1) -> list[str]:
    """SQL writing the dispositifs above in ``departement`` (identifiants DSP-<dep>-00000n) and
    their groupes (ids from ``first_groupe``); the département marked switched if asked."""
    found = [
        "INSERT INTO offre.entite (siren, raison_sociale, departement_siege) "
        f"VALUES ('{SIREN}', 'Association Aurore', '75') ON CONFLICT (siren) DO NOTHING"
    ]
    groupe_id = first_groupe
    for n, nom, type_code, capacite, groupes, fermeture in DISPOSITIFS:
        identifiant = f"DSP-{departement}-{n:06d}"
        values = ", ".join(_literal(v) for v in (nom, nom.lower(), capacite, fermeture))
        found.append(
            "INSERT INTO offre.dispositif (identifiant, entite_id, departement, type_code, nom, "
            "nom_normalise, capacite_financee, date_fermeture) "
            f"SELECT '{identifiant}', e.id, '{departement}', '{type_code}', {values} "
            f"FROM offre.entite e WHERE e.siren = '{SIREN}'"
        )
        for places, occupees, actif in groupes:
            found.append(
                "INSERT INTO offre.groupe_places (id, dispositif_id, libelle, nb_places, "
                "type_place, places_occupees, actif) "
                f"SELECT {groupe_id}, d.id, 'Groupe {groupe_id}', {places}, 'insertion', "
                f"{occupees}, {_literal(actif)} FROM offre.dispositif d "
                f"WHERE d.identifiant = '{identifiant}'"
            )
            groupe_id += 1
    if switched:
        found.append(
            "UPDATE offre.departement SET module_actif = true, bascule_le = now() "
            f"WHERE code = '{departement}'"
        )
    return found


def figures(row: dict[str, Any]) -> tuple[Any, ...]:
    return tuple(row[f] for f in FIGURES)
