"""Issue 9's operator's first hour, on the real embedded stack: with `offre up` running, a
second terminal — in a subfolder of the project, nothing exported — creates an ADMIN_SIAO
account, gets a token, writes the template, imports it, reads every anomaly, downloads the
annotated report, imports the corrected file, previews, applies and reverts with a
confirmation, in French, without one traceback. Once the stack stops, the same commands say so
in a French sentence."""

from __future__ import annotations

import json
import os
import pty
import subprocess
from pathlib import Path

import httpx

from tests.support.processes import clean_env, cli, free_port
from tests.support.samples import fill
from tests.support.up import Up, offre_up

COURRIEL = "marie.dupont@siao93.fr"
ENTITES = [
    {"siren": "732829320", "raison_sociale": "Association Aurore", "departement_siege": "93"},
    {"siren": "552081318", "raison_sociale": "Emmaüs Solidarité", "departement_siege": "93"},
]
DISPOSITIFS = [
    {"siren": "732829320", "nom": "CHRS Les Lilas", "type_code": "CHRS", "departement": "93"},
    {
        "siren": "732829320",
        "nom": "Pension de famille Montreuil",
        "type_code": "Pension famille",
        "departement": "93",
    },
    {
        "siren": "552081317",
        "nom": "Maraude Saint-Denis",
        "type_code": "Maraude",
        "departement": "93",
    },
]


def offre(
    where: Path, *args: str, stdin: int | None = subprocess.DEVNULL
) -> subprocess.CompletedProcess[str]:
    """A command typed in the second terminal: nothing exported, from ``where``."""
    result = subprocess.run(
        cli(*args),
        env=clean_env(COLUMNS="250"),
        cwd=where,
        stdin=stdin,
        capture_output=True,
        text=True,
        timeout=180,
    )
    assert "Traceback" not in result.stdout + result.stderr, result.stdout + result.stderr
    return result


def me(*args: str) -> tuple[str, ...]:
    return (*args, "--courriel", COURRIEL)


