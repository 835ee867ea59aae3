"""The demo's evidence: fairness on the bundled predictions, every validation-stage kind on the bundled stage data."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

from governance.demo.data import HISTORY, PREDICTIONS, STAGE_DATA


def fairness(engine: Any, say: Callable[[str], None]) -> None:
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


def stage_evidence(engine: Any, say: Callable[[str], None]) -> None:
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
            say(f"[4] performance: credit-risk {version} (validated {age.days - 3} days ago): {metrics(result)}")

    runs = [
        *credit_risk_3_runs(),
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
        say(f"[4] {stored.result.kind}: {model} {version}, {what}: {metrics(stored.result)}")


def credit_risk_3_runs() -> list[tuple[str, str, str, Callable[[], Any], list[str]]]:
    """credit-risk 3's current stage evidence (see _current_runs): against its champion, credit-risk 2.
    Also what bench/check.py stores, so that version 3 stays deployable there as in the demo."""
    return _current_runs(
        "credit-risk",
        "3",
        "credit_risk",
        score="score_v3",
        champion_score="score_v2",
        against="credit-risk 2",
        traffic="recent applications",
        load_test=("k6_summary.txt", "k6 summary export"),
    )


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


def metrics(result: Any) -> str:
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
