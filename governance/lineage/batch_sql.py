"""Raw DBAPI access for the ingest hot path, inside the caller's SQLAlchemy transaction.

Ingest writes tens of thousands of rows per second; SQLAlchemy Core's per-row bind processing
(UTCDateTime, JSON) and statement compilation cost more than the database work itself. Here rows
arrive pre-serialised (JSON text, datetimes in the driver's form) and go straight to the DBAPI
cursor of the same connection, so the transaction and its atomicity stay SQLAlchemy's.

The stored forms equal SQLAlchemy's: SQLite datetimes as 'YYYY-MM-DD HH:MM:SS.ffffff' in UTC (what
sqlmodel's UTCDateTime writes there), JSON as `json.dumps` text; PostgreSQL gets aware datetimes.

PostgreSQL round trips (issue 12): a table's rows for a batch go in one statement whatever their
number: COPY into a temporary staging table, then one `INSERT ... SELECT ... ON CONFLICT` or
`UPDATE ... FROM` (about 30 statements per batch instead of one per row:
tests/test_lineage_batch_statements.py); key lookups are one `= ANY(array)` each. Small batches
(the group commit of single POSTs) run in pipeline mode instead: writes whose results are not read
travel with the next read. All of it inside the caller's transaction: an event and its projection
commit together or not at all.
"""

from __future__ import annotations

import json
import re
import zlib
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from json.encoder import c_make_encoder, encode_basestring_ascii  # type: ignore[attr-defined]
from typing import Any

from sqlalchemy.engine import Connection

