"""What the image runs, run for real: the installed CLI lists the stack's commands; the
entrypoint checks its configuration and hands over to the given command (sh processes)."""

from __future__ import annotations

import os
import re
import shutil
import stat
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from tests.support.deploy_files import (
    COMPOSE,
    ENTRYPOINT,
    ROOT,
    dockerfile_instruction,
    load_compose,
)

APP_SERVICES = ("migrate", "api", "worker", "beat", "flower")


@pytest.fixture(scope="module")
def services() -> dict[str, dict[str, Any]]:
    return dict(load_compose(COMPOSE.read_text(encoding="utf-8"))["services"])


def test_commands_are_listed_by_the_installed_cli(services: dict[str, dict[str, Any]]) -> None:
    """A fresh interpreter, as in the image: ``python -m service.cli --help`` lists every command
    of the stack (options and values are checked in-process by parse_cli)."""
    result = subprocess.run(
        [sys.executable, "-m", "service.cli", "--help"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    listed = set(re.findall(r"^  ([a-z][a-z0-9-]*)\s", result.stdout, flags=re.MULTILINE))
    used = {services[name]["command"][1] for name in APP_SERVICES}
    used.add(dockerfile_instruction("CMD")[1])
    assert used <= listed, used - listed


def test_entrypoint_syntax_and_mode() -> None:
    text = ENTRYPOINT.read_text(encoding="utf-8")
    assert text.startswith("#!/bin/sh\n")
    assert "set -eu" in text
    assert text.rstrip().endswith('exec "$@"')
    assert ENTRYPOINT.stat().st_mode & stat.S_IXUSR, "entrypoint.sh doit être exécutable"
    subprocess.run(["sh", "-n", str(ENTRYPOINT)], check=True)


def _run_entrypoint(
    tmp_path: Path, env: dict[str, str], *args: str
) -> subprocess.CompletedProcess[str]:
    fake = tmp_path / "bin"
    fake.mkdir(exist_ok=True)
    offre = fake / "offre"
    offre.write_text('#!/bin/sh\necho "offre $*"\n')
    offre.chmod(0o755)
    path = f"{fake}:{os.path.dirname(shutil.which('sh') or '/bin/sh')}:/usr/bin:/bin"
    return subprocess.run(
        ["sh", str(ENTRYPOINT), *args],
        env={"PATH": path, "OFFRE_DATA_DIR": str(tmp_path / "donnees"), **env},
        capture_output=True,
        text=True,
        timeout=30,
    )


FULL_ENV = {
    "DATABASE_URL": "postgresql://offre:x@postgres:5432/offre",
    "REDIS_URL": "redis://redis:6379/0",
    "OFFRE_SECRET_KEY": "cle",
}


@pytest.mark.parametrize("missing", sorted(FULL_ENV))
def test_entrypoint_refuses_an_incomplete_configuration(tmp_path: Path, missing: str) -> None:
    env = {k: v for k, v in FULL_ENV.items() if k != missing}
    result = _run_entrypoint(tmp_path, env, "offre", "worker")
    assert result.returncode == 64
    assert f"absente(s) : {missing}." in result.stderr
    assert result.stdout == ""


def test_entrypoint_runs_the_given_command(tmp_path: Path) -> None:
    result = _run_entrypoint(tmp_path, FULL_ENV, "offre", "db", "upgrade")
    assert (result.returncode, result.stdout) == (0, "offre db upgrade\n"), result.stderr
    assert (tmp_path / "donnees").is_dir()
    assert _run_entrypoint(tmp_path, FULL_ENV).stdout == "offre api --port 8000\n"
    assert _run_entrypoint(tmp_path, FULL_ENV, "--port", "9000").stdout == (
        "offre api --port 9000\n"
    )
