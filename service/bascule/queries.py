"""The reads of Temps 3: the preparation of the 101 départements (or one), and what a switched
département holds in the module. Only reads."""

from __future__ import annotations

from collections import Counter
from typing import Any

from sqlalchemy import text
from sqlalchemy.orm import Session

from service.bascule.preflight import preparations
from service.bascule.preflight_data import gc_paused, load_preflight
from service.bascule.schemas import detail_out, item_out

_NAMES = text("SELECT code, nom FROM offre.departement")
# What a switched département holds now: groupes under its dispositifs, accounts it linked.
_IN_MODULE = text(
    "SELECT d.code, (SELECT count(*) FROM offre.groupe_places g JOIN offre.dispositif x "
    "ON x.id = g.dispositif_id WHERE x.departement = d.code), (SELECT count(*) "
    "FROM offre.utilisateur_historique h WHERE h.departement = d.code) "
    "FROM offre.departement d WHERE d.module_actif AND (:all OR d.code = ANY(:deps))"
)


def _names(session: Session) -> dict[str, str]:
    return {str(code): str(nom) for code, nom in session.execute(_NAMES)}


def _in_module(session: Session, deps: list[str] | None) -> dict[str, tuple[int, int]]:
    rows = session.execute(_IN_MODULE, {"all": deps is None, "deps": deps or []})
    return {code: (int(g), int(u)) for code, g, u in rows}


def preparation_nationale(session: Session) -> dict[str, Any]:
    """Every département: its state, its blockers by code, its groupes and accounts."""
    names = _names(session)
    with gc_paused():
        found = preparations(load_preflight(session.connection()))
    counts = _in_module(session, None)
    items = [item_out(p, names[p.departement], counts.get(p.departement)) for p in found]
    return {
        "items": items,
        "total": len(items),
        "resume": dict(Counter(p.statut for p in found)),
    }


def preparation_departement(session: Session, departement: str) -> dict[str, Any]:
    """One département in detail: each blocker with its items."""
    names = _names(session)
    (found,) = preparations(load_preflight(session.connection(), [departement]))
    counts = _in_module(session, [departement]).get(departement)
    return detail_out(found, names[departement], counts)
