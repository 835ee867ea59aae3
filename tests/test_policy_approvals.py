"""Approvals through the store and the CLI: separation of duties, digest binding, who and when."""

from __future__ import annotations

import json
from typing import Any

import pytest
from sqlalchemy.engine import Engine

from governance.approvals.records import approve
from governance.errors import ConflictError
from governance.store.db import session_scope
from tests.conftest_policy import DIGEST, OTHER_DIGEST, seeded, seeded_template  # noqa: F401 - fixtures
from tests.helpers import gov

CHECK = ["check", "credit-risk", "3", "--target", "production", "--format", "json"]


def _approval_outcome() -> dict[str, Any]:
    report = json.loads(gov(*CHECK).stdout)
    return next(o for o in report["outcomes"] if o["policy_id"] == "approval.two-person")


def test_gov_approve_records_who_when_and_the_digest(seeded: Engine) -> None:  # noqa: F811
    result = gov("approve", "credit-risk", "3", "--role", "business-owner", "--as", "bob", "--comment", "ok")
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith(f"approval 1: bob approved credit-risk 3 as business-owner ({DIGEST}) at ")
    with session_scope(seeded) as session:
        from governance.approvals.tables import Approval

        row = session.get(Approval, 1)
        assert row is not None
        assert (row.approver, row.role, row.artifact_digest, row.comment) == ("bob", "business-owner", DIGEST, "ok")
        assert row.created_at.tzinfo is not None


def test_the_creator_approving_their_own_version_is_refused(seeded: Engine) -> None:  # noqa: F811
    # alice registered credit-risk 3: separation of duties refuses her approval (exit 2, one line, no row).
    result = gov("approve", "credit-risk", "3", "--role", "model-risk-officer", "--as", "alice")
    assert result.exit_code == 2
    assert result.stderr.strip() == (
        "error: --as: credit-risk 3: alice created the version, so may not approve it or waive its policies "
        "(separation of duties: another person must do it)"
    )
    with session_scope(seeded) as session:
        from governance.approvals.tables import Approval

        assert session.get(Approval, 1) is None
    # An approval recorded before the refusal existed still never counts (the rule's own check).
    _insert_approval(seeded, "alice")
    assert gov("approve", "credit-risk", "3", "--role", "business-owner", "--as", "bob").exit_code == 0
    outcome = _approval_outcome()
    assert outcome["verdict"] == "fail"
    assert "alice as model-risk-officer (created the version)" in str(outcome["message"])
    # An independent model-risk officer fixes it.
    gov("approve", "credit-risk", "3", "--role", "model-risk-officer", "--as", "mallory")
    assert _approval_outcome()["verdict"] == "pass"


def _insert_approval(engine: Engine, who: str, role: str = "model-risk-officer") -> None:
    from governance.approvals.tables import Approval
    from governance.registry.service import get_version
    from governance.timeutil import utcnow

    with session_scope(engine) as session:
        _, mv = get_version(session, "credit-risk", "3")
        assert mv.id is not None
        session.add(
            Approval(
                model_version_id=mv.id, role=role, approver=who, artifact_digest=mv.artifact_digest, created_at=utcnow()
            )
        )


def test_the_training_run_author_cannot_approve(seeded: Engine) -> None:  # noqa: F811
    # dora owns the training job (OpenLineage ownership job facet): refused, in any spelling of her name.
    for spelling in ("dora", " Dora", "dora\n", "\uff44\uff4f\uff52\uff41"):
        result = gov("approve", "credit-risk", "3", "--role", "model-risk-officer", "--as", spelling)
        assert result.exit_code == 2, (spelling, result.output)
        assert "dora authored the training run" in result.stderr
    _insert_approval(seeded, "Dora ")  # recorded before the refusal: the rule's own check still applies
    gov("approve", "credit-risk", "3", "--role", "business-owner", "--as", "bob")
    outcome = _approval_outcome()
    assert outcome["verdict"] == "fail" and "Dora  as model-risk-officer (authored the training run)" in str(
        outcome["message"]
    )


def test_an_approval_for_a_different_artifact_digest_does_not_count(seeded: Engine) -> None:  # noqa: F811
    from governance.approvals.tables import Approval
    from governance.registry.service import get_version
    from governance.timeutil import utcnow

    with session_scope(seeded) as session:
        _, mv = get_version(session, "credit-risk", "3")
        assert mv.id is not None
        # What an approval of the previous build looks like: same version name, another artifact.
        session.add(
            Approval(
                model_version_id=mv.id,
                role="model-risk-officer",
                approver="mallory",
                artifact_digest=OTHER_DIGEST,
                created_at=utcnow(),
            )
        )
        approve(session, "credit-risk", "3", "business-owner", approver="bob")
    outcome = _approval_outcome()
    assert outcome["verdict"] == "fail"
    assert f"approved {OTHER_DIGEST[:19]}…, not this version's {DIGEST[:19]}…" in str(outcome["message"])
    refs = [e for e in outcome["evidence"] if e["kind"] == "approval"]
    assert [r["note"].startswith("not counted") for r in refs] == [True, False]


def test_approving_a_digest_you_did_not_review_is_refused(seeded: Engine) -> None:  # noqa: F811
    result = gov("approve", "credit-risk", "3", "--role", "business-owner", "--as", "bob", "--digest", OTHER_DIGEST)
    assert result.exit_code == 2
    assert result.stderr.startswith(f"error: --digest: you reviewed {OTHER_DIGEST}, but credit-risk 3 is {DIGEST}")
    with session_scope(seeded) as session, pytest.raises(ConflictError):
        approve(session, "credit-risk", "3", "business-owner", approver="bob", digest=OTHER_DIGEST)


def test_approve_uses_gov_user_by_default(seeded: Engine, monkeypatch: pytest.MonkeyPatch) -> None:  # noqa: F811
    monkeypatch.setenv("GOV_USER", "carol")
    assert "carol approved" in gov("approve", "credit-risk", "3", "--role", "business-owner").stdout
    assert gov("approve", "credit-risk", "9", "--role", "x").exit_code == 2
