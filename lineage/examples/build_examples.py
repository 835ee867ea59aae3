"""Regenerate the bundled example event streams (deterministic). Run: python lineage/examples/build_examples.py

A small credit-risk platform: raw tables with PII tags and owners, a feature job with column
lineage and data-quality assertions, two training jobs (credit-risk, fraud-detector) and their
validation runs. The demo and the tests ingest these files.
"""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

HERE = Path(__file__).parent
PRODUCER = "https://github.com/gov-audit/gov/tree/0.1.0/lineage/examples"
CORE = "https://openlineage.io/spec/2-0-2/OpenLineage.json#/$defs/RunEvent"
FACET = "https://openlineage.io/spec/facets/1-0-1/{name}.json#/$defs/{name}"
WAREHOUSE = "postgres://warehouse.bank.internal:5432"
LAKE = "s3://bank-ml-lake"
T0 = datetime(2026, 10, 1, 6, 0, tzinfo=UTC)
# gov's own facets carry the project prefix (OpenLineage's naming rule for custom facets).
VALIDATION = "gov_validationResults"


def rid(name: str) -> str:
    return str(uuid.uuid5(uuid.NAMESPACE_URL, f"gov-example/{name}"))


def ts(hours: float) -> str:
    return (T0 + timedelta(hours=hours)).isoformat().replace("+00:00", "Z")


def facet(name: str, version: str = "1-0-1", **body: object) -> dict[str, object]:
    return {"_producer": PRODUCER, "_schemaURL": FACET.format(name=name).replace("1-0-1", version), **body}


def schema(*fields: tuple[str, str, list[str]]) -> dict[str, object]:
    out = []
    for name, typ, tags in fields:
        item: dict[str, object] = {"name": name, "type": typ}
        if tags:
            item["tags"] = [{"key": "classification", "value": t, "source": "data-catalog"} for t in tags]
        out.append(item)
    return facet("SchemaDatasetFacet", "1-2-0", fields=out)


def owners(*names: str) -> dict[str, object]:
    return facet("OwnershipDatasetFacet", "1-0-1", owners=[{"name": n, "type": "MAINTAINER"} for n in names])


def tags(*pairs: tuple[str, str]) -> dict[str, object]:
    return facet("TagsDatasetFacet", "1-0-0", tags=[{"key": k, "value": v, "source": "data-catalog"} for k, v in pairs])


def ds(ns: str, name: str, **facets: object) -> dict[str, object]:
    return {"namespace": ns, "name": name, "facets": facets}


def event(kind: str, hours: float, job: str, run: str, inputs: list, outputs: list,
          run_facets: dict | None = None, job_facets: dict | None = None) -> dict[str, object]:
    return {
        "eventType": kind, "eventTime": ts(hours), "producer": PRODUCER, "schemaURL": CORE,
        "run": {"runId": rid(run), "facets": run_facets or {}},
        "job": {"namespace": "credit-platform", "name": job, "facets": job_facets or {}},
        "inputs": inputs, "outputs": outputs,
    }


def validation(model: str, version: str, results: list[tuple[str, str, float, float | None, str | None]]
               ) -> dict[str, object]:
    """gov's custom run facet, key VALIDATION (schema: lineage/facets/2-0-0/ValidationResultsRunFacet.json)."""
    items = []
    for stage, name, value, baseline, unit in results:
        item: dict[str, object] = {"stage": stage, "name": name, "value": value}
        if baseline is not None:
            item["baseline"] = baseline
        if unit:
            item["unit"] = unit
        items.append(item)
    return {"_producer": PRODUCER,
            "_schemaURL": "https://gov-audit.dev/spec/facets/2-0-0/ValidationResultsRunFacet.json"
                          "#/$defs/ValidationResultsRunFacet",
            "model": {"name": model, "version": version}, "results": items}


def job_owner(name: str) -> dict[str, object]:
    return {"ownership": facet("OwnershipJobFacet", "1-0-1", owners=[{"name": name, "type": "AUTHOR"}])}


