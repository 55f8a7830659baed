"""The project's own processes, started as a user would: the CLI, on a bare environment."""

from __future__ import annotations

import os
import socket
import sys


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def cli(*args: str) -> list[str]:
    return [sys.executable, "-m", "service.cli", *args]


def clean_env(**extra: str) -> dict[str, str]:
    """The environment of a bare machine: no DATABASE_URL / REDIS_URL, nothing of ours."""
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL")}
    env = {k: v for k, v in env.items() if not k.startswith("OFFRE_")}
    env.update(extra)
    return env
