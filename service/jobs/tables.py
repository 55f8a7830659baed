"""Job state shared by imports (Temps 1), rattachements (Temps 2), bascules (Temps 3) and reverts.

A job is split into units of work, each leased with a fencing token: the job row itself carries
the job-level stages (analysis, entités), one ``job_departement`` row per département carries
that département's apply. Every stage's output is stored here so any worker can resume it.
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
    ForeignKeyConstraint,
    Identity,
    Index,
    Integer,
    LargeBinary,
    Text,
    func,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from service.db.base import OFFRE, Base
from service.jobs.enums import ACTIVE, Etape, Statut

_IN_STATUTS = "statut IN (" + ", ".join(f"'{s}'" for s in Statut) + ")"
_IN_ACTIVE = "statut IN (" + ", ".join(f"'{s}'" for s in sorted(ACTIVE)) + ")"
# Kinds register themselves with the engine (service/jobs/kinds.py): the table only asks for a
# well-formed machine value, so that a new kind needs no migration of the job table.
_MACHINE_VALUE = "^[a-z][a-z_]*$"


def _now_column() -> Mapped[datetime]:
    return mapped_column(DateTime(timezone=True), server_default=func.now(), nullable=False)


class LeaseColumns:
    """A lease with a fencing token: a stale worker's commit is rejected on the token."""

    bail_jeton: Mapped[int] = mapped_column(BigInteger, nullable=False, server_default="0")
    bail_expire: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    tentatives: Mapped[int] = mapped_column(Integer, nullable=False, server_default="0")
    publie_le: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


COUNT_NAMES = (
    "lignes",
    "traitees",
    "erreurs",
    "avertissements",
    "creations",
    "modifications",
    "inchanges",
    "fermetures",
)


class CountColumns:
    lignes: Mapped[int] = mapped_column(Integer, nullable=False, server_default="0")
    traitees: Mapped[int] = mapped_column(Integer, nullable=False, server_default="0")
    erreurs: Mapped[int] = mapped_column(Integer, nullable=False, server_default="0")
    avertissements: Mapped[int] = mapped_column(Integer, nullable=False, server_default="0")
    creations: Mapped[int] = mapped_column(Integer, nullable=False, server_default="0")
    modifications: Mapped[int] = mapped_column(Integer, nullable=False, server_default="0")
    inchanges: Mapped[int] = mapped_column(Integer, nullable=False, server_default="0")
    fermetures: Mapped[int] = mapped_column(Integer, nullable=False, server_default="0")


