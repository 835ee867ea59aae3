"""The approval rules in one place (governance.approvals.rules), driven through every face.

credit-risk 3 in the seeded store was registered by `alice`; `dora` owns its training job.
"""

from __future__ import annotations

import json
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
from tests.approval_helpers import REFUSAL, WAIVE, _approvals, _token, api_on_seeded  # noqa: F401 - fixture
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


@pytest.mark.parametrize("face", ["cli", "api", "evaluator"])
@pytest.mark.parametrize("who", ["alice", " Alice", "ａｌｉｃｅ"])
def test_separation_of_duties_refuses_the_creator_in_every_face(
    face: str,
    who: str,
    seeded: Engine,  # noqa: F811
    api_on_seeded: Any,  # noqa: F811
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
