"""The gate in front of every route: body limits, content type, authentication; and per-route roles.

Authentication happens in `Gate`, an ASGI middleware, so an unauthenticated caller is answered 401
before anything else looks at the request (FastAPI would parse a JSON body before any dependency
runs). Authorisation is `Requires(permission)`, a dependency each route declares; `check_routes`
refuses to build an app with a route that declares none (deny by default).
"""

from __future__ import annotations

import email.message
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

from fastapi import Depends, FastAPI, Request
from fastapi.routing import APIRoute
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy.engine import Engine
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import Headers
from starlette.exceptions import HTTPException as StarletteHTTPException

from governance.api.errors import error_response
from governance.auth.errors import AuthenticationError, PermissionDenied
from governance.auth.group_lookup import GroupLookup
from governance.auth.roles import Permission, allows
from governance.auth.tokens import Found, Principal

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

# Paths anyone may read: liveness for load balancers, and the API's own description.
PUBLIC_PATHS = frozenset({"/health", "/openapi.json", "/docs", "/docs/oauth2-redirect", "/redoc"})
API_PREFIX = "/api/"
DEFAULT_BODY_LIMIT = 1024 * 1024
# Wire-size limits (gzip counted compressed; the routes bound the inflated size too).
BODY_LIMITS = {"/api/v1/lineage": 8 * 1024 * 1024, "/api/v1/lineage/batch": 16 * 1024 * 1024}
_BODY_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
_bearer = HTTPBearer(auto_error=False, description="An API token from `gov token create`.")


def is_loopback(host: str) -> bool:
    """Whether `host` is a loopback address (127.0.0.0/8, ::1) or the name `localhost`."""
    import ipaddress

    if host.strip().lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip().strip("[]")).is_loopback
    except ValueError:
        return False


def body_limit(path: str) -> int:
    """Largest request body accepted on `path`, in bytes."""
    return BODY_LIMITS.get(path.rstrip("/") or "/", DEFAULT_BODY_LIMIT)


def is_json_media_type(value: str) -> bool:
    """`application/json` or `application/<anything>+json`, parameters ignored."""
    message = email.message.Message()
    message["content-type"] = value
    subtype = message.get_content_subtype()
    return message.get_content_maintype() == "application" and (subtype == "json" or subtype.endswith("+json"))


def bearer_secret(headers: Headers) -> str | None:
    """The token of an `Authorization: Bearer <token>` header, or None."""
    scheme, _, secret = headers.get("authorization", "").partition(" ")
    if scheme.lower() != "bearer":
        return None
    return secret.strip() or None


class Gate:
    """ASGI middleware: 413 on declared or streamed oversize bodies, 415 on non-JSON bodies, 401 on
    /api/ requests without an active token. Stores the Principal in the request state."""

    def __init__(self, app: ASGIApp, *, engine: Engine, auth: bool, local: Principal | None = None) -> None:
        from governance.store.db import side_engine

        self.app, self.engine, self.auth, self.local = app, engine, auth, local
        # Token reads use their own small engine, so they never queue for a pooled connection behind the
        # routes' transactions. SQLite: read inline on the event loop (a local file, ~40 us) through
        # connections that never wait for a lock; a read that meets one goes to a thread instead.
        # Elsewhere: shared reads (group_lookup.py).
        self.reader = side_engine(engine) if auth else None
        self.sqlite = engine.dialect.name == "sqlite"
        self.lookups = GroupLookup(self.reader) if self.reader is not None and not self.sqlite else None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and not self.auth and not is_loopback_host_header(Headers(scope=scope)):
            # Without tokens, a web page a developer visits could reach this service through DNS
            # rebinding (its own name resolving to 127.0.0.1): only loopback Host names are served.
            await _send_error(
                scope,
                receive,
                send,
                421,
                "authentication is off: only loopback Host names are served",
                hint="call it as localhost, 127.0.0.1 or [::1], or run with API tokens",
            )
            return
        if scope["type"] != "http" or not scope["path"].startswith(API_PREFIX):
            await self.app(scope, receive, send)
            return
        headers = Headers(scope=scope)
        principal = await self._principal(headers)
        if isinstance(principal, AuthenticationError):
            await _send_error(scope, receive, send, principal.http_status, principal.message, hint=principal.hint)
            return
        scope.setdefault("state", {})["principal"] = principal
        limit = body_limit(scope["path"])
        refusal = _body_refusal(scope["method"], headers, limit)
        if refusal is not None:
            await _send_error(scope, receive, send, *refusal)
            return
        receive = _limited(receive, limit)
        if scope["method"] in _BODY_METHODS and (scope["path"].rstrip("/") or "/") not in BODY_LIMITS:
            # Routes whose body FastAPI decodes: refuse hostile JSON here, with its path (jsonsafe.py).
            # The lineage routes decode their own bodies with the same function (and keep what they refuse).
            try:
                body, receive = await _buffered(receive)
            except StarletteHTTPException as exc:  # a streamed body past the limit (_limited)
                await _send_error(scope, receive, send, exc.status_code, str(exc.detail))
                return
            problem = _json_problem(headers, body)
            if problem is not None:
                await _send_error(scope, receive, send, 400, problem[1], where=problem[0])
                return
        await self.app(scope, receive, send)

    async def _principal(self, headers: Headers) -> Principal | AuthenticationError:
        if not self.auth:
            assert self.local is not None
            return self.local
        from governance.auth.tokens import touch

        secret = bearer_secret(headers)
        if secret is None:
            return AuthenticationError(
                "missing bearer token", hint="send 'Authorization: Bearer <token>' with a token from `gov token create`"
            )
        # Every request reads the token, so a revocation counts at once.
        found = await self._lookup(secret)
        if found is None:
            return AuthenticationError("invalid or revoked token")
        principal, touch_due = found
        if touch_due:
            await run_in_threadpool(touch, self.engine, principal)  # a write may wait for the lock
        return principal

    async def _lookup(self, secret: str) -> Found | None:
        """The token's principal, never blocking the event loop: not for a lock, not for a connection."""
        from governance.auth.tokens import lookup
        from governance.store.retry import is_transient

        if self.lookups is not None:
            return await self.lookups.lookup(secret)
        assert self.reader is not None
        try:
            return lookup(self.reader, secret)
        except Exception as exc:
            if not is_transient(exc):
                raise
        return await run_in_threadpool(lookup, self.engine, secret)  # waits for the lock off the loop


