"""Request-scoped dependencies: the database session and the caller's identity."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated

from fastapi import Depends, Header
from sqlalchemy.orm import Session

from api.errors import ApiError
from service.auth.accounts import identity_for
from service.auth.permissions import Identity
from service.auth.tokens import InvalidToken, verify_token
from service.config import get_settings
from service.db.engine import session_scope


def get_session() -> Iterator[Session]:
    with session_scope() as session:
        yield session


SessionDep = Annotated[Session, Depends(get_session)]


def current_identity(
    session: SessionDep, authorization: Annotated[str | None, Header()] = None
) -> Identity:
    scheme, _, token = (authorization or "").partition(" ")
    if scheme.lower() != "bearer" or not token:
        raise ApiError(401, "NON_AUTHENTIFIE", "Authentification requise : jeton Bearer absent.")
    try:
        courriel = verify_token(token.strip(), get_settings())
    except InvalidToken as exc:
        raise ApiError(401, "JETON_INVALIDE", "Jeton invalide ou expiré.") from exc
    identity = identity_for(session, courriel)
    if identity is None:
        raise ApiError(401, "COMPTE_INCONNU", f"Aucun compte actif pour « {courriel} ».")
    return identity


IdentityDep = Annotated[Identity, Depends(current_identity)]
