"""What the engine and the kinds refuse, with a French message and a stable code (HTTP 409)."""

from __future__ import annotations


class JobStateError(Exception):
    """The action does not fit the job's state."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


class JobConflict(JobStateError):
    """Another write job holds the département."""

    def __init__(self, departement: str, job_id: int) -> None:
        super().__init__(
            "DEPARTEMENT_OCCUPE",
            f"Le département {departement} est déjà en cours de traitement par le job "
            f"{job_id} : attendez sa fin ou annulez-le.",
        )
        self.departement = departement
        self.job_id = job_id
