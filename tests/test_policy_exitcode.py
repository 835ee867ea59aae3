"""The gate's exit codes, table-driven: the pure function of verdicts, then `gov check` end to end.

0 deployable, 1 blocked, 2 usage or input error, 3 internal or configuration error.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from sqlalchemy.engine import Engine

from governance.gate.exitcode import BLOCKED, CONFIG_ERROR, DEPLOYABLE, USAGE_ERROR, blocks, exit_code
from governance.policy.model import Mode, Verdict
from tests.conftest_policy import approve_all, seeded, seeded_template  # noqa: F401 - fixtures
from tests.helpers import gov

E, A = Mode.ENFORCE, Mode.AUDIT
P, F, W, WV, NE, ER = (Verdict.PASS, Verdict.FAIL, Verdict.WARN, Verdict.WAIVED, Verdict.NOT_EVALUATED, Verdict.ERROR)

TABLE = [
    ("no policy in scope", [], DEPLOYABLE),
    ("all pass", [(E, P), (E, P), (A, P)], DEPLOYABLE),
    ("enforce fail", [(E, P), (E, F)], BLOCKED),
    ("enforce not_evaluated (fail-closed)", [(E, P), (E, NE)], BLOCKED),
    ("enforce error (fail-closed)", [(E, P), (E, ER)], BLOCKED),
    ("audit warn never blocks", [(E, P), (A, W)], DEPLOYABLE),
    ("audit not_evaluated never blocks", [(A, NE)], DEPLOYABLE),
    ("audit error never blocks", [(A, ER)], DEPLOYABLE),
    ("audit fail never blocks", [(A, F)], DEPLOYABLE),
    ("enforce waived", [(E, WV), (E, P)], DEPLOYABLE),
    ("audit waived", [(A, WV)], DEPLOYABLE),
    ("enforce warn (a kind may warn)", [(E, W)], DEPLOYABLE),
    ("one blocker among many", [(A, W), (E, WV), (E, P), (A, ER), (E, NE)], BLOCKED),
    ("every blocking verdict", [(E, F), (E, NE), (E, ER)], BLOCKED),
]


@pytest.mark.parametrize(("name", "verdicts", "code"), TABLE, ids=[row[0] for row in TABLE])
def test_exit_code_is_a_function_of_mode_and_verdict(
    name: str, verdicts: list[tuple[Mode, Verdict]], code: int
) -> None:
    assert exit_code(verdicts) == code
    assert exit_code(reversed(verdicts)) == code  # order never matters


def test_blocks_is_exactly_enforce_and_fail_not_evaluated_or_error() -> None:
    blocking = {(m, v) for m in Mode for v in Verdict if blocks(m, v)}
    assert blocking == {(E, F), (E, Verdict.INCONCLUSIVE), (E, NE), (E, ER)}


def _write_bad_policy(tmp: Path) -> Path:
    folder = tmp / "bad-policies"
    folder.mkdir()
    (folder / "x.yaml").write_text("id: x\nkind: [\n")
    return folder


def _no_fairness(engine: Engine, tmp: Path) -> list[str]:
    from sqlalchemy import text

    approve_all(engine, _platform())
    with engine.begin() as conn:
        conn.execute(text("DELETE FROM fairness_evaluation"))
    return []


def _approved(engine: Engine, tmp: Path) -> list[str]:
    approve_all(engine, _platform())
    return []


def _platform():  # type: ignore[no-untyped-def]
    from tests.conftest_policy import Platform

    return Platform()


Setup = Callable[[Engine, Path], list[str]]
CHECK = ["check", "credit-risk", "3", "--target", "production"]
CLI_TABLE: list[tuple[str, Setup | None, list[str], int, str]] = [
    ("deployable", _approved, CHECK, DEPLOYABLE, "DEPLOYABLE"),
    (
        "deployable on a target few policies cover",
        None,
        ["check", "credit-risk", "3", "--target", "development"],
        DEPLOYABLE,
        "DEPLOYABLE",
    ),
    ("blocked: approvals missing", None, CHECK, BLOCKED, "needs 1 more approval(s) as model-risk-officer"),
    ("blocked: evidence missing is not_evaluated", _no_fairness, CHECK, BLOCKED, "NOT_EVALUATED"),
    (
        "staging needs validation evidence but no approval",
        None,
        ["check", "credit-risk", "3", "--target", "staging"],
        DEPLOYABLE,
        "DEPLOYABLE",
    ),
    (
        "unknown model",
        None,
        ["check", "nope", "3", "--target", "production"],
        USAGE_ERROR,
        "error: no registered model named 'nope'",
    ),
    (
        "unknown version",
        None,
        ["check", "credit-risk", "9", "--target", "production"],
        USAGE_ERROR,
        "error: model 'credit-risk' has no version '9'",
    ),
    ("unknown format", None, [*CHECK, "--format", "xml"], USAGE_ERROR, "error: --format: unknown format 'xml'"),
    ("missing --target", None, ["check", "credit-risk", "3"], USAGE_ERROR, "Missing option '--target'"),
    ("missing arguments", None, ["check"], USAGE_ERROR, "Missing argument"),
    ("unknown option", None, [*CHECK, "--bogus"], USAGE_ERROR, "No such option"),
    ("empty target", None, ["check", "credit-risk", "3", "--target", " "], USAGE_ERROR, "error: --target:"),
    (
        "missing policy folder",
        None,
        [*CHECK, "--policies", "/nonexistent/policies"],
        CONFIG_ERROR,
        "error: --policies: policy folder /nonexistent/policies does not exist",
    ),
    (
        "malformed policy",
        lambda e, t: ["--policies", str(_write_bad_policy(t))],
        CHECK,
        CONFIG_ERROR,
        "x.yaml:3: malformed YAML",
    ),
]


@pytest.mark.parametrize(("name", "setup", "args", "code", "says"), CLI_TABLE, ids=[r[0] for r in CLI_TABLE])
def test_gov_check_exit_codes(
    seeded: Engine,
    tmp_path: Path,
    name: str,
    setup: Setup | None,
    args: list[str],  # noqa: F811
    code: int,
    says: str,
) -> None:
    extra = setup(seeded, tmp_path) if setup else []
    result = gov(*args, *extra)
    assert result.exit_code == code, result.output
    assert says in result.output
    assert "Traceback" not in result.output
    if code >= USAGE_ERROR:
        assert result.stdout == "" or "Usage" in result.stderr or code == CONFIG_ERROR


def test_unreachable_database_is_a_configuration_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GOV_DATABASE_URL", "postgresql+psycopg://gov@127.0.0.1:1/none?connect_timeout=2")
    result = gov(*CHECK)
    assert result.exit_code == CONFIG_ERROR, result.output
    assert result.output.startswith("error: ") and "Traceback" not in result.output
