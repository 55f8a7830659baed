"""Reference tables: nomenclature, départements, profils (seeded by a migration)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ARRAY, BigInteger, Boolean, DateTime, ForeignKey, Integer, Text
from sqlalchemy.orm import Mapped, mapped_column

from service.db.base import OFFRE, Base


class Categorie(Base):
    __tablename__ = "categorie"
    __table_args__ = {"schema": OFFRE}

    code: Mapped[str] = mapped_column(Text, primary_key=True)
    libelle: Mapped[str] = mapped_column(Text, nullable=False)


class TypeDispositif(Base):
    __tablename__ = "type_dispositif"
    __table_args__ = {"schema": OFFRE}

    code: Mapped[str] = mapped_column(Text, primary_key=True)
    libelle: Mapped[str] = mapped_column(Text, nullable=False, unique=True)
    categorie_code: Mapped[str] = mapped_column(ForeignKey(f"{OFFRE}.categorie.code"))
    offre: Mapped[str] = mapped_column(Text, nullable=False)
    unite_capacite: Mapped[str | None] = mapped_column(Text)
    orientable: Mapped[bool] = mapped_column(Boolean, nullable=False)
    finess_categories: Mapped[list[str]] = mapped_column(ARRAY(Text), nullable=False)


class Departement(Base):
    __tablename__ = "departement"
    __table_args__ = {"schema": OFFRE}

    code: Mapped[str] = mapped_column(Text, primary_key=True)
    nom: Mapped[str] = mapped_column(Text, nullable=False)
    region: Mapped[str] = mapped_column(Text, nullable=False)
    # Temps 3 marks a département active on the new module.
    module_actif: Mapped[bool] = mapped_column(Boolean, nullable=False, server_default="false")
    bascule_le: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # The bascule job that switched it. No foreign key: reference data must survive a
    # TRUNCATE … CASCADE of the jobs (tests, retention).
    bascule_job_id: Mapped[int | None] = mapped_column(BigInteger)


class Profil(Base):
    __tablename__ = "profil"
    __table_args__ = {"schema": OFFRE}

    code: Mapped[str] = mapped_column(Text, primary_key=True)
    libelle: Mapped[str] = mapped_column(Text, nullable=False)
    famille: Mapped[str] = mapped_column(Text, nullable=False)
    perimetre: Mapped[str] = mapped_column(Text, nullable=False)


class ProfilInclusion(Base):
    __tablename__ = "profil_inclusion"
    __table_args__ = {"schema": OFFRE}

    profil_code: Mapped[str] = mapped_column(ForeignKey(f"{OFFRE}.profil.code"), primary_key=True)
    inclus_code: Mapped[str] = mapped_column(ForeignKey(f"{OFFRE}.profil.code"), primary_key=True)


class ProfilHistorique(Base):
    __tablename__ = "profil_historique"
    __table_args__ = {"schema": OFFRE}

    code: Mapped[str] = mapped_column(Text, primary_key=True)
    libelle: Mapped[str] = mapped_column(Text, nullable=False)
    volet: Mapped[str] = mapped_column(Text, nullable=False)
    profil_cible_code: Mapped[str] = mapped_column(ForeignKey(f"{OFFRE}.profil.code"))
    rang: Mapped[int] = mapped_column(Integer, nullable=False)
