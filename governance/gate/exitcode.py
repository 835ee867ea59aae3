"""The gate's exit code: a pure function of (mode, verdict) pairs.

0 deployable, 1 blocked. Usage or input errors (2) and internal or configuration errors (3) never
reach this function: they are raised as exceptions and translated at the CLI edge.
"""

from __future__ import annotations

from collections.abc import Iterable

from governance.policy.model import Mode, Verdict

DEPLOYABLE = 0
BLOCKED = 1
USAGE_ERROR = 2
CONFIG_ERROR = 3

# Fail-closed: missing evidence and a broken rule block exactly like a failure.
BLOCKING_VERDICTS = frozenset({Verdict.FAIL, Verdict.NOT_EVALUATED, Verdict.ERROR})


def blocks(mode: Mode, verdict: Verdict) -> bool:
    """Whether one verdict blocks: only in enforce mode, and never pass, warn or waived."""
    return mode is Mode.ENFORCE and verdict in BLOCKING_VERDICTS


def exit_code(verdicts: Iterable[tuple[Mode, Verdict]]) -> int:
    """0 when nothing blocks, 1 when at least one enforce-mode verdict blocks."""
    return BLOCKED if any(blocks(mode, verdict) for mode, verdict in verdicts) else DEPLOYABLE
