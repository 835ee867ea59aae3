"""Raw DBAPI access for the ingest hot path, inside the caller's SQLAlchemy transaction.

Ingest writes tens of thousands of rows per second; SQLAlchemy Core's per-row bind processing
(UTCDateTime, JSON) and statement compilation cost more than the database work itself. Here rows
arrive pre-serialised (JSON text, datetimes in the driver's form) and go straight to the DBAPI
cursor of the same connection, so the transaction and its atomicity stay SQLAlchemy's.

The stored forms equal SQLAlchemy's: SQLite datetimes as 'YYYY-MM-DD HH:MM:SS.ffffff' in UTC (what
sqlmodel's UTCDateTime writes there), JSON as `json.dumps` text; PostgreSQL gets aware datetimes.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime
from json.encoder import c_make_encoder, encode_basestring_ascii  # type: ignore[attr-defined]
from typing import Any

from sqlalchemy.engine import Connection

MAX_PARAMS = 30_000  # per statement: SQLite's default SQLITE_MAX_VARIABLE_NUMBER is 32766
SELECT_CHUNK = 900
# Per connection. The default 2 MiB page cache misses on nearly every insert into the random-keyed
# digest index once it outgrows it (~25,000 events); 32 MiB keeps ~400,000 events' worth (3 µs/event
# less at 100,000). SQLite checkpoints the WAL (copy to the database, two fsyncs) once it passes
# 1,000 pages (4 MB), i.e. after every large batch; at 10,000 pages pages rewritten by several batches
# are copied once and fsyncs are rarer (commit time -40% in bench/ingest.py). The WAL may reach ~40 MB.
SQLITE_CACHE_KIB = 32 * 1024
SQLITE_CHECKPOINT_PAGES = 10_000


def _json_dumps() -> Any:
    """json.dumps() without options (what SQLAlchemy's JSON type writes), with its C encoder built once
    rather than per call; no circular check, as decoded JSON cannot be circular."""
    if c_make_encoder is None:
        return json.dumps
    encode = c_make_encoder(
        None, json.JSONEncoder().default, encode_basestring_ascii, None, ": ", ", ", False, False, True
    )

    def dumps(value: Any) -> str:
        return "".join(encode(value, 0)) if isinstance(value, (dict, list)) else json.dumps(value)

    return dumps


dumps = _json_dumps()


class BatchSQL:
    """One batch's statements on one connection; `?` placeholders, rewritten for psycopg."""

    def __init__(self, conn: Connection) -> None:
        self.conn = conn
        self.pg = conn.dialect.name == "postgresql"
        self.cur: Any = conn.connection.cursor()
        self._ts: dict[datetime, Any] = {}

    def lock(self) -> None:
        """SQLite: take the write lock before the first read, so what we read stays true until commit.

        A deferred transaction that reads and then writes can fail with SQLITE_BUSY when another writer
        commits in between (no busy wait applies); BEGIN IMMEDIATE waits (busy_timeout) instead. It also
        makes id assignment and "does this digest exist" race-free. PostgreSQL locks rows instead.
        """
        if not self.pg:
            raw = self.conn.connection.dbapi_connection
            if raw is not None and not raw.in_transaction:
                self.cur.execute(f"PRAGMA cache_size = -{SQLITE_CACHE_KIB}")
                self.cur.execute(f"PRAGMA wal_autocheckpoint = {SQLITE_CHECKPOINT_PAGES}")
                self.cur.execute("BEGIN IMMEDIATE")

    def sql(self, text: str) -> str:
        return text.replace("?", "%s") if self.pg else text

    def ts(self, value: datetime | None) -> Any:
        """A datetime as the driver should receive it (memoised: one batch repeats few distinct times)."""
        if value is None or self.pg:
            return value
        out = self._ts.get(value)
        if out is None:
            utc = value if value.tzinfo is UTC else value.astimezone(UTC)
            out = self._ts[value] = utc.isoformat(" ", "microseconds")[:26]
        return out

    def native(self, value: Any) -> Any:
        """A datetime read back, in the form `ts` gives (so the two compare); None stays None."""
        if value is None or (not self.pg and isinstance(value, str) and len(value) == 26):
            return value  # what SQLAlchemy and `ts` write on SQLite
        return self.ts(self.dt(value))

    def dt(self, value: Any) -> datetime | None:
        """A datetime read back from the database, aware and in UTC."""
        if value is None:
            return None
        parsed: datetime = datetime.fromisoformat(value) if isinstance(value, str) else value
        return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed.astimezone(UTC)

    def json_column(self, name: str) -> str:
        """Select a JSON column as text (psycopg would decode `json` itself; we decode only what we use)."""
        return f"{name}::text" if self.pg else name

    def select_in(self, head: str, key: str, keys: Sequence[Any], *, lock: bool = False) -> list[tuple[Any, ...]]:
        """`head WHERE key IN (...)` in chunks; with `lock` on PostgreSQL, rows are locked in key order
        (FOR UPDATE) so concurrent writers serialise their read-modify-write and cannot deadlock on it."""
        rows: list[tuple[Any, ...]] = []
        tail = f" ORDER BY {key} FOR UPDATE" if lock and self.pg else ""
        for start in range(0, len(keys), SELECT_CHUNK):
            part = keys[start : start + SELECT_CHUNK]
            marks = ",".join("?" * len(part))
            self.cur.execute(self.sql(f"{head} WHERE {key} IN ({marks}){tail}"), list(part))
            rows.extend(self.cur.fetchall())
        return rows

    def many(self, statement: str, rows: Iterable[Sequence[Any]]) -> int:
        """executemany (sqlite3 steps one prepared statement; psycopg 3 pipelines the rows); rows changed."""
        params = rows if isinstance(rows, list) else list(rows)
        if not params:
            return 0
        self.cur.executemany(self.sql(statement), params)
        return int(self.cur.rowcount)

    def insert(self, head: str, rows: Sequence[Sequence[Any]], tail: str = "") -> int:
        """`head VALUES (?, ...) tail` for every row (executemany); rows changed."""
        if not rows:
            return 0
        return self.many(f"{head} VALUES ({','.join('?' * len(rows[0]))}) {tail}", rows)

    def insert_returning(self, head: str, rows: Sequence[Sequence[Any]], tail: str) -> list[tuple[Any, ...]]:
        """`insert` whose `tail` has a RETURNING clause; the rows it returns."""
        if not rows:
            return []
        out: list[tuple[Any, ...]] = []
        if self.pg:
            # psycopg pipelines executemany; multi-row VALUES (or unnest) measured 3x slower per row here.
            self.cur.executemany(
                self.sql(f"{head} VALUES ({','.join('?' * len(rows[0]))}) {tail}"), rows, returning=True
            )
            while True:
                out.extend(self.cur.fetchall())
                if not self.cur.nextset():
                    return out
        # sqlite3's executemany cannot return rows: multi-row VALUES statements (used for new nodes only).
        width = len(rows[0])
        one = "(" + ",".join("?" * width) + ")"
        per = max(1, MAX_PARAMS // width)
        for start in range(0, len(rows), per):
            part = rows[start : start + per]
            self.cur.execute(f"{head} VALUES {','.join([one] * len(part))} {tail}", [v for row in part for v in row])
            out.extend(self.cur.fetchall())
        return out

    def scalar(self, statement: str) -> Any:
        self.cur.execute(self.sql(statement))
        row = self.cur.fetchone()
        return None if row is None else row[0]
