"""Workbooks users download: the template, a département's current offre, a job's report."""

from __future__ import annotations

import tempfile
from collections.abc import Callable, Iterator, Sequence

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from service.imports.anomalies import Anomalie
from service.imports.columns import DISPOSITIFS, WORKBOOK_1, Sheet
from service.imports.report import SheetValues, anomalies_csv, write_report
from service.imports.sources import open_source
from service.imports.template import Prefill, build_template
from service.jobs.tables import Job, JobAnomalie, JobFichier, JobLigne
from service.offre.queries import dispositif_dict, entite_dict
from service.offre.tables import Dispositif, Entite
from service.referentiels.checks import Severite

CHUNK = 1 << 20


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


def _anomalies(
    session: Session, job_id: int, departements: frozenset[str] | None
) -> Iterator[Anomalie]:
    """Streamed from the database (a server-side cursor): a job may have 650,000 of them."""
    query = select(JobAnomalie).where(JobAnomalie.job_id == job_id)
    if departements is not None:
        query = query.where(
            or_(JobAnomalie.departement.is_(None), JobAnomalie.departement.in_(departements))
        )
    rows = session.scalars(
        query.order_by(JobAnomalie.feuille, JobAnomalie.ligne, JobAnomalie.id).execution_options(
            yield_per=5_000
        )
    )
    for a in rows:
        yield Anomalie(
            a.feuille,
            a.ligne,
            a.colonne,
            a.valeur,
            a.code,
            Severite(a.severite),
            a.message,
            a.departement,
        )


def _hidden_lines(
    session: Session, job_id: int, departements: frozenset[str] | None
) -> set[tuple[str, int]]:
    """Rows of dispositifs outside ``departements``: another département's readers never see
    them (entités are national: every reader sees them)."""
    if departements is None:
        return set()
    rows = session.execute(
        select(JobLigne.feuille, JobLigne.ligne).where(
            JobLigne.job_id == job_id,
            JobLigne.feuille == DISPOSITIFS.name,
            or_(JobLigne.departement.is_(None), JobLigne.departement.not_in(departements)),
        )
    )
    return {(feuille, ligne) for feuille, ligne in rows}


def _sheet_rows(
    fichier: JobFichier,
    workbook: Sequence[Sheet],
    sheet: str,
    fields: list[str],
    hidden: set[tuple[str, int]],
) -> Iterator[tuple[int, list[object]]]:
    """One sheet's rows as the user typed them, read again from the stored file (one pass per
    sheet: memory stays that of one batch)."""
    for batch in open_source(fichier.nom, fichier.contenu, workbook).batches(5_000):
        for raw in batch:
            if raw.sheet == sheet and (raw.sheet, raw.line) not in hidden:
                yield raw.line, [raw.cells.get(f) for f in fields]


def report_builder(
    workbook: Sequence[Sheet],
) -> Callable[[Session, Job, frozenset[str] | None], Iterator[bytes]]:
    """The report of a job that read ``workbook`` (Temps 1's, or Temps 2's)."""

    def build(session: Session, job: Job, departements: frozenset[str] | None) -> Iterator[bytes]:
        return report_chunks(session, job, departements, workbook)

    return build


def report_chunks(
    session: Session,
    job: Job,
    departements: frozenset[str] | None,
    workbook: Sequence[Sheet] = WORKBOOK_1,
) -> Iterator[bytes]:
    """The user's sheets and values (re-read from the stored file, in the worker), faulty cells
    marked, restricted to what the readers of ``departements`` may see; written to a temporary
    file with bounded memory, then given back in chunks."""
    fichier = session.get(JobFichier, job.id)
    sheets: list[SheetValues] = []
    if fichier is not None:
        hidden = _hidden_lines(session, job.id, departements)
        opened = open_source(fichier.nom, fichier.contenu, workbook)
        layouts = {lay.spec.name: lay for lay in (opened.reader.layouts if opened.reader else [])}
        for spec in workbook:
            lay = layouts.get(spec.name)
            if lay is None:
                continue
            # Columns in the file's order, under the headers as the user spelled them.
            fields = sorted(lay.columns, key=lay.columns.__getitem__)
            sheets.append(
                SheetValues(
                    spec.name,
                    [lay.headers[f] for f in fields],
                    _sheet_rows(fichier, workbook, spec.name, fields, hidden),
                )
            )
    with tempfile.TemporaryFile() as out:
        write_report(
            out,
            sheets,
            _anomalies(session, job.id, departements),
            template=workbook is WORKBOOK_1,
        )
        out.seek(0)
        while chunk := out.read(CHUNK):
            yield chunk


def anomalies_chunks(
    session: Session, job: Job, departements: frozenset[str] | None
) -> Iterator[bytes]:
    yield from anomalies_csv(_anomalies(session, job.id, departements))
