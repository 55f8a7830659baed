"""Screen entry of one entité or one dispositif (Temps 1, second release).

Exactly the import's rules: the same normalisation (service/imports/normalise.py), row rules
(rules.py), rules against the database (cross_rules.py, on the few keys concerned) and plan
(plan.py: old → new, fields reserved to the State), hence the same codes and messages. Then the
write of one job of kind ``saisie_offre`` (entry_kind.py) under the département's write lock, in
the caller's transaction: plan row, undo journal, audit, the row itself. Services flush; the
request commits.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from service.auth.permissions import Action, Identity, can
from service.imports import cross_rules, rules
from service.imports.analysis import rule_context
from service.imports.anomalies import Anomalie, anomaly
from service.imports.apply import allocate_identifiants, journal_before, journal_inserted
from service.imports.columns import DISPOSITIFS, ENTITES, Sheet
from service.imports.live import held_groupes, live_dispositifs, live_entites
from service.imports.normalise import NormalisedRow, normalise_row
from service.imports.plan import (
    CREATION,
    DISPOSITIF_FIELDS,
    ENTITE_FIELDS,
    Change,
    StagedRow,
    natural_key,
    plan_departement,
    plan_entites,
)
from service.jobs import audit
from service.jobs.enums import Etape, Statut
from service.jobs.errors import JobConflict
from service.jobs.locks import active_job, lock_departement, lock_entites
from service.jobs.tables import Job, JobDepartement, JobPlan
from service.jobs.transitions import transition
from service.offre.entry_kind import KIND, SaisieOptions
from service.offre.tables import Dispositif, Entite
from service.referentiels.checks import Severite
from service.referentiels.text import normalise_name

_E = Severite.ERREUR
_DATES = ("date_ouverture", "date_fermeture")


class EntryNotFound(LookupError):
    """Unknown, or outside the caller's scope (404)."""


class EntryRefused(Exception):
    """Anomalies with at least one error: nothing was written (422)."""

    def __init__(self, anomalies: list[dict[str, str]]) -> None:
        super().__init__(f"{len(anomalies)} anomalie(s)")
        self.anomalies = anomalies


@dataclass(slots=True)
class Saved:
    values: dict[str, Any]
    job_id: int | None
    avertissements: list[dict[str, str]] = field(default_factory=list)


def _cell(value: object) -> object:
    """A JSON value as a spreadsheet cell: a list becomes « a; b », as users type it."""
    if isinstance(value, list):
        return "; ".join(str(v) for v in value)
    return value


def shown(sheet: Sheet, found: Anomalie) -> dict[str, str]:
    """An import anomaly as the form and the API show it: the field's JSON name, and the
    message without the sheet (there is none on screen) but with the column's header."""
    by_header = {c.header: c for c in sheet.columns}
    column = by_header.get(found.colonne)
    _, _, rest = found.message.partition(" : ")
    return {
        "colonne": column.field if column else found.colonne,
        "valeur": found.valeur,
        "code": found.code,
        "severite": str(found.severite),
        "message": f"{found.colonne} : {rest}" if found.colonne else rest,
    }


def _split(sheet: Sheet, found: list[Anomalie]) -> list[dict[str, str]]:
    """Errors first: they block; warnings are reported with the saved object."""
    ordered = sorted(found, key=lambda a: a.severite is not _E)
    return [shown(sheet, a) for a in ordered]


def _refuse_on_errors(sheet: Sheet, found: list[Anomalie]) -> None:
    if any(a.blocking for a in found):
        raise EntryRefused(_split(sheet, found))


def _hold(session: Session, departement: str) -> None:
    """The département's write lock, as every writing job takes it; 409 while a job holds it."""
    lock_departement(session, departement)
    holder = active_job(session, departement)
    if holder is not None:
        raise JobConflict(departement, holder)


def _job(
    session: Session, identity: Identity, objet: str, cle: str, change: Change, dep: str | None
) -> Job:
    """The job of this entry, applied and ended in the same transaction."""
    job = Job(
        type=KIND.name,
        soumis_par=identity.utilisateur_id,
        options=SaisieOptions(objet=objet, cle=cle).model_dump(mode="json"),
        etape=Etape.FIN,
    )
    session.add(job)
    session.flush()
    transition(job, Statut.APPLICATION)
    transition(job, Statut.TERMINE)
    counted = "creations" if change.action == CREATION else "modifications"
    if dep is None:
        setattr(job, counted, 1)
    else:
        unit = JobDepartement(job_id=job.id, departement=dep, statut=Statut.EN_ATTENTE)
        transition(unit, Statut.APPLICATION)
        transition(unit, Statut.TERMINE)
        setattr(unit, counted, 1)
        session.add(unit)
    session.add(
        JobPlan(
            job_id=job.id,
            feuille=change.feuille,
            ligne=None,
            departement=dep,
            action=change.action,
            cle=cle,
            cible_id=change.cible_id,
            avant=change.avant,
            apres=change.apres,
        )
    )
    session.flush()
    return job


