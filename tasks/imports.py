"""Task shells of import jobs: ids in, one service call, commits and publication by the runner."""

from __future__ import annotations

from service.imports.steps import run_departement, run_job
from service.jobs.units import TASK_DEPARTEMENT, TASK_JOB
from tasks.runner import run_unit
from workers.app import app


@app.task(name=TASK_JOB)
def executer_job(job_id: int) -> None:
    run_unit(job_id, None, run_job)


@app.task(name=TASK_DEPARTEMENT)
def appliquer_departement(job_id: int, departement: str) -> None:
    run_unit(job_id, departement, run_departement)
