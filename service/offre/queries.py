"""Entités and dispositifs as the API, the console and the exports show them (French field
names), and the read side of the offre: listings, a dispositif's history, Temps 1 figures."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any

from sqlalchemy import func, or_, select
from sqlalchemy.dialects.postgresql import distinct_on
from sqlalchemy.orm import Session

from service.auth.tables import Utilisateur
from service.jobs import kinds
from service.jobs.tables import Job, JobDepartement, JobPlan, JournalAnnulation
from service.offre.fields import DISPOSITIF_FIELDS, ENTITE_FIELDS
from service.offre.reference_tables import Departement
from service.offre.schemas import DispositifOut, EntiteOut
from service.offre.tables import Dispositif, Entite, GroupePlaces


def _plain(value: Any) -> Any:
    return value.isoformat() if hasattr(value, "isoformat") else value


def entite_dict(entite: Entite) -> dict[str, Any]:
    return {f: _plain(getattr(entite, f)) for f in ENTITE_FIELDS} | {
        "modifie_le": _plain(entite.modifie_le)
    }


def dispositif_dict(dispositif: Dispositif, siren: str) -> dict[str, Any]:
    values = {f: _plain(getattr(dispositif, f)) for f in DISPOSITIF_FIELDS if f != "siren"}
    return {"identifiant": dispositif.identifiant, "siren": siren, **values} | {
        "modifie_le": _plain(dispositif.modifie_le)
    }


def entite_out(entite: Entite) -> EntiteOut:
    return EntiteOut.model_validate(entite_dict(entite))


def dispositif_out(dispositif: Dispositif, siren: str) -> DispositifOut:
    return DispositifOut.model_validate(dispositif_dict(dispositif, siren))


def entite_by_siren(session: Session, siren: str) -> Entite | None:
    return session.scalar(select(Entite).where(Entite.siren == siren))


def entite_dispositifs(session: Session, entite: Entite) -> Sequence[Dispositif]:
    return session.scalars(
        select(Dispositif).where(Dispositif.entite_id == entite.id).order_by(Dispositif.identifiant)
    ).all()


def departement_dispositifs(
    session: Session, departement: str, offset: int, limit: int
) -> tuple[list[dict[str, Any]], int]:
    """A page of the département's dispositifs, by identifiant, and their total."""
    where = Dispositif.departement == departement
    total = session.scalar(select(func.count()).select_from(Dispositif).where(where)) or 0
    rows = session.execute(
        select(Dispositif, Entite.siren)
        .join(Entite, Entite.id == Dispositif.entite_id)
        .where(where)
        .order_by(Dispositif.identifiant)
        .offset(offset)
        .limit(limit)
    )
    return [dispositif_dict(d, siren) for d, siren in rows], total


_GROUPE_COLUMNS = (
    GroupePlaces.id,
    Dispositif.identifiant.label("dispositif"),
    GroupePlaces.libelle,
    GroupePlaces.nb_places,
    GroupePlaces.places_occupees,
    GroupePlaces.type_place,
    GroupePlaces.publics,
    GroupePlaces.equipements,
    GroupePlaces.configuration,
    GroupePlaces.adresse,
    GroupePlaces.code_postal,
    GroupePlaces.commune,
    GroupePlaces.actif,
)


def departement_groupes(
    session: Session, departement: str, offset: int, limit: int
) -> tuple[list[dict[str, Any]], int]:
    """A page of the groupes de places under the département's dispositifs, by id."""
    where = Dispositif.departement == departement
    joined = select(*_GROUPE_COLUMNS).join(Dispositif, Dispositif.id == GroupePlaces.dispositif_id)
    total = session.scalar(
        select(func.count())
        .select_from(GroupePlaces)
        .join(Dispositif, Dispositif.id == GroupePlaces.dispositif_id)
        .where(where)
    )
    rows = session.execute(
        joined.where(where).order_by(GroupePlaces.id).offset(offset).limit(limit)
    )
    return [dict(r) for r in rows.mappings()], int(total or 0)


def dispositif_groupes(session: Session, dispositif_id: int) -> list[dict[str, Any]]:
    rows = session.execute(
        select(*_GROUPE_COLUMNS)
        .join(Dispositif, Dispositif.id == GroupePlaces.dispositif_id)
        .where(GroupePlaces.dispositif_id == dispositif_id)
        .order_by(GroupePlaces.id)
    )
    return [dict(r) for r in rows.mappings()]


def find_entite(session: Session, siren: str) -> dict[str, Any] | None:
    found = session.scalar(select(Entite).where(Entite.siren == siren.replace(" ", "")))
    return entite_dict(found) if found else None


