"""Nominative user accounts of the new module: one unique profile and a scope each."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, Boolean, DateTime, ForeignKey, Identity, Index, Text, func, text
from sqlalchemy.orm import Mapped, mapped_column

from service.db.base import OFFRE, Base


class Utilisateur(Base):
    __tablename__ = "utilisateur"
    __table_args__ = (
        # An e-mail shared by two *active* accounts is refused (DOMAIN.md §4).
        Index(
            "uq_utilisateur_courriel_actif",
            text("lower(courriel)"),
            unique=True,
            postgresql_where=text("actif"),
        ),
        {"schema": OFFRE},
    )

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    courriel: Mapped[str] = mapped_column(Text, nullable=False)
    nom: Mapped[str | None] = mapped_column(Text)
    prenom: Mapped[str | None] = mapped_column(Text)
    profil_code: Mapped[str] = mapped_column(ForeignKey(f"{OFFRE}.profil.code"))
    entite_id: Mapped[int | None] = mapped_column(ForeignKey(f"{OFFRE}.entite.id"))
    actif: Mapped[bool] = mapped_column(Boolean, nullable=False, server_default="true")
    # Legacy account this one was migrated from (Temps 3), when any.
    siao_utilisateur_id: Mapped[int | None] = mapped_column(BigInteger, unique=True)
    cree_le: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now(), nullable=False
    )


class UtilisateurDepartement(Base):
    __tablename__ = "utilisateur_departement"
    __table_args__ = {"schema": OFFRE}

    utilisateur_id: Mapped[int] = mapped_column(
        ForeignKey(f"{OFFRE}.utilisateur.id", ondelete="CASCADE"), primary_key=True
    )
    departement: Mapped[str] = mapped_column(
        ForeignKey(f"{OFFRE}.departement.code"), primary_key=True
    )


class UtilisateurDispositif(Base):
    __tablename__ = "utilisateur_dispositif"
    __table_args__ = {"schema": OFFRE}

    utilisateur_id: Mapped[int] = mapped_column(
        ForeignKey(f"{OFFRE}.utilisateur.id", ondelete="CASCADE"), primary_key=True
    )
    dispositif_id: Mapped[int] = mapped_column(
        ForeignKey(f"{OFFRE}.dispositif.id"), primary_key=True
    )


class CodeConnexion(Base):
    """A single-use sign-in code for the console (local mode), valid a few minutes: only its
    SHA-256 is kept, so that a copy of the table signs nobody in."""

    __tablename__ = "code_connexion"
    __table_args__ = {"schema": OFFRE}

    empreinte: Mapped[str] = mapped_column(Text, primary_key=True)
    utilisateur_id: Mapped[int] = mapped_column(
        ForeignKey(f"{OFFRE}.utilisateur.id", ondelete="CASCADE"), index=True
    )
    cree_le: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now(), nullable=False
    )
    expire_le: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)
    utilise_le: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class SessionConsole(Base):
    """A console session: the cookie holds a random value, this row its SHA-256, the CSRF token
    of the session's forms, and when it ends (sign-out deletes it)."""

    __tablename__ = "session_console"
    __table_args__ = {"schema": OFFRE}

    empreinte: Mapped[str] = mapped_column(Text, primary_key=True)
    utilisateur_id: Mapped[int] = mapped_column(
        ForeignKey(f"{OFFRE}.utilisateur.id", ondelete="CASCADE"), index=True
    )
    csrf: Mapped[str] = mapped_column(Text, nullable=False)
    moyen: Mapped[str] = mapped_column(Text, nullable=False)  # code | jeton | oidc
    cree_le: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now(), nullable=False
    )
    expire_le: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)
