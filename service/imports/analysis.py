"""The analysis of an import job: pre-scan → read → normalise → validate → plan.

A generator: it flushes one batch of staged rows and anomalies at a time and yields, so that the
task shell commits each batch (progress) under the lease's fencing token. A redelivered or
recovered analysis starts again from a clean slate (staging is idempotent by construction).

A large file is analysed in parts that several workers take (:func:`engine.fan_out`): the
job-level unit pre-scans the file, stages the Entités sheet and splits the Dispositifs sheet into
ranges of lines (``lignes:…``), each read, validated and staged by a part; the job-level unit
then runs the cross-row rules on the keys of every row and plans the entités, and the
départements' plans are parts again (``plan:…``); the job-level unit closes the analysis once
they are done. PostgreSQL is where the parts meet, so workers on several machines share them as
they share the départements' apply.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import date

from sqlalchemy import delete, func, select, update
from sqlalchemy.orm import Session

from service.auth.accounts import identity_for_id
from service.auth.permissions import Action, Identity, can
from service.config import get_settings
from service.imports import cross_rules, rules, sources
from service.imports.anomalies import Anomalie
from service.imports.columns import DISPOSITIFS, ENTITES
from service.imports.live import (
    departement_digest,
    entites_digest,
    held_groupes,
    known_keys,
    known_values,
    live_dispositif_keys,
    live_dispositif_keys_of,
    live_dispositifs,
    live_entite_keys,
    live_entites,
)
from service.imports.normalise import NormalisedRow, normalise_row
from service.imports.options import ImportOptions
from service.imports.plan import (
    CREATION,
    FERMETURE,
    INCHANGE,
    MODIFICATION,
    Change,
    StagedRow,
    dispositif_natural,
    entite_natural,
    plan_departement,
    plan_entites,
    sort_unchanged,
    with_name_keys,
)
from service.imports.reader import RawRow, SheetLayout, open_rows
from service.imports.repack import replace_sheet, sheet_chunks
from service.imports.sheetcut import NotCuttable, cut_chunks
from service.imports.staging import (
    count_lines,
    count_progress,
    count_rows,
    mark_errors,
    reset_cross_stage,
    reset_plan,
    stage_anomalies,
    stage_changes,
    stage_rows,
    staged_lines,
    staged_sirens,
    unstage_lines,
    validated_dispositifs,
    validated_rows,
)
from service.imports.tables import ImportPaquet
from service.imports.validated import ValidatedRows, name_key
from service.jobs import engine
from service.jobs.enums import Etape, Statut
from service.jobs.kinds import COUNT_NAMES
from service.jobs.tables import Job, JobAnomalie, JobDepartement, JobFichier, JobLigne, JobPlan
from service.jobs.transitions import transition, transition_rows
from service.logging import get_logger
from service.offre.fields import DISPOSITIF_FIELDS, ENTITE_FIELDS
from service.referentiels.suggestions import KnownValues

SECURITY_CODES = frozenset({"FICHIER_DANGEREUX", "FICHIER_PROTEGE"})
# Found by a département's plan: redone with it.
PLAN_CODES = ("CHAMP_RESERVE_ETAT", "DISPOSITIF_OCCUPE", "DISPOSITIF_CIBLE")
# Found by the cross-row rules and the plan: redone whole when that stage is recovered.
CROSS_STAGE_CODES = (
    "DOUBLON_DANS_LE_FICHIER",
    "DOUBLON_PROBABLE",
    "ENTITE_INCONNUE",
    "ENTITE_EN_ERREUR",
    "IDENTIFIANT_INCONNU",
    *PLAN_CODES,
)
# The parts of a split analysis, by the prefix of their name.
LINES_PART = "lignes:"  # lignes:000002-050001, lines of the Dispositifs sheet
PLAN_PART = "plan:"  # plan:01,02,2A, départements to plan
log = get_logger(__name__)


def rule_context(identity: Identity) -> rules.RuleContext:
    scope = (
        None
        if identity.national
        else frozenset(d for d in identity.departements if can(identity, Action.IMPORTER_OFFRE, d))
    )
    return rules.RuleContext(scope=scope, state_profile=can(identity, Action.ECRIRE_FINANCEMENT))


def _reset(session: Session, job: Job) -> None:
    for table in (JobAnomalie, JobLigne, JobPlan):
        session.execute(delete(table).where(table.job_id == job.id))
    transition_rows(
        session,
        job.id,
        Statut.ANALYSE,
        sources={Statut.EN_ATTENTE, Statut.ANALYSE, Statut.VALIDE, Statut.INVALIDE},
    )
    session.execute(
        update(JobDepartement)
        .where(JobDepartement.job_id == job.id)
        .values(**dict.fromkeys(COUNT_NAMES, 0))
    )
    for name in COUNT_NAMES:
        setattr(job, name, 0)


def analyse(session: Session, job: Job, options: ImportOptions) -> Iterator[None]:
    """Checkpointed: a recovered analysis skips the batches already committed, and redoes the
    cross-row rules and the plan (stage « plan ») from the staged rows."""
    parts = engine.parts_done(session, job.id)
    if any(p.startswith(PLAN_PART) for p in parts):
        _close_analysis(session, job, options)
        return
    split = any(p.startswith(LINES_PART) for p in parts)
    if split:
        job.etape = Etape.PLAN  # checkpoint: the parts staged every row
    resuming = job.etape == Etape.PLAN or job.traitees > 0
    if resuming:
        log.info("import.analysis.resumed", etape=job.etape, lignes_deja_traitees=job.traitees)
    else:
        _reset(session, job)
        job.etape = Etape.ANALYSE
    refused = engine.submitter_refusal(session, job, None)
    identity = identity_for_id(session, job.soumis_par)
    if refused is not None or identity is None:
        engine.fail_job(session, job, refused or "compte désactivé")
        return
    ctx = rule_context(identity)
    # A fresh analysis keeps what it validates; a recovered one reads it back once.
    held: ValidatedRows | None = None if resuming else ValidatedRows()
    if job.etape == Etape.ANALYSE:
        fichier = session.get(JobFichier, job.id)
        assert fichier is not None
        opened = sources.open_source(
            fichier.nom,
            fichier.contenu,
            split=DISPOSITIFS,
            split_above=get_settings().analysis_part_rows,
        )
        if not resuming:
            stage_anomalies(session, job.id, opened.anomalies)
            for refusal in (a for a in opened.anomalies if a.code in SECURITY_CODES):
                log.warning(
                    "security.file_refused",
                    code=refusal.code,
                    fichier=fichier.nom,
                    utilisateur_id=job.soumis_par,
                    message=refusal.message,
                )
        if opened.fatal:
            _close_analysis(session, job, options)
            return
        line_parts = _line_parts(opened)
        # Split: the Entités sheet here (the Dispositifs rows' SIREN suggestions need it), the
        # Dispositifs sheet in parts.
        sheets = frozenset({ENTITES.name}) if line_parts else None
        done = staged_lines(session, job.id)
        known = known_values(session)
        for batch in opened.batches(get_settings().batch_size, sheets):
            todo = [raw for raw in batch if raw.line > done.get(raw.sheet, 0)]
            if not todo:
                continue
            normalised = [_normalise(raw, opened.cell_issues, ctx, known) for raw in todo]
            known.add_sirens(r.values["siren"] for r in normalised if _entite_siren(r))
            keys = [name_key(r) for r in normalised]
            stage_rows(session, job.id, normalised, keys)
            if held is not None:
                held.add(normalised, keys)
            stage_anomalies(session, job.id, [a for row in normalised for a in row.anomalies])
            count_progress(session, job.id, _per_departement(normalised, ctx))
            job.lignes += len(normalised)
            job.traitees += len(normalised)
            session.flush()
            if engine.cancelled(session, job):
                return
            yield
        if line_parts:
            layout = opened.split_layout
            assert layout is not None  # set with split_height (sources.open_source)
            entetes = {"feuille": layout.found_name, "colonnes": layout.columns}
            entetes["entetes"] = layout.headers
            session.merge(ImportPaquet(job_id=job.id, contenu=opened.package, entetes=entetes))
            engine.fan_out(session, job, line_parts)
            session.flush()
            return
        job.etape = Etape.PLAN  # checkpoint: every row is staged
        yield
    else:
        reset_cross_stage(session, job.id, CROSS_STAGE_CODES)
        # The départements already judged by the cut-short plan are judged again.
        transition_rows(session, job.id, Statut.ANALYSE, sources={Statut.VALIDE, Statut.INVALIDE})
    if held is None:
        held = validated_rows(session, job.id, dispositifs=not split)
    entite_keys, dispositif_keys = held.entite_keys, held.dispositif_keys
    crossed = cross_rules.entite_rules(entite_keys) + cross_rules.dispositif_rules(
        dispositif_keys,
        entite_keys,
        known_keys(session, (k.identifiant for k in dispositif_keys if k.identifiant)),
        ctx.scope,
    )
    deps = {k.departement for k in dispositif_keys if k.departement}
    crossed += cross_rules.probable_duplicates(dispositif_keys, live_dispositif_keys(session, deps))
    stage_anomalies(session, job.id, crossed)
    blocked = [(a.feuille, a.ligne) for a in crossed if a.blocking]
    mark_errors(session, job.id, blocked)
    held.drop(blocked)
    in_scope = {
        k.departement
        for k in dispositif_keys
        if k.departement and (ctx.scope is None or k.departement in ctx.scope)
    }
    if split:
        _plan_entites(session, job, held)
        rows = _departement_rows(session, job, in_scope)
        weights: dict[str, int] = {}
        for k in dispositif_keys:
            if k.departement in rows:
                weights[k.departement] = weights.get(k.departement, 0) + 1
        engine.fan_out(session, job, _plan_parts(sorted(rows), weights))
        session.flush()
        return
    yield from _plan(session, job, ctx, in_scope, held, mirror=options.mode == "miroir")
    _close_analysis(session, job, options)


def analyse_part(session: Session, job: Job, options: ImportOptions, partie: str) -> Iterator[None]:
    """One part of a split analysis: a range of the Dispositifs sheet's lines, or the plans of
    a few départements. A redelivered part first undoes what its earlier attempt committed."""
    identity = identity_for_id(session, job.soumis_par)
    if identity is None:
        engine.fail_job(session, job, "compte désactivé")
        return
    ctx = rule_context(identity)
    if partie.startswith(LINES_PART):
        first, last = (int(n) for n in partie.removeprefix(LINES_PART).split("-"))
        yield from _read_lines(session, job, ctx, first, last)
    else:
        departements = partie.removeprefix(PLAN_PART).split(",")
        yield from _plan_some(session, job, ctx, departements, mirror=options.mode == "miroir")


def _line_parts(opened: sources.OpenedSource) -> list[str]:
    """Ranges of the Dispositifs sheet's lines for parts of the analysis, when open_source
    left its rows to them (a large .xlsx sheet without formula problems, cut to its header)."""
    size = get_settings().analysis_part_rows
    height = opened.split_height
    if not height:
        return []
    return [
        f"{LINES_PART}{first:06d}-{min(first + size - 1, height):06d}"
        for first in range(2, height + 1, size)
    ]


def _plan_parts(departements: list[str], weights: dict[str, int]) -> list[str]:
    """Départements in code order, grouped into parts of about half a lines part's rows: a
    plan costs less per row than reading does, and more parts share out better."""
    size = max(1, get_settings().analysis_part_rows // 2)
    parts: list[list[str]] = [[]]
    rows = 0
    for dep in departements:
        if rows >= size:
            parts.append([])
            rows = 0
        parts[-1].append(dep)
        rows += weights.get(dep, 0)
    return [PLAN_PART + ",".join(p) for p in parts if p]


def _read_lines(
    session: Session, job: Job, ctx: rules.RuleContext, first: int, last: int
) -> Iterator[None]:
    unstage_lines(session, job.id, DISPOSITIFS.name, first, last, ctx.scope)
    paquet = session.get(ImportPaquet, job.id)
    assert paquet is not None
    entetes = paquet.entetes
    layout = SheetLayout(DISPOSITIFS, entetes["feuille"], entetes["colonnes"], entetes["entetes"])
    # Only the range's rows for calamine to parse and hold; the whole sheet if it cannot be cut.
    try:
        cut = cut_chunks(sheet_chunks(paquet.contenu, layout.found_name), first, last)
        package = replace_sheet(paquet.contenu, layout.found_name, cut)
    except NotCuttable:
        package = paquet.contenu
    reader = open_rows(package, [layout])
    known = known_values(session)
    known.add_sirens(staged_sirens(session, job.id))
    sheets = frozenset({DISPOSITIFS.name})
    for batch in reader.iter_rows(get_settings().batch_size, sheets=sheets, first=first, last=last):
        normalised = [_normalise(raw, _no_cell_issues, ctx, known) for raw in batch]
        stage_rows(session, job.id, normalised, [name_key(r) for r in normalised])
        stage_anomalies(session, job.id, [a for row in normalised for a in row.anomalies])
        count_progress(session, job.id, _per_departement(normalised, ctx))
        count_lines(session, job.id, len(normalised))
        session.flush()
        if engine.cancelled(session, job):
            return
        yield


def _no_cell_issues(sheet: str, line: int) -> list[Anomalie]:
    return []


def _plan_some(
    session: Session,
    job: Job,
    ctx: rules.RuleContext,
    departements: list[str],
    *,
    mirror: bool,
) -> Iterator[None]:
    reset_plan(session, job.id, departements, PLAN_CODES)
    transition_rows(
        session,
        job.id,
        Statut.ANALYSE,
        sources={Statut.VALIDE, Statut.INVALIDE},
        where=JobDepartement.departement.in_(departements),
    )
    rows = {
        r.departement: r
        for r in session.scalars(
            select(JobDepartement).where(
                JobDepartement.job_id == job.id, JobDepartement.departement.in_(departements)
            )
        )
    }
    staged = validated_dispositifs(session, job.id, departements)
    lines = count_rows(session, job.id, DISPOSITIFS.name, departements)
    today = date.today().isoformat()
    for dep in departements:
        _plan_departement(
            session,
            job,
            ctx,
            rows[dep],
            staged.pop(dep, []),
            lines.get(dep, 0),
            mirror=mirror,
            today=today,
        )
        session.flush()
        yield


def _normalise(
    raw: RawRow,
    cell_issues: Callable[[str, int], list[Anomalie]],
    ctx: rules.RuleContext,
    known: KnownValues,
) -> NormalisedRow:
    spec = DISPOSITIFS if raw.sheet == DISPOSITIFS.name else ENTITES
    row = normalise_row(spec, raw.line, raw.cells, known)
    formula_issues = cell_issues(raw.sheet, raw.line)
    if formula_issues:
        # calamine reads such a cell as empty: say why once, not « obligatoire » too.
        columns = {a.colonne for a in formula_issues}
        row.anomalies = [
            a
            for a in row.anomalies
            if not (a.code == "VALEUR_OBLIGATOIRE" and a.colonne in columns)
        ]
        row.anomalies.extend(formula_issues)
    if spec is DISPOSITIFS:
        row.anomalies.extend(rules.check_dispositif_row(row, ctx))
    return row


def _entite_siren(row: NormalisedRow) -> bool:
    """A valid SIREN of the Entités sheet: what a Dispositifs row may have mistyped."""
    return row.feuille == ENTITES.name and bool(row.values.get("siren"))


def _per_departement(rows: list[NormalisedRow], ctx: rules.RuleContext) -> dict[str, int]:
    """Rows of this batch per département of the submitter's scope (what users watch)."""
    counts: dict[str, int] = {}
    for row in rows:
        dep = row.departement() if row.feuille == DISPOSITIFS.name else None
        if dep and (ctx.scope is None or dep in ctx.scope):
            counts[dep] = counts.get(dep, 0) + 1
    return counts


