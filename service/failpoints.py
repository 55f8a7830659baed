"""Named failpoints for the fault tests (ARCHITECTURE.md §7). Inert unless OFFRE_FAILPOINTS is
set, e.g. ``unit.avant_commit=kill@13``: when the named point is reached with a matching
context value, the action runs once (a marker file in the data folder remembers it).

Actions: ``kill`` (SIGKILL of the current process, once), ``kill-toujours`` (every time: a
poison unit), ``pg-terminate`` (terminate this session's PostgreSQL backend, once), ``pause``
(sleep 1.5 s every time: widens a window for a fault injected from outside).
"""

from __future__ import annotations

import os
import signal
import time
from pathlib import Path

from service.config import get_settings


def _matching(name: str, context: dict[str, object]) -> list[tuple[str, str]]:
    spec = get_settings().failpoints
    found = []
    for item in filter(None, (part.strip() for part in spec.split(","))):
        point, _, rest = item.partition("=")
        action, _, where = rest.partition("@")
        if point == name and (not where or where in {str(v) for v in context.values()}):
            found.append((action, where))
    return found


def enabled() -> bool:
    return bool(get_settings().failpoints)


def failpoint(name: str, **context: object) -> None:
    if not enabled():
        return
    for action, where in _matching(name, context):
        marker = Path(get_settings().data_dir) / f"failpoint-{name}-{where or 'tous'}"
        # Proof for the tests that the fault fired (a misspelt failpoint never does).
        fired = marker.with_name(marker.name + ".declenche")
        fired.parent.mkdir(parents=True, exist_ok=True)
        fired.touch()
        if action == "pause":
            time.sleep(1.5)
            continue
        if action != "kill-toujours":
            if marker.exists():
                continue
            marker.parent.mkdir(parents=True, exist_ok=True)
            marker.touch()
        if action in ("kill", "kill-toujours"):
            os.kill(os.getpid(), signal.SIGKILL)
        elif action == "pg-terminate":
            _terminate_backend(int(str(context["backend_pid"])))


def _terminate_backend(pid: int) -> None:
    import psycopg

    from service.config import libpq_url

    url = get_settings().database_url
    assert url is not None
    with psycopg.connect(libpq_url(url), autocommit=True) as conn:
        conn.execute("SELECT pg_terminate_backend(%s)", (pid,))