def _body_refusal(method: str, headers: Headers, limit: int) -> tuple[int, str] | None:
    length = headers.get("content-length")
    declared = None
    if length is not None:
        text = length.strip()
        if not (text.isascii() and text.isdigit()):
            return 400, f"invalid Content-Length {length[:40]!r}"
        declared = int(text)
        if declared > limit:
            return 413, f"request body larger than {limit} bytes"
    has_body = bool(declared) or "chunked" in headers.get("transfer-encoding", "").lower()
    content_type = headers.get("content-type")
    if method in _BODY_METHODS and has_body and content_type and not is_json_media_type(content_type):
        return 415, f"unsupported Content-Type {content_type[:80]!r}; send application/json"
    return None


def is_loopback_host_header(headers: Headers) -> bool:
    """Whether the Host header names loopback: localhost, 127.0.0.0/8 or [::1], with or without a port."""
    host = headers.get("host", "").strip().lower()
    if host.startswith("["):  # [::1] or [::1]:8000
        name, bracket, rest = host[1:].partition("]")
        if not bracket or (rest and not (rest[:1] == ":" and rest[1:].isdigit())):
            return False
    else:
        name, colon, port = host.partition(":")
        if colon and not port.isdigit():
            return False
    name = name.rstrip(".")  # "localhost." is the same name
    return bool(name) and is_loopback(name)


def _json_problem(headers: Headers, body: bytes) -> tuple[str | None, str] | None:
    """(path, reason) if a JSON body is hostile or not JSON; None for no body, or a body left to the route."""
    from governance import jsonsafe

    if not body.strip() or headers.get("content-encoding"):
        return None
    try:
        jsonsafe.loads(body)
    except jsonsafe.UnsafeJSON as exc:
        return exc.json_path or "body", exc.reason
    return None


async def _buffered(receive: Receive) -> tuple[bytes, Receive]:
    """Read the whole (already bounded) body; a `receive` that replays it, then passes on what follows."""
    chunks: list[bytes] = []
    while True:
        message = await receive()
        if message["type"] != "http.request":
            return b"", _replay([message], receive)
        chunks.append(message.get("body", b""))
        if not message.get("more_body", False):
            break
    body = b"".join(chunks)
    return body, _replay([{"type": "http.request", "body": body, "more_body": False}], receive)


def _replay(messages: list[Message], receive: Receive) -> Receive:
    pending = list(messages)

    async def wrapped() -> Message:
        return pending.pop(0) if pending else await receive()

    return wrapped


def _limited(receive: Receive, limit: int) -> Receive:
    """`receive` that refuses a body growing past `limit` (chunked uploads declare no length)."""
    seen = 0

    async def wrapped() -> Message:
        nonlocal seen
        message = await receive()
        if message["type"] == "http.request":
            seen += len(message.get("body", b""))
            if seen > limit:
                raise StarletteHTTPException(413, f"request body larger than {limit} bytes")
        return message

    return wrapped


async def _send_error(
    scope: Scope,
    receive: Receive,
    send: Send,
    status: int,
    message: str,
    hint: str | None = None,
    where: str | None = None,
) -> None:
    await error_response(status, message, hint=hint, where=where)(scope, receive, send)


class Requires:
    """Route dependency: the caller's role must hold `permission`. Returns the Principal."""

    def __init__(self, permission: Permission) -> None:
        self.permission = permission

    async def __call__(
        self, request: Request, _credentials: HTTPAuthorizationCredentials | None = Depends(_bearer)
    ) -> Principal:
        principal = request.scope.get("state", {}).get("principal")
        if not isinstance(principal, Principal):  # only if a route sits outside /api/: a programming error
            raise AuthenticationError("not authenticated")
        if not allows(principal.role, self.permission):
            raise PermissionDenied(
                f"role {principal.role.value!r} may not {self.permission.value}",
                hint="ask an administrator for a token with a role that may",
            )
        return principal


def api_routes(app: FastAPI) -> list[tuple[str, frozenset[str], Permission | None]]:
    """(path, methods, permission) of every FastAPI route as served, routers included."""
    from fastapi.routing import iter_route_contexts

    out = []
    for ctx in iter_route_contexts(app.routes):
        if not isinstance(ctx.original_route, APIRoute):
            continue
        found = [d.call.permission for d in ctx.dependant.dependencies if isinstance(d.call, Requires)]
        out.append((str(ctx.path), frozenset(ctx.methods or ()), found[0] if len(found) == 1 else None))
    return out


def check_routes(app: FastAPI) -> None:
    """Every /api/ route requires exactly one permission; every other route is public on purpose."""
    for path, methods, permission in api_routes(app):
        if path.startswith(API_PREFIX):
            if permission is None:
                raise RuntimeError(f"route {sorted(methods)} {path} declares no permission (or several)")
        elif path not in PUBLIC_PATHS:
            raise RuntimeError(f"route {path} is outside {API_PREFIX} and not listed as public")
