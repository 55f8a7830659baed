"""What a hostile caller tries on the API gets a French answer, never a 500: out-of-range numbers
and NUL bytes in parameters, an unauthenticated or oversize body (refused before it is read),
tokens without audience or with too long a life; every response carries the security headers,
and downloads are never cached."""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, datetime, timedelta
from typing import Any

import jwt
import pytest
from fastapi.testclient import TestClient
from pydantic import ValidationError

from service.auth.tokens import ALGORITHM, ISSUER, secret_key
from service.config import Settings, get_settings
from tests.support.api import submit, wait_for
from tests.support.samples import GOOD_DISPOSITIFS, GOOD_ENTITES, workbook

HUGE = 2**70


@pytest.mark.parametrize(
    "url",
    [
        f"/api/v1/jobs?page={HUGE}",
        "/api/v1/jobs?page=9223372036854775807&taille=1000",
        f"/api/v1/jobs/{2**63}",
        "/api/v1/jobs/-1",
        f"/api/v1/jobs/{HUGE}/anomalies",
        "/api/v1/jobs/1/anomalies?code=%00",
        "/api/v1/jobs/1/apercu?departement=7%005",
        "/api/v1/departements/7%005/dispositifs",
        "/api/v1/entites/%00",
        f"/api/v1/departements/75/dispositifs?page={HUGE}",
    ],
)
def test_out_of_range_numbers_and_nul_bytes_get_a_french_422(
    api_client: TestClient, user_headers, url: str
) -> None:  # type: ignore[no-untyped-def]
    national = user_headers("equipe.projet@social.gouv.fr", "ADMIN_NATIONAL")
    response = api_client.get(url, headers=national)
    assert response.status_code == 422, response.text
    body = response.json()
    assert body["code"] == "REQUETE_INVALIDE"
    assert "invalide" in body["message"]


def test_nul_bytes_in_a_json_body_get_a_french_422(api_client: TestClient, user_headers) -> None:  # type: ignore[no-untyped-def]
    national = user_headers("equipe.projet@social.gouv.fr", "ADMIN_NATIONAL")
    response = api_client.post(
        "/api/v1/jobs/1/revenir", headers=national, json={"departements": ["7\u00005"]}
    )
    assert response.status_code == 422, response.text
    assert response.json()["code"] == "REQUETE_INVALIDE"


@pytest.mark.parametrize("url", ["/health", "/api/v1/jobs", "/api/v1/jobs/999", "/nulle-part"])
def test_every_response_carries_the_security_headers(
    api_client: TestClient, user_headers, url: str
) -> None:  # type: ignore[no-untyped-def]
    national = user_headers("equipe.projet@social.gouv.fr", "ADMIN_NATIONAL")
    response = api_client.get(url, headers=national)
    assert response.headers["x-content-type-options"] == "nosniff"
    assert "frame-ancestors 'none'" in response.headers["content-security-policy"]
    assert response.headers["referrer-policy"] == "same-origin"


@pytest.mark.usefixtures("celery_worker")
def test_downloads_are_never_cached(api_client: TestClient, user_headers) -> None:  # type: ignore[no-untyped-def]
    admin = user_headers("admin.paris@ddets.gouv.fr", "ADMIN_DEPARTEMENTAL", ["75"])
    job_id = submit(api_client, admin, workbook(GOOD_ENTITES, GOOD_DISPOSITIFS)).json()["id"]
    wait_for(api_client, admin, job_id)
    for url in (
        "/api/v1/modeles/offre.xlsx",
        "/api/v1/departements/75/offre.xlsx",
        f"/api/v1/jobs/{job_id}/rapport.xlsx",
        f"/api/v1/jobs/{job_id}/anomalies.csv",
    ):
        response = api_client.get(url, headers=admin)
        assert response.status_code == 200, (url, response.text)
        assert response.headers["cache-control"] == "no-store", url


def test_a_short_signing_key_is_refused() -> None:
    with pytest.raises(ValidationError, match="32 octets"):
        Settings(OFFRE_SECRET_KEY="trop-courte")