def _stored(name: str, value: Any) -> Any:
    return date.fromisoformat(value) if name in _DATES and value else value


# -- entités ---------------------------------------------------------------------------------


def _entite_row(cells: Mapping[str, object], *, creation: bool) -> NormalisedRow:
    columns = ENTITES.columns if creation else [c for c in ENTITES.columns if c.field in cells]
    return normalise_row(ENTITES, 0, {c.field: _cell(cells.get(c.field)) for c in columns})


def save_entite(
    session: Session, identity: Identity, fields: Mapping[str, object], siren: str | None = None
) -> Saved:
    """Create (``siren`` None) or change one entité. Entités are national, like in the import;
    their siège's département lock is held while writing."""
    creation = siren is None
    row = _entite_row(fields, creation=creation)
    _refuse_on_errors(ENTITES, row.anomalies)
    key = row.values["siren"] if creation else siren
    assert key is not None
    live = live_entites(session, [key])
    if creation and live:
        found = anomaly(
            ENTITES.name, 0, ENTITES.column("siren").header, key, "ENTITE_EXISTANTE", _E,
            "une entité porte déjà ce SIREN : modifiez-la plutôt que d'en créer une autre.",
        )  # fmt: skip
        raise EntryRefused(_split(ENTITES, [found]))
    if not creation and not live:
        raise EntryNotFound(key)
    current = live.get(key)
    siege = row.values.get("departement_siege") or (current or {}).get("departement_siege")
    assert siege is not None
    lock_entites(session)
    _hold(session, siege)
    plan = plan_entites([StagedRow(0, {**row.values, "siren": key})], live_entites(session, [key]))
    (change,) = plan.changes
    if change.apres is None:  # nothing changed
        return Saved(_entite_values(session, key), None, _split(ENTITES, row.anomalies))
    job = _job(session, identity, "entite", key, change, None)
    values = {f: _stored(f, change.apres[f]) for f in ENTITE_FIELDS}
    if creation:
        entite = Entite(**values, modifie_par_job_id=job.id)
        session.add(entite)
        session.flush()
        journal_inserted(session, job.id, None, "entite", [entite.id])
    else:
        journal_before(session, job.id, None, "entite", "siren", [key])
        entite = session.scalars(select(Entite).where(Entite.siren == key)).one()
        for name, value in values.items():
            setattr(entite, name, value)
        entite.modifie_le = func.now()
        entite.modifie_par_job_id = job.id
    _audit(session, identity, job, "entite", key, None, change)
    session.flush()
    return Saved(_entite_values(session, key), job.id, _split(ENTITES, row.anomalies))


def _entite_values(session: Session, siren: str) -> dict[str, Any]:
    from service.offre.queries import entite_dict

    entite = session.scalars(
        select(Entite).where(Entite.siren == siren).execution_options(populate_existing=True)
    ).one()
    return entite_dict(entite)


# -- dispositifs -----------------------------------------------------------------------------


def _known(session: Session, siren: str | None, identifiant: str | None) -> cross_rules.KnownKeys:
    """The database keys the cross rules need, for the one row at hand."""
    sirens = frozenset(
        session.scalars(select(Entite.siren).where(Entite.siren == siren)) if siren else ()
    )
    identifiants = dict(
        session.execute(
            select(Dispositif.identifiant, Dispositif.departement).where(
                Dispositif.identifiant == identifiant
            )
        ).all()
        if identifiant
        else ()
    )
    return cross_rules.KnownKeys(sirens=sirens, identifiants=identifiants)


def _key(row: NormalisedRow) -> cross_rules.DispositifKey:
    v = row.values
    return cross_rules.DispositifKey(
        0, v.get("identifiant"), v.get("siren"), v.get("departement"), v.get("type_code"),
        v.get("nom"), row.has_error,
    )  # fmt: skip


def find_dispositif(session: Session, identity: Identity, identifiant: str) -> dict[str, Any]:
    """The dispositif as the import reads it (JSON-ready, with ``id`` and ``siren``), if the
    caller may write its département; EntryNotFound otherwise."""
    dep = session.scalar(
        select(Dispositif.departement).where(Dispositif.identifiant == identifiant.upper())
    )
    if dep is None or not can(identity, Action.IMPORTER_OFFRE, dep):
        raise EntryNotFound(identifiant)
    return next(
        d for d in live_dispositifs(session, dep) if d["identifiant"] == identifiant.upper()
    )


