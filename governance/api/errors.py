"""One error shape for every API failure: {"error": {"code", "message", "where", "hint"}}."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from governance.errors import GovernanceError

_CODES = {400: "invalid_input", 401: "unauthorized", 403: "forbidden", 404: "not_found",
          405: "method_not_allowed", 409: "conflict", 413: "payload_too_large", 415: "unsupported_media_type",
          422: "invalid_input", 500: "internal_error"}


def error_body(status: int, message: str, *, code: str | None = None, where: str | None = None,
               hint: str | None = None) -> dict[str, Any]:
    return {"error": {"code": code or _CODES.get(status, "error"), "status": status, "message": message,
                      "where": where, "hint": hint}}


def error_response(status: int, message: str, **kw: Any) -> JSONResponse:
    headers = {"WWW-Authenticate": "Bearer"} if status == 401 else None
    return JSONResponse(error_body(status, message, **kw), status_code=status, headers=headers)


def install(app: FastAPI) -> None:
    """Translate every exception to the one shape, once, at the edge."""

    @app.exception_handler(GovernanceError)
    async def _gov(_: Request, exc: GovernanceError) -> JSONResponse:
        return error_response(exc.http_status, exc.message, code=exc.code, where=exc.where, hint=exc.hint)

    @app.exception_handler(RequestValidationError)
    async def _validation(_: Request, exc: RequestValidationError) -> JSONResponse:
        first = exc.errors()[0] if exc.errors() else {}
        where = ".".join(str(p) for p in first.get("loc", ()))
        return error_response(400, str(first.get("msg", "invalid request")), where=where or None)

    @app.exception_handler(StarletteHTTPException)
    async def _http(_: Request, exc: StarletteHTTPException) -> JSONResponse:
        return error_response(exc.status_code, str(exc.detail))

    @app.exception_handler(Exception)
    async def _internal(_: Request, exc: Exception) -> JSONResponse:
        return error_response(500, f"internal error: {type(exc).__name__}")
