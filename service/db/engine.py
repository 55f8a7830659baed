"""The one engine factory and the session scope used by task shells and API routes."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from functools import lru_cache

from sqlalchemy import Engine, create_engine
from sqlalchemy.orm import Session, sessionmaker

from service.config import get_settings, sqlalchemy_url
from service.db import json_codec
from service.db import metadata as _all_tables  # every mapper, so that foreign keys resolve

assert _all_tables.metadata is not None


def make_engine(url: str | None = None, **kwargs: object) -> Engine:
    url = url or get_settings().database_url
    if not url:
        raise RuntimeError(
            "DATABASE_URL n'est pas défini : lancez « offre up » (mode embarqué) "
            "ou définissez DATABASE_URL."
        )
    settings = get_settings()
    options: dict[str, object] = {
        "pool_size": settings.db_pool_size,
        "max_overflow": settings.db_pool_overflow,
        "pool_timeout": settings.db_pool_timeout,
        **kwargs,
    }
    # psycopg then uses them for every jsonb value, ORM columns and COPY (service/db/copy.py).
    return create_engine(
        sqlalchemy_url(url),
        pool_pre_ping=True,
        future=True,
        json_serializer=json_codec.dumps,
        json_deserializer=json_codec.loads,
        **options,
    )


@lru_cache
def get_engine() -> Engine:
    return make_engine()


@lru_cache
def get_sessionmaker() -> sessionmaker[Session]:
    return sessionmaker(bind=get_engine(), expire_on_commit=False)


@contextmanager
def session_scope(engine: Engine | None = None) -> Iterator[Session]:
    """One unit of work: commit on success, roll back on any error. Services only flush."""
    factory = get_sessionmaker() if engine is None else sessionmaker(bind=engine)
    session = factory()
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()
