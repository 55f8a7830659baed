"""Stage outputs in Postgres with COPY: staged rows, anomalies, plan rows."""

from __future__ import annotations

from collections.abc import Collection, Sequence

from sqlalchemy import delete, func, select, text, update
from sqlalchemy.orm import Session

from service.db.copy import copy_rows
from service.imports.anomalies import Anomalie
from service.imports.columns import DISPOSITIFS, ENTITES
from service.imports.cross_rules import DispositifKey, EntiteKey
from service.imports.normalise import NormalisedRow
from service.imports.plan import INCHANGE, Change, StagedRow
from service.imports.validated import ValidatedRows
from service.jobs.tables import Job, JobAnomalie, JobLigne, JobPlan


def _key(row: NormalisedRow) -> str:
    v = row.values
    if row.feuille == "Entités":
        return str(v.get("siren") or "")
    return str(v.get("identifiant") or "|".join(str(v.get(f) or "") for f in ("siren", "nom")))


def stage_rows(
    session: Session, job_id: int, rows: Sequence[NormalisedRow], keys: Sequence[str | None]
) -> None:
    """``keys``: each row's name key (validated.name_key)."""
    copy_rows(
        session,
        "offre.job_ligne",
        ("job_id", "feuille", "ligne", "departement", "cle", "donnees", "erreur", "nom_normalise"),
        (
            (job_id, r.feuille, r.ligne, r.departement(), _key(r), r.values, r.has_error, k)
            for r, k in zip(rows, keys, strict=True)
        ),
    )


def _storable(text: str) -> str:
    """PostgreSQL text cannot hold NUL: the user's value keeps it visible as an escape."""
    return text.replace("\x00", "\\x00")


def stage_anomalies(session: Session, job_id: int, anomalies: Sequence[Anomalie]) -> None:
    if not anomalies:  # most départements of a clean file: no round trip
        return
    copy_rows(
        session,
        "offre.job_anomalie",
        (
            "job_id",
            "departement",
            "feuille",
            "ligne",
            "colonne",
            "valeur",
            "code",
            "severite",
            "message",
        ),
        (
            (
                job_id,
                a.departement,
                a.feuille,
                a.ligne,
                _storable(a.colonne),
                _storable(a.valeur),
                a.code,
                a.severite.value,
                _storable(a.message),
            )
            for a in anomalies
        ),
    )


def mark_errors(session: Session, job_id: int, rows: Sequence[tuple[str, int]]) -> None:
    if not rows:
        return
    session.execute(
        text(
            "UPDATE offre.job_ligne l SET erreur = true "
            "FROM unnest(CAST(:feuilles AS text[]), CAST(:lignes AS int[])) AS e(feuille, ligne) "
            "WHERE l.job_id = :job AND l.feuille = e.feuille AND l.ligne = e.ligne"
        ),
        {"job": job_id, "feuilles": [r[0] for r in rows], "lignes": [r[1] for r in rows]},
    )


def validated_rows(session: Session, job_id: int, *, dispositifs: bool = True) -> ValidatedRows:
    """What a recovered analysis did not keep in memory, read back once: the keys of every
    row, the rows without error in file order (the entités' only, without ``dispositifs``: a
    split analysis plans them in its parts)."""
    entite_keys, dispositif_keys = staged_keys(session, job_id)
    held = ValidatedRows(entite_keys, dispositif_keys)
    query = (
        select(
            JobLigne.feuille,
            JobLigne.departement,
            JobLigne.ligne,
            JobLigne.donnees,
            JobLigne.nom_normalise,
        )
        .where(JobLigne.job_id == job_id, JobLigne.erreur.is_(False))
        .order_by(JobLigne.feuille, JobLigne.ligne)
    )
    if not dispositifs:
        query = query.where(JobLigne.feuille == ENTITES.name)
    rows = session.execute(query)
    for feuille, departement, ligne, donnees, nom_normalise in rows:
        if feuille == ENTITES.name:
            held.entites.append(StagedRow(ligne, donnees))
        elif departement is not None:
            held.dispositifs.setdefault(departement, []).append(
                StagedRow(ligne, donnees, nom_normalise)
            )
    return held


