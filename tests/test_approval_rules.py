"""The approval rules in one place (governance.approvals.rules), driven through every face.

credit-risk 3 in the seeded store was registered by `alice`; `dora` owns its training job.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from types import SimpleNamespace
from typing import Any

import pytest
from sqlalchemy.engine import Engine

from governance.approvals import rules
from governance.errors import InputError
from governance.identity import normalise_identity, same_identity
from governance.store.db import session_scope
from governance.timeutil import utcnow
from tests.conftest_policy import DEFAULT_POLICIES, seeded, seeded_template  # noqa: F401 - fixtures
from tests.helpers import gov

NOW = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)
HOUR = timedelta(hours=1)


def _waiver(**kw: Any) -> SimpleNamespace:
    base: dict[str, Any] = {
        "policy_id": "p",
        "model_glob": "credit-*",
        "version": None,
        "target": None,
        "created_at": NOW - HOUR,
        "expires_at": NOW + HOUR,
        "revoked_at": None,
        "needs_cosign": False,
        "cosigned_by": None,
        "cosigned_at": None,
    }
    return SimpleNamespace(**{**base, **kw})


# ---- waiver validity: one table ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("case", "waiver", "status"),
    [
        ("in force", _waiver(), "active"),
        ("expires exactly now", _waiver(expires_at=NOW), "expired"),
        ("expires a microsecond from now", _waiver(expires_at=NOW + timedelta(microseconds=1)), "active"),
        ("expired", _waiver(expires_at=NOW - HOUR / 2), "expired"),
        ("revoked exactly now", _waiver(revoked_at=NOW), "revoked"),
        ("revoked later", _waiver(revoked_at=NOW + HOUR / 2), "active"),
        ("revoked before", _waiver(revoked_at=NOW - HOUR / 2), "revoked"),
        ("revoked and expired", _waiver(revoked_at=NOW - HOUR / 2, expires_at=NOW - HOUR / 4), "revoked"),
        ("created exactly now", _waiver(created_at=NOW), "active"),
        ("created later", _waiver(created_at=NOW + HOUR / 2), "not_yet_valid"),
        ("needs a second person", _waiver(needs_cosign=True), "awaiting_second_person"),
        ("co-signed", _waiver(needs_cosign=True, cosigned_by="bob", cosigned_at=NOW - HOUR / 2), "active"),
        (
            "co-signed later",
            _waiver(needs_cosign=True, cosigned_by="bob", cosigned_at=NOW + HOUR),
            "awaiting_second_person",
        ),
    ],
)
def test_waiver_status_edges(case: str, waiver: SimpleNamespace, status: str) -> None:
    assert rules.waiver_status(waiver, NOW) == status, case
    assert rules.waiver_in_force(waiver, NOW) is (status == "active"), case


@pytest.mark.parametrize(
    ("case", "waiver", "scope", "covers"),
    [
        ("glob matches", _waiver(), ("p", "credit-risk", "3", "production"), True),
        ("glob misses", _waiver(), ("p", "fraud-detector", "3", "production"), False),
        ("other policy", _waiver(), ("q", "credit-risk", "3", "production"), False),
        ("same version", _waiver(version="3"), ("p", "credit-risk", "3", "production"), True),
        ("other version", _waiver(version="2"), ("p", "credit-risk", "3", "production"), False),
        ("same target", _waiver(target="production"), ("p", "credit-risk", "3", "production"), True),
        ("target glob", _waiver(target="prod*"), ("p", "credit-risk", "3", "production"), True),
        ("target spelled otherwise", _waiver(target="Production "), ("p", "credit-risk", "3", "production"), True),
        ("other target", _waiver(target="staging"), ("p", "credit-risk", "3", "production"), False),
        ("no target: every target", _waiver(), ("p", "credit-risk", "3", "staging"), True),
        ("model glob is case-sensitive", _waiver(), ("p", "Credit-risk", "3", "production"), False),
    ],
)
def test_waiver_scope(case: str, waiver: SimpleNamespace, scope: tuple[str, str, str, str], covers: bool) -> None:
    assert rules.waiver_covers(waiver, *scope) is covers, case


def test_the_evaluator_applies_the_same_bounds() -> None:
    """The evaluator's waiver status is rules.waiver_status: a waiver expiring exactly at the evaluation
    time does not waive."""
    from governance.policy.context import WaiverRecord

    record = WaiverRecord(1, "p", "r", "t", "cro", expires_at=NOW, created_at=NOW - HOUR, model_glob="*")
    assert rules.waiver_status(record, NOW) == "expired"
    assert rules.waiver_status(record, NOW - timedelta(microseconds=1)) == "active"


# ---- identities ---------------------------------------------------------------------------------


@pytest.mark.parametrize("spelling", ["alice", "alice\n", " Alice", "ALICE", "ａｌｉｃｅ", "\tａｌｉｃｅ "])
def test_look_alike_identities_are_alice(spelling: str) -> None:
    assert normalise_identity(spelling) == "alice"
    assert same_identity(spelling, "alice")
    assert rules.duty_conflict(spelling, created_by="Alice", authors=()) == "created the version"
    assert rules.duty_conflict(spelling, created_by="bob", authors=("ALICE",)) == "authored the training run"


@pytest.mark.parametrize("bad", ["", "   ", "al\nice", "al\x00ice", "ali\u200bce", "\x1b[31malice"])
def test_identities_with_control_characters_are_refused(bad: str) -> None:
    with pytest.raises(InputError) as caught:
        normalise_identity(bad, field="as")
    assert caught.value.where == "as"


def test_token_names_are_normalised(seeded: Engine) -> None:  # noqa: F811
    from governance.auth.tokens import create_token

    with session_scope(seeded) as session:
        token, _ = create_token(session, name=" Ａlice ", role="approver", created_by="tests")
        assert token.name == "alice"
        with pytest.raises(InputError):
            create_token(session, name="alice\u0007", role="approver", created_by="tests")


# ---- separation of duties: the same refusal in every face --------------------------------------

REFUSAL = (
    "credit-risk 3: alice created the version, so may not approve it or waive its policies "
    "(separation of duties: another person must do it)"
)


@pytest.fixture
def api_on_seeded(seeded: Engine) -> Iterator[Any]:  # noqa: F811
    from fastapi.testclient import TestClient

    from governance.api.app import Settings, create_app

    app = create_app(seeded, Settings(policy_dir=DEFAULT_POLICIES))
    with TestClient(app, raise_server_exceptions=False) as client:
        yield client


def _token(engine: Engine, name: str, role: str = "approver") -> dict[str, str]:
    from governance.auth.tokens import create_token

    with session_scope(engine) as session:
        return {"Authorization": f"Bearer {create_token(session, name=name, role=role, created_by='tests')[1]}"}


def _approvals(engine: Engine) -> list[str]:
    from sqlalchemy import text

    with engine.connect() as conn:
        return list(conn.execute(text("SELECT approver FROM policy_approval ORDER BY id")).scalars())


@pytest.mark.parametrize("face", ["cli", "api", "evaluator"])
@pytest.mark.parametrize("who", ["alice", " Alice", "ａｌｉｃｅ"])
def test_separation_of_duties_refuses_the_creator_in_every_face(
    face: str,
    who: str,
    seeded: Engine,  # noqa: F811
    api_on_seeded: Any,
) -> None:
    if face == "cli":
        result = gov("approve", "credit-risk", "3", "--role", "model-risk-officer", "--as", who)
        assert result.exit_code == 2
        assert result.stderr.strip() == f"error: --as: {REFUSAL}"
        assert _approvals(seeded) == []
    elif face == "api":
        r = api_on_seeded.post(
            "/api/v1/approvals",
            json={"model": "credit-risk", "version": "3", "role": "model-risk-officer"},
            headers=_token(seeded, who),
        )
        assert r.status_code == 403, r.text
        error = r.json()["error"]
        assert f"{error['message']} ({error['hint']})" == REFUSAL and error["where"] == "token"
        assert _approvals(seeded) == []
    else:
        # Defence in depth: an approval that reached the store anyway never counts.
        from governance.approvals.tables import Approval
        from governance.registry.service import get_version

        with session_scope(seeded) as session:
            _, mv = get_version(session, "credit-risk", "3")
            assert mv.id is not None
            session.add(
                Approval(
                    model_version_id=mv.id,
                    role="model-risk-officer",
                    approver=who,
                    artifact_digest=mv.artifact_digest,
                    created_at=utcnow(),
                )
            )
        report = json.loads(gov("check", "credit-risk", "3", "--target", "production", "--format", "json").stdout)
        outcome = next(o for o in report["outcomes"] if o["policy_id"] == "approval.two-person")
        assert outcome["verdict"] == "fail"
        assert f"{who} as model-risk-officer (created the version)" in outcome["message"]


def test_an_independent_approver_passes_in_both_faces(seeded: Engine, api_on_seeded: Any) -> None:  # noqa: F811
    assert gov("approve", "credit-risk", "3", "--role", "business-owner", "--as", " Bob").exit_code == 0
    r = api_on_seeded.post(
        "/api/v1/approvals",
        json={"model": "credit-risk", "version": "3", "role": "model-risk-officer"},
        headers=_token(seeded, "carol"),
    )
    assert r.status_code == 201, r.text
    assert _approvals(seeded) == ["bob", "carol"]


def test_a_role_no_policy_names_is_refused(seeded: Engine, api_on_seeded: Any) -> None:  # noqa: F811
    result = gov("approve", "credit-risk", "3", "--role", "model-risk-officr", "--as", "bob")
    assert result.exit_code == 2 and result.stderr.startswith("error: --role: no policy names the approval role")
    r = api_on_seeded.post(
        "/api/v1/approvals",
        json={"model": "credit-risk", "version": "3", "role": "chief-vibes-officer"},
        headers=_token(seeded, "carol"),
    )
    assert r.status_code == 400 and r.json()["error"]["where"] == "body.role"
    assert _approvals(seeded) == []


# ---- waivers obey separation of duties ---------------------------------------------------------

WAIVE = [
    "waive",
    "--reason",
    "incident 12",
    "--ticket",
    "CHG-1",
    "--expires",
    "P7D",
    "--model",
    "credit-risk",
    "--version",
    "3",
]


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


# ---- targets are a closed set --------------------------------------------------------------------


@pytest.mark.parametrize("spelling", ["production", "Production ", " PRODUCTION", "ｐｒｏｄｕｃｔｉｏｎ"])
def test_target_spellings_normalise(spelling: str) -> None:
    assert rules.normalise_target(spelling, environ={}) == "production"


def test_targets_come_from_configuration() -> None:
    env = {"GOV_TARGETS": " Dev , QA,prod "}
    assert rules.configured_targets(env) == ("dev", "qa", "prod")
    assert rules.normalise_target("QA", environ=env) == "qa"
    with pytest.raises(InputError):
        rules.normalise_target("production", environ=env)


def test_gov_check_normalises_the_target_and_refuses_unknown_ones(seeded: Engine, api_on_seeded: Any) -> None:  # noqa: F811
    ok = gov("check", "credit-risk", "3", "--target", "Production ", "--format", "json")
    assert ok.exit_code == 1, ok.output  # blocked in production, as `production` is: no policy skipped
    assert json.loads(ok.stdout)["target"] == "production"
    prod = gov("check", "credit-risk", "3", "--target", "prod")
    assert prod.exit_code == 2 and prod.stderr.startswith("error: --target: unknown target 'prod'")
    r = api_on_seeded.post(
        "/api/v1/checks",
        json={"model": "credit-risk", "version": "3", "target": "prod"},
        headers=_token(seeded, "ci-bot", "checker"),
    )
    assert r.status_code == 400 and r.json()["error"]["where"] == "body.target"
    bad = gov(*WAIVE, "fairness.four-fifths", "--as", "cro", "--target", "prod")
    assert bad.exit_code == 2 and "--target" in bad.stderr


def test_one_person_spelled_two_ways_fills_one_slot(seeded: Engine) -> None:  # noqa: F811
    """Rows recorded before normalisation: `Bob` and `bob ` are one person, so two-person approval fails."""
    from governance.approvals.tables import Approval
    from governance.registry.service import get_version

    with session_scope(seeded) as session:
        _, mv = get_version(session, "credit-risk", "3")
        assert mv.id is not None
        for role, who in (("model-risk-officer", "Bob"), ("business-owner", "bob ")):
            session.add(
                Approval(
                    model_version_id=mv.id,
                    role=role,
                    approver=who,
                    artifact_digest=mv.artifact_digest,
                    created_at=utcnow(),
                )
            )
    report = json.loads(gov("check", "credit-risk", "3", "--target", "production", "--format", "json").stdout)
    outcome = next(o for o in report["outcomes"] if o["policy_id"] == "approval.two-person")
    assert outcome["verdict"] == "fail" and "1 more approval(s)" in outcome["message"]
