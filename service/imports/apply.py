"""Apply a validated plan: entités in one transaction, then one transaction per département.

Each apply takes the lock, re-checks that the plan is still current, and upserts set-based from
the staged plan rows (``jsonb_populate_record``, no row back into Python; a row whose values are
already the live ones is not rewritten), writes the undo journal (before-images, and the images
of what it inserts) and the audit row, and updates the progress row — all in the caller's
transaction.
"""

from __future__ import annotations

from sqlalchemy import text
from sqlalchemy.orm import Session

from service.imports.columns import DISPOSITIFS, ENTITES
from service.imports.live import departement_digest, entites_digest
from service.imports.staging import planned_sirens
from service.jobs import audit
from service.jobs.locks import lock_entites
from service.jobs.tables import Job, JobDepartement
from service.offre.fields import DISPOSITIF_FIELDS, ENTITE_FIELDS

_WRITES = "p.action IN ('creation', 'modification', 'fermeture')"


def _part(dep: str | None) -> str:
    """The writes of one part of the plan: the entités or one département's dispositifs."""
    where = "p.departement IS NULL" if dep is None else "p.departement = :dep"
    return f"p.job_id = :job AND {where} AND p.feuille = :feuille AND {_WRITES}"


class StalePlan(Exception):
    """The live rows changed since the plan was made (PLAN_PERIME)."""


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


def _journal_planned(session: Session, job_id: int, dep: str | None, table: str, key: str) -> None:
    """Before-images of the rows the plan modifies or closes, read by their plan key."""
    session.execute(
        text(
            "INSERT INTO offre.journal_annulation "
            "(job_id, departement, table_nom, objet_id, operation, avant) "
            f"SELECT :job, :dep, :table, t.id, 'update', to_jsonb(t) FROM offre.{table} t "
            f"WHERE t.{key} IN (SELECT p.cle FROM offre.job_plan p WHERE {_part(dep)} "
            "AND p.action <> 'creation')"
        ),
        {"job": job_id, "dep": dep, "table": table, "feuille": _sheet(table)},
    )


def _sheet(table: str) -> str:
    return ENTITES.name if table == "entite" else DISPOSITIFS.name


def _upsert(session: Session, job_id: int, dep: str | None, table: str, statement: str) -> int:
    """Run ``statement`` (an ``INSERT … RETURNING`` aliased ``t``, reading the plan rows as
    ``p`` and ``r``), journal what it inserted; returns the count of rows inserted."""
    inserted = session.scalar(
        text(
            f"WITH up AS ({statement} RETURNING t.id, (t.xmax = 0) AS inserted, to_jsonb(t) "
            "AS image), journal AS (INSERT INTO offre.journal_annulation "
            "(job_id, departement, table_nom, objet_id, operation, apres) "
            "SELECT :job, :dep, :table, id, 'insert', image FROM up WHERE inserted) "
            "SELECT count(*) FROM up WHERE inserted"
        ),
        {"job": job_id, "dep": dep, "table": table, "feuille": _sheet(table)},
    )
    return int(inserted or 0)


def _assignments(columns: list[str]) -> str:
    """The update of a conflicting row, only where a value differs."""
    return (
        ", ".join(f"{c} = EXCLUDED.{c}" for c in columns)
        + ", modifie_le = now(), modifie_par_job_id = EXCLUDED.modifie_par_job_id "
        + f"WHERE ({', '.join(f't.{c}' for c in columns)}) IS DISTINCT FROM "
        + f"({', '.join(f'EXCLUDED.{c}' for c in columns)})"
    )


def _planned_count(session: Session, job_id: int, dep: str | None, feuille: str) -> dict[str, int]:
    rows = session.execute(
        text(f"SELECT p.action, count(*) FROM offre.job_plan p WHERE {_part(dep)} GROUP BY 1"),
        {"job": job_id, "dep": dep, "feuille": feuille},
    )
    return {action: int(n) for action, n in rows}


