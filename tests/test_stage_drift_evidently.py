"""Evidently snapshots as drift evidence (issue 14): real reports in, measurements out, other JSON refused."""

from __future__ import annotations

import hashlib
import json
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from governance.errors import InputError
from governance.evidence.drift import drift_from_files
from governance.evidence.import_evidently import import_evidently_snapshot

DATA = Path(__file__).parent / "data" / "stages"
SNAPSHOT = DATA / "evidently_drift_snapshot.json"


def _snapshot(ref: pd.DataFrame, cur: pd.DataFrame):  # type: ignore[no-untyped-def]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from evidently import Report
        from evidently.presets import DataDriftPreset

        return Report([DataDriftPreset()]).run(cur, ref)


def test_stored_snapshot_imports_and_equals_our_computation() -> None:
    imported = import_evidently_snapshot(str(SNAPSHOT))
    assert imported.kind == "drift" and imported.source == "evidently" and imported.digest_scope == "reported"
    assert imported.data_digest == "sha256:" + hashlib.sha256(SNAPSHOT.read_bytes()).hexdigest()
    computed = drift_from_files(str(DATA / "drift_reference.csv"), str(DATA / "drift_current.csv"))
    assert imported.summary["n_features"] == computed.summary["n_features"] == 8
    assert imported.summary["share_drifted"] == imported.summary["reported_share_drifted"]
    assert imported.summary["share_drifted"] == computed.summary["share_drifted"]
    assert imported.summary["dataset_drift"] == computed.summary["dataset_drift"]
    assert imported.summary["drifted_features"] == computed.summary["drifted_features"]
    for m in imported.measurements:
        if m.name != "drift":
            continue
        ours = computed.measurement("drift", m.subject)
        assert ours is not None
        assert (m.detail["test"], m.detail["threshold"], m.value) == (
            ours.detail["test"],
            ours.detail["threshold"],
            ours.value,
        )
        assert m.detail["score"] == pytest.approx(ours.detail["score"], rel=1e-9)
        distance = imported.measurement(m.detail["test"], m.subject)
        assert distance is not None and distance.value == m.detail["score"]  # distances kept under our names


@pytest.mark.parametrize("form", ["report_json", "full_snapshot"])
def test_live_evidently_report_both_forms(tmp_path: Path, form: str) -> None:
    rng = np.random.default_rng(9)
    ref = pd.DataFrame({"x": rng.normal(0, 1, 600), "c": rng.choice(list("abc"), 600)})
    cur = pd.DataFrame({"x": rng.normal(0.4, 1, 500), "c": rng.choice(list("abcd"), 500)})
    snap = _snapshot(ref, cur)
    path = tmp_path / "snap.json"
    if form == "report_json":
        snap.save_json(str(path))
    else:
        path.write_text(snap.dumps())
    result = import_evidently_snapshot(str(path))
    report = snap.dict()
    share = next(m["value"]["share"] for m in report["metrics"] if "column" not in m["config"])
    assert result.summary["share_drifted"] == share == result.summary["reported_share_drifted"]
    x, c = result.measurement("drift", "x"), result.measurement("drift", "c")
    assert x is not None and c is not None
    assert x.detail["test"] == "ks" and c.detail["test"] == "chisquare"  # n <= 1000: Evidently's tests
    assert x.value == 1.0 and c.value == 1.0  # a shifted mean and a new category


def test_other_json_is_refused_with_one_line(tmp_path: Path) -> None:
    ge = DATA / "ge_simple_validate_results_with_evaluation_parameters.json"
    other = ge if ge.exists() else tmp_path / "other.json"
    if not ge.exists():
        other.write_text(json.dumps({"success": True, "results": []}))
    with pytest.raises(InputError) as err:
        import_evidently_snapshot(str(other))
    line = err.value.one_line()
    assert other.name in line and "'metrics'" in line and "\n" not in line

    empty = tmp_path / "summary.json"
    empty.write_text(json.dumps({"metrics": [{"config": {"type": "evidently:metric_v2:RowCount"}, "value": 5}]}))
    with pytest.raises(InputError, match="summary.json holds no Evidently drift results"):
        import_evidently_snapshot(str(empty))

    broken = tmp_path / "broken.json"
    broken.write_text('{"metrics": [')
    with pytest.raises(InputError, match="broken.json is not valid JSON"):
        import_evidently_snapshot(str(broken))

    unknown = tmp_path / "custom.json"
    config = {"type": "evidently:metric_v2:ValueDrift", "column": "x", "method": "my test", "threshold": 0.1}
    unknown.write_text(json.dumps({"metrics": [{"config": config, "value": 0.5}]}))
    with pytest.raises(InputError, match="custom.json: column 'x' uses drift method 'my test'"):
        import_evidently_snapshot(str(unknown))

    no_score = tmp_path / "noscore.json"
    config["method"] = "PSI"
    no_score.write_text(json.dumps({"metrics": [{"config": config, "value": "high"}]}))
    with pytest.raises(InputError, match="drift score of column 'x' is not a number"):
        import_evidently_snapshot(str(no_score))

    with pytest.raises(InputError, match="no such file"):
        import_evidently_snapshot(str(tmp_path / "absent.json"))
