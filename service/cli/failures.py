"""What the command line says when something fails: one French sentence and an exit code,
never a traceback. The unexpected ones are kept, with their traceback, in a log file of the
data folder for whoever investigates."""

from __future__ import annotations

import sys
import traceback
from datetime import UTC, datetime
from pathlib import Path

import typer

from service.cli.client import ApiFailure, ApiUnreachable
from service.config import get_settings

FAILED = 1


class CliError(Exception):
    """A failure already said in French, with its exit code."""

    def __init__(self, message: str, code: int = FAILED) -> None:
        super().__init__(message)
        self.code = code


def stack_hint() -> str:
    """Where the stack of this folder stands, when the user may have expected one."""
    settings = get_settings()
    data_dir = Path(settings.data_dir)
    stale = settings.stale_stack
    if stale is not None:
        return (
            f"La pile lancée dans {data_dir} (processus {stale.pid}) ne tourne plus : "
            "relancez « offre up »."
        )
    if settings.running_stack is None:
        return (
            f"Aucune pile « offre up » trouvée depuis ce dossier (dossier de données cherché : "
            f"{data_dir}). Lancez vos commandes depuis le dossier du projet où tourne « offre up » "
            "(ou l'un de ses sous-dossiers) ; si elle ne tourne pas, lancez-la dans un autre "
            "terminal. Serveurs externes : définissez DATABASE_URL et REDIS_URL."
        )
    return ""


def require_database() -> str:
    """The database URL, or a French sentence saying how to get one."""
    url = get_settings().database_url
    if not url:
        raise CliError(stack_hint() or "DATABASE_URL n'est pas défini.", code=2)
    return url


def _unreachable_database(exc: BaseException) -> bool:
    from psycopg import OperationalError as PsycopgOperational
    from sqlalchemy.exc import OperationalError, TimeoutError

    return isinstance(exc, OperationalError | TimeoutError | PsycopgOperational)


def _unreachable_redis(exc: BaseException) -> bool:
    from redis.exceptions import ConnectionError, TimeoutError

    return isinstance(exc, ConnectionError | TimeoutError)


def _say(*lines: str) -> None:
    for line in lines:
        if line:
            typer.echo(line, err=True)


def report(exc: BaseException) -> int:
    """Say ``exc`` in French on stderr; the exit code."""
    if isinstance(exc, CliError):
        _say(str(exc))
        return exc.code
    if isinstance(exc, ApiFailure):
        code = f", {exc.code}" if exc.code else ""
        _say(f"Refusé par l'API (HTTP {exc.status}{code}) : {exc}")
        if exc.code == "COMPTE_INCONNU":
            _say(
                "Créez le compte : offre utilisateurs ajouter --courriel COURRIEL --profil PROFIL "
                "[--departement D] (offre utilisateurs liste : les comptes existants)."
            )
        return FAILED
    if isinstance(exc, ApiUnreachable):
        _say(f"L'API ne répond pas sur {exc.url}.", stack_hint())
        return FAILED
    if _unreachable_database(exc):
        _say("La base de données ne répond pas.", stack_hint())
        return FAILED
    if _unreachable_redis(exc):
        _say("Redis ne répond pas.", stack_hint())
        return FAILED
    where = _keep(exc)
    _say(
        f"Erreur inattendue ({type(exc).__name__}) : {exc}",
        f"Le détail est enregistré dans {where}." if where else "",
    )
    return FAILED


def _command_line() -> str:
    """The arguments, tokens masked."""
    words = []
    for before, word in zip(["", *sys.argv[1:]], sys.argv[1:], strict=False):
        if before == "--jeton" or word.startswith("--jeton="):
            word = "--jeton=…" if word.startswith("--jeton=") else "…"
        words.append(word)
    return " ".join(words)


def _keep(exc: BaseException) -> Path | None:
    """Append the traceback to the data folder's log of the command line."""
    try:
        path = Path(get_settings().data_dir) / "journaux" / "offre.log"
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("a") as log:
            log.write(f"--- {datetime.now(UTC).isoformat()} offre {_command_line()}\n")
            log.write("".join(traceback.format_exception(exc)))
        return path
    except OSError:
        return None
