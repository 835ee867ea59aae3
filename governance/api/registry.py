"""Registry routes: models, versions, and a version's training lineage."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Query
from sqlmodel import Session

from governance.api.deps import session

router = APIRouter(prefix="/api/v1", tags=["registry"])


@router.get("/models")
def list_models(s: Session = Depends(session)) -> list[dict[str, Any]]:
    from governance.registry.service import list_models as list_all, model_to_dict, version_to_dict

    return [{**model_to_dict(m), "versions": [version_to_dict(v) for v in vs]} for m, vs in list_all(s)]


@router.get("/models/{model}")
def get_model(model: str, s: Session = Depends(session)) -> dict[str, Any]:
    from governance.registry.show import describe

    return describe(s, model, None)[0]


@router.get("/models/{model}/versions/{version}")
def get_version(model: str, version: str, s: Session = Depends(session)) -> dict[str, Any]:
    from governance.registry.show import describe

    return describe(s, model, version)[0]


@router.get("/models/{model}/versions/{version}/training-data")
def training_data(model: str, version: str, depth: int | None = Query(None, ge=0, le=1000),
                  asOf: str | None = Query(None), s: Session = Depends(session)) -> dict[str, Any]:  # noqa: N803
    from governance.lineage.graph import datasets_of_model_version
    from governance.timeutil import parse_timestamp

    when = parse_timestamp(asOf, field="asOf") if asOf else None
    found = datasets_of_model_version(s, model, version, depth=depth, as_of=when)
    return {"model": model, "version": version, "datasets": [{"dataset": d, "hops": h} for d, h in found.items()]}
