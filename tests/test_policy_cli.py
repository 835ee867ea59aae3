"""`gov check` end to end through the CLI in every format; decisions stored, shown and replayed."""

from __future__ import annotations

import json
import shutil
import xml.etree.ElementTree as ET
from pathlib import Path

import jsonschema
import pytest
from sqlalchemy import text
from sqlalchemy.engine import Engine

from governance.policy.loader import load_bundle
from tests.conftest_policy import (  # noqa: F401 - fixtures
    DEFAULT_POLICIES,
    DIGEST,
    Platform,
    approve_all,
    seed_platform,
    seeded,
    seeded_template,
)
from tests.helpers import gov

CHECK = ["check", "credit-risk", "3", "--target", "production"]

# The parts of SARIF 2.1.0 (OASIS sarif-schema-2.1.0.json) that gov emits, with the spec's constraints.
MESSAGE = {"type": "object", "required": ["text"], "properties": {"text": {"type": "string"}}}
LEVEL = {"enum": ["none", "note", "warning", "error"]}
RULE = {
    "type": "object",
    "required": ["id"],
    "properties": {
        "id": {"type": "string"},
        "shortDescription": MESSAGE,
        "fullDescription": MESSAGE,
        "help": MESSAGE,
        "defaultConfiguration": {"type": "object", "properties": {"level": LEVEL}},
    },
}
DRIVER = {
    "type": "object",
    "required": ["name"],
    "properties": {
        "name": {"type": "string"},
        "version": {"type": "string"},
        "informationUri": {"type": "string"},
        "rules": {"type": "array", "items": RULE},
    },
}
LOCATION = {
    "type": "object",
    "properties": {
        "physicalLocation": {
            "type": "object",
            "required": ["artifactLocation"],
            "properties": {
                "artifactLocation": {
                    "type": "object",
                    "properties": {"uri": {"type": "string"}, "uriBaseId": {"type": "string"}},
                },
                "region": {"type": "object", "properties": {"startLine": {"type": "integer", "minimum": 1}}},
            },
        },
        "logicalLocations": {"type": "array", "items": {"type": "object"}},
    },
}
SUPPRESSION = {
    "type": "object",
    "required": ["kind"],
    "properties": {
        "kind": {"enum": ["inSource", "external"]},
        "status": {"enum": ["accepted", "underReview", "rejected"]},
        "justification": {"type": "string"},
    },
}
RESULT = {
    "type": "object",
    "required": ["message"],
    "properties": {
        "ruleId": {"type": "string"},
        "ruleIndex": {"type": "integer", "minimum": 0},
        "kind": {"enum": ["notApplicable", "pass", "fail", "review", "open", "informational"]},
        "level": LEVEL,
        "message": MESSAGE,
        "locations": {"type": "array", "items": LOCATION},
        "suppressions": {"type": "array", "items": SUPPRESSION},
        "partialFingerprints": {"type": "object", "additionalProperties": {"type": "string"}},
        "properties": {"type": "object"},
    },
}
INVOCATION = {
    "type": "object",
    "required": ["executionSuccessful"],
    "properties": {
        "executionSuccessful": {"type": "boolean"},
        "exitCode": {"type": "integer"},
        "toolExecutionNotifications": {"type": "array", "items": {"type": "object", "required": ["message"]}},
    },
}
RUN = {
    "type": "object",
    "required": ["tool"],
    "properties": {
        "tool": {"type": "object", "required": ["driver"], "properties": {"driver": DRIVER}},
        "invocations": {"type": "array", "items": INVOCATION},
        "originalUriBaseIds": {
            "type": "object",
            "additionalProperties": {"type": "object", "properties": {"uri": {"type": "string"}}},
        },
        "results": {"type": "array", "items": RESULT},
        "properties": {"type": "object"},
    },
}
SARIF_SUBSET = {
    "type": "object",
    "required": ["version", "runs"],
    "properties": {
        "version": {"const": "2.1.0"},
        "$schema": {"type": "string"},
        "runs": {"type": "array", "minItems": 1, "items": RUN},
    },
}


def _check(*extra: str) -> tuple[int, str]:
    result = gov(*CHECK, *extra)
    assert "Traceback" not in result.output
    return result.exit_code, result.stdout


def test_json_report_carries_verdicts_provenance_and_ci(seeded: Engine, monkeypatch: pytest.MonkeyPatch) -> None:  # noqa: F811
    monkeypatch.setenv("GITHUB_RUN_ID", "4242")
    monkeypatch.setenv("GITHUB_REPOSITORY", "bank/credit-risk")
    code, out = _check("--format", "json")
    report = json.loads(out)
    assert code == 1 and report["exit_code"] == 1 and report["deployable"] is False
    assert report["blocking_policies"] == ["approval.two-person"]
    verdicts = {o["policy_id"]: o["verdict"] for o in report["outcomes"]}
    assert verdicts["approval.two-person"] == "fail" and verdicts["lineage.provenance"] == "pass"
    assert report["policy_bundle"]["digest"] == load_bundle(DEFAULT_POLICIES).digest
    assert report["tool"] == {"name": "gov", "version": __import__("governance").__version__}
    assert report["requested_by"] == "ci"
    assert report["ci"] == {"GITHUB_RUN_ID": "4242", "GITHUB_REPOSITORY": "bank/credit-risk"}
    assert report["artifact_digest"] == DIGEST
    assert any(k.startswith("fairness_evaluation:") for k in report["evidence_digests"])
    assert all(o["message"] and o["remediation"] for o in report["outcomes"])


