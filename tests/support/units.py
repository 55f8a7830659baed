"""Units of work kept by the test instead of sent to the broker: the test runs them itself."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from service.jobs import publication
from service.jobs.units import TASK_PARTIE, Unit


@contextmanager
def captured_units() -> Iterator[list[Unit]]:
    """Every unit published while inside, in order, as the Unit the engine made of it."""
    units: list[Unit] = []

    def keep(task: str, args: list[object]) -> None:
        job_id = int(str(args[0]))
        key = str(args[1]) if len(args) > 1 else None
        units.append(
            Unit(task, job_id, partie=key) if task == TASK_PARTIE else Unit(task, job_id, key)
        )

    previous = publication._sender
    publication.set_sender(keep)
    try:
        yield units
    finally:
        publication.set_sender(previous)
