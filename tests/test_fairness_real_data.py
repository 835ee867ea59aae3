"""Real data: ProPublica's COMPAS error rates and aif360's German credit disparate impact, reproduced."""

from __future__ import annotations

import json
import warnings
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from sqlalchemy.engine import Engine

from governance.registry.service import VersionSpec, register_model, register_version
from governance.store.db import session_scope
from tests.conftest import DATA
from tests.helpers import gov

COMPAS = DATA / "compas" / "compas-scores-two-years.csv"  # ProPublica's file cut to 5 columns (tests/data/SOURCES.md)
GERMAN = DATA / "german_credit" / "german.data"
COMPAS_SHA256 = "sha256:3dafd1cb9d57216b5c3deaf6fc42a9d09639b2ed3fc0f809ffc3fd3cd49ac953"
GERMAN_COLUMNS = [
    "status",
    "month",
    "credit_history",
    "purpose",
    "credit_amount",
    "savings",
    "employment",
    "investment_as_income_percentage",
    "personal_status",
    "other_debtors",
    "residence_since",
    "property",
    "age",
    "installment_plans",
    "housing",
    "number_of_credits",
    "skill_level",
    "people_liable_for",
    "telephone",
    "foreign_worker",
    "credit",
]


@pytest.fixture
def model(sqlite_engine: Engine) -> str:
    with session_scope(sqlite_engine) as session:
        register_model(session, "risk", owner="team")
        register_version(session, "risk", VersionSpec("1", "s3://m/1", "ab" * 32, "alice"))
    return "risk"


def evaluate(model: str, *args: str) -> dict[str, Any]:
    result = gov("evidence", "fairness", model, "1", "--format", "json", "--bootstrap", "200", *args)
    assert result.exit_code == 0, result.output
    return dict(json.loads(result.stdout))


def by_name(results: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {g["name"]: g for g in results["groups"]}


def test_compas_false_positive_rates_match_propublica(model: str) -> None:
    results = evaluate(
        model,
        "--data",
        str(COMPAS),
        "--label",
        "two_year_recid",
        "--prediction",
        "score_text",
        "--predicted-favorable",
        "Medium,High",
        "--sensitive",
        "race",
        "--privileged",
        "Caucasian",
    )
    assert results["rows"] == 7214
    assert results["data"]["digest"] == COMPAS_SHA256
    groups = by_name(results)
    # ProPublica, "Machine Bias" (2016): labeled higher risk but didn't re-offend 44.9 % vs 23.5 %,
    # labeled lower risk yet did re-offend 28.0 % vs 47.7 %; the notebook prints 44.85 % and 23.45 %.
    assert round(groups["African-American"]["metrics"]["fpr"] * 100, 2) == 44.85
    assert round(groups["Caucasian"]["metrics"]["fpr"] * 100, 2) == 23.45
    assert round(groups["African-American"]["metrics"]["fnr"] * 100, 1) == 28.0
    assert round(groups["Caucasian"]["metrics"]["fnr"] * 100, 1) == 47.7
    assert groups["Native American"]["small"] and not groups["Native American"]["included_in_aggregates"]
    assert results["small_groups"] == "excluded"
    pair = results["pairwise"]["groups"]["African-American"]
    assert pair["statistical_parity_difference"]["value"] > 0  # sign: unprivileged minus privileged
    low, high = pair["statistical_parity_difference"]["ci"]
    assert low <= pair["statistical_parity_difference"]["value"] <= high


def test_compas_explicit_prediction_column_gives_the_same_counts(model: str, tmp_path: Path) -> None:
    """`score_text != 'Low'` as a 0/1 column equals --predicted-favorable Medium,High."""
    frame = pd.read_csv(COMPAS)
    frame["high_risk"] = (frame["score_text"] != "Low").astype(int)
    path = tmp_path / "compas.csv"
    frame[["race", "two_year_recid", "high_risk"]].to_csv(path, index=False)
    derived = evaluate(
        model,
        "--data",
        str(path),
        "--label",
        "two_year_recid",
        "--prediction",
        "high_risk",
        "--sensitive",
        "race",
        "--privileged",
        "Caucasian",
    )
    original = evaluate(
        model,
        "--data",
        str(COMPAS),
        "--label",
        "two_year_recid",
        "--prediction",
        "score_text",
        "--predicted-favorable",
        "Medium,High",
        "--sensitive",
        "race",
        "--privileged",
        "Caucasian",
    )
    assert [g["counts"] for g in derived["groups"]] == [g["counts"] for g in original["groups"]]
    assert derived["metrics"] == original["metrics"]


def _aif360_german_disparate_impact() -> tuple[float, float]:
    """aif360's own German credit pipeline (GermanDataset's preprocessing), sex as the protected attribute."""
    from aif360.datasets import StandardDataset
    from aif360.datasets.german_dataset import default_mappings, default_preprocessing
    from aif360.metrics import BinaryLabelDatasetMetric

    frame = pd.read_csv(GERMAN, sep=" ", header=None, names=GERMAN_COLUMNS)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        dataset = StandardDataset(
            frame,
            label_name="credit",
            favorable_classes=[1],
            protected_attribute_names=["sex"],
            privileged_classes=[["male"]],
            categorical_features=[],
            features_to_keep=["credit"],
            features_to_drop=["personal_status"],
            custom_preprocessing=default_preprocessing,
            metadata=default_mappings,
        )
        metric = BinaryLabelDatasetMetric(dataset, unprivileged_groups=[{"sex": 0}], privileged_groups=[{"sex": 1}])
        return float(metric.disparate_impact()), float(metric.statistical_parity_difference())


def test_german_credit_disparate_impact_matches_aif360(model: str, tmp_path: Path) -> None:
    frame = pd.read_csv(GERMAN, sep=" ", header=None, names=GERMAN_COLUMNS)
    male = {"A91", "A93", "A94"}  # german.doc: A91/A93/A94 male, A92/A95 female
    frame["sex"] = frame["personal_status"].map(lambda s: "male" if s in male else "female")
    path = tmp_path / "german.csv"
    frame.to_csv(path, index=False)
    # credit: 1 good, 2 bad; favorable = 1 (a non-default favorable label). The data set has no model
    # predictions, so the label stands in for them and the two disparate impacts coincide.
    results = evaluate(
        model,
        "--data",
        str(path),
        "--label",
        "credit",
        "--prediction",
        "credit",
        "--favorable",
        "1",
        "--sensitive",
        "sex",
        "--privileged",
        "male",
    )
    reference_di, reference_spd = _aif360_german_disparate_impact()
    assert results["metrics"]["aif360.base_rate_disparate_impact"]["value"] == pytest.approx(reference_di, abs=1e-12)
    assert results["metrics"]["aif360.disparate_impact"]["value"] == pytest.approx(reference_di, abs=1e-12)
    assert results["metrics"]["aif360.statistical_parity_difference"]["value"] == pytest.approx(
        reference_spd, abs=1e-12
    )
    assert round(reference_di, 4) == 0.8966  # the widely quoted figure for sex on German credit
    assert results["favorable_label"] == "1" and results["rows"] == 1000
