"""Open event streams cannot take the API down: they hold no database connection while they
wait (50 streams with a pool of 15 and a 1 s pool timeout, every other route still answers),
and they close when their reader's account is deactivated."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.support.fault_stack import FaultStack
from tests.support.samples import GOOD_DISPOSITIFS, GOOD_ENTITES, workbook
from tests.support.servers import Servers

STREAMS = 50
READER = "equipe.projet@social.gouv.fr"


@pytest.fixture
def stack(servers: Servers, tmp_path: Path) -> Iterator[FaultStack]:
    running = FaultStack(
        servers,
        tmp_path,
        api_env={
            "OFFRE_DB_POOL_SIZE": "15",
            "OFFRE_DB_POOL_OVERFLOW": "0",
            "OFFRE_DB_POOL_TIMEOUT": "1",
            "OFFRE_EVENTS_RECHECK_SECONDS": "1",
        },
    )
    try:
        yield running
    finally:
        running.close()


def test_fifty_open_streams_leave_the_api_answering(stack: FaultStack) -> None:
    admin = stack.user("admin.paris@ddets.gouv.fr", "ADMIN_DEPARTEMENTAL", "75")
    reader = stack.user(READER, "ADMIN_NATIONAL")
    # No worker runs: the job stays « en attente » and its streams wait.
    job_id = stack.submit(admin, workbook(GOOD_ENTITES, GOOD_DISPOSITIFS)).json()["id"]
    opened = threading.Barrier(STREAMS + 1, timeout=60)
    ends: list[str] = []

    def listen() -> None:
        url = f"http://127.0.0.1:{stack.api_port}/api/v1/jobs/{job_id}/evenements"
        with httpx.stream("GET", url, headers=reader, timeout=120) as response:
            assert response.status_code == 200
            lines = response.iter_lines()
            assert next(lines).startswith("event: progression")
            opened.wait()
            last = ""
            for line in lines:
                last = line or last
        ends.append(last)

    threads = [threading.Thread(target=listen) for _ in range(STREAMS)]
    for thread in threads:
        thread.start()
    opened.wait()  # every stream is open and waiting
    for url in ("/api/v1/jobs", f"/api/v1/jobs/{job_id}", f"/api/v1/jobs/{job_id}/anomalies"):
        response = stack.http.get(url, headers=admin)
        assert response.status_code == 200, (url, response.text)
    assert stack.http.get("/ready").status_code == 200

    stack.execute("UPDATE offre.utilisateur SET actif = false WHERE courriel = %s", READER)
    for thread in threads:
        thread.join(timeout=60)
    assert not any(t.is_alive() for t in threads)  # every stream closed
    assert len(ends) == STREAMS and all("Accès retiré" in end for end in ends), ends[:3]
