"""Redis connections for pub/sub and health checks (Celery builds its own from the same URL)."""

from __future__ import annotations

from functools import lru_cache

import redis

from service.config import get_settings


def client_url(url: str) -> str:
    """Celery speaks ``redis+socket://path``; redis-py speaks ``unix://path``."""
    if url.startswith("redis+socket://"):
        return "unix://" + url[len("redis+socket://") :]
    return url


@lru_cache
def get_redis() -> redis.Redis:
    url = get_settings().redis_url
    if not url:
        raise RuntimeError("REDIS_URL n'est pas défini.")
    return redis.Redis.from_url(client_url(url), socket_timeout=5, socket_connect_timeout=5)


def get_async_redis() -> redis.asyncio.Redis:
    """One client per call: the API's event streams each hold their own pub/sub connection."""
    import redis.asyncio

    url = get_settings().redis_url
    if not url:
        raise RuntimeError("REDIS_URL n'est pas défini.")
    return redis.asyncio.Redis.from_url(client_url(url))
