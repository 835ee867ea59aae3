"""The data section of the audit report (#15): sources from the training lineage with versions, windows,
row counts (from outputStatistics / dataQualityMetrics, else "not reported"), classifications, retention
deadlines, data quality and special-category fields; never a local filesystem path."""

from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from governance.reports.data_section import logical_name, logical_source, row_count, special_fields
from governance.timeutil import iso, utcnow
from tests.helpers import gov

REPO = Path(__file__).resolve().parents[1]
PRODUCER = "https://example.com/tests"
PREP = "11111111-1111-4111-8111-111111111111"
TRAIN = "22222222-2222-4222-8222-222222222222"
LOCAL = "/home/alice/secret-project/raw_applications.csv"


def _facet(name: str, version: str = "1-0-0") -> dict[str, str]:
    return {
        "_producer": PRODUCER,
        "_schemaURL": f"https://openlineage.io/spec/facets/{version}/{name}.json#/$defs/{name}",
    }


def _events() -> list[dict[str, Any]]:
    now = utcnow()
    t0, t1, t2 = (iso(now - timedelta(days=d)) for d in (3, 2, 1))
    raw = {
        "namespace": "file",
        "name": LOCAL,
        "facets": {
            "schema": {
                **_facet("SchemaDatasetFacet", "1-1-1"),
                "fields": [
                    {"name": "sex", "type": "string", "tags": [{"key": "classification", "value": "sensitive"}]},
                    {"name": "name", "type": "string", "tags": [{"key": "classification", "value": "PII"}]},
                    {"name": "amount", "type": "double"},
                ],
            },
            "tags": {**_facet("TagsDatasetFacet"), "tags": [{"key": "classification", "value": "PII"}]},
        },
    }
    features = {"namespace": "s3://lake", "name": "features/train"}
    return [
        {
            "eventType": "COMPLETE",
            "eventTime": t0,
            "producer": PRODUCER,
            "schemaURL": "https://openlineage.io/spec/2-0-2/OpenLineage.json#/$defs/RunEvent",
            "run": {"runId": PREP},
            "job": {"namespace": "ns", "name": "prepare"},
            "inputs": [raw],
            "outputs": [
                {
                    **features,
                    "facets": {"version": {**_facet("DatasetVersionDatasetFacet"), "datasetVersion": "v7"}},
                    "outputFacets": {
                        "outputStatistics": {**_facet("OutputStatisticsOutputDatasetFacet", "1-0-2"), "rowCount": 12345}
                    },
                }
            ],
        },
        {
            "eventType": "START",
            "eventTime": t1,
            "producer": PRODUCER,
            "schemaURL": "https://openlineage.io/spec/2-0-2/OpenLineage.json#/$defs/RunEvent",
            "run": {"runId": TRAIN},
            "job": {"namespace": "ns", "name": "train"},
            "inputs": [features],
            "outputs": [],
        },
        {
            "eventType": "COMPLETE",
            "eventTime": t2,
            "producer": PRODUCER,
            "schemaURL": "https://openlineage.io/spec/2-0-2/OpenLineage.json#/$defs/RunEvent",
            "run": {"runId": TRAIN},
            "job": {"namespace": "ns", "name": "train"},
            "inputs": [
                {
                    **features,
                    "facets": {
                        "dataQualityAssertions": {
                            **_facet("DataQualityAssertionsDatasetFacet", "1-0-1"),
                            "assertions": [{"assertion": "not_null", "success": False, "column": "amount"}],
                        }
                    },
                }
            ],
            "outputs": [{"namespace": "s3://lake", "name": "models/credit/3"}],
        },
    ]


@pytest.fixture
def store(sqlite_engine: Any) -> Any:
    from governance.lineage.ingest import ingest_objects
    from governance.registry.service import VersionSpec, register_model, register_version
    from governance.store.db import session_scope

    report = ingest_objects(sqlite_engine, _events(), source="tests")
    assert "0 rejected" in report.summary(), report.summary()
    with session_scope(sqlite_engine) as session:
        register_model(session, "credit", owner="team:credit", risk_tier="high")
        register_version(
            session,
            "credit",
            VersionSpec(
                version="3",
                artifact_uri="s3://lake/models/credit/3",
                artifact_digest="sha256:" + "3c" * 32,
                created_by="alice",
                training_run_id=TRAIN,
            ),
        )
    return sqlite_engine


def _data_section(tmp_path: Path) -> str:
    html = tmp_path / "audit.html"
    result = gov(
        "report", "audit", "--format", "html", "--out", str(html), "--policies", str(REPO / "policies" / "default")
    )
    assert result.exit_code == 0, result.output
    text = html.read_text()
    assert "<h2>Data</h2>" in text
    return text.split("<h2>Data</h2>", 1)[1].split("<h2>Monitoring plan</h2>", 1)[0]


