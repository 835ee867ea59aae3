"""The end-to-end scenarios, as data: inputs (lineage events, registry, fairness data, approvals, waivers),
the exact gate verdict per policy, and the statements results.json must contain. Run by test_scenarios.py.

To add a case: append a Scenario whose steps build the store and whose Check/Report steps state what the
gate and the audit report must say. Verdicts are exact: a policy missing from, or added to, a Check fails it.
"""

from __future__ import annotations

from typing import Any

from governance.assets import asset_path
from tests.scenarios.steps import (
    ALL_PASS,
    ApiIngest,
    Check,
    Fairness,
    Gov,
    Ingest,
    Register,
    Report,
    Scenario,
    Sleep,
    fairness_facet_run,
    platform,
    with_archive_upstream,
    without_owner,
)

APPROVE = (
    Gov(("approve", "credit-risk", "3", "--role", "model-risk-officer", "--as", "mallory")),
    Gov(("approve", "credit-risk", "3", "--role", "business-owner", "--as", "bob")),
)
FAIR_SEX = Fairness({("female",): (1000, 0.40), ("male",): (1000, 0.41)})
# Validation-stage evidence of every kind the default pack enforces (stage.*), within its thresholds,
# through `gov evidence`, on the demo's bundled synthetic data (lineage/examples/stages/).
STAGE_DATA = asset_path("lineage", "examples", "stages")
STAGES = (
    Gov(
        (
            "evidence",
            "performance",
            "credit-risk",
            "3",
            "--data",
            str(STAGE_DATA / "credit_risk_performance.csv"),
            "--label",
            "label",
            "--score",
            "score_v3",
            "--bootstrap",
            "200",
        )
    ),  # fmt: skip
    Gov(
        (
            "evidence",
            "drift",
            "credit-risk",
            "3",
            "--reference",
            str(STAGE_DATA / "credit_risk_reference.csv"),
            "--current",
            str(STAGE_DATA / "credit_risk_current.csv"),
        )
    ),  # fmt: skip
    Gov(
        (
            "evidence",
            "abtest",
            "credit-risk",
            "3",
            "--data",
            str(STAGE_DATA / "credit_risk_abtest.csv"),
            "--plan",
            "control=0.5,treatment=0.5",
        )
    ),  # fmt: skip
    Gov(
        ("evidence", "operational", "credit-risk", "3", "--load-test", str(STAGE_DATA / "credit_risk_k6_summary.txt"))
    ),  # fmt: skip
)
BASE = (Ingest(platform()), Register(), *STAGES, FAIR_SEX, *APPROVE)
INTERSECTION = Fairness(
    {
        ("female", "18-25"): (400, 0.30),
        ("female", "41-60"): (400, 0.42),
        ("male", "18-25"): (400, 0.44),
        ("male", "41-60"): (500, 0.463),
    },
    sensitive=("sex", "age_band"),
)
WAIVE = ("waive", "evidence.validation-stages", "--reason", "latency fix ships next sprint", "--ticket", "RISK-1")


def verdicts(**changed: str) -> dict[str, str]:
    """ALL_PASS with some policies changed: verdicts(lineage_provenance="fail")."""
    out = dict(ALL_PASS)
    for key, value in changed.items():
        pid = {
            "approval": "approval.two-person",
            "intended_use": "condition.intended-use",
            "recency": "condition.training-recency",
            "retention": "data.retention",
            "validation": "evidence.validation-stages",
            "dp": "fairness.demographic-parity",
            "four_fifths": "fairness.four-fifths",
            "provenance": "lineage.provenance",
        }[key]
        out[pid] = value
    return out


def _monitoring_missed(results: dict[str, Any]) -> None:
    [model] = results["scorecard"]["models"]
    d = next(c for c in model["criteria"] if c["key"] == "D")
    assert d["met"] is False, d
    # the check made it enter production, but its only drift evidence is a pre-deployment assertion
    assert any("entered production at" in e for e in d["evidence"]), d
    assert any("drift" in e and "not counted" in e for e in d["evidence"]), d


