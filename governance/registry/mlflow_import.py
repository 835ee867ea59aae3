"""Import registered models and versions from an MLflow tracking server (optional extra `[mlflow]`).

Mapping: model tags `owner`, `risk_tier` -> owner, risk tier; version `source` -> artifact URI;
artifact digest from the version tag `sha256` when the pipeline recorded one, else computed by
downloading the version's artifacts (a directory digest over sorted relative paths and file
digests); training run -> the MLflow run's tag `openlineage.run_id` (or the version tag of that
name), since MLflow run ids are not OpenLineage run UUIDs.
"""

from __future__ import annotations

import hashlib
import tempfile
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlmodel import Session

from governance.errors import ConfigError, InputError
from governance.registry.service import RISK_TIERS, VersionSpec, register_model, register_version

OL_RUN_TAG = "openlineage.run_id"


def tree_digest(root: Path) -> str:
    """sha256 over `relative/path\\0<file sha256>\\n` lines, sorted: one digest for a directory artifact."""
    if root.is_file():
        return "sha256:" + hashlib.sha256(root.read_bytes()).hexdigest()
    lines = []
    for path in sorted(p for p in root.rglob("*") if p.is_file()):
        lines.append(f"{path.relative_to(root).as_posix()}\0{hashlib.sha256(path.read_bytes()).hexdigest()}\n")
    return "sha256:" + hashlib.sha256("".join(lines).encode()).hexdigest()


def _client(tracking_uri: str) -> Any:
    try:
        from mlflow.tracking import MlflowClient
    except ImportError as exc:
        raise ConfigError("MLflow is not installed", hint="pip install 'gov-audit[mlflow]'") from exc
    return MlflowClient(tracking_uri=tracking_uri, registry_uri=tracking_uri)


def _preflight(tracking_uri: str) -> None:
    """Fail in seconds, not after MLflow's minutes of retries, when an HTTP server is unreachable."""
    if not tracking_uri.startswith(("http://", "https://")):
        return
    import httpx

    try:
        httpx.get(tracking_uri.rstrip("/") + "/health", timeout=5).raise_for_status()
    except httpx.HTTPError as exc:
        raise ConfigError(f"cannot reach MLflow at {tracking_uri}: {exc}") from exc


def _digest(client: Any, mv: Any, tags: dict[str, str]) -> str:
    if tags.get("sha256"):
        return tags["sha256"]
    with tempfile.TemporaryDirectory() as tmp:
        local = client.download_artifacts(mv.run_id, _artifact_path(mv.source), tmp) if mv.run_id else None
        if local is None:
            from mlflow.artifacts import download_artifacts

            local = download_artifacts(artifact_uri=mv.source, dst_path=tmp)
        return tree_digest(Path(local))


def _artifact_path(source: str) -> str:
    # runs:/<run_id>/<path> or .../artifacts/<path>
    if source.startswith("runs:/"):
        return source.split("/", 2)[2] if source.count("/") >= 2 else ""
    marker = "/artifacts/"
    return source.split(marker, 1)[1] if marker in source else ""


def import_from_mlflow(
    session: Session, tracking_uri: str, *, default_owner: str | None = None, only: list[str] | None = None
) -> tuple[int, int]:
    """Upsert every (selected) MLflow registered model and its versions. Returns (models, versions)."""
    _preflight(tracking_uri)
    client = _client(tracking_uri)
    try:
        registered = list(client.search_registered_models())
    except Exception as exc:  # noqa: BLE001 - any client/network failure is a configuration problem here
        raise ConfigError(f"cannot reach MLflow at {tracking_uri}: {exc}") from exc
    n_models = n_versions = 0
    for rm in registered:
        if only and rm.name not in only:
            continue
        tags = dict(rm.tags or {})
        owner = tags.get("owner") or default_owner
        if not owner:
            raise InputError(
                f"MLflow model {rm.name!r} has no `owner` tag",
                where=f"mlflow:{rm.name}",
                hint="tag it, or pass --default-owner",
            )
        tier = tags.get("risk_tier", "medium")
        if tier not in RISK_TIERS:
            raise InputError(f"MLflow model {rm.name!r} has risk_tier {tier!r}", where=f"mlflow:{rm.name}")
        register_model(
            session,
            rm.name,
            owner=owner,
            risk_tier=tier,
            description=rm.description or None,
            tags={k: v for k, v in tags.items() if k not in ("owner", "risk_tier")},
            source="mlflow",
        )
        n_models += 1
        for mv in client.search_model_versions(f"name='{rm.name}'"):
            vtags = dict(mv.tags or {})
            run_tags = dict(client.get_run(mv.run_id).data.tags) if mv.run_id else {}
            ol_run = vtags.get(OL_RUN_TAG) or run_tags.get(OL_RUN_TAG)
            created = datetime.fromtimestamp(mv.creation_timestamp / 1000, tz=UTC).isoformat()
            register_version(
                session,
                rm.name,
                VersionSpec(
                    version=str(mv.version),
                    artifact_uri=mv.source,
                    artifact_digest=_digest(client, mv, vtags),
                    created_by=mv.user_id or run_tags.get("mlflow.user") or "unknown",
                    training_run_id=ol_run,
                    status=str(mv.status).lower(),
                    stage=None if mv.current_stage in (None, "None") else mv.current_stage,
                    aliases=list(getattr(mv, "aliases", []) or []),
                    tags={**vtags, "mlflow.run_id": mv.run_id or "", "mlflow.created": created},
                    source="mlflow",
                ),
            )
            n_versions += 1
    return n_models, n_versions
