"""The `gov_stageEvidence` OpenLineage run facet, and the one reader of a StageResult from untrusted JSON.

A pipeline that computed validation-stage evidence itself (performance, drift, data validation, an A/B
test, a load test) sends it as this facet on its run, or as the body of
`POST /api/v1/models/{model}/versions/{version}/evidence/{kind}`; `gov evidence <kind>` puts it on the
run event it records. The facet is `{"model": {"name", "version"}, "evidence": <StageResult>}` with the
StageResult as `StageResult.to_dict()` writes it. Schema: lineage/facets/2-0-0/StageEvidenceRunFacet.json
(it has no 1-0-0 key). On ingest it is stored as stage evidence (`stage_store.store_stage_result`)
bound to the named version and to the identity that sent the event, idempotent per run.
"""

from __future__ import annotations

import json
from datetime import datetime
from functools import cache
from pathlib import Path
from typing import Any

from governance.errors import GovernanceError, InputError, NotFoundError
from governance.evidence.custom_facets import SCHEMA_HOST, VERSION, CustomFacet
from governance.evidence.stage import StageResult

STAGE = CustomFacet("stageEvidence", "StageEvidenceRunFacet")
FACET_KEY = STAGE.key  # gov_stageEvidence
SCHEMA_ID = STAGE.schema_id()
SCHEMA_URL = STAGE.schema_url()
RESULT_URL = f"{SCHEMA_HOST}/{VERSION}/{STAGE.definition}.json#/$defs/StageResult"
MAX_BODY_BYTES = 4 * 1024 * 1024  # a stage result larger than this is refused (API)


def schema_path() -> Path:
    from governance.assets import asset_path

    return asset_path("lineage", *STAGE.schema_parts(VERSION))


@cache
def _validator(definition: str) -> Any:
    from jsonschema import Draft202012Validator
    from referencing import Registry, Resource
    from referencing.jsonschema import DRAFT202012

    from governance.errors import ConfigError
    from governance.evidence.fairness_facet import OPENLINEAGE_BASE, OPENLINEAGE_SPEC

    try:
        schema = json.loads(schema_path().read_text(encoding="utf-8"))
    except OSError as exc:
        raise ConfigError(f"facet schema missing: {schema_path()}", hint="reinstall gov from its repository") from exc
    registry = Registry().with_resources(
        [
            (SCHEMA_ID, Resource.from_contents(schema)),
            (OPENLINEAGE_SPEC, Resource.from_contents(OPENLINEAGE_BASE, default_specification=DRAFT202012)),
        ]
    )
    return Draft202012Validator(
        {"$ref": f"{SCHEMA_ID}#/$defs/{definition}"},
        registry=registry,
        format_checker=Draft202012Validator.FORMAT_CHECKER,
    )


def _error(where: str, message: str) -> InputError:
    exc = InputError(" ".join(message.split())[:300], where=where)
    exc.json_path = where  # type: ignore[attr-defined]  # read by lineage ingestion's rejection record
    exc.reason = exc.message  # type: ignore[attr-defined]
    return exc


def _schema_check(definition: str, obj: Any, root: str) -> None:
    from jsonschema.exceptions import best_match

    error = best_match(_validator(definition).iter_errors(obj))
    if error is None:
        return
    path = error.json_path[1:]
    if error.validator == "required" and isinstance(error.instance, dict):
        missing = [p for p in error.validator_value if p not in error.instance]
        path += f".{missing[0]}" if missing else ""
    raise _error(root + path, error.message)


def parse_stage_result(obj: Any, where: str = "body") -> StageResult:
    """A StageResult from decoded untrusted JSON (schema-checked, then the store's own checks);
    InputError naming `<where>.<path>` on the first problem, never another exception."""
    from governance.evidence.stage_store import check_result

    _schema_check("StageResult", obj, where)
    try:
        result = StageResult.from_dict(obj)
    except (TypeError, ValueError, KeyError, OverflowError) as exc:
        raise _error(where, f"not a stage result: {exc}") from exc
    try:
        check_result(result)
    except InputError as exc:
        raise _error(f"{where}.{exc.where}" if exc.where else where, exc.message) from exc
    return result


def validate_stage_facet(facet: Any, key: str = FACET_KEY) -> None:
    """Check the facet's schema and the StageResult it carries; InputError naming `$.run.facets.<key>...`."""
    root = f"$.run.facets.{key}"
    _schema_check(STAGE.definition, facet, root)
    parse_stage_result(facet["evidence"], f"{root}.evidence")


def to_facet(model: str, version: str, result: StageResult, producer: str) -> dict[str, Any]:
    """The `gov_stageEvidence` facet of a result (what `gov evidence <kind>` puts on its run)."""
    return {
        "_producer": producer,
        "_schemaURL": SCHEMA_URL,
        "model": {"name": model, "version": version},
        "evidence": result.to_dict(),
    }


def ingest_stage_facet(
    session: Any,
    *,
    run_id: str,
    facet: dict[str, Any],
    producer: str,
    event_time: datetime,
    key: str = FACET_KEY,
    submitted_by: str | None = None,
) -> None:
    """Store the facet's result in the caller's transaction, submitted by the event's sender; idempotent per
    run, version, kind, data digest and submitter (`gov evidence` stores its result first, then its event)."""
    from sqlmodel import select

    from governance.evidence.stage_store import store_stage_result
    from governance.evidence.stage_tables import StageEvidenceRow
    from governance.registry.service import get_version

    root = f"$.run.facets.{key}"
    result = parse_stage_result(facet["evidence"], f"{root}.evidence")
    try:
        _, mv = get_version(session, facet["model"]["name"], facet["model"]["version"])
    except NotFoundError as exc:
        raise NotFoundError(exc.message, where=f"{root}.model", hint="register the model version first") from exc
    seen = session.exec(
        select(StageEvidenceRow.id).where(
            StageEvidenceRow.run_id == run_id,
            StageEvidenceRow.model_version_id == mv.id,
            StageEvidenceRow.kind == result.kind,
            StageEvidenceRow.data_digest == result.data_digest,
            StageEvidenceRow.submitted_by == submitted_by,
        )
    ).first()
    if seen is not None:
        return
    try:
        store_stage_result(
            session,
            facet["model"]["name"],
            mv.version,
            result,
            submitted_by=submitted_by,
            producer=producer or facet["_producer"],
            run_id=run_id,
            evaluated_at=event_time,
        )
    except GovernanceError as exc:
        raise _error(root, exc.message) from exc
