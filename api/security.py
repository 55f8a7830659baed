"""ASGI guards in front of every route: what a hostile request gets before any code of ours
reads it.

- Security headers on every response (nosniff, no framing, no referrer outside the site).
- A NUL byte or an out-of-range number in the path or the query string: a French 422 (PostgreSQL
  text cannot hold NUL, and a number past bigint would end in a database error).
- A body sent to the API (upload, JSON) without a valid bearer token: a 401 before the body is
  read, so that nobody unauthenticated makes the server spool a file; an account uploading too
  often: a 429, before reading either.
"""

from __future__ import annotations

import json
import re
from typing import Any
from urllib.parse import unquote_to_bytes

from starlette.concurrency import run_in_threadpool
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from service.auth.tokens import InvalidToken, verify_token
from service.config import get_settings
from service.jobs.limits import LimitReached, check_upload_rate

SECURITY_HEADERS = [
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"DENY"),
    (b"referrer-policy", b"same-origin"),
]
_FRAME_ANCESTORS = b"frame-ancestors 'none'"
# Numbers larger than a bigint (19 digits), anywhere in the path or the query string.
_HUGE_NUMBER = re.compile(rb"(?<![0-9])-?[0-9]{19,}")
MAX_BIGINT = 2**63 - 1
_BODY_METHODS = {"POST", "PUT", "PATCH"}


async def _answer(
    send: Send, status: int, code: str, message: str, *, retry_after: int | None = None
) -> None:
    body = json.dumps(
        {"code": code, "message": message, "details": {}}, ensure_ascii=False
    ).encode()
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(body)).encode()),
                *SECURITY_HEADERS,
                (b"content-security-policy", _FRAME_ANCESTORS),
                *([(b"retry-after", str(retry_after).encode())] if retry_after else []),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})


def _with_security_headers(message: Message) -> Message:
    headers = [(k, v) for k, v in message.get("headers", []) if k not in dict(SECURITY_HEADERS)]
    csp = [v for k, v in headers if k == b"content-security-policy"]
    if not csp:
        headers.append((b"content-security-policy", _FRAME_ANCESTORS))
    elif b"frame-ancestors" not in csp[0]:
        headers = [(k, v) for k, v in headers if k != b"content-security-policy"]
        headers.append((b"content-security-policy", csp[0] + b"; " + _FRAME_ANCESTORS))
    return {**message, "headers": headers + SECURITY_HEADERS}


def _out_of_range(raw: bytes) -> bool:
    return any(int(m) > MAX_BIGINT or int(m) < -MAX_BIGINT for m in _HUGE_NUMBER.findall(raw))


class SecurityMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def secured_send(message: Message) -> None:
            if message["type"] == "http.response.start":
                message = _with_security_headers(message)
            await send(message)

        raw = scope.get("raw_path") or scope["path"].encode()
        target = unquote_to_bytes(raw) + b"?" + unquote_to_bytes(scope.get("query_string", b""))
        if b"\x00" in target or _out_of_range(target):
            await _answer(
                send,
                422,
                "REQUETE_INVALIDE",
                "Paramètres de la requête invalides : caractère nul ou nombre hors limites.",
            )
            return
        if scope["method"] in _BODY_METHODS and scope["path"].startswith("/api/"):
            account, refusal = _authenticated(scope)
            if refusal is not None:
                await _answer(send, 401, *refusal)
                return
            if _is_upload(scope):
                try:
                    await run_in_threadpool(check_upload_rate, account)
                except LimitReached as exc:
                    await _answer(send, 429, exc.code, exc.message, retry_after=exc.retry_after)
                    return
        await self.app(scope, receive, secured_send)


def _authenticated(scope: Scope) -> tuple[str, tuple[str, str] | None]:
    """The same checks as the identity dependency, on the token alone (no database): enough to
    refuse a stranger's body before reading it; the route checks the account itself. Returns
    the token's e-mail, or the code and message of the refusal."""
    headers: dict[bytes, Any] = dict(scope.get("headers", []))
    scheme, _, token = headers.get(b"authorization", b"").decode("latin-1").partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return "", ("NON_AUTHENTIFIE", "Authentification requise : jeton Bearer absent.")
    try:
        return verify_token(token.strip(), get_settings()), None
    except InvalidToken:
        return "", ("JETON_INVALIDE", "Jeton invalide ou expiré.")


def _is_upload(scope: Scope) -> bool:
    headers: dict[bytes, Any] = dict(scope.get("headers", []))
    return bool(headers.get(b"content-type", b"").startswith(b"multipart/form-data"))
