"""Exactly-once effects on at-least-once delivery: real worker processes killed, Redis restarted
empty, a PostgreSQL backend terminated, a task delivered twice, concurrent submissions. Each run
must end with the same business tables as an uninterrupted one, without duplicates, and with
the job in its right final state."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.fault_stack import FaultStack
from tests.support.samples import DEPARTEMENTS, PER_DEPARTEMENT, ROWS, WORKBOOK
from tests.support.servers import Servers
from tests.support.workbooks import xlsx_bytes


@pytest.fixture
def stack(servers: Servers, tmp_path: Path) -> Iterator[FaultStack]:
    fault_stack = FaultStack(servers, tmp_path)
    try:
        yield fault_stack
    finally:
        fault_stack.close()


@pytest.fixture(scope="module")
def reference_digest(servers: Servers, tmp_path_factory: pytest.TempPathFactory) -> str:
    """The business tables after an uninterrupted run of the same file."""
    reference = FaultStack(servers, tmp_path_factory.mktemp("reference"))
    try:
        reference.start_worker(concurrency=2)
        admin = reference.user("equipe.projet@social.gouv.fr", "ADMIN_NATIONAL")
        job = reference.submit(admin, WORKBOOK, application="automatique").json()
        assert reference.wait(admin, job["id"])["statut"] == "termine"
        return reference.digest()
    finally:
        reference.close()


def run_national(stack: FaultStack, **form: str) -> tuple[dict[str, str], dict]:  # type: ignore[type-arg]
    admin = stack.user("equipe.projet@social.gouv.fr", "ADMIN_NATIONAL")
    response = stack.submit(admin, WORKBOOK, application="automatique", **form)
    assert response.status_code == 202, response.text
    return admin, stack.wait(admin, response.json()["id"])


def assert_exactly_once(stack: FaultStack, job: dict, reference: str) -> None:  # type: ignore[type-arg]
    # Why it did not end « termine » (the job's and its units' messages), in CI's log too.
    why = [job.get("message")] + [
        (d["departement"], d["statut"], d.get("message")) for d in job.get("departements", [])
    ]
    assert job["statut"] == "termine", why
    assert job["creations"] == ROWS
    assert stack.digest() == reference
    (count,) = stack.sql("SELECT count(*) FROM offre.dispositif")[0]
    assert count == ROWS - 2
    journal = stack.sql(
        "SELECT count(*), count(DISTINCT (table_nom, objet_id)) FROM offre.journal_annulation "
        "WHERE job_id = %s",
        job["id"],
    )[0]
    assert journal == (ROWS, ROWS)  # each row applied once, by one transaction


def test_worker_killed_between_two_departements(stack: FaultStack, reference_digest: str) -> None:
    stack.start_worker("unit.apres_commit=kill@33")
    stack.start_beat()
    _, job = run_national(stack)
    assert stack.fired("unit.apres_commit", "33")
    assert_exactly_once(stack, job, reference_digest)


def test_worker_killed_during_a_departement_apply(stack: FaultStack, reference_digest: str) -> None:
    stack.start_worker("unit.avant_commit=kill@69")
    stack.start_beat()
    _, job = run_national(stack)
    assert stack.fired("unit.avant_commit", "69")
    assert_exactly_once(stack, job, reference_digest)
    (attempts,) = stack.sql(
        "SELECT count(*) FROM offre.audit WHERE job_id = %s AND departement = '69'", job["id"]
    )[0]
    assert attempts == 1


@pytest.mark.parametrize(
    "commit",
    [
        pytest.param("3", id="pendant-la-lecture"),  # 3rd batch of 20 rows committed
        pytest.param("9", id="pendant-le-plan"),  # rows staged, plan of a département done
    ],
)
def test_worker_killed_during_the_analysis_resumes_from_its_checkpoint(
    stack: FaultStack, reference_digest: str, commit: str
) -> None:
    stack.start_worker(f"unit.lot_valide=kill@{commit}", OFFRE_BATCH_SIZE="20")
    stack.start_beat()
    _, job = run_national(stack)
    assert stack.fired("unit.lot_valide", commit)
    assert_exactly_once(stack, job, reference_digest)
    assert job["lignes"] == ROWS and job["erreurs"] == 0
    staged = stack.sql("SELECT count(*) FROM offre.job_ligne WHERE job_id = %s", job["id"])
    assert staged == [(ROWS,)]
    expected_stage = "analyse" if commit == "3" else "plan"
    assert f"etape={expected_stage}" in stack.logs().split("import.analysis.resumed", 1)[1][:200]


def test_postgres_backend_terminated_during_apply(stack: FaultStack, reference_digest: str) -> None:
    stack.start_worker("unit.avant_commit=pg-terminate@75")
    stack.start_beat()
    _, job = run_national(stack)
    assert stack.fired("unit.avant_commit", "75")
    assert_exactly_once(stack, job, reference_digest)


def test_redis_restarted_empty_mid_job(stack: FaultStack, reference_digest: str) -> None:
    stack.start_worker("unit.avant_commit=pause")
    stack.start_beat()
    admin = stack.user("equipe.projet@social.gouv.fr", "ADMIN_NATIONAL")
    job_id = stack.submit(admin, WORKBOOK, application="automatique").json()["id"]
    stack.wait(admin, job_id, final=("application",), timeout=60)
    stack.restart_redis()  # queued wake-ups vanish; the reconciler must recover them
    assert_exactly_once(stack, stack.wait(admin, job_id, timeout=120), reference_digest)
    assert stack.fired("unit.avant_commit")


def test_same_task_delivered_twice_at_once(stack: FaultStack, reference_digest: str) -> None:
    from celery import Celery

    stack.start_worker(concurrency=2)
    stack.start_worker(concurrency=2)
    admin = stack.user("equipe.projet@social.gouv.fr", "ADMIN_NATIONAL")
    job_id = stack.submit(admin, WORKBOOK).json()["id"]
    assert stack.wait(admin, job_id, final=("valide",))["statut"] == "valide"
    assert stack.http.post(f"/api/v1/jobs/{job_id}/appliquer", headers=admin).status_code == 202
    broker = Celery(broker=stack.env["REDIS_URL"])
    for dep in DEPARTEMENTS:
        for _ in range(2):
            broker.send_task("offre.run_departement", args=[job_id, dep], queue="long")
        broker.send_task("offre.run_job", args=[job_id], queue="long")
    assert_exactly_once(stack, stack.wait(admin, job_id), reference_digest)


def test_two_imports_of_one_departement_submitted_together(stack: FaultStack) -> None:
    stack.start_worker(concurrency=2)
    admin = stack.user("admin.rhone@ddets.gouv.fr", "ADMIN_DEPARTEMENTAL", "69")
    rows = [
        ["SIREN", "Raison sociale", "Département du siège"],
        ["732829320", "Association Aurore", "75"],
    ]
    data = xlsx_bytes(
        {
            "Entités": rows,
            "Dispositifs": [
                ["SIREN de l'entité", "Nom du dispositif", "Type de dispositif", "Département"],
                ["732829320", "CHRS Lyon", "CHRS", "69"],
            ],
        }
    )
    results: list[int] = []

    def post() -> None:
        results.append(stack.submit(admin, data, application="automatique").status_code)

    threads = [threading.Thread(target=post) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(results) == [202, 409]
    (job_id,) = stack.sql("SELECT id FROM offre.job")[0]
    assert stack.wait(admin, job_id)["statut"] == "termine"
    assert stack.sql("SELECT count(*) FROM offre.dispositif")[0] == (1,)


def test_national_files_racing_on_the_same_rows_never_duplicate(stack: FaultStack) -> None:
    stack.start_worker(concurrency=2)
    admin = stack.user("equipe.projet@social.gouv.fr", "ADMIN_NATIONAL")
    first = stack.submit(admin, WORKBOOK, application="automatique").json()["id"]
    second = stack.submit(admin, WORKBOOK, application="automatique").json()["id"]
    outcomes = sorted(stack.wait(admin, j)["statut"] for j in (first, second))
    # The one that applies second either finds its plan stale or has nothing left to create.
    assert outcomes[0] in ("echec", "termine") and "termine" in outcomes
    assert stack.sql("SELECT count(*) FROM offre.dispositif")[0] == (ROWS - 2,)
    assert stack.sql(
        "SELECT count(*) FROM (SELECT nom_normalise FROM offre.dispositif "
        "GROUP BY entite_id, departement, type_code, nom_normalise HAVING count(*) > 1) d"
    )[0] == (0,)


def test_poison_unit_ends_in_echec_without_hot_loop(stack: FaultStack) -> None:
    stack.start_worker("unit.avant_commit=kill-toujours@13")
    stack.start_beat()
    _, job = run_national(stack)
    assert stack.fired("unit.avant_commit", "13")
    assert job["statut"] == "echec"
    by_dep = {d["departement"]: d for d in job["departements"]}
    assert by_dep["13"]["statut"] == "echec"
    assert "tentatives" in by_dep["13"]["message"]
    assert all(by_dep[d]["statut"] == "termine" for d in ("33", "69", "75"))
    assert stack.sql("SELECT count(*) FROM offre.dispositif WHERE departement = '13'")[0] == (0,)


def test_cancel_during_application_stops_between_departements(stack: FaultStack) -> None:
    stack.start_worker("unit.avant_commit=pause")
    admin = stack.user("equipe.projet@social.gouv.fr", "ADMIN_NATIONAL")
    job_id = stack.submit(admin, WORKBOOK, application="automatique").json()["id"]
    stack.wait(admin, job_id, final=("application",), timeout=60)
    response = stack.http.post(f"/api/v1/jobs/{job_id}/annuler", headers=admin)
    assert response.status_code == 202
    job = stack.wait(admin, job_id)
    assert stack.fired("unit.avant_commit")
    assert job["statut"] == "annule", job
    states = {d["departement"]: d["statut"] for d in job["departements"]}
    assert "annule" in states.values()
    # Never half-applied: each département has all of its dispositifs or none.
    counts = dict(stack.sql("SELECT departement, count(*) FROM offre.dispositif GROUP BY 1"))
    for dep, statut in states.items():
        assert counts.get(dep, 0) == (PER_DEPARTEMENT if statut == "termine" else 0), states
