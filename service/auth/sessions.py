"""Console sign-in: single-use codes and sessions, kept in the database.

A session is a database row rather than a signed cookie: signing out or deactivating an account
ends it at once on the server, and the cookie carries an opaque random value with nothing to
decode or forge. Only SHA-256 digests of codes and session values are stored, so that a copy of
the tables signs nobody in. The identity behind a session (profile, scope) is read from the
accounts on every request, exactly as for a bearer token.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import delete, func, select, update
from sqlalchemy.orm import Session

from service.auth.accounts import identity_for
from service.auth.permissions import Identity
from service.auth.tables import CodeConnexion, SessionConsole, Utilisateur

CODE_MINUTES = 5
# Letters and digits that cannot be mistaken for one another when read aloud or retyped.
_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
_GROUPS, _GROUP = 3, 4  # ABCD-EFGH-JKMN: 60 bits


def _digest(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()


def normalise_code(typed: str) -> str:
    """What the person typed, as issued: case, spaces and dashes do not matter."""
    plain = "".join(c for c in typed.upper() if c.isalnum())
    return "-".join(plain[i : i + _GROUP] for i in range(0, len(plain), _GROUP))


def issue_code(session: Session, utilisateur_id: int, now: datetime | None = None) -> str:
    """A new single-use code for the account, valid CODE_MINUTES minutes."""
    now = now or datetime.now(UTC)
    plain = "".join(secrets.choice(_ALPHABET) for _ in range(_GROUPS * _GROUP))
    code = normalise_code(plain)
    session.add(
        CodeConnexion(
            empreinte=_digest(code),
            utilisateur_id=utilisateur_id,
            expire_le=now + timedelta(minutes=CODE_MINUTES),
        )
    )
    session.flush()
    return code


def redeem_code(session: Session, typed: str) -> str | None:
    """The e-mail of the account the code was issued to, once: the code is spent here (an
    UPDATE … WHERE utilise_le IS NULL, so that two tabs cannot both use it)."""
    spent = session.execute(
        update(CodeConnexion)
        .where(
            CodeConnexion.empreinte == _digest(normalise_code(typed)),
            CodeConnexion.utilise_le.is_(None),
            CodeConnexion.expire_le > func.now(),
        )
        .values(utilise_le=func.now())
        .returning(CodeConnexion.utilisateur_id)
    ).scalar_one_or_none()
    if spent is None:
        return None
    return session.scalar(select(Utilisateur.courriel).where(Utilisateur.id == spent))


@dataclass(frozen=True, slots=True)
class OpenSession:
    identity: Identity
    csrf: str
    moyen: str


def open_session(session: Session, identity: Identity, moyen: str, hours: int) -> str:
    """A new session for ``identity``; returns the value for the cookie (never stored)."""
    value = secrets.token_urlsafe(32)
    session.execute(delete(SessionConsole).where(SessionConsole.expire_le < func.now()))
    session.add(
        SessionConsole(
            empreinte=_digest(value),
            utilisateur_id=identity.utilisateur_id,
            csrf=secrets.token_urlsafe(32),
            moyen=moyen,
            expire_le=datetime.now(UTC) + timedelta(hours=hours),
        )
    )
    session.flush()
    return value


def session_for(session: Session, cookie: str) -> OpenSession | None:
    """The live session behind a cookie value, with the identity as the accounts say now."""
    row = session.scalar(
        select(SessionConsole).where(
            SessionConsole.empreinte == _digest(cookie), SessionConsole.expire_le > func.now()
        )
    )
    if row is None:
        return None
    courriel = session.scalar(
        select(Utilisateur.courriel).where(Utilisateur.id == row.utilisateur_id)
    )
    identity = identity_for(session, courriel) if courriel else None
    if identity is None or identity.utilisateur_id != row.utilisateur_id:
        return None  # deactivated (or replaced by another active account) since
    return OpenSession(identity, row.csrf, row.moyen)


def close_session(session: Session, cookie: str) -> None:
    session.execute(delete(SessionConsole).where(SessionConsole.empreinte == _digest(cookie)))
