"""A job kind of the tests' own, registered by them: it proves that a kind plugs into the engine
without any edit of service/jobs or tasks, and exercises what the engine provides.

Its analysis counts ``etapes`` steps (one commit each); each département's unit writes one audit
row (``jouet.applique``) — exactly-once is counted there — and can be made to refuse, to
raise, or to fail once with a real PostgreSQL serialization failure (SQLSTATE 40001).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from typing import Any, ClassVar

from sqlalchemy import func, select, text, update
from sqlalchemy.orm import Session

from service.auth.permissions import Action, Identity
from service.db.engine import session_scope
from service.jobs import audit, engine, kinds
from service.jobs.enums import Statut
from service.jobs.kinds import JobKind, KindOptions, UnitRefused
from service.jobs.tables import Job, JobDepartement

APPLIED = "jouet.applique"


class ToyOptions(KindOptions):
    etapes: int = 2
    refuser: tuple[str, ...] = ()  # départements whose unit refuses (UnitRefused)
    planter: tuple[str, ...] = ()  # départements whose unit raises a programming error
    serialisation: tuple[str, ...] = ()  # départements failing once with SQLSTATE 40001
    annuler_apres: int | None = None  # the analysis asks for its own cancel after this step


class ToyKind(JobKind[ToyOptions]):
    name = "jouet"
    label = "Jouet des tests"
    options_model = ToyOptions
    action = Action.IMPORTER_OFFRE
    partial_failure_is_done = True
    plan_actions = ("jouer",)

    # What the units saw, per job (the in-process worker shares this memory with the test).
    started: ClassVar[defaultdict[int, list[tuple[str, int]]]] = defaultdict(list)
    serialization_failures: ClassVar[set[tuple[int, str]]] = set()

    def analyse(self, session: Session, job: Job) -> Iterator[None]:
        options = self.options(job)
        for step in range(job.traitees, options.etapes):
            if options.annuler_apres == step:
                _ask_cancel(job.id)  # between two commits, as the API's cancel would
            if engine.cancelled(session, job):
                return
            job.traitees = step + 1
            session.flush()
            yield
        engine.start_application(session, job, from_statuts=frozenset({Statut.EN_ATTENTE}))

    def apply_departement(self, session: Session, job: Job, row: JobDepartement) -> None:
        options = self.options(job)
        dep = row.departement
        self.started[job.id].append((dep, in_flight(session, job.id)))
        if dep in options.serialisation and (job.id, dep) not in self.serialization_failures:
            self.serialization_failures.add((job.id, dep))
            session.execute(
                text("DO $$ BEGIN RAISE EXCEPTION 'conflit' USING ERRCODE = '40001'; END $$")
            )
        if dep in options.refuser:
            raise UnitRefused(f"Le département {dep} refuse.")
        if dep in options.planter:
            raise RuntimeError("bogue")
        audit.record(session, job.soumis_par, job.id, APPLIED, "jouet", departement=dep)
        row.creations = 1

    def confirm(self, session: Session, job: Job, identity: Identity, body: dict[str, Any]) -> None:
        engine.start_application(session, job)


def in_flight(session: Session, job_id: int) -> int:
    """Units of the job claimed and not finished, seen from another transaction."""
    with session_scope() as other:
        return int(
            other.scalar(
                select(func.count())
                .select_from(JobDepartement)
                .where(
                    JobDepartement.job_id == job_id,
                    JobDepartement.statut == Statut.APPLICATION,
                    JobDepartement.bail_expire.is_not(None),
                )
            )
            or 0
        )


def _ask_cancel(job_id: int) -> None:
    with session_scope() as other:
        other.execute(update(Job).where(Job.id == job_id).values(annulation_demandee=True))


def steal_lease(job_id: int, departement: str) -> None:
    """Another worker takes the unit over (a new fencing token) while this one still runs."""
    with session_scope() as other:
        other.execute(
            update(JobDepartement)
            .where(JobDepartement.job_id == job_id, JobDepartement.departement == departement)
            .values(bail_jeton=JobDepartement.bail_jeton + 1)
        )


def applied(session: Session, job_id: int) -> list[str]:
    from service.jobs.tables import Audit

    return list(
        session.scalars(
            select(Audit.departement)
            .where(Audit.job_id == job_id, Audit.action == APPLIED)
            .order_by(Audit.id)
        )
    )


TOY = ToyKind()


def register() -> ToyKind:
    kinds.register(TOY)
    return TOY
