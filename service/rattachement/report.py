"""The error report of a rattachement job (IMPORT-FORMAT.md « Error report »): the sheets of
workbook 2 re-read from the stored file, each faulty cell marked, after « Anomalies »."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from service.imports.anomalies import Anomalie
from service.imports.report import SheetValues, build_report
from service.imports.sources import open_source
from service.jobs.tables import Job, JobAnomalie, JobFichier
from service.rattachement.columns import WORKBOOK_2
from service.referentiels.checks import Severite


def _anomalies(session: Session, job_id: int) -> list[Anomalie]:
    rows = session.scalars(
        select(JobAnomalie)
        .where(JobAnomalie.job_id == job_id)
        .order_by(JobAnomalie.feuille, JobAnomalie.ligne, JobAnomalie.id)
    )
    return [
        Anomalie(a.feuille, a.ligne, a.colonne, a.valeur, a.code, Severite(a.severite), a.message)
        for a in rows
    ]


def job_report(session: Session, job: Job) -> bytes:
    anomalies = _anomalies(session, job.id)
    fichier = session.get(JobFichier, job.id)
    if fichier is None:
        return build_report([], anomalies)
    opened = open_source(fichier.nom, fichier.contenu, WORKBOOK_2)
    layouts = opened.reader.layouts if opened.reader is not None else []
    fields = {lay.spec.name: sorted(lay.columns, key=lay.columns.__getitem__) for lay in layouts}
    sheets = {
        lay.spec.name: SheetValues(
            lay.spec.name, [lay.headers[f] for f in fields[lay.spec.name]], []
        )
        for lay in layouts
    }
    for batch in opened.batches(5_000):
        for raw in batch:
            sheets[raw.sheet].rows.append((raw.line, [raw.cells.get(f) for f in fields[raw.sheet]]))
    return build_report([sheets[s.name] for s in WORKBOOK_2 if s.name in sheets], anomalies)
