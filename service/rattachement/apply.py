"""Apply a rattachement's plan for its département, in the caller's transaction (the engine
holds the département's write lock): re-check that the plan is current, write the before-images
(undo journal), write the decisions straight from the plan rows, record the after-images (a
revert tells later changes by them) and the audit row. Only schema ``offre`` is written."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import text
from sqlalchemy.orm import Session

from service.jobs import audit
from service.jobs.tables import Job, JobDepartement
from service.rattachement.columns import GROUPES, UTILISATEURS
from service.rattachement.plan import A_DECIDER
from service.rattachement.queries import fingerprint


class StalePlan(Exception):
    """The département's decisions or dispositifs changed since the analysis (PLAN_PERIME)."""


@dataclass(frozen=True, slots=True)
class Target:
    table: str
    key: str
    feuille: str
    columns: str  # the decision's own columns, in the order of ``values``
    values: str  # read from the plan row ``p``


TARGETS = (
    Target(
        "rattachement_groupe",
        "groupe_places_id",
        GROUPES.name,
        "decision, dispositif_identifiant, commentaire",
        "p.apres->>'decision', p.apres->>'dispositif', p.apres->>'commentaire'",
    ),
    Target(
        "migration_utilisateur",
        "utilisateur_historique_id",
        UTILISATEURS.name,
        "decision, profil_code, departements, siren, dispositifs, courriel",
        "p.apres->>'decision', p.apres->>'profil', "
        "ARRAY(SELECT jsonb_array_elements_text(p.apres->'departements')), p.apres->>'siren', "
        "ARRAY(SELECT jsonb_array_elements_text(p.apres->'dispositifs')), p.apres->>'courriel'",
    ),
)
_PLAN = "p.job_id = :job AND p.departement = :dep AND p.feuille = :feuille"


def _write(session: Session, target: Target, params: dict[str, object]) -> dict[str, int]:
    t, key = target.table, target.key
    session.execute(
        text(
            "INSERT INTO offre.journal_annulation "
            "(job_id, departement, table_nom, objet_id, operation, avant) "
            f"SELECT :job, :dep, :table, p.cible_id, "
            f"CASE WHEN t.{key} IS NULL THEN 'insert' ELSE 'update' END, to_jsonb(t) "
            f"FROM offre.job_plan p LEFT JOIN offre.{t} t ON t.{key} = p.cible_id WHERE {_PLAN}"
        ),
        {**params, "table": t},
    )
    removed = session.execute(
        text(
            f"DELETE FROM offre.{t} t USING offre.job_plan p "
            f"WHERE {_PLAN} AND p.action = '{A_DECIDER}' AND t.{key} = p.cible_id"
        ),
        params,
    ).rowcount  # type: ignore[attr-defined]
    columns = target.columns.split(", ")
    written = session.execute(
        text(
            f"INSERT INTO offre.{t} ({key}, departement, {target.columns}, proposition, "
            "decide_par, decide_le, job_id) "
            f"SELECT p.cible_id, :dep, {target.values}, coalesce(p.apres->'proposition', '{{}}'), "
            f":par, now(), :job FROM offre.job_plan p WHERE {_PLAN} AND p.action <> '{A_DECIDER}' "
            f"ON CONFLICT ({key}) DO UPDATE SET "
            + ", ".join(f"{c} = EXCLUDED.{c}" for c in ("departement", *columns, "proposition"))
            + ", decide_par = EXCLUDED.decide_par, decide_le = EXCLUDED.decide_le, "
            "job_id = EXCLUDED.job_id"
        ),
        params,
    ).rowcount  # type: ignore[attr-defined]
    session.execute(
        text(
            f"UPDATE offre.journal_annulation j SET apres = to_jsonb(t) FROM offre.{t} t "
            f"WHERE j.job_id = :job AND j.table_nom = :table AND t.{key} = j.objet_id"
        ),
        {**params, "table": t},
    )
    return {"ecrites": int(written), "retirees": int(removed)}


def apply_departement(session: Session, job: Job, row: JobDepartement) -> dict[str, int]:
    """Under the département's write lock (taken by the engine for every kind)."""
    if fingerprint(session, row.departement) != row.empreinte:
        raise StalePlan(row.departement)
    counts: dict[str, int] = {}
    for target in TARGETS:
        params = {
            "job": job.id,
            "dep": row.departement,
            "feuille": target.feuille,
            "par": job.soumis_par,
        }
        for name, value in _write(session, target, params).items():
            counts[f"{target.table}.{name}"] = value
    audit.record(
        session,
        job.soumis_par,
        job.id,
        "rattachement.departement.applique",
        "rattachement",
        departement=row.departement,
        details=counts,
    )
    session.flush()
    return counts
