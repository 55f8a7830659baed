"""`offre up` started as a user would, in a project folder of its own (short path: unix
sockets), stopped by Ctrl-C; its embedded servers never outlive the test."""

from __future__ import annotations

import shutil
import signal
import subprocess
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx
import psutil

from tests.support.processes import clean_env, cli, free_port


@dataclass
class Up:
    project: Path
    port: int
    process: subprocess.Popen[bytes]

    @property
    def data_dir(self) -> Path:
        return self.project / ".offre"

    @property
    def api(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def stop(self) -> str:
        """Ctrl-C; what `offre up` printed."""
        self.process.send_signal(signal.SIGINT)
        output, _ = self.process.communicate(timeout=90)
        return output.decode()


def embedded_servers(data_dir: Path) -> list[psutil.Process]:
    found = []
    for proc in psutil.process_iter(["name", "cmdline"]):
        cmdline = " ".join(proc.info["cmdline"] or [])
        if str(data_dir) in cmdline and proc.info["name"] in ("postgres", "redis-server"):
            found.append(proc)
    return found


@contextmanager
def offre_up(timeout: float = 120) -> Iterator[Up]:
    """`offre up` run from a new project folder with nothing exported: the data folder is the
    project's `.offre`, as on a developer's machine."""
    project = Path("/tmp") / f"offre-projet-{uuid.uuid4().hex[:8]}"
    project.mkdir()
    port = free_port()
    process = subprocess.Popen(
        cli("up", "--port", str(port)),
        env=clean_env(COLUMNS="200"),
        cwd=project,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    up = Up(project, port, process)
    try:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline and process.poll() is None:
            try:
                if (
                    httpx.get(f"{up.api}/ready", timeout=2).status_code == 200
                    and (up.data_dir / "pile.json").exists()
                ):
                    break
            except httpx.HTTPError:
                pass
            time.sleep(0.5)
        else:
            output = process.stdout.read().decode() if process.stdout else ""
            raise AssertionError(f"offre up n'a pas démarré : {output}")
        yield up
    finally:
        if process.poll() is None:
            for child in psutil.Process(process.pid).children(recursive=True):
                child.kill()
            process.kill()
            process.wait()
        for proc in embedded_servers(up.data_dir):
            proc.kill()
        shutil.rmtree(project, ignore_errors=True)
