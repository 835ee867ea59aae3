"""Property tests: every metric equals fairlearn's and aif360's on random data, to 1e-9.

Random groups (one or two sensitive features), skewed label and prediction rates so that groups without
positives, without negatives or without favorable predictions occur, and non-default favorable labels.
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass
from functools import partial
from typing import Any

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from governance.evidence.confusion import binarise
from governance.evidence.counts import ColumnRoles
from governance.evidence.evaluation import Settings, evaluate
from governance.evidence.readers import count_arrays

TOL = 1e-9
LABELINGS = [  # (unfavorable, favorable) as stored in the data
    (0, 1),
    (1, 0),
    (1, 2),
    (2.0, 1.0),
]


@dataclass
class Case:
    s1: np.ndarray
    s2: np.ndarray
    y: np.ndarray  # label values as stored
    p: np.ndarray
    score: np.ndarray
    unfavorable: Any
    favorable: Any
    intersectional: bool

    @property
    def sensitive(self) -> tuple[str, ...]:
        return ("s1", "s2") if self.intersectional else ("s1",)

    @property
    def privileged_value(self) -> int:
        return int(self.s1[0])


@st.composite
def cases(draw: st.DrawFn) -> Case:
    n = draw(st.integers(4, 160))
    k1, k2 = draw(st.integers(2, 4)), draw(st.integers(1, 3))
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    s1 = rng.integers(0, k1, n)
    s1[1] = (s1[0] + 1) % k1  # the privileged group (s1 == s1[0]) and the rest are both non-empty
    s2 = rng.integers(0, k2, n)
    levels = [0.0, 0.15, 0.5, 0.85, 1.0]
    p_label = np.array([draw(st.sampled_from(levels)) for _ in range(k1)])
    p_pred = np.array([draw(st.sampled_from(levels)) for _ in range(k1)])
    y_fav = rng.random(n) < p_label[s1]
    p_fav = np.where(rng.random(n) < 0.7, y_fav, rng.random(n) < p_pred[s1])
    unfav, fav = draw(st.sampled_from(LABELINGS))
    y = np.where(y_fav, fav, unfav)
    p = np.where(p_fav, fav, unfav)
    return Case(s1, s2, y, p, rng.random(n), unfav, fav, draw(st.booleans()))


def ours(case: Case, *, privileged: bool = True) -> dict[str, Any]:
    roles = ColumnRoles("y", "p", case.sensitive, "score")
    cells = count_arrays(
        {"s1": case.s1, "s2": case.s2, "y": case.y, "p": case.p, "score": case.score}, roles, batch_rows=37
    )  # several batches: the chunked path is the one under test
    table = binarise(cells, str(case.favorable))
    return evaluate(
        table,
        Settings(privileged=f"s1={case.privileged_value}" if privileged else None, min_group_size=0, bootstrap=0),
    )


def close(mine: float | None, ref: float) -> bool:
    if mine is None:
        return not math.isfinite(ref)
    return abs(mine - ref) <= TOL * max(1.0, abs(ref))


def sensitive_frame(case: Case) -> pd.DataFrame:
    return pd.DataFrame({c: getattr(case, c) for c in case.sensitive})


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(cases())
def test_fairlearn_metrics_equal(case: Case) -> None:
    from fairlearn.metrics import (
        MetricFrame,
        count,
        false_positive_rate,
        selection_rate,
        true_positive_rate,
    )
    from sklearn.metrics import accuracy_score

    result = ours(case)
    fav = case.favorable
    frame = MetricFrame(
        metrics={
            "sr": partial(selection_rate, pos_label=fav),
            "tpr": partial(true_positive_rate, pos_label=fav),
            "fpr": partial(false_positive_rate, pos_label=fav),
            "count": count,
            "acc": accuracy_score,
        },
        y_true=case.y,
        y_pred=case.p,
        sensitive_features=sensitive_frame(case),
    )
    diff, ratio = frame.difference(), frame.ratio()
    expected = {
        "fairlearn.demographic_parity_difference": diff["sr"],
        "fairlearn.demographic_parity_ratio": ratio["sr"],
        "fairlearn.equalized_odds_difference": max(diff["tpr"], diff["fpr"]),
        "fairlearn.equalized_odds_difference_mean": (diff["tpr"] + diff["fpr"]) / 2,
        "fairlearn.equalized_odds_ratio": min(ratio["tpr"], ratio["fpr"]),
        "fairlearn.equal_opportunity_difference": diff["tpr"],
    }
    for key, value in expected.items():
        assert close(result["metrics"][key]["value"], value), (key, result["metrics"][key]["value"], value)
    by_group = frame.by_group
    for group in result["groups"]:
        index = tuple(int(v) for v in group["values"].values())
        ref = by_group.loc[index if len(index) > 1 else index[0]]
        assert group["count"] == ref["count"]
        assert close(group["metrics"]["selection_rate"], ref["sr"])
        assert close(group["metrics"]["accuracy"], ref["acc"])
        for ours_key, ref_key in (("tpr", "tpr"), ("fpr", "fpr")):
            # an undefined rate is null here and 0 in fairlearn (sklearn's normalize='true')
            mine = group["metrics"][ours_key]
            assert close(mine, ref[ref_key]) if mine is not None else ref[ref_key] == 0.0


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(cases().filter(lambda c: (c.unfavorable, c.favorable) == (0, 1)))
def test_fairlearn_convenience_functions_equal(case: Case) -> None:
    from fairlearn.metrics import (
        demographic_parity_difference,
        demographic_parity_ratio,
        equal_opportunity_difference,
        equalized_odds_difference,
    )

    result = ours(case)["metrics"]
    kw = {"sensitive_features": sensitive_frame(case)}
    expected = {
        "fairlearn.demographic_parity_difference": demographic_parity_difference(case.y, case.p, **kw),
        "fairlearn.demographic_parity_ratio": demographic_parity_ratio(case.y, case.p, **kw),
        "fairlearn.equalized_odds_difference": equalized_odds_difference(case.y, case.p, **kw),
        "fairlearn.equalized_odds_difference_mean": equalized_odds_difference(case.y, case.p, agg="mean", **kw),
        "fairlearn.equal_opportunity_difference": equal_opportunity_difference(case.y, case.p, **kw),
    }
    for key, value in expected.items():
        assert close(result[key]["value"], value), (key, result[key]["value"], value)


def _aif360(case: Case, unprivileged: list[dict[str, float]]) -> tuple[Any, Any]:
    from aif360.datasets import BinaryLabelDataset
    from aif360.metrics import BinaryLabelDatasetMetric, ClassificationMetric

    frame = pd.DataFrame({c: getattr(case, c).astype(float) for c in case.sensitive})
    frame["y"] = case.y.astype(float)
    truth = BinaryLabelDataset(
        df=frame,
        label_names=["y"],
        protected_attribute_names=list(case.sensitive),
        favorable_label=float(case.favorable),
        unfavorable_label=float(case.unfavorable),
    )
    predicted = truth.copy(deepcopy=True)
    predicted.labels = case.p.astype(float).reshape(-1, 1)
    predicted.scores = case.score.reshape(-1, 1)
    privileged = [{"s1": float(case.privileged_value)}]
    return (
        ClassificationMetric(truth, predicted, unprivileged_groups=unprivileged, privileged_groups=privileged),
        BinaryLabelDatasetMetric(truth, unprivileged_groups=unprivileged, privileged_groups=privileged),
    )


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(cases())
def test_aif360_metrics_equal(case: Case) -> None:
    result = ours(case)
    others = sorted(set(case.s1.tolist()) - {case.privileged_value})
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        cm, dm = _aif360(case, [{"s1": float(v)} for v in others])
        expected = {
            "aif360.statistical_parity_difference": cm.statistical_parity_difference(),
            "aif360.disparate_impact": cm.disparate_impact(),
            "aif360.equal_opportunity_difference": cm.equal_opportunity_difference(),
            "aif360.average_odds_difference": cm.average_odds_difference(),
            "aif360.average_abs_odds_difference": cm.average_abs_odds_difference(),
            "aif360.equalized_odds_difference": cm.equalized_odds_difference(),
            "aif360.theil_index": cm.theil_index(),
            "aif360.between_group_theil_index": cm.between_group_theil_index(),
            "aif360.generalized_equalized_odds_difference": cm.generalized_equalized_odds_difference(),
            "aif360.base_rate_statistical_parity_difference": dm.statistical_parity_difference(),
            "aif360.base_rate_disparate_impact": dm.disparate_impact(),
        }
    for key, value in expected.items():
        assert close(result["metrics"][key]["value"], float(value)), (
            key,
            result["metrics"][key]["value"],
            value,
        )
    assert result["metrics"]["aif360.theil_index"]["value"] == pytest.approx(
        ours(case, privileged=False)["metrics"]["aif360.theil_index"]["value"]
    )


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(cases())
def test_aif360_pairwise_equal(case: Case) -> None:
    """Each non-privileged group alone against the privileged group, as aif360 computes it."""
    result = ours(case)
    names = {
        "statistical_parity_difference",
        "disparate_impact",
        "equal_opportunity_difference",
        "average_odds_difference",
        "average_abs_odds_difference",
    }
    for group in result["groups"]:
        if group["privileged"]:
            continue
        condition = {c: float(v) for c, v in group["values"].items()}
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            cm, _ = _aif360(case, [condition])
            for name in names:
                mine = result["pairwise"]["groups"][group["name"]][name]["value"]
                assert close(mine, float(getattr(cm, name)())), (group["name"], name)
            assert close(group["metrics"]["tpr"], float(cm.true_positive_rate(privileged=False)))
            assert close(group["metrics"]["fpr"], float(cm.false_positive_rate(privileged=False)))
            assert close(group["metrics"]["tnr"], float(cm.true_negative_rate(privileged=False)))
            assert close(group["metrics"]["fnr"], float(cm.false_negative_rate(privileged=False)))
            assert close(group["metrics"]["base_rate"], float(cm.base_rate(privileged=False)))
            if group["metrics"]["ppv"] is not None:  # aif360 says 0 where nothing was predicted favorable
                assert close(group["metrics"]["ppv"], float(cm.positive_predictive_value(privileged=False)))
            assert close(group["metrics"]["gtpr"], float(cm.generalized_true_positive_rate(privileged=False)))
            assert close(group["metrics"]["gfpr"], float(cm.generalized_false_positive_rate(privileged=False)))


def test_sign_conventions_on_a_known_case() -> None:
    """Unprivileged selected less: aif360 differences negative, ratios below 1; fairlearn spreads positive."""
    s1 = np.array([0] * 10 + [1] * 10)
    y = np.array([1, 0] * 10)
    p = np.array([1] * 8 + [0] * 2 + [1] * 2 + [0] * 8)  # group 0 selected 80 %, group 1 20 %
    case = Case(s1, np.zeros(20, dtype=int), y, p, np.full(20, 0.5), 0, 1, False)
    metrics = ours(case)["metrics"]
    assert metrics["aif360.statistical_parity_difference"]["value"] == pytest.approx(-0.6)
    assert metrics["aif360.disparate_impact"]["value"] == pytest.approx(0.25)
    assert metrics["fairlearn.demographic_parity_difference"]["value"] == pytest.approx(0.6)
    assert metrics["fairlearn.demographic_parity_ratio"]["value"] == pytest.approx(0.25)
    assert metrics["four_fifths.min_impact_ratio"]["value"] == pytest.approx(0.25)
