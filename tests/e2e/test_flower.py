"""`offre flower`: on the stack's own Redis (never Celery's amqp://guest@localhost fallback),
bound to 127.0.0.1, every page and /metrics behind basic authentication (generated once in the
data folder, or FLOWER_BASIC_AUTH), and the tasks of the workers visible (task events)."""

from __future__ import annotations

import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import psutil

from tests.support.fault_stack import FaultStack
from tests.support.processes import clean_env, cli, free_port
from tests.support.samples import WORKBOOK


@contextmanager
def flower(stack: FaultStack, **env: str) -> Iterator[tuple[subprocess.Popen[str], str]]:
    port = free_port()
    process = subprocess.Popen(
        cli("flower", "--port", str(port)),
        env={**stack.env, **env},
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"{url}/healthcheck", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.3)
        else:
            process.kill()
            raise AssertionError(process.communicate()[0])
        yield process, url
    finally:
        process.terminate()
        try:
            process.wait(15)
        except subprocess.TimeoutExpired:
            process.kill()


def test_flower_is_local_authenticated_and_shows_tasks(process_stack: FaultStack) -> None:
    stack = process_stack
    with flower(stack) as (process, url):
        secret = (stack.scratch / "flower_auth").read_text().strip()
        user, password = secret.split(":", 1)
        for path in ("/", "/workers", "/api/workers", "/metrics"):
            assert httpx.get(url + path).status_code == 401, path
            assert httpx.get(url + path, auth=(user, "faux")).status_code == 401, path
            assert httpx.get(url + path, auth=(user, password)).status_code == 200, path
        assert "flower_events_total" in httpx.get(f"{url}/metrics", auth=(user, password)).text
        listening = {
            c.laddr.ip
            for p in (psutil.Process(process.pid), *psutil.Process(process.pid).children(True))
            for c in p.net_connections("tcp")
            if c.status == psutil.CONN_LISTEN
        }
        assert listening == {"127.0.0.1"}

        headers = stack.user("equipe.projet@social.gouv.fr", "ADMIN_NATIONAL")
        job = stack.submit(headers, WORKBOOK).json()
        stack.wait(headers, job["id"], final=("valide",))
        deadline = time.monotonic() + 30
        names: set[str] = set()
        while "offre.run_job" not in names and time.monotonic() < deadline:
            tasks = httpx.get(f"{url}/api/tasks", auth=(user, password)).json()
            names = {t["name"] for t in tasks.values()}
            time.sleep(0.5)
        assert "offre.run_job" in names
    printed = process.stdout.read() if process.stdout else ""
    assert f"Connected to redis://:**@127.0.0.1:{stack.redis_port}/0" in printed
    assert "amqp" not in printed
    assert f"mot de passe « {password} »" in printed  # printed the one time it was generated

    with flower(stack, FLOWER_BASIC_AUTH="supervision:mot-de-passe-de-production") as (_, url):
        assert httpx.get(f"{url}/metrics", auth=(user, password)).status_code == 401
        production = ("supervision", "mot-de-passe-de-production")
        assert httpx.get(f"{url}/metrics", auth=production).status_code == 200


def test_flower_without_a_stack_says_so(tmp_path: Path) -> None:
    result = subprocess.run(
        cli("flower"), env=clean_env(), cwd=tmp_path, capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 2
    assert "Aucune pile « offre up » trouvée" in result.stderr
    assert "Traceback" not in result.stderr and not (tmp_path / ".offre").exists()
