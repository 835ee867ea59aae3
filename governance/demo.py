"""`gov demo`: the whole product on a fresh SQLite store with the bundled example data.

Each step is a plain call of the same service functions the CLI and API use: ingest the example OpenLineage
events, register two models, compute fairness evidence on the bundled synthetic predictions, record approvals
(one violating separation of duties), run the gate with the default policies, sign a ledger checkpoint, and
write the signed audit report, the maturity scorecard and the register of blocked deployments.
"""

from __future__ import annotations

import shutil
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any

from governance.assets import asset_path
from governance.errors import ConfigError

EXAMPLES = asset_path("lineage", "examples")
PREDICTIONS = EXAMPLES / "predictions"
STAGE_DATA = EXAMPLES / "stages"  # synthetic validation-stage data (make_stage_data.py beside it)
POLICIES = asset_path("policies", "default")
CREDIT_RUN = "55cbe03c-43cf-56cf-a69b-2c6acc32403c"
FRAUD_RUN = "7bb2fc67-fc6e-5c03-bf21-a841428344a9"
CREDIT_MODEL_DATASET = "dataset:s3://bank-ml-lake:models/credit-risk/3"
TARGET = "production"
# (model, version, expected gate outcome): what the demo is built to show.
EXPECTED = (("credit-risk", "3", "deployable"), ("fraud-detector", "7", "blocked"))
# credit-risk's earlier versions: (version, registry stage, how long ago it was registered and validated)
HISTORY = (("1", "archived", timedelta(days=210)), ("2", "production", timedelta(days=120)))
APPROVALS = (
    ("credit-risk", "3", "model-risk-officer", "carol", "Validation pack reviewed; within appetite."),
    ("credit-risk", "3", "business-owner", "dave", "Approved for the consumer lending book."),
    # bob created fraud-detector 7: separation of duties refuses his approval, so the gate blocks it.
    ("fraud-detector", "7", "model-risk-officer", "bob", "Looks good to me."),
    ("fraud-detector", "7", "business-owner", "erin", "Approved for card payments."),
)


@dataclass
class DemoResult:
    out_dir: Path
    database_url: str
    lines: list[str] = field(default_factory=list)
    files: dict[str, Path] = field(default_factory=dict)
    outcomes: dict[str, str] = field(default_factory=dict)  # "model version" -> deployable | blocked
    verified: dict[str, bool] = field(default_factory=dict)
    seconds: float = 0.0


def _fresh_store(out_dir: Path) -> str:
    db_path = out_dir / "demo.db"
    for suffix in ("", "-wal", "-shm"):
        Path(f"{db_path}{suffix}").unlink(missing_ok=True)
    return f"sqlite:///{db_path}"


def run_demo(out_dir: Path, *, echo: Callable[[str], None] = print) -> DemoResult:
    """Run every step into `out_dir` (store, keys, reports) and say where the results are."""
    from governance.store.db import make_engine
    from governance.store.migrate import upgrade

    for needed in (EXAMPLES, PREDICTIONS, STAGE_DATA, POLICIES):
        if not needed.is_dir():
            raise ConfigError(f"example data not found at {needed}", hint="run from a source checkout")
    started = time.perf_counter()
    out_dir.mkdir(parents=True, exist_ok=True)
    url = _fresh_store(out_dir)
    engine = make_engine(url)
    upgrade(engine)
    result = DemoResult(out_dir=out_dir, database_url=url)

    def say(text: str) -> None:
        result.lines.append(text)
        echo(text)

    try:
        _ingest_and_register(engine, say)
        _lineage(engine, say)
        _fairness(engine, say)
        _stage_evidence(engine, say)
        _approvals(engine, say)
        signer, cert = _keys(out_dir / "keys", say)
        _gate(engine, say, result, signer)
        _monitoring(engine, say, result)
        _reports(engine, say, result, out_dir, cert)
    finally:
        engine.dispose()
    result.seconds = time.perf_counter() - started
    _closing(say, result, url, cert)
    return result


