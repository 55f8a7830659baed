"""What Temps 3 keeps in schema ``offre`` (never in ``siao``, which belongs to SI SIAO).

- ``utilisateur_historique``: the account of the module each legacy account became (migrated)
  or was linked to: one person may have had legacy accounts in several départements.
- ``bascule_archive``: every legacy row a switch archived, as it was, and whether that switch
  removed it from ``siao``; a revert puts back what is missing from the last removal's copy.
- ``groupe_places_archive``: legacy groupes de places not moved (excluded or inactive): their
  ids stay reserved (a trigger of migration 0007 refuses them in ``offre.groupe_places``).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    DateTime,
    ForeignKey,
    Identity,
    Index,
    Integer,
    Text,
    func,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from service.db.base import OFFRE, Base

SIAO_TABLES = ("entite", "structure", "groupe_places", "utilisateur", "utilisateur_profil")


def _now() -> Mapped[datetime]:
    return mapped_column(DateTime(timezone=True), server_default=func.now(), nullable=False)


class UtilisateurHistorique(Base):
    __tablename__ = "utilisateur_historique"
    __table_args__ = (
        CheckConstraint("mode IN ('migre', 'lie')", name="mode"),
        Index("ix_utilisateur_historique_job_id_departement", "job_id", "departement"),
        {"schema": OFFRE},
    )

    utilisateur_historique_id: Mapped[int] = mapped_column(
        BigInteger, primary_key=True, autoincrement=False
    )
    utilisateur_id: Mapped[int] = mapped_column(
        ForeignKey(f"{OFFRE}.utilisateur.id"), index=True, nullable=False
    )
    departement: Mapped[str] = mapped_column(ForeignKey(f"{OFFRE}.departement.code"))
    mode: Mapped[str] = mapped_column(Text, nullable=False)
    job_id: Mapped[int] = mapped_column(ForeignKey(f"{OFFRE}.job.id"), nullable=False)
    lie_le: Mapped[datetime] = _now()


class BasculeArchive(Base):
    __tablename__ = "bascule_archive"
    __table_args__ = (
        CheckConstraint(
            "table_nom IN (" + ", ".join(f"'{t}'" for t in SIAO_TABLES) + ")", name="table_nom"
        ),
        Index("ix_bascule_archive_job_id_departement", "job_id", "departement"),
        Index("ix_bascule_archive_table_nom_cle", "table_nom", "cle"),
        {"schema": OFFRE},
    )

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    job_id: Mapped[int] = mapped_column(ForeignKey(f"{OFFRE}.job.id"), nullable=False)
    # The département whose switch archived the row.
    departement: Mapped[str] = mapped_column(ForeignKey(f"{OFFRE}.departement.code"))
    table_nom: Mapped[str] = mapped_column(Text, nullable=False)
    # Its primary key as text: « 12 », or « 12|ECOUTANT » for utilisateur_profil.
    cle: Mapped[str] = mapped_column(Text, nullable=False)
    # Whether the switch removed it from siao (else another département still needed it).
    supprime: Mapped[bool] = mapped_column(Boolean, nullable=False)
    ligne: Mapped[dict[str, Any]] = mapped_column(JSONB, nullable=False)
    archive_le: Mapped[datetime] = _now()


class GroupePlacesArchive(Base):
    __tablename__ = "groupe_places_archive"
    __table_args__ = (
        CheckConstraint("motif IN ('exclu', 'inactif')", name="motif"),
        Index("ix_groupe_places_archive_job_id_departement", "job_id", "departement"),
        {"schema": OFFRE},
    )

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    departement: Mapped[str] = mapped_column(ForeignKey(f"{OFFRE}.departement.code"))
    job_id: Mapped[int] = mapped_column(ForeignKey(f"{OFFRE}.job.id"), nullable=False)
    motif: Mapped[str] = mapped_column(Text, nullable=False)
    libelle: Mapped[str] = mapped_column(Text, nullable=False)
    nb_places: Mapped[int] = mapped_column(Integer, nullable=False)
    places_occupees: Mapped[int] = mapped_column(Integer, nullable=False)
    archive_le: Mapped[datetime] = _now()
