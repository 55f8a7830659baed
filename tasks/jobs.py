"""The three task shells that run every kind of job: ids in, one service call. Leases, commits
and publication after commit are the runner's (service/jobs/runner.py)."""

from __future__ import annotations

from service.jobs import runner
from service.jobs.units import TASK_DEPARTEMENT, TASK_JOB, TASK_PARTIE
from workers.app import app


@app.task(name=TASK_JOB)
def run_job(job_id: int) -> None:
    runner.run_job_unit(job_id)


@app.task(name=TASK_DEPARTEMENT)
def run_departement(job_id: int, departement: str) -> None:
    runner.run_departement_unit(job_id, departement)


@app.task(name=TASK_PARTIE)
def run_partie(job_id: int, partie: str) -> None:
    runner.run_partie_unit(job_id, partie)