def _rebased_examples(recent: timedelta = timedelta(days=10)) -> tuple[list[dict[str, Any]], int]:
    """The example events with eventTime shifted by whole days so the last one is about `recent` ago.

    The files are dated October 2026 and the default policies want evidence younger than 90 days:
    without this the demo's verdicts would depend on the day it runs.
    """
    import json

    from governance.timeutil import parse_timestamp, utcnow

    events = [
        json.loads(line)
        for path in sorted(EXAMPLES.glob("*.jsonl"))
        for line in path.read_text(encoding="utf-8").splitlines()
        if line.strip()
    ]
    latest = max(parse_timestamp(e["eventTime"]) for e in events)
    days = max(0, (utcnow() - recent - latest).days)
    for event in events:
        moved = parse_timestamp(event["eventTime"]) + timedelta(days=days)
        event["eventTime"] = moved.isoformat().replace("+00:00", "Z")
    return events, days


def _ingest_and_register(engine: Any, say: Callable[[str], None]) -> None:
    from governance.lineage.ingest import ingest_objects
    from governance.registry.service import VersionSpec, register_model, register_version
    from governance.store.db import session_scope

    events, days = _rebased_examples()
    report = ingest_objects(engine, events, source="lineage/examples")
    say(
        f"[1] ingested lineage/examples: {report.summary()} "
        f"(event times moved {days} days forward, so the evidence is as recent as the policies require)"
    )
    with session_scope(engine) as session:
        register_model(
            session,
            "credit-risk",
            owner="team:credit-models",
            risk_tier="high",
            description="Probability-of-default model for consumer loans",
            tags={"domain": "lending", "intended_use": "consumer loan approval, human review of declines"},
        )
        _earlier_credit_versions(session)
        register_version(
            session,
            "credit-risk",
            VersionSpec(
                version="3",
                artifact_uri="s3://bank-ml-lake/models/credit-risk/3",
                artifact_digest="sha256:" + "3c" * 32,
                created_by="alice",
                training_run_id=CREDIT_RUN,
                stage="staging",
            ),
        )
        register_model(
            session,
            "fraud-detector",
            owner="team:fraud",
            risk_tier="critical",
            description="Card-transaction fraud scoring",
            tags={"domain": "payments", "intended_use": "real-time card fraud screening"},
        )
        register_version(
            session,
            "fraud-detector",
            VersionSpec(
                version="7",
                artifact_uri="s3://bank-ml-lake/models/fraud-detector/7",
                artifact_digest="sha256:" + "7f" * 32,
                created_by="bob",
                training_run_id=FRAUD_RUN,
                stage="staging",
            ),
        )
        _attach_model_cards(session)
    say(
        "[2] registered credit-risk 3 (high risk, created by alice; versions 1 and 2 before it, 2 is the champion "
        "in production) and fraud-detector 7 (critical, created by bob)"
    )


def _earlier_credit_versions(session: Any) -> None:
    """credit-risk 1 (archived) and 2 (the champion in production), registered months ago: their validation
    history is what the trend across versions (and the degradation finding) reads."""
    from governance.registry.service import VersionSpec, get_version, register_version
    from governance.timeutil import utcnow

    for version, stage, age in HISTORY:
        register_version(
            session,
            "credit-risk",
            VersionSpec(
                version=version,
                artifact_uri=f"s3://bank-ml-lake/models/credit-risk/{version}",
                artifact_digest="sha256:" + f"{version}c" * 32,
                created_by="alice",
                stage=stage,
            ),
        )
        _, mv = get_version(session, "credit-risk", version)
        mv.created_at = utcnow() - age  # registered before the report's period: history, not activity
        session.add(mv)
    session.flush()


