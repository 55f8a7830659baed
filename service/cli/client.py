"""A small client of our own API for the CLI: the command line is an API client like any user's
(imports, plans, confirmations, reverts, downloads all go through the API)."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import IO, Any

import httpx

# A report being built answers 202 with Retry-After; past this, the CLI stops waiting.
DOWNLOAD_PATIENCE_SECONDS = 15 * 60


class ApiFailure(Exception):
    def __init__(self, status: int, body: dict[str, Any]) -> None:
        super().__init__(body.get("message") or f"HTTP {status}")
        self.status = status
        self.body = body

    @property
    def code(self) -> str | None:
        return self.body.get("code")


class ApiUnreachable(Exception):
    def __init__(self, url: str) -> None:
        super().__init__(url)
        self.url = url


class Client:
    def __init__(self, base_url: str, token: str, timeout: float = 60.0) -> None:
        self.base_url = base_url.rstrip("/")
        self.http = httpx.Client(
            base_url=self.base_url,
            headers={"Authorization": f"Bearer {token}"},
            timeout=timeout,
        )

    def _send(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        try:
            return self.http.request(method, path, **kwargs)
        except httpx.TransportError as exc:
            raise ApiUnreachable(self.base_url) from exc

    def _json(self, method: str, path: str, **kwargs: Any) -> Any:
        response = self._send(method, path, **kwargs)
        _check(response)
        return response.json()

    def submit(self, path: Any, application: str, mode: str, par_departement: bool) -> Any:
        with path.open("rb") as handle:
            return self._json(
                "POST",
                "/api/v1/imports",
                files={"fichier": (path.name, handle)},
                data={
                    "application": application,
                    "mode": mode,
                    "par_departement": str(par_departement).lower(),
                },
            )

    def job(self, job_id: int) -> Any:
        return self._json("GET", f"/api/v1/jobs/{job_id}")

    def jobs(self, taille: int = 20) -> Any:
        return self._json("GET", "/api/v1/jobs", params={"taille": taille})

    def anomalies(self, job_id: int, page: int = 1, taille: int = 20, **filters: str) -> Any:
        params = {"page": page, "taille": taille, **filters}
        return self._json("GET", f"/api/v1/jobs/{job_id}/anomalies", params=params)

    def plan(self, job_id: int, page: int = 1, taille: int = 20, **filters: str) -> Any:
        params = {"page": page, "taille": taille, **filters}
        return self._json("GET", f"/api/v1/jobs/{job_id}/apercu", params=params)

    def apply(self, job_id: int, fermetures: int | None = None) -> Any:
        body = {"fermetures": fermetures} if fermetures is not None else None
        return self._json("POST", f"/api/v1/jobs/{job_id}/appliquer", json=body)

    def cancel(self, job_id: int) -> Any:
        return self._json("POST", f"/api/v1/jobs/{job_id}/annuler")

    def revert_preview(self, job_id: int, departements: list[str]) -> Any:
        params = {"departement": departements} if departements else None
        return self._json("GET", f"/api/v1/jobs/{job_id}/revenir/apercu", params=params)

    def revert(self, job_id: int, departements: list[str], forcer: bool) -> Any:
        body = {"forcer": forcer, "departements": departements or None}
        return self._json("POST", f"/api/v1/jobs/{job_id}/revenir", json=body)

    def download(
        self, job_id: int, nom: str, sink: IO[bytes], waiting: Callable[[int], None]
    ) -> None:
        """Stream ``nom`` of the job into ``sink``; while it is being built (202), call
        ``waiting`` with the seconds before the next try."""
        deadline = time.monotonic() + DOWNLOAD_PATIENCE_SECONDS
        while True:
            try:
                # No client timeout: the API itself answers 202 once it has waited long enough.
                with self.http.stream("GET", f"/api/v1/jobs/{job_id}/{nom}", timeout=None) as r:
                    if r.status_code == 200:
                        for chunk in r.iter_bytes():
                            sink.write(chunk)
                        return
                    r.read()
            except httpx.TransportError as exc:
                raise ApiUnreachable(self.base_url) from exc
            _check(r)
            delay = int(r.headers.get("Retry-After", "5"))
            if time.monotonic() + delay > deadline:
                late = f"« {nom} » est toujours en préparation : réessayez plus tard."
                raise ApiFailure(202, {"message": late})
            waiting(delay)
            time.sleep(delay)

    def rattachement_workbook(self, departement: str) -> bytes:
        try:
            response = self.http.get(f"/api/v1/departements/{departement}/rattachement.xlsx")
        except httpx.TransportError as exc:
            raise ApiUnreachable(self.base_url) from exc
        _check(response)
        return response.content

    def submit_rattachement(self, path: Path, application: str, departement: str | None) -> Any:
        data = {"application": application}
        if departement:
            data["departement"] = departement
        with path.open("rb") as handle:
            return self._json(
                "POST",
                "/api/v1/rattachements",
                files={"fichier": (path.name, handle)},
                data=data,
            )

    def rattachement_progress(self, departement: str) -> Any:
        return self._json("GET", f"/api/v1/departements/{departement}/rattachement")

    def capacites(self, departement: str | None) -> Any:
        path = f"/departements/{departement}/capacites" if departement else "/capacites"
        return self._json("GET", f"/api/v1{path}")

    def capacites_xlsx(self, departement: str | None) -> bytes:
        path = f"/departements/{departement}/capacites.xlsx" if departement else "/capacites.xlsx"
        try:
            response = self.http.get(f"/api/v1{path}")
        except httpx.TransportError as exc:
            raise ApiUnreachable(self.base_url) from exc
        _check(response)
        return response.content

    def bascule_preparation(self, departement: str | None = None) -> Any:
        if departement:
            url = f"/api/v1/departements/{departement}/bascule/preparation"
        else:
            url = "/api/v1/bascules/preparation"
        return self._json("GET", url)

    def submit_bascule(self, departements: list[str], **options: Any) -> Any:
        return self._json(
            "POST", "/api/v1/bascules", json={"departements": departements, **options}
        )

    def bascule_decision(self, kind: str, ident: int, body: dict[str, Any]) -> Any:
        """A Temps 2 decision by screen entry: ``kind`` groupe or compte."""
        url = (
            f"/api/v1/groupes-places/{ident}/rattachement"
            if kind == "groupe"
            else f"/api/v1/utilisateurs-historiques/{ident}/migration"
        )
        return self._json("PUT", url, json=body)

    def acknowledge(self, utilisateur_id: int) -> Any:
        return self._json(
            "POST", f"/api/v1/utilisateurs-historiques/{utilisateur_id}/alertes/acquitter"
        )


def _check(response: httpx.Response) -> None:
    if response.status_code >= 400:
        try:
            body = response.json()
        except ValueError:
            body = {"message": response.text[:500]}
        if not isinstance(body, dict):
            body = {"message": str(body)[:500]}
        raise ApiFailure(response.status_code, body)


def pages(fetch: Callable[[int], Any]) -> Iterator[dict[str, Any]]:
    """Every item of a paged list, ``fetch(page)`` giving one page."""
    page = 1
    while True:
        body = fetch(page)
        yield from body["items"]
        if page * body["taille"] >= body["total"] or not body["items"]:
            return
        page += 1
