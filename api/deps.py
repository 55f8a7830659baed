"""Request-scoped dependencies: the database session and the caller's identity."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated

from fastapi import Depends
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy.orm import Session

from api.errors import ApiError
from service.auth.accounts import identity_for
from service.auth.permissions import Identity
from service.auth.tokens import InvalidToken, verify_token
from service.config import get_settings
from service.db.engine import session_scope


def get_session() -> Iterator[Session]:
    """One session per request, committed when the route returns (before the response is
    sent: ``scope="function"``), rolled back on any error; what the route queued for after
    commit (units, progress) then leaves (service/jobs/publication.py)."""
    with session_scope() as session:
        yield session


SessionDep = Annotated[Session, Depends(get_session, scope="function")]


bearer = HTTPBearer(
    auto_error=False,
    scheme_name="jeton",
    description="Jeton d'accès : « offre utilisateurs jeton --courriel … » (ou OIDC).",
)


def current_identity(
    session: SessionDep,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)],
) -> Identity:
    if credentials is None or not credentials.credentials.strip():
        raise ApiError(401, "NON_AUTHENTIFIE", "Authentification requise : jeton Bearer absent.")
    try:
        courriel = verify_token(credentials.credentials.strip(), get_settings())
    except InvalidToken as exc:
        raise ApiError(401, "JETON_INVALIDE", "Jeton invalide ou expiré.") from exc
    identity = identity_for(session, courriel)
    if identity is None:
        raise ApiError(401, "COMPTE_INCONNU", f"Aucun compte actif pour « {courriel} ».")
    return identity


IdentityDep = Annotated[Identity, Depends(current_identity)]