def _attach_model_cards(session: Any) -> None:
    """The model cards of lineage/examples/model_cards/ (fraud-detector's leaves two sections missing)."""
    from governance.registry.model_card import attach_card, read_card_file

    for name in ("credit-risk", "fraud-detector"):
        card = read_card_file(EXAMPLES / "model_cards" / f"{name}.yaml")
        attach_card(session, name, card, attached_by="gov-demo", source_name=f"{name}.yaml")


def _lineage(engine: Any, say: Callable[[str], None]) -> None:
    from governance.lineage.graph import datasets_of_model_version
    from governance.store.db import session_scope

    with session_scope(engine) as session:
        data = datasets_of_model_version(session, "credit-risk", "3")
    say(
        f"[3] lineage: credit-risk 3 was trained on {len(data)} dataset(s), recursively: "
        + ", ".join(d.split(":", 1)[1] for d in data)
    )


def _fairness(engine: Any, say: Callable[[str], None]) -> None:
    from governance.evidence.evaluation import Settings
    from governance.evidence.fairness import FairnessRequest, evaluate_fairness
    from governance.store.db import session_scope

    runs = (
        ("credit-risk", "3", "credit_risk_eval.csv", ("sex",)),
        ("credit-risk", "3", "credit_risk_eval.csv", ("sex", "age_band")),
        ("fraud-detector", "7", "fraud_detector_eval.csv", ("sex",)),
    )
    with session_scope(engine) as session:
        for model, version, name, sensitive in runs:
            privileged = "male" if sensitive == ("sex",) else "sex=male,age_band=41-60"
            request = FairnessRequest(
                label="label",
                prediction="prediction",
                sensitive=sensitive,
                favorable="1",
                score="score",
                favorable_meaning="loan approved" if model == "credit-risk" else "transaction flagged for review",
                settings=Settings(privileged=privileged, bootstrap=1000, seed=0),
            )
            stored = evaluate_fairness(session, model, version, str(PREDICTIONS / name), request)
            dpd = stored.results["metrics"]["fairlearn.demographic_parity_difference"]
            ci = dpd.get("ci") or [float("nan"), float("nan")]
            say(
                f"[4] fairness: {model} {version} by {' x '.join(sensitive)} on {name} ({stored.results['rows']:,} "
                f"rows): demographic parity difference {dpd['value']:.3f}, 95% CI [{ci[0]:.3f}, {ci[1]:.3f}]"
            )


def _stage_evidence(engine: Any, say: Callable[[str], None]) -> None:
    """Every validation-stage evidence kind for both models, computed from the bundled synthetic data.

    credit-risk 1 and 2: their performance when they were validated (the history); credit-risk 3 and
    fraud-detector 7: performance (credit-risk 3 against its champion, version 2, on the same rows), drift
    between the training reference and recent data, an A/B test, and a load test (k6 for credit-risk, a
    per-request latency CSV for fraud-detector). Each current piece is also a run in the lineage graph
    whose input is the data it read."""

    from governance.evidence.performance import performance_from_file
    from governance.evidence.stage_store import store_stage_result
    from governance.identity import cli_submitter
    from governance.lineage.evidence_runs import record_stage_traced
    from governance.store.db import session_scope
    from governance.timeutil import utcnow

    who = cli_submitter()
    perf = str(STAGE_DATA / "credit_risk_performance.csv")
    with session_scope(engine) as session:
        for version, _stage, age in HISTORY:
            result = performance_from_file(
                perf, label="label", score=f"score_v{version}", prediction=None, resamples=1000, seed=0
            )
            store_stage_result(
                session,
                "credit-risk",
                version,
                result,
                submitted_by=who,
                evaluated_at=utcnow() - age + timedelta(days=3),
            )
            say(f"[4] performance: credit-risk {version} (validated {age.days - 3} days ago): {_metrics(result)}")

    runs = [
        *_current_runs(
            "credit-risk",
            "3",
            "credit_risk",
            score="score_v3",
            champion_score="score_v2",
            against="credit-risk 2",
            traffic="recent applications",
            load_test=("k6_summary.txt", "k6 summary export"),
        ),
        *_current_runs(
            "fraud-detector",
            "7",
            "fraud_detector",
            score="score_v7",
            champion_score=None,
            against="the rules engine",
            traffic="recent transactions",
            load_test=("latency.csv", "per-request latencies"),
        ),
    ]
    for model, version, what, compute, inputs in runs:
        stored = record_stage_traced(engine, model, version, compute, inputs, submitted_by=who)
        say(f"[4] {stored.result.kind}: {model} {version}, {what}: {_metrics(stored.result)}")


