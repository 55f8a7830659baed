"""Revert of an applied import: replay its undo journal (before-images), one transaction per
département, then the entités once every département is back.

Refused when a later job changed the same rows, unless the national team forces it.
"""

from __future__ import annotations

from sqlalchemy import text
from sqlalchemy.orm import Session

from service.imports.live import held_since
from service.jobs.kinds import RevertScope
from service.jobs.locks import lock_entites
from service.jobs.tables import Job
from service.jobs.undo import journaled_scope
from service.offre.tables import Dispositif, Entite

_TABLES = {"dispositif": Dispositif.__table__, "entite": Entite.__table__}
# Journal rows of the part being reverted: the départements asked for, and the entités
# (journaled without département) when the whole job is.
_PART = "(j.departement = ANY(:deps) OR (:whole AND j.departement IS NULL))"


def scope(session: Session, source: Job, departements: tuple[str, ...] | None) -> RevertScope:
    return journaled_scope(session, source, departements, "un import")


def conflicts(session: Session, source: Job, part: RevertScope) -> list[str]:
    count = later_changes(session, source, part)
    found = [f"{count} ligne(s) appliquée(s) par le job {source.id} ont été modifiées depuis"]
    return (found if count else []) + held_since(
        session, source.id, part.departements, part.whole_job
    )


def later_changes(session: Session, source: Job, part: RevertScope) -> int:
    """Rows of the part's journal that another job changed since, or now depends on."""
    return int(
        session.scalar(
            text(
                "SELECT count(*) FROM offre.journal_annulation j "
                "LEFT JOIN offre.dispositif d ON j.table_nom = 'dispositif' AND d.id = j.objet_id "
                "LEFT JOIN offre.entite e ON j.table_nom = 'entite' AND e.id = j.objet_id "
                f"WHERE j.job_id = :src AND {_PART} AND ("
                " coalesce(d.modifie_par_job_id, e.modifie_par_job_id) IS DISTINCT FROM :src "
                " OR (j.table_nom = 'entite' AND j.operation = 'insert' AND EXISTS ("
                "   SELECT 1 FROM offre.dispositif x WHERE x.entite_id = j.objet_id "
                "   AND x.modifie_par_job_id IS DISTINCT FROM :src)))"
            ),
            {"src": source.id, "deps": list(part.departements), "whole": part.whole_job},
        )
        or 0
    )


def _restore(session: Session, source_id: int, table: str, departement: str | None) -> int:
    columns = [c.name for c in _TABLES[table].columns if c.name != "id"]
    targets = ", ".join(columns)
    values = ", ".join(f"r.{c}" for c in columns)
    result = session.execute(
        text(
            f"UPDATE offre.{table} t SET ({targets}) = ROW({values}) FROM ("
            f" SELECT (jsonb_populate_record(NULL::offre.{table}, j.avant)).* "
            " FROM offre.journal_annulation j "
            " WHERE j.job_id = :src AND j.table_nom = :table AND j.operation = 'update'"
            " AND j.departement IS NOT DISTINCT FROM :dep) r "
            "WHERE t.id = r.id"
        ),
        {"src": source_id, "table": table, "dep": departement},
    )
    return int(result.rowcount)  # type: ignore[attr-defined]


def _delete_inserted(session: Session, source_id: int, table: str, departement: str | None) -> int:
    # An entité still running a dispositif stays; so does a dispositif holding groupes de
    # places (a forced revert of Temps 1 after Temps 3).
    guard = (
        " AND NOT EXISTS (SELECT 1 FROM offre.dispositif x WHERE x.entite_id = t.id)"
        if table == "entite"
        else " AND NOT EXISTS (SELECT 1 FROM offre.groupe_places g WHERE g.dispositif_id = t.id)"
    )
    result = session.execute(
        text(
            f"DELETE FROM offre.{table} t USING offre.journal_annulation j "
            "WHERE j.job_id = :src AND j.table_nom = :table AND j.operation = 'insert' "
            f"AND j.departement IS NOT DISTINCT FROM :dep AND t.id = j.objet_id{guard}"
        ),
        {"src": source_id, "table": table, "dep": departement},
    )
    return int(result.rowcount)  # type: ignore[attr-defined]


def revert_departement(session: Session, source: Job, departement: str) -> tuple[int, int]:
    """The département's dispositifs as they were before ``source``: (restored, removed)."""
    return (
        _restore(session, source.id, "dispositif", departement),
        _delete_inserted(session, source.id, "dispositif", departement),
    )


def revert_entites(session: Session, source: Job) -> tuple[int, int]:
    """The entités as they were before ``source``, once its dispositifs are gone (a created
    entité still running another dispositif stays)."""
    lock_entites(session)
    return (
        _restore(session, source.id, "entite", None),
        _delete_inserted(session, source.id, "entite", None),
    )
