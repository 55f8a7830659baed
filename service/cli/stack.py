"""Processes of the stack: `offre up` (everything), and each process on its own."""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator, Sequence
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Annotated

import typer
from rich.console import Console

from service import pile
from service.cli.failures import CliError, require_database, stack_hint
from service.config import get_settings
from service.jobs.queues import QUEUES

console = Console(soft_wrap=True)
# Celery warns a worker run as root (containers, demo machines); the embedded demo says so once
# instead, in its own words. Only this warning, only there: -W matches the message's start.
ROOT_WARNING = "ignore:You're running the worker with superuser privileges"


def _python(*args: str) -> list[str]:
    # -P: the current folder is not put first on sys.path, so that `offre up` run from service/
    # does not import service/logging.py as the standard library's logging.
    return [sys.executable, "-P", *args]


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


def flower_command(port: int, host: str) -> list[str]:
    return _python("-m", "workers.flower", f"--address={host}", f"--port={port}")


def _exec(cmd: list[str], env: dict[str, str] | None = None) -> None:
    os.execve(cmd[0], cmd, env if env is not None else dict(os.environ))


def _broker() -> str:
    """The stack's Redis; never Celery's fallback (a RabbitMQ on localhost nobody runs)."""
    url = get_settings().redis_url
    if not url:
        raise CliError(stack_hint(), 2)
    return url


def _stack_env() -> dict[str, str]:
    """A process of the stack: its database and broker said explicitly (found in the data
    folder's stack file when not exported), or a French refusal."""
    settings = get_settings()
    return dict(
        os.environ,
        DATABASE_URL=require_database(),
        REDIS_URL=_broker(),
        OFFRE_DATA_DIR=str(Path(settings.data_dir).resolve()),
    )


def api(
    port: Annotated[int | None, typer.Option(help="Port HTTP (défaut : OFFRE_API_PORT).")] = None,
    host: Annotated[
        str | None, typer.Option(help="Adresse d'écoute (défaut : OFFRE_API_HOST).")
    ] = None,
) -> None:
    """Lance l'API (FastAPI sur uvicorn)."""
    settings = get_settings()
    _exec(api_command(port or settings.api_port, host or settings.api_host), _stack_env())


def worker(
    queues: Annotated[
        str, typer.Option("--files", help="Files à consommer, séparées par des virgules.")
    ] = ",".join(QUEUES),
    concurrency: Annotated[int, typer.Option(help="Nombre de processus (0 : un par cœur).")] = 0,
) -> None:
    """Lance un worker Celery (toutes les files par défaut)."""
    _exec(worker_command(queues.split(","), concurrency or None), _stack_env())


def beat() -> None:
    """Lance Celery beat (réconciliateur des tâches perdues ou bloquées)."""
    env = _stack_env()
    data_dir = Path(get_settings().data_dir).resolve()
    data_dir.mkdir(parents=True, exist_ok=True)
    _exec(beat_command(data_dir / "celerybeat-schedule"), env)


def flower(
    port: Annotated[int, typer.Option(help="Port HTTP de Flower.")] = 5555,
    adresse: Annotated[
        str | None, typer.Option(help="Adresse d'écoute (défaut : OFFRE_FLOWER_HOST, 127.0.0.1).")
    ] = None,
) -> None:
    """Lance Flower, la supervision des workers et des files (et ses métriques /metrics),
    derrière une authentification, sur le Redis de la pile."""
    from service.cli.flower_auth import credentials

    settings = get_settings()
    env = _stack_env()  # refused before anything is written when there is no stack
    env["FLOWER_BASIC_AUTH"] = credentials(settings, console)
    host = adresse or settings.flower_host
    console.print(f"Flower : http://{host}:{port}", highlight=False)
    _exec(flower_command(port, host), env)


# The commands that only exec their server (service/cli/entry.py starts them without the rest).
SERVERS = (api, worker, beat, flower)


@dataclass
class RunningStack:
    database_url: str
    redis_url: str
    api_url: str
    children: dict[str, subprocess.Popen[bytes]]
    logs: Path | None

    def dead(self) -> list[str]:
        return [name for name, child in self.children.items() if child.poll() is not None]

    def where(self, name: str) -> str:
        return f" (journal : {self.logs / f'{name}.log'})" if self.logs else ""


def _refuse_second_stack() -> None:
    running = get_settings().running_stack
    if running is not None:
        raise CliError(
            f"Une pile tourne déjà pour ce dossier (processus {running.pid}, API "
            f"{running.api_url}) : utilisez-la depuis un autre terminal, ou arrêtez-la (Ctrl-C "
            "dans son terminal).",
            2,
        )


def _refuse_busy_port(host: str, port: int) -> None:
    with socket.socket() as probe:
        try:
            probe.bind((host, port))
        except OSError as exc:
            raise CliError(
                f"Le port {port} est déjà utilisé sur {host} : choisissez-en un autre (--port).", 2
            ) from exc


