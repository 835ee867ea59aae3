"""Retrying a transaction that lost a race: PostgreSQL deadlocks and serialization failures, SQLite's lock."""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import Executor
from typing import Any, TypeVar

T = TypeVar("T")

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

    from anyio import to_thread

    for attempt in range(RETRY_ATTEMPTS):
        try:
            if executor is None:
                return await to_thread.run_sync(fn, *args)
            return await asyncio.get_running_loop().run_in_executor(executor, fn, *args)
        except Exception as exc:
            if attempt == RETRY_ATTEMPTS - 1 or not is_transient(exc):
                raise
            await asyncio.sleep(random.uniform(0.01, 0.05) * 2**attempt)
    raise AssertionError("unreachable")