def test_sources_versions_row_counts_and_no_local_path(store: Any, tmp_path: Path) -> None:
    section = _data_section(tmp_path)
    plain = re.sub(r"<[^>]+>", "", section)
    assert "/home/alice" not in section and "secret-project" not in section  # never a local path
    assert "file:raw_applications.csv" in plain
    assert "s3://lake:features/train" in plain and "version v7" in plain
    assert "12,345" in plain and "outputStatistics" in plain  # the reported count, with its facet
    raw_row = plain.split("file:raw_applications.csv", 1)[1].split("s3://lake", 1)[0]
    assert "not reported" in raw_row  # no facet reports the raw file's rows: said, not invented
    assert "PII" in plain and "2 steps" in plain  # classification, and how far upstream
    assert "1095 days for PII" in plain or "P3Y" in plain or "for PII" in plain  # the retention deadline
    assert "not_null" in plain and "fail" in plain.lower()  # the data-quality assertion
    special = plain.split("Special-category and personal data", 1)[1].split("Data quality", 1)[0]
    assert "sex" in special and "sensitive" in special and "name" in special


def test_a_version_without_training_run_says_the_data_is_unknown(sqlite_engine: Any, tmp_path: Path) -> None:
    from governance.registry.service import VersionSpec, register_model, register_version
    from governance.store.db import session_scope

    with session_scope(sqlite_engine) as session:
        register_model(session, "credit", owner="team:credit")
        register_version(
            session,
            "credit",
            VersionSpec(version="1", artifact_uri="s3://x/1", artifact_digest="sha256:" + "1a" * 32, created_by="bob"),
        )
    plain = re.sub(r"<[^>]+>", "", _data_section(tmp_path))
    assert "no training run recorded for this version" in plain
    assert "Unknown: the data the version was trained on is not known" in plain


def test_names_never_carry_a_local_path() -> None:
    assert logical_name("file", "/home/alice/data/x.csv") == "file:x.csv"
    assert logical_name("file://laptop", "C:\\Users\\bob\\y.parquet") == "file:y.parquet"
    assert logical_name("s3://bucket", "/abs/looking/key.csv") == "file:key.csv"
    assert logical_name("postgres://db:5432", "bank.loans") == "postgres://db:5432:bank.loans"
    assert logical_source("file:///tmp/eval/credit.csv") == "file:credit.csv"
    assert logical_source("/work/data/eval.csv") == "file:eval.csv"
    assert logical_source("dataset:file:/home/a/b.csv") == "file:b.csv"
    assert logical_source("warehouse.loans") == "warehouse.loans"
    assert logical_source(None) == "not reported"


def test_row_counts_come_from_facets_or_are_not_reported() -> None:
    assert row_count({"outputStatistics": {"rowCount": 10}}) == (10, "outputStatistics")
    assert row_count(None, {"dataQualityMetrics": {"rowCount": 7}}) == (7, "dataQualityMetrics")
    assert row_count({"outputStatistics": {"rowCount": -1}}, {}) == (None, "not reported")
    assert row_count({"outputStatistics": {"rowCount": True}}) == (None, "not reported")
    assert row_count({}) == (None, "not reported")


def test_special_category_fields_from_schema_tags_and_field_tags() -> None:
    facets = {
        "schema": {
            "fields": [
                {"name": "sex", "tags": [{"key": "classification", "value": "sensitive"}]},
                {"name": "addr", "fields": [{"name": "zip", "tags": [{"key": "classification", "value": "PII"}]}]},
                {"name": "amount", "tags": [{"key": "classification", "value": "confidential"}]},
            ]
        },
        "tags": {"tags": [{"key": "pii", "value": "true", "field": "card_number"}]},
    }
    assert special_fields(facets) == {"sex": ("sensitive",), "addr.zip": ("PII",), "card_number": ("pii",)}
    twice = {
        "schema": {"fields": [{"name": "x", "tags": [{"key": "classification", "value": "PII"}, {"value": "pii"}]}]}
    }
    assert special_fields(twice) == {"x": ("PII",)}


def test_great_expectations_results_are_data_quality_rows(store: Any, tmp_path: Path) -> None:
    from governance.evidence.import_ge import import_ge_result
    from governance.evidence.stage_store import store_stage_result
    from governance.store.db import session_scope

    result = import_ge_result(
        str(REPO / "tests" / "data" / "stages" / "ge_simple_validate_results_with_evaluation_parameters.json")
    )
    with session_scope(store) as session:
        store_stage_result(session, "credit", "3", result, submitted_by="cli:tests")
    quality = re.sub(
        r"<[^>]+>", "", _data_section(tmp_path).split("Data quality", 1)[1].split("Data the evaluations", 1)[0]
    )
    assert "great expectations import (evidence" in quality
    for m in result.measurements:
        assert m.name in quality.replace("\u200b", "")
    assert ("pass" in quality) and (
        all(m.value == 1.0 for m in result.measurements) or "fail" in quality
    )  # each expectation's own result
