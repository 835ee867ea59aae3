"""The data section of a version in the audit report: what the model was trained and evaluated on.

From the lineage store (the training run's upstream closure, as the gate's evaluation context sees it) and
the stored evidence: every source with its version, time window, row count (from the `outputStatistics`
or `dataQualityMetrics` facets, "not reported" when neither carries one), classifications and tags,
owners and retention deadline; the data-quality results (`dataQualityAssertions` facets and
Great Expectations imports); the ingestion warnings of the events that described the data; and how
special-category and personal data is used (the fields tagged so, and the fairness evaluations that
read them).

No local filesystem path is ever shown: a dataset is its logical name (namespace + name, a `file://`
path or any absolute path reduced to the file name) and its version or digest.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlmodel import Session

from governance.reports.data_facets import (
    NOT_REPORTED,
    logical_name,
    logical_source,
    other_tags,
    retention_deadline,
    retention_limits,
    row_count,
    special_fields,
)
from governance.timeutil import to_utc

# The facet readers live in governance.reports.data_facets; the public ones stay importable from here.
__all__ = [
    "NOT_REPORTED",
    "DataSectionView",
    "DataSource",
    "EvaluationData",
    "QualityRow",
    "SpecialField",
    "WarningRow",
    "build_data_section",
    "logical_name",
    "logical_source",
    "retention_deadline",
    "row_count",
    "special_fields",
]


@dataclass(frozen=True)
class DataSource:
    name: str  # logical name: namespace + name, paths reduced to the file name
    role: str  # "read by the training run" | "upstream, 2 steps"
    depth: int
    version: str  # the dataset version the training run (or its writer) saw, or "not reported"
    written: str  # the run that wrote it last: job and time, or "not reported"
    read_at: datetime | None  # when the training run read it (depth 1)
    rows: int | None
    rows_source: str  # the facet that reported the row count, or "not reported"
    classifications: tuple[str, ...]
    tags: tuple[str, ...]  # other tags, key=value
    owners: tuple[str, ...]
    retention: str  # the deadline from the bundle's retention policies, or why there is none
    deleted: str | None  # DROP/TRUNCATE at <time> when recorded


@dataclass(frozen=True)
class QualityRow:
    check: str
    subject: str  # dataset (logical name) and column
    result: str  # pass | fail | not reported
    source: str  # dataQualityAssertions | Great Expectations import ...
    at: datetime | None


@dataclass(frozen=True)
class SpecialField:
    dataset: str
    field: str
    kinds: tuple[str, ...]  # the tag values that make it special-category or personal
    depth: int
    used_by: tuple[str, ...]  # fairness evaluations that read it as a sensitive feature


@dataclass(frozen=True)
class EvaluationData:
    what: str  # "fairness evaluation 3 by sex" | "performance evidence 12"
    data: str  # logical name
    digest: str | None
    rows: int | None
    window: str  # time window, or "not reported"


@dataclass(frozen=True)
class WarningRow:
    code: str
    where: str  # the JSON path
    message: str
    count: int


@dataclass(frozen=True)
class DataSectionView:
    status: str  # known | missing | unknown_run (as the training lineage)
    message: str
    training_job: str | None
    training_window: str  # when the training run ran, or "not reported"
    sources: tuple[DataSource, ...]
    quality: tuple[QualityRow, ...]
    special: tuple[SpecialField, ...]
    evaluations: tuple[EvaluationData, ...]
    warnings: tuple[WarningRow, ...]
    notes: tuple[str, ...] = ()


# ---- the section -----------------------------------------------------------------------------------
def build_data_section(
    session: Session, ctx: Any, *, model_version_id: int, as_of: datetime, bundle: Any = None, fairness: Any = ()
) -> DataSectionView:
    """The data section of one version, from its evaluation context `ctx` (governance.gate.gather) and the
    store. `fairness` are the report's fairness views of the version (their data sources and columns)."""
    from governance.evidence.stage_store import stage_rows

    run = ctx.training_run
    limits = retention_limits(bundle)
    stages = stage_rows(session, model_version_id)
    if run is None:
        status = "missing" if not getattr(ctx.version, "training_run_id", None) else "unknown_run"
        message = (
            "no training run recorded for this version: the data it was trained on is not known"
            if status == "missing"
            else "the training run is not in the lineage store: the data it was trained on is not known"
        )
        return DataSectionView(status, message, None, NOT_REPORTED, (), (), (), _evaluations(stages, fairness), ())
    io, digests = _io_facts(session, run.run_id, [d.id for d in ctx.datasets], as_of)
    fairness_columns = {str(f.id): tuple(getattr(f, "sensitive", ()) or ()) for f in fairness}
    sources, special = [], []
    for ds in ctx.datasets:
        name = logical_name(ds.namespace, ds.name)
        facts = io.get(ds.id, {})
        rows, rows_source = row_count(facts.get("in_facets"), facts.get("out_facets"), ds.facets)
        version = facts.get("version") or (ds.facets.get("version") or {}).get("datasetVersion")
        sources.append(
            DataSource(
                name=name,
                role="read by the training run" if ds.depth == 1 else f"upstream, {ds.depth} steps",
                depth=ds.depth,
                version=str(version) if version else NOT_REPORTED,
                written=facts.get("written") or "no run in the lineage wrote it (a source)",
                read_at=facts.get("read_at"),
                rows=rows,
                rows_source=rows_source,
                classifications=tuple(ds.classifications),
                tags=tuple(t for t in other_tags(ds.facets) if t not in {f"owner:{o}" for o in ds.owners}),
                owners=tuple(ds.owners),
                retention=retention_deadline(ds, limits),
                deleted=f"{ds.deletion} at {to_utc(ds.deleted_at).date().isoformat()}"
                if ds.deletion and ds.deleted_at
                else None,
            )
        )
        for field, marks in sorted(special_fields(ds.facets).items()):
            leaf = field.rsplit(".", 1)[-1]
            used = tuple(
                f"fairness evaluation {fid} (by {' × '.join(cols)})"
                for fid, cols in sorted(fairness_columns.items())
                if leaf in cols or field in cols
            )
            special.append(SpecialField(name, field, marks, ds.depth, used))
    tagged = {f.field.rsplit(".", 1)[-1] for f in special} | {f.field for f in special}
    for f in fairness:
        for column in getattr(f, "sensitive", ()) or ():
            if column not in tagged:
                special.append(
                    SpecialField(
                        logical_source(f.data_source),
                        column,
                        ("not tagged in the lineage",),
                        0,
                        (f"fairness evaluation {f.id} (by {' × '.join(f.sensitive)})",),
                    )
                )
    quality = _quality(ctx, stages)
    window = " – ".join(x for x in (_fmt(run.started_at), _fmt(run.ended_at)) if x) or NOT_REPORTED
    notes = []
    if sources and all(s.rows is None for s in sources):
        notes.append(
            "No source reports a row count (OpenLineage outputStatistics or dataQualityMetrics facets): "
            "row counts are shown as not reported."
        )
    return DataSectionView(
        status="known",
        message="",
        training_job=_job_label(run.job),
        training_window=window,
        sources=tuple(sources),
        quality=tuple(quality),
        special=tuple(special),
        evaluations=_evaluations(stages, fairness),
        warnings=_warnings(session, digests),
        notes=tuple(notes),
    )


