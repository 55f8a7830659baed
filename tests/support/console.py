"""Driving the web console over HTTP (the browser tests use Chromium instead)."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient

_CSRF = re.compile(r'name="csrf" value="([^"]+)"')


def csrf_of(html: str) -> str:
    match = _CSRF.search(html)
    assert match, "formulaire sans jeton CSRF"
    return match.group(1)


def issue_code(courriel: str) -> str:
    from service.auth.accounts import identity_for
    from service.auth.sessions import issue_code as issue
    from service.db.engine import session_scope

    with session_scope() as session:
        identity = identity_for(session, courriel)
        assert identity is not None
        return issue(session, identity.utilisateur_id)


def sign_in(client: TestClient, code: str) -> None:
    """Sign in with a code (the client keeps the session cookie)."""
    page = client.get("/console/connexion")
    response = client.post(
        "/console/connexion",
        data={"csrf": csrf_of(page.text), "code": code, "suite": "/console/"},
        follow_redirects=False,
    )
    assert response.status_code == 303, response.text
