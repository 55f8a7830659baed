"""The ID token checks of the console's OpenID Connect sign-in, and the sign-in code's shape."""

from __future__ import annotations

import time
from typing import Any

import pytest
from joserfc import jwt
from joserfc.jwk import KeySet, OctKey, RSAKey

from service.auth.oidc import OidcError, verify_id_token
from service.auth.sessions import normalise_code

ISSUER = "https://proconnect.exemple.gouv.fr"
CLIENT = "module-offre"
NONCE = "nonce-du-navigateur"
KEY = RSAKey.generate_key(2048, parameters={"kid": "cle-1"})
OTHER_KEY = RSAKey.generate_key(2048, parameters={"kid": "cle-1"})
KEYS = KeySet([KEY])
NOW = int(time.time())


def _claims(**changes: Any) -> dict[str, Any]:
    claims = {
        "iss": ISSUER,
        "aud": CLIENT,
        "sub": "agent-42",
        "exp": NOW + 300,
        "iat": NOW,
        "nonce": NONCE,
        "email": "agent@exemple.gouv.fr",
    }
    claims.update(changes)
    return {k: v for k, v in claims.items() if v is not None}


def _token(claims: dict[str, Any], key: Any = KEY, alg: str = "RS256") -> str:
    return jwt.encode({"alg": alg, "kid": "cle-1"}, claims, key)


def _verify(token: str) -> dict[str, Any]:
    return verify_id_token(
        token, KEYS, issuer=ISSUER, audience=CLIENT, nonce=NONCE, algorithms=["RS256"], now=NOW
    )


def test_a_good_token_gives_its_claims() -> None:
    assert _verify(_token(_claims()))["email"] == "agent@exemple.gouv.fr"


@pytest.mark.parametrize(
    "changes",
    [
        {"iss": "https://autre-fournisseur.exemple.fr"},
        {"aud": "un-autre-client"},
        {"exp": NOW - 3600},
        {"nonce": "rejoue"},
        {"nonce": None},
        {"sub": None},
        {"exp": None},
    ],
    ids=["emetteur", "audience", "expire", "nonce", "sans-nonce", "sans-sub", "sans-exp"],
)
def test_a_token_with_a_wrong_claim_is_refused(changes: dict[str, Any]) -> None:
    with pytest.raises(OidcError):
        _verify(_token(_claims(**changes)))


def test_a_token_signed_by_another_key_is_refused() -> None:
    with pytest.raises(OidcError):
        _verify(_token(_claims(), OTHER_KEY))


def test_only_the_pinned_algorithms_are_accepted() -> None:
    # HS256 with a shared secret: the algorithm is not pinned, refused before any key is used.
    with pytest.raises(OidcError):
        _verify(_token(_claims(), OctKey.generate_key(256), "HS256"))
    with pytest.raises(OidcError):
        verify_id_token(
            _token(_claims()), KEYS, issuer=ISSUER, audience=CLIENT, nonce=NONCE,
            algorithms=["ES256"], now=NOW,
        )  # fmt: skip


def test_sign_in_codes_are_retyped_as_issued() -> None:
    assert normalise_code("abcd efgh-jkmn") == "ABCD-EFGH-JKMN"
    assert normalise_code(" ABCD-EFGH-JKMN ") == "ABCD-EFGH-JKMN"
