"""The `gov_fairnessEvaluation` OpenLineage run facet: validate it offline, store it like a CLI evaluation.

The facet carries per-group confusion counts and names the model version it evaluates (`model.name`,
`model.version`): an evaluation run is usually not the training run, so it binds explicitly rather
than through `ModelVersion.training_run_id`. gov recomputes every metric and interval from the counts;
metrics the producer reports are kept as reported. Schema: lineage/facets/2-0-0/FairnessEvaluationRunFacet.json;
the 1-0-0 key `fairnessEvaluation` (lineage/facets/FairnessEvaluationRunFacet.json) is still accepted.
"""

from __future__ import annotations

import json
from datetime import datetime
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np
from sqlmodel import Session, select

from governance.assets import asset_path
from governance.errors import GovernanceError, InputError, NotFoundError
from governance.evidence.confusion import ConfusionTable, natural_key
from governance.evidence.counts import ColumnRoles
from governance.evidence.custom_facets import FAIRNESS, VERSION, by_key
from governance.evidence.evaluation import Settings, parse_privileged, privileged_mask

FACET_KEY = FAIRNESS.key  # gov_fairnessEvaluation
LEGACY_KEY = FAIRNESS.legacy_key  # fairnessEvaluation (schema 1-0-0), read only
SCHEMA_ID = FAIRNESS.schema_id()
SCHEMA_URL = FAIRNESS.schema_url()
OPENLINEAGE_SPEC = "https://openlineage.io/spec/2-0-2/OpenLineage.json"
ROOT = f"$.run.facets.{FACET_KEY}"
CELLS = ("tp", "fp", "fn", "tn")

# The two definitions of the OpenLineage spec the facet's `$ref` reaches, copied so that validation
# never needs the network; a test checks them against the published spec.
OPENLINEAGE_BASE: dict[str, Any] = {
    "$id": OPENLINEAGE_SPEC,
    "$defs": {
        "BaseFacet": {
            "type": "object",
            "properties": {
                "_producer": {"type": "string", "format": "uri"},
                "_schemaURL": {"type": "string", "format": "uri"},
            },
            "additionalProperties": True,
            "required": ["_producer", "_schemaURL"],
        },
        "RunFacet": {"type": "object", "allOf": [{"$ref": "#/$defs/BaseFacet"}]},
    },
}


def schema_path(version: str = VERSION) -> Path:
    """The facet's JSON Schema of `version` in `lineage/facets/` (governance/assets.py says where that is)."""
    return asset_path("lineage", *FAIRNESS.schema_parts(version))


@lru_cache(maxsize=2)
def facet_schema(version: str = VERSION) -> dict[str, Any]:
    from governance.errors import ConfigError

    try:
        return dict(json.loads(schema_path(version).read_text(encoding="utf-8")))
    except OSError as exc:
        raise ConfigError(
            f"facet schema missing: {schema_path(version)}", hint="reinstall gov from its repository"
        ) from exc


@lru_cache(maxsize=2)
def _validator(version: str = VERSION) -> Any:
    from jsonschema import Draft202012Validator
    from referencing import Registry, Resource

    schema = facet_schema(version)
    registry = Registry().with_resources(
        [
            (FAIRNESS.schema_id(version), Resource.from_contents(schema)),
            (OPENLINEAGE_SPEC, Resource.from_contents(OPENLINEAGE_BASE, default_specification=_draft())),
        ]
    )
    return Draft202012Validator(
        {"$ref": FAIRNESS.schema_url(version)}, registry=registry, format_checker=Draft202012Validator.FORMAT_CHECKER
    )


def _draft() -> Any:
    from referencing.jsonschema import DRAFT202012

    return DRAFT202012


def _error(message: str, path: str = "", key: str = FACET_KEY) -> InputError:
    where = f"$.run.facets.{key}{path}"
    exc = InputError(message, where=where)
    exc.json_path = where  # type: ignore[attr-defined]  # read by lineage ingestion's rejection record
    exc.reason = message  # type: ignore[attr-defined]
    return exc


def validate_fairness_facet(facet: Any, key: str = FACET_KEY) -> None:
    """Check a facet's schema and consistency (everything but the registry lookup, which needs the store);
    InputError naming `$.run.facets.<key>.<path>` on the first problem. `key` is the facet's key in the
    event: the schema of its version validates it."""
    from jsonschema.exceptions import best_match

    found = by_key(key)
    error = best_match(_validator(found[1] if found else VERSION).iter_errors(facet))
    if error is None:
        table_from_facet(facet, key)
        return
    path = error.json_path[1:]
    if error.validator == "required" and isinstance(error.instance, dict):
        missing = [p for p in error.validator_value if p not in error.instance]
        path += f".{missing[0]}" if missing else ""
    raise _error(error.message, path, key)


