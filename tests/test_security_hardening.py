"""Issue 12, items 5-8 and 10, each tried the way an attacker would: hostile JSON, an expensive CEL
condition, DNS rebinding against `--no-auth`, a rewritten or re-signed ledger, claimed CI variables."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text
from sqlalchemy.engine import Engine

from governance.auth.roles import Role
from governance.ledger.chain import GENESIS, write_checkpoint
from governance.signing.keys import KeyPaths, init_keys
from governance.signing.ledger_keys import find_signer
from governance.store.db import session_scope
from tests.helpers import EXAMPLES, gov
from tests.ledger_helpers import append, reference_digest, rows, tamper, verify
from tests.service_helpers import assert_error_shape, bearer, register_version

pytest_plugins = ["tests.conftest_service", "tests.conftest_ledger"]

DEEP = "[" * 1000 + "]" * 1000
HUGE_INT = "1" + "0" * 5000


def _event() -> dict[str, Any]:
    return dict(json.loads((EXAMPLES / "credit_platform.jsonl").read_text().splitlines()[0]))


def _with(raw_value: str) -> str:
    """The example event with one more run facet field holding `raw_value` verbatim."""
    event = _event()
    event["run"]["facets"]["attack"] = {"_producer": "https://x.example/p", "_schemaURL": "https://x.example/s", "v": 0}
    return json.dumps(event).replace('"v": 0', f'"v": {raw_value}')


HOSTILE = {
    "nested_1000_deep": (_with(DEEP), "nested deeper than 128", "$.run.facets.attack.v[0]"),
    "integer_over_4300_digits": (_with(HUGE_INT), "64-bit range", "$.run.facets.attack.v"),
    "count_2_to_the_63": (_with(str(2**63)), "64-bit range", "$.run.facets.attack.v"),
    "minus_2_to_the_63_minus_1": (_with(str(-(2**63) - 1)), "64-bit range", "$.run.facets.attack.v"),
    "NaN": (_with("NaN"), "NaN is not JSON", "$.run.facets.attack.v"),
    "Infinity": (_with("Infinity"), "Infinity is not JSON", "$.run.facets.attack.v"),
    "minus_Infinity": (_with("-Infinity"), "Infinity is not JSON", "$.run.facets.attack.v"),
    "1e400": (_with("1e400"), "not a finite double", "$.run.facets.attack.v"),
}


def _rejected(engine: Engine) -> list[tuple[str, str | None, str]]:
    with engine.connect() as conn:
        return [
            tuple(r) for r in conn.execute(text("SELECT payload, json_path, reason FROM rejected_event ORDER BY id"))
        ]


# ---------------------------------------------------------------- item 6: hostile JSON


@pytest.mark.parametrize("case", sorted(HOSTILE))
def test_hostile_json_is_400_with_its_path_and_kept(
    case: str, api: Any, tokens: dict[Role, str], engine: Engine
) -> None:
    body, reason, path = HOSTILE[case]
    ingest = {**bearer(tokens[Role.INGEST]), "Content-Type": "application/json"}
    single = assert_error_shape(api.post("/api/v1/lineage", content=body, headers=ingest), 400)
    assert reason in single["message"] and single["where"].startswith(path)
    batch = assert_error_shape(api.post("/api/v1/lineage/batch", content=f"[{body}]", headers=ingest), 400)
    assert reason in batch["message"] and batch["where"].startswith("$[0]" + path[1:])
    kept = _rejected(engine)
    assert [payload for payload, _, _ in kept] == [body, f"[{body}]"]  # the bodies, verbatim
    assert all(reason in why for _, _, why in kept)
    with engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM raw_event")).scalar() == 0


def test_the_bounds_are_exact(api: Any, tokens: dict[Role, str]) -> None:
    ingest = {**bearer(tokens[Role.INGEST]), "Content-Type": "application/json"}
    for value in (str(2**63 - 1), str(-(2**63)), "1e308", "[" * 100 + "]" * 100, '"NaN"'):
        response = api.post("/api/v1/lineage", content=_with(value), headers=ingest)
        assert response.status_code == 201, (value[:20], response.text)


@pytest.mark.parametrize(
    "route", ["/api/v1/models", "/api/v1/checks", "/api/v1/approvals", "/api/v1/waivers", "/api/v1/tokens"]
)
@pytest.mark.parametrize(
    ("body", "where"),
    [
        (DEEP, "$[0]"),
        ('{"name": ' + HUGE_INT + "}", "$.name"),
        ('{"name": "m", "x": [1, NaN]}', "$.x[1]"),
        ('{"name": 1e400}', "$.name"),
        ('{"name": 9223372036854775808}', "$.name"),
    ],
)
def test_hostile_json_on_every_other_route_is_400_with_its_path(
    route: str, body: str, where: str, api: Any, tokens: dict[Role, str]
) -> None:
    headers = {**bearer(tokens[Role.ADMIN]), "Content-Type": "application/json"}
    error = assert_error_shape(api.post(route, content=body, headers=headers), 400)
    assert error["where"].startswith(where)


def test_hostile_json_in_files_is_rejected_not_a_crash(sqlite_engine: Engine, tmp_path: Path) -> None:
    lines = tmp_path / "events.jsonl"
    lines.write_text("\n".join(body for body, _, _ in HOSTILE.values()) + "\n")
    array = tmp_path / "events.json"
    array.write_text("[" + json.dumps(_event()) + ", " + HOSTILE["NaN"][0] + "]")
    result = gov("lineage", "ingest", str(lines), str(array))
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output and "internal error" not in result.output
    kept = _rejected(sqlite_engine)
    assert len(kept) == len(HOSTILE) + 1
    assert all(path and path.startswith("$") for _, path, _ in kept[: len(HOSTILE)])
    assert "$.run.facets.attack.v: NaN is not JSON" in kept[-1][2]  # only the bad element of the array
    with sqlite_engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM raw_event")).scalar() == 1


# ---------------------------------------------------------------- item 7: CEL bounded

HEAD = """\
id: {id}
version: 1.0.0
title: t
owner: o
rationale: r
remediation: fix it
controls: [eu-ai-act:Art. 9]
mode: enforce
severity: high
kind: condition
rule:
  expression: '{expr}'