MAX_PARAMS = 30_000  # per statement: SQLite's default SQLITE_MAX_VARIABLE_NUMBER is 32766
SELECT_CHUNK = 900
_INSERT_HEAD = re.compile(r"INSERT INTO (\w+) \(([^)]*)\)")
# PostgreSQL, rows per statement from which a write goes COPY -> staging table -> one INSERT/UPDATE
# (three statements) rather than executemany (pipelined: one round trip, but one statement per row).
# Per 5,000 raw events: executemany 154 ms, unnest() arrays 337 ms, COPY + INSERT ... SELECT 95 ms.
COPY_MIN_ROWS = 64
# PostgreSQL, events per batch up to which the batch runs in pipeline mode (no COPY there, so every
# write is a pipelined executemany; statements whose results are not read cost no round trip).
PIPELINE_MAX_EVENTS = 16
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
        self.statements = 0  # statements the database executed for this batch (executemany: one per row)
        self.pipelined = False
        self._staged: set[str] = set()

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

    @contextmanager
    def pipeline(self, enabled: bool) -> Iterator[None]:
        """PostgreSQL with `enabled`: psycopg pipeline mode for the block (results are synced when read,
        and at the end, where a failed statement raises: the caller's transaction then rolls back)."""
        if not (enabled and self.pg):
            yield
            return
        with self.cur.connection.pipeline():
            self.pipelined = True
            try:
                yield
            finally:
                self.pipelined = False

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
        """`head WHERE key IN (...)`; with `lock` on PostgreSQL, rows are locked in key order (FOR UPDATE)
        so concurrent writers serialise their read-modify-write and cannot deadlock on it.
        PostgreSQL: one statement (`= ANY(array)`); SQLite: chunks under its parameter limit."""
        if not keys:
            return []
        if self.pg:
            # Never a prepared statement: its generic plan, made while the table was small, keeps a
            # sequential scan as the table grows (6 ms instead of 0.3 ms per 100 keys at 20,000 runs,
            # bench/ingest.py); an unnamed statement is planned for this array on the table as it is.
            tail = f" ORDER BY {key} FOR UPDATE" if lock else ""
            self.statements += 1
            if all(type(k) is str for k in keys):
                # One array literal: psycopg dumps a list element by element in Python (~1 µs a key,
                # 0.2 µs here; per 5,000 keys 5.2 -> 0.9 ms of client CPU and 7.7 -> 2.9 ms wall).
                self.cur.execute(f"{head} WHERE {key} = ANY(%s::text[]){tail}", [_text_array(keys)], prepare=False)
            else:
                self.cur.execute(f"{head} WHERE {key} = ANY(%s){tail}", [list(keys)], prepare=False)
            return list(self.cur.fetchall())
        rows: list[tuple[Any, ...]] = []
        for start in range(0, len(keys), SELECT_CHUNK):
            part = keys[start : start + SELECT_CHUNK]
            self.execute(f"{head} WHERE {key} IN ({','.join('?' * len(part))})", list(part))
            rows.extend(self.cur.fetchall())
        return rows

    def execute(self, statement: str, params: Sequence[Any] | None = None) -> None:
        """One statement (`statement` already in the driver's placeholder style); counted."""
        self.statements += 1
        if params is None:
            self.cur.execute(statement)
        else:
            self.cur.execute(statement, params)

    def many(self, statement: str, rows: Iterable[Sequence[Any]]) -> int:
        """executemany (SQLite: one prepared statement stepped per row); rows changed. Each row is a
        statement executed by the server (PostgreSQL writes go through `insert`/`update` instead)."""
        params = rows if isinstance(rows, list) else list(rows)
        if not params:
            return 0
        self.statements += len(params)
        self.cur.executemany(self.sql(statement), params)
        return int(self.cur.rowcount)

    def _stage(self, table: str, columns: Sequence[str], rows: Sequence[Sequence[Any]]) -> str:
        """PostgreSQL: COPY the rows into a temporary staging table shaped like `columns` of `table`
        (emptied at commit or rollback: the staging is as atomic as the batch); its name. COPY streams
        a whole batch in one statement, without a plan or an executor pass per row."""
        name = f"_gov_stage_{table}_{zlib.crc32(','.join(columns).encode()):08x}"
        listed = ", ".join(columns)
        self.execute(
            f"CREATE TEMP TABLE IF NOT EXISTS {name} ON COMMIT DELETE ROWS AS SELECT {listed} FROM {table} WITH NO DATA"
        )
        if name in self._staged:  # emptied at commit only: a second use in one batch starts empty
            self.execute(f"TRUNCATE {name}")
        self._staged.add(name)
        self._copy(name, table, columns, rows)
        return name

    def _copy(self, target: str, table: str, columns: Sequence[str], rows: Sequence[Sequence[Any]]) -> None:
        """COPY `rows` into `columns` of `target` (shaped like `table`), in PostgreSQL's binary format when
        every column's type has a binary form here: client and server then neither format nor parse text
        (per raw event: 3.4 -> 0.7 µs of client CPU, 3.4 -> 1.8 µs in the server)."""
        self.statements += 1
        types = _binary_types(self.cur, table, tuple(columns))
        listed = ", ".join(columns)
        with self.cur.copy(f"COPY {target} ({listed}) FROM STDIN{' (FORMAT BINARY)' if types else ''}") as copy:
            if types:
                copy.set_types(types)
            write = copy.write_row
            for row in rows:
                write(row)

    def _pg_insert(self, head: str, rows: Sequence[Sequence[Any]], tail: str) -> None:
        if self.pipelined or len(rows) < COPY_MIN_ROWS:  # few rows: one pipelined round trip beats three
            returning = "RETURNING" in tail
            self.statements += len(rows)
            self.cur.executemany(f"{head} VALUES ({','.join(['%s'] * len(rows[0]))}) {tail}", rows, returning=returning)
            return
        match = _INSERT_HEAD.fullmatch(head.strip())
        if match is None:
            raise ValueError(f"not an INSERT head: {head}")
        table, listed = match.group(1), match.group(2)
        stage = self._stage(table, [c.strip() for c in listed.split(",")], rows)
        self.execute(f"{head} SELECT {listed} FROM {stage} {tail}")

    def copy_new(self, head: str, rows: Sequence[Sequence[Any]]) -> bool:
        """PostgreSQL, at least COPY_MIN_ROWS rows the caller found absent (a key lookup in this
        transaction): COPY them straight into the table, inside a savepoint. False, with nothing
        written, when that does not apply or a concurrent writer inserted one of the keys since the
        lookup (unique violation): the caller then writes them with its `ON CONFLICT` statement.

        Straight COPY skips the staging table and ON CONFLICT's per-row speculative insertion (run_io
        and run_fact, ~3 rows an event: ~0.6 s less server time per 100,000 events, bench/ingest.py)."""
        if not self.pg or self.pipelined or len(rows) < COPY_MIN_ROWS:
            return False
        from psycopg.errors import UniqueViolation

        match = _INSERT_HEAD.fullmatch(head.strip())
        if match is None:
            raise ValueError(f"not an INSERT head: {head}")
        self.execute("SAVEPOINT gov_copy_new")
        table = match.group(1)
        try:
            self._copy(table, table, [c.strip() for c in match.group(2).split(",")], rows)
        except UniqueViolation:
            self.execute("ROLLBACK TO SAVEPOINT gov_copy_new")
            return False
        self.execute("RELEASE SAVEPOINT gov_copy_new")
        return True

    def insert(self, head: str, rows: Sequence[Sequence[Any]], tail: str = "") -> int:
        """`head VALUES (?, ...) tail` for every row (PostgreSQL: one statement for all rows); rows changed.
        Rows go in in the order given (lock order on PostgreSQL)."""
        if not rows:
            return 0
        if self.pg:
            self._pg_insert(head, rows, tail)
            return int(self.cur.rowcount)
        return self.many(f"{head} VALUES ({','.join('?' * len(rows[0]))}) {tail}", rows)

    def insert_returning(self, head: str, rows: Sequence[Sequence[Any]], tail: str) -> list[tuple[Any, ...]]:
        """`insert` whose `tail` has a RETURNING clause; the rows it returns."""
        if not rows:
            return []
        if self.pg:
            self._pg_insert(head, rows, tail)
            out: list[tuple[Any, ...]] = []
            while True:
                out.extend(self.cur.fetchall())
                if not self.cur.nextset():
                    return out
        # sqlite3's executemany cannot return rows: multi-row VALUES statements (used for new nodes only).
        out = []
        width = len(rows[0])
        one = "(" + ",".join("?" * width) + ")"
        per = max(1, MAX_PARAMS // width)
        for start in range(0, len(rows), per):
            part = rows[start : start + per]
            self.execute(f"{head} VALUES {','.join([one] * len(part))} {tail}", [v for row in part for v in row])
            out.extend(self.cur.fetchall())
        return out

    def update(self, table: str, columns: Sequence[str], key: str, rows: Sequence[Sequence[Any]]) -> int:
        """Set `columns` of the row whose `key` is each row's last value; rows changed.
        PostgreSQL: many rows go through a staging table (one `UPDATE ... FROM`); SQLite: executemany."""
        if not rows:
            return 0
        if not self.pg:
            sets = ", ".join(f"{c} = ?" for c in columns)
            return self.many(f"UPDATE {table} SET {sets} WHERE {key} = ?", rows)
        if self.pipelined or len(rows) < COPY_MIN_ROWS:
            sets = ", ".join(f"{c} = %s" for c in columns)
            self.statements += len(rows)
            self.cur.executemany(f"UPDATE {table} SET {sets} WHERE {key} = %s", rows)
            return int(self.cur.rowcount)
        stage = self._stage(table, [*columns, key], rows)
        sets = ", ".join(f"{c} = s.{c}" for c in columns)
        self.execute(f"UPDATE {table} SET {sets} FROM {stage} AS s WHERE {table}.{key} = s.{key}")
        return int(self.cur.rowcount)

    def scalar(self, statement: str) -> Any:
        self.execute(self.sql(statement))
        row = self.cur.fetchone()
        return None if row is None else row[0]


def _text_array(keys: Sequence[str]) -> str:
    """A PostgreSQL array literal of `keys` (each quoted; backslash and quote escaped)."""
    return "{" + ",".join(['"' + k.replace("\\", "\\\\").replace('"', '\\"') + '"' for k in keys]) + "}"


# PostgreSQL column types -> the psycopg type whose binary dumper writes them from the values the writers
# pass. json travels as its text (its binary form is the text itself); varchar and text as str.
_BINARY = {
    "text": "text",
    "character varying": "varchar",
    "json": "text",
    "integer": "int4",
    "bigint": "int8",
    "smallint": "int2",
    "boolean": "bool",
    "double precision": "float8",
    "timestamp with time zone": "timestamptz",
}
_types_cache: dict[tuple[str, tuple[str, ...]], list[str] | None] = {}


def _binary_types(cur: Any, table: str, columns: tuple[str, ...]) -> list[str] | None:
    """The psycopg types for a binary COPY into `columns` of `table`, or None (some type without a
    binary form here: text COPY). Read from the catalogue once per process: migrations run first."""
    key = (table, columns)
    if key not in _types_cache:
        cur.execute(
            "SELECT attname, format_type(atttypid, NULL) FROM pg_attribute "
            "WHERE attrelid = %s::regclass AND attnum > 0 AND NOT attisdropped",
            [table],
        )
        found = {name: _BINARY.get(kind) for name, kind in cur.fetchall()}
        types = [found.get(column) for column in columns]
        _types_cache[key] = None if None in types else types  # type: ignore[assignment]
    return _types_cache[key]
