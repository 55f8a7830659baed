"""schemas offre et siao

Revision ID: 0001
Revises:
Create Date: 2026-11-28 17:11:13.115885
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.execute("CREATE SCHEMA IF NOT EXISTS offre")
    op.execute("CREATE SCHEMA IF NOT EXISTS siao")
    op.create_table(
        "categorie",
        sa.Column("code", sa.Text(), nullable=False),
        sa.Column("libelle", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("code", name=op.f("pk_categorie")),
        schema="offre",
    )
    op.create_table(
        "departement",
        sa.Column("code", sa.Text(), nullable=False),
        sa.Column("nom", sa.Text(), nullable=False),
        sa.Column("region", sa.Text(), nullable=False),
        sa.Column("module_actif", sa.Boolean(), server_default="false", nullable=False),
        sa.Column("bascule_le", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("code", name=op.f("pk_departement")),
        schema="offre",
    )
    op.create_table(
        "profil",
        sa.Column("code", sa.Text(), nullable=False),
        sa.Column("libelle", sa.Text(), nullable=False),
        sa.Column("famille", sa.Text(), nullable=False),
        sa.Column("perimetre", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("code", name=op.f("pk_profil")),
        schema="offre",
    )
    op.create_table(
        "entite",
        sa.Column("id", sa.BigInteger(), nullable=False),
        sa.Column("nom", sa.Text(), nullable=False),
        sa.Column("siren", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_entite")),
        schema="siao",
    )
    op.create_table(
        "dispositif_sequence",
        sa.Column("departement", sa.Text(), nullable=False),
        sa.Column("dernier", sa.Integer(), server_default="0", nullable=False),
        sa.ForeignKeyConstraint(
            ["departement"],
            ["offre.departement.code"],
            name=op.f("fk_dispositif_sequence_departement_departement"),
        ),
        sa.PrimaryKeyConstraint("departement", name=op.f("pk_dispositif_sequence")),
        schema="offre",
    )
    op.create_table(
        "entite",
        sa.Column("id", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column("siren", sa.Text(), nullable=False),
        sa.Column("raison_sociale", sa.Text(), nullable=False),
        sa.Column("sigle", sa.Text(), nullable=True),
        sa.Column("forme_juridique", sa.Text(), nullable=True),
        sa.Column("adresse", sa.Text(), nullable=True),
        sa.Column("code_postal", sa.Text(), nullable=True),
        sa.Column("commune", sa.Text(), nullable=True),
        sa.Column("code_commune", sa.Text(), nullable=True),
        sa.Column("departement_siege", sa.Text(), nullable=False),
        sa.Column("courriel", sa.Text(), nullable=True),
        sa.Column("telephone", sa.Text(), nullable=True),
        sa.Column("finess_ej", sa.Text(), nullable=True),
        sa.Column("rna", sa.Text(), nullable=True),
        sa.Column(
            "cree_le", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False
        ),
        sa.Column(
            "modifie_le",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column("modifie_par_job_id", sa.BigInteger(), nullable=True),
        sa.CheckConstraint("siren ~ '^[0-9]{9}$'", name=op.f("ck_entite_siren_format")),
        sa.ForeignKeyConstraint(
            ["departement_siege"],
            ["offre.departement.code"],
            name=op.f("fk_entite_departement_siege_departement"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_entite")),
        sa.UniqueConstraint("siren", name=op.f("uq_entite_siren")),
        schema="offre",
    )
    op.create_table(
        "profil_historique",
        sa.Column("code", sa.Text(), nullable=False),
        sa.Column("libelle", sa.Text(), nullable=False),
        sa.Column("volet", sa.Text(), nullable=False),
        sa.Column("profil_cible_code", sa.Text(), nullable=False),
        sa.Column("rang", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["profil_cible_code"],
            ["offre.profil.code"],
            name=op.f("fk_profil_historique_profil_cible_code_profil"),
        ),
        sa.PrimaryKeyConstraint("code", name=op.f("pk_profil_historique")),
        schema="offre",
    )
    op.create_table(
        "profil_inclusion",
        sa.Column("profil_code", sa.Text(), nullable=False),
        sa.Column("inclus_code", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["inclus_code"],
            ["offre.profil.code"],
            name=op.f("fk_profil_inclusion_inclus_code_profil"),
        ),
        sa.ForeignKeyConstraint(
            ["profil_code"],
            ["offre.profil.code"],
            name=op.f("fk_profil_inclusion_profil_code_profil"),
        ),
        sa.PrimaryKeyConstraint("profil_code", "inclus_code", name=op.f("pk_profil_inclusion")),
        schema="offre",
    )
    op.create_table(
        "type_dispositif",
        sa.Column("code", sa.Text(), nullable=False),
        sa.Column("libelle", sa.Text(), nullable=False),
        sa.Column("categorie_code", sa.Text(), nullable=False),
        sa.Column("offre", sa.Text(), nullable=False),
        sa.Column("unite_capacite", sa.Text(), nullable=True),
        sa.Column("orientable", sa.Boolean(), nullable=False),
        sa.Column("finess_categories", sa.ARRAY(sa.Text()), nullable=False),
        sa.ForeignKeyConstraint(
            ["categorie_code"],
            ["offre.categorie.code"],
            name=op.f("fk_type_dispositif_categorie_code_categorie"),
        ),
        sa.PrimaryKeyConstraint("code", name=op.f("pk_type_dispositif")),
        sa.UniqueConstraint("libelle", name=op.f("uq_type_dispositif_libelle")),
        schema="offre",
    )
    op.create_table(
        "structure",
        sa.Column("id", sa.BigInteger(), nullable=False),
        sa.Column("entite_id", sa.BigInteger(), nullable=False),
        sa.Column("nom", sa.Text(), nullable=False),
        sa.Column("departement", sa.Text(), nullable=False),
        sa.Column("type_code", sa.Integer(), nullable=False),
        sa.Column("siret", sa.Text(), nullable=True),
        sa.Column("finess", sa.Text(), nullable=True),
        sa.Column("adresse", sa.Text(), nullable=True),
        sa.Column("code_postal", sa.Text(), nullable=True),
        sa.Column("commune", sa.Text(), nullable=True),
        sa.Column("actif", sa.Boolean(), server_default="true", nullable=False),
        sa.ForeignKeyConstraint(
            ["entite_id"], ["siao.entite.id"], name=op.f("fk_structure_entite_id_entite")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_structure")),
        schema="siao",
    )
    op.create_index(
        op.f("ix_structure_departement"), "structure", ["departement"], unique=False, schema="siao"
    )
    op.create_index(
        op.f("ix_structure_entite_id"), "structure", ["entite_id"], unique=False, schema="siao"
    )
    op.create_table(
        "dispositif",
        sa.Column("id", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column("identifiant", sa.Text(), nullable=False),
        sa.Column("entite_id", sa.BigInteger(), nullable=False),
        sa.Column("departement", sa.Text(), nullable=False),
        sa.Column("type_code", sa.Text(), nullable=False),
        sa.Column("nom", sa.Text(), nullable=False),
        sa.Column("nom_normalise", sa.Text(), nullable=False),
        sa.Column("siret", sa.Text(), nullable=True),
        sa.Column("finess_et", sa.ARRAY(sa.Text()), server_default="{}", nullable=False),
        sa.Column("adresse", sa.Text(), nullable=True),
        sa.Column("code_postal", sa.Text(), nullable=True),
        sa.Column("commune", sa.Text(), nullable=True),
        sa.Column("code_commune", sa.Text(), nullable=True),
        sa.Column("capacite_financee", sa.Integer(), nullable=True),
        sa.Column("financeurs", sa.ARRAY(sa.Text()), server_default="{}", nullable=False),
        sa.Column("date_ouverture", sa.Date(), nullable=True),
        sa.Column("date_fermeture", sa.Date(), nullable=True),
        sa.Column("publics", sa.ARRAY(sa.Text()), server_default="{}", nullable=False),
        sa.Column("courriel_responsable", sa.Text(), nullable=True),
        sa.Column(
            "structures_historiques", sa.ARRAY(sa.BigInteger()), server_default="{}", nullable=False
        ),
        sa.Column(
            "cree_le", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False
        ),
        sa.Column(
            "modifie_le",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column("modifie_par_job_id", sa.BigInteger(), nullable=True),
        sa.CheckConstraint(
            "identifiant ~ '^DSP-[0-9AB]{2,3}-[0-9]{6}$'",
            name=op.f("ck_dispositif_identifiant_format"),
        ),
        sa.CheckConstraint(
            "capacite_financee IS NULL OR capacite_financee >= 0",
            name=op.f("ck_dispositif_capacite"),
        ),
        sa.CheckConstraint(
            "date_fermeture IS NULL OR date_ouverture IS NULL OR date_fermeture >= date_ouverture",
            name=op.f("ck_dispositif_dates"),
        ),
        sa.ForeignKeyConstraint(
            ["departement"],
            ["offre.departement.code"],
            name=op.f("fk_dispositif_departement_departement"),
        ),
        sa.ForeignKeyConstraint(
            ["entite_id"], ["offre.entite.id"], name=op.f("fk_dispositif_entite_id_entite")
        ),
        sa.ForeignKeyConstraint(
            ["type_code"],
            ["offre.type_dispositif.code"],
            name=op.f("fk_dispositif_type_code_type_dispositif"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_dispositif")),
        sa.UniqueConstraint(
            "entite_id",
            "departement",
            "type_code",
            "nom_normalise",
            name=op.f("uq_dispositif_entite_id_departement_type_code_nom_normalise"),
        ),
        sa.UniqueConstraint("identifiant", name=op.f("uq_dispositif_identifiant")),
        schema="offre",
    )
    op.create_index(
        op.f("ix_dispositif_departement"),
        "dispositif",
        ["departement"],
        unique=False,
        schema="offre",
    )
    op.create_index(
        op.f("ix_dispositif_entite_id"), "dispositif", ["entite_id"], unique=False, schema="offre"
    )
    op.create_table(
        "utilisateur",
        sa.Column("id", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column("courriel", sa.Text(), nullable=False),
        sa.Column("nom", sa.Text(), nullable=True),
        sa.Column("prenom", sa.Text(), nullable=True),
        sa.Column("profil_code", sa.Text(), nullable=False),
        sa.Column("entite_id", sa.BigInteger(), nullable=True),
        sa.Column("actif", sa.Boolean(), server_default="true", nullable=False),
        sa.Column("siao_utilisateur_id", sa.BigInteger(), nullable=True),
        sa.Column(
            "cree_le", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False
        ),
        sa.ForeignKeyConstraint(
            ["entite_id"], ["offre.entite.id"], name=op.f("fk_utilisateur_entite_id_entite")
        ),
        sa.ForeignKeyConstraint(
            ["profil_code"], ["offre.profil.code"], name=op.f("fk_utilisateur_profil_code_profil")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_utilisateur")),
        sa.UniqueConstraint("siao_utilisateur_id", name=op.f("uq_utilisateur_siao_utilisateur_id")),
        schema="offre",
    )
    op.create_index(
        "uq_utilisateur_courriel_actif",
        "utilisateur",
        [sa.literal_column("lower(courriel)")],
        unique=True,
        schema="offre",
        postgresql_where=sa.text("actif"),
    )
    op.create_table(
        "groupe_places",
        sa.Column("id", sa.BigInteger(), nullable=False),
        sa.Column("structure_id", sa.BigInteger(), nullable=False),
        sa.Column("libelle", sa.Text(), nullable=False),
        sa.Column("type_place", sa.Text(), nullable=False),
        sa.Column("public", sa.Text(), nullable=True),
        sa.Column("nb_places", sa.Integer(), nullable=False),
        sa.Column("places_occupees", sa.Integer(), server_default="0", nullable=False),
        sa.Column("adresse", sa.Text(), nullable=True),
        sa.Column("code_postal", sa.Text(), nullable=True),
        sa.Column("commune", sa.Text(), nullable=True),
        sa.Column("actif", sa.Boolean(), server_default="true", nullable=False),
        sa.ForeignKeyConstraint(
            ["structure_id"],
            ["siao.structure.id"],
            name=op.f("fk_groupe_places_structure_id_structure"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_groupe_places")),
        schema="siao",
    )
    op.create_index(
        op.f("ix_groupe_places_structure_id"),
        "groupe_places",
        ["structure_id"],
        unique=False,
        schema="siao",
    )
    op.create_table(
        "utilisateur",
        sa.Column("id", sa.BigInteger(), nullable=False),
        sa.Column("email", sa.Text(), nullable=False),
        sa.Column("nom", sa.Text(), nullable=False),
        sa.Column("prenom", sa.Text(), nullable=False),
        sa.Column("departement", sa.Text(), nullable=False),
        sa.Column("structure_id", sa.BigInteger(), nullable=True),
        sa.Column("actif", sa.Boolean(), server_default="true", nullable=False),
        sa.ForeignKeyConstraint(
            ["structure_id"],
            ["siao.structure.id"],
            name=op.f("fk_utilisateur_structure_id_structure"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_utilisateur")),
        schema="siao",
    )
    op.create_index(
        op.f("ix_utilisateur_departement"),
        "utilisateur",
        ["departement"],
        unique=False,
        schema="siao",
    )
    op.create_index(
        op.f("ix_utilisateur_email"), "utilisateur", ["email"], unique=False, schema="siao"
    )
    op.create_table(
        "audit",
        sa.Column("id", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column(
            "cree_le", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False
        ),
        sa.Column("utilisateur_id", sa.BigInteger(), nullable=True),
        sa.Column("job_id", sa.BigInteger(), nullable=True),
        sa.Column("action", sa.Text(), nullable=False),
        sa.Column("objet", sa.Text(), nullable=False),
        sa.Column("objet_id", sa.Text(), nullable=True),
        sa.Column("departement", sa.Text(), nullable=True),
        sa.Column(
            "details", postgresql.JSONB(astext_type=sa.Text()), server_default="{}", nullable=False
        ),
        sa.ForeignKeyConstraint(
            ["utilisateur_id"],
            ["offre.utilisateur.id"],
            name=op.f("fk_audit_utilisateur_id_utilisateur"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit")),
        schema="offre",
    )
    op.create_index("ix_audit_job_id", "audit", ["job_id"], unique=False, schema="offre")
    op.create_table(
        "groupe_places",
        sa.Column("id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("dispositif_id", sa.BigInteger(), nullable=False),
        sa.Column("libelle", sa.Text(), nullable=False),
        sa.Column("nb_places", sa.Integer(), nullable=False),
        sa.Column("type_place", sa.Text(), nullable=False),
        sa.Column("publics", sa.ARRAY(sa.Text()), server_default="{}", nullable=False),
        sa.Column("equipements", sa.ARRAY(sa.Text()), server_default="{}", nullable=False),
        sa.Column("configuration", sa.Text(), nullable=True),
        sa.Column("adresse", sa.Text(), nullable=True),
        sa.Column("code_postal", sa.Text(), nullable=True),
        sa.Column("commune", sa.Text(), nullable=True),
        sa.Column("places_occupees", sa.Integer(), server_default="0", nullable=False),
        sa.Column("actif", sa.Boolean(), server_default="true", nullable=False),
        sa.CheckConstraint("nb_places > 0", name=op.f("ck_groupe_places_nb_places")),
        sa.ForeignKeyConstraint(
            ["dispositif_id"],
            ["offre.dispositif.id"],
            name=op.f("fk_groupe_places_dispositif_id_dispositif"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_groupe_places")),
        schema="offre",
    )
    op.create_index(
        op.f("ix_groupe_places_dispositif_id"),
        "groupe_places",
        ["dispositif_id"],
        unique=False,
        schema="offre",
    )
    op.create_table(
        "job",
        sa.Column("id", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column("type", sa.Text(), nullable=False),
        sa.Column("statut", sa.Text(), server_default="en_attente", nullable=False),
        sa.Column("etape", sa.Text(), server_default="analyse", nullable=False),
        sa.Column("soumis_par", sa.BigInteger(), nullable=False),
        sa.Column(
            "options", postgresql.JSONB(astext_type=sa.Text()), server_default="{}", nullable=False
        ),
        sa.Column("message", sa.Text(), nullable=True),
        sa.Column("annulation_demandee", sa.Boolean(), server_default="false", nullable=False),
        sa.Column("job_source_id", sa.BigInteger(), nullable=True),
        sa.Column("retour_arriere_job_id", sa.BigInteger(), nullable=True),
        sa.Column("empreinte", sa.Text(), nullable=True),
        sa.Column(
            "cree_le", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False
        ),
        sa.Column(
            "modifie_le",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column("debut", sa.DateTime(timezone=True), nullable=True),
        sa.Column("fin", sa.DateTime(timezone=True), nullable=True),
        sa.Column("bail_jeton", sa.BigInteger(), server_default="0", nullable=False),
        sa.Column("bail_expire", sa.DateTime(timezone=True), nullable=True),
        sa.Column("tentatives", sa.Integer(), server_default="0", nullable=False),
        sa.Column("publie_le", sa.DateTime(timezone=True), nullable=True),
        sa.Column("lignes", sa.Integer(), server_default="0", nullable=False),
        sa.Column("traitees", sa.Integer(), server_default="0", nullable=False),
        sa.Column("erreurs", sa.Integer(), server_default="0", nullable=False),
        sa.Column("avertissements", sa.Integer(), server_default="0", nullable=False),
        sa.Column("creations", sa.Integer(), server_default="0", nullable=False),
        sa.Column("modifications", sa.Integer(), server_default="0", nullable=False),
        sa.Column("inchanges", sa.Integer(), server_default="0", nullable=False),
        sa.Column("fermetures", sa.Integer(), server_default="0", nullable=False),
        sa.CheckConstraint(
            "statut IN ('en_attente', 'analyse', 'valide', 'invalide', 'application', 'termine', 'echec', 'annule')",
            name=op.f("ck_job_statut"),
        ),
        sa.CheckConstraint(
            "type IN ('import_offre', 'rattachement', 'bascule', 'retour_arriere')",
            name=op.f("ck_job_type"),
        ),
        sa.ForeignKeyConstraint(
            ["job_source_id"], ["offre.job.id"], name=op.f("fk_job_job_source_id_job")
        ),
        sa.ForeignKeyConstraint(
            ["retour_arriere_job_id"],
            ["offre.job.id"],
            name=op.f("fk_job_retour_arriere_job_id_job"),
        ),
        sa.ForeignKeyConstraint(
            ["soumis_par"], ["offre.utilisateur.id"], name=op.f("fk_job_soumis_par_utilisateur")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_job")),
        schema="offre",
    )
    op.create_index(op.f("ix_job_soumis_par"), "job", ["soumis_par"], unique=False, schema="offre")
    op.create_index(
        "ix_job_statut_actif",
        "job",
        ["statut"],
        unique=False,
        schema="offre",
        postgresql_where="statut IN ('en_attente', 'analyse', 'application')",
    )
    op.create_table(
        "utilisateur_departement",
        sa.Column("utilisateur_id", sa.BigInteger(), nullable=False),
        sa.Column("departement", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["departement"],
            ["offre.departement.code"],
            name=op.f("fk_utilisateur_departement_departement_departement"),
        ),
        sa.ForeignKeyConstraint(
            ["utilisateur_id"],
            ["offre.utilisateur.id"],
            name=op.f("fk_utilisateur_departement_utilisateur_id_utilisateur"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint(
            "utilisateur_id", "departement", name=op.f("pk_utilisateur_departement")
        ),
        schema="offre",
    )
    op.create_table(
        "utilisateur_dispositif",
        sa.Column("utilisateur_id", sa.BigInteger(), nullable=False),
        sa.Column("dispositif_id", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["dispositif_id"],
            ["offre.dispositif.id"],
            name=op.f("fk_utilisateur_dispositif_dispositif_id_dispositif"),
        ),
        sa.ForeignKeyConstraint(
            ["utilisateur_id"],
            ["offre.utilisateur.id"],
            name=op.f("fk_utilisateur_dispositif_utilisateur_id_utilisateur"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint(
            "utilisateur_id", "dispositif_id", name=op.f("pk_utilisateur_dispositif")
        ),
        schema="offre",
    )
    op.create_table(
        "utilisateur_profil",
        sa.Column("utilisateur_id", sa.BigInteger(), nullable=False),
        sa.Column("profil_historique_code", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["utilisateur_id"],
            ["siao.utilisateur.id"],
            name=op.f("fk_utilisateur_profil_utilisateur_id_utilisateur"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint(
            "utilisateur_id", "profil_historique_code", name=op.f("pk_utilisateur_profil")
        ),
        schema="siao",
    )
    op.create_table(
        "job_anomalie",
        sa.Column("id", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column("job_id", sa.BigInteger(), nullable=False),
        sa.Column("departement", sa.Text(), nullable=True),
        sa.Column("feuille", sa.Text(), nullable=False),
        sa.Column("ligne", sa.Integer(), nullable=False),
        sa.Column("colonne", sa.Text(), nullable=False),
        sa.Column("valeur", sa.Text(), nullable=False),
        sa.Column("code", sa.Text(), nullable=False),
        sa.Column("severite", sa.Text(), nullable=False),
        sa.Column("message", sa.Text(), nullable=False),
        sa.CheckConstraint(
            "severite IN ('erreur', 'avertissement')", name=op.f("ck_job_anomalie_severite")
        ),
        sa.ForeignKeyConstraint(
            ["job_id"],
            ["offre.job.id"],
            name=op.f("fk_job_anomalie_job_id_job"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_job_anomalie")),
        schema="offre",
    )
    op.create_index(
        "ix_job_anomalie_job_id_feuille_ligne",
        "job_anomalie",
        ["job_id", "feuille", "ligne"],
        unique=False,
        schema="offre",
    )
    op.create_table(
        "job_departement",
        sa.Column("job_id", sa.BigInteger(), nullable=False),
        sa.Column("departement", sa.Text(), nullable=False),
        sa.Column("statut", sa.Text(), server_default="en_attente", nullable=False),
        sa.Column("message", sa.Text(), nullable=True),
        sa.Column("empreinte", sa.Text(), nullable=True),
        sa.Column("debut", sa.DateTime(timezone=True), nullable=True),
        sa.Column("fin", sa.DateTime(timezone=True), nullable=True),
        sa.Column("bail_jeton", sa.BigInteger(), server_default="0", nullable=False),
        sa.Column("bail_expire", sa.DateTime(timezone=True), nullable=True),
        sa.Column("tentatives", sa.Integer(), server_default="0", nullable=False),
        sa.Column("publie_le", sa.DateTime(timezone=True), nullable=True),
        sa.Column("lignes", sa.Integer(), server_default="0", nullable=False),
        sa.Column("traitees", sa.Integer(), server_default="0", nullable=False),
        sa.Column("erreurs", sa.Integer(), server_default="0", nullable=False),
        sa.Column("avertissements", sa.Integer(), server_default="0", nullable=False),
        sa.Column("creations", sa.Integer(), server_default="0", nullable=False),
        sa.Column("modifications", sa.Integer(), server_default="0", nullable=False),
        sa.Column("inchanges", sa.Integer(), server_default="0", nullable=False),
        sa.Column("fermetures", sa.Integer(), server_default="0", nullable=False),
        sa.CheckConstraint(
            "statut IN ('en_attente', 'analyse', 'valide', 'invalide', 'application', 'termine', 'echec', 'annule')",
            name=op.f("ck_job_departement_statut"),
        ),
        sa.ForeignKeyConstraint(
            ["departement"],
            ["offre.departement.code"],
            name=op.f("fk_job_departement_departement_departement"),
        ),
        sa.ForeignKeyConstraint(
            ["job_id"],
            ["offre.job.id"],
            name=op.f("fk_job_departement_job_id_job"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("job_id", "departement", name=op.f("pk_job_departement")),
        schema="offre",
    )
    op.create_index(
        op.f("ix_job_departement_departement"),
        "job_departement",
        ["departement"],
        unique=False,
        schema="offre",
    )
    op.create_table(
        "job_fichier",
        sa.Column("job_id", sa.BigInteger(), nullable=False),
        sa.Column("nom", sa.Text(), nullable=False),
        sa.Column("taille", sa.BigInteger(), nullable=False),
        sa.Column("sha256", sa.Text(), nullable=False),
        sa.Column("contenu", sa.LargeBinary(), nullable=False),
        sa.Column(
            "cree_le", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False
        ),
        sa.ForeignKeyConstraint(
            ["job_id"], ["offre.job.id"], name=op.f("fk_job_fichier_job_id_job"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("job_id", name=op.f("pk_job_fichier")),
        schema="offre",
    )
    op.create_table(
        "job_ligne",
        sa.Column("job_id", sa.BigInteger(), nullable=False),
        sa.Column("feuille", sa.Text(), nullable=False),
        sa.Column("ligne", sa.Integer(), nullable=False),
        sa.Column("departement", sa.Text(), nullable=True),
        sa.Column("cle", sa.Text(), nullable=False),
        sa.Column("donnees", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("erreur", sa.Boolean(), server_default="false", nullable=False),
        sa.ForeignKeyConstraint(
            ["job_id"], ["offre.job.id"], name=op.f("fk_job_ligne_job_id_job"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("job_id", "feuille", "ligne", name=op.f("pk_job_ligne")),
        schema="offre",
    )
    op.create_table(
        "job_plan",
        sa.Column("id", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column("job_id", sa.BigInteger(), nullable=False),
        sa.Column("feuille", sa.Text(), nullable=False),
        sa.Column("ligne", sa.Integer(), nullable=True),
        sa.Column("departement", sa.Text(), nullable=True),
        sa.Column("action", sa.Text(), nullable=False),
        sa.Column("cle", sa.Text(), nullable=False),
        sa.Column("cible_id", sa.BigInteger(), nullable=True),
        sa.Column("avant", postgresql.JSONB(astext_type=sa.Text()), nullable=True),
        sa.Column("apres", postgresql.JSONB(astext_type=sa.Text()), nullable=True),
        sa.CheckConstraint(
            "action IN ('creation', 'modification', 'inchange', 'fermeture')",
            name=op.f("ck_job_plan_action"),
        ),
        sa.ForeignKeyConstraint(
            ["job_id"], ["offre.job.id"], name=op.f("fk_job_plan_job_id_job"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_job_plan")),
        schema="offre",
    )
    op.create_index(
        "ix_job_plan_job_id_departement",
        "job_plan",
        ["job_id", "departement"],
        unique=False,
        schema="offre",
    )
    op.create_table(
        "journal_annulation",
        sa.Column("id", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column("job_id", sa.BigInteger(), nullable=False),
        sa.Column("departement", sa.Text(), nullable=True),
        sa.Column("table_nom", sa.Text(), nullable=False),
        sa.Column("objet_id", sa.BigInteger(), nullable=False),
        sa.Column("operation", sa.Text(), nullable=False),
        sa.Column("avant", postgresql.JSONB(astext_type=sa.Text()), nullable=True),
        sa.Column("apres", postgresql.JSONB(astext_type=sa.Text()), nullable=True),
        sa.Column(
            "cree_le", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False
        ),
        sa.ForeignKeyConstraint(
            ["job_id"],
            ["offre.job.id"],
            name=op.f("fk_journal_annulation_job_id_job"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_journal_annulation")),
        schema="offre",
    )
    op.create_index(
        "ix_journal_annulation_objet",
        "journal_annulation",
        ["table_nom", "objet_id"],
        unique=False,
        schema="offre",
    )


def downgrade() -> None:
    op.drop_index("ix_journal_annulation_objet", table_name="journal_annulation", schema="offre")
    op.drop_table("journal_annulation", schema="offre")
    op.drop_index("ix_job_plan_job_id_departement", table_name="job_plan", schema="offre")
    op.drop_table("job_plan", schema="offre")
    op.drop_table("job_ligne", schema="offre")
    op.drop_table("job_fichier", schema="offre")
    op.drop_index(
        op.f("ix_job_departement_departement"), table_name="job_departement", schema="offre"
    )
    op.drop_table("job_departement", schema="offre")
    op.drop_index("ix_job_anomalie_job_id_feuille_ligne", table_name="job_anomalie", schema="offre")
    op.drop_table("job_anomalie", schema="offre")
    op.drop_table("utilisateur_profil", schema="siao")
    op.drop_table("utilisateur_dispositif", schema="offre")
    op.drop_table("utilisateur_departement", schema="offre")
    op.drop_index(
        "ix_job_statut_actif",
        table_name="job",
        schema="offre",
        postgresql_where="statut IN ('en_attente', 'analyse', 'application')",
    )
    op.drop_index(op.f("ix_job_soumis_par"), table_name="job", schema="offre")
    op.drop_table("job", schema="offre")
    op.drop_index(
        op.f("ix_groupe_places_dispositif_id"), table_name="groupe_places", schema="offre"
    )
    op.drop_table("groupe_places", schema="offre")
    op.drop_index("ix_audit_job_id", table_name="audit", schema="offre")
    op.drop_table("audit", schema="offre")
    op.drop_index(op.f("ix_utilisateur_email"), table_name="utilisateur", schema="siao")
    op.drop_index(op.f("ix_utilisateur_departement"), table_name="utilisateur", schema="siao")
    op.drop_table("utilisateur", schema="siao")
    op.drop_index(op.f("ix_groupe_places_structure_id"), table_name="groupe_places", schema="siao")
    op.drop_table("groupe_places", schema="siao")
    op.drop_index(
        "uq_utilisateur_courriel_actif",
        table_name="utilisateur",
        schema="offre",
        postgresql_where=sa.text("actif"),
    )
    op.drop_table("utilisateur", schema="offre")
    op.drop_index(op.f("ix_dispositif_entite_id"), table_name="dispositif", schema="offre")
    op.drop_index(op.f("ix_dispositif_departement"), table_name="dispositif", schema="offre")
    op.drop_table("dispositif", schema="offre")
    op.drop_index(op.f("ix_structure_entite_id"), table_name="structure", schema="siao")
    op.drop_index(op.f("ix_structure_departement"), table_name="structure", schema="siao")
    op.drop_table("structure", schema="siao")
    op.drop_table("type_dispositif", schema="offre")
    op.drop_table("profil_inclusion", schema="offre")
    op.drop_table("profil_historique", schema="offre")
    op.drop_table("entite", schema="offre")
    op.drop_table("dispositif_sequence", schema="offre")
    op.drop_table("entite", schema="siao")
    op.drop_table("profil", schema="offre")
    op.drop_table("departement", schema="offre")
    op.drop_table("categorie", schema="offre")
