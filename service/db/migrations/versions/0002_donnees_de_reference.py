"""données de référence : nomenclature, départements, profils

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-28
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from service.referentiels import reference_data

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _table(name: str, *columns: str) -> sa.TableClause:
    return sa.table(name, *(sa.column(c) for c in columns), schema="offre")


def upgrade() -> None:
    op.bulk_insert(
        _table("categorie", "code", "libelle"),
        [{"code": code, "libelle": libelle} for code, libelle in reference_data.categories()],
    )
    op.bulk_insert(
        _table(
            "type_dispositif",
            "code",
            "libelle",
            "categorie_code",
            "offre",
            "unite_capacite",
            "orientable",
            "finess_categories",
        ),
        [
            {
                "code": t.code,
                "libelle": t.libelle,
                "categorie_code": t.categorie_code,
                "offre": t.offre,
                "unite_capacite": t.unite_capacite,
                "orientable": t.orientable,
                "finess_categories": list(t.finess_categories),
            }
            for t in reference_data.types()
        ],
    )
    op.bulk_insert(
        _table("departement", "code", "nom", "region"),
        [{"code": d.code, "nom": d.nom, "region": d.region} for d in reference_data.departements()],
    )
    op.bulk_insert(
        _table("dispositif_sequence", "departement"),
        [{"departement": d.code} for d in reference_data.departements()],
    )
    profils = reference_data.profils()
    op.bulk_insert(
        _table("profil", "code", "libelle", "famille", "perimetre"),
        [
            {"code": p.code, "libelle": p.libelle, "famille": p.famille, "perimetre": p.perimetre}
            for p in profils
        ],
    )
    op.bulk_insert(
        _table("profil_inclusion", "profil_code", "inclus_code"),
        [{"profil_code": p.code, "inclus_code": i} for p in profils for i in p.inclut],
    )
    op.bulk_insert(
        _table("profil_historique", "code", "libelle", "volet", "profil_cible_code", "rang"),
        [
            {
                "code": h.code,
                "libelle": h.libelle,
                "volet": h.volet,
                "profil_cible_code": h.profil_cible,
                "rang": h.rang,
            }
            for h in reference_data.profils_historiques()
        ],
    )


def downgrade() -> None:
    for name in (
        "profil_historique",
        "profil_inclusion",
        "profil",
        "dispositif_sequence",
        "departement",
        "type_dispositif",
        "categorie",
    ):
        op.execute(f"DELETE FROM offre.{name}")
