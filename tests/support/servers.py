"""Where the tests find PostgreSQL and Redis: the machine's services (CI), else embedded ones."""

from __future__ import annotations

import socket
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import psycopg

LOCAL_PG = "postgresql://postgres@127.0.0.1:5432/postgres"
LOCAL_REDIS = ("127.0.0.1", 6379)


@dataclass
class Servers:
    pg_admin_url: str  # a libpq URL to the maintenance database
    redis_url: str
    handles: list[Any]

    def database_url(self, name: str) -> str:
        base, _, query = self.pg_admin_url.partition("?")
        base = base.rsplit("/", 1)[0] + "/" + name
        return f"{base}?{query}" if query else base


def _local_pg_ok() -> bool:
    try:
        with psycopg.connect(LOCAL_PG, connect_timeout=2):
            return True
    except psycopg.OperationalError:
        return False


def _local_redis_ok() -> bool:
    try:
        with socket.create_connection(LOCAL_REDIS, timeout=2):
            return True
    except OSError:
        return False


def find_servers(scratch: Path) -> Servers:
    from service import embedded

    handles: list[Any] = []
    if _local_pg_ok():
        pg_admin = LOCAL_PG
    else:
        pg_admin, handle = embedded.start_postgres(scratch / "embedded", database="postgres")
        handles.append(handle)
    if _local_redis_ok():
        redis_url = f"redis://{LOCAL_REDIS[0]}:{LOCAL_REDIS[1]}/0"
    else:
        redis_url, handle = embedded.start_redis(scratch / "embedded")
        handles.append(handle)
    return Servers(pg_admin, redis_url, handles)
