"""Fairness evidence service: count a data source, evaluate, store bound to a model version and a data digest.

The CLI, the API and the OpenLineage facet ingestion all end in `store_evaluation`, so an evaluation
looks the same in the store whichever way it arrived.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlmodel import Session, select

from governance.errors import InputError, NotFoundError
from governance.evidence.confusion import ConfusionTable, binarise
from governance.evidence.counts import ColumnRoles, RawCells
from governance.evidence.evaluation import Settings, evaluate, parse_privileged
from governance.evidence.readers import Progress
from governance.evidence.stage import logical_name
from governance.evidence.tables import FairnessEvaluation
from governance.store.tables import ModelVersion, RegisteredModel
from governance.timeutil import iso, utcnow

CLI_PRODUCER = "gov-cli"


@dataclass(frozen=True)
class FairnessRequest:
    """What to evaluate: the columns, the favorable label, and how (settings)."""

    label: str
    prediction: str
    sensitive: tuple[str, ...]
    favorable: str | None = None
    predicted_favorable: tuple[str, ...] | None = None
    score: str | None = None
    settings: Settings = Settings()
    favorable_meaning: str | None = None  # what a favourable outcome is, e.g. "loan approved" (shown in reports)

    def roles(self) -> ColumnRoles:
        sensitive = tuple(s.strip() for s in self.sensitive if s.strip())
        if not sensitive:
            raise InputError("name at least one sensitive column", where="sensitive")
        if len(set(sensitive)) != len(sensitive):
            raise InputError(f"a sensitive column is named twice: {', '.join(sensitive)}", where="sensitive")
        clash = {self.label, self.prediction, self.score} & set(sensitive)
        if clash:
            raise InputError(
                f"{', '.join(sorted(c for c in clash if c))} cannot be both sensitive and label, prediction or score",
                where="sensitive",
            )
        return ColumnRoles(self.label, self.prediction, sensitive, self.score)


@dataclass(frozen=True)
class DataInfo:
    """Where the counts came from: digest (and what it covers), description, format."""

    digest: str
    digest_scope: str  # file | aggregate | reported
    source: str
    format: str


@dataclass(frozen=True)
class StoredEvaluation:
    """A stored fairness evaluation: its id, the model version, and the full results document."""

    id: int
    model: str
    version: str
    results: dict[str, Any]

    def to_dict(self) -> dict[str, Any]:
        return {"id": self.id, **self.results}


def count_source(
    location: str, query: str | None, roles: ColumnRoles, progress: Progress | None = None
) -> tuple[RawCells, DataInfo]:
    """Count the cells of a CSV/Parquet file, or of a SQL query pushed down to its database."""
    from governance.evidence.sql_source import count_query, is_database_url, open_source, redact

    if is_database_url(location):
        if not query:
            raise InputError("a database source needs a query", where="query")
        engine = open_source(location)
        try:
            counted = count_query(engine, query, roles)
        finally:
            engine.dispose()
        info = DataInfo(counted.digest, "aggregate", f"{redact(location)} :: {query.strip()}", "sql")
        return counted.cells, info
    if query:
        raise InputError("a query needs a database URL as the data source", where="query")
    from governance.evidence.readers import count_file

    path = Path(location)
    file_counts = count_file(path, roles, progress=progress)
    # A logical name, never the local path (as stage evidence); the lineage run names the file itself.
    return file_counts.cells, DataInfo(file_counts.digest, "file", logical_name(path), file_counts.format)


def resolve_version(session: Session, model: str, version: str) -> tuple[RegisteredModel, ModelVersion]:
    """The registered model and version (registry service), or NotFoundError."""
    from governance.registry.service import get_version

    return get_version(session, model, version)


def evaluate_fairness(
    session: Session,
    model: str,
    version: str,
    location: str,
    request: FairnessRequest,
    *,
    query: str | None = None,
    producer: str = CLI_PRODUCER,
    progress: Progress | None = None,
    submitted_by: str | None = None,
    run_id: str | None = None,
) -> StoredEvaluation:
    """Validate, count the data once, compute every metric with intervals, and store the evaluation
    (submitted by `submitted_by`, default the local user: governance.identity.cli_submitter). `run_id`
    is the lineage run that records the data it read (governance.lineage.evidence_runs)."""
    from governance.identity import cli_submitter

    registered, model_version = resolve_version(session, model, version)
    roles = request.roles()
    request.settings.check()
    if request.settings.privileged:
        parse_privileged(request.settings.privileged, roles.sensitive)  # fail before reading the data
    cells, info = count_source(location, query, roles, progress)
    table = binarise(cells, request.favorable, request.predicted_favorable)
    meaning = _meaning(request.favorable_meaning)
    return store_evaluation(
        session,
        registered,
        model_version,
        table,
        request.settings,
        info,
        roles,
        producer=producer,
        run_id=run_id,
        extra={"favorable_meaning": meaning} if meaning else None,
        submitted_by=submitted_by or cli_submitter(),
    )


def _meaning(text: str | None) -> str | None:
    """The favourable outcome's meaning: one line of at most 200 characters, or InputError."""
    if text is None:
        return None
    meaning = " ".join(text.split())
    if not meaning or len(meaning) > 200:
        raise InputError(
            "the favourable outcome's meaning must be one short phrase (1 to 200 characters), e.g. 'loan approved'",
            where="favorable_meaning",
        )
    return meaning


