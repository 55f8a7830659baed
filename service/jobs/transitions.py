"""The one state machine of jobs and of their per-département units (and the smaller one of the
parts of an analysis).

Every change of ``statut`` goes through :func:`transition` (one row) or :func:`transition_rows`
(a set of units of one job): an illegal move raises, and the timestamps follow the state —
``debut`` when work starts, ``fin`` when a final state is reached, ``modifie_le`` always.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy import ColumnElement, func, update
from sqlalchemy.orm import Session

from service.jobs.enums import FINAL, Statut
from service.jobs.tables import Job, JobDepartement, JobPartie

_ALLOWED: dict[Statut, frozenset[Statut]] = {
    Statut.EN_ATTENTE: frozenset({Statut.ANALYSE, Statut.APPLICATION, Statut.ANNULE, Statut.ECHEC}),
    # A kind without confirmation goes from its checks straight to the application.
    Statut.ANALYSE: frozenset(
        {
            Statut.ANALYSE,
            Statut.VALIDE,
            Statut.INVALIDE,
            Statut.APPLICATION,
            Statut.ANNULE,
            Statut.ECHEC,
        }
    ),
    # A recovered analysis starts again from a clean slate: a row already judged goes back.
    Statut.VALIDE: frozenset({Statut.ANALYSE, Statut.APPLICATION, Statut.ANNULE, Statut.ECHEC}),
    Statut.INVALIDE: frozenset({Statut.ANALYSE, Statut.ANNULE, Statut.ECHEC}),
    Statut.APPLICATION: frozenset({Statut.TERMINE, Statut.ECHEC, Statut.ANNULE}),
    Statut.TERMINE: frozenset(),
    Statut.ECHEC: frozenset(),
    Statut.ANNULE: frozenset(),
}
_STARTS = frozenset({Statut.ANALYSE, Statut.APPLICATION})
# A part is analysed once: done, failed with its job, or cancelled with it.
_PART_ENDS = frozenset({Statut.TERMINE, Statut.ECHEC, Statut.ANNULE})


class IllegalTransition(Exception):
    """A bug, never a user error: the caller asked for a move the state machine forbids."""


def allowed(source: Statut | str, target: Statut) -> bool:
    return target in _ALLOWED[Statut(source)]


def _timestamps(target: Statut, debut: Any) -> dict[str, Any]:
    # clock_timestamp(): now() is the transaction's start, which would make fin == debut.
    values: dict[str, Any] = {"statut": target.value, "modifie_le": func.clock_timestamp()}
    if target in _STARTS:
        values["debut"] = func.coalesce(debut, func.clock_timestamp())
    if target in FINAL:
        values["fin"] = func.clock_timestamp()
    return values


def transition(row: Job | JobDepartement, target: Statut, message: str | None = None) -> None:
    """Move one job or unit to ``target``."""
    source = Statut(row.statut)
    if not allowed(source, target):
        where = f"job {row.job_id} {row.departement}" if isinstance(row, JobDepartement) else row.id
        raise IllegalTransition(f"{where} : {source} → {target}")
    values = _timestamps(target, row.debut)
    for name, value in values.items():
        setattr(row, name, value)
    if message is not None:
        row.message = message


def transition_rows(
    session: Session,
    job_id: int,
    target: Statut,
    *,
    sources: Iterable[Statut],
    message: str | None = None,
    where: ColumnElement[bool] | None = None,
) -> int:
    """Move every unit of ``job_id`` now in one of ``sources`` (and matching ``where``) to
    ``target``, set-based; returns how many moved."""
    sources = frozenset(sources)
    bad = [s for s in sources if not allowed(s, target)]
    if bad:
        raise IllegalTransition(f"job {job_id} : {', '.join(bad)} → {target}")
    values = _timestamps(target, JobDepartement.debut)
    if message is not None:
        values["message"] = message
    statement = (
        update(JobDepartement)
        .where(
            JobDepartement.job_id == job_id,
            JobDepartement.statut.in_([s.value for s in sources]),
        )
        .values(**values)
        .execution_options(synchronize_session="fetch")
    )
    if where is not None:
        statement = statement.where(where)
    result = session.execute(statement)
    return int(result.rowcount)  # type: ignore[attr-defined]


def end_parts(session: Session, job_id: int, target: Statut, *, partie: str | None = None) -> int:
    """End the parts of ``job_id``'s analysis still « analyse » (or only ``partie``)."""
    if target not in _PART_ENDS:
        raise IllegalTransition(f"job {job_id} partie {partie} : analyse → {target}")
    statement = (
        update(JobPartie)
        .where(JobPartie.job_id == job_id, JobPartie.statut == Statut.ANALYSE)
        .values(statut=target.value, fin=func.clock_timestamp(), bail_expire=None)
        .execution_options(synchronize_session="fetch")
    )
    if partie is not None:
        statement = statement.where(JobPartie.partie == partie)
    return int(session.execute(statement).rowcount)  # type: ignore[attr-defined]
