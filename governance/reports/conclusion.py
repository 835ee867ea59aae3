"""The validator's conclusion per model version, and the glossary of the metrics a report shows.

`conclude` is the one function that turns a version's stored verdicts and its findings into
fit for use / fit for use with conditions / not fit for use (the rules are written in docs/reports.md):

* **not fit** when the version has no gate decision in the period (nothing was checked, so nothing
  passes), when a blocking verdict failed for a target, or when a critical or high finding is open
  (open or in remediation) and no waiver accepts it;
* **fit with conditions** when a waiver was applied, a verdict is inconclusive or an audit-mode
  policy warned, or a medium finding is open: each becomes a condition of use, in words;
* **fit** otherwise.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from governance.reports.model import Conclusion, FindingRow, GlossaryEntry

SEVERITY_ORDER = ("critical", "high", "medium", "low", "info")
OPEN = frozenset({"open", "in_remediation"})
LABELS = {"fit": "Fit for use", "fit_with_conditions": "Fit for use with conditions", "not_fit": "Not fit for use"}


def conclude(decisions: Sequence[Any], findings: Sequence[FindingRow], approvals: Sequence[Any]) -> Conclusion:
    """The conclusion for one version from its latest decisions per target, its findings and its approvals."""
    counts = {s: 0 for s in SEVERITY_ORDER}
    for f in findings:
        if f.status in OPEN:
            counts[f.severity] = counts.get(f.severity, 0) + 1
    approvers = tuple(
        f"{a.approver} ({a.role})" for a in approvals if a.digest_matches and a.separation_of_duties == "independent"
    )
    reasons: list[str] = []
    conditions: list[str] = []
    failing: list[str] = []
    audit: dict[str, list[str]] = {}  # verdict -> audit-mode policies with it: one condition per verdict
    if not decisions:
        reasons.append("no gate decision in the period: its policies were not evaluated")
    for d in decisions:
        for r in d.verdicts:
            if r.blocking:
                failing.append(f"{d.target}: {r.title}")
                reasons.append(f"{r.title} ({r.policy_id}, {r.verdict.replace('_', ' ')}, blocks {d.target})")
            elif r.verdict == "waived":
                waiver = r.applied_waiver
                until = f" until {waiver.expires_at[:10]}" if waiver else ""
                conditions.append(f"{r.policy_id} is waived{until}: {r.title}")
            elif r.verdict == "inconclusive":
                conditions.append(f"{r.policy_id} is inconclusive (more evidence needed): {r.title}")
            elif r.verdict in ("warn", "fail", "not_evaluated", "error") and r.mode == "audit":
                audit.setdefault(r.verdict.replace("_", " "), []).append(r.policy_id)
    for verdict, ids in audit.items():
        unique = list(dict.fromkeys(ids))
        conditions.append(
            f"{len(unique)} audit-mode polic{'y' if len(unique) == 1 else 'ies'} {verdict}: {', '.join(unique)}"
        )
    serious = [f for f in findings if f.status in OPEN and f.severity in ("critical", "high")]
    if serious:
        reasons.append(
            f"{len(serious)} critical or high finding(s) open without a waiver: " + ", ".join(f.ref for f in serious)
        )
    medium = [f for f in findings if f.status in OPEN and f.severity == "medium"]
    if medium:
        conditions.append(f"{len(medium)} medium finding(s) to remediate: " + ", ".join(f.ref for f in medium))
    accepted = [f for f in findings if f.status == "accepted"]
    if accepted:
        conditions.append(f"{len(accepted)} finding(s) accepted by waiver: " + ", ".join(f.ref for f in accepted))
    if len({d.target for d in decisions}) <= 1:  # one target: it is named in the gate column already
        failing = [f.split(": ", 1)[1] for f in failing]
    level = "not_fit" if reasons else "fit_with_conditions" if conditions else "fit"
    return Conclusion(
        level=level,
        text=LABELS[level],
        reasons=tuple(dict.fromkeys(reasons)),
        conditions=tuple(dict.fromkeys(conditions)),
        findings=counts,
        failing=tuple(dict.fromkeys(failing)),
        approvers=approvers,
    )


# key -> (name, definition, sign convention). Keys are metric ids as stored, lower case; aliases below.
GLOSSARY: dict[str, tuple[str, str, str]] = {
    "auc": (
        "AUC (area under the ROC curve)",
        "Probability that a randomly chosen positive case is scored above a randomly chosen negative one.",
        "0 to 1; higher is better; 0.5 is chance.",
    ),
    "gini": ("Gini coefficient", "2 × AUC − 1: the accuracy ratio of the ranking.", "−1 to 1; higher is better."),
    "ks": (
        "Kolmogorov-Smirnov statistic",
        "Largest distance between two cumulative distributions: for performance, of the scores of positives and "
        "negatives; for drift, of a feature in the reference and the current data.",
        "0 to 1; for performance higher is better, for drift lower is better.",
    ),
    "log_loss": (
        "Log loss",
        "Mean negative log-likelihood of the observed outcomes under the predicted probabilities.",
        "≥ 0; lower is better.",
    ),
    "brier": (
        "Brier score",
        "Mean squared difference between predicted probability and outcome.",
        "0 to 1; lower is better.",
    ),
    "ece": (
        "Expected calibration error (ECE)",
        "Weighted mean gap between predicted probability and observed rate over probability bins.",
        "0 to 1; lower is better.",
    ),
    "accuracy": ("Accuracy", "Share of correct predictions at the decision threshold.", "0 to 1; higher is better."),
    "precision": ("Precision", "Share of predicted positives that are positive.", "0 to 1; higher is better."),
    "recall": ("Recall (true positive rate)", "Share of positives predicted positive.", "0 to 1; higher is better."),
    "f1": ("F1 score", "Harmonic mean of precision and recall.", "0 to 1; higher is better."),
    "business_cost": (
        "Business cost",
        "Cost of the confusion counts under the stated cost matrix.",
        "Lower is better.",
    ),
    "psi": (
        "Population stability index (PSI)",
        "Σ (current − reference share) × ln(current / reference share) over bins of a feature.",
        "≥ 0; lower is better; above 0.2 is commonly read as a shift.",
    ),
    "jensenshannon": (
        "Jensen-Shannon distance",
        "Square root of the Jensen-Shannon divergence between the reference and current distributions.",
        "0 to 1; lower is better.",
    ),
    "wasserstein": (
        "Wasserstein distance",
        "Earth mover's distance between the reference and current distributions of a feature.",
        "≥ 0, in the feature's unit; lower is better.",
    ),
    "chi2": (
        "Chi-squared test",
        "Test of a categorical feature's frequencies against the reference.",
        "p-value: lower means drift.",
    ),
    "z": (
        "Two-proportion z test",
        "Test of a binary feature's rate against the reference.",
        "p-value: lower means drift.",
    ),
    "drift": (
        "Drift decision",
        "Whether a feature drifted under the test and threshold of the evidence.",
        "1 drifted, 0 not.",
    ),
    "drift_share": (
        "Share of drifting features",
        "Drifting features divided by the features compared.",
        "0 to 1; lower is better.",
    ),
    "fairlearn.demographic_parity_difference": (
        "Demographic parity difference",
        "Largest minus smallest selection rate between groups.",
        "0 to 1; lower is better; 0 is parity.",
    ),
    "fairlearn.demographic_parity_ratio": (
        "Demographic parity ratio",
        "Smallest divided by largest selection rate between groups.",
        "0 to 1; higher is better; 1 is parity.",
    ),
    "fairlearn.equalized_odds_difference": (
        "Equalized odds difference",
        "The larger of the between-group differences in true positive rate and in false positive rate.",
        "0 to 1; lower is better; 0 is equal odds.",
    ),
    "fairlearn.equalized_odds_ratio": (
        "Equalized odds ratio",
        "The smaller of the between-group ratios of true positive rates and of false positive rates.",
        "0 to 1; higher is better.",
    ),
    "four_fifths.min_impact_ratio": (
        "Four-fifths ratio (minimum impact ratio)",
        "Lowest group's selection rate divided by the highest group's (EEOC rule of thumb).",
        "0 to 1; higher is better; below 0.8 indicates adverse impact.",
    ),
    "aif360.disparate_impact": (
        "Disparate impact",
        "Selection rate of the unprivileged groups divided by that of the privileged group.",
        "≥ 0; 1 is parity; below 0.8 indicates adverse impact against the unprivileged.",
    ),
    "aif360.statistical_parity_difference": (
        "Statistical parity difference",
        "Selection rate of the unprivileged groups minus that of the privileged group.",
        "−1 to 1; 0 is parity; negative disfavours the unprivileged.",
    ),
    "srm": (
        "Sample ratio mismatch (SRM)",
        "Chi-squared test of the observed split of units between variants against the planned split.",
        "p-value; below the SRM alpha (0.001) the split is broken and the test is invalid.",
    ),
    "lift": (
        "Lift",
        "Relative difference of the treatment's metric over the control's: (treatment − control) / control.",
        "Positive favours the candidate; its interval must stay above 0 to win.",
    ),
    "p_value": (
        "p-value",
        "Probability of a difference at least this large if there were none.",
        "0 to 1; lower is stronger evidence.",
    ),
    "power": (
        "Power",
        "Probability that the test detects the minimum detectable effect if it exists.",
        "0 to 1; higher is better; 0.8 is the usual minimum.",
    ),
    "mde": (
        "Minimum detectable effect (MDE)",
        "Smallest absolute effect the test can detect at its alpha and power.",
        "Lower means a more sensitive test.",
    ),
    "latency_p50_ms": ("p50 latency", "Median response time under load, in milliseconds.", "Lower is better."),
    "latency_p95_ms": ("p95 latency", "95th percentile response time under load, in milliseconds.", "Lower is better."),
    "latency_p99_ms": ("p99 latency", "99th percentile response time under load, in milliseconds.", "Lower is better."),
    "error_rate": (
        "Error rate",
        "Failed requests divided by all requests of the load test.",
        "0 to 1; lower is better.",
    ),
    "throughput_rps": ("Throughput", "Requests served per second under load.", "Higher is better."),
}
ALIASES = {"auc.delta": "auc", "js": "jensenshannon", "jensen_shannon": "jensenshannon", "share": "drift_share"}


def glossary_key(metric: str) -> str | None:
    """The glossary entry a metric id is explained by (`auc.delta` -> `auc`), or None."""
    key = metric.strip().lower()
    key = ALIASES.get(key, key)
    if key in GLOSSARY:
        return key
    base = key.split(".")[0]
    if base in GLOSSARY:
        return base
    for suffix in ("_difference", "_ratio"):
        if key.endswith(suffix) and key in GLOSSARY:
            return key
    return None


def glossary(metrics: Iterable[str]) -> tuple[GlossaryEntry, ...]:
    """The entries of the metrics used, once each, in alphabetical order of their names."""
    keys = {k for k in (glossary_key(m) for m in metrics) if k is not None}
    entries = [GlossaryEntry(k, *GLOSSARY[k]) for k in keys]
    return tuple(sorted(entries, key=lambda e: e.name.lower()))
