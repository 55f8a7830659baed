"""téléchargements des jobs (rapports, CSV) construits par les workers et stockés par morceaux

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-07
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "job_export",
        sa.Column("job_id", sa.BigInteger(), nullable=False),
        sa.Column("nom", sa.Text(), nullable=False),
        sa.Column("perimetre", sa.Text(), nullable=False),
        sa.Column("statut", sa.Text(), server_default="en_attente", nullable=False),
        sa.Column("taille", sa.BigInteger()),
        sa.Column("message", sa.Text()),
        sa.Column(
            "demande_le",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column("publie_le", sa.DateTime(timezone=True)),
        sa.Column("pret_le", sa.DateTime(timezone=True)),
        sa.CheckConstraint(
            "statut IN ('en_attente', 'pret', 'echec')", name=op.f("ck_job_export_statut")
        ),
        sa.ForeignKeyConstraint(
            ["job_id"],
            ["offre.job.id"],
            name=op.f("fk_job_export_job_id_job"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("job_id", "nom", "perimetre", name=op.f("pk_job_export")),
        schema="offre",
    )
    op.create_table(
        "job_export_morceau",
        sa.Column("job_id", sa.BigInteger(), nullable=False),
        sa.Column("nom", sa.Text(), nullable=False),
        sa.Column("perimetre", sa.Text(), nullable=False),
        sa.Column("numero", sa.Integer(), nullable=False),
        sa.Column("contenu", sa.LargeBinary(), nullable=False),
        sa.ForeignKeyConstraint(
            ["job_id", "nom", "perimetre"],
            ["offre.job_export.job_id", "offre.job_export.nom", "offre.job_export.perimetre"],
            name=op.f("fk_job_export_morceau_job_id_job_export"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint(
            "job_id", "nom", "perimetre", "numero", name=op.f("pk_job_export_morceau")
        ),
        schema="offre",
    )


def downgrade() -> None:
    op.drop_table("job_export_morceau", schema="offre")
    op.drop_table("job_export", schema="offre")
