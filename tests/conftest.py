"""Session-wide real servers: one fresh database per test session, built by Alembic."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest

from tests.support.servers import Servers, find_servers

SCRATCH = Path(os.environ.get("OFFRE_TEST_SCRATCH", "/tmp/offre-tests"))
_LAYERS = ("unit", "integration", "e2e")


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Each test carries the marker of its layer (tests/unit, integration, e2e), so that
    ``pytest -m unit`` runs the pure tests only."""
    root = Path(__file__).resolve().parent
    for item in items:
        layer = Path(item.path).resolve().relative_to(root).parts[0]
        if layer in _LAYERS:
            item.add_marker(getattr(pytest.mark, layer))


def _reset_caches() -> None:
    from service.config import get_settings
    from service.db.engine import get_engine, get_sessionmaker
    from service.redis_client import get_redis

    for cached in (get_settings, get_engine, get_sessionmaker, get_redis):
        cached.cache_clear()


@pytest.fixture(scope="session")
def servers() -> Iterator[Servers]:
    from tests.support.fault_stack import drop_template

    SCRATCH.mkdir(parents=True, exist_ok=True)
    found = find_servers(SCRATCH)
    yield found
    drop_template(found)


@pytest.fixture(scope="session")
def database_url(servers: Servers) -> Iterator[str]:
    """A database of our own for this session, migrated to head, dropped at the end."""
    from service.db.migrate import upgrade

    name = f"offre_test_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(servers.pg_admin_url, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    url = servers.database_url(name)
    session_prefix = f"offre-test-{name}:"
    os.environ.update(
        DATABASE_URL=url,
        REDIS_URL=servers.redis_url,
        OFFRE_REDIS_PREFIX=session_prefix,
        OFFRE_SECRET_KEY="cle-de-test-" + name,
        # Tests upload far more often than a person: the limit is tested on its own.
        OFFRE_UPLOADS_PER_MINUTE="10000",
        OFFRE_DATA_DIR=str(SCRATCH / name),
    )
    _reset_caches()
    upgrade(url)
    yield url
    from service.db.engine import get_engine

    get_engine().dispose()
    with psycopg.connect(servers.pg_admin_url, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    _drop_redis_keys(servers.redis_url, session_prefix)


def _drop_redis_keys(url: str, prefix: str) -> None:
    """The broker keys of this session (queues, bindings) go with it: the machine's Redis is
    shared with the CI run that follows."""
    import redis

    from service.redis_client import client_url

    client = redis.Redis.from_url(client_url(url))
    keys = list(client.scan_iter(match=f"{prefix}*", count=1000))
    if keys:
        client.delete(*keys)
    client.close()
