"""Revert of an applied rattachement: its undo journal replayed for each département — the
decisions it created are removed, those it changed or removed are restored. Refused when a
later decision (another job, a screen entry) changed the same rows, unless forced."""

from __future__ import annotations

from sqlalchemy import func, select, text
from sqlalchemy.orm import Session

from service.bascule.status import check_not_switched
from service.jobs.enums import FINAL, Statut
from service.jobs.errors import JobStateError
from service.jobs.kinds import RevertScope
from service.jobs.tables import Job, JobDepartement, JournalAnnulation
from service.rattachement.apply import TARGETS
from service.rattachement.tables import MigrationUtilisateur, RattachementGroupe

_TABLES = {
    "rattachement_groupe": RattachementGroupe.__table__,
    "migration_utilisateur": MigrationUtilisateur.__table__,
}


def scope(session: Session, source: Job, departements: tuple[str, ...] | None) -> RevertScope:
    if source.statut not in FINAL:
        raise JobStateError(
            "RETOUR_IMPOSSIBLE",
            f"Seul un rattachement appliqué peut être annulé (job {source.id} : "
            f"« {Statut(source.statut).libelle} »).",
        )
    journaled = session.scalar(
        select(func.count())
        .select_from(JournalAnnulation)
        .where(JournalAnnulation.job_id == source.id)
    )
    if not journaled:
        raise JobStateError(
            "RETOUR_IMPOSSIBLE", f"Le job {source.id} n'a rien appliqué : rien à annuler."
        )
    applied = tuple(
        session.scalars(
            select(JobDepartement.departement).where(
                JobDepartement.job_id == source.id, JobDepartement.statut == Statut.TERMINE
            )
        )
    )
    for departement in departements or applied:
        check_not_switched(session, departement)
    if departements is not None and set(departements) - set(applied):
        raise JobStateError(
            "RETOUR_IMPOSSIBLE",
            f"Le job {source.id} n'a rien appliqué pour le(s) département(s) "
            f"{', '.join(sorted(set(departements) - set(applied)))}.",
        )
    return RevertScope(tuple(sorted(departements or applied)), whole_job=departements is None)


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
