"""The fields of entités and dispositifs that users describe (workbooks, screen entry, API):
the model owns the list; the workbook columns map onto it (service/imports/columns.py)."""

from __future__ import annotations

ENTITE_FIELDS = (
    "siren",
    "raison_sociale",
    "sigle",
    "forme_juridique",
    "adresse",
    "code_postal",
    "commune",
    "code_commune",
    "departement_siege",
    "courriel",
    "telephone",
    "finess_ej",
    "rna",
)
# A dispositif is described with its entité's SIREN; its identifiant is assigned by the service.
DISPOSITIF_FIELDS = (
    "siren",
    "nom",
    "type_code",
    "departement",
    "siret",
    "finess_et",
    "adresse",
    "code_postal",
    "commune",
    "code_commune",
    "capacite_financee",
    "financeurs",
    "date_ouverture",
    "date_fermeture",
    "publics",
    "courriel_responsable",
    "structures_historiques",
)
LIST_FIELDS = frozenset(("finess_et", "financeurs", "publics", "structures_historiques"))
