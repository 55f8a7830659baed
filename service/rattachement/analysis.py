"""The analysis of a rattachement job: read workbook 2 → the rules of each row → the rules
across rows → the plan (the decisions that change), for the job's one département.

A département's file is small (its groupes and accounts): read, checked and planned in one
transaction, from a clean slate each time (a recovered analysis starts again). Any error makes
the job ``invalide``: nothing is applied until a corrected file is analysed.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import replace
from datetime import datetime

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from service.auth.accounts import identity_for_id
from service.auth.permissions import Identity
from service.config import get_settings
from service.imports.anomalies import Anomalie, from_issue
from service.imports.columns import Sheet
from service.imports.staging import stage_anomalies, stage_changes
from service.jobs import engine
from service.jobs.enums import Etape, Statut
from service.jobs.kinds import COUNT_NAMES
from service.jobs.tables import Job, JobAnomalie, JobDepartement, JobFichier, JobPlan
from service.jobs.transitions import transition
from service.rattachement.cells import Probleme
from service.rattachement.columns import GROUPES, UTILISATEURS
from service.rattachement.context import Contexte
from service.rattachement.cross_rules import courriels_en_double, doublons_comptes, doublons_groupes
from service.rattachement.plan import Bilan, decided_since, plan_comptes, plan_groupes
from service.rattachement.queries import fingerprint, load_contexte
from service.rattachement.rules_comptes import LigneCompte, compte_rules
from service.rattachement.rules_groupes import LigneGroupe, groupe_rules
from service.rattachement.source import Workbook2, open_workbook2
from service.referentiels.checks import Severite


def anomaly(sheet: Sheet, ligne: int, probleme: Probleme, departement: str) -> Anomalie:
    header = sheet.column(probleme.champ).header
    return from_issue(sheet.name, ligne, header, probleme.valeur, probleme.issue, departement)


def _ours(anomalies: Sequence[Anomalie], departement: str) -> list[Anomalie]:
    """Anomalies of the file as a whole belong to the job's one département."""
    return [replace(a, departement=departement) for a in anomalies]


def _reset(session: Session, job: Job, row: JobDepartement) -> None:
    for table in (JobAnomalie, JobPlan):
        session.execute(delete(table).where(table.job_id == job.id))
    if row.statut != Statut.ANALYSE:
        transition(row, Statut.ANALYSE)
    for name in COUNT_NAMES:
        setattr(row, name, 0)


def analyse(session: Session, job: Job) -> Iterator[None]:
    row = session.scalars(select(JobDepartement).where(JobDepartement.job_id == job.id)).one()
    departement = row.departement
    _reset(session, job, row)
    job.etape = Etape.ANALYSE
    fichier = session.get(JobFichier, job.id)
    assert fichier is not None
    workbook = open_workbook2(fichier.nom, fichier.contenu)
    anomalies = _ours(workbook.anomalies, departement) + _other_departement(workbook, departement)
    if workbook.opened.fatal or any(a.blocking for a in anomalies):
        _close(session, job, row, anomalies, lignes=0)
        yield
        return
    # Fingerprint first: a decision committed while the context loads makes the plan stale
    # (refused at confirmation), never silently applied over.
    row.empreinte = fingerprint(session, departement)
    ctx = load_contexte(session, departement, for_rules=True)
    submitter = identity_for_id(session, job.soumis_par)
    if submitter is None:  # deactivated since the upload: no identity, no rights
        engine.fail_job(session, job, "Le compte qui a déposé ce fichier est désactivé.")
        return
    groupes, comptes, found = _check_rows(workbook, ctx, submitter)
    anomalies += found
    faulty = {(a.feuille, a.ligne) for a in anomalies if a.blocking}
    bilan = plan_groupes([x for x in groupes if (GROUPES.name, x.ligne) not in faulty], ctx).merge(
        plan_comptes([x for x in comptes if (UTILISATEURS.name, x.ligne) not in faulty], ctx)
    )
    if workbook.marker is not None and workbook.marker.exporte_le is not None:
        anomalies += _decided_since(bilan, ctx, workbook.marker.exporte_le)
    stage_changes(session, job.id, departement, bilan.changes)
    row.creations, row.modifications = bilan.nouvelles, bilan.modifiees
    row.fermetures, row.inchanges = bilan.retirees, bilan.inchangees
    # No commit here: an automatic job goes on to its application in the same transaction, so
    # that nobody sees it « validé » in between.
    _close(session, job, row, anomalies, lignes=len(groupes) + len(comptes))


def _other_departement(workbook: Workbook2, departement: str) -> list[Anomalie]:
    marked = workbook.marker.departement if workbook.marker else None
    if marked is None or marked == departement:
        return []
    message = (
        f"Ce classeur a été exporté pour le département {marked}, ce dépôt porte sur le "
        f"{departement} : déposez le classeur exporté pour le {departement}."
    )
    return [Anomalie("", 0, "", marked, "HORS_PERIMETRE", Severite.ERREUR, message, departement)]


def _check_rows(
    workbook: Workbook2, ctx: Contexte, identity: Identity
) -> tuple[list[LigneGroupe], list[LigneCompte], list[Anomalie]]:
    """Every row through its rules, then the rules across rows."""
    departement = ctx.departement
    anomalies: list[Anomalie] = []
    groupes: list[LigneGroupe] = []
    comptes: list[LigneCompte] = []
    for batch in workbook.opened.batches(get_settings().batch_size):
        for raw in batch:
            anomalies += _ours(workbook.opened.cell_issues(raw.sheet, raw.line), departement)
            if raw.sheet == GROUPES.name:
                groupes.append(groupe_rules(raw.line, raw.cells, ctx))
            else:
                comptes.append(compte_rules(raw.line, raw.cells, ctx, identity))
    found = [(GROUPES, x.ligne, p) for x in groupes for p in x.problemes]
    found += [(UTILISATEURS, x.ligne, p) for x in comptes for p in x.problemes]
    found += [(GROUPES, line, p) for line, p in doublons_groupes(groupes)]
    found += [(UTILISATEURS, line, p) for line, p in doublons_comptes(comptes)]
    found += [(UTILISATEURS, line, p) for line, p in courriels_en_double(comptes, ctx)]
    anomalies += [anomaly(sheet, line, p, departement) for sheet, line, p in found]
    return groupes, comptes, anomalies


def _decided_since(bilan: Bilan, ctx: Contexte, exported_at: datetime) -> list[Anomalie]:
    return [
        Anomalie(
            feuille,
            ligne,
            "Décision",
            "",
            "DECISION_MODIFIEE_DEPUIS",
            Severite.AVERTISSEMENT,
            f"Feuille {feuille}, ligne {ligne}, colonne Décision : une décision a été prise le "
            f"{when} (UTC), après l'export de ce classeur ; l'appliquer la remplacera. "
            "Vérifiez-la dans l'aperçu, ou exportez à nouveau le classeur.",
            ctx.departement,
        )
        for feuille, ligne, when in decided_since(bilan.changes, ctx, exported_at)
    ]


def _close(
    session: Session, job: Job, row: JobDepartement, anomalies: list[Anomalie], lignes: int
) -> None:
    stage_anomalies(session, job.id, anomalies)
    row.lignes = row.traitees = lignes
    row.erreurs = sum(1 for a in anomalies if a.blocking)
    row.avertissements = len(anomalies) - row.erreurs
    statut = Statut.INVALIDE if row.erreurs else Statut.VALIDE
    transition(row, statut)
    transition(job, statut)
    job.etape = Etape.PLAN
    session.flush()