def _plan(
    session: Session,
    job: Job,
    ctx: rules.RuleContext,
    in_scope: set[str],
    held: ValidatedRows,
    *,
    mirror: bool,
) -> Iterator[None]:
    """Rows equal to their live row (same digest) are counted as unchanged; the plan compares
    the others with the few live rows they may change, read whole."""
    today = date.today().isoformat()
    _plan_entites(session, job, held)
    rows = _departement_rows(session, job, in_scope)
    lines = count_rows(session, job.id, DISPOSITIFS.name, rows)
    for dep, row in rows.items():
        # Released département by département: the plan rows are staged.
        staged = held.dispositifs.pop(dep, [])
        _plan_departement(
            session, job, ctx, row, staged, lines.get(dep, 0), mirror=mirror, today=today
        )
        session.flush()
        yield


def _plan_entites(session: Session, job: Job, held: ValidatedRows) -> None:
    sirens = [r.values["siren"] for r in held.entites]
    sorted_out = sort_unchanged(
        held.entites, live_entite_keys(session, sirens), ENTITE_FIELDS, entite_natural
    )
    live = live_entites(session, ids=sorted_out.needed) if sorted_out.needed else {}
    plan = plan_entites(sorted_out.rest, live)
    stage_changes(session, job.id, None, plan.changes)
    job.empreinte = entites_digest(session, sirens)
    job.creations, job.modifications, job.inchanges = (
        plan.count(CREATION),
        plan.count(MODIFICATION),
        plan.count(INCHANGE) + sorted_out.unchanged,
    )
    held.entites = []


