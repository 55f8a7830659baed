"""`offre up` on a machine with no PostgreSQL/Redis configured: embedded servers, /ready 200,
then Ctrl-C stops every process and both servers."""

from __future__ import annotations

import shutil
import signal
import subprocess
import time
import uuid
from pathlib import Path

import httpx
import psutil

from tests.support.processes import clean_env, cli, free_port
from tests.support.up import embedded_servers


def _descendants(pid: int) -> list[psutil.Process]:
    try:
        return psutil.Process(pid).children(recursive=True)
    except psutil.NoSuchProcess:
        return []


def test_up_serves_ready_then_stops_cleanly(tmp_path: Path) -> None:
    # Short (unix socket paths) and new: a folder left by another run may hold another schema.
    data_dir = Path("/tmp") / f"offre-up-{uuid.uuid4().hex[:8]}"
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
        assert embedded_servers(data_dir), "embedded PostgreSQL/Redis should be running"

        process.send_signal(signal.SIGINT)
        output, _ = process.communicate(timeout=90)
        assert process.returncode == 0, output.decode()
        assert "Pile arrêtée." in output.decode()
        time.sleep(1)
        assert not [c for c in children if c.is_running() and c.status() != "zombie"]
        assert not embedded_servers(data_dir)
    finally:
        if process.poll() is None:
            process.kill()
        for proc in embedded_servers(data_dir):
            proc.kill()
        shutil.rmtree(data_dir, ignore_errors=True)
