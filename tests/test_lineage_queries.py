"""Auditor queries on the example platform, on both back ends, with golden outputs per format."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from sqlalchemy.engine import Engine

from governance.lineage.ingest import ingest_paths
from tests.helpers import EXAMPLES, gov

GOLDEN = Path(__file__).parent / "golden" / "lineage"
WAREHOUSE = "postgres://warehouse.bank.internal:5432"
LAKE = "s3://bank-ml-lake"
CREDIT_MODEL = f"dataset:{LAKE}:models/credit-risk/3"
APPLICATIONS = f"dataset:{WAREHOUSE}:bank.applications"
CREDIT_RUN = "55cbe03c-43cf-56cf-a69b-2c6acc32403c"


@pytest.fixture
def platform(engine: Engine) -> Engine:
    assert ingest_paths(engine, [EXAMPLES]).rejected == []
    assert (
        gov(
            "registry",
            "register",
            "credit-risk",
            "--owner",
            "team:credit-models",
            "--risk-tier",
            "high",
            "--version",
            "3",
            "--digest",
            "ab" * 32,
            "--training-run",
            CREDIT_RUN,
            "--created-by",
            "alice",
        ).exit_code
        == 0
    )
    return engine


def _golden(name: str, actual: str) -> None:
    path = GOLDEN / name
    if os.environ.get("GOV_UPDATE_GOLDEN"):
        path.write_text(actual + "\n")
    assert actual + "\n" == path.read_text(), f"golden {name} differs (GOV_UPDATE_GOLDEN=1 to refresh)"


@pytest.mark.parametrize("fmt", ["table", "json", "dot", "mermaid"])
def test_upstream_golden(platform: Engine, fmt: str) -> None:
    result = gov("lineage", "upstream", CREDIT_MODEL, "--format", fmt)
    assert result.exit_code == 0, result.output
    _golden(f"upstream_credit_model.{fmt}", result.stdout.rstrip("\n"))


@pytest.mark.parametrize("fmt", ["table", "json"])
def test_downstream_and_path_golden(platform: Engine, fmt: str) -> None:
    down = gov("lineage", "downstream", APPLICATIONS, "--depth", "2", "--format", fmt)
    assert down.exit_code == 0, down.output
    _golden(f"downstream_applications_depth2.{fmt}", down.stdout.rstrip("\n"))
    path = gov("lineage", "path", APPLICATIONS, CREDIT_MODEL, "--format", fmt)
    assert path.exit_code == 0, path.output
    _golden(f"path_applications_credit_model.{fmt}", path.stdout.rstrip("\n"))


def test_upstream_reaches_raw_tables(platform: Engine) -> None:
    data = json.loads(gov("lineage", "upstream", CREDIT_MODEL, "--format", "json").stdout)
    ids = {n["id"] for n in data["nodes"]}
    assert APPLICATIONS in ids and f"dataset:{WAREHOUSE}:bank.repayments" in ids
    assert "job:credit-platform:ml.train_fraud_detector" not in ids
    depth1 = json.loads(gov("lineage", "upstream", CREDIT_MODEL, "--depth", "1", "--format", "json").stdout)
    assert {n["id"] for n in depth1["nodes"]} == {CREDIT_MODEL, "job:credit-platform:ml.train_credit_risk"}


def test_as_of_hides_later_events(platform: Engine) -> None:
    # The training job completed at 2026-10-02T08:00Z; a day earlier the model dataset did not exist.
    before = gov("lineage", "upstream", CREDIT_MODEL, "--as-of", "2026-10-01T12:00:00Z")
    assert before.exit_code == 2 and "as of" in before.stderr
    features = f"dataset:{LAKE}:features/credit_features"
    early = json.loads(
        gov("lineage", "downstream", features, "--as-of", "2026-10-02T07:00:00Z", "--format", "json").stdout
    )
    late = json.loads(gov("lineage", "downstream", features, "--format", "json").stdout)
    assert len(early["nodes"]) < len(late["nodes"])
    assert CREDIT_MODEL not in {n["id"] for n in early["nodes"]}
    assert CREDIT_MODEL in {n["id"] for n in late["nodes"]}


def test_no_path_exits_1(platform: Engine) -> None:
    result = gov("lineage", "path", CREDIT_MODEL, APPLICATIONS)
    assert result.exit_code == 1 and result.stdout.strip() == "no path"


def test_column_lineage_both_ways(platform: Engine) -> None:
    features = f"dataset:{LAKE}:features/credit_features"
    up = json.loads(gov("lineage", "column", features, "debt_to_income", "--format", "json").stdout)
    assert {(c["dataset"], c["field"]) for c in up["columns"]} == {(APPLICATIONS, "income"), (APPLICATIONS, "amount")}
    down = json.loads(gov("lineage", "column", APPLICATIONS, "sex", "--downstream", "--format", "json").stdout)
    assert [(c["dataset"], c["field"]) for c in down["columns"]] == [(features, "sex")]
    _golden("column_dti.table", gov("lineage", "column", features, "debt_to_income").stdout.rstrip("\n"))


def test_models_trained_on_and_training_data(platform: Engine) -> None:
    models = json.loads(gov("lineage", "models", APPLICATIONS, "--format", "json").stdout)
    assert [(m["model"], m["version"]) for m in models] == [("credit-risk", "3")]
    data = json.loads(gov("lineage", "training-data", "credit-risk", "3", "--format", "json").stdout)
    datasets = {d["dataset"]: int(d["hops"]) for d in data}
    assert datasets[f"dataset:{LAKE}:features/credit_features"] == 1
    assert datasets[APPLICATIONS] == 2
    assert all(not d.startswith("job:") for d in datasets)


def test_registry_show_includes_training_lineage(platform: Engine) -> None:
    result = gov("registry", "show", "credit-risk", "3", "--format", "json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["training_lineage"]["status"] == "known"
    assert data["training_lineage"]["job"] == "job:credit-platform:ml.train_credit_risk"
    assert APPLICATIONS in data["training_lineage"]["upstream_datasets"]


def test_unknown_node_and_bad_arguments(platform: Engine) -> None:
    for args in (
        ["lineage", "upstream", "dataset:nowhere:nothing"],
        ["lineage", "upstream", "table:x"],
        ["lineage", "upstream", CREDIT_MODEL, "--as-of", "last tuesday"],
        ["lineage", "upstream", CREDIT_MODEL, "--format", "png"],
        ["lineage", "upstream", CREDIT_MODEL, "--depth", "-1"],
    ):
        result = gov(*args)
        assert result.exit_code == 2, (args, result.output)
        assert len(result.stderr.strip().splitlines()) == 1 and "Traceback" not in result.output