SCENARIOS: list[Scenario] = [
    Scenario(
        "baseline-deployable",
        "Owned lineage, recent evidence, a fair evaluation by sex, two independent approvals: deployable.",
        (*BASE, Check(ALL_PASS, exit=0), Report(state="deployable")),
    ),
    Scenario(
        "intersectional-failure-is-seen",
        "A sex x age_band evaluation fails four-fifths: the sex policy sees it (warn, audit mode) and the "
        "parity policy narrowed to exactly sex leaves it as a finding. Never silent.",
        (
            *BASE,
            INTERSECTION,
            Check(
                verdicts(four_fifths="warn"),
                exit=0,
                says=("evaluation 2 (sex x age_band)", "sex=female, age_band=18-25"),
                findings=("fairness_evaluation:2",),
            ),
            Report(
                contains=(
                    "evaluation 2 (sex x age_band)",
                    "fairness.demographic-parity judges only evaluations over exactly sex",
                ),
                state="deployable",
            ),
        ),
    ),
    Scenario(
        "monitoring-needs-post-deployment-evidence",
        "A pre-deployment drift assertion is not monitoring: the scorecard's criterion D is missed.",
        (*BASE, Check(ALL_PASS, exit=0), Report(check=_monitoring_missed)),
    ),
    Scenario(
        "upstream-owner-missing-at-depth-2",
        "The direct input is owned; the table two hops up is not: lineage.provenance fails and names it.",
        (
            Ingest(without_owner(platform(), "bank.applications")),
            *BASE[1:],
            Check(
                verdicts(provenance="fail"),
                exit=1,
                says=("dataset:postgres://warehouse.bank.internal:5432:bank.applications (depth 2)",),
            ),
            Report(contains=("dataset:postgres://warehouse.bank.internal:5432:bank.applications (depth 2)",)),
        ),
    ),
    Scenario(
        "every-failure-listed-in-full",
        "Two failing checks (auc and latency) are both listed with value and threshold; nothing is elided.",
        (
            Ingest(platform(auc=0.65, latency=400.0)),
            *BASE[1:],
            Check(verdicts(validation="fail"), exit=1, says=("auc", "latency_p95_ms")),
            Report(contains=("latency_p95_ms",), state="blocked"),
        ),
    ),
    Scenario(
        "coverage-against-the-full-control-lists",
        "Coverage counts against each framework's complete list, and the report says which list.",
        (
            *BASE,
            Check(ALL_PASS, exit=0),
            Report(
                contains=(
                    "of 113 articles of Regulation (EU) 2024/1689",
                    "of 38 Annex A controls of ISO/IEC 42001:2023",
                    "of 72 subcategories of NIST AI RMF 1.0",
                )
            ),
        ),
    ),
    Scenario(
        "waiver-expires-between-two-checks",
        "A waiver covers the first check and has expired by the second.",
        (
            Ingest(platform(latency=400.0)),
            *BASE[1:],
            Gov((*WAIVE, "--expires", "PT3S", "--model", "credit-risk", "--version", "3", "--as", "mallory")),
            Check(verdicts(validation="waived"), exit=0),
            Sleep(3.5),
            Check(verdicts(validation="fail"), exit=1),
        ),
    ),
    Scenario(
        "revoked-waiver-covers-nothing",
        "A revoked waiver stays on record and covers nothing.",
        (
            Ingest(platform(latency=400.0)),
            *BASE[1:],
            Gov((*WAIVE, "--expires", "P30D", "--model", "credit-risk", "--version", "3", "--as", "mallory")),
            Check(verdicts(validation="waived"), exit=0),
            Gov(("policy", "revoke-waiver", "1", "--as", "mallory")),
            Check(verdicts(validation="fail"), exit=1),
        ),
    ),
    Scenario(
        "approval-of-a-different-digest",
        "An approval naming another artifact digest is refused; the gate still wants the officer.",
        (
            Ingest(platform()),
            Register(),
            FAIR_SEX,
            Gov(
                (
                    "approve",
                    "credit-risk",
                    "3",
                    "--role",
                    "model-risk-officer",
                    "--as",
                    "mallory",
                    "--digest",
                    "d" * 64,
                ),
                exit=2,
                says="digest",
            ),
            APPROVE[1],
            Check(verdicts(approval="fail"), exit=1),
        ),
    ),
    Scenario(
        "evidence-older-than-max-age",
        "Validation evidence 120 days old is past the 90-day max_age.",
        (
            Ingest(platform(days_ago=120)),
            *BASE[1:],
            Check(verdicts(validation="not_evaluated"), exit=1, says=("evidence 'auc' is older than 90 days",)),
        ),
    ),
    Scenario(
        "group-below-minimum-size",
        "A group of 20 rows is below min_group_size 30: parity cannot be judged on it.",
        (
            Ingest(platform()),
            Register(),
            Fairness({("female",): (20, 0.40), ("male",): (1000, 0.41)}),
            *APPROVE,
            Check(verdicts(dp="not_evaluated", four_fifths="not_evaluated"), exit=1),
        ),
    ),
    Scenario(
        "upstream-dataset-past-retention",
        "A PII extract written 1,200 days ago (retention 3 years) feeds the features two hops up.",
        (
            Ingest(with_archive_upstream(platform(), age_days=1200)),
            *BASE[1:],
            Check(verdicts(retention="fail"), exit=1, says=("bank.applications_archive",)),
            Report(contains=("bank.applications_archive",), state="blocked"),
        ),
    ),
    Scenario(
        "version-without-lineage",
        "A version registered with no training run: every lineage-backed policy fails closed.",
        (
            Register(training_run=None),
            FAIR_SEX,
            *APPROVE,
            Check(
                verdicts(
                    approval="not_evaluated",
                    provenance="fail",
                    retention="not_evaluated",
                    validation="not_evaluated",
                    recency="warn",
                ),
                exit=1,
                says=("no training run is recorded for this version", "separation of duties from its authors"),
            ),
            Report(state="blocked"),
        ),
    ),
    Scenario(
        "self-approval-refused",
        "The creator (alice) and the training run's author (dora) cannot approve.",
        (
            Ingest(platform()),
            Register(),
            FAIR_SEX,
            Gov(("approve", "credit-risk", "3", "--role", "model-risk-officer", "--as", "alice"), exit=2),
            Gov(("approve", "credit-risk", "3", "--role", "model-risk-officer", "--as", "dora"), exit=2),
            APPROVE[1],
            Check(verdicts(approval="fail"), exit=1),
        ),
    ),
    Scenario(
        "unknown-target-refused",
        "A check or waiver for a target nobody configured is an input error (exit 2), not a pass.",
        (
            *BASE,
            Gov(("check", "credit-risk", "3", "--target", "prodution"), exit=2, says="unknown target"),
            Gov((*WAIVE, "--expires", "P30D", "--target", "moon"), exit=2),
            Check(ALL_PASS, exit=0),
        ),
    ),
    Scenario(
        "slow-service-blocks",
        "A load test whose p99 latency (842 ms) is over the 500 ms SLO blocks (stage.operational-latency "
        "enforces); the message names the value, the interval and the bound.",
        (
            Ingest(platform()),
            Register(),
            *STAGES[:3],
            Gov(
                (
                    "evidence",
                    "operational",
                    "credit-risk",
                    "3",
                    "--load-test",
                    str(STAGE_DATA / "fraud_detector_latency.csv"),
                )
            ),  # fmt: skip
            FAIR_SEX,
            *APPROVE,
            Check(
                {**ALL_PASS, "stage.operational-latency": "fail", "stage.operational-errors": "pass"},
                exit=1,
                says=("latency_p99_ms = 841.9 [781.7, 892.1]", "the point value 841.9 > 500"),
            ),
            Report(state="blocked"),
        ),
    ),
    Scenario(
        "untrusted-ingest-fairness-not-counted",
        "A fairness facet sent with an ingest token is kept, not counted: parity stays not evaluated.",
        (
            Ingest(platform()),
            Register(),
            ApiIngest(fairness_facet_run),
            *APPROVE,
            Check(
                verdicts(dp="not_evaluated", four_fifths="not_evaluated", validation="not_evaluated"),
                exit=1,
                says=("fairness evaluation 1 submitted by token:ingest:airflow, an untrusted submitter",),
            ),
        ),
    ),
]
