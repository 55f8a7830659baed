"""Ctrl-C while the CLI follows a job stops the watching, not the job, and says how to follow it
again (here no worker runs: the job waits for one, and goes on waiting)."""

from __future__ import annotations

import signal
import subprocess
from pathlib import Path

from tests.support.fault_stack import FaultStack
from tests.support.processes import cli
from tests.support.samples import WORKBOOK
from tests.support.servers import Servers


def test_ctrl_c_leaves_the_job_running(servers: Servers, tmp_path: Path) -> None:
    stack = FaultStack(servers, tmp_path)  # API only: nobody analyses the job
    try:
        headers = stack.user("equipe.projet@social.gouv.fr", "ADMIN_NATIONAL")
        token = headers["Authorization"].split()[1]
        workbook = tmp_path / "national.xlsx"
        workbook.write_bytes(WORKBOOK)
        api = f"http://127.0.0.1:{stack.api_port}"
        process = subprocess.Popen(
            cli("importer", str(workbook), "--api", api, "--jeton", token),
            env={**stack.env, "COLUMNS": "200"},
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        assert process.stdout is not None
        first = process.stdout.readline()  # the job exists: it is being followed
        assert first == "Job 1 créé pour national.xlsx.\n", first
        process.send_signal(signal.SIGINT)
        out, err = process.communicate(timeout=60)
        assert process.returncode == 130, out + err
        assert "Traceback" not in out + err
        assert (
            "Interrompu : le job 1 continue sur le serveur. Pour le suivre : "
            f"offre job 1 --suivre --jeton JETON --api {api}" in err
        )
        assert stack.job(headers, 1)["statut"] == "en_attente"
    finally:
        stack.close()
