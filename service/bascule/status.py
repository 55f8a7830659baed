"""Whether a département is switched (Temps 3): Temps 2 then refuses it (``DEJA_BASCULE``)."""

from __future__ import annotations

from sqlalchemy import text
from sqlalchemy.orm import Session

from service.jobs.errors import JobConflict


class DejaBascule(JobConflict):
    """A 409 like a held département, naming the job that switched it."""

    def __init__(self, departement: str, job_id: int) -> None:
        super().__init__(departement, job_id)
        self.code = "DEJA_BASCULE"
        self.message = (
            f"Le département {departement} a basculé dans le module Offre (job {job_id}) : "
            "ses groupes de places et ses comptes n'ont plus de rattachement à décider."
        )
        self.args = (self.message,)


def check_not_switched(session: Session, departement: str) -> None:
    """Raise DejaBascule when ``departement`` is switched."""
    row = session.execute(
        text("SELECT module_actif, bascule_job_id FROM offre.departement WHERE code = :dep"),
        {"dep": departement},
    ).first()
    if row is not None and row[0]:
        raise DejaBascule(departement, int(row[1] or 0))