@contextmanager
def running_stack(
    port: int, logs: Path | None = None, demo: bool = False
) -> Iterator[RunningStack]:
    """PostgreSQL and Redis (embedded unless DATABASE_URL / REDIS_URL are set), migrations,
    then the API, one worker and beat as child processes, all stopped on exit. Announced in the
    data folder (service/pile.py) while it runs. With ``logs``, the children write there instead
    of the terminal."""
    from service.db.migrate import upgrade
    from service.embedded import start_postgres, start_redis

    _refuse_second_stack()
    settings = get_settings()
    _refuse_busy_port(settings.api_host, port)
    data_dir = Path(settings.data_dir).resolve()
    env = dict(os.environ, OFFRE_DATA_DIR=str(data_dir))
    handles = []
    database_url, redis_url = settings.database_url, settings.redis_url
    if not database_url:
        console.print(f"PostgreSQL embarqué dans {data_dir / 'postgres'}…", highlight=False)
        database_url, handle = start_postgres(data_dir)
        handles.append(handle)
    if not redis_url:
        console.print(f"Redis embarqué dans {data_dir}…", highlight=False)
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
    if demo:
        commands["worker"][2:2] = ["-W", ROOT_WARNING]
    api_url = f"http://{settings.api_host}:{port}"
    with ExitStack() as outputs:
        if logs is not None:
            logs.mkdir(parents=True, exist_ok=True)
        sinks: dict[str, IO[bytes] | None] = {
            name: outputs.enter_context((logs / f"{name}.log").open("ab")) if logs else None
            for name in commands
        }
        children = {
            name: subprocess.Popen(
                cmd,
                env=env,
                stdout=sinks[name],
                stderr=subprocess.STDOUT if logs else None,
                start_new_session=True,
            )
            for name, cmd in commands.items()
        }
        stack = RunningStack(database_url, redis_url, api_url, children, logs)
        try:
            _wait_ready(stack)
            embedded = not settings.database_url
            here = pile.Pile(os.getpid(), database_url, redis_url, api_url, embedded)
            pile.write(data_dir, here)
            yield stack
        finally:
            pile.remove(data_dir, os.getpid())
            _say("Arrêt de la pile…")
            _stop(children)
            handles.clear()  # the embedded servers stop with their last handle, at exit
            _say("Pile arrêtée.")


def _say(line: str) -> None:
    """A line while stopping: a terminal gone (closed pipe) must not stop the stopping."""
    with contextlib.suppress(OSError):
        console.print(line)


def _stop(children: dict[str, subprocess.Popen[bytes]]) -> None:
    for child in children.values():
        if child.poll() is None:
            child.terminate()
    deadline = time.monotonic() + 30
    for child in children.values():
        try:
            child.wait(max(0.1, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            child.kill()


def _wait_ready(stack: RunningStack, timeout: float = 60) -> None:
    import httpx

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if stack.dead():
            raise CliError(_died(stack))
        with contextlib.suppress(httpx.HTTPError):
            if httpx.get(f"{stack.api_url}/ready", timeout=2).status_code == 200:
                return
        time.sleep(0.3)
    raise CliError(f"L'API ne répond pas sur {stack.api_url}/ready{stack.where('api')}.")


def _died(stack: RunningStack) -> str:
    return (
        "Arrêt inattendu : "
        + ", ".join(f"{name}{stack.where(name)}" for name in stack.dead())
        + "."
    )


def next_commands(stack: RunningStack) -> list[str]:
    """What a new user types next, in a second terminal."""
    courriel = "prenom.nom@exemple.gouv.fr"
    return [
        "Dans un autre terminal, depuis le dossier du projet (ou l'un de ses sous-dossiers) :",
        f"  1. créer votre compte : offre utilisateurs ajouter --courriel {courriel} "
        "--profil ADMIN_SIAO --departement 93",
        f"  2. obtenir un jeton (API, {stack.api_url}/docs) : offre utilisateurs jeton "
        f"--courriel {courriel}",
        "  3. écrire le modèle à remplir : offre modele offre.xlsx",
        f"  4. l'importer : offre importer offre.xlsx --courriel {courriel}",
        *where_offre_lives(),
    ]


def where_offre_lives() -> list[str]:
    """A word on where `offre` is, when the shell would not find it by its name."""
    here = Path(sys.executable).parent
    if not (here / "offre").exists() or shutil.which("offre") == str(here / "offre"):
        return []
    return [
        f"(la commande offre est dans {here} : « source {here / 'activate'} » la rend "
        f"disponible, ou tapez {here / 'offre'})"
    ]


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
            " worker et beat. Ctrl-C pour arrêter.",
            highlight=False,
        )
        for line in next_commands(stack):
            console.print(line, highlight=False)
        while not stopping:
            if stack.dead():
                console.print(f"[red]{_died(stack)}[/red]", highlight=False)
                stopping, exit_code = True, 1
            time.sleep(0.5)
    raise typer.Exit(exit_code)
