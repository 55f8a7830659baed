"""Submitting a wave: its départements checked and held from the submission on (409 while
another write job holds one of them), the ``bascule`` job with one unit per département in the
order given."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select, text
from sqlalchemy.orm import Session

from service.auth.permissions import Identity
from service.bascule.kind import KIND
from service.bascule.options import BasculeOptions
from service.jobs import engine
from service.jobs.errors import JobConflict
from service.jobs.locks import active_job, lock_departement
from service.jobs.tables import Job, JobDepartement
from service.referentiels.departements import check_departement

# What each unit handles: the département's legacy groupes and accounts.
_SIZES = text(
    "SELECT d, (SELECT count(*) FROM siao.groupe_places g JOIN siao.structure s "
    "ON s.id = g.structure_id WHERE s.departement = d) + (SELECT count(*) "
    "FROM siao.utilisateur u WHERE u.departement = d) FROM unnest(CAST(:deps AS text[])) AS d"
)


class WaveRefused(ValueError):
    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code, self.message = code, message


def departements_of(raw: Sequence[str]) -> list[str]:
    """The codes as typed (1 → 01, 2a → 2A), in the order given, each once."""
    codes: list[str] = []
    for value in raw:
        checked = check_departement(value).value
        if checked is None:
            raise WaveRefused(
                "DEPARTEMENT_INCONNU", f"« {value} » n'est pas un code de département."
            )
        if checked not in codes:
            codes.append(checked)
    if not codes:
        raise WaveRefused("DEPARTEMENTS_VIDE", "Indiquez au moins un département à basculer.")
    return codes


def submit_bascule(
    session: Session,
    identity: Identity,
    departements: Sequence[str],
    *,
    simulation: bool = False,
    parallele: int | None = None,
    arret_apres_echecs: int | None = None,
) -> Job:
    codes = departements_of(departements)
    for code in sorted(codes):  # one order for every multi-département holder: no deadlock
        lock_departement(session, code)
        holder = active_job(session, code)
        if holder is not None:
            raise JobConflict(code, holder)
    job = engine.create_job(
        session,
        identity,
        KIND,
        BasculeOptions(simulation=simulation),
        departements=codes,
        parallele=parallele,
        arret_apres_echecs=arret_apres_echecs,
        audit_details={"departements": codes, "parallele": parallele},
    )
    sizes: dict[str, int] = {d: int(n) for d, n in session.execute(_SIZES, {"deps": codes})}
    for row in session.scalars(select(JobDepartement).where(JobDepartement.job_id == job.id)):
        row.lignes = sizes.get(row.departement, 0)
    session.flush()
    return job
