"""Bulk writes with COPY (psycopg 3), inside the session's current transaction."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

import psycopg
from psycopg.types.json import Jsonb
from sqlalchemy.orm import Session


def raw_connection(session: Session) -> psycopg.Connection[Any]:
    driver = session.connection().connection.driver_connection
    assert isinstance(driver, psycopg.Connection)
    return driver


def copy_rows(
    session: Session, table: str, columns: Sequence[str], rows: Iterable[Sequence[Any]]
) -> int:
    """COPY ``rows`` into ``table``; dicts go to jsonb columns. Returns the row count."""
    session.flush()
    count = 0
    statement = f"COPY {table} ({', '.join(columns)}) FROM STDIN"
    with raw_connection(session).cursor() as cursor, cursor.copy(statement) as copy:
        for row in rows:
            copy.write_row([Jsonb(v) if isinstance(v, dict) else v for v in row])
            count += 1
    return count
