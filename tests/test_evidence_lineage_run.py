"""Issue 13 item 3b: the data a fairness evaluation read is itself in the lineage graph, so an auditor can
trace an evaluation to its input: the evaluation's run_id names a run of job gov-evidence/fairness/MODEL/VERSION
whose input is the file it read."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.engine import Engine

from tests.helpers import gov
from tests.test_fairness_cli import ARGS, csv_file, store  # noqa: F401  (fixtures)


def test_a_computed_evaluation_is_a_lineage_run_reading_its_data(store: Engine, csv_file: Path) -> None:  # noqa: F811
    result = gov(
        "evidence", "fairness", "credit", "1", "--data", str(csv_file), *ARGS, "--bootstrap", "0", "-f", "json"
    )
    assert result.exit_code == 0, result.output
    evaluation = json.loads(result.stdout)
    run_id = evaluation["run_id"]
    assert run_id
    job = "job:gov-evidence:fairness/credit/1"
    up = gov("lineage", "upstream", job, "-f", "json")
    assert up.exit_code == 0, up.output
    names = json.dumps(json.loads(up.stdout))
    assert csv_file.resolve().as_posix() in names  # the data it read is its upstream
    with store.connect() as conn:
        rows = conn.execute(text("SELECT run_id FROM fairness_evaluation")).scalars().all()
        events = conn.execute(text("SELECT count(*) FROM raw_event WHERE run_id = :r"), {"r": run_id}).scalar_one()
    assert rows == [run_id] and events == 1


@pytest.mark.parametrize("inside", [False, True])
def test_the_stored_source_is_logical_and_the_run_names_the_file(
    store: Engine,  # noqa: F811
    csv_file: Path,  # noqa: F811
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    inside: bool,
) -> None:
    """Issue 12: the evaluation stores a logical data source (relative to the working directory, else the
    file name; as stage evidence does), never the validator's local path; its lineage run still names the
    file read by its absolute path (namespace `file`, the OpenLineage naming spec)."""
    work = tmp_path if inside else tmp_path / "elsewhere"
    work.mkdir(exist_ok=True)
    monkeypatch.chdir(work)
    result = gov(
        "evidence", "fairness", "credit", "1", "--data", str(csv_file), *ARGS, "--bootstrap", "0", "-f", "json"
    )
    assert result.exit_code == 0, result.output
    evaluation = json.loads(result.stdout)
    assert evaluation["data"]["source"] == "data.csv"  # tmp/data.csv: relative to tmp, else its name
    with store.connect() as conn:
        row = conn.execute(text("SELECT data_source, results FROM fairness_evaluation")).one()
    assert row.data_source == "data.csv" and str(tmp_path) not in row.data_source + str(row.results)
    up = gov("lineage", "upstream", "job:gov-evidence:fairness/credit/1", "-f", "json")
    assert up.exit_code == 0, up.output
    assert f'"dataset:file:{csv_file.resolve().as_posix()}"' in json.dumps(json.loads(up.stdout))
