"""The legacy SI SIAO tables (schema ``siao``), owned by SI SIAO: DOMAIN.md §7.

Production already has them; we ship their DDL only to run, test and demo. Nothing of ours
lives in this schema.
"""

from __future__ import annotations

from sqlalchemy import BigInteger, Boolean, ForeignKey, Integer, Text
from sqlalchemy.orm import Mapped, mapped_column

from service.db.base import SIAO, Base


class SiaoEntite(Base):
    __tablename__ = "entite"
    __table_args__ = {"schema": SIAO}

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    nom: Mapped[str] = mapped_column(Text, nullable=False)
    siren: Mapped[str | None] = mapped_column(Text)


class SiaoStructure(Base):
    __tablename__ = "structure"
    __table_args__ = {"schema": SIAO}

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    entite_id: Mapped[int] = mapped_column(ForeignKey(f"{SIAO}.entite.id"), index=True)
    nom: Mapped[str] = mapped_column(Text, nullable=False)
    departement: Mapped[str] = mapped_column(Text, nullable=False, index=True)
    type_code: Mapped[int] = mapped_column(Integer, nullable=False)
    siret: Mapped[str | None] = mapped_column(Text)
    finess: Mapped[str | None] = mapped_column(Text)
    adresse: Mapped[str | None] = mapped_column(Text)
    code_postal: Mapped[str | None] = mapped_column(Text)
    commune: Mapped[str | None] = mapped_column(Text)
    actif: Mapped[bool] = mapped_column(Boolean, nullable=False, server_default="true")


class SiaoGroupePlaces(Base):
    __tablename__ = "groupe_places"
    __table_args__ = {"schema": SIAO}

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    structure_id: Mapped[int] = mapped_column(ForeignKey(f"{SIAO}.structure.id"), index=True)
    libelle: Mapped[str] = mapped_column(Text, nullable=False)
    type_place: Mapped[str] = mapped_column(Text, nullable=False)
    public: Mapped[str | None] = mapped_column(Text)
    nb_places: Mapped[int] = mapped_column(Integer, nullable=False)
    places_occupees: Mapped[int] = mapped_column(Integer, nullable=False, server_default="0")
    adresse: Mapped[str | None] = mapped_column(Text)
    code_postal: Mapped[str | None] = mapped_column(Text)
    commune: Mapped[str | None] = mapped_column(Text)
    actif: Mapped[bool] = mapped_column(Boolean, nullable=False, server_default="true")


class SiaoUtilisateur(Base):
    __tablename__ = "utilisateur"
    __table_args__ = {"schema": SIAO}

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    email: Mapped[str] = mapped_column(Text, nullable=False, index=True)
    nom: Mapped[str] = mapped_column(Text, nullable=False)
    prenom: Mapped[str] = mapped_column(Text, nullable=False)
    departement: Mapped[str] = mapped_column(Text, nullable=False, index=True)
    structure_id: Mapped[int | None] = mapped_column(ForeignKey(f"{SIAO}.structure.id"))
    actif: Mapped[bool] = mapped_column(Boolean, nullable=False, server_default="true")


class SiaoUtilisateurProfil(Base):
    __tablename__ = "utilisateur_profil"
    __table_args__ = {"schema": SIAO}

    utilisateur_id: Mapped[int] = mapped_column(
        ForeignKey(f"{SIAO}.utilisateur.id", ondelete="CASCADE"), primary_key=True
    )
    profil_historique_code: Mapped[str] = mapped_column(Text, primary_key=True)
