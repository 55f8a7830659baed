"""Entités and dispositifs as the API and the exports show them (French field names)."""

from __future__ import annotations

from typing import Any

from service.imports.plan import DISPOSITIF_FIELDS, ENTITE_FIELDS
from service.offre.tables import Dispositif, Entite


def _plain(value: Any) -> Any:
    return value.isoformat() if hasattr(value, "isoformat") else value


def entite_dict(entite: Entite) -> dict[str, Any]:
    return {f: _plain(getattr(entite, f)) for f in ENTITE_FIELDS} | {
        "modifie_le": _plain(entite.modifie_le)
    }


def dispositif_dict(dispositif: Dispositif, siren: str) -> dict[str, Any]:
    values = {f: _plain(getattr(dispositif, f)) for f in DISPOSITIF_FIELDS if f != "siren"}
    return {"identifiant": dispositif.identifiant, "siren": siren, **values} | {
        "modifie_le": _plain(dispositif.modifie_le)
    }
