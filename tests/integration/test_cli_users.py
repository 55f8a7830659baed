"""`offre utilisateurs`: accounts with a unique profile and scope, and a usable bearer token."""

from __future__ import annotations

import os
import subprocess
import sys

from fastapi.testclient import TestClient


def offre(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "service.cli", *args],
        capture_output=True,
        text=True,
        env=dict(os.environ),
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
    assert "demande au moins un --departement" in no_scope.stdout
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
    assert "utilise déjà le courriel" in again.stdout
    unknown = offre("utilisateurs", "jeton", "--courriel", "personne@nulle.part")
    assert unknown.returncode == 2