def apply_entites(session: Session, job: Job) -> dict[str, int]:
    lock_entites(session)
    if entites_digest(session, planned_sirens(session, job.id)) != job.empreinte:
        raise StalePlan("entites")
    planned = _planned_count(session, job.id, None, ENTITES.name)
    if not planned:
        return {"creations": 0, "modifications": 0}
    _journal_planned(session, job.id, None, "entite", "siren")
    columns = [c for c in ENTITE_FIELDS if c != "siren"]
    inserted = _upsert(
        session,
        job.id,
        None,
        "entite",
        f"INSERT INTO offre.entite AS t ({', '.join(ENTITE_FIELDS)}, modifie_par_job_id) "
        f"SELECT {', '.join(f'r.{c}' for c in ENTITE_FIELDS)}, :job FROM offre.job_plan p "
        "CROSS JOIN LATERAL jsonb_populate_record(NULL::offre.entite, p.apres) r "
        f"WHERE {_part(None)} ORDER BY p.id "
        f"ON CONFLICT (siren) DO UPDATE SET {_assignments(columns)}",
    )
    counts = {"creations": inserted, "modifications": planned.get("modification", 0)}
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


def _name_identifiants(session: Session, job_id: int, departement: str) -> None:
    """The identifiants of the département's creations, in plan order, written into their plan
    rows (the preview of an applied job shows them, the upsert reads them there)."""
    session.execute(
        text(
            "WITH c AS (SELECT p.id, row_number() OVER (ORDER BY p.id) AS n, count(*) OVER () "
            f"AS total FROM offre.job_plan p WHERE {_part(departement)} "
            "AND p.action = 'creation'), "
            "seq AS (UPDATE offre.dispositif_sequence SET dernier = dernier + "
            "(SELECT count(*) FROM c) WHERE departement = :dep AND EXISTS (SELECT 1 FROM c) "
            "RETURNING dernier), "
            "numbered AS (SELECT c.id, (seq.dernier - c.total + c.n)::text AS k FROM c, seq) "
            "UPDATE offre.job_plan p SET apres = jsonb_set(p.apres, '{identifiant}', "
            "to_jsonb('DSP-' || :dep || '-' || lpad(numbered.k, greatest(6, length(numbered.k)), "
            "'0'))) FROM numbered WHERE p.id = numbered.id"
        ),
        {"job": job_id, "dep": departement, "feuille": DISPOSITIFS.name},
    )


def apply_departement(session: Session, job: Job, row: JobDepartement) -> dict[str, int]:
    """Under the département's write lock (taken by the engine for every kind)."""
    departement = row.departement
    if departement_digest(session, departement) != row.empreinte:
        raise StalePlan(departement)
    planned = _planned_count(session, job.id, departement, DISPOSITIFS.name)
    if not planned:
        return {"creations": 0, "modifications": 0, "fermetures": 0}
    params = {"job": job.id, "dep": departement, "feuille": DISPOSITIFS.name}
    orphans = session.scalar(
        text(
            f"SELECT count(*) FROM offre.job_plan p WHERE {_part(departement)} AND NOT EXISTS "
            "(SELECT 1 FROM offre.entite e WHERE e.siren = p.apres->>'siren')"
        ),
        params,
    )
    if orphans:
        # An entité vanished between plan and apply: never half-apply a département.
        raise StalePlan(departement)
    _name_identifiants(session, job.id, departement)
    _journal_planned(session, job.id, departement, "dispositif", "identifiant")
    columns = ["entite_id", "nom_normalise", *_DISPOSITIF_COLUMNS]
    inserted = _upsert(
        session,
        job.id,
        departement,
        "dispositif",
        f"INSERT INTO offre.dispositif AS t (identifiant, {', '.join(columns)}, "
        "modifie_par_job_id) "
        "SELECT r.identifiant, e.id, coalesce(r.nom_normalise, d.nom_normalise), "
        f"{', '.join(f'r.{c}' for c in _DISPOSITIF_COLUMNS)}, :job FROM offre.job_plan p "
        "CROSS JOIN LATERAL jsonb_populate_record(NULL::offre.dispositif, p.apres) r "
        "JOIN offre.entite e ON e.siren = p.apres->>'siren' "
        "LEFT JOIN offre.dispositif d ON d.identifiant = r.identifiant "
        f"WHERE {_part(departement)} ORDER BY p.id "
        f"ON CONFLICT (identifiant) DO UPDATE SET {_assignments(columns)}",
    )
    counts = {
        "creations": inserted,
        "modifications": planned.get("modification", 0),
        "fermetures": planned.get("fermeture", 0),
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
