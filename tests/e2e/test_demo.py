"""`offre demo`: its terminal tells the story and shows the progress bars, nothing else (the
capacity report of the switched département included); the API, worker and beat write to log
files of the data folder, whose path it prints."""

from __future__ import annotations

import shutil
import subprocess
import uuid
from pathlib import Path

from tests.support.processes import clean_env, cli, free_port
from tests.support.up import embedded_servers


def test_demo_terminal_is_the_narrative_only() -> None:
    data_dir = Path("/tmp") / f"offre-demo-{uuid.uuid4().hex[:8]}"  # short: unix sockets
    try:
        result = subprocess.run(
            cli("demo", "--departements", "75", "--taille", "10", "--port", str(free_port())),
            env=clean_env(OFFRE_DATA_DIR=str(data_dir), COLUMNS="200"),
            cwd=data_dir.parent,
            capture_output=True,
            text=True,
            timeout=300,
        )
        terminal = result.stdout + result.stderr
        assert result.returncode == 0, terminal
        logs = data_dir / "journaux"
        assert f"Journaux de l'API, du worker et de beat : {logs}/" in terminal
        assert "Ré-import du même fichier" in terminal and "0 créé(s), 0 modifié(s)" in terminal
        # Temps 3: the capacity report of the switched département, before its rollback.
        report = terminal.index("Capacité financée et occupation — 1 département(s) basculé(s)")
        assert "│ 75 Paris" in terminal[report:] and "│ Ensemble" in terminal[report:]
        assert report < terminal.index("Retour arrière du 75")
        for noise in ("celery@", "[tasks]", "SecurityWarning", "superuser", "INFO", "Uvicorn",
                      "[info", "Traceback", "beat: Starting"):  # fmt: skip
            assert noise not in terminal, noise
        worker = (logs / "worker.log").read_text()
        assert "celery@" in worker and "superuser" not in worker
        assert "Uvicorn running" in (logs / "api.log").read_text()
        assert "beat: Starting" in (logs / "beat.log").read_text()
    finally:
        for proc in embedded_servers(data_dir):
            proc.kill()
        shutil.rmtree(data_dir, ignore_errors=True)
