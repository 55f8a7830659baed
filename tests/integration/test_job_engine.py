"""The job engine with a kind of the tests' own (tests/support/toy_kind.py), registered here:
nothing in service/jobs or tasks names it.

The first tests drive the runner directly (units captured instead of sent, so that no worker
races them); the last ones submit without the API and let the real worker, leases and the
reconciler run the job.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import pytest
import structlog
from sqlalchemy import Engine, select, text, update
from sqlalchemy.orm import Session

from service.auth.accounts import add_user
from service.auth.permissions import Identity
from service.config import get_settings
from service.db.engine import session_scope
from service.jobs import audit, kinds, leases, publication, runner
from service.jobs import engine as job_engine
from service.jobs.enums import FINAL, Statut
from service.jobs.tables import Job, JobDepartement
from service.jobs.units import TASK_DEPARTEMENT, TASK_JOB, Unit
from tests.support.toy_kind import APPLIED, TOY, ToyOptions, applied, register, steal_lease
from tests.support.units import captured_units

DEPS = ["01", "13", "2A", "75", "971"]


@pytest.fixture(autouse=True)
def toy_kind() -> Iterator[None]:
    register()
    yield
    kinds.unregister(TOY.name)


@pytest.fixture
def submitter(engine: Engine) -> Identity:
    with session_scope() as session:
        user = add_user(session, "equipe.projet@social.gouv.fr", "ADMIN_NATIONAL")
        return Identity(user.id, user.courriel, user.profil_code)


@pytest.fixture
def sent() -> Iterator[list[Unit]]:
    """Units captured instead of sent to the broker: the test runs them itself."""
    with captured_units() as captured:
        yield captured


def submit(identity: Identity, departements: list[str] = DEPS, **options: Any) -> int:
    parallele = options.pop("parallele", None)
    arret = options.pop("arret_apres_echecs", None)
    with session_scope() as session:
        job = job_engine.create_job(
            session,
            identity,
            TOY,
            ToyOptions(**options),
            departements=departements,
            parallele=parallele,
            arret_apres_echecs=arret,
        )
        return job.id


def run(units: list[Unit]) -> None:
    """Run what was sent, as a worker would, until nothing is left."""
    while units:
        unit = units.pop(0)
        if unit.task == TASK_JOB:
            runner.run_job_unit(unit.job_id)
        else:
            assert unit.task == TASK_DEPARTEMENT and unit.departement is not None
            runner.run_departement_unit(unit.job_id, unit.departement)


def state(job_id: int) -> tuple[str, dict[str, str]]:
    with session_scope() as session:
        job = session.get(Job, job_id)
        assert job is not None
        rows = session.scalars(select(JobDepartement).where(JobDepartement.job_id == job_id))
        return job.statut, {r.departement: r.statut for r in rows}


def message(job_id: int, departement: str | None = None) -> str | None:
    with session_scope() as session:
        if departement is None:
            job = session.get(Job, job_id)
            return job.message if job else None
        row = session.get(JobDepartement, (job_id, departement))
        return row.message if row else None


def applied_deps(job_id: int) -> list[str]:
    with session_scope() as session:
        return applied(session, job_id)


def test_a_kind_of_its_own_runs_through_analysis_and_departements(
    submitter: Identity, sent: list[Unit]
) -> None:
    job_id = submit(submitter, etapes=3)
    assert sent == [Unit(TASK_JOB, job_id)]  # published after the commit, once
    run(sent)
    assert state(job_id) == ("termine", dict.fromkeys(DEPS, "termine"))
    assert sorted(applied_deps(job_id)) == sorted(DEPS)
    with session_scope() as session:
        job = session.get(Job, job_id)
        assert job is not None and job.traitees == 3 and job.debut and job.fin
        assert job.fin >= job.debut


def test_units_are_published_in_order_n_at_a_time(submitter: Identity, sent: list[Unit]) -> None:
    order = ["75", "13", "971", "2A", "01"]
    job_id = submit(submitter, departements=order, parallele=2)
    run([sent.pop(0)])  # the analysis: it starts the application
    assert [u.departement for u in sent] == ["75", "13"]
    while sent:
        run([sent.pop(0)])  # each finished unit lets the next one go, in the given order
    assert applied_deps(job_id) == order
    assert all(seen <= 2 for _, seen in TOY.started[job_id]), TOY.started[job_id]
    assert state(job_id)[0] == "termine"


def test_failure_budget_leaves_the_rest_not_launched(submitter: Identity, sent: list[Unit]) -> None:
    job_id = submit(
        submitter,
        departements=["75", "13", "69", "33", "01"],
        parallele=1,
        arret_apres_echecs=2,
        refuser=("75", "69"),
    )
    run(sent)
    statut, by_dep = state(job_id)
    assert by_dep == {
        "75": "echec",
        "13": "termine",
        "69": "echec",
        "33": "annule",
        "01": "annule",
    }
    assert "Non lancé" in (message(job_id, "33") or "")
    # Some départements switched: the job is done, its failures listed.
    assert statut == "termine"
    assert "69" in (message(job_id) or "") and "75" in (message(job_id) or "")
    assert applied_deps(job_id) == ["13"]


def test_a_job_whose_every_unit_failed_ends_in_echec(submitter: Identity, sent: list[Unit]) -> None:
    job_id = submit(submitter, departements=["75", "13"], refuser=("75", "13"))
    run(sent)
    assert state(job_id) == ("echec", {"75": "echec", "13": "echec"})
    assert message(job_id, "75") == "Le département 75 refuse."


def test_serialization_failure_retries_the_whole_unit(
    submitter: Identity, sent: list[Unit]
) -> None:
    job_id = submit(submitter, departements=["75"], serialisation=("75",))
    run(sent)
    assert (job_id, "75") in TOY.serialization_failures  # the fault fired
    assert state(job_id) == ("termine", {"75": "termine"})
    assert applied_deps(job_id) == ["75"]  # once, by the retry


def test_a_programming_error_fails_the_unit_with_its_reason(
    submitter: Identity, sent: list[Unit]
) -> None:
    job_id = submit(submitter, departements=["75", "13"], planter=("13",))
    run(sent)
    assert state(job_id) == ("termine", {"75": "termine", "13": "echec"})
    assert message(job_id, "13") == "erreur interne (RuntimeError)"


def test_poison_unit_ends_echec_after_its_attempts(submitter: Identity, sent: list[Unit]) -> None:
    job_id = submit(submitter, departements=["75", "13"])
    run([sent.pop(0)])
    with session_scope() as session:  # redelivered and lost as often as allowed
        session.execute(
            update(JobDepartement)
            .where(JobDepartement.job_id == job_id, JobDepartement.departement == "13")
            .values(tentatives=get_settings().max_attempts)
        )
    run(sent)
    assert state(job_id) == ("termine", {"75": "termine", "13": "echec"})
    assert "tentatives" in (message(job_id, "13") or "")
    assert applied_deps(job_id) == ["75"]


def test_fencing_rejects_the_commit_of_a_worker_whose_lease_was_taken(
    submitter: Identity, sent: list[Unit]
) -> None:
    job_id = submit(submitter, departements=["75"])
    run([sent.pop(0)])

    def stale_stage(session: Session, lease: leases.Lease) -> None:
        steal_lease(job_id, "75")  # another worker took the unit over meanwhile
        audit.record(session, None, job_id, APPLIED, "jouet", departement="75")

    with structlog.testing.capture_logs() as logs:
        runner.run_unit(job_id, "75", stale_stage)
    assert any(e["event"] == "unit.lease_lost" for e in logs)  # the fault fired
    assert applied_deps(job_id) == []  # nothing of the stale worker was committed
    assert state(job_id) == ("application", {"75": "application"})
    with session_scope() as session:  # the new holder's token stands
        row = session.get(JobDepartement, (job_id, "75"))
        assert row is not None and row.bail_jeton == 2
    expire_leases(job_id)


def test_stale_lease_check_raises(submitter: Identity, sent: list[Unit]) -> None:
    job_id = submit(submitter, departements=["75"])
    with session_scope() as session:
        first = leases.claim(session, job_id)
        session.execute(update(Job).where(Job.id == job_id).values(bail_expire=text("now()")))
    with session_scope() as session:
        second = leases.claim(session, job_id)
    assert first and second and second.token == first.token + 1
    with session_scope() as session, pytest.raises(leases.LeaseLost):
        leases.check(session, first)
    expire_leases(job_id)


def expire_leases(job_id: int) -> None:
    """The leases these tests hold with no worker behind them: expired, so that the clean-up
    does not wait for a worker that does not exist."""
    with session_scope() as session:
        session.execute(update(Job).where(Job.id == job_id).values(bail_expire=text("now()")))
        session.execute(
            update(JobDepartement)
            .where(JobDepartement.job_id == job_id)
            .values(bail_expire=text("now()"))
        )


def test_cancel_between_steps_stops_the_analysis(submitter: Identity, sent: list[Unit]) -> None:
    job_id = submit(submitter, etapes=5, annuler_apres=2)
    run(sent)
    assert state(job_id) == ("annule", dict.fromkeys(DEPS, "annule"))
    with session_scope() as session:
        job = session.get(Job, job_id)
        assert job is not None and job.traitees == 2 and job.fin is not None
    assert applied_deps(job_id) == []


def test_the_engine_refuses_an_illegal_move(submitter: Identity, sent: list[Unit]) -> None:
    from service.jobs.transitions import IllegalTransition, transition

    job_id = submit(submitter, departements=["75"])
    run(sent)
    with session_scope() as session:
        job = session.get(Job, job_id)
        assert job is not None
        with pytest.raises(IllegalTransition):
            transition(job, Statut.ANALYSE)


def wait_final(job_id: int, timeout: float = 60) -> str:
    deadline = time.monotonic() + timeout
    while True:
        statut = state(job_id)[0]
        if statut in FINAL:
            return statut
        assert time.monotonic() < deadline, state(job_id)
        time.sleep(0.1)


@pytest.mark.usefixtures("celery_worker")
def test_submitted_without_the_api_run_by_the_worker(submitter: Identity) -> None:
    job_id = submit(submitter, parallele=2, serialisation=("13",))
    assert wait_final(job_id) == "termine"
    assert sorted(applied_deps(job_id)) == sorted(DEPS)
    assert all(seen <= 2 for _, seen in TOY.started[job_id]), TOY.started[job_id]


@pytest.mark.usefixtures("celery_worker")
def test_lost_messages_are_recovered_by_the_reconciler(
    submitter: Identity, monkeypatch: pytest.MonkeyPatch
) -> None:
    from tasks.reconcile import reconcile

    # Units published and never claimed count as lost after two leases.
    monkeypatch.setattr(get_settings(), "lease_seconds", 2)
    previous = publication._sender
    publication.set_sender(lambda task, args: None)  # Redis lost every wake-up
    try:
        job_id = submit(submitter, parallele=2)
    finally:
        publication.set_sender(previous)
    deadline = time.monotonic() + 60
    while state(job_id)[0] not in FINAL:
        reconcile()  # what beat runs every few seconds
        assert time.monotonic() < deadline, state(job_id)
        time.sleep(0.2)
    assert state(job_id) == ("termine", dict.fromkeys(DEPS, "termine"))
    assert sorted(applied_deps(job_id)) == sorted(DEPS)