def _departement_rows(session: Session, job: Job, in_scope: set[str]) -> dict[str, JobDepartement]:
    """The départements to plan, in code order: those of the file's rows in the submitter's
    scope and those already counted. A département without any row of the file is judged too
    (nothing to do there), so that no unit is left « en analyse »."""
    existing = {
        r.departement: r
        for r in session.scalars(select(JobDepartement).where(JobDepartement.job_id == job.id))
    }
    rows: dict[str, JobDepartement] = {}
    for dep in sorted(in_scope | set(existing)):
        row = existing.get(dep)
        if row is None:
            row = JobDepartement(job_id=job.id, departement=dep, statut=Statut.ANALYSE)
            session.add(row)
        rows[dep] = row
    session.flush()
    return rows


def _plan_departement(
    session: Session,
    job: Job,
    ctx: rules.RuleContext,
    row: JobDepartement,
    staged: list[StagedRow],
    lines: int,
    *,
    mirror: bool,
    today: str,
) -> None:
    dep = row.departement
    sorted_out = sort_unchanged(
        staged,
        live_dispositif_keys_of(session, dep),
        DISPOSITIF_FIELDS,
        dispositif_natural,
        closing=mirror,
    )
    dep_plan = plan_departement(
        dep,
        sorted_out.rest,
        live_dispositifs(session, dep, sorted_out.needed) if sorted_out.needed else [],
        mirror=mirror,
        state_profile=ctx.state_profile,
        today=today,
        **held_groupes(session, dep),
    )
    stage_changes(session, job.id, dep, with_name_keys(dep_plan.changes))
    stage_anomalies(session, job.id, dep_plan.anomalies)
    row.empreinte = departement_digest(session, dep)
    _count_departement(session, job.id, row, dep_plan.changes, sorted_out.unchanged, lines)