def pipeline() -> list[dict[str, object]]:
    applications = ds(WAREHOUSE, "bank.applications",
                      schema=schema(("application_id", "BIGINT", []), ("full_name", "VARCHAR", ["PII"]),
                                    ("date_of_birth", "DATE", ["PII"]), ("sex", "VARCHAR", ["PII", "sensitive"]),
                                    ("income", "NUMERIC", ["confidential"]), ("amount", "NUMERIC", [])),
                      ownership=owners("team:credit-data"), tags=tags(("classification", "PII")))
    repayments = ds(WAREHOUSE, "bank.repayments",
                    schema=schema(("application_id", "BIGINT", []), ("days_late", "INT", []),
                                  ("defaulted", "BOOLEAN", [])),
                    ownership=owners("team:credit-data"), tags=tags(("classification", "internal")))
    # A third-party feed still has an accountable owner inside the bank: the team that holds the bureau
    # contract. The lineage rules apply to the whole upstream closure, so without it credit-risk 3
    # (two steps downstream) would be blocked by lineage.provenance, as fraud-detector 7 is for its input.
    bureau = ds("s3://bureau-feed", "scores/2026-09",
                schema=schema(("application_id", "BIGINT", []), ("bureau_score", "INT", ["confidential"])),
                ownership=owners("team:credit-data"), tags=tags(("classification", "confidential")))
    features_out = ds(LAKE, "features/credit_features", schema=schema(
        ("application_id", "BIGINT", []), ("age", "INT", []), ("sex", "VARCHAR", ["sensitive"]),
        ("debt_to_income", "DOUBLE", []), ("bureau_score", "INT", []), ("label_default", "BOOLEAN", [])),
        ownership=owners("team:ml-features"), tags=tags(("classification", "internal")),
        columnLineage=facet("ColumnLineageDatasetFacet", "1-2-0", fields={
            "age": {"inputFields": [{"namespace": WAREHOUSE, "name": "bank.applications", "field": "date_of_birth",
                                     "transformations": [{"type": "DIRECT", "subtype": "TRANSFORMATION"}]}]},
            "sex": {"inputFields": [{"namespace": WAREHOUSE, "name": "bank.applications", "field": "sex",
                                     "transformations": [{"type": "DIRECT", "subtype": "IDENTITY"}]}]},
            "debt_to_income": {"inputFields": [
                {"namespace": WAREHOUSE, "name": "bank.applications", "field": "income",
                 "transformations": [{"type": "DIRECT", "subtype": "TRANSFORMATION"}]},
                {"namespace": WAREHOUSE, "name": "bank.applications", "field": "amount",
                 "transformations": [{"type": "DIRECT", "subtype": "TRANSFORMATION"}]}]},
            "bureau_score": {"inputFields": [{"namespace": "s3://bureau-feed", "name": "scores/2026-09",
                                              "field": "bureau_score",
                                              "transformations": [{"type": "DIRECT", "subtype": "IDENTITY"}]}]},
            "label_default": {"inputFields": [{"namespace": WAREHOUSE, "name": "bank.repayments",
                                               "field": "defaulted",
                                               "transformations": [{"type": "DIRECT", "subtype": "IDENTITY"}]}]},
        }))
    features_out["outputFacets"] = {}
    checks = {"dataQualityAssertions": facet("DataQualityAssertionsDatasetFacet", "1-0-1", assertions=[
        {"assertion": "not_null", "success": True, "column": "application_id"},
        {"assertion": "schema_matches_contract", "success": True},
        {"assertion": "psi_drift_below_0.2", "success": True, "column": "debt_to_income"}])}
    features_in = ds(LAKE, "features/credit_features", **checks)
    transactions = ds(WAREHOUSE, "bank.card_transactions",
                      schema=schema(("card_number", "VARCHAR", ["PII", "restricted"]), ("merchant", "VARCHAR", []),
                                    ("amount", "NUMERIC", []), ("is_fraud", "BOOLEAN", [])),
                      tags=facet("TagsDatasetFacet", "1-0-0", tags=[
                          {"key": "classification", "value": "restricted", "source": "data-catalog"},
                          {"key": "pii", "value": "true", "source": "data-catalog", "field": "card_number"}]))
    credit_model = ds(LAKE, "models/credit-risk/3")
    fraud_model = ds(LAKE, "models/fraud-detector/7")
    feat = "features.build_credit_features"
    events = [
        event("START", 0, feat, "features-1", [applications, repayments, bureau], [], job_facets=job_owner("dora")),
        event("COMPLETE", 0.5, feat, "features-1", [applications, repayments, bureau], [features_out],
              job_facets=job_owner("dora")),
        event("START", 24, "ml.train_credit_risk", "train-credit-3", [features_in], [],
              job_facets=job_owner("alice")),
        event("COMPLETE", 26, "ml.train_credit_risk", "train-credit-3", [features_in], [credit_model],
              job_facets=job_owner("alice")),
        event("START", 30, "ml.train_fraud_detector", "train-fraud-7", [transactions], [],
              job_facets=job_owner("bob")),
        event("COMPLETE", 33, "ml.train_fraud_detector", "train-fraud-7", [transactions], [fraud_model],
              job_facets=job_owner("bob")),
        event("START", 48, "ml.validate_credit_risk", "validate-credit-3", [credit_model, features_in], []),
        event("COMPLETE", 49, "ml.validate_credit_risk", "validate-credit-3", [credit_model, features_in], [],
              run_facets={VALIDATION: validation("credit-risk", "3", [
                  ("model_performance", "auc", 0.81, 0.80, None),
                  ("model_performance", "ks_statistic", 0.42, 0.41, None),
                  ("operational", "latency_p95_ms", 118.0, 131.0, "ms"),
                  ("operational", "memory_mb", 1850.0, None, "MB"),
                  ("operational", "throughput_rps", 240.0, None, "1/s"),
                  ("ethical", "explainability_coverage", 0.97, None, None)])}),
        event("START", 50, "ml.validate_fraud_detector", "validate-fraud-7", [fraud_model, transactions], []),
        event("COMPLETE", 51, "ml.validate_fraud_detector", "validate-fraud-7", [fraud_model, transactions], [],
              run_facets={VALIDATION: validation("fraud-detector", "7", [
                  ("model_performance", "auc", 0.74, 0.79, None),
                  ("operational", "latency_p95_ms", 310.0, 180.0, "ms"),
                  ("operational", "memory_mb", 2900.0, None, "MB"),
                  ("operational", "throughput_rps", 900.0, None, "1/s")])}),
    ]
    failed = event("FAIL", 31, "ml.train_fraud_detector", "train-fraud-6", [transactions], [],
                   run_facets={"errorMessage": facet("ErrorMessageRunFacet", "1-0-1", message="OOM in trainer",
                                                     programmingLanguage="python")},
                   job_facets=job_owner("bob"))
    events.insert(4, failed)
    return events


def main() -> None:
    events = pipeline()
    with (HERE / "credit_platform.jsonl").open("w") as fh:
        for e in events:
            fh.write(json.dumps(e, sort_keys=True) + "\n")
    print(f"wrote {len(events)} events; training runs: credit-risk 3 = {rid('train-credit-3')}, "
          f"fraud-detector 7 = {rid('train-fraud-7')}")


if __name__ == "__main__":
    main()
