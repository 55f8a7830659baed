"""Every log line inside a task carries task_id (and job_id/departement once bound); the
modules loaded before the pool forks stay shared with its children; no task leaves its caches
to the next."""

from __future__ import annotations

import gc
from typing import Any

import structlog
from celery.signals import task_postrun, task_prerun, worker_init, worker_process_init

from service.imports import normalise
from service.logging import configure_logging


@worker_init.connect
def _freeze(**_: Any) -> None:
    # Sent once every task module is imported, before the prefork children are forked. Objects
    # frozen are never visited by the collector again: a child's collections then write no
    # more into the pages it shares with the parent (copy-on-write would make them private),
    # and cost less, as they skip the ~100 MB of imported modules.
    gc.freeze()


@worker_process_init.connect
def _configure(**_: Any) -> None:
    configure_logging()
    # An analysis allocates millions of short-lived containers (a dict per row, lists, results)
    # freed by their reference counts: with the default threshold (700) the collector runs
    # thousands of times per file for nothing, a quarter of the validation's CPU at national
    # size (bench/bench_validation.py). Cycles are rare here; 20 000 keeps them bounded.
    gc.set_threshold(20_000, 10, 10)


@task_prerun.connect
def _bind(task_id: str | None = None, task: Any = None, **_: Any) -> None:
    structlog.contextvars.clear_contextvars()
    structlog.contextvars.bind_contextvars(task_id=task_id, task=getattr(task, "name", None))


@task_postrun.connect
def _unbind(**_: Any) -> None:
    structlog.contextvars.clear_contextvars()
    # A worker waits between jobs with none of the last file's checked values.
    normalise.clear_caches()