"""


def _nested_alls(depth: int, items: int = 7) -> str:
    literal = "[" + ", ".join(str(i) for i in range(items)) + "]"
    expr = "true"
    for level in reversed(range(depth)):
        expr = f"{literal}.all(x{level}, x{level} >= 0 && {expr})"
    return expr


def test_eight_nested_alls_are_an_error_quickly_not_21_seconds(monkeypatch: pytest.MonkeyPatch) -> None:
    """The bound is checked before the expression runs (the CEL runtime cannot be interrupted): the
    expression is never run, so the error is quick whatever the machine's load."""
    from governance.gate.exitcode import BLOCKED, evaluation_exit_code
    from governance.policy.cel import Expression
    from governance.policy.context import EvaluationContext
    from governance.policy.evaluator import evaluate_bundle
    from governance.policy.loader import load_documents
    from governance.policy.model import Verdict

    bundle, problems = load_documents({"slow.yaml": HEAD.format(id="slow", expr=_nested_alls(8))}, "mem")
    assert bundle is not None and not problems
    ran: list[str] = []

    def run(self: Expression, activation: dict[str, Any]) -> Any:
        ran.append(self.source)
        raise AssertionError("the expression ran")

    monkeypatch.setattr(Expression, "run", run)
    started = time.process_time()  # CPU time: other processes loading the machine cannot fail it
    evaluation = evaluate_bundle(bundle, EvaluationContext.from_dict({}))
    assert not ran, "the expression ran: the cost bound was not checked first"
    assert time.process_time() - started < 2
    (outcome,) = evaluation.outcomes
    assert outcome.verdict is Verdict.ERROR and outcome.blocking
    assert "cost bound" in outcome.message and "max_cost" in outcome.message and "\n" not in outcome.message
    assert evaluation_exit_code(evaluation) == BLOCKED


def test_the_cost_bound_is_configurable_and_small_expressions_still_run(monkeypatch: pytest.MonkeyPatch) -> None:
    from governance.policy.context import EvaluationContext
    from governance.policy.evaluator import evaluate_bundle
    from governance.policy.loader import load_documents
    from governance.policy.model import Verdict

    def verdict(expr: str, extra: str = "") -> Verdict:
        bundle, problems = load_documents({"p.yaml": HEAD.format(id="p", expr=expr) + extra}, "mem")
        assert bundle is not None and not problems, problems
        return evaluate_bundle(bundle, EvaluationContext.from_dict({})).outcomes[0].verdict

    assert verdict(_nested_alls(2)) is Verdict.PASS  # 8**2 steps
    assert verdict(_nested_alls(2), "  max_cost: 10\n") is Verdict.ERROR  # the rule's own bound
    monkeypatch.setenv("GOV_CEL_MAX_COST", "10")
    assert verdict(_nested_alls(2)) is Verdict.ERROR
    assert verdict("1 < 2") is Verdict.PASS  # no comprehension: cost 1


