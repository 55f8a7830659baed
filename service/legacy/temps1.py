"""A Temps 1 workbook pre-filled from the legacy structures of some départements (demo, tests).

Structures of one entité with the same name and type in a département become one dispositif
that lists every legacy structure it replaces; entités without SIREN cannot be described yet.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, text

from service.imports.template import Prefill
from service.legacy.type_mapping import LEGACY_TO_TYPE
from service.referentiels import nomenclature
from service.referentiels.text import normalise_name


@dataclass(frozen=True, slots=True)
class LegacyPrefill:
    prefill: Prefill
    structures: int
    skipped_without_siren: int


def prefill_from_legacy(connection: Connection, departements: Sequence[str]) -> LegacyPrefill:
    rows = connection.execute(
        text(
            "SELECT s.id, s.nom, s.departement, s.type_code, s.siret, s.finess, s.adresse, "
            "s.code_postal, s.commune, e.siren, e.nom AS entite_nom, "
            "(SELECT coalesce(sum(g.nb_places), 0) FROM siao.groupe_places g "
            " WHERE g.structure_id = s.id AND g.actif) AS places "
            "FROM siao.structure s JOIN siao.entite e ON e.id = s.entite_id "
            "WHERE s.actif AND s.departement = ANY(:deps) ORDER BY s.departement, s.id"
        ),
        {"deps": list(departements)},
    ).mappings()
    entites: dict[str, dict[str, Any]] = {}
    dispositifs: dict[tuple[str, str, str, str], dict[str, Any]] = {}
    structures = skipped = 0
    for r in rows:
        structures += 1
        if not r["siren"]:
            skipped += 1
            continue
        entites.setdefault(
            r["siren"],
            {
                "siren": r["siren"],
                "raison_sociale": r["entite_nom"],
                "departement_siege": r["departement"],
            },
        )
        type_code = LEGACY_TO_TYPE[r["type_code"]]
        key = (r["siren"], r["departement"], type_code, normalise_name(r["nom"]))
        current = dispositifs.get(key)
        carries = nomenclature.carries_capacity(nomenclature.TYPES_BY_CODE[type_code])
        if current is None:
            dispositifs[key] = {
                "siren": r["siren"],
                "nom": r["nom"],
                "type_code": nomenclature.TYPES_BY_CODE[type_code].libelle,
                "departement": r["departement"],
                "siret": r["siret"],
                "finess_et": [r["finess"]] if r["finess"] else [],
                "adresse": r["adresse"],
                "code_postal": r["code_postal"],
                "commune": r["commune"],
                "capacite_financee": int(r["places"]) if carries else None,
                "structures_historiques": [r["id"]],
            }
        else:
            current["structures_historiques"].append(r["id"])
            if r["finess"] and r["finess"] not in current["finess_et"]:
                current["finess_et"].append(r["finess"])
            if carries:
                current["capacite_financee"] += int(r["places"])
    prefill = Prefill(entites=list(entites.values()), dispositifs=list(dispositifs.values()))
    return LegacyPrefill(prefill, structures, skipped)
