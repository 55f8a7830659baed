"""console web : codes de connexion à usage unique et sessions

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-07
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "code_connexion",
        sa.Column("empreinte", sa.Text(), primary_key=True),
        sa.Column(
            "utilisateur_id",
            sa.BigInteger(),
            sa.ForeignKey("offre.utilisateur.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column(
            "cree_le", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
        ),
        sa.Column("expire_le", sa.DateTime(timezone=True), nullable=False),
        sa.Column("utilise_le", sa.DateTime(timezone=True)),
        schema="offre",
    )
    op.create_index(
        "ix_code_connexion_utilisateur_id", "code_connexion", ["utilisateur_id"], schema="offre"
    )
    op.create_table(
        "session_console",
        sa.Column("empreinte", sa.Text(), primary_key=True),
        sa.Column(
            "utilisateur_id",
            sa.BigInteger(),
            sa.ForeignKey("offre.utilisateur.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("csrf", sa.Text(), nullable=False),
        sa.Column("moyen", sa.Text(), nullable=False),
        sa.Column(
            "cree_le", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
        ),
        sa.Column("expire_le", sa.DateTime(timezone=True), nullable=False),
        schema="offre",
    )
    op.create_index(
        "ix_session_console_utilisateur_id", "session_console", ["utilisateur_id"], schema="offre"
    )


def downgrade() -> None:
    op.drop_table("session_console", schema="offre")
    op.drop_table("code_connexion", schema="offre")
