"""ProConnect-style OpenID Connect for the console: authorization code with PKCE.

authlib builds the authorization request (state, nonce, S256 code challenge); joserfc, its
JOSE library, checks the ID token: signature against the provider's JWKS with the algorithms we
pin, issuer, audience, expiry and nonce. The person is then the active account whose e-mail the
provider says is verified; profile and scope come from our database, never from the claims.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

import httpx
from authlib.common.security import generate_token
from authlib.oauth2.rfc6749.parameters import prepare_grant_uri
from authlib.oauth2.rfc7636 import create_s256_code_challenge
from joserfc import jwt
from joserfc.errors import JoseError
from joserfc.jwk import KeySet
from joserfc.jwt import JWTClaimsRegistry

from service.config import Settings

_TIMEOUT = 10.0


class OidcError(Exception):
    """Sign-in refused; the message is French, for the person."""


@dataclass(frozen=True, slots=True)
class Provider:
    issuer: str
    authorization_endpoint: str
    token_endpoint: str
    userinfo_endpoint: str | None
    jwks_uri: str


@dataclass(frozen=True, slots=True)
class Pending:
    """What the browser keeps (signed) between the redirect and the return."""

    state: str
    nonce: str
    code_verifier: str


@dataclass(frozen=True, slots=True)
class Claims:
    sub: str
    email: str
    given_name: str | None
    usual_name: str | None


def _configured(settings: Settings) -> tuple[str, str]:
    if not (settings.oidc_issuer and settings.oidc_client_id):
        raise OidcError("La connexion OpenID Connect n'est pas configurée sur ce service.")
    return settings.oidc_issuer.rstrip("/"), settings.oidc_client_id


def discover(settings: Settings) -> Provider:
    issuer, _ = _configured(settings)
    try:
        meta = httpx.get(f"{issuer}/.well-known/openid-configuration", timeout=_TIMEOUT)
        meta.raise_for_status()
        doc = meta.json()
    except (httpx.HTTPError, ValueError) as exc:
        raise OidcError("Le fournisseur d'identité ne répond pas : réessayez plus tard.") from exc
    if str(doc.get("issuer", "")).rstrip("/") != issuer:
        raise OidcError("Le fournisseur d'identité ne se présente pas sous l'émetteur attendu.")
    return Provider(
        issuer=issuer,
        authorization_endpoint=doc["authorization_endpoint"],
        token_endpoint=doc["token_endpoint"],
        userinfo_endpoint=doc.get("userinfo_endpoint"),
        jwks_uri=doc["jwks_uri"],
    )


def authorization_url(
    settings: Settings, provider: Provider, redirect_uri: str
) -> tuple[str, Pending]:
    _, client_id = _configured(settings)
    pending = Pending(generate_token(32), generate_token(32), generate_token(64))
    url = prepare_grant_uri(
        provider.authorization_endpoint,
        client_id,
        "code",
        redirect_uri=redirect_uri,
        scope=settings.oidc_scopes,
        state=pending.state,
        nonce=pending.nonce,
        code_challenge=create_s256_code_challenge(pending.code_verifier),
        code_challenge_method="S256",
    )
    return url, pending


def _key_set(provider: Provider) -> KeySet:
    try:
        response = httpx.get(provider.jwks_uri, timeout=_TIMEOUT)
        response.raise_for_status()
        return KeySet.import_key_set(response.json())
    except (httpx.HTTPError, ValueError, JoseError) as exc:
        raise OidcError("Les clés du fournisseur d'identité sont illisibles.") from exc


def verify_id_token(
    id_token: str,
    keys: KeySet,
    *,
    issuer: str,
    audience: str,
    nonce: str,
    algorithms: list[str],
    now: int | None = None,
) -> dict[str, Any]:
    """The ID token's claims once signature, algorithm, issuer, audience, expiry and nonce are
    checked; OidcError otherwise."""
    try:
        token = jwt.decode(id_token, keys, algorithms=algorithms)
        JWTClaimsRegistry(
            now=now,
            leeway=60,
            iss={"essential": True, "value": issuer},
            aud={"essential": True, "value": audience},
            exp={"essential": True},
            sub={"essential": True},
            nonce={"essential": True, "value": nonce},
        ).validate(token.claims)
    except (JoseError, ValueError) as exc:
        raise OidcError("La réponse du fournisseur d'identité n'a pas pu être vérifiée.") from exc
    return dict(token.claims)


def _userinfo(provider: Provider, access_token: str, keys: KeySet, algorithms: list[str]) -> Any:
    if not provider.userinfo_endpoint:
        return {}
    response = httpx.get(
        provider.userinfo_endpoint,
        headers={"Authorization": f"Bearer {access_token}"},
        timeout=_TIMEOUT,
    )
    response.raise_for_status()
    if response.headers.get("content-type", "").startswith("application/jwt"):
        # ProConnect signs its userinfo response.
        return dict(jwt.decode(response.text, keys, algorithms=algorithms).claims)
    return response.json()


def finish(
    settings: Settings, provider: Provider, pending: Pending, redirect_uri: str, code: str
) -> Claims:
    """Exchange the code (with the PKCE verifier), check the ID token, read the person."""
    _, client_id = _configured(settings)
    algorithms = [a.strip() for a in settings.oidc_algorithms.split(",") if a.strip()]
    try:
        response = httpx.post(
            provider.token_endpoint,
            data={
                "grant_type": "authorization_code",
                "code": code,
                "redirect_uri": redirect_uri,
                "code_verifier": pending.code_verifier,
                "client_id": client_id,
            },
            auth=(client_id, settings.oidc_client_secret or ""),
            timeout=_TIMEOUT,
        )
        response.raise_for_status()
        tokens = response.json()
    except (httpx.HTTPError, ValueError) as exc:
        raise OidcError("Le fournisseur d'identité a refusé la connexion.") from exc
    if "id_token" not in tokens:
        raise OidcError("Le fournisseur d'identité n'a pas renvoyé de jeton d'identité.")
    keys = _key_set(provider)
    claims = verify_id_token(
        tokens["id_token"],
        keys,
        issuer=provider.issuer,
        audience=client_id,
        nonce=pending.nonce,
        algorithms=algorithms,
        now=int(time.time()),
    )
    try:
        info = _userinfo(provider, tokens.get("access_token", ""), keys, algorithms)
    except (httpx.HTTPError, ValueError, JoseError) as exc:
        raise OidcError("Les informations du compte n'ont pas pu être lues.") from exc
    if info.get("sub", claims["sub"]) != claims["sub"]:
        raise OidcError("Le fournisseur d'identité a renvoyé deux personnes différentes.")
    merged = {**info, **claims}
    email = merged.get("email")
    if not email or merged.get("email_verified") is not True:
        raise OidcError(
            "Votre adresse électronique n'est pas vérifiée par le fournisseur d'identité."
        )
    return Claims(
        sub=str(claims["sub"]),
        email=str(email),
        given_name=merged.get("given_name"),
        usual_name=merged.get("usual_name"),
    )
