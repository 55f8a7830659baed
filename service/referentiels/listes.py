"""Closed lists of the import format (IMPORT-FORMAT.md) and of the model (DOMAIN.md §3)."""

from __future__ import annotations

FORMES_JURIDIQUES: tuple[str, ...] = (
    "Association loi 1901",
    "Association reconnue d'utilité publique",
    "Association de droit local",
    "Fondation",
    "CCAS / CIAS",
    "Collectivité territoriale",
    "Établissement public",
    "GCSMS",
    "Bailleur social",
    "Société d'économie mixte",
    "Société commerciale",
    "Autre",
)

FINANCEURS: tuple[str, ...] = (
    "BOP 177",
    "BOP 303",
    "BOP 304",
    "BOP 104",
    "ARS",
    "Département",
    "FSL",
    "CAF",
    "FNAVDL",
    "FSE",
    "Commune / EPCI",
    "Autre",
)

PUBLICS: tuple[str, ...] = (
    "Homme seul",
    "Femme seule",
    "Couple sans enfant",
    "Couple avec enfant(s)",
    "Femme seule avec enfant(s)",
    "Homme seul avec enfant(s)",
    "Groupe d'adultes",
    "Groupe avec enfant(s)",
    "Mineur isolé",
    "Jeunes 18-25 ans",
    "Femmes victimes de violences",
    "Demandeurs d'asile / BPI",
    "Sortants de détention",
    "Personnes en situation de handicap",
    "Personnes avec animaux",
)

TYPES_PLACE: tuple[str, ...] = (
    "urgence",
    "stabilisation",
    "insertion",
    "hiver",
    "grand froid",
    "logement",
)

EQUIPEMENTS: tuple[str, ...] = (
    "PMR",
    "Animaux acceptés",
    "Cuisine",
    "Sanitaires privatifs",
    "Accès 24h/24",
)

# Legacy structure type codes of SI SIAO (DOMAIN.md §7).
TYPES_STRUCTURE_HISTORIQUES: dict[int, str] = {
    100: "Hôtels",
    200: "RHVS",
    300: "Hors CHRS",
    400: "CHRS",
    500: "Structure en ALT (hébergement)",
    600: "Hébergement spécialisé",
    700: "DNA",
    800: "Logement foyer",
    900: "Intermédiation locative",
    1000: "Logement de droit commun",
    1100: "Structure en ALT (logement)",
}
