"""`gov evidence`: evaluations stored and shown; every bad input is one line, exit 2, nothing stored."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from sqlalchemy import text
from sqlalchemy.engine import Engine

from governance.registry.service import VersionSpec, register_model, register_version
from governance.store.db import session_scope
from tests.helpers import gov

ARGS = ("--label", "y", "--prediction", "p", "--sensitive", "race")


def _frame(n: int = 400, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    race = rng.choice(["a", "b", "c"], size=n, p=[0.55, 0.4, 0.05])
    y = (rng.random(n) < 0.4).astype(int)
    p = np.where(rng.random(n) < 0.8, y, 1 - y)
    return pd.DataFrame(
        {
            "race": race,
            "sex": rng.choice(["f", "m"], size=n),
            "y": y,
            "p": p,
            "s": rng.random(n),
            "multi": rng.integers(0, 3, n),
        }
    )


@pytest.fixture
def store(sqlite_engine: Engine) -> Engine:
    with session_scope(sqlite_engine) as session:
        register_model(session, "credit", owner="team")
        register_version(session, "credit", VersionSpec("1", "s3://m/1", "cd" * 32, "alice"))
        register_version(session, "credit", VersionSpec("2", "s3://m/2", "ef" * 32, "alice"))
    return sqlite_engine


@pytest.fixture
def csv_file(tmp_path: Path) -> Path:
    path = tmp_path / "data.csv"
    _frame().to_csv(path, index=False)
    return path


def stored(engine: Engine) -> int:
    with engine.connect() as conn:
        return int(conn.execute(text("SELECT count(*) FROM fairness_evaluation")).scalar_one())


def test_text_output_has_the_tables_and_flags_small_groups(store: Engine, csv_file: Path) -> None:
    result = gov(
        "evidence",
        "fairness",
        "credit",
        "1",
        "--data",
        str(csv_file),
        *ARGS,
        "--privileged",
        "a",
        "--bootstrap",
        "100",
    )
    assert result.exit_code == 0, result.output
    out = result.stdout
    assert "Per-group metrics" in out and "Between-group metrics" in out
    assert "fairlearn.demographic_parity_difference" in out and "aif360.disparate_impact" in out
    assert "SR_unpriv - SR_priv" in out  # the sign convention is named
    assert "c*" in out and "fewer than 30 rows" in out and "excluded from max-min aggregates" in out
    assert "Four-fifths rule:" in out
    assert result.stderr == ""
    assert stored(store) == 1


def test_json_output_is_stored_listed_and_shown(store: Engine, csv_file: Path) -> None:
    result = gov(
        "evidence",
        "fairness",
        "credit",
        "2",
        "--data",
        str(csv_file),
        *ARGS,
        "--sensitive",
        "race,sex",
        "--privileged",
        "race=a",
        "--score",
        "s",
        "--format",
        "json",
        "--bootstrap",
        "50",
        "--seed",
        "3",
    )
    assert result.exit_code == 0, result.output
    doc = json.loads(result.stdout)
    assert doc["model"] == {"name": "credit", "version": "2", "artifact_digest": "sha256:" + "ef" * 32}
    assert doc["data"]["digest_scope"] == "file" and doc["data"]["digest"].startswith("sha256:")
    assert doc["sensitive"] == ["race", "sex"] and len(doc["groups"]) == 6  # intersectional
    assert doc["privileged"]["groups"] == ["race=a, sex=f", "race=a, sex=m"]
    assert "aif360.generalized_equalized_odds_difference" in doc["metrics"]
    assert doc["bootstrap"]["seed"] == 3 and doc["tool"]["name"] == "gov" and doc["producer"] == "gov-cli"
    listed = gov("evidence", "list", "credit", "--format", "json")
    assert listed.exit_code == 0 and [e["id"] for e in json.loads(listed.stdout)] == [doc["id"]]
    assert "no fairness evaluations" in gov("evidence", "list", "credit", "1").stdout
    shown = gov("evidence", "show", str(doc["id"]), "--format", "json")
    assert json.loads(shown.stdout) == doc
    assert "race=a, sex=f" in gov("evidence", "show", str(doc["id"])).stdout


def test_include_small_groups_changes_the_aggregates(store: Engine, csv_file: Path) -> None:
    docs = []
    for flag in ("--exclude-small-groups", "--include-small-groups"):
        result = gov(
            "evidence",
            "fairness",
            "credit",
            "1",
            "--data",
            str(csv_file),
            *ARGS,
            flag,
            "--bootstrap",
            "0",
            "--format",
            "json",
        )
        assert result.exit_code == 0, result.output
        docs.append(json.loads(result.stdout))
    excluded, included = docs
    assert excluded["small_groups"] == "excluded" and included["small_groups"] == "included"
    assert "c" not in excluded["four_fifths"]["impact_ratios"] and "c" in included["four_fifths"]["impact_ratios"]
    assert excluded["metrics"]["aif360.theil_index"] == included["metrics"]["aif360.theil_index"]
    assert excluded["metrics"]["fairlearn.demographic_parity_difference"]["ci"] is None


def _write(tmp_path: Path, name: str, frame: pd.DataFrame) -> Path:
    path = tmp_path / name
    if name.endswith(".parquet"):
        frame.to_parquet(path, index=False)
    else:
        frame.to_csv(path, index=False)
    return path


def _bad_cases(tmp_path: Path) -> dict[str, tuple[list[str], str]]:
    frame = _frame(60)
    nan_sensitive = frame.astype({"race": object})
    nan_sensitive.loc[7, "race"] = None
    three_labels = frame.assign(y=frame["multi"])
    (tmp_path / "events.json").write_text('{"not": "a table"}')
    (tmp_path / "image.csv").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(200))
    (tmp_path / "fake.parquet").write_text("race,y,p\na,1,0\n")
    good = _write(tmp_path, "good.csv", frame)
    base = ["evidence", "fairness", "credit", "1"]
    return {
        "missing column": (
            [*base, "--data", str(good), "--label", "nope", "--prediction", "p", "--sensitive", "race"],
            "no column 'nope'",
        ),
        "non-binary label": (
            [*base, "--data", str(_write(tmp_path, "multi.csv", three_labels)), *ARGS],
            "not binary",
        ),
        "NaN in sensitive column (CSV)": (
            [*base, "--data", str(_write(tmp_path, "nan.csv", nan_sensitive)), *ARGS],
            "missing value",
        ),
        "NaN in sensitive column (Parquet)": (
            [*base, "--data", str(_write(tmp_path, "nan.parquet", nan_sensitive)), *ARGS],
            "missing value",
        ),
        "empty privileged group": ([*base, "--data", str(good), *ARGS, "--privileged", "zz"], "is empty"),
        "empty unprivileged group": (
            [
                *base,
                "--data",
                str(_write(tmp_path, "one.csv", frame.assign(race="a"))),
                *ARGS,
                "--privileged",
                "a",
            ],
            "unprivileged group is empty",
        ),
        "JSON file": ([*base, "--data", str(tmp_path / "events.json"), *ARGS], "not a CSV or Parquet file"),
        "binary file named .csv": (
            [*base, "--data", str(tmp_path / "image.csv"), *ARGS],
            "not a CSV or Parquet",
        ),
        "text file named .parquet": (
            [*base, "--data", str(tmp_path / "fake.parquet"), *ARGS],
            "not a Parquet file",
        ),
        "no such file": ([*base, "--data", str(tmp_path / "absent.csv"), *ARGS], "no such file"),
        "unknown model": (
            ["evidence", "fairness", "nope", "1", "--data", str(good), *ARGS],
            "no registered model",
        ),
        "unknown version": (
            ["evidence", "fairness", "credit", "9", "--data", str(good), *ARGS],
            "no version '9'",
        ),
        "favorable not a label value": (
            [*base, "--data", str(good), *ARGS, "--favorable", "yes"],
            "not a value of label column",
        ),
        "query without database": (
            [*base, "--data", str(good), *ARGS, "--query", "SELECT 1"],
            "database URL",
        ),
        "bad confidence": ([*base, "--data", str(good), *ARGS, "--confidence", "1.5"], "confidence"),
        "score out of range": (
            [
                *base,
                "--data",
                str(_write(tmp_path, "score.csv", frame.assign(s=frame["s"] + 1))),
                *ARGS,
                "--score",
                "s",
            ],
            "outside [0, 1]",
        ),
        "prediction values not labels": (
            [*base, "--data", str(_write(tmp_path, "pv.csv", frame.assign(p="x"))), *ARGS],
            "predictions must take the label's two values",
        ),
    }


def test_bad_input_is_one_line_exit_2_and_nothing_stored(store: Engine, tmp_path: Path) -> None:
    for name, (argv, expected) in _bad_cases(tmp_path).items():
        result = gov(*argv)
        assert result.exit_code == 2, (name, result.output)
        lines = result.stderr.strip().splitlines()
        assert len(lines) == 1 and lines[0].startswith("error: "), (name, result.stderr)
        assert expected in lines[0], (name, lines[0])
        assert "Traceback" not in result.output and result.stdout == "", name
        assert stored(store) == 0, name


def test_show_unknown_id_is_not_found(store: Engine) -> None:
    result = gov("evidence", "show", "999")
    assert result.exit_code == 2 and "no fairness evaluation with id 999" in result.stderr
