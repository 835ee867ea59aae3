"""Waivers: scope, expiry, revocation, and their presence in every output format."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy.engine import Engine

from governance.approvals.records import waive
from governance.errors import InputError, NotFoundError
from governance.store.db import session_scope
from governance.timeutil import utcnow
from tests.conftest_policy import seeded, seeded_template  # noqa: F401 - fixtures
from tests.helpers import gov

CHECK = ["check", "credit-risk", "3", "--target", "production"]
WAIVE = ["waive", "approval.two-person", "--reason", "hotfix for incident 12", "--ticket", "CHG-981", "--as", "cro"]
# The default waiver_scope (`version`): one model and one version.
ONE = ["--model", "credit-risk", "--version", "3"]
# approval.two-person is `waivable: false`: its waiver is in force once a second person co-signs it.
COSIGN = ["policy", "cosign-waiver", "1", "--as", "cfo"]


def _report() -> tuple[int, dict[str, Any]]:
    result = gov(*CHECK, "--format", "json")
    return result.exit_code, json.loads(result.stdout)


def _outcome(report: dict[str, Any]) -> dict[str, Any]:
    return next(o for o in report["outcomes"] if o["policy_id"] == "approval.two-person")


def test_an_active_waiver_waives_and_unblocks(seeded: Engine) -> None:  # noqa: F811
    result = gov(*WAIVE, "--expires", "P7D", *ONE, "--target", "production")
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("waiver 1: approval.two-person waived for credit-risk 3 on production until ")
    assert "a second person must run `gov policy cosign-waiver 1`" in result.stderr
    code, report = _report()
    assert code == 1 and _outcome(report)["waivers"][0]["status"] == "awaiting_second_person"
    assert gov("policy", "cosign-waiver", "1", "--as", "CRO ").exit_code == 2  # not the same person twice
    assert gov(*COSIGN).exit_code == 0, "the second person co-signs"
    code, report = _report()
    outcome = _outcome(report)
    assert code == 0 and outcome["verdict"] == "waived" and outcome["rule_verdict"] == "fail"
    assert outcome["waiver"]["ticket"] == "CHG-981" and outcome["waiver"]["status"] == "applied"
    assert str(outcome["message"]).startswith("waived by waiver 1 (CHG-981, until ")


def test_an_expired_waiver_no_longer_applies(seeded: Engine) -> None:  # noqa: F811
    with session_scope(seeded) as session:
        waive(
            session,
            "approval.two-person",
            reason="old exception",
            ticket="CHG-1",
            approver="cro",
            expires_at=utcnow() - timedelta(days=1),
            model_glob="credit-risk",
            version="3",
            now=utcnow() - timedelta(days=30),
        )
    code, report = _report()
    outcome = _outcome(report)
    assert code == 1 and outcome["verdict"] == "fail" and outcome["waiver"] is None
    assert outcome["waivers"][0]["status"] == "expired"
    assert report["waivers"][0]["ticket"] == "CHG-1"


def test_a_revoked_waiver_no_longer_applies(seeded: Engine) -> None:  # noqa: F811
    gov(*WAIVE, "--expires", "P7D", *ONE)
    gov(*COSIGN)
    assert _report()[0] == 0
    assert gov("policy", "revoke-waiver", "1", "--as", "cro").exit_code == 0
    code, report = _report()
    assert code == 1 and _outcome(report)["waivers"][0]["status"] == "revoked"
    assert gov("policy", "revoke-waiver", "1").exit_code == 2  # already revoked: a conflict


def test_a_waiver_for_another_scope_does_not_apply(seeded: Engine) -> None:  # noqa: F811
    for scope in (["--model", "fraud-detector", "--version", "3"], ["--model", "credit-risk", "--version", "2"]):
        assert gov(*WAIVE, "--expires", "P7D", *scope).exit_code == 0
    assert gov(*WAIVE, "--expires", "P7D", *ONE, "--target", "staging").exit_code == 0
    code, report = _report()
    assert code == 1 and _outcome(report)["waivers"] == []


@pytest.mark.parametrize("fmt", ["text", "json", "sarif", "junit"])
def test_waivers_appear_in_every_output(seeded: Engine, fmt: str) -> None:  # noqa: F811
    gov(*WAIVE, "--expires", "P7D", *ONE)
    gov(*COSIGN)
    result = gov(*CHECK, "--format", fmt)
    assert result.exit_code == 0
    out = result.stdout
    if fmt == "text":
        assert "waivers:\n  #1 approval.two-person: applied, ticket CHG-981" in out
    elif fmt == "json":
        assert json.loads(out)["waivers"][0]["status"] == "applied"
    elif fmt == "sarif":
        result_ = next(r for r in json.loads(out)["runs"][0]["results"] if r["ruleId"] == "approval.two-person")
        assert result_["suppressions"][0]["status"] == "accepted"
        assert "CHG-981" in result_["suppressions"][0]["justification"]
    else:
        case = next(c for c in ET.fromstring(out).iter("testcase") if c.get("name") == "approval.two-person")
        skipped = case.find("skipped")
        assert skipped is not None and "CHG-981" in (skipped.get("message") or "")


def test_waiver_input_is_checked(seeded: Engine) -> None:  # noqa: F811
    assert "is not in the future" in gov(*WAIVE, "--expires", "2001-01-01", *ONE).stderr
    assert gov(*WAIVE, "--expires", "soon", *ONE).exit_code == 2
    unknown = gov("waive", "no.such.policy", "--reason", "r", "--ticket", "t", "--expires", "P1D")
    assert unknown.exit_code == 2 and "no policy 'no.such.policy'" in unknown.stderr
    with session_scope(seeded) as session:
        with pytest.raises(InputError):
            waive(
                session,
                "approval.two-person",
                reason=" ",
                ticket="t",
                approver="a",
                expires_at=utcnow() + timedelta(days=1),
            )
        with pytest.raises(NotFoundError):
            waive(
                session,
                "x",
                reason="r",
                ticket="t",
                approver="a",
                expires_at=utcnow() + timedelta(days=1),
                known_policies={"y"},
            )


def test_list_waivers(seeded: Engine) -> None:  # noqa: F811
    gov(*WAIVE, "--expires", "P7D", *ONE)
    listed = json.loads(gov("policy", "waivers", "--format", "json").stdout)
    assert [(w["id"], w["status"], w["ticket"]) for w in listed] == [(1, "awaiting_second_person", "CHG-981")]
    gov(*COSIGN)
    listed = json.loads(gov("policy", "waivers", "--format", "json").stdout)
    assert [(w["id"], w["status"], w["ticket"]) for w in listed] == [(1, "active", "CHG-981")]
    gov("policy", "revoke-waiver", "1")
    assert json.loads(gov("policy", "waivers", "--format", "json").stdout) == []
    assert len(json.loads(gov("policy", "waivers", "--all", "--format", "json").stdout)) == 1
