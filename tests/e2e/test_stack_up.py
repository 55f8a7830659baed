"""`offre up` on a machine with no PostgreSQL/Redis configured: embedded servers, /ready 200,
then Ctrl-C stops every process and both servers."""

from __future__ import annotations

import signal
import subprocess
import time
from pathlib import Path

import httpx
import psutil

from tests.support.processes import clean_env, cli, free_port


def _descendants(pid: int) -> list[psutil.Process]:
    try:
        return psutil.Process(pid).children(recursive=True)
    except psutil.NoSuchProcess:
        return []


def _embedded_servers(data_dir: Path) -> list[psutil.Process]:
    found = []
    for proc in psutil.process_iter(["name", "cmdline"]):
        cmdline = " ".join(proc.info["cmdline"] or [])
        if str(data_dir) in cmdline and proc.info["name"] in ("postgres", "redis-server"):
            found.append(proc)
    return found


def test_up_serves_ready_then_stops_cleanly(tmp_path: Path) -> None:
    data_dir = Path("/tmp") / f"offre-up-{tmp_path.name[-8:]}"  # short: unix socket paths
    port = free_port()
    process = subprocess.Popen(
        cli("up", "--port", str(port)),
        env=clean_env(OFFRE_DATA_DIR=str(data_dir)),
        cwd=tmp_path,  # works from any folder
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    try:
        deadline = time.monotonic() + 120
        status = None
        while time.monotonic() < deadline and process.poll() is None:
            try:
                response = httpx.get(f"http://127.0.0.1:{port}/ready", timeout=2)
                status = response.status_code
                if status == 200:
                    break
            except httpx.HTTPError:
                pass
            time.sleep(0.5)
        assert status == 200, process.stdout.read().decode() if process.poll() is not None else ""
        assert response.json()["verifications"] == {"postgresql": "ok", "redis": "ok"}
        children = _descendants(process.pid)
        assert len(children) >= 3  # api, worker (with its pool), beat
        assert _embedded_servers(data_dir), "embedded PostgreSQL/Redis should be running"

        process.send_signal(signal.SIGINT)
        output, _ = process.communicate(timeout=90)
        assert process.returncode == 0, output.decode()
        assert "Pile arrêtée." in output.decode()
        time.sleep(1)
        assert not [c for c in children if c.is_running() and c.status() != "zombie"]
        assert not _embedded_servers(data_dir)
    finally:
        if process.poll() is None:
            process.kill()
        for proc in _embedded_servers(data_dir):
            proc.kill()
