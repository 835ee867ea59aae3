"""Waivers under the approval rules (governance.approvals.rules), through the CLI and the API: separation of
duties, two people for non-waivable policies, the maximum duration, and the width the policy allows.

credit-risk 3 in the seeded store was registered by `alice`; `dora` owns its training job.
"""

from __future__ import annotations

import json
from datetime import timedelta
from types import SimpleNamespace
from typing import Any

import pytest
from sqlalchemy.engine import Engine

from governance.approvals import rules
from governance.errors import InputError
from governance.timeutil import utcnow
from tests.approval_helpers import REFUSAL, WAIVE, _approvals, _token, api_on_seeded  # noqa: F401 - fixture
from tests.conftest_policy import DEFAULT_POLICIES, seeded, seeded_template  # noqa: F401 - fixtures
from tests.helpers import gov

# ---- waivers obey separation of duties ---------------------------------------------------------


def test_the_creator_cannot_waive_in_either_face(seeded: Engine, api_on_seeded: Any) -> None:  # noqa: F811
    for who in ("alice", "Alice ", "dora"):
        result = gov(*WAIVE, "fairness.four-fifths", "--as", who)
        assert result.exit_code == 2, result.output
        assert "so may not approve it or waive its policies" in result.stderr
    body = {
        "policy_id": "fairness.four-fifths",
        "reason": "incident 12",
        "ticket": "CHG-1",
        "expires_at": (utcnow() + timedelta(days=7)).isoformat(),
        "model_glob": "credit-risk",
        "version": "3",
    }
    r = api_on_seeded.post("/api/v1/waivers", json=body, headers=_token(seeded, "alice"))
    assert r.status_code == 403 and "alice created the version" in r.json()["error"]["message"]
    # Someone independent may.
    assert gov(*WAIVE, "fairness.four-fifths", "--as", "cro").exit_code == 0


def test_a_non_waivable_policy_needs_two_people(seeded: Engine, api_on_seeded: Any) -> None:  # noqa: F811
    def approval_verdict() -> str:
        report = json.loads(gov("check", "credit-risk", "3", "--target", "production", "--format", "json").stdout)
        return str(next(o for o in report["outcomes"] if o["policy_id"] == "approval.two-person")["verdict"])

    r = api_on_seeded.post(
        "/api/v1/waivers",
        json={
            "policy_id": "approval.two-person",
            "reason": "incident 12",
            "ticket": "CHG-1",
            "expires_at": (utcnow() + timedelta(days=7)).isoformat(),
            "model_glob": "credit-risk",
            "version": "3",
        },
        headers=_token(seeded, "cro"),
    )
    assert r.status_code == 201, r.text
    waiver = r.json()
    assert waiver["status"] == "awaiting_second_person" and waiver["needs_second_person"] is True
    assert approval_verdict() == "fail"  # one person alone waives nothing
    same = api_on_seeded.post(f"/api/v1/waivers/{waiver['id']}/cosign", headers=_token(seeded, "CRO", "admin"))
    assert same.status_code == 403
    creator = gov("policy", "cosign-waiver", str(waiver["id"]), "--as", "alice")
    assert creator.exit_code == 2 and "alice created the version" in creator.stderr
    assert gov("policy", "cosign-waiver", str(waiver["id"]), "--as", "cfo").exit_code == 0
    assert approval_verdict() == "waived"
    again = api_on_seeded.post(f"/api/v1/waivers/{waiver['id']}/cosign", headers=_token(seeded, "ceo"))
    assert again.status_code == 409


def test_an_over_long_waiver_is_refused(seeded: Engine, api_on_seeded: Any) -> None:  # noqa: F811
    result = gov(*WAIVE[:5], "--expires", "P91D", "fairness.four-fifths", "--as", "cro")
    assert result.exit_code == 2 and result.stderr.startswith("error: --expires: the waiver would run until ")
    assert "past the 90-day maximum of fairness.four-fifths" in result.stderr
    r = api_on_seeded.post(
        "/api/v1/waivers",
        json={
            "policy_id": "fairness.four-fifths",
            "reason": "r",
            "ticket": "t",
            "expires_at": "9999-01-01T00:00:00Z",
        },
        headers=_token(seeded, "cro"),
    )
    assert r.status_code == 400 and r.json()["error"]["where"] == "body.expires_at"
    assert gov(*WAIVE[:5], "--expires", "P90D", *WAIVE[7:], "fairness.four-fifths", "--as", "cro").exit_code == 0


# ---- a waiver's scope is no wider than the policy's owner allows -----------------------------------

GLOB_WAIVE = ["waive", "fairness.four-fifths", "--reason", "incident 12", "--ticket", "CHG-1", "--expires", "P7D"]
GLOB_BODY = {"policy_id": "fairness.four-fifths", "reason": "incident 12", "ticket": "CHG-1"}


def _policies_with_scope(tmp_path: Any, scope: str) -> Any:
    """A copy of the default pack whose fairness.four-fifths says `waiver_scope: SCOPE`."""
    import shutil

    root = tmp_path / "policies"
    shutil.copytree(DEFAULT_POLICIES, root)
    path = root / "fairness-four-fifths.yaml"
    path.write_text(path.read_text(encoding="utf-8") + f"waiver_scope: {scope}\n", encoding="utf-8")
    return root