def _revert_answering(
    up: Up, where: Path, job_id: int, answer: str
) -> subprocess.CompletedProcess[str]:
    """`offre revenir` in a terminal (a pty for stdin) answering ``answer`` to its question."""
    main, terminal = pty.openpty()
    try:
        process = subprocess.Popen(
            cli(*me("revenir", str(job_id))),
            env=clean_env(COLUMNS="250"),
            cwd=where,
            stdin=terminal,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        os.write(main, f"{answer}\n".encode())
        out, err = process.communicate(timeout=180)
    finally:
        os.close(main)
        os.close(terminal)
    assert "Traceback" not in out + err, out + err
    return subprocess.CompletedProcess(process.args, process.returncode, out, err)


def test_second_terminal_does_the_whole_flow(tmp_path: Path) -> None:
    with offre_up() as up:
        pile = json.loads((up.data_dir / "pile.json").read_text())
        assert pile["api_url"] == up.api and pile["pid"] == up.process.pid
        where = up.project / "service" / "imports"  # any subfolder of the project
        where.mkdir(parents=True)

        added = offre(where, "utilisateurs", "ajouter", "--courriel", COURRIEL, "--profil",
                      "ADMIN_SIAO", "--departement", "93")  # fmt: skip
        assert added.returncode == 0, added.stderr
        assert "Compte créé : marie.dupont@siao93.fr (ADMIN_SIAO, départements 93)." in added.stdout
        token = offre(where, "utilisateurs", "jeton", "--courriel", COURRIEL).stdout.split()[-1]
        jobs = httpx.get(f"{up.api}/api/v1/jobs", headers={"Authorization": f"Bearer {token}"})
        assert jobs.status_code == 200, jobs.text

        assert offre(where, "modele", "offre.xlsx").returncode == 0
        template = (where / "offre.xlsx").read_bytes()
        (where / "faux.xlsx").write_bytes(fill(template, ENTITES, DISPOSITIFS))

        refused = offre(where, *me("importer", "faux.xlsx"))
        assert refused.returncode == 1, refused.stderr
        out = refused.stdout
        assert "invalide" in out and "Rien n'a été écrit" in out
        # The Entités sheet first, though « Dispositifs » sorts before it.
        assert (
            out.index("SIREN_INVALIDE") < out.index("TYPE_INCONNU") < out.index("ENTITE_INCONNUE")
        )
        job_id = int(out.split("Job ", 1)[1].split(" ", 1)[0])
        assert f"offre anomalies {job_id} --toutes --courriel {COURRIEL}" in out

        every = offre(where, *me("anomalies", str(job_id), "--toutes"))
        assert every.returncode == 0 and f"Anomalies du job {job_id} (3)" in every.stdout
        as_csv = offre(where, *me("anomalies", str(job_id), "--csv"))
        assert as_csv.stdout.lstrip("\ufeff").startswith("Feuille;Ligne;Colonne")
        assert len(as_csv.stdout.strip().splitlines()) == 4
        report = offre(where, *me("rapport", str(job_id), "rapport.xlsx"))
        assert report.returncode == 0, report.stderr
        assert (where / "rapport.xlsx").read_bytes()[:2] == b"PK"

        fixed_entites = [ENTITES[0], {**ENTITES[1], "siren": "552081317"}]
        fixed_dispositifs = [DISPOSITIFS[0], {**DISPOSITIFS[1], "type_code": "pension de famille"},
                             DISPOSITIFS[2]]  # fmt: skip
        (where / "bon.xlsx").write_bytes(fill(template, fixed_entites, fixed_dispositifs))
        valid = offre(where, *me("importer", "bon.xlsx"))
        assert valid.returncode == 0, valid.stderr
        job_id = int(valid.stdout.split("Job ", 1)[1].split(" ", 1)[0])
        assert "93 : validé — 3 à créer, 0 à modifier" in valid.stdout
        assert "Entités : 2 à créer" in valid.stdout
        assert "Rien n'a encore été écrit." in valid.stdout
        assert f"offre appliquer {job_id} --courriel {COURRIEL}" in valid.stdout

        plan = offre(where, *me("apercu", str(job_id)))
        assert "Créations (5)" in plan.stdout and "Maraude Saint-Denis" in plan.stdout

        applied = offre(where, *me("appliquer", str(job_id)))
        assert applied.returncode == 0, applied.stderr
        assert "93 : terminé — 3 créé(s), 0 modifié(s)" in applied.stdout
        assert f"offre revenir {job_id} --courriel {COURRIEL}" in applied.stdout

        scripted = offre(where, *me("revenir", str(job_id)))  # no terminal, no --oui
        assert scripted.returncode == 1 and "ajoutez --oui" in scripted.stderr
        declined = _revert_answering(up, where, job_id, "n")
        assert "supprimer 3 ligne(s) que le job a créée(s)" in declined.stdout
        assert declined.returncode == 1 and "Abandon : rien n'a été fait." in declined.stderr
        reverted = _revert_answering(up, where, job_id, "o")
        assert reverted.returncode == 0, reverted.stderr
        assert "[o/N]" in reverted.stdout and "Retour arrière du job" in reverted.stdout
        assert ": terminé." in reverted.stdout
        listing = httpx.get(
            f"{up.api}/api/v1/departements/93/dispositifs",
            headers={"Authorization": f"Bearer {token}"},
        )
        assert listing.json()["total"] == 0

        # The other commands of the second terminal find the stack too: fictitious legacy
        # rows go into its embedded database, Flower watches its own Redis.
        legacy = offre(where, "historique", "generer", "--departement", "13", "--taille", "5")
        assert legacy.returncode == 0, legacy.stderr
        assert "Données SI SIAO historiques générées pour 13" in legacy.stdout
        assert _flower_broker(where) == f"redis+socket://{up.data_dir}/redis.sock"

        printed = up.stop()
        assert up.process.returncode == 0, printed
        assert "offre utilisateurs ajouter --courriel" in printed  # the next commands
        assert "--profil ADMIN_SIAO --departement 93" in printed
        assert not (up.data_dir / "pile.json").exists()

        stopped = offre(where, "utilisateurs", "liste")
        assert stopped.returncode == 2
        assert "Aucune pile « offre up » trouvée" in stopped.stderr
        unreachable = offre(where, *me("jobs", "--api", up.api))
        assert unreachable.returncode == 1
        assert f"L'API ne répond pas sur {up.api}." in unreachable.stderr
        assert "Aucune pile" in unreachable.stderr

        # A stack that did not stop cleanly left its file: ignored, and said.
        (up.data_dir / "pile.json").write_text(json.dumps({**pile, "pid": _dead_pid()}))
        stale = offre(where, "utilisateurs", "liste")
        assert stale.returncode == 2 and "ne tourne plus : relancez « offre up »" in stale.stderr


def _flower_broker(where: Path) -> str:
    """The broker `offre flower` connects to, started with nothing exported."""
    port = free_port()
    process = subprocess.Popen(
        cli("flower", "--port", str(port)),
        env=clean_env(),
        cwd=where,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )
    try:
        assert process.stdout is not None
        for line in process.stdout:
            if "Connected to " in line:
                return line.split("Connected to ", 1)[1].strip()
        raise AssertionError("Flower ne s'est pas connecté")
    finally:
        process.terminate()
        process.wait(15)


def _dead_pid() -> int:
    finished = subprocess.Popen(["true"])
    finished.wait()
    return finished.pid