def _current_runs(
    model: str,
    version: str,
    stem: str,
    *,
    score: str,
    champion_score: str | None,
    against: str,
    traffic: str,
    load_test: tuple[str, str],
) -> list[tuple[str, str, str, Callable[[], Any], list[str]]]:
    """The current stage evidence of `model` `version` from the bundled files `<stem>_*`, as (model,
    version, what, compute, files read): performance (against the champion's score column when given),
    drift between the training reference and `traffic`, an A/B test `against` the incumbent, and a load
    test (file, what it is)."""
    from functools import partial

    from governance.evidence.abtest import abtest_from_file
    from governance.evidence.drift import drift_from_files
    from governance.evidence.performance import performance_from_file

    def data(name: str) -> str:
        return str(STAGE_DATA / f"{stem}_{name}")

    perf, ref, cur, ab, load = (
        data(n) for n in ("performance.csv", "reference.csv", "current.csv", "abtest.csv", load_test[0])
    )
    performance = partial(
        performance_from_file,
        perf,
        label="label",
        score=score,
        prediction=None,
        champion_score=champion_score,
        resamples=1000,
        seed=0,
    )
    plan = {"control": 0.5, "treatment": 0.5}
    return [
        (
            model,
            version,
            f"performance against the champion {against}" if champion_score else "performance",
            performance,
            [perf],
        ),
        (model, version, f"drift, training reference vs {traffic}", partial(drift_from_files, ref, cur), [ref, cur]),
        (model, version, f"A/B test against {against}", partial(abtest_from_file, ab, planned_split=plan), [ab]),
        (model, version, f"load test ({load_test[1]})", partial(_operational, load), [load]),
    ]


def _operational(path: str) -> Any:
    from governance.evidence.operational import operational_from_file

    return operational_from_file(path, seed=0)


def _metrics(result: Any) -> str:
    """A few headline numbers of a stage result, with their intervals."""

    def shown(name: str, label: str | None = None, digits: int = 3) -> str:
        m = result.measurement(name)
        if m is None or m.value is None:
            return ""
        text = f"{label or name} {m.value:.{digits}f}"
        if m.low is not None and m.high is not None:
            text += f" [{m.low:.{digits}f}, {m.high:.{digits}f}]"
        return text

    if result.kind == "performance":
        parts = [shown("auc", "AUC"), shown("ece", "ECE"), shown("auc.delta", "AUC - champion")]
    elif result.kind == "drift":
        s = result.summary
        drifted = ", ".join(s.get("drifted_features") or ()) or "none"
        parts = [f"{s.get('n_drifted')} of {s.get('n_features')} features drift ({drifted})"]
    elif result.kind == "abtest":
        s = result.summary
        parts = [f"verdict {s.get('verdict')}", shown("lift", "lift", 4), f"power {float(s.get('power') or 0):.2f}"]
    else:
        parts = [shown("latency_p99_ms", "p99 latency ms", 1), shown("error_rate", "error rate", 4)]
    return "; ".join(p for p in parts if p)


