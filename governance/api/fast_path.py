"""The hot route without the framework: `POST /api/v1/lineage`, one event per request.

Pipelines using the stock OpenLineage client send every event as its own request, so the cost per
request is the ingest rate. FastAPI's routing, dependency solving and middleware cost about as much
as validating the event; this ASGI layer answers that one route directly with the route's own
function (`ingest_one`), after the Gate has authenticated the caller and bounded the body. Every
other request, and the route's OpenAPI description, stay with FastAPI.
"""

from __future__ import annotations

import logging
from typing import Any

from governance.api.security import ASGIApp, Receive, Scope, Send
from governance.auth.roles import Permission, allows

PATH = "/api/v1/lineage"


class SingleEventFastPath:
    """ASGI middleware inside the Gate: serves POST /api/v1/lineage, passes everything else on."""

    def __init__(self, app: ASGIApp, *, fastapi_app: Any) -> None:
        self.app, self.fastapi_app = app, fastapi_app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] != "POST" or scope["path"] != PATH:
            await self.app(scope, receive, send)
            return
        from starlette.requests import Request

        from governance.api.lineage import ingest_one
        from governance.auth.errors import PermissionDenied

        scope["app"] = self.fastapi_app  # what `request.app` is on the framework's path too
        request = Request(scope, receive)
        try:
            principal = scope["state"]["principal"]  # set by the Gate, which runs first
            if not allows(principal.role, Permission.LINEAGE_WRITE):
                raise PermissionDenied(
                    f"role {principal.role.value!r} may not {Permission.LINEAGE_WRITE.value}",
                    hint="ask an administrator for a token with a role that may",
                )
            response = await ingest_one(request)
        except Exception as exc:  # noqa: BLE001 - answered by the app's own handler for it (errors.py)
            response = await self._handler(exc)(request, exc)
            if response.status_code >= 500:  # the framework would log the traceback for operators: so do we
                logging.getLogger("uvicorn.error").error("POST %s failed", PATH, exc_info=exc)
        await response(scope, receive, send)

    def _handler(self, exc: Exception) -> Any:
        handlers = self.fastapi_app.exception_handlers
        return next(handlers[kind] for kind in type(exc).__mro__ if kind in handlers)
