"""Registry routes: models, versions, a version's training lineage; registering them (admin)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Path, Query, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field
from sqlmodel import Session

from governance.api.deps import DB
from governance.api.errors import ERROR_RESPONSES
from governance.api.security import Requires
from governance.auth.roles import Permission
from governance.auth.tokens import Principal

router = APIRouter(prefix="/api/v1", tags=["registry"], responses=ERROR_RESPONSES)
READ = [Depends(Requires(Permission.REGISTRY_READ))]
MODEL = Path(..., max_length=512)
VERSION = Path(..., max_length=128)


class ModelIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str = Field(..., min_length=1, max_length=512)
    owner: str = Field(..., min_length=1, max_length=256)
    risk_tier: str = Field("medium", max_length=32)
    description: str | None = Field(None, max_length=10_000)
    tags: dict[str, Any] = Field(default_factory=dict)


class VersionIn(BaseModel):
    """A model version. `created_by` is not accepted: it is the identity of the caller's token."""

    model_config = ConfigDict(extra="forbid")
    version: str = Field(..., min_length=1, max_length=128)
    artifact_uri: str = Field(..., min_length=1, max_length=2048)
    artifact_digest: str = Field(..., max_length=80, description="sha256:<64 hex digits>")
    training_run_id: str | None = Field(None, max_length=64, description="OpenLineage runId of the training run")
    status: str = Field("registered", max_length=32)
    stage: str | None = Field(None, max_length=64)
    aliases: list[str] = Field(default_factory=list, max_length=64)
    tags: dict[str, Any] = Field(default_factory=dict)


@router.get("/models", dependencies=READ)
def list_models(s: Session = DB) -> list[dict[str, Any]]:
    """Every registered model with its versions."""
    from governance.registry.service import list_models as list_all
    from governance.registry.service import model_to_dict, version_to_dict

    return [{**model_to_dict(m), "versions": [version_to_dict(v) for v in vs]} for m, vs in list_all(s)]


@router.post("/models", status_code=201)
def register_model(
    body: ModelIn, s: Session = DB, _: Principal = Depends(Requires(Permission.REGISTRY_WRITE))
) -> dict[str, Any]:
    """Create a model, or update its owner, risk tier, description and tags."""
    from governance.registry.service import model_to_dict
    from governance.registry.service import register_model as register

    model = register(
        s, body.name, owner=body.owner, risk_tier=body.risk_tier, description=body.description, tags=body.tags
    )
    return model_to_dict(model)


MAX_CARD_BYTES = 1_000_000


@router.get("/models/{model:path}/card", dependencies=READ)
def get_card(model: str = MODEL, s: Session = DB) -> dict[str, Any]:
    """The model's current card, the sections it leaves missing, and every earlier card (digests)."""
    from governance.registry.model_card import card_view, history_of, view_to_dict

    return view_to_dict(card_view(s, model), history_of(s, model))


@router.put("/models/{model:path}/card")
async def put_card(
    request: Request,
    model: str = MODEL,
    s: Session = DB,
    who: Principal = Depends(Requires(Permission.REGISTRY_WRITE)),
) -> JSONResponse:
    """Attach a model card (a JSON object, checked against model_card.schema.json) as the caller: 201 when it
    becomes the current card (earlier ones are kept), 200 when it is the current card already."""
    from starlette.concurrency import run_in_threadpool

    from governance import jsonsafe
    from governance.api.deps import read_body

    content = jsonsafe.loads(await read_body(request, MAX_CARD_BYTES))

    def attach() -> tuple[dict[str, Any], bool]:
        from governance.registry.model_card import attach_card, card_view, history_of, view_to_dict

        _, created = attach_card(s, model, content, attached_by=who.name, source_name="body")
        return view_to_dict(card_view(s, model), history_of(s, model)), created

    data, created = await run_in_threadpool(attach)
    return JSONResponse(data, status_code=201 if created else 200)


# Model names may contain '/' ({model:path}); the longer routes come first, so that
# /models/a/b/versions/3 is version 3 of model a/b, not a model named 'a/b/versions/3'.
@router.get("/models/{model:path}/versions/{version}/training-data", dependencies=READ)
def training_data(
    model: str = MODEL,
    version: str = VERSION,
    depth: int | None = Query(None, ge=0, le=1000),
    asOf: str | None = Query(None, max_length=64),  # noqa: N803
    s: Session = DB,
) -> dict[str, Any]:
    """The datasets a version was trained on, recursively, with their distance."""
    from governance.lineage.graph import datasets_of_model_version
    from governance.timeutil import parse_optional_timestamp

    when = parse_optional_timestamp(asOf, field="asOf")
    found = datasets_of_model_version(s, model, version, depth=depth, as_of=when)
    return {"model": model, "version": version, "datasets": [{"dataset": d, "hops": h} for d, h in found.items()]}


@router.get("/models/{model:path}/versions/{version}", dependencies=READ)
def get_version(model: str = MODEL, version: str = VERSION, s: Session = DB) -> dict[str, Any]:
    """One version with its training lineage."""
    from governance.lineage.model_view import describe

    return describe(s, model, version)[0]


@router.post("/models/{model:path}/versions", status_code=201)
def register_version(
    body: VersionIn, model: str = MODEL, s: Session = DB, who: Principal = Depends(Requires(Permission.REGISTRY_WRITE))
) -> dict[str, Any]:
    """Register a version, created by the caller. The same digest again is a no-op; another is 409."""
    from governance.registry.service import VersionSpec, version_to_dict
    from governance.registry.service import register_version as register

    spec = VersionSpec(
        version=body.version,
        artifact_uri=body.artifact_uri,
        artifact_digest=body.artifact_digest,
        created_by=who.name,
        training_run_id=body.training_run_id,
        status=body.status,
        stage=body.stage,
        aliases=list(body.aliases),
        tags=dict(body.tags),
    )
    return version_to_dict(register(s, model, spec))


@router.get("/models/{model:path}", dependencies=READ)
def get_model(model: str = MODEL, s: Session = DB) -> dict[str, Any]:
    """One model and its versions."""
    from governance.lineage.model_view import describe

    return describe(s, model, None)[0]