def _count_departement(
    session: Session,
    job_id: int,
    row: JobDepartement,
    changes: list[Change],
    unchanged: int,
    lines: int,
) -> None:
    counts = dict(
        session.execute(
            select(JobAnomalie.severite, func.count())
            .where(JobAnomalie.job_id == job_id, JobAnomalie.departement == row.departement)
            .group_by(JobAnomalie.severite)
        ).all()
    )
    row.lignes = row.traitees = lines
    row.erreurs = counts.get("erreur", 0)
    row.avertissements = counts.get("avertissement", 0)
    for action, name in (
        (CREATION, "creations"),
        (MODIFICATION, "modifications"),
        (INCHANGE, "inchanges"),
        (FERMETURE, "fermetures"),
    ):
        setattr(row, name, sum(1 for c in changes if c.action == action))
    row.inchanges += unchanged
    transition(row, Statut.INVALIDE if row.erreurs else Statut.VALIDE)


def _close_analysis(session: Session, job: Job, options: ImportOptions) -> None:
    session.execute(delete(ImportPaquet).where(ImportPaquet.job_id == job.id))
    session.flush()
    totals = dict(
        session.execute(
            select(JobAnomalie.severite, func.count())
            .where(JobAnomalie.job_id == job.id)
            .group_by(JobAnomalie.severite)
        ).all()
    )
    job.erreurs = totals.get("erreur", 0)
    job.avertissements = totals.get("avertissement", 0)
    applicable = session.scalar(
        select(func.count())
        .select_from(JobDepartement)
        .where(JobDepartement.job_id == job.id, JobDepartement.statut == Statut.VALIDE)
    )
    # With « par département », what has no error is applied and the rest waits for a
    # corrected file; otherwise any error blocks the whole file.
    partial = options.par_departement and (applicable or job.creations or job.modifications)
    transition(job, Statut.VALIDE if job.erreurs == 0 or partial else Statut.INVALIDE)
    job.etape = Etape.PLAN
    session.flush()
