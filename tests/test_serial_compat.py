"""The generic serializer (governance.serial) writes what the hand-written to_dict/from_dict wrote.

The golden files in tests/golden/serial/ were written by the code BEFORE the change (generate.py there):
contexts and check reports built from typed values covering every optional key, contexts rebuilt from
sparse and legacy input, the two decisions `gov demo` stored, and that store itself, which must still
replay as reproduced. Contexts are compared as canonical JSON (sorted keys: what the digest and the store
hold); check reports byte for byte in their own key order (what `gov check --format json` prints).
"""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path
from typing import Any

import pytest

from governance.digest import json_sha256
from governance.gate.report import CheckReport
from governance.policy.context import EvaluationContext
from tests.helpers import gov
from tests.serial_cases import context_cases, report_cases, sparse_context_inputs

GOLDEN = Path(__file__).parent / "golden" / "serial"


def _golden(name: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((GOLDEN / name).read_text(encoding="utf-8"))
    return data


def _canonical(value: Any) -> str:
    return json.dumps(value, sort_keys=True, ensure_ascii=False)


def _exact(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False)


@pytest.mark.parametrize("name", sorted(context_cases()))
def test_context_serialises_as_before(name: str) -> None:
    ctx = context_cases()[name]
    expected = _golden("contexts.json")[name]
    assert _canonical(ctx.to_dict()) == _canonical(expected)
    # and it reads back to the same form (a cosigned_by without needs_cosign is not written, by design)
    assert _canonical(EvaluationContext.from_dict(expected).to_dict()) == _canonical(expected)


@pytest.mark.parametrize("name", sorted(sparse_context_inputs()))
def test_sparse_and_legacy_input_reads_as_before(name: str) -> None:
    got = EvaluationContext.from_dict(sparse_context_inputs()[name]).to_dict()
    assert _canonical(got) == _canonical(_golden("sparse_contexts.json")[name])


def test_optional_keys_absent_when_unset() -> None:
    d = context_cases()["minimal"].to_dict()
    assert "trusted_producers" not in d
    full = context_cases()["full"].to_dict()
    assert "fact_conflicts" in full["training_run"]
    assert [("window" in v) for v in full["validation"]] == [False, True, True, True]
    assert [("submitted_by" in f) for f in full["fairness"]] == [True, False]
    assert [("needs_cosign" in w, "cosigned_by" in w) for w in full["waivers"]] == [
        (False, False),
        (True, True),
        (True, True),
        (False, False),
    ]


@pytest.mark.parametrize("name", sorted(report_cases()))
def test_check_report_serialises_byte_identically(name: str) -> None:
    report = report_cases()[name]
    expected = _golden("reports.json")[name]
    assert _exact(report.to_dict()) == _exact(expected)
    assert CheckReport.from_dict(expected) == report


def test_demo_decisions_rebuild_identically() -> None:
    from governance.gate.report import CheckReport

    for did, stored in _golden("demo_decisions.json").items():
        ctx = EvaluationContext.from_dict(stored["context"])
        assert _canonical(ctx.to_dict()) == _canonical(stored["context"]), did
        assert json_sha256(ctx.to_dict()) == stored["report"]["context_digest"], did
        again = CheckReport.from_dict(stored["report"]).to_dict()
        assert _exact(again) == _exact(stored["report"]), did


def test_store_written_before_the_change_replays_as_reproduced(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    db = tmp_path / "before.db"
    conn = sqlite3.connect(db)
    conn.executescript((GOLDEN / "demo_store.sql").read_text(encoding="utf-8"))
    conn.close()
    monkeypatch.setenv("GOV_DATABASE_URL", f"sqlite:///{db}")
    ids = sorted(_golden("demo_decisions.json"))
    assert len(ids) == 2
    for did in ids:
        done = gov("decision", "replay", did, "--format", "json")
        assert done.exit_code == 0, done.stdout + done.stderr
        body = json.loads(done.stdout)
        assert body["reproduced"] is True, body["differences"]
        shown = gov("decision", "show", did, "--format", "json")
        assert shown.exit_code == 0, shown.stderr
        # the JSON renderer sorts keys
        assert _canonical(json.loads(shown.stdout)) == _canonical(_golden("demo_decisions.json")[did]["report"])
