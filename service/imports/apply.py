"""Apply a validated plan: entités in one transaction, then one transaction per département.

Each apply takes the lock, re-checks that the plan is still current, upserts with COPY into a
temporary table + ``INSERT … ON CONFLICT``, writes the undo journal (before-images) and the
audit row, and updates the progress row — all in the caller's transaction.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import select, text
from sqlalchemy.orm import Session

from service.db.copy import copy_upsert
from service.imports.columns import DISPOSITIFS, ENTITES
from service.imports.live import departement_digest, entites_digest
from service.jobs import audit
from service.jobs.locks import lock_entites
from service.jobs.tables import Job, JobDepartement, JobPlan
from service.offre.fields import DISPOSITIF_FIELDS, ENTITE_FIELDS
from service.referentiels.text import normalise_name

_WRITES = ("creation", "modification", "fermeture")


class StalePlan(Exception):
    """The live rows changed since the plan was made (PLAN_PERIME)."""


@dataclass(slots=True)
class Planned:
    id: int
    action: str
    cle: str
    apres: dict[str, Any]


def _planned(session: Session, job_id: int, feuille: str, departement: str | None) -> list[Planned]:
    """The writes of the plan, as plain rows (no ORM objects to track and flush back)."""
    query = select(JobPlan.id, JobPlan.action, JobPlan.cle, JobPlan.apres).where(
        JobPlan.job_id == job_id, JobPlan.feuille == feuille, JobPlan.action.in_(_WRITES)
    )
    if departement is not None:
        query = query.where(JobPlan.departement == departement)
    return [Planned(*row) for row in session.execute(query.order_by(JobPlan.id))]


def journal_before(
    session: Session, job_id: int, dep: str | None, table: str, key: str, values: list[str]
) -> None:
    session.execute(
        text(
            "INSERT INTO offre.journal_annulation "
            "(job_id, departement, table_nom, objet_id, operation, avant) "
            f"SELECT :job, :dep, :table, t.id, 'update', to_jsonb(t) FROM offre.{table} t "
            f"WHERE t.{key} = ANY(:values)"
        ),
        {"job": job_id, "dep": dep, "table": table, "values": values},
    )


def journal_inserted(
    session: Session, job_id: int, dep: str | None, table: str, ids: list[int]
) -> None:
    session.execute(
        text(
            "INSERT INTO offre.journal_annulation "
            "(job_id, departement, table_nom, objet_id, operation, apres) "
            f"SELECT :job, :dep, :table, t.id, 'insert', to_jsonb(t) FROM offre.{table} t "
            "WHERE t.id = ANY(:ids)"
        ),
        {"job": job_id, "dep": dep, "table": table, "ids": ids},
    )


def apply_entites(session: Session, job: Job) -> dict[str, int]:
    lock_entites(session)
    planned = _planned(session, job.id, ENTITES.name, None)
    all_sirens = list(
        session.scalars(
            select(JobPlan.cle).where(JobPlan.job_id == job.id, JobPlan.feuille == ENTITES.name)
        )
    )
    if entites_digest(session, all_sirens) != job.empreinte:
        raise StalePlan("entites")
    counts = {"creations": 0, "modifications": 0}
    if planned:
        updated = [p.cle for p in planned if p.action == "modification"]
        journal_before(session, job.id, None, "entite", "siren", updated)
        columns = list(ENTITE_FIELDS)
        assignments = ", ".join(f"{c} = EXCLUDED.{c}" for c in columns if c != "siren")
        rows = copy_upsert(
            session,
            "tmp_entite",
            f"SELECT {', '.join(columns)} FROM offre.entite",
            columns,
            ([p.apres[c] for c in columns] for p in planned if p.apres),
            f"INSERT INTO offre.entite ({', '.join(columns)}, modifie_par_job_id) "
            f"SELECT {', '.join(columns)}, :job FROM tmp_entite "
            f"ON CONFLICT (siren) DO UPDATE SET {assignments}, modifie_le = now(), "
            "modifie_par_job_id = EXCLUDED.modifie_par_job_id "
            "RETURNING id, (xmax = 0) AS inserted",
            {"job": job.id},
        )
        inserted = [r.id for r in rows if r.inserted]
        journal_inserted(session, job.id, None, "entite", inserted)
        counts = {"creations": len(inserted), "modifications": len(rows) - len(inserted)}
        audit.record(
            session, job.soumis_par, job.id, "import.entites.applique", "entite", details=counts
        )
    return counts


def allocate_identifiants(session: Session, departement: str, count: int) -> list[str]:
    """Sequential per département, never reused (the counter only grows)."""
    if count == 0:
        return []
    last = session.scalar(
        text(
            "UPDATE offre.dispositif_sequence SET dernier = dernier + :n "
            "WHERE departement = :dep RETURNING dernier"
        ),
        {"n": count, "dep": departement},
    )
    first = int(last) - count + 1
    return [f"DSP-{departement}-{n:06d}" for n in range(first, first + count)]


_DISPOSITIF_COLUMNS = [f for f in DISPOSITIF_FIELDS if f != "siren"]


def apply_departement(session: Session, job: Job, row: JobDepartement) -> dict[str, int]:
    """Under the département's write lock (taken by the engine for every kind)."""
    departement = row.departement
    if departement_digest(session, departement) != row.empreinte:
        raise StalePlan(departement)
    planned = _planned(session, job.id, DISPOSITIFS.name, departement)
    if not planned:
        return {"creations": 0, "modifications": 0, "fermetures": 0}
    creations = [p for p in planned if p.action == "creation"]
    identifiants = allocate_identifiants(session, departement, len(creations))
    for plan_row, identifiant in zip(creations, identifiants, strict=True):
        plan_row.apres["identifiant"] = identifiant
    # The preview of an applied job shows the identifiers given: one set-based update.
    session.execute(
        text(
            "UPDATE offre.job_plan p SET apres = jsonb_set(p.apres, '{identifiant}', "
            "to_jsonb(n.identifiant)) FROM unnest(CAST(:ids AS bigint[]), "
            "CAST(:identifiants AS text[])) AS n(id, identifiant) WHERE p.id = n.id"
        ),
        {"ids": [p.id for p in creations], "identifiants": identifiants},
    )
    updated = [p.cle for p in planned if p.action != "creation"]
    journal_before(session, job.id, departement, "dispositif", "identifiant", updated)
    columns = ["identifiant", "siren", "nom_normalise", *_DISPOSITIF_COLUMNS]

    def values(after: dict[str, Any]) -> list[Any]:
        return [
            after["identifiant"],
            after["siren"],
            normalise_name(after["nom"]),
            *(after.get(c) for c in _DISPOSITIF_COLUMNS),
        ]

    target = ["identifiant", "entite_id", "nom_normalise", *_DISPOSITIF_COLUMNS]
    source = ["t.identifiant", "e.id", "t.nom_normalise", *(f"t.{c}" for c in _DISPOSITIF_COLUMNS)]
    assignments = ", ".join(f"{c} = EXCLUDED.{c}" for c in target if c != "identifiant")
    rows = copy_upsert(
        session,
        "tmp_dispositif",
        "SELECT d.identifiant, e.siren, d.nom_normalise, "
        + ", ".join(f"d.{c}" for c in _DISPOSITIF_COLUMNS)
        + " FROM offre.dispositif d JOIN offre.entite e ON e.id = d.entite_id",
        columns,
        (values(p.apres) for p in planned if p.apres),
        f"INSERT INTO offre.dispositif ({', '.join(target)}, modifie_par_job_id) "
        f"SELECT {', '.join(source)}, :job FROM tmp_dispositif t "
        "JOIN offre.entite e ON e.siren = t.siren "
        f"ON CONFLICT (identifiant) DO UPDATE SET {assignments}, modifie_le = now(), "
        "modifie_par_job_id = EXCLUDED.modifie_par_job_id "
        "RETURNING id, (xmax = 0) AS inserted",
        {"job": job.id},
    )
    if len(rows) != len(planned):
        # An entité vanished between plan and apply: never half-apply a département.
        raise StalePlan(departement)
    inserted = [r.id for r in rows if r.inserted]
    journal_inserted(session, job.id, departement, "dispositif", inserted)
    counts = {
        "creations": len(inserted),
        "modifications": sum(1 for p in planned if p.action == "modification"),
        "fermetures": sum(1 for p in planned if p.action == "fermeture"),
    }
    audit.record(
        session,
        job.soumis_par,
        job.id,
        "import.departement.applique",
        "dispositif",
        departement=departement,
        details=counts,
    )
    return counts
