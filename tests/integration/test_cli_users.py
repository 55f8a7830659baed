"""`offre utilisateurs`: accounts with a unique profile and scope, and a usable bearer token."""

from __future__ import annotations

import os
import subprocess
import sys

from fastapi.testclient import TestClient
from sqlalchemy import select

from service.db.engine import session_scope
from service.jobs.tables import Audit


def offre(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "service.cli", *args],
        capture_output=True,
        text=True,
        env={**os.environ, "COLUMNS": "200"},
        timeout=60,
    )


def test_add_user_then_token_alone_on_last_line(api_client: TestClient) -> None:
    added = offre(
        "utilisateurs",
        "ajouter",
        "--courriel",
        "drihl.agent@drihl.gouv.fr",
        "--profil",
        "ADMIN_DEPARTEMENTAL",
        "--departement",
        "75",
        "--departement",
        "92",
        "--departement",
        "93",
        "--departement",
        "94",
    )
    assert added.returncode == 0, added.stderr + added.stdout
    assert "Compte créé" in added.stdout

    issued = offre("utilisateurs", "jeton", "--courriel", "DRIHL.agent@drihl.gouv.fr")
    assert issued.returncode == 0, issued.stderr
    token = issued.stdout.strip().splitlines()[-1]
    assert " " not in token and token.count(".") == 2  # a JWT, plainly printed

    response = api_client.get("/api/v1/jobs", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 200
    assert (
        api_client.get(
            "/api/v1/departements/94/dispositifs", headers={"Authorization": f"Bearer {token}"}
        ).status_code
        == 200
    )
    assert (
        api_client.get(
            "/api/v1/departements/95/dispositifs", headers={"Authorization": f"Bearer {token}"}
        ).status_code
        == 404
    )


def test_refusals_are_explained_in_french() -> None:
    assert (
        offre("utilisateurs", "ajouter", "--courriel", "x@y.fr", "--profil", "ROI").returncode == 2
    )
    no_scope = offre(
        "utilisateurs", "ajouter", "--courriel", "a.b@ddets.gouv.fr", "--profil", "ADMIN_SIAO"
    )
    assert no_scope.returncode == 2
    assert "demande au moins un --departement" in no_scope.stderr
    first = offre(
        "utilisateurs",
        "ajouter",
        "--courriel",
        "c.d@siao.fr",
        "--profil",
        "ANALYSTE",
        "--departement",
        "13",
    )
    assert first.returncode == 0
    again = offre(
        "utilisateurs",
        "ajouter",
        "--courriel",
        "C.D@siao.fr",
        "--profil",
        "ANALYSTE",
        "--departement",
        "13",
    )
    assert again.returncode == 2
    assert "utilise déjà le courriel" in again.stderr
    unknown = offre("utilisateurs", "jeton", "--courriel", "personne@nulle.part")
    assert unknown.returncode == 2
    assert "Aucun compte actif pour « personne@nulle.part »" in unknown.stderr
    for result in (no_scope, again, unknown):
        assert "Traceback" not in result.stderr


def test_list_change_and_deactivate_then_the_token_is_refused(api_client: TestClient) -> None:
    """The operator's commands: each change is audited, a deactivated account loses its rights
    at once (its token stays valid, its identity does not)."""
    offre("utilisateurs", "ajouter", "--courriel", "m.n@siao93.fr", "--profil", "ADMIN_SIAO",
          "--departement", "93")  # fmt: skip
    token = offre("utilisateurs", "jeton", "--courriel", "m.n@siao93.fr").stdout.split()[-1]
    headers = {"Authorization": f"Bearer {token}"}
    assert api_client.get("/api/v1/departements/93/dispositifs", headers=headers).status_code == 200

    moved = offre("utilisateurs", "modifier", "--courriel", "m.n@siao93.fr", "--departement", "94")
    assert moved.returncode == 0, moved.stderr
    assert "avant : ADMIN_SIAO, départements 93 ; après : ADMIN_SIAO, départements 94" in (
        moved.stdout
    )
    assert api_client.get("/api/v1/departements/93/dispositifs", headers=headers).status_code == 404
    nothing = offre("utilisateurs", "modifier", "--courriel", "m.n@siao93.fr")
    assert nothing.returncode == 2 and "Indiquez ce qui change" in nothing.stderr

    listing = offre("utilisateurs", "liste")
    assert listing.returncode == 0
    assert "m.n@siao93.fr" in listing.stdout and "ADMIN_SIAO" in listing.stdout
    assert "1 compte(s)." in listing.stdout

    gone = offre("utilisateurs", "desactiver", "--courriel", "M.N@siao93.fr")
    assert gone.returncode == 0 and "Compte désactivé : m.n@siao93.fr." in gone.stdout
    assert api_client.get("/api/v1/jobs", headers=headers).status_code == 401
    assert "0 compte(s)." in offre("utilisateurs", "liste").stdout
    assert "désactivé" in offre("utilisateurs", "liste", "--tous").stdout
    again = offre("utilisateurs", "desactiver", "--courriel", "m.n@siao93.fr")
    assert again.returncode == 2 and "Aucun compte actif" in again.stderr

    with session_scope() as session:
        actions = session.scalars(select(Audit.action).order_by(Audit.id)).all()
        operator = session.scalars(select(Audit.details["par"].astext)).first()
    assert actions == ["compte.creation", "compte.modification", "compte.desactivation"]
    assert operator is not None and operator.endswith("(ligne de commande)")
