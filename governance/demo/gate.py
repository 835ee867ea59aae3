"""The demo's gate: `gov check` of both models, the signed ledger checkpoint, and credit-risk's monitoring re-check."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from governance.demo.data import EXPECTED, POLICIES, STAGE_DATA, TARGET, DemoResult
from governance.demo.evidence import metrics


def gate(engine: Any, say: Callable[[str], None], result: DemoResult, signer: Any) -> None:
    from governance.ledger.chain import write_checkpoint
    from governance.store.db import session_scope

    for model, version, expected in EXPECTED:
        report = _check(engine, model, version)
        state = "deployable" if report.deployable else "blocked"
        result.outcomes[f"{model} {version}"] = state
        why = "" if report.deployable else " by " + ", ".join(o.policy_id for o in report.blocking)
        say(
            f"[7] gate: {model} {version} -> {TARGET}: {state.upper()} (exit {report.exit_code}){why}; "
            f"decision {report.decision_id[:8]}, ledger {report.ledger}"
        )
        stage_blocks = [o for o in report.blocking if o.policy_id.startswith("stage.")]
        for o in stage_blocks:
            say(f"    {o.policy_id} ({o.verdict.value}): {o.message}")
        for f in report.findings:
            if f.get("kind") == "degrading_metric":
                say(f"    finding (does not block): {f.get('message')}")
        if state != expected:
            say(f"    NOTE: the demo expects {model} {version} to be {expected}. What blocks it:")
            for o in report.blocking:
                say(f"      {o.policy_id}: {o.message}")
    with session_scope(engine) as session:
        cp, _new = write_checkpoint(session, signer) if _ledger_has_entries(session) else (None, False)
    if cp is not None:
        say(f"    ledger checkpoint signed at seq {cp.seq} (head {cp.head_digest[:23]}…)")


def _check(engine: Any, model: str, version: str) -> Any:
    """`gov check` of `model` `version` for the demo's target, as the demo pipeline requests it."""
    from governance.gate.service import run_check
    from governance.store.db import session_scope

    with session_scope(engine) as session:
        return run_check(
            session,
            model,
            version,
            TARGET,
            policy_dir=POLICIES,
            requested_by="demo-pipeline",
            ci_env={"GOV_PIPELINE_ID": "gov-demo"},
        )


def monitoring(engine: Any, say: Callable[[str], None], result: DemoResult) -> None:
    """credit-risk 3 entered production with its deployable decision: drift over a window of production
    traffic that starts then is monitoring evidence, and the re-check shows stage.drift-monitoring met."""
    from functools import partial

    from governance.evidence.drift import drift_from_files
    from governance.gate.queries import entered_target
    from governance.identity import cli_submitter
    from governance.lineage.evidence_runs import record_stage_traced
    from governance.registry.service import get_version
    from governance.store.db import session_scope
    from governance.timeutil import iso, utcnow

    model, version = "credit-risk", "3"
    if result.outcomes.get(f"{model} {version}") != "deployable":
        return
    with session_scope(engine) as session:
        _, mv = get_version(session, model, version)
        assert mv.id is not None
        entered = entered_target(session, mv.id, TARGET)
    if entered is None:
        return
    reference, window = STAGE_DATA / "credit_risk_reference.csv", STAGE_DATA / "credit_risk_production.csv"
    compute = partial(drift_from_files, str(reference), str(window), window_start=entered, window_end=utcnow())
    stored = record_stage_traced(
        engine, model, version, compute, [str(reference), str(window)], submitted_by=cli_submitter()
    )
    say(
        f"[8] monitoring: {model} {version} entered {TARGET} at {iso(entered)}; drift over production traffic "
        f"since then: {metrics(stored.result)}"
    )
    report = _check(engine, model, version)
    monitored = next((o for o in report.outcomes if o.policy_id == "stage.drift-monitoring"), None)
    verdict = monitored.verdict.value if monitored is not None else "not in the bundle"
    state = "DEPLOYABLE" if report.deployable else "BLOCKED"
    say(f"[8] re-check: {model} {version} -> {TARGET}: {state}; stage.drift-monitoring {verdict}")


def _ledger_has_entries(session: Any) -> bool:
    from sqlmodel import select

    from governance.ledger.tables import LedgerEntry

    return session.exec(select(LedgerEntry).limit(1)).first() is not None
