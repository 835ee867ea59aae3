"""docs/policies.md stays in step with the code: every command, kind, metric, verdict and shipped policy."""

from __future__ import annotations

from pathlib import Path

import pytest

from governance.policy.kinds import KINDS
from governance.policy.kinds.bias_threshold import METRICS
from governance.policy.loader import load_bundle
from governance.policy.model import Verdict
from tests.conftest_policy import DEFAULT_POLICIES

DOC = (Path(__file__).resolve().parents[1] / "docs" / "policies.md").read_text()


def _commands() -> list[str]:
    from governance.cli import decision, policy

    out = ["gov check", "gov approve", "gov waive"]
    for prefix, app in (("gov policy", policy.app), ("gov decision", decision.app)):
        out += [f"{prefix} {c.name}" for c in app.registered_commands]
    return out


@pytest.mark.parametrize("command", _commands())
def test_every_command_is_documented(command: str) -> None:
    assert command in DOC


@pytest.mark.parametrize("name", [*KINDS, *METRICS, *(v.value for v in Verdict)])
def test_every_kind_metric_and_verdict_is_documented(name: str) -> None:
    if name.startswith("group."):  # documented as group.RATE with the list of rates
        assert "`group.RATE`" in DOC and f"`{name.split('.', 1)[1]}`" in DOC
    else:
        assert f"`{name}`" in DOC


def test_every_shipped_policy_is_in_the_table() -> None:
    for policy in load_bundle(DEFAULT_POLICIES).policies:
        assert f"| `{policy.id}` | {policy.kind} | {policy.mode.value} |" in DOC
