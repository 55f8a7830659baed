"""Local bearer tokens: signed with the service's own key, identify a person only.

Settings are built explicitly (every field the tokens depend on is given), so the tests do not
depend on the environment of the test session.

Note: ``secret_key`` is declared with ``validation_alias="OFFRE_SECRET_KEY"``, so it is given here
by that name; ``Settings(secret_key=...)`` would be silently ignored.
"""

from __future__ import annotations

import base64
import json
import stat
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import jwt
import pytest

from service.auth.tokens import ALGORITHM, ISSUER, InvalidToken, issue_token, verify_token
from service.auth.tokens import secret_key as resolve_secret_key
from service.config import Settings

KEY = "cle-de-test-" + "x" * 64
OTHER_KEY = "autre-cle-" + "y" * 64
AUDIENCE = "offre-siao-api"


def settings(tmp_path: Path, key: str | None = KEY, ttl_hours: int = 12) -> Settings:
    return Settings(OFFRE_SECRET_KEY=key, token_ttl_hours=ttl_hours, data_dir=tmp_path)


def b64(data: dict[str, Any]) -> str:
    raw = json.dumps(data, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def claims(**overrides: Any) -> dict[str, Any]:
    now = datetime.now(UTC)
    base: dict[str, Any] = {
        "sub": "agent@ddets.gouv.fr",
        "iss": ISSUER,
        "aud": AUDIENCE,
        "iat": now,
        "exp": now + timedelta(hours=1),
    }
    base.update(overrides)
    return {k: v for k, v in base.items() if v is not None}


def signed(payload: dict[str, Any], key: str = KEY, algorithm: str = ALGORITHM) -> str:
    return jwt.encode(payload, key, algorithm=algorithm)


# -- round trip ----------------------------------------------------------------------------------


def test_round_trip_gives_back_the_email(tmp_path: Path) -> None:
    conf = settings(tmp_path)
    token = issue_token("Agent.Paris@DDETS.gouv.fr", conf)
    assert verify_token(token, conf) == "agent.paris@ddets.gouv.fr"


def test_token_carries_identity_only_never_profile_or_scope(tmp_path: Path) -> None:
    token = issue_token("agent@ddets.gouv.fr", settings(tmp_path))
    assert jwt.get_unverified_header(token)["alg"] == "HS256"
    payload = jwt.decode(token, options={"verify_signature": False})
    assert set(payload) == {"sub", "iss", "aud", "iat", "exp"}
    assert payload["iss"] == "offre-siao" and payload["aud"] == AUDIENCE


@pytest.mark.parametrize("ttl", [1, 12, 48])
def test_lifetime_follows_settings(tmp_path: Path, ttl: int) -> None:
    token = issue_token("agent@ddets.gouv.fr", settings(tmp_path, ttl_hours=ttl))
    payload = jwt.decode(token, options={"verify_signature": False})
    assert payload["exp"] - payload["iat"] == ttl * 3600


# -- refusals ------------------------------------------------------------------------------------


def test_expired_token_is_refused(tmp_path: Path) -> None:
    now = datetime.now(UTC)
    expired = signed(claims(iat=now - timedelta(hours=3), exp=now - timedelta(hours=1)))
    with pytest.raises(InvalidToken):
        verify_token(expired, settings(tmp_path))


def test_a_token_living_longer_than_the_settings_allow_is_refused(tmp_path: Path) -> None:
    now = datetime.now(UTC)
    token = signed(claims(iat=now, exp=now + timedelta(hours=13)))
    with pytest.raises(InvalidToken):
        verify_token(token, settings(tmp_path, ttl_hours=12))


@pytest.mark.parametrize("audience", [None, "une-autre-application"])
def test_a_token_for_another_audience_is_refused(tmp_path: Path, audience: str | None) -> None:
    with pytest.raises(InvalidToken):
        verify_token(signed(claims(aud=audience)), settings(tmp_path))


@pytest.mark.parametrize("ttl", [0, -1, 24 * 7 + 1])
def test_lifetime_is_bounded(tmp_path: Path, ttl: int) -> None:
    with pytest.raises(ValueError):
        settings(tmp_path, ttl_hours=ttl)


def test_a_short_key_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="32 octets"):
        settings(tmp_path, key="x" * 31)


def test_token_expired_a_second_ago_is_refused(tmp_path: Path) -> None:
    now = datetime.now(UTC)
    token = signed(claims(iat=now - timedelta(hours=1), exp=now - timedelta(seconds=1)))
    with pytest.raises(InvalidToken):
        verify_token(token, settings(tmp_path))