def test_lint_flags_nested_comprehensions(tmp_path: Path) -> None:
    from governance.policy.lint import lint

    (tmp_path / "deep.yaml").write_text(HEAD.format(id="deep", expr=_nested_alls(4, items=1)))
    (tmp_path / "flat.yaml").write_text(HEAD.format(id="flat", expr=_nested_alls(2, items=1)))
    report = lint(tmp_path)
    flagged = [p for p in report.errors if "cost bound" in p.message]
    assert [p.file for p in flagged] == ["deep.yaml"]
    assert "nested 4 deep" in flagged[0].message


# ---------------------------------------------------------------- item 8: --no-auth checks Host


@pytest.mark.parametrize(
    ("host", "served"),
    [
        ("localhost", True),
        ("localhost:8000", True),
        ("LOCALHOST.", True),
        ("127.0.0.1", True),
        ("127.1.2.3:9", True),
        ("[::1]", True),
        ("[::1]:8000", True),
        ("evil.example", False),
        ("evil.example:8000", False),
        ("localhost.evil.example", False),
        ("127.0.0.1.nip.io", False),
        ("10.0.0.1", False),
        ("[::2]:80", False),
        ("localhost:80:80", False),
        ("", False),
    ],
)
def test_no_auth_serves_only_loopback_host_names(engine: Engine, policy_dir: Path, host: str, served: bool) -> None:
    from fastapi.testclient import TestClient

    from governance.api.app import Settings, create_app

    app = create_app(engine, Settings(auth=False, policy_dir=policy_dir))
    with TestClient(app, raise_server_exceptions=False) as client:
        for response in (
            client.get("/api/v1/whoami", headers={"Host": host}),
            client.get("/health", headers={"Host": host}),
            client.post("/api/v1/lineage", json=_event(), headers={"Host": host}),  # the fast path
        ):
            if served:
                assert response.status_code in (200, 201), response.text
            else:
                assert_error_shape(response, 421)


def test_with_tokens_the_host_is_not_restricted(api: Any, tokens: dict[Role, str]) -> None:
    response = api.get("/api/v1/whoami", headers={**bearer(tokens[Role.AUDITOR]), "Host": "gov.bank.example"})
    assert response.status_code == 200


# ---------------------------------------------------------------- item 5: ledger trust roots


def _rewrite(engine: Engine, model: str = "innocent-model") -> None:
    """The attacker edits entry 2 and recomputes every digest and link after it (UNIQUE columns first)."""
    entries, prev = rows(engine), GENESIS
    for e in entries:
        if e["seq"] == 2:
            e["model"] = model
        e["prev_digest"] = prev
        e["digest"] = prev = reference_digest(e)
    tamper(
        engine,
        "UPDATE ledger_entry SET digest = 'x' || seq, prev_digest = 'y' || seq",
        *(
            f"UPDATE ledger_entry SET model = '{e['model']}', prev_digest = '{e['prev_digest']}', "
            f"digest = '{e['digest']}' WHERE seq = {e['seq']}"
            for e in entries
        ),
    )


def test_a_rewritten_chain_with_deleted_checkpoints_fails_against_trust_roots(
    sqlite_engine: Engine, keys: KeyPaths, monkeypatch: pytest.MonkeyPatch
) -> None:
    append(sqlite_engine, 4, every=3)
    _rewrite(sqlite_engine)
    tamper(sqlite_engine, "DELETE FROM ledger_checkpoint")
    assert verify(sqlite_engine).ok  # nothing in the database contradicts it: that is why roots exist
    report = verify(sqlite_engine, trust_roots=[keys.cert.read_text()])
    assert {p.kind for p in report.problems} == {"checkpoint_missing"}
    by_flag = gov("ledger", "verify", "--trust-cert", str(keys.cert))
    assert by_flag.exit_code == 1 and "checkpoint_missing" in by_flag.stdout
    assert gov("ledger", "verify").exit_code == 1  # default: this installation's own key (GOV_HOME/keys)
    monkeypatch.setenv("GOV_LEDGER_TRUST", str(keys.cert))
    assert gov("ledger", "verify").exit_code == 1


