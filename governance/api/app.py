"""The HTTP service: `gov serve`. Same service functions as the CLI; no logic lives here."""

from __future__ import annotations

import hmac
import os
from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from sqlalchemy.engine import Engine

from governance import __version__
from governance.api.errors import error_response, install

MAX_BODY_BYTES = 16 * 1024 * 1024


def create_app(engine: Engine | None = None, *, api_key: str | None = None) -> FastAPI:
    """Build the app. `api_key` (or GOV_API_KEY) turns on bearer-key checks for every route."""
    from governance.store.migrate import open_store

    app = FastAPI(title="gov", version=__version__,
                  description="ML governance and audit: OpenLineage ingestion, lineage queries, registry.")
    app.state.engine = engine or open_store()
    key = api_key if api_key is not None else os.environ.get("GOV_API_KEY") or None
    install(app)

    @app.middleware("http")
    async def _guard(request: Request, call_next: Any) -> Any:
        length = request.headers.get("content-length")
        if length is not None and length.isdigit() and int(length) > MAX_BODY_BYTES:
            return error_response(413, f"request body larger than {MAX_BODY_BYTES} bytes")
        if key and request.url.path.startswith("/api/"):
            auth = request.headers.get("authorization", "")
            scheme, _, token = auth.partition(" ")
            if scheme.lower() != "bearer" or not token:
                return error_response(401, "missing bearer API key", hint="send Authorization: Bearer <key>")
            if not hmac.compare_digest(token.strip().encode(), key.encode()):
                return error_response(401, "invalid API key")
        return await call_next(request)

    @app.get("/health")
    def health() -> JSONResponse:
        return JSONResponse({"status": "ok", "version": __version__})

    from governance.api import lineage, registry

    app.include_router(lineage.router)
    app.include_router(registry.router)
    return app
