"""bascule Temps 3 : liens comptes historiques → comptes du module, archives des lignes
historiques, groupes de places archivés (identifiants réservés), département basculé par quel job

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-21
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_TABLES = "'entite', 'structure', 'groupe_places', 'utilisateur', 'utilisateur_profil'"


def _job_and_departement(table: str) -> list[sa.ForeignKeyConstraint]:
    return [
        sa.ForeignKeyConstraint(["job_id"], ["offre.job.id"], name=op.f(f"fk_{table}_job_id_job")),
        sa.ForeignKeyConstraint(
            ["departement"],
            ["offre.departement.code"],
            name=op.f(f"fk_{table}_departement_departement"),
        ),
    ]


def upgrade() -> None:
    op.add_column("departement", sa.Column("bascule_job_id", sa.BigInteger()), schema="offre")
    op.create_table(
        "utilisateur_historique",
        sa.Column(
            "utilisateur_historique_id", sa.BigInteger(), autoincrement=False, nullable=False
        ),
        sa.Column("utilisateur_id", sa.BigInteger(), nullable=False),
        sa.Column("departement", sa.Text(), nullable=False),
        sa.Column("mode", sa.Text(), nullable=False),
        sa.Column("job_id", sa.BigInteger(), nullable=False),
        sa.Column(
            "lie_le", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False
        ),
        sa.CheckConstraint("mode IN ('migre', 'lie')", name=op.f("ck_utilisateur_historique_mode")),
        sa.ForeignKeyConstraint(
            ["utilisateur_id"],
            ["offre.utilisateur.id"],
            name=op.f("fk_utilisateur_historique_utilisateur_id_utilisateur"),
        ),
        *_job_and_departement("utilisateur_historique"),
        sa.PrimaryKeyConstraint(
            "utilisateur_historique_id", name=op.f("pk_utilisateur_historique")
        ),
        schema="offre",
    )
    op.create_index(
        "ix_utilisateur_historique_utilisateur_id",
        "utilisateur_historique",
        ["utilisateur_id"],
        schema="offre",
    )
    op.create_index(
        "ix_utilisateur_historique_job_id_departement",
        "utilisateur_historique",
        ["job_id", "departement"],
        schema="offre",
    )
    op.create_table(
        "bascule_archive",
        sa.Column("id", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column("job_id", sa.BigInteger(), nullable=False),
        sa.Column("departement", sa.Text(), nullable=False),
        sa.Column("table_nom", sa.Text(), nullable=False),
        sa.Column("cle", sa.Text(), nullable=False),
        sa.Column("supprime", sa.Boolean(), nullable=False),
        sa.Column("ligne", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column(
            "archive_le",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.CheckConstraint(f"table_nom IN ({_TABLES})", name=op.f("ck_bascule_archive_table_nom")),
        *_job_and_departement("bascule_archive"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_bascule_archive")),
        schema="offre",
    )
    op.create_index(
        "ix_bascule_archive_job_id_departement",
        "bascule_archive",
        ["job_id", "departement"],
        schema="offre",
    )
    op.create_index(
        "ix_bascule_archive_table_nom_cle", "bascule_archive", ["table_nom", "cle"], schema="offre"
    )
    op.create_table(
        "groupe_places_archive",
        sa.Column("id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("departement", sa.Text(), nullable=False),
        sa.Column("job_id", sa.BigInteger(), nullable=False),
        sa.Column("motif", sa.Text(), nullable=False),
        sa.Column("libelle", sa.Text(), nullable=False),
        sa.Column("nb_places", sa.Integer(), nullable=False),
        sa.Column("places_occupees", sa.Integer(), nullable=False),
        sa.Column(
            "archive_le",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.CheckConstraint(
            "motif IN ('exclu', 'inactif')", name=op.f("ck_groupe_places_archive_motif")
        ),
        *_job_and_departement("groupe_places_archive"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_groupe_places_archive")),
        schema="offre",
    )
    op.create_index(
        "ix_groupe_places_archive_job_id_departement",
        "groupe_places_archive",
        ["job_id", "departement"],
        schema="offre",
    )
    # Deleting an account (the revert of a switch) checks who decided with it.
    for table, column in (
        ("rattachement_groupe", "decide_par"),
        ("migration_utilisateur", "decide_par"),
        ("alerte_acquittee", "acquittee_par"),
    ):
        op.create_index(f"ix_{table}_{column}", table, [column], schema="offre")
    # The id of an archived groupe stays reserved: SI SIAO's other modules may still hold it.
    op.execute(
        """
        CREATE FUNCTION offre.groupe_places_id_reserve() RETURNS trigger
        LANGUAGE plpgsql AS $$
        BEGIN
            IF EXISTS (SELECT 1 FROM offre.groupe_places_archive a WHERE a.id = NEW.id) THEN
                RAISE EXCEPTION 'identifiant de groupe de places % réservé (groupe archivé)',
                    NEW.id USING ERRCODE = '23505';
            END IF;
            RETURN NEW;
        END $$
        """
    )
    op.execute(
        "CREATE TRIGGER groupe_places_id_reserve BEFORE INSERT OR UPDATE OF id "
        "ON offre.groupe_places FOR EACH ROW EXECUTE FUNCTION offre.groupe_places_id_reserve()"
    )


def downgrade() -> None:
    for table, column in (
        ("rattachement_groupe", "decide_par"),
        ("migration_utilisateur", "decide_par"),
        ("alerte_acquittee", "acquittee_par"),
    ):
        op.drop_index(f"ix_{table}_{column}", table_name=table, schema="offre")
    op.execute("DROP TRIGGER groupe_places_id_reserve ON offre.groupe_places")
    op.execute("DROP FUNCTION offre.groupe_places_id_reserve()")
    op.drop_index(
        "ix_groupe_places_archive_job_id_departement",
        table_name="groupe_places_archive",
        schema="offre",
    )
    op.drop_table("groupe_places_archive", schema="offre")
    op.drop_index("ix_bascule_archive_table_nom_cle", table_name="bascule_archive", schema="offre")
    op.drop_index(
        "ix_bascule_archive_job_id_departement", table_name="bascule_archive", schema="offre"
    )
    op.drop_table("bascule_archive", schema="offre")
    op.drop_index(
        "ix_utilisateur_historique_job_id_departement",
        table_name="utilisateur_historique",
        schema="offre",
    )
    op.drop_index(
        "ix_utilisateur_historique_utilisateur_id",
        table_name="utilisateur_historique",
        schema="offre",
    )
    op.drop_table("utilisateur_historique", schema="offre")
    op.drop_column("departement", "bascule_job_id", schema="offre")
