"""A small client of our own API for the CLI (imports go through the API like any user's)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx

from service.auth.tokens import issue_token
from service.config import get_settings


class ApiFailure(Exception):
    def __init__(self, status: int, body: dict[str, Any]) -> None:
        super().__init__(body.get("message") or f"HTTP {status}")
        self.status = status
        self.body = body


def token_for(courriel: str | None, jeton: str | None) -> str:
    """An explicit token, else one issued locally for ``courriel`` (embedded/dev stack)."""
    if jeton:
        return jeton
    if courriel:
        return issue_token(courriel, get_settings())
    raise ApiFailure(401, {"message": "Indiquez --jeton ou --courriel."})


class Client:
    def __init__(self, base_url: str, token: str, timeout: float = 60.0) -> None:
        self.http = httpx.Client(
            base_url=base_url.rstrip("/"),
            headers={"Authorization": f"Bearer {token}"},
            timeout=timeout,
        )

    def _check(self, response: httpx.Response) -> Any:
        if response.status_code >= 400:
            try:
                body = response.json()
            except ValueError:
                body = {"message": response.text[:500]}
            raise ApiFailure(response.status_code, body)
        return response.json()

    def submit(self, path: Path, application: str, mode: str, par_departement: bool) -> Any:
        with path.open("rb") as handle:
            return self._check(
                self.http.post(
                    "/api/v1/imports",
                    files={"fichier": (path.name, handle)},
                    data={
                        "application": application,
                        "mode": mode,
                        "par_departement": str(par_departement).lower(),
                    },
                )
            )

    def job(self, job_id: int) -> Any:
        return self._check(self.http.get(f"/api/v1/jobs/{job_id}"))

    def jobs(self, taille: int = 20) -> Any:
        return self._check(self.http.get("/api/v1/jobs", params={"taille": taille}))

    def anomalies(self, job_id: int, taille: int = 20, **filters: str) -> Any:
        return self._check(
            self.http.get(f"/api/v1/jobs/{job_id}/anomalies", params={"taille": taille, **filters})
        )

    def apply(self, job_id: int, fermetures: int | None = None) -> Any:
        body = {"fermetures": fermetures} if fermetures is not None else None
        return self._check(self.http.post(f"/api/v1/jobs/{job_id}/appliquer", json=body))

    def rattachement_workbook(self, departement: str) -> bytes:
        response = self.http.get(f"/api/v1/departements/{departement}/rattachement.xlsx")
        if response.status_code >= 400:
            self._check(response)
        return response.content

    def submit_rattachement(self, path: Path, application: str, departement: str | None) -> Any:
        data = {"application": application}
        if departement:
            data["departement"] = departement
        with path.open("rb") as handle:
            return self._check(
                self.http.post(
                    "/api/v1/rattachements", files={"fichier": (path.name, handle)}, data=data
                )
            )

    def rattachement_progress(self, departement: str) -> Any:
        return self._check(self.http.get(f"/api/v1/departements/{departement}/rattachement"))

    def bascule_preparation(self, departement: str | None = None) -> Any:
        if departement:
            url = f"/api/v1/departements/{departement}/bascule/preparation"
        else:
            url = "/api/v1/bascules/preparation"
        return self._check(self.http.get(url))

    def submit_bascule(self, departements: list[str], **options: Any) -> Any:
        body = {"departements": departements, **options}
        return self._check(self.http.post("/api/v1/bascules", json=body))

    def bascule_decision(self, kind: str, ident: int, body: dict[str, Any]) -> Any:
        """A Temps 2 decision by screen entry: ``kind`` groupe or compte."""
        url = (
            f"/api/v1/groupes-places/{ident}/rattachement"
            if kind == "groupe"
            else f"/api/v1/utilisateurs-historiques/{ident}/migration"
        )
        return self._check(self.http.put(url, json=body))

    def acknowledge(self, utilisateur_id: int) -> Any:
        url = f"/api/v1/utilisateurs-historiques/{utilisateur_id}/alertes/acquitter"
        return self._check(self.http.post(url))

    def revert(self, job_id: int, **body: Any) -> Any:
        return self._check(self.http.post(f"/api/v1/jobs/{job_id}/revenir", json=body))