def store_evaluation(
    session: Session,
    registered: RegisteredModel,
    model_version: ModelVersion,
    table: ConfusionTable,
    settings: Settings,
    info: DataInfo,
    roles: ColumnRoles,
    *,
    producer: str,
    run_id: str | None = None,
    evaluated_at: datetime | None = None,
    extra: dict[str, Any] | None = None,
    submitted_by: str | None,
    intervals: bool = True,
) -> StoredEvaluation:
    """Evaluate a confusion table and add the row (flushed, not committed: the caller's transaction).
    `submitted_by` (governance.identity) is who sent it: gates count it only when they trust them, so
    every caller must say (None records it as unrecorded, which no gate trusts). With `intervals=False`
    (ingest) the bootstrap is deferred: the row is marked `intervals_pending` and
    governance.evidence.intervals computes them when first read."""
    from governance import __version__
    from governance.evidence.intervals import PENDING_KEY, pending_marker

    pending = not intervals and settings.bootstrap > 0
    results = evaluate(table, settings, intervals=not pending)
    now = utcnow()
    when = evaluated_at or now
    results = {
        **results,
        "model": {
            "name": registered.name,
            "version": model_version.version,
            "artifact_digest": model_version.artifact_digest,
        },
        "data": {
            "digest": info.digest,
            "digest_scope": info.digest_scope,
            "source": info.source,
            "format": info.format,
        },
        "columns": {
            "label": roles.label,
            "prediction": roles.prediction,
            "sensitive": list(roles.sensitive),
            "score": roles.score,
        },
        "tool": {"name": "gov", "version": __version__},
        "producer": producer,
        "run_id": run_id,
        "evaluated_at": iso(when),
        **(extra or {}),
    }
    if pending:
        results[PENDING_KEY] = pending_marker(settings)
    assert model_version.id is not None
    row = FairnessEvaluation(
        model_version_id=model_version.id,
        data_digest=info.digest,
        digest_scope=info.digest_scope,
        data_source=info.source[:4096],
        data_format=info.format,
        row_count=table.rows,
        label_column=roles.label,
        prediction_column=roles.prediction,
        sensitive_columns=list(roles.sensitive),
        score_column=roles.score,
        favorable_label=table.favorable,
        privileged_group=settings.privileged,
        min_group_size=settings.min_group_size,
        small_groups=results["small_groups"],
        bootstrap_resamples=settings.bootstrap,
        bootstrap_seed=settings.seed,
        confidence=settings.confidence,
        intervals_pending=pending,
        results=results,
        input_digest=input_digest(table, settings),
        tool_version=__version__,
        producer=producer[:2048],
        submitted_by=submitted_by[:512] if submitted_by else None,
        run_id=run_id,
        evaluated_at=when,
        created_at=now,
    )
    session.add(row)
    session.flush()
    assert row.id is not None
    return StoredEvaluation(row.id, registered.name, model_version.version, results)


def input_digest(table: ConfusionTable, settings: Settings) -> str:
    """Digest of what determines the results: counts, labels and settings."""
    from governance.digest import json_sha256

    return json_sha256(
        {
            "sensitive": table.sensitive,
            "groups": table.groups,
            "counts": table.counts.tolist(),
            "favorable": table.favorable,
            "predicted_favorable": table.predicted_favorable,
            "score_sum": None if table.score_sum is None else table.score_sum.tolist(),
            "settings": asdict(settings),
        }
    )


def list_evaluations(session: Session, model: str, version: str | None = None) -> list[StoredEvaluation]:
    """Stored evaluations of a model (or one version), newest first."""
    from governance.registry.service import get_model

    registered = get_model(session, model)
    stmt = (
        select(FairnessEvaluation, ModelVersion)
        .where(FairnessEvaluation.model_version_id == ModelVersion.id)
        .where(ModelVersion.model_id == registered.id)
    )
    if version is not None:
        _, model_version = resolve_version(session, model, version)
        stmt = stmt.where(ModelVersion.id == model_version.id)
    newest_first = (
        FairnessEvaluation.created_at.desc(),  # type: ignore[attr-defined]
        FairnessEvaluation.id.desc(),  # type: ignore[union-attr]
    )
    rows = session.exec(stmt.order_by(*newest_first)).all()
    return [StoredEvaluation(int(ev.id or 0), registered.name, mv.version, ev.results) for ev, mv in rows]


def get_evaluation(session: Session, evaluation_id: int) -> StoredEvaluation:
    """One stored evaluation by id."""
    row = session.get(FairnessEvaluation, evaluation_id)
    if row is None:
        raise NotFoundError(f"no fairness evaluation with id {evaluation_id}", hint="see `gov evidence list MODEL`")
    model_version = session.get(ModelVersion, row.model_version_id)
    registered = session.get(RegisteredModel, model_version.model_id) if model_version else None
    return StoredEvaluation(
        evaluation_id,
        registered.name if registered else "?",
        model_version.version if model_version else "?",
        row.results,
    )
