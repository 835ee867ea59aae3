"""Request helpers: which database errors are retried, and that the retry repeats idempotent work only
for them; streamed body reading with limits."""

from __future__ import annotations

import asyncio
import sqlite3

import psycopg
import pytest
from sqlalchemy.exc import OperationalError

from governance.store.retry import RETRY_ATTEMPTS, is_transient, retry_transient


@pytest.mark.parametrize(
    ("exc", "transient"),
    [
        (psycopg.errors.DeadlockDetected("deadlock detected"), True),
        (psycopg.errors.SerializationFailure("could not serialize"), True),
        (OperationalError("INSERT", {}, psycopg.errors.DeadlockDetected("x")), True),
        (sqlite3.OperationalError("database is locked"), True),
        (OperationalError("INSERT", {}, sqlite3.OperationalError("database is locked")), True),
        (sqlite3.OperationalError("no such table: raw_event"), False),
        (psycopg.errors.UniqueViolation("duplicate key"), False),
        (psycopg.errors.DataError("invalid byte sequence"), False),
        (ValueError("database is locked"), False),
    ],
)
def test_transient_errors(exc: BaseException, transient: bool) -> None:
    assert is_transient(exc) is transient


def test_retry_repeats_after_a_deadlock_and_gives_up_on_anything_else() -> None:
    calls: list[int] = []

    def flaky(fail_times: int) -> str:
        calls.append(1)
        if len(calls) <= fail_times:
            raise psycopg.errors.DeadlockDetected("deadlock detected")
        return "stored"

    assert asyncio.run(retry_transient(flaky, 2)) == "stored" and len(calls) == 3
    calls.clear()
    with pytest.raises(psycopg.errors.DeadlockDetected):
        asyncio.run(retry_transient(flaky, RETRY_ATTEMPTS))
    assert len(calls) == RETRY_ATTEMPTS

    def broken() -> None:
        calls.append(1)
        raise psycopg.errors.UniqueViolation("duplicate key")

    calls.clear()
    with pytest.raises(psycopg.errors.UniqueViolation):
        asyncio.run(retry_transient(broken))
    assert len(calls) == 1
