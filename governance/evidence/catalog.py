"""The between-group metrics gov reports: name, convention, definition and the reference call it equals.

Human text lives here as data beside the functions in `metrics.py`; the output and docs/fairness.md
show it so every number names its sign convention.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from governance.evidence import metrics as m

CONVENTIONS = {
    "fairlearn": (
        "fairlearn 0.15 (method='between_groups'): max-min or min/max of a per-group rate over the groups "
        "included in aggregates; >= 0 for differences, <= 1 for ratios. A rate whose denominator is zero "
        "(e.g. TPR of a group without positives) counts as 0, as fairlearn's sklearn confusion matrix does."
    ),
    "aif360": (
        "aif360 0.6.1 ClassificationMetric: unprivileged minus (or over) privileged; the unprivileged group "
        "is every row outside the privileged group. Negative differences and ratios below 1 mean the "
        "unprivileged group gets the favorable outcome (or the rate) less often. An undefined rate gives an "
        "undefined metric (null)."
    ),
    "four_fifths": (
        "EEOC four-fifths rule: each included group's selection rate divided by the highest included "
        "selection rate; a ratio below 0.8 is evidence of adverse impact."
    ),
    "favorable": (
        "The favorable label is the positive class everywhere: fairlearn's pos_label and aif360's "
        "favorable_label. Selection rate = P(prediction favorable); TPR = P(prediction favorable | label "
        "favorable); FPR = P(prediction favorable | label unfavorable)."
    ),
}


@dataclass(frozen=True)
class MetricSpec:
    """One between-group metric: how it is computed and how to read it."""

    key: str
    convention: str
    definition: str
    reference: str
    ideal: float
    compute: Callable[[m.Sample, m.Design], np.ndarray]
    needs: str = ""  # "", "privileged" or "score"


def _spec(
    key: str,
    definition: str,
    reference: str,
    ideal: float,
    compute: Callable[[m.Sample, m.Design], np.ndarray],
    needs: str = "",
) -> MetricSpec:
    return MetricSpec(key, key.split(".")[0], definition, reference, ideal, compute, needs)


_FL = "fairlearn.metrics."
_CM = "aif360.metrics.ClassificationMetric."
METRICS: tuple[MetricSpec, ...] = (
    _spec(
        "fairlearn.demographic_parity_difference",
        "max_g SR_g - min_g SR_g (>= 0)",
        _FL + "demographic_parity_difference",
        0.0,
        m.demographic_parity_difference,
    ),
    _spec(
        "fairlearn.demographic_parity_ratio",
        "min_g SR_g / max_g SR_g (<= 1)",
        _FL + "demographic_parity_ratio",
        1.0,
        m.demographic_parity_ratio,
    ),
    _spec(
        "fairlearn.equalized_odds_difference",
        "max(max-min TPR, max-min FPR) (>= 0)",
        _FL + "equalized_odds_difference(agg='worst_case')",
        0.0,
        m.equalized_odds_difference,
    ),
    _spec(
        "fairlearn.equalized_odds_difference_mean",
        "mean(max-min TPR, max-min FPR) (>= 0)",
        _FL + "equalized_odds_difference(agg='mean')",
        0.0,
        m.equalized_odds_difference_mean,
    ),
    _spec(
        "fairlearn.equalized_odds_ratio",
        "min(min/max TPR, min/max FPR) (<= 1)",
        _FL + "equalized_odds_ratio(agg='worst_case')",
        1.0,
        m.equalized_odds_ratio,
    ),
    _spec(
        "fairlearn.equal_opportunity_difference",
        "max_g TPR_g - min_g TPR_g (>= 0)",
        _FL + "equal_opportunity_difference",
        0.0,
        m.equal_opportunity_difference_fl,
    ),
    _spec(
        "aif360.statistical_parity_difference",
        "SR_unpriv - SR_priv (< 0: unprivileged selected less)",
        _CM + "statistical_parity_difference",
        0.0,
        m.aif360_difference("selection_rate"),
        "privileged",
    ),
    _spec(
        "aif360.disparate_impact",
        "SR_unpriv / SR_priv (< 1: unprivileged selected less)",
        _CM + "disparate_impact",
        1.0,
        m.disparate_impact,
        "privileged",
    ),
    _spec(
        "aif360.equal_opportunity_difference",
        "TPR_unpriv - TPR_priv",
        _CM + "equal_opportunity_difference",
        0.0,
        m.aif360_difference("tpr"),
        "privileged",
    ),
    _spec(
        "aif360.average_odds_difference",
        "((FPR_unpriv - FPR_priv) + (TPR_unpriv - TPR_priv)) / 2",
        _CM + "average_odds_difference",
        0.0,
        m.average_odds_difference,
        "privileged",
    ),
    _spec(
        "aif360.average_abs_odds_difference",
        "(|FPR_unpriv - FPR_priv| + |TPR_unpriv - TPR_priv|) / 2",
        _CM + "average_abs_odds_difference",
        0.0,
        m.average_abs_odds_difference,
        "privileged",
    ),
    _spec(
        "aif360.equalized_odds_difference",
        "max(|FPR_unpriv - FPR_priv|, |TPR_unpriv - TPR_priv|)",
        _CM + "equalized_odds_difference",
        0.0,
        m.equalized_odds_difference_aif,
        "privileged",
    ),
    _spec(
        "aif360.theil_index",
        "generalized entropy (alpha=1) of b = 1 + yhat - y over all rows",
        _CM + "theil_index",
        0.0,
        m.theil_index,
    ),
    _spec(
        "aif360.between_group_theil_index",
        "theil index with each b replaced by its group mean, groups unprivileged and privileged",
        _CM + "between_group_theil_index",
        0.0,
        m.between_group_theil_index,
        "privileged",
    ),
    _spec(
        "aif360.base_rate_statistical_parity_difference",
        "BR_unpriv - BR_priv, on the labels",
        "aif360.metrics.BinaryLabelDatasetMetric.statistical_parity_difference (labels)",
        0.0,
        m.aif360_difference("base_rate"),
        "privileged",
    ),
    _spec(
        "aif360.base_rate_disparate_impact",
        "BR_unpriv / BR_priv, on the labels",
        "aif360.metrics.BinaryLabelDatasetMetric.disparate_impact (labels)",
        1.0,
        m.base_rate_disparate_impact,
        "privileged",
    ),
    _spec(
        "aif360.generalized_equalized_odds_difference",
        "max(|GFPR_unpriv - GFPR_priv|, |GTPR_unpriv - GTPR_priv|), G = score-weighted",
        _CM + "generalized_equalized_odds_difference",
        0.0,
        m.generalized_equalized_odds_difference,
        "score",
    ),
    _spec(
        "four_fifths.min_impact_ratio",
        "min_g SR_g / max_g SR_g over included groups (>= 0.8 passes)",
        "EEOC Uniform Guidelines, 29 CFR 1607.4(D)",
        1.0,
        m.four_fifths_min_ratio,
    ),
)

PAIRWISE_DEFINITIONS = {
    "statistical_parity_difference": "SR_g - SR_priv",
    "disparate_impact": "SR_g / SR_priv",
    "equal_opportunity_difference": "TPR_g - TPR_priv",
    "average_odds_difference": "((FPR_g - FPR_priv) + (TPR_g - TPR_priv)) / 2",
    "average_abs_odds_difference": "(|FPR_g - FPR_priv| + |TPR_g - TPR_priv|) / 2",
}


def applicable(has_privileged: bool, has_score: bool) -> list[MetricSpec]:
    """The metrics that can be computed with the given inputs."""
    out = []
    for spec in METRICS:
        if spec.needs == "score" and not (has_score and has_privileged):
            continue
        if spec.needs == "privileged" and not has_privileged:
            continue
        out.append(spec)
    return out
