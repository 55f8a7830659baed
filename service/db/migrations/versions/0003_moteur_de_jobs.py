"""moteur de jobs : types et actions de plan propres à chaque genre, vagues, lien de retour
arrière par département, horodatage des unités

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-07
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_MACHINE_VALUE = "^[a-z][a-z_]*$"


def upgrade() -> None:
    # Kinds register with the engine: the tables only ask for a well-formed machine value.
    op.drop_constraint(op.f("ck_job_type"), "job", schema="offre", type_="check")
    op.create_check_constraint("type", "job", f"type ~ '{_MACHINE_VALUE}'", schema="offre")
    op.drop_constraint(op.f("ck_job_plan_action"), "job_plan", schema="offre", type_="check")
    op.create_check_constraint("action", "job_plan", f"action ~ '{_MACHINE_VALUE}'", schema="offre")
    op.add_column("job", sa.Column("parallele", sa.Integer()), schema="offre")
    op.add_column("job", sa.Column("arret_apres_echecs", sa.Integer()), schema="offre")
    op.create_check_constraint(
        "parallele", "job", "parallele IS NULL OR parallele > 0", schema="offre"
    )
    op.create_check_constraint(
        "arret", "job", "arret_apres_echecs IS NULL OR arret_apres_echecs > 0", schema="offre"
    )
    op.add_column(
        "job_departement",
        sa.Column("ordre", sa.Integer(), server_default="0", nullable=False),
        schema="offre",
    )
    op.add_column(
        "job_departement",
        sa.Column(
            "modifie_le",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        schema="offre",
    )
    op.add_column(
        "job_departement",
        sa.Column("retour_arriere_job_id", sa.BigInteger()),
        schema="offre",
    )
    op.create_foreign_key(
        op.f("fk_job_departement_retour_arriere_job_id_job"),
        "job_departement",
        "job",
        ["retour_arriere_job_id"],
        ["id"],
        source_schema="offre",
        referent_schema="offre",
        ondelete="SET NULL",
    )
    # Per-département links of the reverts already made (a revert covered the whole job).
    op.execute(
        "UPDATE offre.job_departement d SET retour_arriere_job_id = j.retour_arriere_job_id "
        "FROM offre.job j WHERE j.id = d.job_id AND j.retour_arriere_job_id IS NOT NULL "
        "AND d.statut = 'termine'"
    )
    # Stages renamed with the engine (service/jobs/enums.py Etape).
    op.execute("UPDATE offre.job SET etape = 'prealable' WHERE etape = 'entites'")


def downgrade() -> None:
    op.execute("UPDATE offre.job SET etape = 'entites' WHERE etape = 'prealable'")
    op.drop_constraint(
        op.f("fk_job_departement_retour_arriere_job_id_job"),
        "job_departement",
        schema="offre",
        type_="foreignkey",
    )
    for column in ("retour_arriere_job_id", "modifie_le", "ordre"):
        op.drop_column("job_departement", column, schema="offre")
    op.drop_constraint(op.f("ck_job_arret"), "job", schema="offre", type_="check")
    op.drop_constraint(op.f("ck_job_parallele"), "job", schema="offre", type_="check")
    op.drop_column("job", "arret_apres_echecs", schema="offre")
    op.drop_column("job", "parallele", schema="offre")
    op.drop_constraint(op.f("ck_job_plan_action"), "job_plan", schema="offre", type_="check")
    op.create_check_constraint(
        "action",
        "job_plan",
        "action IN ('creation', 'modification', 'inchange', 'fermeture')",
        schema="offre",
    )
    op.drop_constraint(op.f("ck_job_type"), "job", schema="offre", type_="check")
    op.create_check_constraint(
        "type",
        "job",
        "type IN ('import_offre', 'rattachement', 'bascule', 'retour_arriere')",
        schema="offre",
    )
