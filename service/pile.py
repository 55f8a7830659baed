"""The running stack as `offre up` announces it to the other terminals of the project.

`offre up` writes its URLs and pid to ``pile.json`` in the data folder and removes the file when
it stops; a second terminal finds the data folder from any subfolder of the project (the nearest
``.offre`` upwards) and reaches the same PostgreSQL, Redis and API without exporting anything.
"""

from __future__ import annotations

import contextlib
import json
import os
from dataclasses import asdict, dataclass
from pathlib import Path

DATA_DIR_NAME = ".offre"
PILE_FILE = "pile.json"


@dataclass(frozen=True)
class Pile:
    pid: int
    database_url: str
    redis_url: str
    api_url: str
    # The database is the data folder's own (`offre historique` may write demo rows in it).
    embedded_postgres: bool = False

    @property
    def alive(self) -> bool:
        try:
            os.kill(self.pid, 0)
        except ProcessLookupError:
            return False
        except PermissionError:  # someone else's process: alive
            return True
        return True


def find_data_dir(start: Path) -> Path:
    """The nearest data folder from ``start`` upwards, else a new one in ``start``."""
    start = start.resolve()
    for folder in (start, *start.parents):
        if (folder / DATA_DIR_NAME).is_dir():
            return folder / DATA_DIR_NAME
    return start / DATA_DIR_NAME


def read(data_dir: Path) -> Pile | None:
    """The stack announced in ``data_dir`` (alive or not), None without a readable file."""
    try:
        raw = json.loads((data_dir / PILE_FILE).read_text())
        return Pile(
            pid=int(raw["pid"]),
            database_url=str(raw["database_url"]),
            redis_url=str(raw["redis_url"]),
            api_url=str(raw["api_url"]),
            embedded_postgres=bool(raw.get("embedded_postgres", False)),
        )
    except (OSError, ValueError, KeyError, TypeError):
        return None


def write(data_dir: Path, pile: Pile) -> Path:
    """Written aside then renamed: a reader never sees half a file. Owner-only: the URLs may
    carry a password."""
    data_dir.mkdir(parents=True, exist_ok=True)
    path = data_dir / PILE_FILE
    draft = data_dir / f".{PILE_FILE}.{os.getpid()}"
    fd = os.open(draft, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as out:
        json.dump(asdict(pile), out, indent=2)
    os.replace(draft, path)
    return path


def remove(data_dir: Path, pid: int) -> None:
    """Remove the file if it is still the one of ``pid`` (never another stack's)."""
    current = read(data_dir)
    if current is not None and current.pid == pid:
        with contextlib.suppress(FileNotFoundError):
            (data_dir / PILE_FILE).unlink()
