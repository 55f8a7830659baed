"""Driving the API from tests: submit a workbook, wait for a job to reach a state."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from fastapi.testclient import TestClient

FINAL = ("valide", "invalide", "termine", "echec", "annule")


def wait_for(
    client: TestClient,
    headers: dict[str, str],
    job_id: int,
    until: Callable[[dict[str, Any]], bool] = lambda j: j["statut"] in FINAL,
    timeout: float = 60,
) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    while True:
        job = client.get(f"/api/v1/jobs/{job_id}", headers=headers).json()
        if until(job):
            return job
        assert time.monotonic() < deadline, job
        time.sleep(0.2)


def submit(client: TestClient, headers: dict[str, str], data: bytes, **form: str) -> Any:
    return client.post(
        "/api/v1/imports",
        headers=headers,
        files={"fichier": ("offre.xlsx", data)},
        data=form,
    )


def imported(client: TestClient, headers: dict[str, str], data: bytes, **form: str) -> Any:
    """The finished job of an upload, and its anomalies."""
    response = submit(client, headers, data, **form)
    assert response.status_code == 202, response.text
    job = wait_for(client, headers, response.json()["id"])
    found = client.get(f"/api/v1/jobs/{job['id']}/anomalies", headers=headers).json()["items"]
    return job, found
