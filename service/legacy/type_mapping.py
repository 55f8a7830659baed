"""Legacy structure types (DOMAIN.md §7) → the nomenclature type that usually replaces them.

Used to pre-fill Temps 1 workbooks from legacy data and, in Temps 2, to judge whether a legacy
groupe de places fits a dispositif. A proposal only: users correct it in the workbook.
"""

from __future__ import annotations

LEGACY_TO_TYPE: dict[int, str] = {
    100: "HEB_HOTEL",  # Hôtels
    200: "HEB_RHVS",  # RHVS
    300: "HEB_HORS_CHRS",  # Hors CHRS
    400: "HEB_CHRS",  # CHRS
    500: "HEB_AUTRE",  # Structure en ALT (hébergement)
    600: "HEB_MEDICO_SOCIAL",  # Hébergement spécialisé
    700: "PA_DNA",  # DNA: now Premier accueil, without places
    800: "RS_CLASSIQUE",  # Logement foyer
    900: "IML_LOCATION_SOUS_LOCATION",  # Intermédiation locative
    1000: "IML_MANDAT_GESTION",  # Logement de droit commun (mobilised through IML)
    1100: "IML_LOCATION_SOUS_LOCATION",  # Structure en ALT (logement)
}
