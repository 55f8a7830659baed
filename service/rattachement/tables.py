"""The Temps 2 decisions, in schema ``offre`` (never in ``siao``, which Temps 2 never changes).

Legacy rows are referenced by their ids without foreign key: they belong to SI SIAO, which
archives and removes them in Temps 3. A target dispositif is referenced by its identifiant,
never reused, without foreign key either: a Temps 1 revert may remove a dispositif, and the
decision then shows up as a blocker of the département's figures instead of blocking the revert.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ARRAY, BigInteger, CheckConstraint, DateTime, ForeignKey, Index, Text, func
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from service.db.base import OFFRE, Base


def _now() -> Mapped[datetime]:
    return mapped_column(DateTime(timezone=True), server_default=func.now(), nullable=False)


class DecisionColumns:
    """Who decided, when, in which job (None: screen entry), and what was proposed then."""

    # Indexed: deleting an account (a reverted switch) checks these references.
    decide_par: Mapped[int] = mapped_column(ForeignKey(f"{OFFRE}.utilisateur.id"), index=True)
    decide_le: Mapped[datetime] = _now()
    job_id: Mapped[int | None] = mapped_column(ForeignKey(f"{OFFRE}.job.id"))
    proposition: Mapped[dict[str, Any]] = mapped_column(JSONB, nullable=False, server_default="{}")


class RattachementGroupe(DecisionColumns, Base):
    """The decision for one legacy groupe de places: attach it to a dispositif, or exclude it.
    No row: « à décider »."""

    __tablename__ = "rattachement_groupe"
    __table_args__ = (
        CheckConstraint("decision IN ('rattacher', 'exclure')", name="decision"),
        CheckConstraint(
            "(decision = 'rattacher') = (dispositif_identifiant IS NOT NULL)", name="cible"
        ),
        Index("ix_rattachement_groupe_departement", "departement"),
        Index("ix_rattachement_groupe_dispositif_identifiant", "dispositif_identifiant"),
        {"schema": OFFRE},
    )

    groupe_places_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    departement: Mapped[str] = mapped_column(ForeignKey(f"{OFFRE}.departement.code"))
    decision: Mapped[str] = mapped_column(Text, nullable=False)
    dispositif_identifiant: Mapped[str | None] = mapped_column(Text)
    commentaire: Mapped[str | None] = mapped_column(Text)


class MigrationUtilisateur(DecisionColumns, Base):
    """The decision for one legacy account: its one new profile and scope (``migrer``), a link
    to an existing account (``lier``), or ``desactiver``. No row: « à décider »."""

    __tablename__ = "migration_utilisateur"
    __table_args__ = (
        CheckConstraint("decision IN ('migrer', 'lier', 'desactiver')", name="decision"),
        CheckConstraint("decision <> 'migrer' OR profil_code IS NOT NULL", name="profil"),
        Index("ix_migration_utilisateur_departement", "departement"),
        {"schema": OFFRE},
    )

    utilisateur_historique_id: Mapped[int] = mapped_column(
        BigInteger, primary_key=True, autoincrement=False
    )
    departement: Mapped[str] = mapped_column(ForeignKey(f"{OFFRE}.departement.code"))
    decision: Mapped[str] = mapped_column(Text, nullable=False)
    profil_code: Mapped[str | None] = mapped_column(ForeignKey(f"{OFFRE}.profil.code"))
    departements: Mapped[list[str]] = mapped_column(
        ARRAY(Text), nullable=False, server_default="{}"
    )
    siren: Mapped[str | None] = mapped_column(Text)
    dispositifs: Mapped[list[str]] = mapped_column(ARRAY(Text), nullable=False, server_default="{}")
    # The account's e-mail once migrated, when it is not the legacy one (shared, generic…).
    courriel: Mapped[str | None] = mapped_column(Text)


class AlerteAcquittee(Base):
    """An alert of a legacy account acknowledged by the national team (it then no longer blocks
    Temps 3)."""

    __tablename__ = "alerte_acquittee"
    __table_args__ = (
        Index("ix_alerte_acquittee_departement", "departement"),
        {"schema": OFFRE},
    )

    utilisateur_historique_id: Mapped[int] = mapped_column(
        BigInteger, primary_key=True, autoincrement=False
    )
    code: Mapped[str] = mapped_column(Text, primary_key=True)
    departement: Mapped[str] = mapped_column(ForeignKey(f"{OFFRE}.departement.code"))
    acquittee_par: Mapped[int] = mapped_column(ForeignKey(f"{OFFRE}.utilisateur.id"), index=True)
    acquittee_le: Mapped[datetime] = _now()
