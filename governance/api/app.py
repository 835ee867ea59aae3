"""The HTTP service: `gov serve`. Same service functions as the CLI; no logic lives here."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi
from fastapi.responses import JSONResponse
from sqlalchemy.engine import Engine

from governance import __version__
from governance.api.errors import ErrorBody, error_response, install

if TYPE_CHECKING:
    from governance.gate.policy_source import PolicySource

DESCRIPTION = (
    "ML governance and audit: OpenLineage ingestion, lineage queries, registry, deployment checks, "
    "decisions, the ledger of blocked deployments, approvals, waivers and reports. Every route "
    "under /api/ needs `Authorization: Bearer <token>` (`gov token create`); docs/api.md lists "
    "the role each route needs. Every error has the same JSON shape (ErrorBody)."
)


@dataclass(frozen=True)
class Settings:
    """How one `gov serve` process runs. `auth=False` is for loopback experiments only."""

    auth: bool = True
    reports_dir: Path | None = None
    policy_dir: Path | None = None
    host: str = "127.0.0.1"  # where it listens: without auth, only loopback is allowed
    # The app owns its process (`gov serve`; not a test client or an embedding app): it may tune the
    # process-wide garbage collector once warmed up (_lifespan).
    own_process: bool = False

    def to_env(self) -> dict[str, str]:
        """The same settings as environment variables, for uvicorn worker processes."""
        env = {
            "GOV_SERVE_AUTH": "1" if self.auth else "0",
            "GOV_SERVE_HOST": self.host,
            "GOV_SERVE_OWN_PROCESS": "1" if self.own_process else "0",
        }
        if self.reports_dir is not None:
            env["GOV_REPORTS_DIR"] = str(self.reports_dir)
        if self.policy_dir is not None:
            env["GOV_POLICY_DIR"] = str(self.policy_dir)
        return env

    def policies(self) -> Path:
        """--policies, else GOV_POLICY_DIR, else gov.toml/pyproject.toml, else the default pack (as `gov check`)."""
        return self.policy_source().path

    def policy_source(self) -> PolicySource:
        """The policy folder and how it was chosen (governance.gate.policy_source)."""
        from governance.gate.policy_source import resolve_policy_source

        return resolve_policy_source(self.policy_dir)

    def reports(self) -> Path:
        """--reports-dir, else GOV_REPORTS_DIR, else $GOV_HOME/reports."""
        from governance.store.db import gov_home

        env = os.environ.get("GOV_REPORTS_DIR")
        return self.reports_dir or (Path(env) if env else gov_home() / "reports")

    @classmethod
    def from_env(cls) -> Settings:
        reports, policies = os.environ.get("GOV_REPORTS_DIR"), os.environ.get("GOV_POLICY_DIR")
        return cls(
            auth=os.environ.get("GOV_SERVE_AUTH", "1") != "0",
            reports_dir=Path(reports) if reports else None,
            policy_dir=Path(policies) if policies else None,
            host=os.environ.get("GOV_SERVE_HOST", "127.0.0.1"),
            own_process=os.environ.get("GOV_SERVE_OWN_PROCESS") == "1",
        )


def create_app(engine: Engine | None = None, settings: Settings | None = None) -> FastAPI:
    """Build the app on `engine` (default: the configured store)."""
    from governance.api import (
        approvals,
        checks,
        evidence_stages,
        explore,
        findings,
        ledger,
        lineage,
        registry,
        reports,
        service,
    )
    from governance.api.fast_path import SingleEventFastPath
    from governance.api.headers import SecurityHeaders
    from governance.api.security import Gate, check_routes
    from governance.lineage.group_commit import GroupCommit
    from governance.store.db import no_wait_engine, side_engine
    from governance.store.migrate import open_store

    settings = settings or Settings()
    if not settings.auth:
        from governance.api.security import is_loopback
        from governance.errors import ConfigError

        if not is_loopback(settings.host):
            raise ConfigError(
                f"authentication is off, so the service may listen only on loopback, not {settings.host!r}",
                hint="use API tokens (`gov token create`)",
            )
    app = FastAPI(title="gov", version=__version__, description=DESCRIPTION, lifespan=_lifespan)
    app.state.engine = engine or open_store()
    sqlite = app.state.engine.dialect.name == "sqlite"
    app.state.health_engine = side_engine(app.state.engine)
    app.state.group_commit = GroupCommit(app.state.engine, on_loop=no_wait_engine(app.state.engine) if sqlite else None)
    app.state.settings = settings
    # GOV_LINEAGE_STRICT=1: reject events whose values break their declared format (default: warnings)
    app.state.lineage_strict = os.environ.get("GOV_LINEAGE_STRICT", "").strip().lower() in ("1", "true", "yes")
    install(app)
    local = None
    if not settings.auth:
        from governance.auth.roles import Role
        from governance.auth.tokens import Principal
        from governance.identity import current_user

        local = Principal(current_user(), Role.ADMIN)
    app.add_middleware(SingleEventFastPath, fastapi_app=app)  # inside the Gate: added first
    app.add_middleware(Gate, engine=app.state.engine, auth=settings.auth, local=local)

    @app.get("/health", tags=["service"], responses={503: {"model": ErrorBody}})
    async def health() -> JSONResponse:
        """Liveness and database reachability, for load balancers (no token needed)."""
        from starlette.concurrency import run_in_threadpool

        from governance.store.db import ping
        from governance.store.retry import is_transient

        try:
            # Its own engine: never queued behind the routes' transactions for a connection. SQLite:
            # `SELECT 1` on the loop (no lock to wait for); elsewhere a round trip, in a thread.
            if not sqlite:
                await run_in_threadpool(ping, app.state.health_engine)
            else:
                try:
                    ping(app.state.health_engine)
                except Exception as exc:  # noqa: BLE001 - met a lock (opening a connection): wait in a thread
                    if not is_transient(exc):
                        raise
                    await run_in_threadpool(ping, app.state.engine)
        except Exception as exc:  # noqa: BLE001 - any database failure means "not ready"
            return error_response(503, f"database unreachable: {type(exc).__name__}")
        return JSONResponse({"status": "ok", "version": __version__, "auth": settings.auth})

    # explore and evidence_stages first: their /models/{model}/... routes sit inside registry's /models/{model:path}
    for module in (explore, evidence_stages, lineage, registry, checks, ledger, approvals, findings, reports, service):
        app.include_router(module.router)
    from governance.web import PREFIX, explorer

    app.mount(PREFIX, explorer, name="explorer")  # the browser explorer: static files, public API only
    check_routes(app)
    app.openapi = lambda: _openapi(app)  # type: ignore[method-assign]
    _outermost(app, SecurityHeaders)
    return app


def _outermost(app: FastAPI, middleware: Callable[[Any], Any]) -> None:
    """Wrap the whole stack in `middleware`, outside Starlette's ServerErrorMiddleware (which
    `add_middleware` cannot reach), so that even a 500 answer passes through it."""
    build = app.build_middleware_stack
    app.build_middleware_stack = lambda: middleware(build())  # type: ignore[method-assign]


@asynccontextmanager
async def _lifespan(app: FastAPI) -> AsyncIterator[None]:
    from starlette.concurrency import run_in_threadpool

    from governance.lineage.validate import warm_up

    # Before serving, off the event loop: what validating the first event imports and builds (~1 s),
    # which small events would otherwise do on the loop, stalling /health (issue 12).
    await run_in_threadpool(warm_up)
    if app.state.settings.own_process:
        _settle_garbage_collector()
    finisher = _interval_finisher(app.state.engine)
    yield
    if finisher is not None:
        finisher.close()
    app.state.group_commit.close()  # uvicorn has answered every request by now
    app.state.health_engine.dispose()


# Allocations between young-generation collections in a server process (Python's default: 700).
SERVER_GC_THRESHOLD = 50_000


def _settle_garbage_collector() -> None:
    """Once warmed up, everything the server has built (modules, the spec models and their plans, the
    app, the pools) lives as long as the process: freeze it, so the cyclic collector no longer walks it
    on every older-generation pass; and collect young objects less often (a request allocates thousands,
    which reference counting frees at once; only cycles wait). Measured on /lineage/batch, PostgreSQL,
    bench/http_ingest.py: server CPU per event 0.093-0.108 -> 0.065-0.070 ms, 7,000-7,800 -> 9,600-10,300
    events/s. Process-wide, hence only when the app owns its process (Settings.own_process)."""
    import gc

    gc.collect()
    gc.freeze()
    gc.set_threshold(SERVER_GC_THRESHOLD, *gc.get_threshold()[1:])


def _interval_finisher(engine: Engine) -> Any:
    """The thread that computes the bootstrap intervals ingest deferred (governance.evidence.intervals),
    looking every GOV_INTERVALS_EVERY seconds (default 2; 0: off, the gate computes them on first read)."""
    from governance.errors import ConfigError

    raw = os.environ.get("GOV_INTERVALS_EVERY", "2").strip()
    try:
        every = float(raw)
    except ValueError:
        raise ConfigError(f"GOV_INTERVALS_EVERY must be a number of seconds, got {raw!r}") from None
    if every <= 0:
        return None
    from governance.evidence.intervals import Finisher

    finisher = Finisher(engine, interval=every)
    finisher.start()
    return finisher


def app_from_env() -> FastAPI:
    """uvicorn factory (`--workers N` imports the app in each worker): settings from the environment."""
    return create_app(settings=Settings.from_env())


def _openapi(app: FastAPI) -> dict[str, Any]:
    """FastAPI's description, told the truth: validation errors are 400 with our shape, never 422."""
    if app.openapi_schema:
        return app.openapi_schema
    schema = get_openapi(title=app.title, version=app.version, description=app.description, routes=app.routes)
    for path_item in schema.get("paths", {}).values():
        for operation in path_item.values():
            responses = operation.get("responses", {})
            responses.pop("422", None)
    for name in ("HTTPValidationError", "ValidationError"):
        schema.get("components", {}).get("schemas", {}).pop(name, None)
    app.openapi_schema = schema
    return schema
