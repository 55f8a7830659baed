"""Processes of the stack: `offre up` (everything), and each process on its own."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from service.config import get_settings
from service.jobs.queues import QUEUES

console = Console()


def _python(*args: str) -> list[str]:
    return [sys.executable, *args]


def api_command(port: int, host: str = "127.0.0.1") -> list[str]:
    return _python(
        "-m", "uvicorn", "api.app:app", "--host", host, "--port", str(port), "--no-access-log"
    )


def worker_command(queues: Sequence[str] = QUEUES, concurrency: int | None = None) -> list[str]:
    cmd = _python(
        "-m", "celery", "-A", "workers.app", "worker", "-Q", ",".join(queues), "-l", "INFO"
    )
    if concurrency:
        cmd += ["--concurrency", str(concurrency)]
    return cmd


def beat_command(schedule: Path) -> list[str]:
    return _python("-m", "celery", "-A", "workers.app", "beat", "-l", "INFO", "-s", str(schedule))


def flower_command(port: int) -> list[str]:
    return _python("-m", "celery", "-A", "workers.app", "flower", f"--port={port}")


def _exec(cmd: list[str]) -> None:
    os.execv(cmd[0], cmd)


def api(
    port: Annotated[int | None, typer.Option(help="Port HTTP (défaut : OFFRE_API_PORT).")] = None,
    host: Annotated[
        str | None, typer.Option(help="Adresse d'écoute (défaut : OFFRE_API_HOST).")
    ] = None,
) -> None:
    """Lance l'API (FastAPI sur uvicorn)."""
    settings = get_settings()
    _exec(api_command(port or settings.api_port, host or settings.api_host))


def worker(
    queues: Annotated[
        str, typer.Option("--files", help="Files à consommer, séparées par des virgules.")
    ] = ",".join(QUEUES),
    concurrency: Annotated[int, typer.Option(help="Nombre de processus (0 : un par cœur).")] = 0,
) -> None:
    """Lance un worker Celery (toutes les files par défaut)."""
    _exec(worker_command(queues.split(","), concurrency or None))


def beat() -> None:
    """Lance Celery beat (réconciliateur des tâches perdues ou bloquées)."""
    data_dir = Path(get_settings().data_dir).resolve()
    data_dir.mkdir(parents=True, exist_ok=True)
    _exec(beat_command(data_dir / "celerybeat-schedule"))


def flower(port: Annotated[int, typer.Option(help="Port HTTP de Flower.")] = 5555) -> None:
    """Lance Flower, la supervision des workers et des files."""
    _exec(flower_command(port))


@dataclass
class RunningStack:
    database_url: str
    redis_url: str
    api_url: str
    children: dict[str, subprocess.Popen[bytes]]

    def dead(self) -> list[str]:
        return [name for name, child in self.children.items() if child.poll() is not None]


@contextmanager
def running_stack(port: int) -> Iterator[RunningStack]:
    """PostgreSQL and Redis (embedded unless DATABASE_URL / REDIS_URL are set), migrations,
    then the API, one worker and beat as child processes, all stopped on exit."""
    from service.db.migrate import upgrade
    from service.embedded import start_postgres, start_redis

    settings = get_settings()
    data_dir = Path(settings.data_dir).resolve()
    env = dict(os.environ, OFFRE_DATA_DIR=str(data_dir))
    handles = []
    database_url, redis_url = settings.database_url, settings.redis_url
    if not database_url:
        console.print(f"PostgreSQL embarqué dans {data_dir / 'postgres'}…")
        database_url, handle = start_postgres(data_dir)
        handles.append(handle)
    if not redis_url:
        console.print(f"Redis embarqué dans {data_dir}…")
        redis_url, handle = start_redis(data_dir)
        handles.append(handle)
    env.update(DATABASE_URL=database_url, REDIS_URL=redis_url)
    console.print("Migrations du schéma…")
    upgrade(database_url)
    commands = {
        "api": api_command(port, settings.api_host),
        "worker": worker_command(),
        "beat": beat_command(data_dir / "celerybeat-schedule"),
    }
    children = {
        name: subprocess.Popen(cmd, env=env, start_new_session=True)
        for name, cmd in commands.items()
    }
    stack = RunningStack(database_url, redis_url, f"http://{settings.api_host}:{port}", children)
    try:
        _wait_ready(stack)
        yield stack
    finally:
        console.print("Arrêt de la pile…")
        for child in children.values():
            if child.poll() is None:
                child.terminate()
        deadline = time.monotonic() + 30
        for child in children.values():
            try:
                child.wait(max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                child.kill()
        handles.clear()  # the embedded servers stop with their last handle, at exit
        console.print("Pile arrêtée.")


def _wait_ready(stack: RunningStack, timeout: float = 60) -> None:
    import httpx

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if stack.dead():
            raise RuntimeError(f"arrêt inattendu : {', '.join(stack.dead())}")
        try:
            if httpx.get(f"{stack.api_url}/ready", timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.3)
    raise RuntimeError(f"l'API ne répond pas sur {stack.api_url}/ready")


def up(port: Annotated[int, typer.Option(help="Port HTTP de l'API.")] = 8000) -> None:
    """Démarre toute la pile : PostgreSQL et Redis (embarqués si DATABASE_URL / REDIS_URL
    ne sont pas définis), migrations, API, un worker et beat. Ctrl-C arrête tout proprement."""
    stopping = False

    def _stop(*_: object) -> None:
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGINT, _stop)
    signal.signal(signal.SIGTERM, _stop)
    exit_code = 0
    with running_stack(port) as stack:
        console.print(
            f"[bold]Pile prête[/bold] : API {stack.api_url} (documentation {stack.api_url}/docs),"
            " worker et beat. Ctrl-C pour arrêter."
        )
        while not stopping:
            if stack.dead():
                console.print(f"[red]Arrêt inattendu : {', '.join(stack.dead())}.[/red]")
                stopping, exit_code = True, 1
            time.sleep(0.5)
    raise typer.Exit(exit_code)
