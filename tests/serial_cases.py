"""Typed values for tests/test_serial_compat.py: evaluation contexts and check reports covering the optional
keys (written only when present) and the edge cases (None fields, empty tuples, legacy input keys)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from governance.gate.report import CheckReport
from governance.policy.context import (
    ApprovalRecord,
    DatasetInfo,
    EvaluationContext,
    FairnessEvidence,
    GroupEvidence,
    MetricValue,
    ModelInfo,
    RunInfo,
    ValidationItem,
    VersionInfo,
    WaiverRecord,
)
from governance.policy.model import EvidenceRef, Mode, Outcome, Verdict

T0 = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
T1 = datetime(2026, 3, 2, 8, 30, 15, 250000, tzinfo=UTC)
T2 = datetime(2026, 6, 1, tzinfo=UTC)


def _waiver(**kw: Any) -> WaiverRecord:
    base: dict[str, Any] = {
        "id": 7,
        "policy_id": "bias",
        "reason": "known gap",
        "ticket": "GOV-1",
        "approver": "carol",
    }
    return WaiverRecord(expires_at=T2, **{**base, **kw})


def context_cases() -> dict[str, EvaluationContext]:
    minimal = EvaluationContext(T0, "production", ModelInfo("m"), VersionInfo("1", "sha256:aa", "alice"))
    full = EvaluationContext(
        evaluated_at=T1,
        target="staging",
        model=ModelInfo("credit", "risk-team", "high", {"domain": "lending", "n": 3}),
        version=VersionInfo(
            "4",
            "sha256:bb",
            "Alice ",
            T0,
            12,
            "s3://bucket/m",
            "run-1",
            "approved",
            "Production",
            ("champion", "latest"),
            {"k": "v"},
        ),
        training_run=RunInfo(
            "run-1",
            "ns/train",
            "COMPLETE",
            T0,
            T1,
            ("alice", "bob"),
            {"gov_x": {"a": [1, 2]}},
            {"ownership": {"owners": []}},
            ({"fact": "state", "first": "COMPLETE", "claimed": "FAIL", "submitted_by": "eve", "event_time": "t"},),
        ),
        datasets=(
            DatasetInfo("dataset:ns:tbl", "ns", "tbl", 1, ("pii",), ("dana",), T0, "DROP", T1, {"schema": {}}),
            DatasetInfo("dataset:ns:raw", "ns", "raw", 2),
        ),
        validation=(
            ValidationItem("data_validation", "not_null", "run-1", True, 1.0, None, "age", T0),
            ValidationItem("operational", "drift", "mon", False, 0.31, 0.2, None, T1, T0, None),
            ValidationItem("operational", "drift2", "mon", None, None, None, None, None, None, T1),
            ValidationItem("ethical", "both", "x", True, 0.0, 0.0, None, T1, T0, T1),
        ),
        fairness=(
            FairnessEvidence(
                3,
                ("sex",),
                T0,
                {"dp": MetricValue(0.1, 0.05, 0.2), "eo": MetricValue(None)},
                (
                    GroupEvidence("F", 100, False, True, False, {"sel": 0.4, "tpr": None}),
                    GroupEvidence("X", 2, True, False),
                ),
                30,
                0.95,
                "sha256:d",
                "sha256:i",
                "ci-bot",
            ),
            FairnessEvidence(4, (), None, {}, ()),
        ),
        approvals=(
            ApprovalRecord(1, "risk", "bob", "sha256:bb", T0, "ok"),
            ApprovalRecord(2, "owner", "dana", "sha256:bb", None),
        ),
        waivers=(
            _waiver(),
            _waiver(id=8, needs_cosign=True),
            _waiver(id=9, needs_cosign=True, cosigned_by="erin", version="4", target="prod*", model_glob="cred*"),
            _waiver(id=10, created_at=T0, revoked_at=T1, revoked_by="frank", cosigned_by="ignored-when-not-needed"),
        ),
        trusted_producers=("ci-bot", "Alice"),
    )
    empty_trust = EvaluationContext(
        T0, "production", ModelInfo("m"), VersionInfo("1", "sha256:aa", "alice"), trusted_producers=()
    )
    return {"minimal": minimal, "full": full, "empty_trusted_producers": empty_trust}


def sparse_context_inputs() -> dict[str, dict[str, Any]]:
    """What policy tests and older stored contexts write: omitted sections, legacy keys."""
    return {
        "empty": {},
        "legacy_keys": {
            "evaluated_at": "2026-03-01T12:00:00+00:00",
            "model": {"name": "m"},
            "version": {"version": 2, "created_at": "2026-01-01"},
            "training_run": {"run_id": "r"},
            "datasets": [{"id": "dataset:warehouse:loans"}, {"id": "odd"}],
            "validation": [{"stage": "ethical", "name": "n", "value": 1, "window": {"start": "2026-01-01T00:00:00Z"}}],
            "fairness": [
                {
                    "id": "5",
                    "metrics": {"dp": {"value": 1, "ci": [0, 2]}},
                    "groups": [{"name": "a", "count": "3", "included_in_aggregates": False}],
                    "submitted_by": None,
                }
            ],
            "approvals": [{"role": "r", "approver": "a", "artifact_digest": "d"}],
            "waivers": [{"policy_id": "p", "expires_at": "2026-06-01", "model_glob": "", "needs_cosign": 1}],
            "trusted_producers": ["x"],
        },
        "empty_run_is_none": {"training_run": {}},
    }


def _outcome(**kw: Any) -> Outcome:
    base: dict[str, Any] = {
        "policy_id": "bias",
        "policy_version": "1",
        "title": "Bias",
        "kind": "bias_threshold",
        "mode": Mode.ENFORCE,
        "severity": "high",
        "controls": ("EU-AI-10",),
        "owner": "risk",
        "remediation": "fix",
        "source": "bias.yaml",
        "line": 1,
        "verdict": Verdict.FAIL,
        "rule_verdict": Verdict.FAIL,
        "blocking": True,
        "message": "dp 0.3 > 0.1",
    }
    return Outcome(**{**base, **kw})


def report_cases() -> dict[str, CheckReport]:
    outcomes = (
        _outcome(
            evidence=(EvidenceRef("fairness_evaluation", "3", "sha256:x", "sex"), EvidenceRef("approval", "1")),
            details=("fail: dp",),
            rationale="why",
            waivers=({"id": 8, "state": "expired"},),
        ),
        _outcome(
            policy_id="appr",
            verdict=Verdict.WAIVED,
            blocking=False,
            mode=Mode.AUDIT,
            waiver={"id": 7},
            waivers=({"id": 7, "state": "applied"}, {"id": 8, "state": "expired"}),
        ),
    )
    full = CheckReport(
        "d-1",
        "credit",
        "4",
        "production",
        "sha256:bb",
        T1,
        1,
        outcomes,
        ("other",),
        "sha256:bundle",
        "policies",
        "0.9",
        "alice",
        {"GITHUB_SHA": "abc"},
        {"context": "sha256:c"},
        "sha256:c",
        "appended",
        "flag",
        ({"kind": "fairness", "id": 3},),
    )
    bare = CheckReport("d-2", "m", "1", "t", "", T0, 0, (), (), "", "", "", "")
    return {"full": full, "bare": bare}