def find_dispositif(session: Session, identifiant: str) -> tuple[int, dict[str, Any]] | None:
    """(id, the dispositif as the API shows it), whatever the caller's scope (checked after)."""
    row = session.execute(
        select(Dispositif, Entite.siren)
        .join(Entite, Entite.id == Dispositif.entite_id)
        .where(Dispositif.identifiant == identifiant.strip().upper())
    ).first()
    return (row[0].id, dispositif_dict(row[0], row[1])) if row else None


def dispositif_history(session: Session, dispositif_id: int, identifiant: str) -> list[dict]:
    """Every job that wrote the dispositif (imports, screen entries), oldest first, with what
    it changed (its plan row) and the revert that undid it, if any."""
    journal = (
        select(JournalAnnulation.job_id, func.min(JournalAnnulation.cree_le).label("date"))
        .where(
            JournalAnnulation.table_nom == "dispositif",
            JournalAnnulation.objet_id == dispositif_id,
        )
        .group_by(JournalAnnulation.job_id)
        .subquery()
    )
    rows = session.execute(
        select(journal.c.date, Job, Utilisateur.courriel)
        .join(Job, Job.id == journal.c.job_id)
        .outerjoin(Utilisateur, Utilisateur.id == Job.soumis_par)
        .order_by(journal.c.date, Job.id)
    ).all()
    plans = {
        p.job_id: p
        for p in session.scalars(
            select(JobPlan).where(
                JobPlan.job_id.in_([job.id for _, job, _ in rows]),
                JobPlan.feuille == "Dispositifs",
                (JobPlan.cible_id == dispositif_id)
                | (JobPlan.apres["identifiant"].astext == identifiant),
            )
        )
    }
    history = []
    for when, job, courriel in rows:
        plan = plans.get(job.id)
        kind = kinds.of(job)
        history.append(
            {
                "date": when,
                "job_id": job.id,
                "type": job.type,
                "libelle_type": kind.label,
                "action": plan.action if plan else "modification",
                "par": courriel,
                "changements": kind.plan_item(plan).changements if plan else {},
                "annule_par": _reverted_by(session, job, identifiant),
            }
        )
    return history


def _reverted_by(session: Session, job: Job, identifiant: str) -> int | None:
    if job.retour_arriere_job_id:
        return job.retour_arriere_job_id
    return session.scalar(
        select(JobDepartement.retour_arriere_job_id).where(
            JobDepartement.job_id == job.id,
            JobDepartement.departement == identifiant.split("-")[1],
        )
    )


def temps1_figures(session: Session, codes: Sequence[str] | None = None) -> list[dict[str, Any]]:
    """Per département (all 101 when ``codes`` is None): dispositifs (open ones), entités
    running them, capacité financée of the open ones, and the last applied import."""
    today = date.today()
    is_open = or_(Dispositif.date_fermeture.is_(None), Dispositif.date_fermeture > today)
    names = select(Departement.code, Departement.nom).order_by(Departement.code)
    if codes is not None:
        names = names.where(Departement.code.in_(list(codes)))
    figures: dict[str, dict[str, Any]] = {
        code: {
            "departement": code,
            "nom": nom,
            "dispositifs": 0,
            "ouverts": 0,
            "entites": 0,
            "capacite": 0,
            "dernier_import": None,
            "dernier_import_job": None,
        }
        for code, nom in session.execute(names)
    }
    counts = session.execute(
        select(
            Dispositif.departement,
            func.count(),
            func.count().filter(is_open),
            func.count(func.distinct(Dispositif.entite_id)),
            func.coalesce(func.sum(Dispositif.capacite_financee).filter(is_open), 0),
        )
        .where(Dispositif.departement.in_(list(figures)))
        .group_by(Dispositif.departement)
    )
    for dep, total, ouverts, entites, capacite in counts:
        figures[dep].update(
            dispositifs=total, ouverts=ouverts, entites=entites, capacite=int(capacite or 0)
        )
    last = session.execute(
        select(JobDepartement.departement, JobDepartement.fin, JobDepartement.job_id)
        .join(Job, Job.id == JobDepartement.job_id)
        .where(
            Job.type == "import_offre",
            JobDepartement.statut == "termine",
            JobDepartement.departement.in_(list(figures)),
        )
        .order_by(JobDepartement.departement, JobDepartement.fin.desc())
        .ext(distinct_on(JobDepartement.departement))
    )
    for dep, fin, job_id in last:
        figures[dep].update(dernier_import=fin, dernier_import_job=job_id)
    return list(figures.values())