def test_deleting_the_newest_checkpoints_leaves_a_gap_that_fails(sqlite_engine: Engine, keys: KeyPaths) -> None:
    append(sqlite_engine, 7, every=3)  # checkpoints at 3 and 6
    tamper(sqlite_engine, "DELETE FROM ledger_checkpoint WHERE seq = 6")
    report = verify(sqlite_engine, trust_roots=[keys.cert.read_text()], checkpoint_every=3)
    assert [(p.seq, p.kind) for p in report.problems] == [(6, "checkpoint_missing")]


def test_a_chain_resigned_with_an_attacker_key_fails_with_trust_roots(
    sqlite_engine: Engine, keys: KeyPaths, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    trusted = keys.cert.read_text()
    append(sqlite_engine, 3, every=3)
    _rewrite(sqlite_engine)
    tamper(sqlite_engine, "DELETE FROM ledger_checkpoint")
    init_keys(tmp_path / "attacker")
    signer = find_signer(tmp_path / "attacker")
    assert signer is not None
    with session_scope(sqlite_engine) as session:
        write_checkpoint(session, signer)
    report = verify(sqlite_engine, trust_roots=[trusted])
    assert [(p.seq, p.kind) for p in report.problems] == [(3, "untrusted_signer")]
    monkeypatch.setenv("GOV_LEDGER_TRUST", str(keys.cert))
    assert gov("ledger", "verify").exit_code == 1


def test_the_api_verifies_against_the_servers_roots(
    engine: Engine, keys: KeyPaths, tmp_path: Path, api: Any, tokens: dict[Role, str]
) -> None:
    auditor = bearer(tokens[Role.AUDITOR])
    append(engine, 3, every=3)
    assert api.get("/api/v1/ledger/verify", headers=auditor).json()["ok"] is True
    init_keys(tmp_path / "attacker")
    signer = find_signer(tmp_path / "attacker")
    assert signer is not None
    tamper(engine, "DELETE FROM ledger_checkpoint")
    with session_scope(engine) as session:
        write_checkpoint(session, signer)
    verified = api.get("/api/v1/ledger/verify", headers=auditor).json()
    assert verified["ok"] is False and verified["trusted_signer"] is True
    assert [p["kind"] for p in verified["problems"]] == ["untrusted_signer"]


def test_a_deleted_entry_whose_decision_row_stays_fails(api: Any, tokens: dict[Role, str], engine: Engine) -> None:
    register_version(api, tokens[Role.ADMIN])
    checker, auditor = bearer(tokens[Role.CHECKER]), bearer(tokens[Role.AUDITOR])
    for _ in range(2):
        r = api.post(
            "/api/v1/checks", headers=checker, json={"model": "credit", "version": "1", "target": "production"}
        )
        assert r.status_code == 201 and r.json()["ledger"] == "appended"
    assert api.get("/api/v1/ledger/verify", headers=auditor).json()["ok"] is True
    tamper(engine, "DELETE FROM ledger_entry WHERE seq = 2")  # the newest: no link left broken
    verified = api.get("/api/v1/ledger/verify", headers=auditor).json()
    assert verified["ok"] is False and verified["blocked_decisions"] == 2 and verified["entries_checked"] == 1
    assert [p["kind"] for p in verified["problems"]] == ["unrecorded_decision"]


# ---------------------------------------------------------------- item 10: CI variables are claims


def test_ci_variables_are_labelled_as_claimed_by_the_pipeline(sqlite_engine: Engine, tmp_path: Path) -> None:
    append(sqlite_engine, 1)
    html = tmp_path / "blocked.html"
    assert gov("report", "blocked", "--format", "html", "--out", str(html)).exit_code == 0
    page = html.read_text()
    assert "as reported by the pipeline" in page and "GITHUB_RUN_ID" in page and "token identity" in page
    register = json.loads(gov("report", "blocked", "--format", "json").stdout)
    assert "as reported by the pipeline" in register["provenance"]["ci"]
    assert "token" in register["provenance"]["requested_by"]


def test_the_ledger_api_labels_ci_variables_as_claims(api: Any, tokens: dict[Role, str], engine: Engine) -> None:
    append(engine, 1)
    listing = api.get("/api/v1/ledger", headers=bearer(tokens[Role.AUDITOR])).json()
    assert listing["entries"][0]["ci"] == {"GITHUB_RUN_ID": "1000"}
    assert "as reported by the pipeline" in listing["provenance"]["ci"]
