"""Reading the offre as it stands: a département's dispositifs, an entité and its dispositifs.
Dicts with French field names serve the exports; schemas serve the API."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from service.offre.fields import DISPOSITIF_FIELDS, ENTITE_FIELDS
from service.offre.schemas import DispositifOut, EntiteOut
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


def entite_out(entite: Entite) -> EntiteOut:
    return EntiteOut.model_validate(entite_dict(entite))


def dispositif_out(dispositif: Dispositif, siren: str) -> DispositifOut:
    return DispositifOut.model_validate(dispositif_dict(dispositif, siren))


def departement_dispositifs(
    session: Session, departement: str, offset: int, limit: int
) -> tuple[list[DispositifOut], int]:
    where = Dispositif.departement == departement
    total = session.scalar(select(func.count()).select_from(Dispositif).where(where)) or 0
    rows = session.execute(
        select(Dispositif, Entite.siren)
        .join(Entite, Entite.id == Dispositif.entite_id)
        .where(where)
        .order_by(Dispositif.identifiant)
        .offset(offset)
        .limit(limit)
    )
    return [dispositif_out(d, siren) for d, siren in rows], total


def entite_by_siren(session: Session, siren: str) -> Entite | None:
    return session.scalar(select(Entite).where(Entite.siren == siren))


def entite_dispositifs(session: Session, entite: Entite) -> Sequence[Dispositif]:
    return session.scalars(
        select(Dispositif).where(Dispositif.entite_id == entite.id).order_by(Dispositif.identifiant)
    ).all()