def planned_sirens(session: Session, job_id: int) -> list[str]:
    """The SIRENs the entités' plan was made on (the scope of its digest): the rows of the
    sheet without error, unchanged ones included though they have no plan row."""
    return list(
        session.scalars(
            select(JobLigne.cle).where(
                JobLigne.job_id == job_id,
                JobLigne.feuille == ENTITES.name,
                JobLigne.erreur.is_(False),
            )
        )
    )


def count_rows(
    session: Session, job_id: int, feuille: str, departements: Collection[str]
) -> dict[str, int]:
    """Staged rows of ``feuille`` per département, for ``departements`` (one pass)."""
    rows = session.execute(
        select(JobLigne.departement, func.count())
        .where(
            JobLigne.job_id == job_id,
            JobLigne.feuille == feuille,
            JobLigne.departement.in_(list(departements)),
        )
        .group_by(JobLigne.departement)
    )
    return {str(departement): int(n) for departement, n in rows}


def stage_changes(
    session: Session, job_id: int, departement: str | None, changes: Sequence[Change]
) -> None:
    """The plan rows that change something: unchanged rows are only counted (the preview
    gives them as a count)."""
    changes = [c for c in changes if c.action != INCHANGE]
    if not changes:
        return
    copy_rows(
        session,
        "offre.job_plan",
        (
            "job_id",
            "feuille",
            "ligne",
            "departement",
            "action",
            "cle",
            "cible_id",
            "avant",
            "apres",
        ),
        (
            (job_id, c.feuille, c.ligne, departement, c.action, c.cle, c.cible_id, c.avant, c.apres)
            for c in changes
        ),
    )


def staged_lines(session: Session, job_id: int) -> dict[str, int]:
    """The checkpoint of the staging stage: the last line staged in each sheet (batches are
    committed in file order)."""
    rows = session.execute(
        select(JobLigne.feuille, func.max(JobLigne.ligne))
        .where(JobLigne.job_id == job_id)
        .group_by(JobLigne.feuille)
    )
    return {feuille: int(ligne) for feuille, ligne in rows}


def staged_keys(session: Session, job_id: int) -> tuple[list[EntiteKey], list[DispositifKey]]:
    """The compact keys the cross-row rules need, read back from the staged rows."""
    d = JobLigne.donnees
    rows = session.execute(
        select(
            JobLigne.feuille,
            JobLigne.ligne,
            JobLigne.erreur,
            d["siren"].astext,
            d["identifiant"].astext,
            d["departement"].astext,
            d["type_code"].astext,
            d["nom"].astext,
            JobLigne.nom_normalise,
        )
        .where(JobLigne.job_id == job_id)
        .order_by(JobLigne.feuille, JobLigne.ligne)
    )
    entites: list[EntiteKey] = []
    dispositifs: list[DispositifKey] = []
    for feuille, ligne, erreur, siren, identifiant, dep, type_code, nom, key in rows:
        if feuille == ENTITES.name:
            entites.append(EntiteKey(ligne, siren, erreur))
        else:
            dispositifs.append(
                DispositifKey(ligne, identifiant, siren, dep, type_code, nom, erreur, key)
            )
    return entites, dispositifs


def reset_cross_stage(session: Session, job_id: int, codes: Sequence[str]) -> None:
    """Undo a cross-rules-and-plan stage cut short, so that it runs again from the staged rows:
    its plan, its anomalies, and the errors it marked on rows (a stage that never ran costs two
    index lookups, not a pass over every row)."""
    session.execute(delete(JobPlan).where(JobPlan.job_id == job_id))
    undone = session.execute(
        delete(JobAnomalie).where(JobAnomalie.job_id == job_id, JobAnomalie.code.in_(codes))
    ).rowcount  # type: ignore[attr-defined]
    if not undone:  # nothing was marked: every row's flag is still its own rules'
        return
    session.execute(
        text(
            "UPDATE offre.job_ligne l SET erreur = EXISTS (SELECT 1 FROM offre.job_anomalie a "
            "WHERE a.job_id = l.job_id AND a.feuille = l.feuille AND a.ligne = l.ligne "
            "AND a.severite = 'erreur') WHERE l.job_id = :job"
        ),
        {"job": job_id},
    )


