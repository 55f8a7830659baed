"""Live display of a job: one bar for the file, one per département. A bar shows a total only
once the API knows it (the analysis counts lines before it knows how many there are)."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from rich.console import Console
from rich.progress import BarColumn, Progress, ProgressColumn, Task, TaskID, TextColumn
from rich.text import Text

from service.cli.connect import Api
from service.cli.explain import departement_line, libelle
from service.cli.failures import CliError

MOVING = ("en_attente", "analyse", "application")
INTERRUPTED = 130


class Count(ProgressColumn):
    """« 120/400 » once the total is known, « 120 ligne(s) » before."""

    def render(self, task: Task) -> Text:
        done = int(task.completed)
        if task.total is None:
            return Text(f"{done} ligne(s)" if done else "")
        return Text(f"{done}/{int(task.total)}")


@contextmanager
def watching(api: Api, job_id: int) -> Iterator[None]:
    """Ctrl-C inside stops the watching, not the job: say so, and how to follow it again."""
    try:
        yield
    except KeyboardInterrupt:
        raise CliError(
            f"Interrompu : le job {job_id} continue sur le serveur. Pour le suivre : "
            f"{api.cmd('job', job_id, '--suivre')}",
            INTERRUPTED,
        ) from None


Detail = Callable[[dict[str, Any]], str]


def follow(
    api: Api,
    job_id: int,
    console: Console,
    until_applied: bool,
    detail: Detail | None = None,
) -> dict[str, Any]:
    """Poll the job until it stops moving (JSON polling gives the same figures as events);
    ``detail`` says what a département's unit did, next to its bar (default: by job kind)."""
    with watching(api, job_id):
        return _follow(api, job_id, console, until_applied, detail)


def _follow(
    api: Api, job_id: int, console: Console, until_applied: bool, detail: Detail | None
) -> dict[str, Any]:
    with Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        Count(),
        TextColumn("{task.fields[etat]}"),
        console=console,
        transient=False,
    ) as progress:
        overall = progress.add_task(f"Job {job_id}", total=None, etat="")
        bars: dict[str, TaskID] = {}
        while True:
            job = api.client.job(job_id)
            analysing = job["statut"] in ("en_attente", "analyse")
            progress.update(
                overall,
                completed=job["traitees"],
                # While analysing, the count of lines grows with what has been read.
                total=None if analysing or not job["lignes"] else job["lignes"],
                etat=libelle(job["statut"]),
            )
            for dep in job["departements"]:
                code = dep["departement"]
                if code not in bars:
                    bars[code] = progress.add_task(f"  {code:>3}", total=None, etat="")
                if dep["statut"] in ("termine", "valide", "invalide"):
                    done = dep["lignes"]
                else:  # a département is applied in one transaction: no lines to count
                    done = 0 if dep["statut"] == "application" else dep["traitees"]
                progress.update(
                    bars[code],
                    total=dep["lignes"] or None,
                    completed=done or 0,
                    etat=(
                        f"{libelle(dep['statut'])} — {detail(dep)}"
                        if detail
                        else departement_line(dep, job["type"])
                    ),
                )
            if job["statut"] not in MOVING and not (
                until_applied
                and job["statut"] == "valide"
                and job["options"].get("application") == "automatique"
            ):
                return job
            time.sleep(0.5)
