"""The findings register: checks open and update findings; people assign, start and resolve them (CLI and
API) only with a reference; a regression reopens; attackers (wrong role, a waiver of another model,
look-alike ids, the version's own creator) are refused."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import select

from governance.store.db import session_scope
from governance.timeutil import parse_timestamp, utcnow
from tests.approval_helpers import _token, api_on_seeded  # noqa: F401 - fixture
from tests.conftest_policy import Platform, approve_all, seeded, seeded_template, store_fairness  # noqa: F401
from tests.helpers import gov

CHECK = ["check", "credit-risk", "3", "--target", "production"]
TWO_PERSON = "policy:approval.two-person"


def _findings(*args: str) -> list[dict[str, Any]]:
    result = gov("finding", "list", "--format", "json", *args)
    assert result.exit_code == 0, result.output
    return list(json.loads(result.stdout))


def _two_person() -> dict[str, Any]:
    return next(f for f in _findings() if f["key"] == TWO_PERSON)


def _show(fid: str) -> dict[str, Any]:
    result = gov("finding", "show", fid, "--format", "json")
    assert result.exit_code == 0, result.output
    return dict(json.loads(result.stdout))


def _check() -> None:
    assert gov(*CHECK).exit_code in (0, 1)


def _new_evidence(engine: Engine) -> int:
    with session_scope(engine) as session:
        return store_fairness(session, Platform(), ((1200, 300, 300, 1300), (1250, 300, 300, 1250)))


# ---- the gate keeps the register ----------------------------------------------------------------
def test_a_check_opens_findings_with_owner_and_due_date_and_the_next_check_finds_the_same_one(
    seeded: Engine,  # noqa: F811
) -> None:
    _check()
    first = _two_person()
    assert first["id"] == "F-000001" or first["id"].startswith("F-")
    assert first["status"] == "open" and first["severity"] == "critical" and first["verdict"] == "fail"
    assert first["owner"] == "team:credit"  # the model's owner in the registry
    opened = parse_timestamp(first["first_seen_at"])
    assert parse_timestamp(first["due_date"]) - opened == timedelta(days=7)  # critical: 7 days
    count = len(_findings())
    _check()
    again = _two_person()
    assert again["id"] == first["id"] and len(_findings()) == count  # the same failure, the same finding
    assert again["last_seen_decision"] != first["last_seen_decision"]
    assert again["first_seen_decision"] == first["first_seen_decision"]
    assert [e["action"] for e in _show(first["id"])["history"]] == ["opened"]


def test_a_finding_that_now_passes_is_marked_passing_not_closed(seeded: Engine) -> None:  # noqa: F811
    _check()
    approve_all(seeded, Platform())
    _check()
    f = _show(_two_person()["id"])
    assert f["status"] == "open" and f["passing_since_decision"] == f["history"][-1]["decision_id"]
    assert f["closed_at"] is None and [e["action"] for e in f["history"]] == ["opened", "passing"]
    assert "passing since decision" in gov("finding", "list").stdout


def test_due_days_come_from_gov_toml(seeded: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:  # noqa: F811
    (tmp_path / "gov.toml").write_text("[findings.due_days]\ncritical = 3\n", encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    _check()
    f = _two_person()
    assert parse_timestamp(f["due_date"]) - parse_timestamp(f["first_seen_at"]) == timedelta(days=3)
    (tmp_path / "gov.toml").write_text("[findings.due_days]\ncritical = 0\n", encoding="utf-8")
    result = gov(*CHECK)
    assert result.exit_code == 2 and result.stderr.count("\n") == 1
    assert "critical must be a whole number of days" in result.stderr


# ---- resolving: only with a reference -----------------------------------------------------------
def test_resolve_is_refused_without_a_reference(seeded: Engine) -> None:  # noqa: F811
    _check()
    fid = _two_person()["id"]
    result = gov("finding", "resolve", fid, "--as", "mallory")
    assert result.exit_code == 2 and result.stderr.count("\n") == 1
    assert result.stderr.startswith("error: --evidence: a finding is resolved only with a reference")
    both = gov("finding", "resolve", fid, "--as", "mallory", "--evidence", "fairness:1", "--waiver", "1")
    assert both.exit_code == 2 and "not both" in both.stderr
    missing = gov("finding", "resolve", fid, "--as", "mallory", "--evidence", "stage_evidence:999")
    assert missing.exit_code == 2 and "no evidence stage_evidence:999" in missing.stderr
    junk = gov("finding", "resolve", fid, "--as", "mallory", "--evidence", "fairness_evaluation:1;drop")
    assert junk.exit_code == 2 and "is not an evidence reference" in junk.stderr
    # evidence recorded before the check that saw the failure cannot be what fixed it
    old = gov("finding", "resolve", fid, "--as", "mallory", "--evidence", "fairness_evaluation:1")
    assert old.exit_code == 2 and "before the check that last saw this failure" in old.stderr
    assert _two_person()["status"] == "open"


def test_resolve_with_new_evidence_closes_and_a_regression_reopens(seeded: Engine) -> None:  # noqa: F811
    _check()
    fid = _two_person()["id"]
    assert gov("finding", "start", fid, "--as", "mallory").exit_code == 0
    assert gov("finding", "start", fid, "--as", "mallory").exit_code == 2  # already in remediation: conflict
    evaluation = _new_evidence(seeded)
    result = gov("finding", "resolve", fid, "--evidence", f"fairness_evaluation:{evaluation}", "--as", " Mallory ")
    assert result.exit_code == 0, result.output
    closed = _show(fid)
    assert closed["status"] == "closed" and closed["closed_by"] == "mallory"  # normalised identity
    assert closed["closure_reference"] == f"fairness_evaluation:{evaluation}"
    again = gov("finding", "resolve", fid, "--evidence", f"fairness_evaluation:{evaluation}", "--as", "mallory")
    assert again.exit_code == 2 and "already closed" in again.stderr
    _check()  # approval.two-person still fails: the finding regressed
    reopened = _show(fid)
    assert reopened["status"] == "open" and reopened["reopened_count"] == 1
    assert reopened["closure_reference"] is None
    assert [e["action"] for e in reopened["history"]] == ["opened", "started", "closed", "reopened"]
    assert reopened["history"][-1]["actor"] == "gate"


def test_resolve_with_a_waiver_accepts_only_one_that_covers_the_finding(seeded: Engine) -> None:  # noqa: F811
    from governance.approvals.tables import Waiver

    _check()
    fid = _two_person()["id"]
    now = utcnow()
    with session_scope(seeded) as session:
        for model, version, revoked in (
            ("fraud-detector", "1", None),
            ("credit-risk", "3", now),
            ("credit-risk", "3", None),
        ):
            session.add(
                Waiver(
                    policy_id="approval.two-person",
                    model_glob=model,
                    version=version,
                    reason="accepted risk",
                    ticket="RISK-1",
                    approver="cro",
                    expires_at=now + timedelta(days=7),
                    created_at=now - timedelta(minutes=1),
                    revoked_at=revoked,
                )
            )
    other = gov("finding", "resolve", fid, "--waiver", "1", "--as", "mallory")
    assert other.exit_code == 2 and other.stderr.count("\n") == 1
    assert "waiver 1 (approval.two-person for fraud-detector 1" in other.stderr and "does not cover" in other.stderr
    revoked = gov("finding", "resolve", fid, "--waiver", "2", "--as", "mallory")
    assert revoked.exit_code == 2 and "waiver 2 is revoked" in revoked.stderr
    assert gov("finding", "resolve", fid, "--waiver", "99", "--as", "mallory").exit_code == 2
    ok = gov("finding", "resolve", fid, "--waiver", "waiver:3", "--as", "mallory", "--note", "see RISK-1")
    assert ok.exit_code == 0, ok.output
    f = _show(fid)
    assert f["status"] == "accepted" and f["waiver_id"] == 3 and f["closure_note"] == "see RISK-1"


def test_the_creator_of_the_version_may_not_resolve_its_findings(seeded: Engine) -> None:  # noqa: F811
    _check()
    evaluation = _new_evidence(seeded)
    result = gov("finding", "resolve", _two_person()["id"], "--evidence", f"fairness:{evaluation}", "--as", "ALICE")
    assert result.exit_code == 2 and "alice created the version, so may not resolve its findings" in result.stderr


@pytest.mark.parametrize(
    "look_alike", ["F-00001", "F-0000001", "\uff26-000001", "F-00000\uff11", "f-000001", "F-000001x", "1", "F-000000"]
)
def test_look_alike_ids_are_refused(seeded: Engine, look_alike: str) -> None:  # noqa: F811
    _check()
    result = gov("finding", "assign", look_alike, "--owner", "bob", "--as", "mallory")
    assert result.exit_code == 2 and result.stderr.count("\n") == 1
    assert "is not a finding id" in result.stderr
    assert _show("F-000001")["owner"] == "team:credit"


def test_assign_sets_owner_and_due_date_and_list_filters(seeded: Engine) -> None:  # noqa: F811
    _check()
    fid = _two_person()["id"]
    result = gov("finding", "assign", fid, "--owner", "Bob", "--due", "2099-01-31", "--as", "mallory")
    assert result.exit_code == 0, result.output
    f = _show(fid)
    assert f["owner"] == "bob" and f["due_date"].startswith("2099-01-31")
    assert f["history"][-1]["action"] == "assigned" and f["history"][-1]["actor"] == "mallory"
    past = gov("finding", "assign", fid, "--owner", "bob", "--due", "2000-01-01", "--as", "mallory")
    assert past.exit_code == 2 and "not in the future" in past.stderr
    assert [x["id"] for x in _findings("--severity", "critical")] == [fid]
    assert _findings("--status", "closed") == []
    assert gov("finding", "list", "--status", "done").exit_code == 2
    assert gov("finding", "list", "--format", "xml").exit_code == 2


# ---- API ----------------------------------------------------------------------------------------
def test_api_roles_and_refusals(seeded: Engine, api_on_seeded: Any) -> None:  # noqa: F811
    api = api_on_seeded
    _check()
    fid = _two_person()["id"]
    auditor, checker = _token(seeded, "audrey", "auditor"), _token(seeded, "carl", "checker")
    approver, creator = _token(seeded, "mallory", "approver"), _token(seeded, "alice", "approver")
    listed = api.get("/api/v1/findings", params={"model": "credit-risk", "status": "active"}, headers=auditor)
    assert listed.status_code == 200 and fid in [f["id"] for f in listed.json()]
    assert api.get(f"/api/v1/findings/{fid}", headers=auditor).json()["history"][0]["action"] == "opened"
    assert api.get("/api/v1/findings", headers=checker).status_code == 403
    body = {"evidence": "fairness_evaluation:1"}
    assert api.post(f"/api/v1/findings/{fid}/resolve", json=body, headers=auditor).status_code == 403
    assert api.post(f"/api/v1/findings/{fid}/assign", json={"owner": "x"}, headers=auditor).status_code == 403
    empty = api.post(f"/api/v1/findings/{fid}/resolve", json={}, headers=approver)
    assert empty.status_code == 400 and empty.json()["error"]["where"] == "body.evidence"
    unknown_waiver = api.post(f"/api/v1/findings/{fid}/resolve", json={"waiver": 99}, headers=approver)
    assert unknown_waiver.status_code == 404 and unknown_waiver.json()["error"]["where"] == "body.waiver"
    look_alike = api.get("/api/v1/findings/F-0000001", headers=auditor)
    assert look_alike.status_code == 400 and look_alike.json()["error"]["where"] == "path.finding_id"
    assert api.get("/api/v1/findings/F-999999", headers=auditor).status_code == 404
    evaluation = _new_evidence(seeded)
    body = {"evidence": f"fairness_evaluation:{evaluation}"}
    refused = api.post(f"/api/v1/findings/{fid}/resolve", json=body, headers=creator)
    assert refused.status_code == 403 and "separation of duties" in refused.json()["error"]["hint"]
    assigned = api.post(f"/api/v1/findings/{fid}/assign", json={"owner": "bob"}, headers=approver)
    assert assigned.status_code == 200 and assigned.json()["owner"] == "bob"
    assert api.post(f"/api/v1/findings/{fid}/start", headers=approver).json()["status"] == "in_remediation"
    done = api.post(f"/api/v1/findings/{fid}/resolve", json=body, headers=approver)
    assert done.status_code == 200, done.text
    assert done.json()["status"] == "closed" and done.json()["closed_by"] == "mallory"
    assert api.post(f"/api/v1/findings/{fid}/resolve", json=body, headers=approver).status_code == 409


# ---- the sync itself, on both back ends; the report query -----------------------------------------
def _decision(mv_id: int, n: int, at: datetime, verdicts: list[dict[str, Any]], findings: list[dict[str, Any]]) -> Any:
    return SimpleNamespace(
        id=f"d-{n}",
        model="m",
        version="1",
        model_version_id=mv_id,
        target="production",
        verdicts=verdicts,
        findings=findings,
        created_at=at,
    )


OUT = {
    "evidence": "fairness_evaluation:7",
    "measurement": "four_fifths.min_impact_ratio over sex x age_band",
    "source": "fairness.four-fifths",
    "message": "four_fifths.min_impact_ratio = 0.648 ...; no policy verdict covers it",
}


def _verdict(verdict: str) -> dict[str, Any]:
    return {"policy_id": "p.one", "title": "One", "severity": "low", "verdict": verdict, "message": f"it is {verdict}"}


def test_sync_out_of_policy_reopen_and_the_report_query(engine: Engine) -> None:
    from governance.findings.queries import findings_for_report
    from governance.findings.sync import sync_findings
    from governance.findings.tables import Finding
    from governance.period import Period
    from governance.registry.service import VersionSpec, register_model, register_version

    t0 = datetime(2026, 3, 1, tzinfo=UTC)
    with session_scope(engine) as s:
        register_model(s, "m", owner="team:m")
        mv = register_version(s, "m", VersionSpec("1", "s3://m/1", "sha256:" + "a" * 64, created_by="alice"))
        assert mv.id is not None
        mv_id = mv.id
        first = sync_findings(
            s, _decision(mv_id, 1, t0, [_verdict("inconclusive")], [OUT]), severities={"fairness.four-fifths": "high"}
        )
        assert (first.opened, first.reopened) == (2, 0)
    with session_scope(engine) as s:
        rows = {f.kind: f for f in s.exec(select(Finding)).all()}
        out = rows["out_of_policy"]
        assert out.severity == "high" and out.policy_id is None and out.owner == "team:m"
        assert out.due_date == t0 + timedelta(days=30)
        assert rows["verdict"].due_date == t0 + timedelta(days=180)  # low
        out.status, out.closed_at, out.closure_reference = "closed", t0 + timedelta(days=1), "stage_evidence:1"
        s.add(out)
    with session_scope(engine) as s:  # the out-of-policy item is back; the verdict passes now
        second = sync_findings(s, _decision(mv_id, 2, t0 + timedelta(days=2), [_verdict("pass")], [OUT]))
        assert (second.reopened, second.passing) == (1, 1)
    with session_scope(engine) as s:
        rows = {f.kind: f for f in s.exec(select(Finding)).all()}
        assert rows["out_of_policy"].status == "open" and rows["out_of_policy"].reopened_count == 1
        assert rows["verdict"].passing_since_decision == "d-2" and rows["verdict"].status == "open"
        rows["verdict"].status, rows["verdict"].closed_at = "closed", t0 + timedelta(days=40)
        s.add(rows["verdict"])
    with session_scope(engine) as s:
        march = Period(t0, t0 + timedelta(days=31))
        april = Period(t0 + timedelta(days=31), t0 + timedelta(days=61))
        assert [f.kind for f in findings_for_report(s, "m", period=march)] == ["out_of_policy"]
        assert sorted(f.kind for f in findings_for_report(s, period=april)) == ["out_of_policy", "verdict"]
        assert findings_for_report(s, "other", period=april) == []
        assert findings_for_report(s, "m", period=Period(t0 - timedelta(days=30), t0)) == []


def test_two_concurrent_checks_of_a_version_share_one_finding(engine: Engine) -> None:
    """PostgreSQL: the second check's insert waits for the first, meets the unique key, and updates the
    finding the first one opened (a savepoint keeps its transaction, and its decision, alive)."""
    import threading

    from sqlmodel import Session

    from governance.findings.sync import sync_findings
    from governance.findings.tables import Finding
    from governance.registry.service import VersionSpec, register_model, register_version

    if engine.dialect.name != "postgresql":
        pytest.skip("SQLite serialises writers: the second check waits for the lock and is retried whole")
    t0 = datetime(2026, 3, 1, tzinfo=UTC)
    with session_scope(engine) as s:
        register_model(s, "m", owner="team:m")
        mv = register_version(s, "m", VersionSpec("1", "s3://m/1", "sha256:" + "a" * 64, created_by="alice"))
        assert mv.id is not None
        mv_id = mv.id
    first = Session(engine)
    assert sync_findings(first, _decision(mv_id, 1, t0, [_verdict("fail")], [])).opened == 1
    results: list[Any] = []

    def second() -> None:
        with session_scope(engine) as s:
            results.append(sync_findings(s, _decision(mv_id, 2, t0 + timedelta(seconds=1), [_verdict("fail")], [])))

    thread = threading.Thread(target=second)
    thread.start()
    thread.join(timeout=1.0)
    assert thread.is_alive()  # waiting on the first transaction's uncommitted row
    first.commit()
    first.close()
    thread.join(timeout=30)
    assert results and (results[0].opened, results[0].updated) == (0, 1)
    with session_scope(engine) as s:
        rows = list(s.exec(select(Finding)).all())
        assert len(rows) == 1 and rows[0].last_seen_decision == "d-2" and rows[0].first_seen_decision == "d-1"