def _token(courriel: str, **claims: Any) -> str:
    settings = get_settings()
    now = datetime.now(UTC)
    payload = {"sub": courriel, "iss": ISSUER, "iat": now, "exp": now + timedelta(hours=1)}
    payload.update(claims)
    payload = {k: v for k, v in payload.items() if v is not None}
    return jwt.encode(payload, secret_key(settings), algorithm=ALGORITHM)


def test_tokens_carry_an_audience_and_a_bounded_life(api_client: TestClient, user_headers) -> None:  # type: ignore[no-untyped-def]
    user_headers("equipe.projet@social.gouv.fr", "ADMIN_NATIONAL")
    courriel = "equipe.projet@social.gouv.fr"
    good = _token(courriel, aud=get_settings().token_audience)
    assert api_client.get("/api/v1/jobs", headers={"Authorization": f"Bearer {good}"}).is_success
    too_long = datetime.now(UTC) + timedelta(hours=get_settings().token_ttl_hours + 2)
    for bad in (
        _token(courriel),  # no audience
        _token(courriel, aud="une-autre-application"),
        _token(courriel, aud=get_settings().token_audience, exp=too_long),
    ):
        response = api_client.get("/api/v1/jobs", headers={"Authorization": f"Bearer {bad}"})
        assert response.status_code == 401, response.text
        assert response.json()["code"] == "JETON_INVALIDE"


def _call(app: Any, method: str, path: str, headers: dict[str, str], chunks: list[bytes]):  # type: ignore[no-untyped-def]
    """The app as an ASGI server sees it: ``chunks`` of a body sent as it is read; returns the
    status, the body and how many chunks the app read."""
    read = 0

    async def receive() -> dict[str, Any]:
        nonlocal read
        if read < len(chunks):
            read += 1
            return {
                "type": "http.request",
                "body": chunks[read - 1],
                "more_body": read < len(chunks),
            }
        return {"type": "http.disconnect"}

    sent: list[dict[str, Any]] = []

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": method,
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "query_string": b"",
        "root_path": "",
        "headers": [(k.lower().encode(), v.encode()) for k, v in headers.items()],
        "client": ("127.0.0.1", 5000),
        "server": ("testserver", 80),
    }
    asyncio.run(app(scope, receive, send))
    start = next(m for m in sent if m["type"] == "http.response.start")
    body = b"".join(m.get("body", b"") for m in sent if m["type"] == "http.response.body")
    return start["status"], body, read


@pytest.fixture(scope="module")
def app(database_url: str) -> Any:
    from api.app import create_app

    return create_app()


def test_an_unauthenticated_upload_is_refused_before_its_body_is_read(app: Any) -> None:
    boundary = "frontiere"
    headers = {"content-type": f"multipart/form-data; boundary={boundary}"}
    chunks = [b"--frontiere\r\n" + b"x" * 65536 for _ in range(20)]
    status, body, read = _call(app, "POST", "/api/v1/imports", headers, chunks)
    assert status == 401
    assert json.loads(body)["code"] == "NON_AUTHENTIFIE"
    assert read == 0


def test_a_chunked_oversize_body_gets_413(app: Any, user_headers) -> None:  # type: ignore[no-untyped-def]
    admin = user_headers("admin.paris@ddets.gouv.fr", "ADMIN_DEPARTEMENTAL", ["75"])
    headers = {
        "content-type": "multipart/form-data; boundary=frontiere",
        "transfer-encoding": "chunked",
        **{k.lower(): v for k, v in admin.items()},
    }
    chunk = b"y" * (1024 * 1024)
    part = (
        b'--frontiere\r\nContent-Disposition: form-data; name="fichier"; '
        b'filename="offre.xlsx"\r\nContent-Type: application/octet-stream\r\n\r\n'
    )
    chunks = [part, *[chunk] * (get_settings().max_upload_bytes // len(chunk) + 3)]
    status, body, read = _call(app, "POST", "/api/v1/imports", headers, chunks)
    assert status == 413, body
    assert json.loads(body)["code"] == "FICHIER_TROP_GROS"
    assert read < len(chunks)  # it stopped reading
