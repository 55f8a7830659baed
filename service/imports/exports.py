"""Workbooks users download: the template, a département's current offre, a job's report."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from service.imports.anomalies import Anomalie
from service.imports.columns import WORKBOOK_1
from service.imports.report import SheetValues, anomalies_csv, build_report
from service.imports.sources import open_source
from service.imports.template import Prefill, build_template
from service.jobs.tables import Job, JobAnomalie, JobFichier
from service.offre.queries import dispositif_dict, entite_dict
from service.offre.tables import Dispositif, Entite
from service.referentiels.checks import Severite


def departement_offre(session: Session, departement: str) -> bytes:
    """The template pre-filled with the département's dispositifs (identifiers included) and
    the entités that run them: edited and re-imported, it changes exactly what was edited."""
    rows = session.execute(
        select(Dispositif, Entite)
        .join(Entite, Entite.id == Dispositif.entite_id)
        .where(Dispositif.departement == departement)
        .order_by(Dispositif.identifiant)
    ).all()
    entites = {e.siren: entite_dict(e) for _, e in rows}
    for values in entites.values():
        values.pop("modifie_le", None)
    dispositifs = []
    for dispositif, entite in rows:
        values = dispositif_dict(dispositif, entite.siren)
        values.pop("modifie_le", None)
        dispositifs.append(values)
    return build_template(Prefill(entites=list(entites.values()), dispositifs=dispositifs))


def _anomalies(session: Session, job_id: int) -> list[Anomalie]:
    rows = session.scalars(
        select(JobAnomalie)
        .where(JobAnomalie.job_id == job_id)
        .order_by(JobAnomalie.feuille, JobAnomalie.ligne, JobAnomalie.id)
    )
    return [
        Anomalie(
            a.feuille,
            a.ligne,
            a.colonne,
            a.valeur,
            a.code,
            Severite(a.severite),
            a.message,
            a.departement,
        )
        for a in rows
    ]


def job_report(session: Session, job: Job) -> bytes:
    """The user's sheets and values (re-read from the stored file), faulty cells marked."""
    fichier = session.get(JobFichier, job.id)
    if fichier is None:
        return build_report([], _anomalies(session, job.id))
    opened = open_source(fichier.nom, fichier.contenu)
    layouts = opened.reader.layouts if opened.reader is not None else []
    # Columns in the file's order, under the headers as the user spelled them.
    fields = {lay.spec.name: sorted(lay.columns, key=lay.columns.__getitem__) for lay in layouts}
    rows: dict[str, list[tuple[int, list[object]]]] = {lay.spec.name: [] for lay in layouts}
    sheets = {
        lay.spec.name: SheetValues(
            lay.spec.name, [lay.headers[f] for f in fields[lay.spec.name]], rows[lay.spec.name]
        )
        for lay in layouts
    }
    for batch in opened.batches(5_000):
        for raw in batch:
            rows[raw.sheet].append((raw.line, [raw.cells.get(f) for f in fields[raw.sheet]]))
    ordered = [sheets[s.name] for s in WORKBOOK_1 if s.name in sheets]
    return build_report(ordered, _anomalies(session, job.id))


def job_anomalies_csv(session: Session, job: Job) -> bytes:
    return b"".join(anomalies_csv(_anomalies(session, job.id)))
