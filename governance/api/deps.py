"""Request helpers shared by the routers."""

from __future__ import annotations

import zlib
from collections.abc import Callable, Iterator
from concurrent.futures import Executor
from typing import Any, TypeVar

from fastapi import Depends, Request
from sqlmodel import Session

from governance.errors import GovernanceError, InputError
from governance.store.db import session_scope

T = TypeVar("T")


class PayloadTooLarge(GovernanceError):
    exit_code = 2
    http_status = 413
    code = "payload_too_large"


def session(request: Request) -> Iterator[Session]:
    """One transaction per request: committed when the route returns, rolled back if it raises."""
    with session_scope(request.app.state.engine) as s:
        yield s


async def read_body(request: Request, limit: int) -> bytes:
    """The body, gunzipped when Content-Encoding says so, never more than `limit` bytes either way.

    Read as a stream so an oversized upload is refused when it crosses the limit, not after.
    """
    encoding = request.headers.get("content-encoding", "").lower().strip()
    if encoding not in ("", "identity", "gzip"):
        raise InputError(f"unsupported Content-Encoding {encoding!r}; use gzip or none", where="Content-Encoding")
    inflater = zlib.decompressobj(16 + zlib.MAX_WBITS) if encoding == "gzip" else None
    out = bytearray()
    async for chunk in request.stream():
        if inflater is None:
            out += chunk
        else:
            try:
                out += inflater.decompress(chunk, limit + 1 - len(out))
            except zlib.error as exc:
                raise InputError(f"corrupt gzip body: {exc}", where="body") from exc
            if inflater.unconsumed_tail:
                raise PayloadTooLarge(f"decompressed body larger than {limit} bytes")
        if len(out) > limit:
            raise PayloadTooLarge(f"{'decompressed ' if inflater else ''}body larger than {limit} bytes")
    if inflater is not None and not inflater.eof:
        raise InputError("truncated gzip body", where="body")
    return bytes(out)


# SQLSTATEs PostgreSQL uses for "try the transaction again": serialization failure, deadlock.
_RETRY_SQLSTATES = frozenset({"40001", "40P01"})
RETRY_ATTEMPTS = 5


def is_transient(exc: BaseException) -> bool:
    """A database error that a repeat of the same (idempotent) transaction can succeed after: a
    PostgreSQL deadlock or serialization failure, or SQLite's lock timeout; raw or wrapped by SQLAlchemy."""
    orig = getattr(exc, "orig", None) or exc  # SQLAlchemy wraps the driver's exception
    if getattr(orig, "sqlstate", None) in _RETRY_SQLSTATES:
        return True
    return type(orig).__name__ == "OperationalError" and "database is locked" in str(orig)


async def retry_transient(fn: Callable[..., T], *args: Any, executor: Executor | None = None) -> T:
    """Run blocking, idempotent `fn` in a worker thread (of `executor` if given); repeat it after a
    deadlock or lock timeout.

    Only for idempotent work (ingestion deduplicates by digest), so a repeat never stores twice.
    """
    import asyncio
    import random

    from starlette.concurrency import run_in_threadpool

    for attempt in range(RETRY_ATTEMPTS):
        try:
            if executor is None:
                return await run_in_threadpool(fn, *args)
            return await asyncio.get_running_loop().run_in_executor(executor, fn, *args)
        except Exception as exc:
            if attempt == RETRY_ATTEMPTS - 1 or not is_transient(exc):
                raise
            await asyncio.sleep(random.uniform(0.01, 0.05) * 2 ** attempt)
    raise AssertionError("unreachable")


# scope="function": the transaction commits when the route returns, BEFORE the response is sent, so
# a 2xx always means committed (the default scope would send the response first).
DB: Any = Depends(session, scope="function")