class Job(LeaseColumns, CountColumns, Base):
    """Counts on the job row are those of the entités and of the file as a whole."""

    __tablename__ = "job"
    __table_args__ = (
        CheckConstraint(f"type ~ '{_MACHINE_VALUE}'", name="type"),
        CheckConstraint(_IN_STATUTS, name="statut"),
        CheckConstraint("parallele IS NULL OR parallele > 0", name="parallele"),
        CheckConstraint("arret_apres_echecs IS NULL OR arret_apres_echecs > 0", name="arret"),
        Index("ix_job_statut_actif", "statut", postgresql_where=_IN_ACTIVE),
        {"schema": OFFRE},
    )

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    type: Mapped[str] = mapped_column(Text, nullable=False)
    statut: Mapped[str] = mapped_column(Text, nullable=False, server_default=Statut.EN_ATTENTE)
    # The stage the job-level unit is at (checkpoint), an Etape.
    etape: Mapped[str] = mapped_column(Text, nullable=False, server_default=Etape.ANALYSE)
    soumis_par: Mapped[int] = mapped_column(ForeignKey(f"{OFFRE}.utilisateur.id"), index=True)
    options: Mapped[dict[str, Any]] = mapped_column(JSONB, nullable=False, server_default="{}")
    message: Mapped[str | None] = mapped_column(Text)
    annulation_demandee: Mapped[bool] = mapped_column(
        Boolean, nullable=False, server_default="false"
    )
    job_source_id: Mapped[int | None] = mapped_column(ForeignKey(f"{OFFRE}.job.id"))
    retour_arriere_job_id: Mapped[int | None] = mapped_column(ForeignKey(f"{OFFRE}.job.id"))
    # Fingerprint of the live entités the plan was made against (stale plan detection).
    empreinte: Mapped[str | None] = mapped_column(Text)
    # Waves: at most ``parallele`` départements in flight, and after ``arret_apres_echecs``
    # failed ones the départements not yet started are not launched.
    parallele: Mapped[int | None] = mapped_column(Integer)
    arret_apres_echecs: Mapped[int | None] = mapped_column(Integer)
    cree_le: Mapped[datetime] = _now_column()
    modifie_le: Mapped[datetime] = _now_column()
    debut: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    fin: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class JobDepartement(LeaseColumns, CountColumns, Base):
    __tablename__ = "job_departement"
    __table_args__ = (CheckConstraint(_IN_STATUTS, name="statut"), {"schema": OFFRE})

    job_id: Mapped[int] = mapped_column(
        ForeignKey(f"{OFFRE}.job.id", ondelete="CASCADE"), primary_key=True
    )
    departement: Mapped[str] = mapped_column(
        ForeignKey(f"{OFFRE}.departement.code"), primary_key=True, index=True
    )
    statut: Mapped[str] = mapped_column(Text, nullable=False, server_default=Statut.EN_ATTENTE)
    # Publication order of the units (waves); départements in code order within one rank.
    ordre: Mapped[int] = mapped_column(Integer, nullable=False, server_default="0")
    message: Mapped[str | None] = mapped_column(Text)
    # Fingerprint of the live dispositifs the plan was made against (stale plan detection).
    empreinte: Mapped[str | None] = mapped_column(Text)
    # The revert of this département's part of the job, when asked for.
    retour_arriere_job_id: Mapped[int | None] = mapped_column(
        ForeignKey(f"{OFFRE}.job.id", ondelete="SET NULL")
    )
    modifie_le: Mapped[datetime] = _now_column()
    debut: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    fin: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class JobPartie(LeaseColumns, Base):
    """A part of a job's analysis that any worker may take (a range of rows, a group of
    départements…): the kind names it, the engine leases and counts it. The job-level unit
    resumes once no part is left « analyse »."""

    __tablename__ = "job_partie"
    __table_args__ = (CheckConstraint(_IN_STATUTS, name="statut"), {"schema": OFFRE})

    job_id: Mapped[int] = mapped_column(
        ForeignKey(f"{OFFRE}.job.id", ondelete="CASCADE"), primary_key=True
    )
    partie: Mapped[str] = mapped_column(Text, primary_key=True)
    statut: Mapped[str] = mapped_column(Text, nullable=False, server_default=Statut.ANALYSE)
    message: Mapped[str | None] = mapped_column(Text)
    debut: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    fin: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class JobFichier(Base):
    """The uploaded file, in Postgres so that workers on any machine can read it."""

    __tablename__ = "job_fichier"
    __table_args__ = {"schema": OFFRE}

    job_id: Mapped[int] = mapped_column(
        ForeignKey(f"{OFFRE}.job.id", ondelete="CASCADE"), primary_key=True
    )
    nom: Mapped[str] = mapped_column(Text, nullable=False)
    taille: Mapped[int] = mapped_column(BigInteger, nullable=False)
    sha256: Mapped[str] = mapped_column(Text, nullable=False)
    contenu: Mapped[bytes] = mapped_column(LargeBinary, nullable=False)
    cree_le: Mapped[datetime] = _now_column()


class JobAnomalie(Base):
    __tablename__ = "job_anomalie"
    __table_args__ = (
        CheckConstraint("severite IN ('erreur', 'avertissement')", name="severite"),
        Index("ix_job_anomalie_job_id_feuille_ligne", "job_id", "feuille", "ligne"),
        {"schema": OFFRE},
    )

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    job_id: Mapped[int] = mapped_column(ForeignKey(f"{OFFRE}.job.id", ondelete="CASCADE"))
    departement: Mapped[str | None] = mapped_column(Text)
    feuille: Mapped[str] = mapped_column(Text, nullable=False)
    ligne: Mapped[int] = mapped_column(Integer, nullable=False)
    colonne: Mapped[str] = mapped_column(Text, nullable=False)
    valeur: Mapped[str] = mapped_column(Text, nullable=False)
    code: Mapped[str] = mapped_column(Text, nullable=False)
    severite: Mapped[str] = mapped_column(Text, nullable=False)
    message: Mapped[str] = mapped_column(Text, nullable=False)


class JobLigne(Base):
    """A staged, normalised row of the file (the validate stage's output)."""

    __tablename__ = "job_ligne"
    __table_args__ = {"schema": OFFRE}

    job_id: Mapped[int] = mapped_column(
        ForeignKey(f"{OFFRE}.job.id", ondelete="CASCADE"), primary_key=True
    )
    feuille: Mapped[str] = mapped_column(Text, primary_key=True)
    ligne: Mapped[int] = mapped_column(Integer, primary_key=True)
    departement: Mapped[str | None] = mapped_column(Text)
    cle: Mapped[str] = mapped_column(Text, nullable=False)
    donnees: Mapped[dict[str, Any]] = mapped_column(JSONB, nullable=False)
    erreur: Mapped[bool] = mapped_column(Boolean, nullable=False, server_default="false")
    # A dispositif's name key (the natural key's last part), computed once when staged: the
    # cross-row rules and the plans read it back instead of normalising the name again.
    nom_normalise: Mapped[str | None] = mapped_column(Text)


