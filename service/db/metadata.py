"""Every table, imported once so that Alembic and the tests see the whole metadata."""

from service.auth import tables as auth_tables
from service.bascule import tables as bascule_tables
from service.db.base import Base
from service.imports import tables as import_tables
from service.jobs import tables as job_tables
from service.legacy import tables as legacy_tables
from service.offre import reference_tables
from service.offre import tables as offre_tables
from service.rattachement import tables as rattachement_tables

metadata = Base.metadata

__all__ = [
    "auth_tables",
    "bascule_tables",
    "import_tables",
    "job_tables",
    "legacy_tables",
    "metadata",
    "offre_tables",
    "rattachement_tables",
    "reference_tables",
]