def test_sarif_is_structurally_valid_sarif_2_1_0(seeded: Engine) -> None:  # noqa: F811
    code, out = _check("--format", "sarif")
    doc = json.loads(out)
    jsonschema.validate(doc, SARIF_SUBSET)
    run = doc["runs"][0]
    rules = run["tool"]["driver"]["rules"]
    for result in run["results"]:
        assert rules[result["ruleIndex"]]["id"] == result["ruleId"]
        if result["kind"] != "fail":
            assert result["level"] == "none"  # SARIF 3.27.10: only a failure has a level
    blocking = [r for r in run["results"] if r["level"] == "error"]
    assert [r["ruleId"] for r in blocking] == ["approval.two-person"] and code == 1
    assert run["invocations"][0]["exitCode"] == 1
    assert run["properties"]["policyBundleDigest"].startswith("sha256:")


def test_junit_parses_and_counts_blocking_policies_as_failures(seeded: Engine) -> None:  # noqa: F811
    code, out = _check("--format", "junit")
    root = ET.fromstring(out)
    suite = root.find("testsuite")
    assert root.tag == "testsuites" and suite is not None
    cases = suite.findall("testcase")
    assert len(cases) == int(suite.get("tests", "0")) == 15  # 8 + the 7 audit-mode stage.* policies
    failed = [c.get("name") for c in cases if c.find("failure") is not None]
    assert failed == ["approval.two-person"] and suite.get("failures") == "1" and code == 1
    props = {p.get("name"): p.get("value") for p in suite.iter("property")}
    assert props["deployable"] == "false" and props["decision_id"]


def test_output_file_and_one_line_summary(seeded: Engine, tmp_path: Path) -> None:  # noqa: F811
    target = tmp_path / "gate.sarif"
    result = gov(*CHECK, "--format", "sarif", "--output", str(target))
    assert result.exit_code == 1 and result.stdout == ""
    assert result.stderr.startswith("BLOCKED by approval.two-person; decision ")
    assert json.loads(target.read_text())["version"] == "2.1.0"


def test_text_report_says_what_blocks_and_how_to_fix_it(seeded: Engine) -> None:  # noqa: F811
    code, out = _check()
    assert code == 1
    assert out.splitlines()[0] == "gov check credit-risk 3 --target production: BLOCKED (exit 1)"
    assert "to unblock:" in out and "gov approve MODEL VERSION --role model-risk-officer" in out
    approve_all(seeded, Platform())
    code, out = _check()
    assert code == 0 and "DEPLOYABLE (exit 0)" in out and "BLOCKS" not in out


def _decision_id(out: str) -> str:
    return str(json.loads(out)["decision_id"])


def test_decision_show_renders_exactly_what_the_check_printed(seeded: Engine) -> None:  # noqa: F811
    for fmt in ("json", "sarif", "junit", "text"):
        code, out = _check("--format", fmt)
        decision = json.loads(gov("decision", "list", "--format", "json").stdout)[0]["id"]
        shown = gov("decision", "show", decision, "--format", fmt)
        assert shown.exit_code == 0
        assert shown.stdout == out, fmt


@pytest.mark.parametrize("approved", [False, True], ids=["blocked", "deployable"])
def test_replay_reproduces_the_verdicts(seeded: Engine, approved: bool) -> None:  # noqa: F811
    if approved:
        approve_all(seeded, Platform())
    code, out = _check("--format", "json")
    assert code == (0 if approved else 1)
    replay = gov("decision", "replay", _decision_id(out), "--format", "json")
    assert replay.exit_code == 0, replay.output
    body = json.loads(replay.stdout)
    assert body["reproduced"] is True and body["differences"] == []
    assert body["replayed_exit_code"] == body["stored_exit_code"] == code


def test_replay_uses_stored_policies_and_context_not_the_current_ones(seeded: Engine, tmp_path: Path) -> None:  # noqa: F811
    policies = tmp_path / "policies"
    shutil.copytree(DEFAULT_POLICIES, policies)
    code, out = _check("--format", "json", "--policies", str(policies))
    decision = _decision_id(out)
    # Tighten the policy on disk and add evidence to the store: the replay must not see either.
    path = policies / "fairness-demographic-parity.yaml"
    path.write_text(path.read_text().replace("bound: {max: 0.1}", "bound: {max: 0.001}"))
    approve_all(seeded, Platform())
    assert gov("decision", "replay", decision).exit_code == 0
    assert _check("--policies", str(policies))[0] == 1  # a fresh check does see the tighter bound


