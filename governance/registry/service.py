"""Model registry: registered models and their versions (native records and MLflow imports)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from sqlmodel import Session, select

from governance.errors import ConflictError, InputError, NotFoundError
from governance.store.tables import ModelVersion, RegisteredModel
from governance.timeutil import utcnow

RISK_TIERS = ("low", "medium", "high", "critical")
_DIGEST = re.compile(r"^sha256:[0-9a-f]{64}$")
_UUID = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")


@dataclass(frozen=True)
class VersionSpec:
    """What a caller supplies to register a model version."""

    version: str
    artifact_uri: str
    artifact_digest: str
    created_by: str
    training_run_id: str | None = None
    status: str = "registered"
    stage: str | None = None
    aliases: list[str] = field(default_factory=list)
    tags: dict[str, Any] = field(default_factory=dict)
    source: str = "native"


def normalise_digest(digest: str) -> str:
    """Accept `sha256:<hex>` or bare hex; return `sha256:<lowercase hex>`."""
    value = digest.strip().lower()
    if not value.startswith("sha256:"):
        value = "sha256:" + value
    if not _DIGEST.match(value):
        raise InputError(f"artifact digest must be sha256:<64 hex digits>, got {digest!r}", where="artifact_digest")
    return value


def register_model(
    session: Session,
    name: str,
    *,
    owner: str,
    risk_tier: str = "medium",
    description: str | None = None,
    tags: dict[str, Any] | None = None,
    source: str = "native",
) -> RegisteredModel:
    """Create a registered model, or update its owner, tier, description and tags."""
    if not name.strip():
        raise InputError("model name must not be empty", where="MODEL")
    if risk_tier not in RISK_TIERS:
        raise InputError(f"risk tier must be one of {', '.join(RISK_TIERS)}, got {risk_tier!r}", where="risk_tier")
    model = session.exec(select(RegisteredModel).where(RegisteredModel.name == name)).first()
    if model is None:
        model = RegisteredModel(
            name=name,
            owner=owner,
            risk_tier=risk_tier,
            description=description,
            tags=dict(tags or {}),
            source=source,
            created_at=utcnow(),
        )
    else:
        model.owner, model.risk_tier = owner, risk_tier
        model.description = description if description is not None else model.description
        model.tags = {**model.tags, **(tags or {})}
    session.add(model)
    session.flush()
    return model


def register_version(session: Session, model_name: str, spec: VersionSpec) -> ModelVersion:
    """Register a version. Re-registering the same digest is a no-op; another digest is a conflict."""
    model = get_model(session, model_name)
    digest = normalise_digest(spec.artifact_digest)
    if spec.training_run_id is not None and not _UUID.match(spec.training_run_id):
        raise InputError(
            f"training run id must be an OpenLineage run UUID, got {spec.training_run_id!r}", where="training_run_id"
        )
    existing = session.exec(
        select(ModelVersion).where(ModelVersion.model_id == model.id, ModelVersion.version == spec.version)
    ).first()
    if existing is not None:
        if existing.artifact_digest != digest:
            raise ConflictError(
                f"{model_name} {spec.version} is already registered with digest {existing.artifact_digest}",
                hint="a version's artifact is immutable; register a new version",
            )
        existing.status, existing.stage = spec.status, spec.stage or existing.stage
        existing.aliases = sorted(set(existing.aliases) | set(spec.aliases))
        existing.tags = {**existing.tags, **spec.tags}
        if spec.training_run_id and not existing.training_run_id:
            existing.training_run_id = spec.training_run_id
        session.add(existing)
        session.flush()
        return existing
    assert model.id is not None
    from governance.identity import normalise_identity

    version = ModelVersion(
        model_id=model.id,
        version=spec.version,
        artifact_uri=spec.artifact_uri,
        artifact_digest=digest,
        training_run_id=spec.training_run_id.lower() if spec.training_run_id else None,
        status=spec.status,
        stage=spec.stage,
        aliases=sorted(set(spec.aliases)),
        created_by=normalise_identity(spec.created_by, field="created_by"),
        created_at=utcnow(),
        tags=dict(spec.tags),
        source=spec.source,
    )
    session.add(version)
    session.flush()
    return version


def get_model(session: Session, name: str) -> RegisteredModel:
    model = session.exec(select(RegisteredModel).where(RegisteredModel.name == name)).first()
    if model is None:
        raise NotFoundError(f"no registered model named {name!r}", hint="see `gov registry list`")
    return model


def get_version(session: Session, model: str, version: str) -> tuple[RegisteredModel, ModelVersion]:
    """The model and one of its versions (by version string or alias)."""
    registered = get_model(session, model)
    versions = session.exec(select(ModelVersion).where(ModelVersion.model_id == registered.id)).all()
    for candidate in versions:
        if candidate.version == version:
            return registered, candidate
    for candidate in versions:
        if version in candidate.aliases:
            return registered, candidate
    raise NotFoundError(
        f"model {model!r} has no version {version!r}", hint=f"known: {', '.join(v.version for v in versions) or 'none'}"
    )


def list_models(session: Session) -> list[tuple[RegisteredModel, list[ModelVersion]]]:
    models = session.exec(select(RegisteredModel).order_by(RegisteredModel.name)).all()
    out = []
    for model in models:
        versions = session.exec(
            select(ModelVersion).where(ModelVersion.model_id == model.id).order_by(ModelVersion.created_at)  # type: ignore[arg-type]
        ).all()
        out.append((model, list(versions)))
    return out


def model_to_dict(model: RegisteredModel) -> dict[str, Any]:
    return {
        "name": model.name,
        "owner": model.owner,
        "risk_tier": model.risk_tier,
        "description": model.description,
        "tags": model.tags,
        "source": model.source,
    }


def version_to_dict(version: ModelVersion) -> dict[str, Any]:
    from governance.timeutil import iso

    return {
        "version": version.version,
        "artifact_uri": version.artifact_uri,
        "artifact_digest": version.artifact_digest,
        "training_run_id": version.training_run_id,
        "status": version.status,
        "stage": version.stage,
        "aliases": version.aliases,
        "created_by": version.created_by,
        "created_at": iso(version.created_at),
        "tags": version.tags,
        "source": version.source,
    }
