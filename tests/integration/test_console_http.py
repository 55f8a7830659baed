"""The console over HTTP: sign-in by code or token (local mode) and by OpenID Connect against a
local provider, the session cookie, CSRF, and rights page by page."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import quote

import httpx
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, text

from tests.support.console import csrf_of, issue_code, sign_in


@pytest.fixture
def browser(database_url: str) -> Iterator[TestClient]:
    """A client of its own (its own cookies), on the app of this test session."""
    from api.app import create_app

    with TestClient(create_app(), base_url="http://127.0.0.1") as client:
        yield client


@pytest.fixture
def admin_75(user_headers: Any) -> str:
    user_headers("admin.75@exemple.gouv.fr", "ADMIN_DEPARTEMENTAL", ["75"])
    return "admin.75@exemple.gouv.fr"


def test_sign_in_with_a_single_use_code(browser: TestClient, admin_75: str) -> None:
    code = issue_code(admin_75)
    assert browser.get("/console/", follow_redirects=False).headers["location"] == (
        "/console/connexion?suite=%2Fconsole%2F"
    )
    page = browser.get("/console/connexion")
    assert page.status_code == 200 and "Code de connexion" in page.text
    response = browser.post(
        "/console/connexion",
        data={
            "csrf": csrf_of(page.text),
            "code": code.lower().replace("-", " "),
            "suite": "/console/",
        },
        follow_redirects=False,
    )
    assert (response.status_code, response.headers["location"]) == (303, "/console/")
    cookie = response.headers["set-cookie"]
    assert "offre_session=" in cookie
    assert "HttpOnly" in cookie and "SameSite=strict" in cookie and "Path=/console" in cookie
    dashboard = browser.get("/console/")
    assert dashboard.status_code == 200
    assert "Tableau de bord" in dashboard.text and admin_75 in dashboard.text
    assert "default-src 'self'" in dashboard.headers["content-security-policy"]
    # The code is spent: a second browser cannot use it again.
    browser.cookies.clear()
    again = browser.get("/console/connexion")
    refused = browser.post("/console/connexion", data={"csrf": csrf_of(again.text), "code": code})
    assert refused.status_code == 400
    assert "inconnu, déjà utilisé ou expiré" in refused.text


def test_an_expired_code_and_a_forged_form_are_refused(
    browser: TestClient, admin_75: str, engine: Engine
) -> None:
    code = issue_code(admin_75)
    with engine.begin() as conn:
        conn.execute(
            text("UPDATE offre.code_connexion SET expire_le = :t"),
            {"t": datetime.now(UTC) - timedelta(seconds=1)},
        )
    page = browser.get("/console/connexion")
    expired = browser.post("/console/connexion", data={"csrf": csrf_of(page.text), "code": code})
    assert expired.status_code == 400
    forged = browser.post("/console/connexion", data={"csrf": "contrefait", "code": code})
    assert forged.status_code == 403 and "Formulaire expiré" in forged.text


def test_sign_in_with_a_token_then_out(browser: TestClient, admin_75: str) -> None:
    from service.auth.tokens import issue_token
    from service.config import get_settings

    page = browser.get("/console/connexion")
    browser.post(
        "/console/connexion",
        data={"csrf": csrf_of(page.text), "jeton": issue_token(admin_75, get_settings())},
    )
    dashboard = browser.get("/console/")
    assert dashboard.status_code == 200
    old_cookie = browser.cookies.get("offre_session")
    out = browser.post(
        "/console/deconnexion", data={"csrf": csrf_of(dashboard.text)}, follow_redirects=False
    )
    assert out.status_code == 303
    # The session row is gone: the old cookie no longer opens anything.
    browser.cookies.set("offre_session", old_cookie or "", path="/console")
    assert browser.get("/console/", follow_redirects=False).status_code == 303


def test_forms_need_the_session_csrf_token(browser: TestClient, admin_75: str) -> None:
    sign_in(browser, issue_code(admin_75))
    response = browser.post("/console/dispositifs/nouveau", data={"nom": "Sans jeton"})
    assert response.status_code == 403 and "jeton de sécurité" in response.text


def test_pages_check_rights_like_the_api(
    browser: TestClient, admin_75: str, user_headers: Any, engine: Engine
) -> None:
    user_headers("admin.69@exemple.gouv.fr", "ADMIN_DEPARTEMENTAL", ["69"])
    user_headers("analyste.75@exemple.gouv.fr", "ANALYSTE", ["75"])
    with engine.begin() as conn:
        job_id = conn.execute(
            text(
                "INSERT INTO offre.job (type, statut, soumis_par) SELECT 'import_offre', "
                "'invalide', id FROM offre.utilisateur WHERE courriel = :c RETURNING id"
            ),
            {"c": admin_75},
        ).scalar_one()
        conn.execute(
            text("INSERT INTO offre.job_departement (job_id, departement, statut) "
                 "VALUES (:j, '75', 'invalide')"),
            {"j": job_id},
        )  # fmt: skip
    sign_in(browser, issue_code("admin.69@exemple.gouv.fr"))
    hidden = browser.get(f"/console/jobs/{job_id}")
    assert hidden.status_code == 404
    assert "Job introuvable" in hidden.text and '<html lang="fr"' in hidden.text
    assert browser.get("/console/departements/75").status_code == 404
    assert browser.get("/console/national").status_code == 403
    assert browser.get("/console/page-inconnue").status_code == 404
    browser.cookies.clear()
    sign_in(browser, issue_code("analyste.75@exemple.gouv.fr"))
    assert browser.get(f"/console/jobs/{job_id}").status_code == 200
    assert browser.get("/console/deposer").status_code == 403
    assert browser.get("/console/dispositifs/nouveau").status_code == 403


def test_a_deactivated_account_loses_its_session(
    browser: TestClient, admin_75: str, engine: Engine
) -> None:
    sign_in(browser, issue_code(admin_75))
    assert browser.get("/console/").status_code == 200
    with engine.begin() as conn:
        conn.execute(text("UPDATE offre.utilisateur SET actif = false"))
    assert browser.get("/console/", follow_redirects=False).status_code == 303


# -- OpenID Connect against a local provider -----------------------------------------------------


@pytest.fixture
def provider(monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    import oidc_provider_mock

    from service.config import get_settings

    with oidc_provider_mock.run_server_in_thread(require_nonce=True) as server:
        issuer = f"http://localhost:{server.server_port}"
        monkeypatch.setenv("OFFRE_AUTH_MODE", "oidc")
        monkeypatch.setenv("OFFRE_OIDC_ISSUER", issuer)
        monkeypatch.setenv("OFFRE_OIDC_CLIENT_ID", "module-offre")
        monkeypatch.setenv("OFFRE_OIDC_CLIENT_SECRET", "secret-de-test")
        get_settings.cache_clear()
        yield issuer
    monkeypatch.undo()
    get_settings.cache_clear()


def _person(issuer: str, email: str, verified: bool) -> None:
    response = httpx.put(
        f"{issuer}/users/{quote(email)}",
        json={
            "email": email,
            "email_verified": verified,
            "given_name": "Anne",
            "usual_name": "Dupont",
        },
    )
    assert response.status_code == 204


def _proconnect(browser: TestClient, sub: str) -> httpx.Response:
    """What the browser does: our redirect, the provider's form, back to our callback."""
    start = browser.get("/console/connexion/oidc", follow_redirects=False)
    assert start.status_code == 302, start.text
    authorize = start.headers["location"]
    assert "code_challenge_method=S256" in authorize and "nonce=" in authorize
    assert "SameSite=lax" in start.headers["set-cookie"]
    answer = httpx.post(authorize, data={"sub": sub}, follow_redirects=False)
    assert answer.status_code == 302, answer.text
    back = answer.headers["location"]
    assert back.startswith("http://127.0.0.1/console/connexion/oidc/retour?")
    return browser.get(back.removeprefix("http://127.0.0.1"))


