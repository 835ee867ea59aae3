"""One error shape for every API failure: {"error": {"code", "status", "message", "where", "hint"}}."""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from sqlalchemy.exc import DataError
from starlette.exceptions import HTTPException as StarletteHTTPException

from governance.errors import GovernanceError

log = logging.getLogger("governance.api")

_CODES = {
    400: "invalid_input",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    413: "payload_too_large",
    415: "unsupported_media_type",
    421: "misdirected_request",
    422: "invalid_input",
    500: "internal_error",
    503: "unavailable",
}


class ErrorDetail(BaseModel):
    code: str
    status: int
    message: str
    where: str | None = None
    hint: str | None = None


class ErrorBody(BaseModel):
    """The body of every error response."""

    error: ErrorDetail


# What the OpenAPI description lists for every route (the shape is the same for all of them).
ERROR_RESPONSES: dict[int | str, dict[str, Any]] = {
    status: {"model": ErrorBody, "description": text}
    for status, text in (
        (400, "Invalid input"),
        (401, "Missing, invalid or revoked token"),
        (403, "The token's role may not"),
        (404, "Not found"),
        (413, "Body too large"),
        (415, "Body is not JSON"),
        (500, "Internal error"),
    )
}


def error_body(
    status: int, message: str, *, code: str | None = None, where: str | None = None, hint: str | None = None
) -> dict[str, Any]:
    """The one error shape as a dict (`code` defaults to the status's name)."""
    return {
        "error": {
            "code": code or _CODES.get(status, "error"),
            "status": status,
            "message": message,
            "where": where,
            "hint": hint,
        }
    }


def error_response(status: int, message: str, *, headers: dict[str, str] | None = None, **kw: Any) -> JSONResponse:
    """The one error shape as a response (401 adds `WWW-Authenticate: Bearer`)."""
    merged = {**({"WWW-Authenticate": "Bearer"} if status == 401 else {}), **(headers or {})}
    return JSONResponse(error_body(status, message, **kw), status_code=status, headers=merged or None)


def _location(loc: Any) -> str | None:
    parts = [str(p) for p in loc or ()]
    return ".".join(parts) or None


# The fields services name in an error's `where` (governance.errors: services name fields, each face
# spells them): the API spells them as a JSON path, `$.role`. A route may re-spell one first (`spelled`).
API_FIELDS = frozenset(
    {
        "artifact_digest",
        "before",
        "bootstrap",
        "confidence",
        "depth",
        "digest",
        "expires_at",
        "format",
        "min_group_size",
        "name",
        "period",
        "privileged",
        "risk_tier",
        "role",
        "seed",
        "sensitive",
        "target",
        "training_run_id",
    }
)


def install(app: FastAPI) -> None:
    """Translate every exception to the one shape, once, at the edge."""

    @app.exception_handler(GovernanceError)
    async def _gov(_: Request, exc: GovernanceError) -> JSONResponse:
        if exc.where in API_FIELDS:
            exc.where = f"$.{exc.where}"
        if exc.http_status >= 500:
            log.error("%s: %s", type(exc).__name__, exc.one_line())
        return error_response(exc.http_status, exc.message, code=exc.code, where=exc.where, hint=exc.hint)

    @app.exception_handler(RequestValidationError)
    async def _validation(_: Request, exc: RequestValidationError) -> JSONResponse:
        errors = exc.errors()
        first = errors[0] if errors else {}
        message = str(first.get("msg", "invalid request"))
        if first.get("type") == "json_invalid":
            message = f"malformed JSON: {(first.get('ctx') or {}).get('error', 'decode error')}"
        return error_response(400, message, where=_location(first.get("loc")))

    @app.exception_handler(StarletteHTTPException)
    async def _http(_: Request, exc: StarletteHTTPException) -> JSONResponse:
        return error_response(exc.status_code, str(exc.detail), headers=dict(exc.headers or {}))

    from psycopg import DataError as PgDataError

    async def _data(_: Request, exc: Exception) -> JSONResponse:
        # The database refused a value the caller sent (a NUL character in PostgreSQL text, a number
        # out of range): the request is at fault, and its transaction was rolled back.
        return error_response(
            400,
            "a value in the request cannot be stored or compared by the database",
            hint="remove NUL characters and out-of-range numbers",
        )

    app.add_exception_handler(DataError, _data)
    app.add_exception_handler(PgDataError, _data)

    @app.exception_handler(UnicodeEncodeError)
    async def _encoding(_: Request, exc: UnicodeEncodeError) -> JSONResponse:
        if "surrogate" in str(exc):  # JSON can spell a lone surrogate (\ud800) that no database stores
            return error_response(
                400, "text contains a lone UTF-16 surrogate, which is not Unicode text", hint="send valid Unicode"
            )
        return error_response(500, f"internal error: {type(exc).__name__}")

    @app.exception_handler(Exception)
    async def _internal(_: Request, exc: Exception) -> JSONResponse:
        # Starlette re-raises after answering, so the server logs the traceback for operators; the
        # client gets the shape and no internals.
        return error_response(
            500, f"internal error: {type(exc).__name__}", hint="the server log has the details; please report it"
        )
