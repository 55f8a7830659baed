"""Revert of an applied import: replay its undo journal (before-images) in one transaction.

Refused when a later job changed the same rows, unless the national team forces it. Reverting a
job twice is a no-op: the first revert is returned.
"""

from __future__ import annotations

from sqlalchemy import func, select, text
from sqlalchemy.orm import Session

from service.auth.permissions import Identity
from service.jobs import audit
from service.jobs.locks import lock_departement, lock_entites
from service.jobs.service import JobStateError
from service.jobs.tables import Job, JobDepartement, JournalAnnulation
from service.offre.tables import Dispositif, Entite

_TABLES = {"dispositif": Dispositif.__table__, "entite": Entite.__table__}


def later_changes(session: Session, source: Job) -> int:
    """Rows of the source job's journal that another job changed since, or now depends on."""
    return int(
        session.scalar(
            text(
                "SELECT count(*) FROM offre.journal_annulation j "
                "LEFT JOIN offre.dispositif d ON j.table_nom = 'dispositif' AND d.id = j.objet_id "
                "LEFT JOIN offre.entite e ON j.table_nom = 'entite' AND e.id = j.objet_id "
                "WHERE j.job_id = :src AND ("
                " coalesce(d.modifie_par_job_id, e.modifie_par_job_id) IS DISTINCT FROM :src "
                " OR (j.table_nom = 'entite' AND j.operation = 'insert' AND EXISTS ("
                "   SELECT 1 FROM offre.dispositif x WHERE x.entite_id = j.objet_id "
                "   AND x.modifie_par_job_id IS DISTINCT FROM :src)))"
            ),
            {"src": source.id},
        )
        or 0
    )


def request_revert(session: Session, identity: Identity, source: Job, force: bool) -> Job:
    """A ``retour_arriere`` job for ``source`` (flushed; published by the caller)."""
    if source.retour_arriere_job_id is not None:
        existing = session.get(Job, source.retour_arriere_job_id)
        assert existing is not None
        return existing
    if source.type != "import_offre" or source.statut not in ("termine", "echec", "annule"):
        raise JobStateError(
            "RETOUR_IMPOSSIBLE",
            f"Seul un import appliqué peut être annulé (job {source.id} : « {source.statut} »).",
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
    conflicts = later_changes(session, source)
    if conflicts and not force:
        raise JobStateError(
            "MODIFIE_DEPUIS",
            f"{conflicts} ligne(s) appliquée(s) par le job {source.id} ont été modifiées depuis "
            "par d'autres jobs : le retour arrière effacerait ces modifications. "
            "L'administration nationale peut le forcer (« forcer »: true).",
        )
    revert = Job(
        type="retour_arriere",
        soumis_par=identity.utilisateur_id,
        job_source_id=source.id,
        options={"forcer": force},
    )
    session.add(revert)
    session.flush()
    source.retour_arriere_job_id = revert.id
    deps = session.scalars(
        select(JobDepartement.departement).where(
            JobDepartement.job_id == source.id, JobDepartement.statut == "termine"
        )
    ).all()
    session.add_all(JobDepartement(job_id=revert.id, departement=d) for d in deps)
    audit.record(
        session,
        identity.utilisateur_id,
        revert.id,
        "job.retour_arriere.demande",
        "job",
        str(source.id),
        details={"forcer": force},
    )
    session.flush()
    return revert


def _restore(session: Session, source_id: int, table: str) -> int:
    columns = [c.name for c in _TABLES[table].columns if c.name != "id"]
    targets = ", ".join(columns)
    values = ", ".join(f"r.{c}" for c in columns)
    result = session.execute(
        text(
            f"UPDATE offre.{table} t SET ({targets}) = ROW({values}) FROM ("
            f" SELECT (jsonb_populate_record(NULL::offre.{table}, j.avant)).* "
            " FROM offre.journal_annulation j "
            " WHERE j.job_id = :src AND j.table_nom = :table AND j.operation = 'update') r "
            "WHERE t.id = r.id"
        ),
        {"src": source_id, "table": table},
    )
    return int(result.rowcount)  # type: ignore[attr-defined]


def _delete_inserted(session: Session, source_id: int, table: str) -> int:
    guard = (
        " AND NOT EXISTS (SELECT 1 FROM offre.dispositif x WHERE x.entite_id = t.id)"
        if table == "entite"
        else ""
    )
    result = session.execute(
        text(
            f"DELETE FROM offre.{table} t USING offre.journal_annulation j "
            "WHERE j.job_id = :src AND j.table_nom = :table AND j.operation = 'insert' "
            f"AND t.id = j.objet_id{guard}"
        ),
        {"src": source_id, "table": table},
    )
    return int(result.rowcount)  # type: ignore[attr-defined]


def run_revert(session: Session, job: Job) -> None:
    source = session.get(Job, job.job_source_id)
    assert source is not None
    job.statut, job.debut = "application", func.now()
    rows = session.scalars(select(JobDepartement).where(JobDepartement.job_id == job.id)).all()
    lock_entites(session)
    for row in sorted(rows, key=lambda r: r.departement):
        lock_departement(session, row.departement)
    if not job.options.get("forcer") and later_changes(session, source):
        job.statut, job.fin = "echec", func.now()
        job.message = "Des lignes ont été modifiées depuis la demande : retour arrière refusé."
        for row in rows:
            row.statut = "echec"
        return
    # Dispositifs before entités: a created dispositif goes before the entité it points to.
    restored = _restore(session, source.id, "dispositif") + _restore(session, source.id, "entite")
    removed = _delete_inserted(session, source.id, "dispositif")
    removed += _delete_inserted(session, source.id, "entite")
    job.modifications = restored
    job.message = (
        f"Retour arrière du job {source.id} : {restored} ligne(s) remise(s) dans leur état "
        f"antérieur, {removed} ligne(s) créée(s) par ce job supprimée(s)."
    )
    for row in rows:
        row.statut, row.fin = "termine", func.now()
    job.statut, job.etape, job.fin = "termine", "fin", func.now()
    audit.record(
        session,
        job.soumis_par,
        job.id,
        "job.retour_arriere.applique",
        "job",
        str(source.id),
        details={"restaurees": restored, "supprimees": removed},
    )