def test_wrong_key_is_refused(tmp_path: Path) -> None:
    token = issue_token("agent@ddets.gouv.fr", settings(tmp_path, key=OTHER_KEY))
    with pytest.raises(InvalidToken):
        verify_token(token, settings(tmp_path, key=KEY))


def test_tampered_payload_is_refused(tmp_path: Path) -> None:
    conf = settings(tmp_path)
    header, _, signature = issue_token("agent@ddets.gouv.fr", conf).split(".")
    forged = b64(
        {
            "sub": "admin.national@gouv.fr",
            "iss": ISSUER,
            "aud": AUDIENCE,
            "iat": int(datetime.now(UTC).timestamp()),
            "exp": int((datetime.now(UTC) + timedelta(hours=1)).timestamp()),
        }
    )
    with pytest.raises(InvalidToken):
        verify_token(f"{header}.{forged}.{signature}", conf)


def test_tampered_signature_is_refused(tmp_path: Path) -> None:
    conf = settings(tmp_path)
    token = issue_token("agent@ddets.gouv.fr", conf)
    head, _, signature = token.rpartition(".")
    flipped = ("A" if signature[0] != "A" else "B") + signature[1:]
    with pytest.raises(InvalidToken):
        verify_token(f"{head}.{flipped}", conf)


@pytest.mark.parametrize("alg", ["none", "None", "NONE"])
def test_unsigned_token_is_refused(tmp_path: Path, alg: str) -> None:
    payload = claims()
    payload = {
        **payload,
        "iat": int(payload["iat"].timestamp()),
        "exp": int(payload["exp"].timestamp()),
    }
    for token in (
        f"{b64({'alg': alg, 'typ': 'JWT'})}.{b64(payload)}.",
        f"{b64({'alg': alg, 'typ': 'JWT'})}.{b64(payload)}",
    ):
        with pytest.raises(InvalidToken):
            verify_token(token, settings(tmp_path))


@pytest.mark.parametrize("algorithm", ["HS384", "HS512"])
def test_other_algorithm_with_the_right_key_is_refused(tmp_path: Path, algorithm: str) -> None:
    token = signed(claims(), algorithm=algorithm)
    with pytest.raises(InvalidToken):
        verify_token(token, settings(tmp_path))


@pytest.mark.parametrize("missing", ["sub", "exp", "iss", "iat", "aud"])
def test_missing_claim_is_refused(tmp_path: Path, missing: str) -> None:
    token = signed(claims(**{missing: None}))
    with pytest.raises(InvalidToken):
        verify_token(token, settings(tmp_path))


def test_wrong_issuer_is_refused(tmp_path: Path) -> None:
    with pytest.raises(InvalidToken):
        verify_token(signed(claims(iss="autre-service")), settings(tmp_path))


@pytest.mark.parametrize("garbage", ["", "abc", "a.b.c", "Bearer x.y.z", "é.é.é"])
def test_garbage_is_refused(tmp_path: Path, garbage: str) -> None:
    with pytest.raises(InvalidToken):
        verify_token(garbage, settings(tmp_path))


def test_a_hand_signed_token_with_every_claim_is_accepted(tmp_path: Path) -> None:
    # The refusals above fail for the reason they name, not because hand-made tokens never pass.
    assert verify_token(signed(claims()), settings(tmp_path)) == "agent@ddets.gouv.fr"


# -- the key -------------------------------------------------------------------------------------


def test_configured_key_is_used_and_nothing_is_written(tmp_path: Path) -> None:
    assert resolve_secret_key(settings(tmp_path)) == KEY
    assert list(tmp_path.iterdir()) == []


def test_without_configured_key_one_is_generated_once_and_kept_private(tmp_path: Path) -> None:
    conf = settings(tmp_path / "donnees", key=None)
    first = resolve_secret_key(conf)
    assert len(first) >= 32
    assert resolve_secret_key(conf) == first
    path = tmp_path / "donnees" / "secret_key"
    assert path.read_text().strip() == first
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    # Tokens survive a restart (same data folder), not a move to another one.
    token = issue_token("agent@ddets.gouv.fr", conf)
    assert verify_token(token, settings(tmp_path / "donnees", key=None)) == "agent@ddets.gouv.fr"
    with pytest.raises(InvalidToken):
        verify_token(token, settings(tmp_path / "ailleurs", key=None))
