"""The registry of job kinds: what the engine needs to know of a kind, and nothing more.

A kind lives in its own package (``service/imports``, ``service/reverts``, ``service/bascule``…)
and registers one :class:`JobKind` instance. The engine (units, runner, reconciler, API routes of
jobs) reads the kind of a job from here and never names a kind itself, so adding a kind needs no
edit of ``service/jobs`` or ``tasks``.

The stages a kind fills, run by the engine in the order of :class:`~service.jobs.enums.Etape`:

- :meth:`JobKind.analyse` — job-level, while the job is ``en_attente``/``analyse``; a generator
  whose every ``yield`` is a commit (a batch), ending in ``valide``/``invalide`` (or straight in
  ``application`` through :func:`service.jobs.engine.start_application`); it may split its work
  into parts (:func:`service.jobs.engine.fan_out`) that several workers take in parallel
  (:meth:`JobKind.analyse_part`), and is called again once they are all done;
- :meth:`JobKind.apply_job` — job-level writes before the départements (stage ``prealable``);
- :meth:`JobKind.apply_departement` — one transaction per département, under the département's
  write lock, in parallel across workers (stage ``departements``);
- :meth:`JobKind.close` — job-level writes once every département is done (stage ``cloture``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, ClassVar, Generic, TypeVar

from pydantic import BaseModel, ConfigDict
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from service.auth.permissions import Action, Identity
from service.jobs.enums import Etape, Statut
from service.jobs.errors import JobStateError
from service.jobs.schemas import (
    Changement,
    Compteurs,
    DepartementFigures,
    JobFigures,
    PlanItem,
    RetourPartie,
)
from service.jobs.tables import Job, JobDepartement, JobPlan, JournalAnnulation

COUNT_NAMES = tuple(Compteurs.model_fields)

OptionsT = TypeVar("OptionsT", bound=BaseModel)


class KindOptions(BaseModel):
    """Base of every kind's options: validated when a job is submitted and when it is loaded."""

    model_config = ConfigDict(extra="forbid", frozen=True)


class NoOptions(KindOptions):
    pass


class UnknownKind(LookupError):
    pass


@dataclass(frozen=True, slots=True)
class ExportSpec:
    """A download a kind offers for its jobs (service/jobs/exports.py builds and stores it)."""

    media_type: str
    # (session, job, départements the readers see — None for every row) → chunks of bytes,
    # built with bounded memory.
    build: Callable[[Session, Job, frozenset[str] | None], Iterator[bytes]]


@dataclass(frozen=True, slots=True)
class RevertScope:
    """What a revert of ``source`` would restore: its départements (and the job-level part when
    the whole job is reverted)."""

    departements: tuple[str, ...]
    whole_job: bool


