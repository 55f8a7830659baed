"""rattachement Temps 2 : décisions par groupe de places et par compte historique, alertes
acquittées (schéma offre ; rien dans siao)

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-14
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _decision_columns() -> list[sa.Column]:
    return [
        sa.Column("decide_par", sa.BigInteger(), nullable=False),
        sa.Column(
            "decide_le", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False
        ),
        sa.Column("job_id", sa.BigInteger(), nullable=True),
        sa.Column(
            "proposition",
            postgresql.JSONB(astext_type=sa.Text()),
            server_default="{}",
            nullable=False,
        ),
    ]


def _decision_keys(table: str) -> list[sa.ForeignKeyConstraint]:
    return [
        sa.ForeignKeyConstraint(
            ["decide_par"],
            ["offre.utilisateur.id"],
            name=op.f(f"fk_{table}_decide_par_utilisateur"),
        ),
        sa.ForeignKeyConstraint(["job_id"], ["offre.job.id"], name=op.f(f"fk_{table}_job_id_job")),
        sa.ForeignKeyConstraint(
            ["departement"],
            ["offre.departement.code"],
            name=op.f(f"fk_{table}_departement_departement"),
        ),
    ]


def upgrade() -> None:
    op.create_table(
        "rattachement_groupe",
        sa.Column("groupe_places_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("departement", sa.Text(), nullable=False),
        sa.Column("decision", sa.Text(), nullable=False),
        sa.Column("dispositif_identifiant", sa.Text(), nullable=True),
        sa.Column("commentaire", sa.Text(), nullable=True),
        *_decision_columns(),
        sa.CheckConstraint(
            "decision IN ('rattacher', 'exclure')", name=op.f("ck_rattachement_groupe_decision")
        ),
        sa.CheckConstraint(
            "(decision = 'rattacher') = (dispositif_identifiant IS NOT NULL)",
            name=op.f("ck_rattachement_groupe_cible"),
        ),
        *_decision_keys("rattachement_groupe"),
        sa.PrimaryKeyConstraint("groupe_places_id", name=op.f("pk_rattachement_groupe")),
        schema="offre",
    )
    op.create_index(
        "ix_rattachement_groupe_departement", "rattachement_groupe", ["departement"], schema="offre"
    )
    op.create_index(
        "ix_rattachement_groupe_dispositif_identifiant",
        "rattachement_groupe",
        ["dispositif_identifiant"],
        schema="offre",
    )
    op.create_table(
        "migration_utilisateur",
        sa.Column(
            "utilisateur_historique_id", sa.BigInteger(), autoincrement=False, nullable=False
        ),
        sa.Column("departement", sa.Text(), nullable=False),
        sa.Column("decision", sa.Text(), nullable=False),
        sa.Column("profil_code", sa.Text(), nullable=True),
        sa.Column("departements", sa.ARRAY(sa.Text()), server_default="{}", nullable=False),
        sa.Column("siren", sa.Text(), nullable=True),
        sa.Column("dispositifs", sa.ARRAY(sa.Text()), server_default="{}", nullable=False),
        sa.Column("courriel", sa.Text(), nullable=True),
        *_decision_columns(),
        sa.CheckConstraint(
            "decision IN ('migrer', 'lier', 'desactiver')",
            name=op.f("ck_migration_utilisateur_decision"),
        ),
        sa.CheckConstraint(
            "decision <> 'migrer' OR profil_code IS NOT NULL",
            name=op.f("ck_migration_utilisateur_profil"),
        ),
        *_decision_keys("migration_utilisateur"),
        sa.ForeignKeyConstraint(
            ["profil_code"],
            ["offre.profil.code"],
            name=op.f("fk_migration_utilisateur_profil_code_profil"),
        ),
        sa.PrimaryKeyConstraint("utilisateur_historique_id", name=op.f("pk_migration_utilisateur")),
        schema="offre",
    )
    op.create_index(
        "ix_migration_utilisateur_departement",
        "migration_utilisateur",
        ["departement"],
        schema="offre",
    )
    op.create_table(
        "alerte_acquittee",
        sa.Column(
            "utilisateur_historique_id", sa.BigInteger(), autoincrement=False, nullable=False
        ),
        sa.Column("code", sa.Text(), nullable=False),
        sa.Column("departement", sa.Text(), nullable=False),
        sa.Column("acquittee_par", sa.BigInteger(), nullable=False),
        sa.Column(
            "acquittee_le",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(
            ["acquittee_par"],
            ["offre.utilisateur.id"],
            name=op.f("fk_alerte_acquittee_acquittee_par_utilisateur"),
        ),
        sa.ForeignKeyConstraint(
            ["departement"],
            ["offre.departement.code"],
            name=op.f("fk_alerte_acquittee_departement_departement"),
        ),
        sa.PrimaryKeyConstraint(
            "utilisateur_historique_id", "code", name=op.f("pk_alerte_acquittee")
        ),
        schema="offre",
    )
    op.create_index(
        "ix_alerte_acquittee_departement", "alerte_acquittee", ["departement"], schema="offre"
    )


def downgrade() -> None:
    op.drop_index("ix_alerte_acquittee_departement", table_name="alerte_acquittee", schema="offre")
    op.drop_table("alerte_acquittee", schema="offre")
    op.drop_index(
        "ix_migration_utilisateur_departement", table_name="migration_utilisateur", schema="offre"
    )
    op.drop_table("migration_utilisateur", schema="offre")
    op.drop_index(
        "ix_rattachement_groupe_dispositif_identifiant",
        table_name="rattachement_groupe",
        schema="offre",
    )
    op.drop_index(
        "ix_rattachement_groupe_departement", table_name="rattachement_groupe", schema="offre"
    )
    op.drop_table("rattachement_groupe", schema="offre")
