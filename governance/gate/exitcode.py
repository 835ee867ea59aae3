"""The gate's exit code: a pure function of (mode, verdict) pairs.

0 deployable, 1 blocked. Usage or input errors (2) and internal or configuration errors (3) never
reach this function: they are raised as exceptions and translated at the CLI edge.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

# Which verdict blocks in which mode is the policy language's; the numbers are the gate's.
from governance.policy.model import BLOCKING_VERDICTS, Mode, Verdict, blocks

if TYPE_CHECKING:
    from governance.policy.evaluator import Evaluation

__all__ = [
    "BLOCKED",
    "BLOCKING_VERDICTS",
    "CONFIG_ERROR",
    "DEPLOYABLE",
    "USAGE_ERROR",
    "blocks",
    "evaluation_exit_code",
    "exit_code",
]

DEPLOYABLE = 0
BLOCKED = 1
USAGE_ERROR = 2
CONFIG_ERROR = 3


def exit_code(verdicts: Iterable[tuple[Mode, Verdict]]) -> int:
    """0 when nothing blocks, 1 when at least one enforce-mode verdict blocks."""
    return BLOCKED if any(blocks(mode, verdict) for mode, verdict in verdicts) else DEPLOYABLE


def evaluation_exit_code(evaluation: Evaluation) -> int:
    """The exit code of one evaluation of a bundle."""
    return exit_code((o.mode, o.verdict) for o in evaluation.outcomes)