def _fmt(value: datetime | None) -> str:
    return to_utc(value).strftime("%Y-%m-%d %H:%M UTC") if value else ""


def _job_label(job: str | None) -> str | None:
    if not job:
        return None
    text = job[len("job:") :] if job.startswith("job:") else job
    ns, _, name = text.rpartition(":")
    return logical_name(ns, name) if ns else text


def _io_facts(
    session: Session, run_id: str, node_ids: list[str], as_of: datetime
) -> tuple[dict[str, dict[str, Any]], list[str]]:
    """(per dataset node: the version and facets the training run read, when, and the run that wrote it
    last; the raw-event digests of the training run and of those writers, for their ingestion warnings)."""
    from sqlmodel import col, select

    from governance.store.tables import Dataset, Job, RawEvent, Run, RunIO

    out: dict[str, dict[str, Any]] = {}
    runs = {run_id}
    ids = (
        dict(session.exec(select(Dataset.node_id, Dataset.id).where(col(Dataset.node_id).in_(node_ids))).all())
        if node_ids
        else {}
    )
    by_id = {v: k for k, v in ids.items()}
    rows = session.exec(
        select(RunIO, Run, Job)
        .join(Run, col(Run.run_id) == RunIO.run_id)
        .join(Job, col(Job.id) == Run.job_id)
        .where(col(RunIO.dataset_id).in_(list(ids.values())), col(RunIO.event_time) <= as_of)
        .order_by(col(RunIO.event_time))
    ).all()
    for io, run, job in rows:
        node = by_id[io.dataset_id]
        entry = out.setdefault(node, {})
        if io.direction == "in" and io.run_id == run_id:
            entry["read_at"] = to_utc(io.event_time)
            entry["in_facets"] = dict(io.facets or {})
            if io.version:
                entry["version"] = io.version
        elif io.direction == "out":
            at = run.ended_at or io.event_time
            entry["written"] = f"{_job_label(job.node_id) or job.name}, {_fmt(at)}"
            entry["out_facets"] = dict(io.facets or {})
            if io.version and "version" not in entry:
                entry["version"] = io.version
            runs.add(io.run_id)
    digests = session.exec(select(RawEvent.digest).where(col(RawEvent.run_id).in_(sorted(runs)))).all()
    return out, sorted(digests)