def _approvals(engine: Any, say: Callable[[str], None]) -> None:
    from governance.approvals.records import approve
    from governance.auth.errors import PermissionDenied
    from governance.store.db import session_scope

    for model, version, role, who, comment in APPROVALS:
        try:
            with session_scope(engine) as session:
                approve(session, model, version, role, approver=who, comment=comment)
        except PermissionDenied as exc:
            say(f"[5] approval: {who} tried to approve {model} {version} as {role}  <- refused: {exc.message}")
        else:
            say(f"[5] approval: {who} approved {model} {version} as {role}")


def _keys(folder: Path, say: Callable[[str], None]) -> tuple[Any, Path]:
    from governance.signing.keys import CERT_FILE, KEY_FILE, init_keys, load_signer

    if (folder / KEY_FILE).exists() and (folder / CERT_FILE).exists():
        say(f"[6] signing key: reusing {folder}")
    else:
        init_keys(
            folder, algorithm="ecdsa", common_name="gov demo evaluation signer", organization="gov demo", force=True
        )
        say(f"[6] signing key: created {folder} (ECDSA P-256, self-signed evaluation certificate)")
    return load_signer(folder / KEY_FILE, folder / CERT_FILE), folder / CERT_FILE


def _gate(engine: Any, say: Callable[[str], None], result: DemoResult, signer: Any) -> None:
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


def _monitoring(engine: Any, say: Callable[[str], None], result: DemoResult) -> None:
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
        f"since then: {_metrics(stored.result)}"
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


def _reports(engine: Any, say: Callable[[str], None], result: DemoResult, out_dir: Path, cert: Path) -> None:
    from governance.period import parse_period
    from governance.reports.service import SignOptions, audit_report, blocked_report, scorecard_report
    from governance.signing.verify import verify_report
    from governance.store.db import session_scope
    from governance.timeutil import utcnow

    moment = utcnow()  # after every record the demo made, so the reports see all of them
    period = parse_period(None, now=moment)
    sign = SignOptions(key_dir=cert.parent, signer_name="gov demo evaluation signer", location="gov demo")
    common: dict[str, Any] = {"model_glob": "*", "period": period, "now": moment}
    with session_scope(engine) as session:
        outputs = {
            "audit report": audit_report(
                session, out=out_dir / "audit-report.pdf", policy_dir=POLICIES, sign=sign, trust_cert=cert, **common
            ),
            "scorecard": scorecard_report(
                session, out=out_dir / "scorecard.pdf", policy_dir=POLICIES, sign=sign, **common
            ),
            "scorecard (JSON)": scorecard_report(
                session, out=out_dir / "scorecard.json", fmt="json", policy_dir=POLICIES, **common
            ),
            "blocked register": blocked_report(
                session, out=out_dir / "blocked-register.pdf", policy_dir=POLICIES, sign=sign, trust_cert=cert, **common
            ),
            "blocked register (CSV)": blocked_report(
                session, out=out_dir / "blocked-register.csv", fmt="csv", trust_cert=cert, **common
            ),
        }
    say(f"[9] reports for {period.label()}:")
    for name, written in outputs.items():
        result.files[name] = written.path
        extra = f" + {written.attestation.name}" if written.attestation else ""
        say(f"      {name:<24} {written.path}{extra}{' (signed)' if written.signed else ''}")
        if written.signed:
            check = verify_report(written.path, trust_roots=[cert])
            result.verified[name] = check.ok
            failed = [c.name for c in check.checks if not c.passed]
            say(f"      {'':<24} gov verify: {'VERIFIED' if check.ok else 'FAILED: ' + ', '.join(failed)}")


def _closing(say: Callable[[str], None], result: DemoResult, url: str, cert: Path) -> None:
    audit = result.files.get("audit report")
    say(f"done in {result.seconds:.1f} s. Store: {url}")
    if audit is not None:
        say("verify the signed report offline:")
        say(f"  gov verify {audit} --trust-root {cert}")
        if shutil.which("pdfsig"):
            say(f"  pdfsig {audit}")
        else:
            say(f"  pdfsig {audit}    (poppler-utils)")
    say(f"explore: GOV_DATABASE_URL={url} gov decision list")
