"""The blocked-deployments register (#15): each entry says who asked (person or pipeline, and the person a
pipeline's CI variables name, labelled as reported by the pipeline), when, which policies failed and why
in words, the evidence, and the remediation owner, due date and status from the findings register, and
any waiver or override. The CSV carries the same columns, every cell spreadsheet-safe."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path
from typing import Any

import pytest

from tests.helpers import gov

REPO = Path(__file__).resolve().parents[1]
POLICIES = str(REPO / "policies" / "default")
EVIL_ACTOR = '=HYPERLINK("http://evil.example","click")'


def _check(engine: Any, requested_by: str, ci: dict[str, str]) -> None:
    from governance.gate.service import run_check
    from governance.store.db import session_scope

    with session_scope(engine) as session:
        report = run_check(
            session, "credit-risk", "3", "production", policy_dir=Path(POLICIES), requested_by=requested_by, ci_env=ci
        )
    assert not report.deployable  # no lineage, no evidence, no approvals: fail-closed


@pytest.fixture
def store(sqlite_engine: Any, monkeypatch: pytest.MonkeyPatch) -> Any:
    """One version blocked twice: by a pipeline whose CI names a person (a formula), and by a person."""
    from governance.registry.service import VersionSpec, register_model, register_version
    from governance.store.db import session_scope

    monkeypatch.setenv("GOV_POLICY_DIR", POLICIES)
    with session_scope(sqlite_engine) as session:
        register_model(session, "credit-risk", owner="team:credit", risk_tier="high")
        register_version(
            session,
            "credit-risk",
            VersionSpec(
                version="3", artifact_uri="s3://x/3", artifact_digest="sha256:" + "3c" * 32, created_by="alice"
            ),
        )
    _check(sqlite_engine, "ci-bot", {"GITHUB_RUN_ID": "42", "GITHUB_ACTOR": EVIL_ACTOR})
    _check(sqlite_engine, "carol", {})
    return sqlite_engine


def _findings() -> dict[str, dict[str, Any]]:
    listed = gov("finding", "list", "--format", "json")
    assert listed.exit_code == 0, listed.output
    return {f["key"]: f for f in json.loads(listed.stdout)}


def _register() -> dict[str, Any]:
    result = gov("report", "blocked", "--format", "json")
    assert result.exit_code == 0, result.output
    return dict(json.loads(result.stdout))


def test_each_entry_names_requester_reasons_evidence_and_the_finding(store: Any) -> None:
    two_person = _findings()["policy:approval.two-person"]
    assigned = gov("finding", "assign", two_person["id"], "--owner", "dana", "--due", "2031-01-31", "--as", "erin")
    assert assigned.exit_code == 0, assigned.output
    assert gov("finding", "start", two_person["id"], "--as", "dana").exit_code == 0
    first, second = _register()["entries"]
    assert first["requester_kind"] == "pipeline" and first["ci_person"] == EVIL_ACTOR
    assert second["requester_kind"] == "person" and second["ci_person"] is None and second["requested_by"] == "carol"
    reasons = {r["policy_id"]: r for r in first["reasons"]}
    assert set(reasons) == set(first["failing_policies"]) and reasons
    reason = reasons["approval.two-person"]
    assert reason["why"] and "approval" in reason["why"]  # the verdict's message, in words
    assert reason["evidence"] and all(isinstance(e, str) for e in reason["evidence"])
    assert reason["finding_id"] == two_person["id"]
    assert (reason["owner"], reason["status"]) == ("dana", "in_remediation")
    assert reason["due_date"].startswith("2031-01-31")
    other = next(r for p, r in reasons.items() if p != "approval.two-person")
    assert other["owner"] == "team:credit" and other["status"] == "open"  # the model's owner by default


def test_a_waiver_of_a_failing_policy_shows_in_the_entry(store: Any) -> None:
    waived = gov(
        "waive", "approval.two-person", "--model", "credit-risk", "--version", "3", "--reason", "pilot",
        "--ticket", "RISK-1", "--expires", "P30D", "--as", "erin",
    )  # fmt: skip
    assert waived.exit_code == 0, waived.output
    reasons = {r["policy_id"]: r for r in _register()["entries"][0]["reasons"]}
    waiver = reasons["approval.two-person"]["waiver"]
    assert "RISK-1" in waiver and "erin" in waiver, waiver
    assert all(r["waiver"] is None for p, r in reasons.items() if p != "approval.two-person")


def test_csv_has_the_same_columns_and_neutralises_formulas(store: Any) -> None:
    from governance.reports.blocked import CSV_COLUMNS

    result = gov("report", "blocked", "--format", "csv")
    assert result.exit_code == 0, result.output
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    assert tuple(rows[0]) == CSV_COLUMNS and len(rows) == 2
    for needed in (
        "requested_by",
        "requester_kind",
        "person_reported_by_pipeline",
        "at",
        "failing_policies",
        "why",
        "evidence",
        "findings",
        "remediation_owner",
        "due_date",
        "finding_status",
        "waiver_or_override",
    ):
        assert needed in CSV_COLUMNS
    first, second = rows
    assert first["requester_kind"] == "pipeline" and second["requester_kind"] == "person"
    # the claimed person is labelled, and the formula is text: it starts with ' (the cell is not a formula)
    assert first["person_reported_by_pipeline"] == "'" + EVIL_ACTOR + " (as reported by the pipeline)"
    assert second["person_reported_by_pipeline"] == ""
    assert (
        "approval.two-person: F-" in first["findings"]
        and "approval.two-person: team:credit" in first["remediation_owner"]
    )
    assert "approval.two-person: open" in first["finding_status"]
    assert "approval.two-person: needs" in first["why"]
    for row in rows:
        for cell in row.values():
            assert not cell.startswith(("=", "+", "-", "@", "\t", "\r")), cell


def test_the_register_pdf_shows_the_labelled_person_and_the_finding(store: Any, tmp_path: Path) -> None:
    html = tmp_path / "blocked.html"
    assert gov("report", "blocked", "--format", "html", "--out", str(html)).exit_code == 0
    text = html.read_text()
    assert "person behind the pipeline run" in text and "(as reported by the pipeline)" in text
    assert "=HYPERLINK(&#34;http://evil.example&#34;" in text or "=HYPERLINK(&quot;" in text  # escaped, shown
    assert _findings()["policy:approval.two-person"]["id"] in text and "owner team:credit" in text
    assert "Why:" in text and "Remediation: finding" in text


def test_the_person_behind_a_pipeline_comes_from_the_ci_variables_that_name_one() -> None:
    from governance.identity import ci_context
    from governance.reports.blocked import ci_person

    assert ci_person(ci_context({"GITLAB_USER_LOGIN": "dana", "CI_PIPELINE_ID": "9"})) == "dana"
    assert ci_person(ci_context({"BUILD_REQUESTEDFOR": "Erin Example", "BUILD_ID": "7"})) == "Erin Example"
    assert ci_person(ci_context({"GITHUB_ACTOR": "frank", "GITHUB_RUN_ID": "1"})) == "frank"
    assert ci_person(ci_context({"CI_PIPELINE_ID": "9", "GOV_PIPELINE_ID": "x"})) is None
