"""What one account may ask of the service at once (HTTP 429): jobs waiting or being analysed,
and uploads per minute. Counted where every API process sees the same numbers: PostgreSQL for
jobs, Redis for uploads."""

from __future__ import annotations

import time

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from service.config import get_settings
from service.jobs.enums import Statut
from service.jobs.tables import Job
from service.redis_client import get_redis


class LimitReached(Exception):
    def __init__(self, code: str, message: str, retry_after: int) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.retry_after = retry_after


def check_active_jobs(session: Session, utilisateur_id: int) -> None:
    limit = get_settings().max_active_jobs_per_account
    active = session.scalar(
        select(func.count())
        .select_from(Job)
        .where(
            Job.soumis_par == utilisateur_id,
            Job.statut.in_((Statut.EN_ATTENTE, Statut.ANALYSE)),
        )
    )
    if (active or 0) >= limit:
        raise LimitReached(
            "TROP_DE_JOBS",
            f"Vous avez déjà {active} job(s) en attente ou en cours d'analyse (au plus {limit}) : "
            "attendez la fin de l'un d'eux, ou annulez-le, avant d'en soumettre un autre.",
            retry_after=30,
        )


def check_upload_rate(account: str) -> None:
    """A fixed one-minute window per account (its e-mail, as in its token)."""
    limit = get_settings().uploads_per_minute
    minute = int(time.time() // 60)
    key = f"{get_settings().redis_prefix}offre:depots:{account.lower()}:{minute}"
    redis = get_redis()
    count = int(redis.incr(key))
    if count == 1:
        redis.expire(key, 120)
    if count > limit:
        raise LimitReached(
            "TROP_DE_DEPOTS",
            f"Trop de dépôts en une minute (au plus {limit}) : réessayez dans un instant.",
            retry_after=60 - int(time.time()) % 60,
        )
