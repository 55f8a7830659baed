"""Live rows and key sets read once per analysis or apply, JSON-ready like staged rows."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date
from typing import Any

from sqlalchemy import ARRAY, String, any_, bindparam, select, text
from sqlalchemy.orm import Session

from service.auth.tables import Utilisateur
from service.imports.cross_rules import KnownKeys, LiveDispositif
from service.imports.plan import LiveKey
from service.offre.fields import DISPOSITIF_FIELDS, ENTITE_FIELDS
from service.offre.tables import Dispositif, Entite
from service.referentiels.suggestions import KnownValues


def _json_ready(value: Any) -> Any:
    return value.isoformat() if isinstance(value, date) else value


def known_keys(session: Session, identifiants: Iterable[str]) -> KnownKeys:
    """Every SIREN (a mistyped one is matched against them all) and, of the identifiants, only
    those the file names: a one-département file does not read the nation's dispositifs."""
    sirens = frozenset(session.scalars(select(Entite.siren)))
    found = session.execute(
        select(Dispositif.identifiant, Dispositif.departement).where(
            Dispositif.identifiant
            == any_(bindparam("identifiants", sorted(set(identifiants)), type_=ARRAY(String)))
        )
    )
    return KnownKeys(sirens=sirens, identifiants={i: d for i, d in found})


def known_values(session: Session) -> KnownValues:
    """SIRENs and e-mails already known, for « Vouliez-vous dire … ? » on a mistyped one."""
    emails = (
        select(Entite.courriel)
        .where(Entite.courriel.is_not(None))
        .union(
            select(Dispositif.courriel_responsable).where(
                Dispositif.courriel_responsable.is_not(None)
            ),
            select(Utilisateur.courriel).where(Utilisateur.actif),
        )
    )
    return KnownValues(session.scalars(select(Entite.siren)), lambda: session.scalars(emails))


def live_dispositif_keys(session: Session, departements: Iterable[str]) -> list[LiveDispositif]:
    """The dispositifs of these départements as the probable-duplicate rule compares them."""
    rows = session.execute(
        select(
            Dispositif.identifiant,
            Entite.siren,
            Dispositif.departement,
            Dispositif.type_code,
            Dispositif.nom,
            Dispositif.nom_normalise,
        )
        .join(Entite, Entite.id == Dispositif.entite_id)
        .where(Dispositif.departement.in_(list(departements)))
    )
    return [LiveDispositif(*row) for row in rows]


def _dicts(names: list[str], rows: Iterable[Sequence[Any]]) -> list[dict[str, Any]]:
    return [dict(zip(names, map(_json_ready, row), strict=True)) for row in rows]


def live_entites(
    session: Session, sirens: Iterable[str] | None = None, *, ids: Iterable[int] | None = None
) -> dict[str, dict[str, Any]]:
    """SIREN → entité (with ``id``), of these SIRENs or these ids."""
    names = ["id", *ENTITE_FIELDS]
    query = select(Entite.id, *(getattr(Entite, f) for f in ENTITE_FIELDS))
    if ids is not None:
        query = query.where(Entite.id.in_(list(ids)))
    else:
        query = query.where(Entite.siren.in_(list(sirens or ())))
    return {r["siren"]: r for r in _dicts(names, session.execute(query))}


# A live row's digest, as plan.row_digest computes a file row's: jsonb writes arrays with
# « , », dates as ISO text, and escapes strings as Python's json.dumps does.
def _digest_sql(columns: Sequence[str]) -> str:
    return f"md5(jsonb_build_array({', '.join(columns)})::text)"


def live_entite_keys(session: Session, sirens: Sequence[str]) -> list[LiveKey]:
    rows = session.execute(
        text(
            f"SELECT e.id, e.siren, {_digest_sql([f'e.{f}' for f in ENTITE_FIELDS])} "
            "FROM offre.entite e WHERE e.siren = ANY(:sirens)"
        ),
        {"sirens": list(sirens)},
    )
    return [LiveKey(i, siren, (siren,), digest) for i, siren, digest in rows]


_DISPOSITIF_COLUMNS = [f for f in DISPOSITIF_FIELDS if f != "siren"]
_DISPOSITIF_DIGEST = _digest_sql(
    [f"e.{f}" if f == "siren" else f"d.{f}" for f in DISPOSITIF_FIELDS]
)


def live_dispositif_keys_of(session: Session, departement: str) -> list[LiveKey]:
    """The département's dispositifs as the unchanged rows are sorted out (no whole row)."""
    rows = session.execute(
        text(
            "SELECT d.id, d.identifiant, e.siren, d.departement, d.type_code, d.nom_normalise, "
            f"{_DISPOSITIF_DIGEST} FROM offre.dispositif d JOIN offre.entite e "
            "ON e.id = d.entite_id WHERE d.departement = :dep"
        ),
        {"dep": departement},
    )
    return [LiveKey(r[0], r[1], (r[2], r[3], r[4], r[5]), r[6]) for r in rows]