def count_progress(session: Session, job_id: int, per_departement: dict[str, int]) -> None:
    """Per-département progress during the analysis: a national file's départements appear
    (« analyse », lines read so far) batch after batch, not only once the plan is made."""
    if not per_departement:
        return
    session.execute(
        text(
            "INSERT INTO offre.job_departement (job_id, departement, statut, lignes, traitees) "
            "SELECT :job, d, 'analyse', n, n FROM unnest(CAST(:deps AS text[]), "
            "CAST(:counts AS int[])) AS t(d, n) "
            "ON CONFLICT (job_id, departement) DO UPDATE SET statut = 'analyse', "
            "lignes = offre.job_departement.lignes + EXCLUDED.lignes, "
            "traitees = offre.job_departement.traitees + EXCLUDED.traitees"
        ),
        # In code order: two parts of one analysis never lock the same rows in two orders.
        {
            "job": job_id,
            "deps": sorted(per_departement),
            "counts": [per_departement[d] for d in sorted(per_departement)],
        },
    )


def validated_dispositifs(
    session: Session, job_id: int, departements: Collection[str]
) -> dict[str, list[StagedRow]]:
    """The Dispositifs rows without error of ``departements``, in file order (a plan part)."""
    rows = session.execute(
        select(JobLigne.departement, JobLigne.ligne, JobLigne.donnees, JobLigne.nom_normalise)
        .where(
            JobLigne.job_id == job_id,
            JobLigne.feuille == DISPOSITIFS.name,
            JobLigne.departement.in_(list(departements)),
            JobLigne.erreur.is_(False),
        )
        .order_by(JobLigne.ligne)
    )
    found: dict[str, list[StagedRow]] = {}
    for departement, ligne, donnees, nom_normalise in rows:
        found.setdefault(departement, []).append(StagedRow(ligne, donnees, nom_normalise))
    return found


def staged_sirens(session: Session, job_id: int) -> list[str]:
    """The valid SIRENs of the staged Entités rows: what a Dispositifs row may have mistyped."""
    siren = JobLigne.donnees["siren"].astext
    return list(
        session.scalars(
            select(siren).where(
                JobLigne.job_id == job_id, JobLigne.feuille == ENTITES.name, siren.is_not(None)
            )
        )
    )


def count_lines(session: Session, job_id: int, lines: int) -> None:
    """Lines read, added in SQL: the parts of a split analysis count on the same job row."""
    session.execute(
        update(Job)
        .where(Job.id == job_id)
        .values(lignes=Job.lignes + lines, traitees=Job.traitees + lines)
    )


def unstage_lines(
    session: Session,
    job_id: int,
    feuille: str,
    first: int,
    last: int,
    scope: frozenset[str] | None,
) -> None:
    """Undo what an earlier attempt of a part staged from lines ``first`` to ``last``: its rows,
    their anomalies and what they added to the progress counts."""
    in_range = (JobLigne.job_id == job_id, JobLigne.feuille == feuille)
    lines = JobLigne.ligne.between(first, last)
    counted = session.execute(
        select(JobLigne.departement, func.count())
        .where(*in_range, lines)
        .group_by(JobLigne.departement)
    ).all()
    if not counted:
        return
    total = sum(n for _, n in counted)
    count_lines(session, job_id, -total)
    count_progress(
        session,
        job_id,
        {d: -n for d, n in counted if d is not None and (scope is None or d in scope)},
    )
    session.execute(delete(JobLigne).where(*in_range, lines))
    session.execute(
        delete(JobAnomalie).where(
            JobAnomalie.job_id == job_id,
            JobAnomalie.feuille == feuille,
            JobAnomalie.ligne.between(first, last),
        )
    )


def reset_plan(
    session: Session, job_id: int, departements: Collection[str], codes: Sequence[str]
) -> None:
    """Undo what an earlier attempt of a plan part did for ``departements``: its plan rows and
    the anomalies the plan (not the cross-row rules) found there."""
    deps = list(departements)
    session.execute(delete(JobPlan).where(JobPlan.job_id == job_id, JobPlan.departement.in_(deps)))
    session.execute(
        delete(JobAnomalie).where(
            JobAnomalie.job_id == job_id,
            JobAnomalie.departement.in_(deps),
            JobAnomalie.code.in_(codes),
        )
    )
