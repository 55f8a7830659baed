"""The Module Offre model: entite 1──n dispositif 1──n groupe_places."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    ARRAY,
    BigInteger,
    CheckConstraint,
    Date,
    DateTime,
    ForeignKey,
    Identity,
    Integer,
    Text,
    UniqueConstraint,
    func,
)
from sqlalchemy.orm import Mapped, mapped_column

from service.db.base import OFFRE, Base


class Entite(Base):
    __tablename__ = "entite"
    __table_args__ = (
        CheckConstraint("siren ~ '^[0-9]{9}$'", name="siren_format"),
        {"schema": OFFRE},
    )

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    siren: Mapped[str] = mapped_column(Text, nullable=False, unique=True)
    raison_sociale: Mapped[str] = mapped_column(Text, nullable=False)
    sigle: Mapped[str | None] = mapped_column(Text)
    forme_juridique: Mapped[str | None] = mapped_column(Text)
    adresse: Mapped[str | None] = mapped_column(Text)
    code_postal: Mapped[str | None] = mapped_column(Text)
    commune: Mapped[str | None] = mapped_column(Text)
    code_commune: Mapped[str | None] = mapped_column(Text)
    departement_siege: Mapped[str] = mapped_column(ForeignKey(f"{OFFRE}.departement.code"))
    courriel: Mapped[str | None] = mapped_column(Text)
    telephone: Mapped[str | None] = mapped_column(Text)
    finess_ej: Mapped[str | None] = mapped_column(Text)
    rna: Mapped[str | None] = mapped_column(Text)
    cree_le: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now(), nullable=False
    )
    modifie_le: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now(), nullable=False
    )
    modifie_par_job_id: Mapped[int | None] = mapped_column(BigInteger)


class DispositifSequence(Base):
    """Per-département counter of dispositif identifiers: never decremented, never reused."""

    __tablename__ = "dispositif_sequence"
    __table_args__ = {"schema": OFFRE}

    departement: Mapped[str] = mapped_column(
        ForeignKey(f"{OFFRE}.departement.code"), primary_key=True
    )
    dernier: Mapped[int] = mapped_column(Integer, nullable=False, server_default="0")


class Dispositif(Base):
    __tablename__ = "dispositif"
    __table_args__ = (
        UniqueConstraint("entite_id", "departement", "type_code", "nom_normalise"),
        CheckConstraint("identifiant ~ '^DSP-[0-9AB]{2,3}-[0-9]{6}$'", name="identifiant_format"),
        CheckConstraint("capacite_financee IS NULL OR capacite_financee >= 0", name="capacite"),
        CheckConstraint(
            "date_fermeture IS NULL OR date_ouverture IS NULL OR date_fermeture >= date_ouverture",
            name="dates",
        ),
        {"schema": OFFRE},
    )

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    identifiant: Mapped[str] = mapped_column(Text, nullable=False, unique=True)
    entite_id: Mapped[int] = mapped_column(ForeignKey(f"{OFFRE}.entite.id"), index=True)
    departement: Mapped[str] = mapped_column(ForeignKey(f"{OFFRE}.departement.code"), index=True)
    type_code: Mapped[str] = mapped_column(ForeignKey(f"{OFFRE}.type_dispositif.code"))
    nom: Mapped[str] = mapped_column(Text, nullable=False)
    nom_normalise: Mapped[str] = mapped_column(Text, nullable=False)
    siret: Mapped[str | None] = mapped_column(Text)
    finess_et: Mapped[list[str]] = mapped_column(ARRAY(Text), nullable=False, server_default="{}")
    adresse: Mapped[str | None] = mapped_column(Text)
    code_postal: Mapped[str | None] = mapped_column(Text)
    commune: Mapped[str | None] = mapped_column(Text)
    code_commune: Mapped[str | None] = mapped_column(Text)
    capacite_financee: Mapped[int | None] = mapped_column(Integer)
    financeurs: Mapped[list[str]] = mapped_column(ARRAY(Text), nullable=False, server_default="{}")
    date_ouverture: Mapped[date | None] = mapped_column(Date)
    date_fermeture: Mapped[date | None] = mapped_column(Date)
    publics: Mapped[list[str]] = mapped_column(ARRAY(Text), nullable=False, server_default="{}")
    courriel_responsable: Mapped[str | None] = mapped_column(Text)
    structures_historiques: Mapped[list[int]] = mapped_column(
        ARRAY(BigInteger), nullable=False, server_default="{}"
    )
    cree_le: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now(), nullable=False
    )
    modifie_le: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now(), nullable=False
    )
    modifie_par_job_id: Mapped[int | None] = mapped_column(BigInteger)


class GroupePlaces(Base):
    """Keeps the legacy id (referenced by the rest of SI SIAO); attached in Temps 2/3."""

    __tablename__ = "groupe_places"
    __table_args__ = (
        CheckConstraint("nb_places > 0", name="nb_places"),
        {"schema": OFFRE},
    )

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    dispositif_id: Mapped[int] = mapped_column(ForeignKey(f"{OFFRE}.dispositif.id"), index=True)
    libelle: Mapped[str] = mapped_column(Text, nullable=False)
    nb_places: Mapped[int] = mapped_column(Integer, nullable=False)
    type_place: Mapped[str] = mapped_column(Text, nullable=False)
    publics: Mapped[list[str]] = mapped_column(ARRAY(Text), nullable=False, server_default="{}")
    equipements: Mapped[list[str]] = mapped_column(ARRAY(Text), nullable=False, server_default="{}")
    configuration: Mapped[str | None] = mapped_column(Text)
    adresse: Mapped[str | None] = mapped_column(Text)
    code_postal: Mapped[str | None] = mapped_column(Text)
    commune: Mapped[str | None] = mapped_column(Text)
    places_occupees: Mapped[int] = mapped_column(Integer, nullable=False, server_default="0")
    actif: Mapped[bool] = mapped_column(nullable=False, server_default="true")
