"""SQL sources: the database computes the per-group counts with GROUP BY; no row leaves it.

SQLite always; PostgreSQL when GOV_TEST_POSTGRES_URL is set (CI's .ci/run starts one).
"""

from __future__ import annotations

import json
import os
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from sqlalchemy import create_engine, event, text
from sqlalchemy.engine import Engine, make_url

from governance.evidence.counts import ColumnRoles
from governance.evidence.sql_source import count_query
from governance.registry.service import VersionSpec, register_model, register_version
from governance.store.db import session_scope
from tests.conftest import DATA, PG_SKIP
from tests.helpers import gov

COMPAS = DATA / "compas" / "compas-scores-two-years.csv"
COLUMNS = ["race", "sex", "two_year_recid", "score_text", "decile_score"]
ARGS = (
    "--label",
    "two_year_recid",
    "--prediction",
    "score_text",
    "--predicted-favorable",
    "Medium,High",
    "--sensitive",
    "race,sex",
    "--privileged",
    "race=Caucasian",
    "--bootstrap",
    "100",
    "--format",
    "json",
)


@pytest.fixture
def store(sqlite_engine: Engine) -> Engine:
    with session_scope(sqlite_engine) as session:
        register_model(session, "risk", owner="team")
        register_version(session, "risk", VersionSpec("1", "s3://m/1", "ab" * 32, "alice"))
    return sqlite_engine


def compas_frame() -> pd.DataFrame:
    frame = pd.read_csv(COMPAS, usecols=COLUMNS)
    frame["decile_score"] = frame["decile_score"] / 10.0  # a score in [0, 1] for the score-based metrics
    return frame


def load(url: str, frame: pd.DataFrame) -> None:
    engine = create_engine(url)
    frame.to_sql("predictions", engine, index=False, if_exists="replace")
    engine.dispose()


def file_results(tmp_path: Path) -> dict[str, Any]:
    path = tmp_path / "compas.csv"
    compas_frame().to_csv(path, index=False)
    result = gov("evidence", "fairness", "risk", "1", "--data", str(path), *ARGS, "--score", "decile_score")
    assert result.exit_code == 0, result.output
    return dict(json.loads(result.stdout))


def sql_results(url: str, query: str = "SELECT * FROM predictions") -> dict[str, Any]:
    result = gov("evidence", "fairness", "risk", "1", "--data", url, "--query", query, *ARGS, "--score", "decile_score")
    assert result.exit_code == 0, result.output
    return dict(json.loads(result.stdout))


def assert_same_evaluation(from_sql: dict[str, Any], from_file: dict[str, Any]) -> None:
    assert from_sql["data"]["format"] == "sql" and from_sql["data"]["digest_scope"] == "aggregate"
    assert [g["counts"] for g in from_sql["groups"]] == [g["counts"] for g in from_file["groups"]]
    for key, entry in from_file["metrics"].items():
        assert from_sql["metrics"][key]["value"] == pytest.approx(entry["value"], rel=1e-9, abs=1e-12), key
    fpr = {g["name"]: g["metrics"]["fpr"] for g in from_sql["groups"]}
    assert round(fpr["race=African-American, sex=Male"], 4) == round(
        [g for g in from_file["groups"] if g["name"] == "race=African-American, sex=Male"][0]["metrics"]["fpr"],
        4,
    )


def capture(engine: Engine) -> list[tuple[str, int]]:
    seen: list[tuple[str, int]] = []

    @event.listens_for(engine, "after_cursor_execute")
    def _record(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        seen.append((statement, cursor.rowcount))

    return seen


def test_sqlite_source_equals_the_file(store: Engine, tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'warehouse.db'}"
    load(url, compas_frame())
    assert_same_evaluation(sql_results(url), file_results(tmp_path))


def test_only_aggregates_leave_the_database(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'warehouse.db'}"
    frame = compas_frame()
    load(url, frame)
    engine = create_engine(url)
    statements = capture(engine)
    roles = ColumnRoles("two_year_recid", "score_text", ("race", "sex"), "decile_score")
    counted = count_query(engine, "SELECT * FROM predictions WHERE race <> 'Other';", roles)
    engine.dispose()
    assert "GROUP BY" in counted.statement
    assert any("GROUP BY" in s for s, _ in statements)
    assert all("GROUP BY" in s or "WHERE 1 = 0" in s for s, _ in statements)
    kept = frame[frame["race"] != "Other"]
    assert counted.cells.rows == len(kept)
    assert len(counted.cells.sums) == kept.groupby(["race", "sex", "two_year_recid", "score_text"]).ngroups


def test_sql_errors_are_input_errors(store: Engine, tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'warehouse.db'}"
    frame = compas_frame()
    frame.loc[3, "race"] = None
    load(url, frame)
    cases = {
        "SELECT * FROM predictions": "missing values (NULL",
        "SELECT race FROM predictions": "has no column 'sex'",
        "SELECT * FROM no_such_table": "the query failed",
    }
    for query, expected in cases.items():
        result = gov("evidence", "fairness", "risk", "1", "--data", url, "--query", query, *ARGS)
        assert result.exit_code == 2 and expected in result.stderr, (query, result.output)
    result = gov("evidence", "fairness", "risk", "1", "--data", url, *ARGS)
    assert result.exit_code == 2 and "--query: a database source needs a query" in result.stderr
    with store.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM fairness_evaluation")).scalar_one() == 0


@pytest.fixture
def postgres_source() -> Iterator[str]:
    """A scratch PostgreSQL database holding the predictions (the store stays on SQLite)."""
    base = os.environ.get("GOV_TEST_POSTGRES_URL")
    if not base:
        pytest.skip(PG_SKIP)
    name = f"gov_src_{uuid.uuid4().hex[:10]}"
    admin = create_engine(make_url(base).set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield make_url(base).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.mark.postgres
def test_postgresql_pushdown_equals_the_file(store: Engine, tmp_path: Path, postgres_source: str) -> None:
    load(postgres_source, compas_frame())
    engine = create_engine(postgres_source)
    statements = capture(engine)
    roles = ColumnRoles("two_year_recid", "score_text", ("race", "sex"), "decile_score")
    counted = count_query(engine, "SELECT * FROM predictions", roles)
    engine.dispose()
    grouped = [(s, n) for s, n in statements if "GROUP BY" in s]
    assert len(grouped) == 1 and grouped[0][1] == len(counted.cells.sums) < 100  # aggregates only
    assert_same_evaluation(sql_results(postgres_source), file_results(tmp_path))
