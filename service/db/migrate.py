"""Alembic driven from the installed package, so that migrations run from any folder."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config

from service.config import get_settings

_HERE = Path(__file__).resolve().parent


def alembic_config(database_url: str | None = None) -> Config:
    config = Config(str(_HERE / "alembic.ini"))
    config.set_main_option("script_location", str(_HERE / "migrations"))
    url = database_url or get_settings().database_url
    if url:
        config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


def upgrade(database_url: str | None = None, revision: str = "head") -> None:
    command.upgrade(alembic_config(database_url), revision)


def check(database_url: str | None = None) -> None:
    command.check(alembic_config(database_url))
