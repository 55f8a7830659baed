"""Bearer tokens of the local/embedded mode, signed with the service's own key.

A token identifies a person (e-mail) only: profile and scope always come from our database.
"""

from __future__ import annotations

import contextlib
import os
import secrets
from datetime import UTC, datetime, timedelta
from pathlib import Path

import jwt

from service.config import Settings

ALGORITHM = "HS256"
ISSUER = "offre-siao"


class InvalidToken(Exception):
    pass


def secret_key(settings: Settings) -> str:
    """OFFRE_SECRET_KEY, else a key generated once and kept in the data folder."""
    if settings.secret_key:
        return settings.secret_key
    path = Path(settings.data_dir) / "secret_key"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        # Written aside then linked into place: processes starting together (API, worker,
        # beat) never read a half-written key, and the first one to link wins.
        draft = path.with_name(f".secret_key.{os.getpid()}")
        draft.touch(mode=0o600)
        draft.write_text(secrets.token_urlsafe(48))
        with contextlib.suppress(FileExistsError):
            os.link(draft, path)
        draft.unlink()
    return path.read_text().strip()


def issue_token(courriel: str, settings: Settings) -> str:
    now = datetime.now(UTC)
    claims = {
        "sub": courriel.lower(),
        "iss": ISSUER,
        "aud": settings.token_audience,
        "iat": now,
        "exp": now + timedelta(hours=settings.token_ttl_hours),
    }
    return jwt.encode(claims, secret_key(settings), algorithm=ALGORITHM)


def verify_token(token: str, settings: Settings) -> str:
    """The e-mail the token was issued to; raises InvalidToken otherwise."""
    try:
        claims = jwt.decode(
            token,
            secret_key(settings),
            algorithms=[ALGORITHM],
            issuer=ISSUER,
            audience=settings.token_audience,
            options={"require": ["sub", "exp", "iss", "iat", "aud"]},
        )
    except jwt.PyJWTError as exc:
        raise InvalidToken(str(exc)) from exc
    if claims["exp"] - claims["iat"] > settings.token_ttl_hours * 3600:
        raise InvalidToken("durée de vie supérieure à celle autorisée")
    return str(claims["sub"])