def table_from_facet(facet: dict[str, Any], key: str = FACET_KEY) -> tuple[ConfusionTable, ColumnRoles, Settings]:
    """The confusion table, column roles and settings a valid facet describes."""
    sensitive = tuple(facet["sensitive"])
    score = facet.get("score")
    rows: dict[tuple[str, ...], dict[str, Any]] = {}
    for i, group in enumerate(facet["groups"]):
        if set(group["values"]) != set(sensitive):
            raise _error(
                f"group values name {sorted(group['values'])}, not the sensitive columns {list(sensitive)}",
                f".groups[{i}].values",
                key,
            )
        group_key = tuple(group["values"][c] for c in sensitive)
        if group_key in rows:
            raise _error(f"group {dict(zip(sensitive, group_key, strict=True))} appears twice", f".groups[{i}]", key)
        if score and ("scoreSum" not in group or "scoreSumOfSquares" not in group):
            raise _error("with a score column every group needs scoreSum and scoreSumOfSquares", f".groups[{i}]", key)
        rows[group_key] = group
    groups = sorted(rows, key=natural_key)
    counts = np.array([[rows[g][c] for c in CELLS] for g in groups], dtype=np.int64)
    if counts.sum() == 0:
        raise _error("the groups hold no rows", ".groups", key)
    sums = np.array([[rows[g]["scoreSum"][c] for c in CELLS] for g in groups], dtype=np.float64) if score else None
    squares = (
        np.array([[rows[g]["scoreSumOfSquares"][c] for c in CELLS] for g in groups], dtype=np.float64)
        if score
        else None
    )
    favorable = facet["favorableLabel"]
    table = ConfusionTable(sensitive, tuple(groups), counts, favorable, (favorable,), (favorable,), sums, squares)
    boot = facet.get("bootstrap", {})
    settings = Settings(
        privileged=facet.get("privilegedGroup"),
        min_group_size=facet.get("minGroupSize", 30),
        include_small_groups=facet.get("includeSmallGroups", False),
        bootstrap=boot.get("resamples", 1000),
        seed=boot.get("seed", 0),
        confidence=boot.get("confidence", 0.95),
    )
    if settings.privileged:
        try:
            privileged_mask(table, parse_privileged(settings.privileged, sensitive))
        except InputError as exc:
            raise _error(exc.message, ".privilegedGroup", key) from exc
    return table, ColumnRoles(facet["label"], facet["prediction"], sensitive, score), settings


def ingest_fairness_facet(
    session: Session,
    *,
    run_id: str,
    facet: dict[str, Any],
    producer: str,
    event_time: datetime,
    key: str = FACET_KEY,
    submitted_by: str | None = None,
) -> None:
    """Validate a facet and store its evaluation in the caller's transaction (idempotent per run): counts
    and point estimates only, marked `intervals_pending` (governance.evidence.intervals computes the
    bootstrap intervals later, off ingest). `key` is the facet's key in the event (errors name its path)."""
    from governance.evidence.fairness import DataInfo, input_digest, resolve_version, store_evaluation
    from governance.evidence.tables import FairnessEvaluation

    validate_fairness_facet(facet, key)  # cheap; the lineage ingestion has usually run it already
    table, roles, settings = table_from_facet(facet, key)
    try:
        registered, model_version = resolve_version(session, facet["model"]["name"], facet["model"]["version"])
    except NotFoundError as exc:
        raise NotFoundError(
            exc.message, where=f"$.run.facets.{key}.model", hint="register the model version first"
        ) from exc
    digest = input_digest(table, settings)
    seen = session.exec(
        select(FairnessEvaluation.id).where(
            FairnessEvaluation.run_id == run_id,
            FairnessEvaluation.model_version_id == model_version.id,
            FairnessEvaluation.input_digest == digest,
            FairnessEvaluation.submitted_by == submitted_by,  # a trusted copy is not hidden by an untrusted one
        )
    ).first()
    if seen is not None:
        return
    data = facet["data"]
    info = DataInfo(
        data["digest"],
        "reported",
        data.get("source") or f"OpenLineage run {run_id}",
        data.get("format") or "lineage",
    )
    extra = {"reported_metrics": facet.get("reportedMetrics")} if facet.get("reportedMetrics") else None
    try:
        store_evaluation(
            session,
            registered,
            model_version,
            table,
            settings,
            info,
            roles,
            producer=producer or facet["_producer"],
            run_id=run_id,
            evaluated_at=event_time,
            extra=extra,
            submitted_by=submitted_by,
            intervals=False,  # bounded but heavy: computed later (governance.evidence.intervals)
        )
    except GovernanceError as exc:
        raise _error(exc.message, key=key) from exc


def to_facet(results: dict[str, Any], producer: str) -> dict[str, Any]:
    """A `gov_fairnessEvaluation` facet (schema 2-0-0) with a stored evaluation's counts, for pipelines to emit."""
    privileged = results.get("privileged")
    groups = []
    for group in results["groups"]:
        entry: dict[str, Any] = {"values": group["values"], **group["counts"]}
        if "score_sum" in group:
            entry["scoreSum"], entry["scoreSumOfSquares"] = group["score_sum"], group["score_sum_of_squares"]
        groups.append(entry)
    boot = results["bootstrap"]
    facet: dict[str, Any] = {
        "_producer": producer,
        "_schemaURL": SCHEMA_URL,
        "model": {"name": results["model"]["name"], "version": results["model"]["version"]},
        "data": {k: results["data"][k] for k in ("digest", "source", "format")},
        "label": results["columns"]["label"],
        "prediction": results["columns"]["prediction"],
        "sensitive": results["columns"]["sensitive"],
        "score": results["columns"]["score"],
        "favorableLabel": results["favorable_label"],
        "privilegedGroup": ",".join(f"{c}={v}" for c, v in privileged["selector"].items()) if privileged else None,
        "minGroupSize": results["min_group_size"],
        "includeSmallGroups": results["small_groups"] == "included",
        "bootstrap": {"resamples": boot["resamples"], "seed": boot["seed"], "confidence": boot["confidence"]},
        "groups": groups,
        "reportedMetrics": {k: v["value"] for k, v in results["metrics"].items()},
    }
    return facet