def live_dispositifs(
    session: Session, departement: str, ids: Iterable[int] | None = None
) -> list[dict[str, Any]]:
    """The département's dispositifs (or these of them), whole and JSON-ready."""
    names = ["id", "identifiant", "siren", "nom_normalise", *_DISPOSITIF_COLUMNS]
    query = (
        select(
            Dispositif.id,
            Dispositif.identifiant,
            Entite.siren,
            Dispositif.nom_normalise,
            *(getattr(Dispositif, f) for f in _DISPOSITIF_COLUMNS),
        )
        .join(Entite, Entite.id == Dispositif.entite_id)
        .where(Dispositif.departement == departement)
        .order_by(Dispositif.id)
    )
    if ids is not None:
        query = query.where(Dispositif.id.in_(list(ids)))
    return _dicts(names, session.execute(query))


def departement_digest(session: Session, departement: str) -> str:
    """A fingerprint of the département's dispositifs and of the groupes de places they hold
    (a switch in between): a plan made on another state is stale."""
    return str(
        session.scalar(
            text(
                "SELECT md5(coalesce(string_agg(d::text || ':' || (SELECT count(*) "
                "FROM offre.groupe_places g WHERE g.dispositif_id = d.id AND g.actif), ',' "
                "ORDER BY d.id), '')) FROM offre.dispositif d WHERE d.departement = :dep"
            ),
            {"dep": departement},
        )
    )


def held_groupes(session: Session, departement: str) -> dict[str, dict[str, int]]:
    """By identifiant, the active groupes de places the département's dispositifs hold
    (``occupied``, Temps 3) and those Temps 2 attaches to them while it has not switched
    (``targets``): the plan's keyword arguments."""
    params = {"dep": departement}
    occupied = session.execute(
        text(
            "SELECT d.identifiant, count(*) FROM offre.groupe_places g JOIN offre.dispositif d "
            "ON d.id = g.dispositif_id WHERE d.departement = :dep AND g.actif GROUP BY 1"
        ),
        params,
    )
    targets = session.execute(
        text(
            "SELECT r.dispositif_identifiant, count(*) FROM offre.rattachement_groupe r "
            "JOIN offre.departement x ON x.code = r.departement WHERE r.departement = :dep "
            "AND r.decision = 'rattacher' AND NOT x.module_actif GROUP BY 1"
        ),
        params,
    )
    return {
        "occupied": {str(i): int(n) for i, n in occupied},
        "targets": {str(i): int(n) for i, n in targets},
    }


def entites_digest(session: Session, sirens: Iterable[str]) -> str:
    return str(
        session.scalar(
            text(
                "SELECT md5(coalesce(string_agg(e::text, ',' ORDER BY e.id), '')) "
                "FROM offre.entite e WHERE e.siren = ANY(:sirens)"
            ),
            {"sirens": list(sirens)},
        )
    )


# Dispositifs a job wrote that Temps 3 has since filled with groupes or Temps 2 aims at.
_JOURNALED = (
    "SELECT DISTINCT d.identifiant FROM offre.journal_annulation j "
    "JOIN offre.dispositif d ON j.table_nom = 'dispositif' AND d.id = j.objet_id "
    "WHERE j.job_id = :src AND (j.departement = ANY(:deps) OR (:whole AND j.departement IS NULL)) "
    "AND "
)
_HELD = {
    "portent des groupes de places basculés (Temps 3)": _JOURNALED
    + "EXISTS (SELECT 1 FROM offre.groupe_places g WHERE g.dispositif_id = d.id) "
    "ORDER BY d.identifiant",
    "sont des cibles du rattachement (Temps 2)": _JOURNALED
    + "EXISTS (SELECT 1 FROM offre.rattachement_groupe r WHERE r.decision = 'rattacher' "
    "AND r.dispositif_identifiant = d.identifiant) ORDER BY d.identifiant",
}


def held_since(
    session: Session, job_id: int, departements: Iterable[str], whole: bool
) -> list[str]:
    """Why reverting that job would pull the rug from under Temps 2 or 3 (French lines): a
    revert would close, retype or remove what those groupes belong to."""
    params = {"src": job_id, "deps": list(departements), "whole": whole}
    found = []
    for what, query in _HELD.items():
        identifiants = list(session.scalars(text(query), params))
        if identifiants:
            shown = ", ".join(identifiants[:5]) + (" …" if len(identifiants) > 5 else "")
            found.append(
                f"{len(identifiants)} dispositif(s) écrit(s) par le job {job_id} {what} ({shown})"
            )
    return found
