"""Store and read validation-stage evidence (`governance.evidence.stage.StageResult`, table `stage_evidence`).

`store_stage_result` binds a result to a model version and to who submitted it (append-only);
`list_stage_evidence` reads them back; `history` gives the series of one metric across versions and
over time, and `degrading_series` the metrics that got worse over three consecutive versions (a finding).
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlmodel import Session, col, select

from governance.errors import InputError
from governance.evidence.stage import KINDS, Measurement, StageResult
from governance.evidence.stage_tables import StageEvidenceRow
from governance.store.tables import ModelVersion, RegisteredModel
from governance.timeutil import iso, to_utc, utcnow

CLI_PRODUCER = "gov-cli"
DEGRADING_RUN = 3  # consecutive versions that make a degradation a finding


@dataclass(frozen=True)
class StoredStage:
    """One stored stage result with its binding (version, submitter, times)."""

    id: int
    model: str
    version: str
    version_created_at: datetime
    result: StageResult
    submitted_by: str | None
    producer: str
    run_id: str | None
    evaluated_at: datetime
    created_at: datetime

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "model": self.model,
            "version": self.version,
            **self.result.to_dict(),
            "submitted_by": self.submitted_by,
            "producer": self.producer,
            "run_id": self.run_id,
            "evaluated_at": iso(self.evaluated_at),
            "created_at": iso(self.created_at),
        }


def _check(result: StageResult) -> None:
    """Refuse what cannot be stored: an unknown kind, an empty result, a window that ends before it starts."""
    if result.kind not in KINDS:
        raise InputError(f"unknown evidence kind {result.kind!r} (one of {', '.join(KINDS)})", where="kind")
    if not result.measurements:
        raise InputError(f"the {result.kind} result has no measurements; nothing stored", where="measurements")
    if result.row_count < 0:
        raise InputError(f"row count {result.row_count} is negative", where="row_count")
    for m in result.measurements:
        for name, v in (("value", m.value), ("low", m.low), ("high", m.high)):
            if v is not None and not math.isfinite(v):
                raise InputError(f"{m.name} {name} is {v}, not a finite number", where=f"measurements.{m.name}")
    start, end = result.window_start, result.window_end
    if start is not None and end is not None and to_utc(end) < to_utc(start):
        raise InputError(
            f"the window ends ({iso(to_utc(end))}) before it starts ({iso(to_utc(start))})", where="window_end"
        )


check_result = _check  # the checks store_stage_result makes, for readers of untrusted results (stage_facet)


def store_stage_result(
    session: Session,
    model: str,
    version: str,
    result: StageResult,
    *,
    submitted_by: str | None,
    producer: str = CLI_PRODUCER,
    run_id: str | None = None,
    evaluated_at: datetime | None = None,
) -> int:
    """Add the result bound to `model` `version` (flushed, not committed: the caller's transaction); its id."""
    from governance.registry.service import get_version

    _check(result)
    _, mv = get_version(session, model, version)
    assert mv.id is not None
    now = utcnow()
    row = StageEvidenceRow(
        model_version_id=mv.id,
        kind=result.kind,
        stage=result.stage,
        measurements=[m.to_dict() for m in result.measurements],
        summary=dict(result.summary),
        row_count=result.row_count,
        data_digest=result.data_digest,
        digest_scope=result.digest_scope,
        data_source=result.data_source,
        source=result.source,
        tool_version=result.tool_version,
        confidence=result.confidence,
        resamples=result.resamples,
        seed=result.seed,
        window_start=to_utc(result.window_start) if result.window_start else None,
        window_end=to_utc(result.window_end) if result.window_end else None,
        submitted_by=submitted_by,
        producer=producer,
        run_id=run_id,
        evaluated_at=to_utc(evaluated_at) if evaluated_at else now,
        created_at=now,
    )
    session.add(row)
    session.flush()
    assert row.id is not None
    return row.id


def _result(row: StageEvidenceRow) -> StageResult:
    return StageResult(
        kind=row.kind,
        measurements=tuple(Measurement.from_dict(m) for m in row.measurements),
        summary=dict(row.summary),
        row_count=row.row_count,
        data_digest=row.data_digest,
        digest_scope=row.digest_scope,
        data_source=row.data_source,
        source=row.source,
        tool_version=row.tool_version,
        confidence=row.confidence,
        resamples=row.resamples,
        seed=row.seed,
        window_start=to_utc(row.window_start) if row.window_start else None,
        window_end=to_utc(row.window_end) if row.window_end else None,
    )


def stage_rows(session: Session, model_version_id: int) -> list[StageEvidenceRow]:
    """Every stored stage result of one version, oldest first (the gate reads them)."""
    stmt = (
        select(StageEvidenceRow)
        .where(StageEvidenceRow.model_version_id == model_version_id)
        .order_by(col(StageEvidenceRow.evaluated_at), col(StageEvidenceRow.id))
    )
    return list(session.exec(stmt).all())


def row_result(row: StageEvidenceRow) -> StageResult:
    """The StageResult a stored row holds."""
    return _result(row)


def list_stage_evidence(
    session: Session, model: str, version: str | None = None, kind: str | None = None
) -> list[StoredStage]:
    """Stored stage results of `model` (one version, one kind), ordered by version creation, then time."""
    from governance.registry.service import get_model, get_version

    if version is not None:
        get_version(session, model, version)  # NotFoundError names the missing version
    else:
        get_model(session, model)
    if kind is not None and kind not in KINDS:
        raise InputError(f"unknown evidence kind {kind!r} (one of {', '.join(KINDS)})", where="kind")
    stmt = (
        select(StageEvidenceRow, ModelVersion)
        .join(ModelVersion, col(ModelVersion.id) == StageEvidenceRow.model_version_id)
        .join(RegisteredModel, col(RegisteredModel.id) == ModelVersion.model_id)
        .where(RegisteredModel.name == model)
    )
    if version is not None:
        stmt = stmt.where(ModelVersion.version == version)
    if kind is not None:
        stmt = stmt.where(StageEvidenceRow.kind == kind)
    stmt = stmt.order_by(
        col(ModelVersion.created_at), col(ModelVersion.id), col(StageEvidenceRow.evaluated_at), col(StageEvidenceRow.id)
    )
    return [
        StoredStage(
            id=int(row.id or 0),
            model=model,
            version=mv.version,
            version_created_at=to_utc(mv.created_at),
            result=_result(row),
            submitted_by=row.submitted_by,
            producer=row.producer,
            run_id=row.run_id,
            evaluated_at=to_utc(row.evaluated_at),
            created_at=to_utc(row.created_at),
        )
        for row, mv in session.exec(stmt).all()
    ]


@dataclass(frozen=True)
class Point:
    value: float | None
    low: float | None
    high: float | None
    version: str
    evaluated_at: datetime
    evidence_id: int

    def to_dict(self) -> dict[str, Any]:
        return {
            "value": self.value,
            "low": self.low,
            "high": self.high,
            "version": self.version,
            "evaluated_at": iso(self.evaluated_at),
            "evidence_id": self.evidence_id,
        }


@dataclass(frozen=True)
class Series:
    """One metric of one kind about one subject, across versions (in creation order) and over time."""

    kind: str
    metric: str
    subject: str | None
    higher_is_better: bool | None
    points: tuple[Point, ...] = field(default=())

    def to_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "metric": self.metric,
            "subject": self.subject,
            "higher_is_better": self.higher_is_better,
            "points": [p.to_dict() for p in self.points],
        }