def test_oidc_sign_in_of_a_known_verified_person(
    browser: TestClient, admin_75: str, provider: str
) -> None:
    _person(provider, admin_75, verified=True)
    page = browser.get("/console/connexion")
    assert "ProConnect" in page.text and 'name="code"' not in page.text
    done = _proconnect(browser, admin_75)
    assert done.status_code == 200, done.text
    assert "Connexion réussie" in done.text
    dashboard = browser.get("/console/")
    assert dashboard.status_code == 200 and admin_75 in dashboard.text
    # A token typed in the form is not a way in when OIDC is the mode.
    assert browser.post("/console/connexion", data={"jeton": "x"}).status_code == 404


@pytest.mark.parametrize(
    ("email", "verified", "said"),
    [
        ("inconnu@exemple.gouv.fr", True, "Aucun compte actif"),
        ("admin.75@exemple.gouv.fr", False, "pas vérifiée"),
    ],
    ids=["sans-compte", "courriel-non-verifie"],
)
def test_oidc_refuses_in_french(
    browser: TestClient, admin_75: str, provider: str, email: str, verified: bool, said: str
) -> None:
    _person(provider, email, verified=verified)
    refused = _proconnect(browser, email)
    assert refused.status_code == 403
    assert said in refused.text and "Connexion refusée" in refused.text
    assert browser.get("/console/", follow_redirects=False).status_code == 303


def test_oidc_return_without_its_state_is_refused(browser: TestClient, provider: str) -> None:
    response = browser.get("/console/connexion/oidc/retour?code=x&state=y")
    assert response.status_code == 403 and "expiré" in response.text