def test_replay_detects_a_tampered_decision(seeded: Engine) -> None:  # noqa: F811
    approve_all(seeded, Platform())
    _, out = _check("--format", "json")
    decision = _decision_id(out)
    with seeded.begin() as conn:
        context = json.loads(
            conn.execute(text("SELECT context FROM policy_decision WHERE id = :i"), {"i": decision}).scalar_one()
        )
        context["approvals"] = []
        conn.execute(
            text("UPDATE policy_decision SET context = :c WHERE id = :i"), {"c": json.dumps(context), "i": decision}
        )
    replay = gov("decision", "replay", decision)
    assert replay.exit_code == 1
    assert "DIFFERS" in replay.stdout and 'approval.two-person: verdict "fail", stored "pass"' in replay.stdout


def test_unknown_decision_is_a_usage_error(seeded: Engine) -> None:  # noqa: F811
    result = gov("decision", "show", "0000000000")
    assert result.exit_code == 2 and result.stderr.startswith("error: no decision '0000000000'")


def test_blocked_checks_are_appended_to_the_ledger(seeded: Engine, monkeypatch: pytest.MonkeyPatch) -> None:  # noqa: F811
    from governance.ledger import tables as ledger

    monkeypatch.setenv("CI_JOB_ID", "77")
    _, out = _check("--format", "json")
    report = json.loads(out)
    assert report["ledger"] == "appended"
    from sqlmodel import Session, select

    with Session(seeded) as session:
        entries = session.exec(select(ledger.LedgerEntry)).all()
    assert [(e.decision_id, e.failing_policies, e.ci, e.requested_by) for e in entries] == [
        (report["decision_id"], ["approval.two-person"], {"CI_JOB_ID": "77"}, "ci")
    ]
    approve_all(seeded, Platform())
    assert json.loads(_check("--format", "json")[1])["ledger"] == "not_blocked"
    with Session(seeded) as session:
        assert len(session.exec(select(ledger.LedgerEntry)).all()) == 1


def test_policy_commands(seeded: Engine, tmp_path: Path) -> None:  # noqa: F811
    result = gov("policy", "test", str(DEFAULT_POLICIES))
    assert result.exit_code == 0, result.output
    assert result.stdout.strip().endswith("case(s) passed")
    assert gov("policy", "lint", str(DEFAULT_POLICIES)).exit_code == 0
    shown = json.loads(gov("policy", "show", "--format", "json").stdout)
    assert len(shown["policies"]) == 15 and shown["digest"] == load_bundle(DEFAULT_POLICIES).digest
    one = gov("policy", "show", "approval.two-person")
    assert one.stdout == (DEFAULT_POLICIES / "approval-two-person.yaml").read_text()
    # A failing case and a malformed test file.
    folder = tmp_path / "pack"
    shutil.copytree(DEFAULT_POLICIES, folder)
    (folder / "wrong_test.yaml").write_text(
        "cases:\n  - name: claims_pass\n    input: {target: production}\n    expect: {approval.two-person: pass}\n"
    )
    failing = gov("policy", "test", str(folder))
    assert failing.exit_code == 1
    assert "FAIL wrong_test.yaml:2: claims_pass" in failing.stdout
    assert "approval.two-person: expected pass, got fail" in failing.stdout
    (folder / "wrong_test.yaml").write_text("cases:\n  - name: x\n    expect: {no.such.policy: pass}\n")
    broken = gov("policy", "test", str(folder))
    assert broken.exit_code == 2 and "no policy 'no.such.policy' in the bundle" in broken.stderr


def test_check_and_replay_on_each_back_end(engine: Engine) -> None:
    """The same gate on SQLite and PostgreSQL (JSON columns, timestamps, the ledger's lock)."""
    from governance.gate.service import replay_decision, run_check
    from governance.store.db import session_scope

    platform = seed_platform(engine)
    with session_scope(engine) as session:
        blocked = run_check(
            session,
            platform.model,
            platform.version,
            "production",
            policy_dir=DEFAULT_POLICIES,
            requested_by="ci",
            ci_env={"GOV_PIPELINE_ID": "p-1"},
        )
    approve_all(engine, platform)
    with session_scope(engine) as session:
        ok = run_check(
            session,
            platform.model,
            platform.version,
            "production",
            policy_dir=DEFAULT_POLICIES,
            requested_by="ci",
            ci_env={},
        )
    assert (blocked.exit_code, ok.exit_code) == (1, 0)
    assert blocked.ci == {"GOV_PIPELINE_ID": "p-1"}
    with session_scope(engine) as session:
        for decision in (blocked, ok):
            replay = replay_decision(session, decision.decision_id)
            assert replay.reproduced, replay.differences
            assert [o.to_dict() for o in replay.outcomes] == [o.to_dict() for o in decision.outcomes]


def test_decision_and_ledger_entry_are_one_transaction(seeded: Engine, monkeypatch: pytest.MonkeyPatch) -> None:  # noqa: F811
    import governance.ledger.chain as chain

    def refuse(*_: object, **__: object) -> None:
        raise RuntimeError("disk full")

    monkeypatch.setattr(chain, "append_blocked", refuse)
    result = gov(*CHECK)
    assert result.exit_code == 3 and "disk full" in result.stderr
    assert gov("decision", "list").stdout.strip() == "no decisions"
