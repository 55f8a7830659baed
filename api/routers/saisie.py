"""Screen entry through the API: one entité or one dispositif, with the import's rules and codes
(service/offre/entry.py). Each write is a job « saisie_offre », reverted like an import."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from api.deps import SessionDep
from api.errors import ApiError
from api.permissions import Importer, OffreReader, not_found
from api.schemas import ERRORS
from service.auth.permissions import Action, Identity, can
from service.jobs.errors import JobConflict
from service.offre import entry
from service.offre.queries import dispositif_groupes, dispositif_history, find_dispositif
from service.offre.schemas import (
    DispositifDetail,
    DispositifIn,
    DispositifOut,
    DispositifPatch,
    EntiteIn,
    EntiteOut,
    EntitePatch,
)

router = APIRouter(prefix="/api/v1", tags=["saisie"], responses=ERRORS)

ANOMALIES = "Saisie refusée : corrigez les anomalies (details.anomalies)."
READERS = (Action.IMPORTER_OFFRE, Action.RATTACHER, Action.LIRE_RAPPORTS)


def _saved(saved: entry.Saved) -> dict[str, Any]:
    return {**saved.values, "job_id": saved.job_id, "avertissements": saved.avertissements}


def _run(action: Any, *args: Any) -> dict[str, Any]:
    """The service's refusals as the API's errors: 422 with the anomalies, 409 naming the job
    holding the département, 404 out of reach."""
    try:
        return _saved(action(*args))
    except entry.EntryRefused as exc:
        raise ApiError(422, "SAISIE_INVALIDE", ANOMALIES, {"anomalies": exc.anomalies}) from exc
    except JobConflict as exc:
        raise ApiError(
            409, exc.code, exc.message, {"departement": exc.departement, "job_actif": exc.job_id}
        ) from exc
    except entry.EntryNotFound as exc:
        raise not_found("Ressource") from exc


@router.post("/entites", status_code=201, response_model=EntiteOut, summary="Créer une entité")
def create_entite(body: EntiteIn, identity: Importer, session: SessionDep) -> dict[str, Any]:
    """Les règles et codes de la feuille Entités de l'import."""
    return _run(entry.save_entite, session, identity, body.given())


@router.patch("/entites/{siren}", response_model=EntiteOut, summary="Modifier une entité")
def update_entite(
    siren: str, body: EntitePatch, identity: Importer, session: SessionDep
) -> dict[str, Any]:
    """Seuls les champs envoyés changent ; ``null`` vide un champ facultatif."""
    return _run(entry.save_entite, session, identity, body.given(), siren.replace(" ", ""))


@router.post(
    "/dispositifs", status_code=201, response_model=DispositifOut, summary="Créer un dispositif"
)
def create_dispositif(
    body: DispositifIn, identity: Importer, session: SessionDep
) -> dict[str, Any]:
    """Les règles et codes de la feuille Dispositifs de l'import ; l'identifiant est attribué."""
    return _run(entry.save_dispositif, session, identity, body.given())


@router.patch(
    "/dispositifs/{identifiant}", response_model=DispositifOut, summary="Modifier un dispositif"
)
def update_dispositif(
    identifiant: str, body: DispositifPatch, identity: Importer, session: SessionDep
) -> dict[str, Any]:
    """Seuls les champs envoyés changent ; fermer = renseigner ``date_fermeture``."""
    return _run(entry.save_dispositif, session, identity, body.given(), identifiant)


def _may_read(identity: Identity, departement: str) -> bool:
    return any(can(identity, a, departement) for a in READERS)


@router.get(
    "/dispositifs/{identifiant}",
    response_model=DispositifDetail,
    summary="Un dispositif et son historique",
)
def get_dispositif(identifiant: str, identity: OffreReader, session: SessionDep) -> dict[str, Any]:
    """Chaque job qui l'a écrit (imports, saisies), avec ce qu'il a changé ; ses groupes de
    places une fois le département basculé."""
    found = find_dispositif(session, identifiant)
    if found is None or not _may_read(identity, found[1]["departement"]):
        raise not_found("Dispositif")
    dispositif_id, values = found
    return {
        **values,
        "historique": dispositif_history(session, dispositif_id, values["identifiant"]),
        "groupes": dispositif_groupes(session, dispositif_id),
    }
