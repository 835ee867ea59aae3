"""Issue 14, the CLI faces of validation-stage evidence: `gov evidence performance|drift|abtest|operational|
import-ge|import-evidently|stages|stage|history`. Each stores what the compute module computes, submitted by
the local user, and records a lineage run (job gov-evidence/<kind>/MODEL/VERSION) whose inputs are the files
read and whose run carries the `gov_stageEvidence` facet; every bad input is one line, exit 2, nothing stored."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from sqlalchemy import text
from sqlalchemy.engine import Engine

from governance.registry.service import VersionSpec, register_model, register_version
from governance.store.db import session_scope
from tests.helpers import gov

STAGES = Path(__file__).parent / "data" / "stages"
REF, CUR = STAGES / "drift_reference.csv", STAGES / "drift_current.csv"


@pytest.fixture
def store(sqlite_engine: Engine, monkeypatch: pytest.MonkeyPatch) -> Engine:
    monkeypatch.setenv("GOV_USER", "vera")
    with session_scope(sqlite_engine) as session:
        register_model(session, "credit", owner="team")
        for v in ("1", "2", "3"):
            register_version(session, "credit", VersionSpec(v, f"s3://m/{v}", f"{int(v):02d}" * 32, "alice"))
    return sqlite_engine


def _scores(path: Path, n: int = 600, seed: int = 0, *, label_values: int = 2) -> Path:
    rng = np.random.default_rng(seed)
    y = rng.integers(0, label_values, n)
    s = np.clip(0.35 * (y > 0) + rng.random(n) * 0.65, 0, 1).round(4)
    champ = np.clip(0.2 * (y > 0) + rng.random(n) * 0.8, 0, 1).round(4)
    pd.DataFrame({"y": y, "s": s, "champ": champ}).to_csv(path, index=False)
    return path


def _units(path: Path, n: int = 2000, seed: int = 1, variants: tuple[str, ...] = ("control", "treatment")) -> Path:
    rng = np.random.default_rng(seed)
    v = rng.choice(list(variants), n)
    y = (rng.random(n) < np.where(v == "control", 0.10, 0.14)).astype(int)
    pd.DataFrame({"variant": v, "outcome": y}).to_csv(path, index=False)
    return path


def rows(engine: Engine) -> tuple[int, int]:
    """(stage evidence rows, raw events)."""
    with engine.connect() as conn:
        ev = int(conn.execute(text("SELECT count(*) FROM stage_evidence")).scalar_one())
        raw = int(conn.execute(text("SELECT count(*) FROM raw_event")).scalar_one())
    return ev, raw


def ok(*args: str) -> dict[str, Any]:
    result = gov("evidence", *args, "-f", "json")
    assert result.exit_code == 0, result.output
    data: dict[str, Any] = json.loads(result.stdout)
    return data


def _measurements(d: dict[str, Any]) -> dict[tuple[str, str | None], dict[str, Any]]:
    return {(m["name"], m["subject"]): m for m in d["measurements"]}


def _same(stored: dict[str, Any], computed: Any) -> None:
    expected = json.loads(json.dumps(computed.to_dict()))
    got = _measurements(stored)
    assert set(got) == {(m["name"], m["subject"]) for m in expected["measurements"]}
    for m in expected["measurements"]:
        g = got[(m["name"], m["subject"])]
        for k in ("value", "low", "high", "n"):
            assert g[k] == pytest.approx(m[k], nan_ok=True), (m["name"], k)
    for k in ("kind", "row_count", "data_digest", "digest_scope", "source"):
        assert stored[k] == expected[k]


def _run_inputs(engine: Engine, run_id: str) -> tuple[str, dict[str, Any]]:
    with engine.connect() as conn:
        body = conn.execute(text("SELECT payload FROM raw_event WHERE run_id = :r"), {"r": run_id}).scalar_one()
    event = json.loads(body) if isinstance(body, str) else body
    return event["job"]["name"], event


def test_performance_stores_what_the_compute_module_computes(store: Engine, tmp_path: Path) -> None:
    from governance.evidence.performance import performance_from_file

    data = _scores(tmp_path / "scores.csv")
    args = ("--data", str(data), "--label", "y", "--score", "s", "--bootstrap", "200", "--seed", "7")
    stored = ok("performance", "credit", "1", *args, "--cost-matrix", "fp=1,fn=5")
    computed = performance_from_file(
        str(data), label="y", score="s", prediction=None, cost_matrix={"fp": 1, "fn": 5}, resamples=200, seed=7
    )
    _same(stored, computed)
    assert stored["submitted_by"] == "cli:vera" and stored["stage"] == "performance"
    auc = _measurements(stored)[("auc", None)]
    assert auc["low"] < auc["value"] < auc["high"]
    # the run: job gov-evidence/performance/credit/1, input = the file read, the facet = the stored result
    job, event = _run_inputs(store, stored["run_id"])
    assert job == "performance/credit/1" and event["job"]["namespace"] == "gov-evidence"
    assert [(i["namespace"], i["name"]) for i in event["inputs"]] == [("file", data.resolve().as_posix())]
    facet = event["run"]["facets"]["gov_stageEvidence"]
    assert facet["model"] == {"name": "credit", "version": "1"}
    assert facet["evidence"]["data_digest"] == stored["data_digest"]
    assert rows(store) == (1, 1)  # the facet on the event did not store the result a second time
    text_out = gov("evidence", "performance", "credit", "2", *args)
    assert text_out.exit_code == 0, text_out.output
    assert "auc" in text_out.stdout and "[" in text_out.stdout and "95% intervals" in text_out.stdout


def test_performance_against_the_champion_deployed_at_a_target(store: Engine, tmp_path: Path) -> None:
    from governance.gate.tables import Decision

    data = _scores(tmp_path / "scores.csv")
    args = ("--data", str(data), "--label", "y", "--score", "s", "--bootstrap", "100")
    no_champion = gov(
        "evidence", "performance", "credit", "2", *args, "--champion", "prod", "--champion-score", "champ"
    )
    assert no_champion.exit_code == 2 and "--champion" in no_champion.stderr and rows(store) == (0, 0)
    with session_scope(store) as session:
        mv_id = session.exec(text("SELECT id FROM model_version WHERE version = '1'")).scalar_one()  # type: ignore[call-overload]
        session.add(
            Decision(
                id=str(uuid.uuid4()),
                model="credit",
                version="1",
                model_version_id=mv_id,
                target="prod",
                deployable=True,
                exit_code=0,
                context_digest="sha256:" + "0" * 64,
                bundle_digest="sha256:" + "0" * 64,
                policy_root="p",
                tool_version="t",
                requested_by="ci",
                ledger="not_blocked",
                created_at=datetime(2026, 1, 1, tzinfo=UTC),
            )
        )
    stored = ok("performance", "credit", "2", *args, "--champion", "prod", "--champion-score", "champ")
    assert stored["summary"]["baseline"] == {"model": "credit", "version": "1", "target": "prod"}
    delta = _measurements(stored)[("auc.delta", None)]
    auc = _measurements(stored)[("auc", None)]
    assert delta["detail"]["paired"] and delta["value"] == pytest.approx(auc["value"] - delta["detail"]["champion"])
    assert delta["low"] is not None and delta["high"] is not None
    by_baseline = ok("performance", "credit", "2", *args, "--baseline", "credit", "1", "--champion-score", "champ")
    assert by_baseline["summary"]["baseline"]["version"] == "1"
    # champion scores without saying whose they are, and a champion without its scores: refused
    for bad in (("--champion-score", "champ"), ("--champion", "prod")):
        r = gov("evidence", "performance", "credit", "2", *args, *bad)
        assert r.exit_code == 2 and len(r.stderr.strip().splitlines()) == 1, r.output


def test_drift_equals_the_compute_module_and_traces_both_files(store: Engine) -> None:
    from governance.evidence.drift import drift_from_files

    stored = ok("drift", "credit", "1", "--reference", str(REF), "--current", str(CUR), "--bh")
    _same(stored, drift_from_files(str(REF), str(CUR), correction="bh"))
    assert stored["summary"]["correction"] == "bh" and stored["stage"] == "data"
    _, event = _run_inputs(store, stored["run_id"])
    assert [i["name"] for i in event["inputs"]] == [REF.resolve().as_posix(), CUR.resolve().as_posix()]
    window = ok(
        "drift", "credit", "1", "--reference", str(REF), "--current", str(CUR),
        "--columns", "income,region", "--window", "2026-01-01T00:00:00+00:00/2026-02-01T00:00:00+00:00",
    )  # fmt: skip
    assert window["window_start"].startswith("2026-01-01") and {m["subject"] for m in window["measurements"]} == {
        "income",
        "region",
    }


def test_drift_time_column_keeps_the_rows_in_the_window(store: Engine, tmp_path: Path) -> None:
    cur = pd.read_csv(CUR).head(400)
    cur["ts"] = ["2026-03-01T10:00:00Z"] * 200 + ["2026-04-01T10:00:00Z"] * 200
    path = tmp_path / "cur.csv"
    cur.to_csv(path, index=False)
    stored = ok(
        "drift", "credit", "1", "--reference", str(REF), "--current", str(path), "--columns", "income",
        "--time-column", "ts", "--window", "2026-03-01T00:00:00Z/2026-03-02T00:00:00Z",
    )  # fmt: skip
    assert stored["row_count"] == 200 and stored["summary"]["n_current"] == 200


def test_abtest_units_and_counts(store: Engine, tmp_path: Path) -> None:
    from governance.evidence.abtest import abtest_from_file

    units = _units(tmp_path / "ab.csv")
    stored = ok("abtest", "credit", "2", "--data", str(units), "--plan", "control=0.5,treatment=0.5")
    _same(stored, abtest_from_file(str(units), planned_split={"control": 0.5, "treatment": 0.5}))
    assert stored["summary"]["verdict"] in ("win", "lose", "inconclusive")
    counts = tmp_path / "counts.json"
    counts.write_text(
        json.dumps({"a": {"units": 15000, "conversions": 1500}, "b": {"units": 15000, "conversions": 2000}})
    )
    by_counts = ok("abtest", "credit", "2", "--counts", str(counts), "--plan", "a=1,b=1")
    assert by_counts["summary"]["verdict"] == "win" and by_counts["row_count"] == 30000
    shown = gov("evidence", "abtest", "credit", "2", "--counts", str(counts), "--plan", "a=1,b=1")
    assert "verdict: win" in shown.stdout and "lift" in shown.stdout


def test_operational_k6_locust_and_latency_csv(store: Engine, tmp_path: Path) -> None:
    from governance.evidence.operational import operational_from_file

    k6 = STAGES / "k6_crush_test_summary_export.json"
    stored = ok("operational", "credit", "1", "--load-test", str(k6))
    _same(stored, operational_from_file(str(k6)))
    assert stored["source"] == "k6" and stored["stage"] == "operational"
    locust = ok("operational", "credit", "1", "--load-test", str(STAGES / "locust_odoo_stats.csv"))
    assert locust["source"] == "locust"
    wrong = gov("evidence", "operational", "credit", "1", "--load-test", str(k6), "--input-format", "locust")
    assert wrong.exit_code == 2 and str(k6) in wrong.stderr
    latencies = tmp_path / "lat.csv"
    latencies.write_text("latency_ms\n" + "\n".join(str(10 + i % 50) for i in range(500)) + "\n")
    csv = ok("operational", "credit", "1", "--load-test", str(latencies), "--window-seconds", "60")
    assert csv["source"] == "latency_csv" and _measurements(csv)[("latency_p95_ms", None)]["low"] is not None


def test_imports_keep_their_own_digest(store: Engine) -> None:
    from governance.evidence.import_evidently import import_evidently_snapshot
    from governance.evidence.import_ge import import_ge_result

    ge = STAGES / "ge_simple_validate_results_with_evaluation_parameters.json"
    stored = ok("import-ge", "credit", "1", str(ge))
    _same(stored, import_ge_result(str(ge)))
    assert stored["kind"] == "data_validation" and stored["source"] == "great_expectations"
    ev = STAGES / "evidently_drift_snapshot.json"
    snap = ok("import-evidently", "credit", "1", str(ev))
    _same(snap, import_evidently_snapshot(str(ev)))
    assert snap["source"] == "evidently"


def test_stages_stage_and_history_in_version_order(store: Engine, tmp_path: Path) -> None:
    for version, seed in (("2", 3), ("1", 1), ("3", 2)):  # stored out of order: history follows the versions
        data = _scores(tmp_path / f"s{version}.csv", seed=seed)
        ok("performance", "credit", version, "--data", str(data), "--label", "y", "--score", "s", "--bootstrap", "0")
    ok("drift", "credit", "1", "--reference", str(REF), "--current", str(CUR), "--columns", "income")
    series = json.loads(gov("evidence", "history", "credit", "--metric", "auc", "-f", "json").stdout)
    assert len(series) == 1 and [p["version"] for p in series[0]["points"]] == ["1", "2", "3"]
    assert series[0]["higher_is_better"] is True
    drift_only = json.loads(gov("evidence", "history", "credit", "--kind", "drift", "-f", "json").stdout)
    assert {s["kind"] for s in drift_only} == {"drift"}
    shown = gov("evidence", "history", "credit", "--metric", "auc")
    assert shown.exit_code == 0 and "performance auc: higher is better" in shown.stdout
    listed = json.loads(gov("evidence", "stages", "credit", "1", "-f", "json").stdout)
    assert [i["kind"] for i in listed] == ["performance", "drift"]
    one = gov("evidence", "stage", str(listed[0]["id"]))
    assert one.exit_code == 0 and "performance (performance stage) of credit version 1" in one.stdout
    bad_kind = gov("evidence", "history", "credit", "--kind", "speed")
    assert bad_kind.exit_code == 2 and "--kind" in bad_kind.stderr
    missing = gov("evidence", "stage", "999")
    assert missing.exit_code == 2 and "999" in missing.stderr


def _bad_cases(tmp_path: Path) -> dict[str, tuple[tuple[str, ...], str]]:
    three = _scores(tmp_path / "three.csv", label_values=3)
    scores = _scores(tmp_path / "scores.csv")
    units = _units(tmp_path / "ab3.csv", variants=("control", "treatment", "other"))
    unreadable = tmp_path / "load.json"
    unreadable.write_text("{not json")
    perf = ("--label", "y", "--score", "s", "--bootstrap", "0")
    return {
        "three-valued label": (("performance", "credit", "1", "--data", str(three), *perf), str(three)),
        "missing column": (
            ("performance", "credit", "1", "--data", str(scores), "--label", "nope", "--score", "s"),
            "nope",
        ),
        "empty window": (
            (
                "drift",
                "credit",
                "1",
                "--reference",
                str(REF),
                "--current",
                str(CUR),
                "--window",
                "2026-02-01/2026-01-01",
            ),
            "--window",
        ),
        "variant missing from the plan": (
            ("abtest", "credit", "1", "--data", str(units), "--plan", "control=0.5,treatment=0.5"),
            "other",
        ),
        "unreadable load test": (("operational", "credit", "1", "--load-test", str(unreadable)), str(unreadable)),
        "missing load test": (("operational", "credit", "1", "--load-test", str(tmp_path / "none.csv")), "none.csv"),
        "unknown model": (("performance", "nomodel", "1", "--data", str(scores), *perf), "nomodel"),
        "unknown version": (("drift", "credit", "9", "--reference", str(REF), "--current", str(CUR)), "'9'"),
        "drift missing column": (
            ("drift", "credit", "1", "--reference", str(REF), "--current", str(CUR), "--columns", "nope"),
            "nope",
        ),
        "bad plan": (("abtest", "credit", "1", "--data", str(units), "--plan", "control=half"), "--plan"),
        "bad cost matrix": (
            ("performance", "credit", "1", "--data", str(scores), *perf, "--cost-matrix", "fp=x"),
            "--cost-matrix",
        ),
        "bad import": (("import-ge", "credit", "1", str(unreadable)), str(unreadable)),
        "missing drift reference": (
            ("drift", "credit", "1", "--reference", str(tmp_path / "gone.csv"), "--current", str(CUR)),
            "--reference: no such file",
        ),
    }


@pytest.mark.parametrize(
    "case",
    [
        "three-valued label",
        "missing column",
        "empty window",
        "variant missing from the plan",
        "unreadable load test",
        "missing load test",
        "unknown model",
        "unknown version",
        "drift missing column",
        "bad plan",
        "bad cost matrix",
        "bad import",
        "missing drift reference",
    ],
)
def test_bad_input_is_one_line_exit_2_nothing_stored(store: Engine, tmp_path: Path, case: str) -> None:
    args, named = _bad_cases(tmp_path)[case]
    before = rows(store)
    result = gov("evidence", *args)
    assert result.exit_code == 2, result.output
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: ") and named in lines[0], result.stderr
    assert "Traceback" not in result.output
    assert rows(store) == before == (0, 0)


def test_an_empty_time_window_stores_nothing(store: Engine, tmp_path: Path) -> None:
    cur = pd.read_csv(CUR).head(50)
    cur["ts"] = "2026-03-01T10:00:00Z"
    path = tmp_path / "cur.csv"
    cur.to_csv(path, index=False)
    result = gov(
        "evidence", "drift", "credit", "1", "--reference", str(REF), "--current", str(path),
        "--time-column", "ts", "--window", "2026-05-01T00:00:00Z/2026-06-01T00:00:00Z",
    )  # fmt: skip
    assert result.exit_code == 2 and str(path) in result.stderr and "window" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1 and rows(store) == (0, 0)


def test_help_does_not_import_pandas_or_scipy() -> None:
    import subprocess
    import sys

    code = (
        "import sys, governance.cli.evidence as e; "
        "print(','.join(m for m in ('pandas', 'scipy', 'numpy', 'sklearn') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""
