"""Temps 3 on at-least-once delivery, real worker processes (issue 12, item 9): a worker killed
during a département's switch and during a rollback, the same units delivered twice, départements
sharing legacy rows switched in parallel. Each run ends with no département half-switched and
the same module and ``siao`` as an uninterrupted run."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from tests.support.fault_stack import FaultStack
from tests.support.servers import Servers
from tests.support.temps3 import API, TEMPS3_DIGEST, ready_stack

WAVE = ("75", "92", "93")  # Île-de-France: a regional entité, the DRIHL agent's accounts
SIAO = (
    "SELECT md5(concat_ws('#', (SELECT string_agg(t::text, ',' ORDER BY t.id) FROM siao.entite t),"
    " (SELECT string_agg(t::text, ',' ORDER BY t.id) FROM siao.structure t),"
    " (SELECT string_agg(t::text, ',' ORDER BY t.id) FROM siao.groupe_places t),"
    " (SELECT string_agg(t::text, ',' ORDER BY t.id) FROM siao.utilisateur t),"
    " (SELECT string_agg(t::text, ',' ORDER BY t.utilisateur_id, t.profil_historique_code)"
    "  FROM siao.utilisateur_profil t)))"
)


@dataclass(frozen=True)
class Reference:
    legacy_before: str  # siao before any switch
    switched: str  # TEMPS3_DIGEST after the uninterrupted wave


def _digest(stack: FaultStack, query: str) -> str:
    return str(stack.sql(query)[0][0])


def _ready(stack: FaultStack, tmp_path: Path) -> dict[str, str]:
    """Ready with a plain worker, stopped before the faulty one starts."""
    plain = stack.start_worker(concurrency=2)
    national = ready_stack(stack, WAVE, tmp_path)
    plain.terminate()
    plain.wait(15)
    return national


def _wave(stack: FaultStack, national: dict[str, str], **options: Any) -> dict[str, Any]:
    body = {"departements": list(WAVE), **options}
    response = stack.http.post(f"{API}/bascules", headers=national, json=body)
    assert response.status_code == 202, response.text
    return dict(stack.wait(national, response.json()["id"], timeout=180))


def _exactly_once(stack: FaultStack, job: dict[str, Any], reference: Reference) -> None:
    assert job["statut"] == "termine", job
    assert [d["statut"] for d in job["departements"]] == ["termine"] * len(WAVE), job
    assert _digest(stack, TEMPS3_DIGEST) == reference.switched
    audits = stack.sql(
        "SELECT departement, count(*) FROM offre.audit WHERE job_id = %s "
        "AND action = 'bascule.departement.basculee' GROUP BY 1 ORDER BY 1",
        job["id"],
    )
    assert audits == sorted((dep, 1) for dep in WAVE)
    journal = stack.sql(
        "SELECT count(*), count(DISTINCT (table_nom, objet_id)) FROM offre.journal_annulation "
        "WHERE job_id = %s",
        job["id"],
    )[0]
    assert journal[0] == journal[1] > 0


@pytest.fixture
def stack(servers: Servers, tmp_path: Path) -> Iterator[FaultStack]:
    fault_stack = FaultStack(servers, tmp_path)
    try:
        yield fault_stack
    finally:
        fault_stack.close()


@pytest.fixture(scope="module")
def reference(servers: Servers, tmp_path_factory: pytest.TempPathFactory) -> Reference:
    """The same wave, uninterrupted."""
    path = tmp_path_factory.mktemp("reference")
    stack = FaultStack(servers, path)
    try:
        national = _ready(stack, path)
        before = _digest(stack, SIAO)
        stack.start_worker(concurrency=2)
        job = _wave(stack, national)
        assert job["statut"] == "termine", job
        return Reference(before, _digest(stack, TEMPS3_DIGEST))
    finally:
        stack.close()


def test_worker_killed_during_a_departement_switch(
    stack: FaultStack, reference: Reference, tmp_path: Path
) -> None:
    national = _ready(stack, tmp_path)
    assert _digest(stack, SIAO) == reference.legacy_before
    stack.start_worker("unit.avant_commit=kill@93")
    stack.start_beat()
    job = _wave(stack, national, parallele=1)
    assert stack.fired("unit.avant_commit", "93")
    _exactly_once(stack, job, reference)


def test_worker_killed_during_a_rollback(
    stack: FaultStack, reference: Reference, tmp_path: Path
) -> None:
    national = _ready(stack, tmp_path)
    worker = stack.start_worker()
    job = _wave(stack, national)
    _exactly_once(stack, job, reference)
    worker.terminate()
    worker.wait(15)
    stack.start_worker("unit.avant_commit=kill@92")
    stack.start_beat()
    response = stack.http.post(f"{API}/jobs/{job['id']}/revenir", headers=national, json={})
    assert response.status_code == 202, response.text
    revert = stack.wait(national, response.json()["id"], timeout=180)
    assert stack.fired("unit.avant_commit", "92")
    assert revert["statut"] == "termine", revert
    assert _digest(stack, SIAO) == reference.legacy_before
    left = stack.sql(
        "SELECT (SELECT count(*) FROM offre.groupe_places), "
        "(SELECT count(*) FROM offre.utilisateur_historique), "
        "(SELECT count(*) FROM offre.departement WHERE module_actif)"
    )
    assert left == [(0, 0, 0)]


def test_same_units_delivered_twice(
    stack: FaultStack, reference: Reference, tmp_path: Path
) -> None:
    from celery import Celery

    national = _ready(stack, tmp_path)
    stack.start_worker(concurrency=2)
    stack.start_worker(concurrency=2)
    response = stack.http.post(f"{API}/bascules", headers=national, json={"departements": WAVE})
    assert response.status_code == 202, response.text
    job_id = response.json()["id"]
    broker = Celery(broker=stack.env["REDIS_URL"])
    for dep in WAVE:
        for _ in range(2):
            broker.send_task("offre.run_departement", args=[job_id, dep], queue="long")
    broker.send_task("offre.run_job", args=[job_id], queue="long")
    _exactly_once(stack, stack.wait(national, job_id, timeout=180), reference)


def test_departements_sharing_rows_switched_in_parallel(
    stack: FaultStack, reference: Reference, tmp_path: Path
) -> None:
    national = _ready(stack, tmp_path)
    regional = stack.sql(
        "SELECT e.id FROM siao.entite e JOIN siao.structure s ON s.entite_id = e.id "
        "GROUP BY e.id HAVING count(DISTINCT s.departement) = 3"
    )
    assert regional
    # Each unit, its own writes done, waits a while before the shared rows: all three overlap.
    stack.start_worker("bascule.partages=pause", concurrency=3)
    job = _wave(stack, national)
    assert stack.fired("bascule.partages")
    _exactly_once(stack, job, reference)
    spans = stack.sql(
        "SELECT debut, fin FROM offre.job_departement WHERE job_id = %s ORDER BY debut", job["id"]
    )
    assert spans[-1][0] < spans[0][1]  # the last one started before the first one ended
    assert stack.sql(
        "SELECT count(*) FROM siao.entite WHERE id = ANY(%s)", [r[0] for r in regional]
    ) == [(0,)]
    assert "deadlock" not in stack.logs().lower()
