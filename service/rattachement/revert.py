"""Revert of an applied rattachement: its undo journal replayed for each département — the
decisions it created are removed, those it changed or removed are restored. Refused when a
later decision (another job, a screen entry) changed the same rows, unless forced."""

from __future__ import annotations

from sqlalchemy import text
from sqlalchemy.orm import Session

from service.bascule.status import check_not_switched
from service.jobs.kinds import RevertScope
from service.jobs.tables import Job
from service.jobs.undo import journaled_scope
from service.rattachement.apply import TARGETS
from service.rattachement.tables import MigrationUtilisateur, RattachementGroupe

_TABLES = {
    "rattachement_groupe": RattachementGroupe.__table__,
    "migration_utilisateur": MigrationUtilisateur.__table__,
}


def scope(session: Session, source: Job, departements: tuple[str, ...] | None) -> RevertScope:
    part = journaled_scope(session, source, departements, "un rattachement")
    for departement in part.departements:
        check_not_switched(session, departement)
    return part


def later_changes(session: Session, source: Job, part: RevertScope) -> int:
    """Decisions of the part that are no longer what the job wrote (after-image)."""
    total = 0
    for target in TARGETS:
        total += int(
            session.scalar(
                text(
                    f"SELECT count(*) FROM offre.journal_annulation j "
                    f"LEFT JOIN offre.{target.table} t ON t.{target.key} = j.objet_id "
                    "WHERE j.job_id = :src AND j.table_nom = :table AND j.departement = ANY(:deps) "
                    "AND to_jsonb(t) IS DISTINCT FROM j.apres"
                ),
                {"src": source.id, "table": target.table, "deps": list(part.departements)},
            )
            or 0
        )
    return total


def conflicts(session: Session, source: Job, part: RevertScope) -> list[str]:
    count = later_changes(session, source, part)
    if not count:
        return []
    return [f"{count} décision(s) appliquée(s) par le job {source.id} ont été modifiées depuis"]


def revert_departement(session: Session, source: Job, departement: str) -> tuple[int, int]:
    """The département's decisions as they were before ``source``: (restored, removed)."""
    restored = removed = 0
    params = {"src": source.id, "dep": departement}
    for target in TARGETS:
        table, key = target.table, target.key
        columns = [c.name for c in _TABLES[table].columns]
        removed += session.execute(
            text(
                f"DELETE FROM offre.{table} t USING offre.journal_annulation j "
                "WHERE j.job_id = :src AND j.departement = :dep AND j.table_nom = :table "
                f"AND j.operation = 'insert' AND t.{key} = j.objet_id"
            ),
            {**params, "table": table},
        ).rowcount  # type: ignore[attr-defined]
        restored += session.execute(
            text(
                f"INSERT INTO offre.{table} ({', '.join(columns)}) "
                f"SELECT {', '.join(f'r.{c}' for c in columns)} FROM offre.journal_annulation j, "
                f"jsonb_populate_record(NULL::offre.{table}, j.avant) r "
                "WHERE j.job_id = :src AND j.departement = :dep AND j.table_nom = :table "
                f"AND j.operation = 'update' ON CONFLICT ({key}) DO UPDATE SET "
                + ", ".join(f"{c} = EXCLUDED.{c}" for c in columns if c != key)
            ),
            {**params, "table": table},
        ).rowcount  # type: ignore[attr-defined]
    return restored, removed