def _waiver_count(engine: Engine) -> int:
    from sqlalchemy import text

    with engine.connect() as conn:
        return int(conn.execute(text("SELECT count(*) FROM policy_waiver")).scalar_one())


@pytest.mark.parametrize(
    ("scope", "extra", "field"),
    [
        ([], ["--model", "credit-*", "--version", "3"], "--model"),
        ([], [], "--model"),  # the default --model is every model
        ([], ["--model", "credit-risk"], "--version"),
        (["model"], ["--model", "credit-*"], "--model"),
    ],
)
def test_the_cli_refuses_a_waiver_wider_than_the_policy_allows(
    seeded: Engine,  # noqa: F811
    tmp_path: Any,
    scope: list[str],
    extra: list[str],
    field: str,
) -> None:
    policies = ["--policies", str(_policies_with_scope(tmp_path, scope[0]))] if scope else []
    result = gov(*GLOB_WAIVE, *extra, *policies, "--as", "cro")
    assert result.exit_code == 2, result.output
    assert result.stderr.startswith(f"error: {field}: fairness.four-fifths may be waived for one ")
    assert f"(waiver_scope: {scope[0] if scope else 'version'})" in result.stderr
    assert "Traceback" not in result.output and _waiver_count(seeded) == 0


def test_the_api_refuses_a_glob_waiver_under_the_default(seeded: Engine, api_on_seeded: Any) -> None:  # noqa: F811
    expires = (utcnow() + timedelta(days=7)).isoformat()
    for extra, where in (
        ({"model_glob": "*"}, "body.model_glob"),
        ({"model_glob": "credit-*", "version": "3"}, "body.model_glob"),
        ({"model_glob": "credit-risk"}, "body.version"),
        ({}, "body.model_glob"),
    ):
        r = api_on_seeded.post(
            "/api/v1/waivers", json={**GLOB_BODY, "expires_at": expires, **extra}, headers=_token(seeded, "cro")
        )
        assert r.status_code == 400, (extra, r.text)
        error = r.json()["error"]
        assert error["where"] == where and "(waiver_scope: version)" in error["message"], error
    assert _waiver_count(seeded) == 0
    one = {**GLOB_BODY, "expires_at": expires, "model_glob": "credit-risk", "version": "3"}
    assert api_on_seeded.post("/api/v1/waivers", json=one, headers=_token(seeded, "cro")).status_code == 201


def test_waiver_scope_any_allows_a_glob_in_both_faces(seeded: Engine, tmp_path: Any) -> None:  # noqa: F811
    from fastapi.testclient import TestClient

    from governance.api.app import Settings, create_app

    root = _policies_with_scope(tmp_path, "any")
    result = gov(*GLOB_WAIVE, "--model", "credit-*", "--policies", str(root), "--as", "cro")
    assert result.exit_code == 0, result.output
    assert "waived for credit-* on every target" in result.stdout
    app = create_app(seeded, Settings(policy_dir=root))
    with TestClient(app, raise_server_exceptions=False) as client:
        body = {**GLOB_BODY, "expires_at": (utcnow() + timedelta(days=7)).isoformat(), "model_glob": "*"}
        r = client.post("/api/v1/waivers", json=body, headers=_token(seeded, "cro"))
    assert r.status_code == 201, r.text
    assert _waiver_count(seeded) == 2
    # Separation of duties still holds for every version a glob covers.
    creator = gov(*GLOB_WAIVE, "--model", "credit-*", "--policies", str(root), "--as", "alice")
    assert creator.exit_code == 2 and "alice created the version" in creator.stderr


def test_waiver_scope_model_allows_every_version_of_one_model(seeded: Engine, tmp_path: Any) -> None:  # noqa: F811
    root = _policies_with_scope(tmp_path, "model")
    result = gov(*GLOB_WAIVE, "--model", "credit-risk", "--policies", str(root), "--as", "cro")
    assert result.exit_code == 0, result.output
    assert _waiver_count(seeded) == 1


def test_waiver_scope_comes_from_the_policy(tmp_path: Any) -> None:
    from governance.policy.loader import load_bundle

    bundle = load_bundle(DEFAULT_POLICIES)
    assert {rules.waiver_scope(p) for p in bundle.policies} == {"version"}  # nothing in the pack widens it
    assert rules.waiver_scope(None) == "version"
    bad = _policies_with_scope(tmp_path, "everything")
    from governance.policy.loader import PolicyLoadError

    with pytest.raises(PolicyLoadError) as caught:
        load_bundle(bad)
    assert "waiver_scope" in str(caught.value)
    with pytest.raises(InputError) as refused:
        rules.check_waiver_scope(None, "p", "credit-?", "3")
    assert refused.value.where == "model_glob"
    rules.check_waiver_scope(SimpleNamespace(waiver_scope="any", owner="risk"), "p", "*", None)


def test_max_waiver_days_comes_from_the_policy(tmp_path: Any) -> None:
    from governance.policy.loader import load_bundle

    bundle = load_bundle(DEFAULT_POLICIES)
    two = next(p for p in bundle.policies if p.id == "approval.two-person")
    assert two.waivable is False and rules.needs_second_person(two)
    assert rules.max_waiver_duration(two) == timedelta(days=90)
    low = next(p for p in bundle.policies if p.severity != "critical" and p.waivable)
    assert not rules.needs_second_person(low)