class JobKind(Generic[OptionsT]):
    """One kind of job. Class attributes declare it; methods are its stages and hooks.

    Services called from here flush, never commit: the runner commits each stage (and each
    ``yield`` of a generator stage) under the unit's lease.
    """

    name: ClassVar[str]  # the job type, a machine value (import_offre)
    label: ClassVar[str]  # French, for users: « Import Temps 1 »
    options_model: ClassVar[type[KindOptions]] = NoOptions
    # The right to submit such a job, to act on it (confirm, cancel, revert) and, with
    # ANALYSTE's reading right, to read it (DOMAIN.md §4).
    action: ClassVar[Action]
    # Stages the kind fills (the engine skips the others).
    has_prealable: ClassVar[bool] = False
    has_cloture: ClassVar[bool] = False
    # A job whose départements partly failed ends ``termine`` listing them (waves), rather than
    # ``echec`` (one file: a failure means « fix and resubmit »). A job whose every unit failed
    # ends ``echec`` either way.
    partial_failure_is_done: ClassVar[bool] = False
    # Its rights are those of the job it works on (a revert): action_for() and the list filter
    # follow the source job.
    rights_from_source: ClassVar[bool] = False
    # The action vocabulary of its job_plan rows (the table only checks the shape).
    plan_actions: ClassVar[tuple[str, ...]] = ()
    # The shape of its figures (API responses and live events).
    figures_model: ClassVar[type[JobFigures]] = JobFigures
    # Its downloads by file name (rapport.xlsx, anomalies.csv…).
    exports: ClassVar[Mapping[str, ExportSpec]] = {}

    def action_for(self, session: Session, job: Job) -> Action:
        """The right needed to act on (and, with ANALYSTE's, to read) this job."""
        if self.rights_from_source and job.job_source_id is not None:
            source = session.get(Job, job.job_source_id)
            if source is not None:
                return of(source).action_for(session, source)
        return self.action

    def options(self, job: Job) -> OptionsT:
        """The job's options, validated (a row written by an older version is still checked)."""
        options: Any = self.options_model.model_validate(job.options)
        return options  # OptionsT is options_model

    def figures(
        self, job: Job, rows: Sequence[JobDepartement], soumis_par: str | None
    ) -> JobFigures:
        """The job's figures: by default each count is the job row's plus its units'."""
        departements = [DepartementFigures.model_validate(r) for r in rows]
        counts = {
            name: getattr(job, name) + sum(getattr(d, name) for d in departements)
            for name in COUNT_NAMES
        }
        return self.figures_model(
            **self.job_fields(job, soumis_par), **counts, departements=departements
        )

    def job_fields(self, job: Job, soumis_par: str | None) -> dict[str, Any]:
        return {
            "id": job.id,
            "type": job.type,
            "libelle_type": self.label,
            "statut": job.statut,
            "libelle_statut": Statut(job.statut).libelle,
            "etape": Etape(job.etape),
            "soumis_par": soumis_par,
            "cree_le": job.cree_le,
            "debut": job.debut,
            "fin": job.fin,
            "message": job.message,
            "options": job.options,
            "job_source_id": job.job_source_id,
            "retour_arriere_job_id": job.retour_arriere_job_id,
        }

    def plan_item(self, plan: JobPlan) -> PlanItem:
        """One row of the preview: the fields that change (old → new), or the values of what
        is created."""
        before, after = plan.avant or {}, plan.apres or {}
        return PlanItem(
            feuille=plan.feuille,
            ligne=plan.ligne,
            departement=plan.departement,
            action=plan.action,
            cle=plan.cle,
            identifiant=after.get("identifiant"),
            changements={f: Changement(avant=old, apres=after.get(f)) for f, old in before.items()},
            valeurs=after if plan.avant is None and plan.apres is not None else None,
        )

    def analyse(self, session: Session, job: Job) -> Iterator[None] | None:
        raise NotImplementedError

    def analyse_part(self, session: Session, job: Job, partie: str) -> Iterator[None] | None:
        """One part of an analysis the kind split with :func:`service.jobs.engine.fan_out`
        (a generator: every ``yield`` is a commit). A redelivered part runs again whole: it
        undoes what an earlier attempt of it committed."""
        raise NotImplementedError

    def apply_job(self, session: Session, job: Job) -> None:
        raise NotImplementedError

    def apply_departement(self, session: Session, job: Job, row: JobDepartement) -> None:
        """Write one département. Raise :class:`UnitRefused` to end this unit in ``echec`` with
        a French reason and nothing of it written."""
        raise NotImplementedError

    def close(self, session: Session, job: Job) -> None:
        raise NotImplementedError

    # --- confirmation and revert --------------------------------------------------------
    def confirm(self, session: Session, job: Job, identity: Identity, body: dict[str, Any]) -> None:
        """A person confirms a ``valide`` job: check what the kind requires, then
        :func:`service.jobs.engine.start_application`. Raise JobStateError to refuse."""
        raise NotImplementedError

    def revert_scope(
        self, session: Session, source: Job, departements: tuple[str, ...] | None
    ) -> RevertScope:
        """What a revert of ``source`` covers, or JobStateError when it cannot be reverted.
        Kinds that cannot be reverted keep this default."""
        raise JobStateError(
            "RETOUR_IMPOSSIBLE", f"Un job « {self.label} » ne peut pas faire l'objet d'un retour."
        )

    def revert_conflicts(self, session: Session, source: Job, scope: RevertScope) -> list[str]:
        """What changed since ``source`` in what a revert would restore (French, one line per
        kind of change): refused unless forced."""
        return []

    def revert_parts(self, session: Session, source: Job, scope: RevertScope) -> list[RetourPartie]:
        """What a revert would restore, per département (and the job-level part): by default,
        counted in the job's undo journal."""
        rows = session.execute(
            select(
                JournalAnnulation.departement,
                func.count().filter(JournalAnnulation.operation == "update"),
                func.count().filter(JournalAnnulation.operation == "insert"),
            )
            .where(JournalAnnulation.job_id == source.id)
            .group_by(JournalAnnulation.departement)
        )
        wanted = set(scope.departements)
        return [
            RetourPartie(departement=dep, a_restaurer=restored, a_supprimer=removed)
            for dep, restored, removed in sorted(rows, key=lambda r: (r[0] is None, r[0] or ""))
            if (dep in wanted) or (dep is None and scope.whole_job)
        ]

    def revert_departement(self, session: Session, source: Job, revert: Job, dep: str) -> Any:
        raise NotImplementedError

    def revert_job(self, session: Session, source: Job, revert: Job) -> Any:
        raise NotImplementedError


class UnitRefused(Exception):
    """A unit that cannot be applied as planned (stale plan, broken key…): it ends ``echec``
    with this French message, nothing of it written, the other units go on."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


_REGISTRY: dict[str, JobKind[Any]] = {}
_loaded = False


def register(kind: JobKind[Any]) -> JobKind[Any]:
    existing = _REGISTRY.get(kind.name)
    if existing is not None and type(existing) is not type(kind):
        raise ValueError(f"job kind {kind.name!r} registered twice")
    _REGISTRY[kind.name] = kind
    return kind


def unregister(type_: str) -> None:
    """For tests that register a kind of their own."""
    _REGISTRY.pop(type_, None)


def get(type_: str) -> JobKind[Any]:
    if type_ not in _REGISTRY:
        load_all()
    try:
        return _REGISTRY[type_]
    except KeyError:
        raise UnknownKind(type_) from None


def of(job: Job) -> JobKind[Any]:
    return get(job.type)


def registered() -> tuple[JobKind[Any], ...]:
    if not _loaded:
        load_all()
    return tuple(_REGISTRY.values())


ENTRY_POINT_GROUP = "offre.job_kinds"


def load_all() -> tuple[JobKind[Any], ...]:
    """Register the kinds the installed packages declare (pyproject.toml, entry points of
    group ``offre.job_kinds``): a new kind is one line there, nothing here."""
    from importlib.metadata import entry_points

    global _loaded
    for entry in entry_points(group=ENTRY_POINT_GROUP):
        register(entry.load())
    _loaded = True
    return tuple(_REGISTRY.values())
