"""parties d'analyse : une analyse découpée en parties que plusieurs workers prennent (plages de
lignes, groupes de départements), le paquet que le pré-contrôle a accepté, qu'elles relisent,
et la clé du nom de chaque ligne de dispositif, calculée une fois

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-07
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_STATUTS = (
    "statut IN ('en_attente', 'analyse', 'valide', 'invalide', 'application', 'termine', "
    "'echec', 'annule')"
)


def upgrade() -> None:
    op.add_column("job_ligne", sa.Column("nom_normalise", sa.Text()), schema="offre")
    op.create_table(
        "job_partie",
        sa.Column("job_id", sa.BigInteger(), nullable=False),
        sa.Column("partie", sa.Text(), nullable=False),
        sa.Column("statut", sa.Text(), server_default="analyse", nullable=False),
        sa.Column("message", sa.Text(), nullable=True),
        sa.Column("debut", sa.DateTime(timezone=True), nullable=True),
        sa.Column("fin", sa.DateTime(timezone=True), nullable=True),
        sa.Column("bail_jeton", sa.BigInteger(), server_default="0", nullable=False),
        sa.Column("bail_expire", sa.DateTime(timezone=True), nullable=True),
        sa.Column("tentatives", sa.Integer(), server_default="0", nullable=False),
        sa.Column("publie_le", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint(_STATUTS, name=op.f("ck_job_partie_statut")),
        sa.ForeignKeyConstraint(
            ["job_id"], ["offre.job.id"], name=op.f("fk_job_partie_job_id_job"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("job_id", "partie", name=op.f("pk_job_partie")),
        schema="offre",
    )
    op.create_table(
        "import_paquet",
        sa.Column("job_id", sa.BigInteger(), nullable=False),
        sa.Column("contenu", sa.LargeBinary(), nullable=False),
        sa.Column("entetes", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.ForeignKeyConstraint(
            ["job_id"],
            ["offre.job.id"],
            name=op.f("fk_import_paquet_job_id_job"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("job_id", name=op.f("pk_import_paquet")),
        schema="offre",
    )


def downgrade() -> None:
    op.drop_table("import_paquet", schema="offre")
    op.drop_table("job_partie", schema="offre")
    op.drop_column("job_ligne", "nom_normalise", schema="offre")