class JobPlan(Base):
    """One planned change (the plan stage's output); each kind owns its actions' vocabulary
    (import: creation, modification, inchange, fermeture)."""

    __tablename__ = "job_plan"
    __table_args__ = (
        CheckConstraint(f"action ~ '{_MACHINE_VALUE}'", name="action"),
        Index("ix_job_plan_job_id_departement", "job_id", "departement"),
        {"schema": OFFRE},
    )

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    job_id: Mapped[int] = mapped_column(ForeignKey(f"{OFFRE}.job.id", ondelete="CASCADE"))
    feuille: Mapped[str] = mapped_column(Text, nullable=False)
    ligne: Mapped[int | None] = mapped_column(Integer)
    departement: Mapped[str | None] = mapped_column(Text)
    action: Mapped[str] = mapped_column(Text, nullable=False)
    cle: Mapped[str] = mapped_column(Text, nullable=False)
    cible_id: Mapped[int | None] = mapped_column(BigInteger)
    avant: Mapped[dict[str, Any] | None] = mapped_column(JSONB)
    apres: Mapped[dict[str, Any] | None] = mapped_column(JSONB)


class JournalAnnulation(Base):
    """Before-images written in each apply transaction, replayed by a revert."""

    __tablename__ = "journal_annulation"
    __table_args__ = (
        Index("ix_journal_annulation_objet", "table_nom", "objet_id"),
        {"schema": OFFRE},
    )

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    job_id: Mapped[int] = mapped_column(ForeignKey(f"{OFFRE}.job.id", ondelete="CASCADE"))
    departement: Mapped[str | None] = mapped_column(Text)
    table_nom: Mapped[str] = mapped_column(Text, nullable=False)
    objet_id: Mapped[int] = mapped_column(BigInteger, nullable=False)
    operation: Mapped[str] = mapped_column(Text, nullable=False)
    avant: Mapped[dict[str, Any] | None] = mapped_column(JSONB)
    apres: Mapped[dict[str, Any] | None] = mapped_column(JSONB)
    cree_le: Mapped[datetime] = _now_column()


class Audit(Base):
    """Who did what, when, in which job: written in the same transaction as the change."""

    __tablename__ = "audit"
    __table_args__ = (Index("ix_audit_job_id", "job_id"), {"schema": OFFRE})

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    cree_le: Mapped[datetime] = _now_column()
    utilisateur_id: Mapped[int | None] = mapped_column(ForeignKey(f"{OFFRE}.utilisateur.id"))
    job_id: Mapped[int | None] = mapped_column(BigInteger)
    action: Mapped[str] = mapped_column(Text, nullable=False)
    objet: Mapped[str] = mapped_column(Text, nullable=False)
    objet_id: Mapped[str | None] = mapped_column(Text)
    departement: Mapped[str | None] = mapped_column(Text)
    details: Mapped[dict[str, Any]] = mapped_column(JSONB, nullable=False, server_default="{}")


class JobExport(Base):
    """A download of a job (report, CSV) for one perimeter of readers, built by a worker on
    first request and stored in chunks (``job_export_morceau``), so that the API streams it
    without building or holding it: a second download costs nothing."""

    __tablename__ = "job_export"
    __table_args__ = (
        CheckConstraint("statut IN ('en_attente', 'pret', 'echec')", name="statut"),
        {"schema": OFFRE},
    )

    job_id: Mapped[int] = mapped_column(
        ForeignKey(f"{OFFRE}.job.id", ondelete="CASCADE"), primary_key=True
    )
    nom: Mapped[str] = mapped_column(Text, primary_key=True)  # rapport.xlsx, anomalies.csv
    # « national » (every row) or the départements the readers see, comma-separated.
    perimetre: Mapped[str] = mapped_column(Text, primary_key=True)
    statut: Mapped[str] = mapped_column(Text, nullable=False, server_default="en_attente")
    taille: Mapped[int | None] = mapped_column(BigInteger)
    message: Mapped[str | None] = mapped_column(Text)
    demande_le: Mapped[datetime] = _now_column()
    publie_le: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    pret_le: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class JobExportMorceau(Base):
    __tablename__ = "job_export_morceau"
    __table_args__ = (
        ForeignKeyConstraint(
            ["job_id", "nom", "perimetre"],
            [
                f"{OFFRE}.job_export.job_id",
                f"{OFFRE}.job_export.nom",
                f"{OFFRE}.job_export.perimetre",
            ],
            ondelete="CASCADE",
        ),
        {"schema": OFFRE},
    )

    job_id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    nom: Mapped[str] = mapped_column(Text, primary_key=True)
    perimetre: Mapped[str] = mapped_column(Text, primary_key=True)
    numero: Mapped[int] = mapped_column(Integer, primary_key=True)
    contenu: Mapped[bytes] = mapped_column(LargeBinary, nullable=False)