def save_dispositif(
    session: Session,
    identity: Identity,
    fields: Mapping[str, object],
    identifiant: str | None = None,
) -> Saved:
    """Create (``identifiant`` None) or change one dispositif; closing it is giving its
    ``date_fermeture``."""
    ctx = rule_context(identity)
    current = find_dispositif(session, identity, identifiant) if identifiant else None
    given = {k: _cell(v) for k, v in fields.items() if k != "identifiant"}
    columns = [c for c in DISPOSITIFS.columns if c.field != "identifiant"]
    if current is not None:
        columns = [c for c in columns if c.field in given]
    row = normalise_row(DISPOSITIFS, 0, {c.field: given.get(c.field) for c in columns})
    # The row rules judge the dispositif as it would be: its current values, then the changes.
    whole = NormalisedRow(DISPOSITIFS.name, 0, anomalies=row.anomalies)
    if current is not None:
        whole.values = {f: current.get(f) for f in ("identifiant", *DISPOSITIF_FIELDS)}
    whole.values.update(row.values)
    whole.anomalies.extend(rules.check_dispositif_row(whole, ctx))
    known = _known(session, whole.values.get("siren"), whole.values.get("identifiant"))
    whole.anomalies.extend(cross_rules.dispositif_rules([_key(whole)], [], known, ctx.scope))
    _refuse_on_errors(DISPOSITIFS, whole.anomalies)
    dep = whole.values["departement"]
    _hold(session, dep)
    live = live_dispositifs(session, dep)
    staged = dict(row.values)
    if current is not None:
        staged["identifiant"] = current["identifiant"]
    else:
        _refuse_duplicate(whole, live)
    mine = live if current is None else [d for d in live if d["id"] == current["id"]]
    plan = plan_departement(
        dep, [StagedRow(0, staged)], mine,
        mirror=False, state_profile=ctx.state_profile, today=date.today().isoformat(),
        **held_groupes(session, dep),
    )  # fmt: skip
    _refuse_on_errors(DISPOSITIFS, plan.anomalies)
    if current is not None:
        _refuse_duplicate(whole, [d for d in live if d["id"] != current["id"]])
    warnings = _split(DISPOSITIFS, whole.anomalies + plan.anomalies)
    (change,) = plan.changes
    if change.apres is None:  # nothing changed
        assert current is not None
        return Saved(_dispositif_values(session, current["identifiant"]), None, warnings)
    return _write_dispositif(session, identity, dep, change, current, warnings)


def _refuse_duplicate(whole: NormalisedRow, others: list[dict[str, Any]]) -> None:
    """Two dispositifs of one entité with the same type and name in a département are one: the
    import would update the existing one; on screen, say which one it is."""
    mine = natural_key(whole.values)
    for other in others:
        if natural_key(other) == mine:
            found = anomaly(
                DISPOSITIFS.name, 0, DISPOSITIFS.column("nom").header, whole.values.get("nom"),
                "DISPOSITIF_EXISTANT", _E,
                f"l'entité a déjà un dispositif de ce type et de ce nom dans le département : "
                f"{other['identifiant']}. Modifiez celui-ci, ou choisissez un autre nom.",
            )  # fmt: skip
            raise EntryRefused(_split(DISPOSITIFS, [found]))


def _write_dispositif(
    session: Session,
    identity: Identity,
    dep: str,
    change: Change,
    current: dict[str, Any] | None,
    warnings: list[dict[str, str]],
) -> Saved:
    after = dict(change.apres or {})
    if current is None:
        (after["identifiant"],) = allocate_identifiants(session, dep, 1)
        change = Change(
            change.action, change.feuille, None, after["identifiant"], None, None, after
        )
    identifiant = after["identifiant"]
    job = _job(session, identity, "dispositif", identifiant, change, dep)
    entite_id = session.scalar(select(Entite.id).where(Entite.siren == after["siren"]))
    values = {f: _stored(f, after.get(f)) for f in DISPOSITIF_FIELDS if f != "siren"} | {
        "entite_id": entite_id,
        "nom_normalise": normalise_name(after["nom"]),
    }
    if current is None:
        dispositif = Dispositif(identifiant=identifiant, **values, modifie_par_job_id=job.id)
        session.add(dispositif)
        session.flush()
        journal_inserted(session, job.id, dep, "dispositif", [dispositif.id])
    else:
        journal_before(session, job.id, dep, "dispositif", "identifiant", [identifiant])
        dispositif = session.get_one(Dispositif, current["id"])
        for name, value in values.items():
            setattr(dispositif, name, value)
        dispositif.modifie_le = func.now()
        dispositif.modifie_par_job_id = job.id
    _audit(session, identity, job, "dispositif", identifiant, dep, change)
    session.flush()
    return Saved(_dispositif_values(session, identifiant), job.id, warnings)


def _dispositif_values(session: Session, identifiant: str) -> dict[str, Any]:
    from service.offre.queries import dispositif_dict

    dispositif, siren = session.execute(
        select(Dispositif, Entite.siren)
        .join(Entite, Entite.id == Dispositif.entite_id)
        .where(Dispositif.identifiant == identifiant)
        .execution_options(populate_existing=True)
    ).one()
    return dispositif_dict(dispositif, siren)


def _audit(
    session: Session,
    identity: Identity,
    job: Job,
    objet: str,
    cle: str,
    dep: str | None,
    change: Change,
) -> None:
    audit.record(
        session,
        identity.utilisateur_id,
        job.id,
        f"saisie.{objet}.{change.action}",
        objet,
        cle,
        departement=dep,
        details={"champs": sorted(change.avant or change.apres or {})},
    )