def _quality(ctx: Any, stages: list[Any]) -> list[QualityRow]:
    """dataQualityAssertions on the training data and its validation reads, then Great Expectations
    (and other data-validation) stage evidence of the version."""
    rows = []
    for item in getattr(ctx, "validation", ()) or ():
        if item.stage not in ("data_validation", "data"):
            continue
        where = _source_subject(item.source)
        subject = f"{where}, column {item.column}" if item.column else where
        result = NOT_REPORTED if item.success is None else "pass" if item.success else "fail"
        facet = item.source.rsplit("#", 1)[-1] if "#" in item.source else item.source
        rows.append(QualityRow(item.name, subject, result, facet, item.at))
    from governance.evidence.stage_store import row_result

    for row in stages:
        if row.kind != "data_validation":
            continue
        stage = row_result(row)
        data = logical_source(stage.data_source)
        for m in stage.measurements:
            ok = m.detail.get("success")
            if not isinstance(ok, bool) and stage.source == "great_expectations" and m.value in (0.0, 1.0):
                ok = m.value == 1.0  # import_ge: 1.0 when the expectation held
            verdict = NOT_REPORTED if not isinstance(ok, bool) else "pass" if ok else "fail"
            rows.append(
                QualityRow(
                    m.name,
                    f"{data}, {m.subject}" if m.subject else data,
                    verdict,
                    f"{stage.source.replace('_', ' ')} import (evidence {row.id})",
                    to_utc(row.evaluated_at) if row.evaluated_at else None,
                )
            )
    return rows


def _source_subject(source: str) -> str:
    """The dataset named in a validation item's source (`dataset:ns:name#facet`, `run:ID/dataset:...#facet`)."""
    text = source.split("#", 1)[0]
    if "/dataset:" in text:
        text = text.split("/", 1)[1]
    if text.startswith("run:"):
        return "the validation run"
    return logical_source(text)


def _evaluations(stages: list[Any], fairness: Any) -> tuple[EvaluationData, ...]:
    """The data each evaluation of the version read: fairness evaluations and stage evidence."""
    from governance.evidence.stage_store import row_result

    out = [
        EvaluationData(
            f"fairness evaluation {f.id} by {' × '.join(f.sensitive)}",
            logical_source(f.data_source),
            f.data_digest or None,
            f.rows,
            NOT_REPORTED,
        )
        for f in fairness
    ]
    for row in stages:
        r = row_result(row)
        window = (
            f"{_fmt(r.window_start) or '…'} – {_fmt(r.window_end) or '…'}"
            if r.window_start or r.window_end
            else NOT_REPORTED
        )
        out.append(
            EvaluationData(
                f"{r.kind.replace('_', ' ')} evidence {row.id}",
                logical_source(r.data_source),
                r.data_digest or None,
                r.row_count if r.row_count >= 0 else None,
                window,
            )
        )
    return tuple(out)


def _warnings(session: Session, digests: list[str]) -> tuple[WarningRow, ...]:
    """Ingestion (format) warnings of the events that described the training run and its data's writers."""
    from sqlmodel import col, func, select

    from governance.store.tables import LineageWarning

    if not digests:
        return ()
    stmt = (
        select(LineageWarning.code, LineageWarning.json_path, LineageWarning.message, func.count())
        .where(col(LineageWarning.event_digest).in_(digests))
        .group_by(LineageWarning.code, LineageWarning.json_path, LineageWarning.message)
        .order_by(LineageWarning.code, LineageWarning.json_path)
    )
    return tuple(WarningRow(str(c), str(p), str(m), int(n)) for c, p, m, n in session.exec(stmt).all())
