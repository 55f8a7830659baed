"""Workbook 2 (IMPORT-FORMAT.md « Workbook 2 »): its sheets, columns and values, shared by the
export, the reader, the rules and the error report.

Read-only columns are written by the export (locked, grey) and ignored when the file comes back;
the columns to fill are the decision. Machine values (``rattacher``, ``migrer``…) are those of
the API; the workbook shows their labels, and reads either.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from types import MappingProxyType

from service.imports.columns import Column, Kind, Sheet
from service.referentiels.nomenclature import TYPES_BY_CODE
from service.referentiels.text import fold

README = "Lisez-moi"
MARKER_PREFIX = "offre-temps2-"
MARKER_VERSION = "offre-temps2-v1"
MARKER_CELL = "Z1"
SEPARATOR = ";"


def _ro(field: str, header: str, help: str = "") -> Column:
    return Column(field, header, Kind.TEXT, help=help or "Lecture seule (rempli par le service).")


GROUPES = Sheet(
    "Groupes de places",
    (
        Column(
            "groupe",
            "Identifiant groupe",
            Kind.TEXT,
            required=True,
            help="Lecture seule : l'identifiant SI SIAO du groupe de places.",
        ),
        _ro("structure", "Structure actuelle"),
        _ro("type_structure", "Type de structure actuel"),
        _ro("libelle", "Libellé"),
        _ro("type_place", "Type de place"),
        _ro("public", "Public"),
        _ro("nb_places", "Nombre de places"),
        _ro("places_occupees", "Places occupées"),
        _ro("commune", "Commune"),
        _ro("propose", "Dispositif proposé"),
        _ro("confiance", "Confiance", "Lecture seule : haute, moyenne, faible ou aucune."),
        _ro("motif", "Motif de la proposition"),
        Column(
            "cible",
            "Dispositif cible",
            Kind.TEXT,
            required=True,
            help="Le dispositif qui reçoit ce groupe (liste déroulante ; seul l'identifiant "
            "DSP-… en tête compte). Ignoré pour « Exclure ».",
        ),
        Column(
            "decision",
            "Décision",
            Kind.TEXT,
            required=True,
            help="Rattacher (au dispositif cible) ou Exclure. Vide : à décider.",
        ),
        Column("commentaire", "Commentaire", Kind.TEXT, max_length=1000, help="Texte libre."),
    ),
)

UTILISATEURS = Sheet(
    "Utilisateurs",
    (
        Column(
            "utilisateur",
            "Identifiant utilisateur",
            Kind.TEXT,
            required=True,
            help="Lecture seule : l'identifiant SI SIAO du compte.",
        ),
        _ro("nom", "Nom"),
        _ro("prenom", "Prénom"),
        _ro("courriel_actuel", "Courriel"),
        _ro("profils_actuels", "Profils actuels"),
        _ro("structure", "Structure actuelle"),
        _ro("profil_propose", "Profil proposé"),
        _ro("alertes", "Alertes"),
        Column(
            "profil",
            "Nouveau profil",
            Kind.TEXT,
            help="Le profil unique du compte (liste déroulante). Vide sur un conflit de profils : "
            "choisissez-le.",
        ),
        Column(
            "departements",
            "Départements",
            Kind.TEXT,
            help="Profils départementaux : codes séparés par « ; » (93 ; 94).",
        ),
        Column("siren", "SIREN de l'entité", Kind.TEXT, help="Profils d'entité : le SIREN."),
        Column(
            "dispositifs",
            "Dispositifs",
            Kind.TEXT,
            help="Profils de dispositif : identifiants séparés par « ; ».",
        ),
        Column(
            "courriel",
            "Nouveau courriel",
            Kind.TEXT,
            help="Si le courriel actuel est partagé, générique ou personnel : le courriel "
            "professionnel nominatif.",
        ),
        Column(
            "decision",
            "Décision",
            Kind.TEXT,
            required=True,
            help="Migrer, Lier au compte existant ou Désactiver. Vide : à décider.",
        ),
    ),
)

DISPOSITIFS = Sheet(
    "Dispositifs",
    (
        _ro("choix", "Dispositif"),
        _ro("identifiant", "Identifiant"),
        _ro("nom", "Nom du dispositif"),
        _ro("type", "Type de dispositif"),
        _ro("siren", "SIREN de l'entité"),
        _ro("entite", "Entité"),
        _ro("commune", "Commune"),
        _ro("publics", "Publics accueillis"),
        _ro("structures", "Structures SI SIAO actuelles"),
    ),
)

# Read back: the sheets holding decisions (« Dispositifs » is a reference).
WORKBOOK_2 = (GROUPES, UTILISATEURS)

DECISIONS_GROUPE: Mapping[str, str] = MappingProxyType(
    {"rattacher": "Rattacher", "exclure": "Exclure"}
)
DECISIONS_COMPTE: Mapping[str, str] = MappingProxyType(
    {"migrer": "Migrer", "lier": "Lier au compte existant", "desactiver": "Désactiver"}
)
CONFIANCES = ("haute", "moyenne", "faible", "aucune")

_IDENTIFIANT = re.compile(r"\s*(DSP-[0-9AB]{2,3}-[0-9]{6})(?![0-9])", re.IGNORECASE)


def choice_value(decisions: Mapping[str, str], raw: str) -> str | None:
    """The machine value of a decision written as its label, its machine value, or the label's
    first word (« Lier »); None when it is none of them."""
    key = fold(raw)
    for value, label in decisions.items():
        if key in (fold(label), fold(value), fold(label.split()[0])):
            return value
    return None


def dispositif_label(identifiant: str, nom: str, type_code: str) -> str:
    """« DSP-93-000123 — Nom (type) »: what the drop-down of « Dispositif cible » offers."""
    record = TYPES_BY_CODE.get(type_code)
    return f"{identifiant} — {nom} ({record.libelle if record else type_code})"


def leading_identifiant(text: str) -> str | None:
    """The identifiant a « Dispositif cible » starts with (the rest of the label is ignored)."""
    match = _IDENTIFIANT.match(text)
    return match.group(1).upper() if match else None


def marker(departement: str, exported_at: str) -> str:
    return f"{MARKER_VERSION}{SEPARATOR}{departement}{SEPARATOR}{exported_at}"


# The account alerts of the matching (service/bascule/comptes.py), as the workbook names them.
ALERTES: Mapping[str, str] = MappingProxyType(
    {
        "CONFLIT_PROFILS": "Conflit de profils",
        "COURRIEL_PARTAGE": "Courriel partagé",
        "COURRIEL_GENERIQUE": "Courriel générique",
        "COURRIEL_PERSONNEL": "Courriel personnel",
        "COURRIEL_DEJA_UTILISE": "Courriel déjà utilisé",
        "STRUCTURE_NON_RATTACHEE": "Structure non rattachée",
    }
)
