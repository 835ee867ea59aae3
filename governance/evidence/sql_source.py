"""SQL sources: the database counts the cells with GROUP BY; only aggregates leave it.

The user's query is wrapped as a subquery: SELECT sensitive..., label, prediction, COUNT(*) [, score
sums] FROM (query) GROUP BY sensitive..., label, prediction. No row of the query's result is fetched.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from sqlalchemy.engine import Connection, Engine

from governance.errors import ConfigError, InputError
from governance.evidence.counts import MAX_GROUPS, ColumnRoles, RawCells, value_text

_URL = re.compile(r"^[A-Za-z][A-Za-z0-9+.\-]*://")


def is_database_url(text: str) -> bool:
    """True for SQLAlchemy URLs such as sqlite:///x.db or postgresql+psycopg://host/db."""
    return bool(_URL.match(text))


def redact(url: str) -> str:
    """The URL without its password, as it may be shown and stored."""
    from sqlalchemy.engine import make_url

    try:
        return make_url(url).render_as_string(hide_password=True)
    except Exception:  # noqa: BLE001 - an unparsable URL is shown only by its scheme
        return url.split("://", 1)[0] + "://..."


@dataclass(frozen=True)
class QueryCounts:
    """Cells counted by the database, and the statement that counted them."""

    cells: RawCells
    statement: str
    digest: str


def open_source(url: str) -> Engine:
    """An engine for a data source URL (not the store)."""
    from sqlalchemy import create_engine
    from sqlalchemy.exc import ArgumentError, NoSuchModuleError

    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://") :]
    try:
        return create_engine(url)
    except (ArgumentError, NoSuchModuleError, ImportError, ValueError) as exc:
        raise InputError(f"cannot use database URL {redact(url)}: {exc}", where="data") from exc


def grouped_statement(conn: Connection, query: str, roles: ColumnRoles) -> str:
    """The GROUP BY statement over the user's query; checks the query's columns first."""
    from sqlalchemy.exc import DBAPIError

    query = query.strip().rstrip(";").strip()
    if not query:
        raise InputError("the query is empty", where="query")
    try:
        columns = list(conn.exec_driver_sql(f"SELECT * FROM ({query}) AS gov_q WHERE 1 = 0").keys())
    except DBAPIError as exc:
        raise InputError(f"the query failed: {str(exc.orig).splitlines()[0]}", where="query") from exc
    missing = [c for c in roles.all if c not in columns]
    if missing:
        raise InputError(
            f"the query has no column {', '.join(repr(c) for c in missing)} (columns: {', '.join(columns)})",
            where="query",
        )
    quote = conn.dialect.identifier_preparer.quote
    keyed = ", ".join(f"gov_q.{quote(c)}" for c in roles.keyed)
    aggregates = "COUNT(*)"
    if roles.score:
        s = f"gov_q.{quote(roles.score)}"
        aggregates += f", SUM({s}), SUM({s} * {s}), COUNT({s}), MIN({s}), MAX({s})"
    return f"SELECT {keyed}, {aggregates} FROM ({query}) AS gov_q GROUP BY {keyed}"


def count_query(engine: Engine, query: str, roles: ColumnRoles) -> QueryCounts:
    """Count cells with one GROUP BY statement run by the database."""
    from sqlalchemy.exc import DBAPIError, OperationalError

    from governance.digest import json_sha256

    try:
        with engine.connect() as conn:
            statement = grouped_statement(conn, query, roles)
            rows = conn.exec_driver_sql(statement).all()
    except OperationalError as exc:
        if "gov_q" in str(exc.statement or ""):
            raise InputError(f"the query failed: {str(exc.orig).splitlines()[0]}", where="query") from exc
        raise ConfigError(f"cannot reach the data source: {str(exc.orig).splitlines()[0]}", where="data") from exc
    except DBAPIError as exc:
        raise InputError(f"the query failed: {str(exc.orig).splitlines()[0]}", where="query") from exc
    cells = RawCells(roles)
    k = len(roles.keyed)
    shown = []
    for row in rows:
        key = tuple(_text(v, name) for v, name in zip(row[:k], roles.keyed, strict=True))
        n = int(row[k])
        score_sum = score_sq = 0.0
        if roles.score:
            score_sum, score_sq = float(row[k + 1] or 0.0), float(row[k + 2] or 0.0)
            _check_score(roles.score, n, row[k + 3], row[k + 4], row[k + 5])
        cells.add(key, n, score_sum, score_sq)
        shown.append([*key, n, score_sum, score_sq])
    if len({key[: len(roles.sensitive)] for key in cells.sums}) > MAX_GROUPS:
        raise InputError(f"the sensitive columns make more than {MAX_GROUPS} groups", where="sensitive")
    digest = json_sha256(
        {
            "source": redact(str(engine.url.render_as_string(hide_password=False))),
            "query": query,
            "cells": sorted(shown),
        }
    )
    return QueryCounts(cells, statement, digest)


def _text(value: Any, column: str) -> str:
    if value is None or (isinstance(value, float) and value != value):
        raise InputError(
            f"column {column!r} has missing values (NULL or NaN)",
            where="query",
            hint="filter or fill them in the query",
        )
    return value_text(value)


def _check_score(column: str, rows: int, present: Any, low: Any, high: Any) -> None:
    if int(present or 0) != rows:
        raise InputError(f"score column {column!r} has missing values (NULL)", where="query")
    if low is not None and (float(low) < 0.0 or float(high) > 1.0):
        raise InputError(f"score column {column!r} has values outside [0, 1]", where="query")