def history(session: Session, model: str, metric: str | None = None, kind: str | None = None) -> list[Series]:
    """The series per (kind, metric, subject) of `model`, each ordered by version creation then evaluation time."""
    series: dict[tuple[str, str, str], Series] = {}
    for stored in list_stage_evidence(session, model, kind=kind):
        for m in stored.result.measurements:
            if metric is not None and m.name != metric:
                continue
            key = (stored.result.kind, m.name, m.subject or "")
            point = Point(m.value, m.low, m.high, stored.version, stored.evaluated_at, stored.id)
            old = series.get(key)
            hib = m.higher_is_better if m.higher_is_better is not None else (old.higher_is_better if old else None)
            points = (old.points if old else ()) + (point,)
            series[key] = Series(stored.result.kind, m.name, m.subject, hib, points)
    return [series[k] for k in sorted(series)]


def latest_per_version(s: Series) -> list[Point]:
    """The last point of each version with a value, in version order."""
    last: dict[str, Point] = {}
    order: list[str] = []
    for p in s.points:
        if p.value is None:
            continue
        if p.version not in last:
            order.append(p.version)
        last[p.version] = p
    return [last[v] for v in order]


def degrading_series(
    session: Session,
    model: str,
    metric: str | None = None,
    kind: str | None = None,
    *,
    run: int = DEGRADING_RUN,
    version: str | None = None,
    until: datetime | None = None,
) -> list[dict[str, Any]]:
    """One finding per metric (with a direction) that got strictly worse over `run` consecutive versions,
    judged on the latest value of each version; the most recent run of versions is what counts.

    With `version`, only the run that ends at that version counts (versions created after it are left
    out, and a metric the version did not measure is not its finding); with `until`, only evidence
    evaluated by then (a check sees the store as of its own time)."""
    findings = []
    for s in history(session, model, metric, kind):
        if s.higher_is_better is None:
            continue
        points = list(s.points)
        if until is not None:
            points = [p for p in points if p.evaluated_at <= to_utc(until)]
        if version is not None:
            ends = [i for i, p in enumerate(points) if p.version == version]
            if not ends:
                continue
            points = points[: ends[-1] + 1]
        points = latest_per_version(dataclasses.replace(s, points=tuple(points)))
        if len(points) < run or (version is not None and points[-1].version != version):
            continue
        tail = points[-run:]
        values = [float(p.value) for p in tail if p.value is not None]
        worse = all((b < a) if s.higher_is_better else (b > a) for a, b in zip(values, values[1:], strict=False))
        if not worse:
            continue
        subject = f" ({s.subject})" if s.subject else ""
        trail = " -> ".join(f"{p.version}: {p.value:.4g}" for p in tail)
        findings.append(
            {
                "kind": "degrading_metric",
                "evidence": ",".join(f"stage_evidence:{p.evidence_id}" for p in tail),
                "measurement": f"{s.kind} {s.metric}{subject}",
                "value": values[-1],
                "ci": None if tail[-1].low is None else [tail[-1].low, tail[-1].high],
                "threshold": f"not worse over {run} consecutive versions",
                "bound": "higher is better" if s.higher_is_better else "lower is better",
                "source": f"model:{model}",
                "severity": "medium",
                "versions": [p.version for p in tail],
                "values": values,
                "reason": f"{s.metric} got worse across {run} consecutive versions",
                "message": f"{s.kind} {s.metric}{subject} of {model} got worse across {run} consecutive "
                f"versions: {trail}",
            }
        )
    return findings


def get_stage_evidence(session: Session, evidence_id: int) -> StoredStage:
    """One stored stage result by id; NotFoundError when there is none."""
    from governance.errors import NotFoundError

    stmt = (
        select(StageEvidenceRow, ModelVersion, RegisteredModel)
        .join(ModelVersion, col(ModelVersion.id) == StageEvidenceRow.model_version_id)
        .join(RegisteredModel, col(RegisteredModel.id) == ModelVersion.model_id)
        .where(StageEvidenceRow.id == evidence_id)
    )
    found = session.exec(stmt).first()
    if found is None:
        raise NotFoundError(f"no stage evidence {evidence_id}", where="evidence_id")
    row, mv, registered = found
    return StoredStage(
        id=int(row.id or 0),
        model=registered.name,
        version=mv.version,
        version_created_at=to_utc(mv.created_at),
        result=_result(row),
        submitted_by=row.submitted_by,
        producer=row.producer,
        run_id=row.run_id,
        evaluated_at=to_utc(row.evaluated_at),
        created_at=to_utc(row.created_at),
    )
