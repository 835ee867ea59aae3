"""Build the evaluation context of one model version from the store (registry, lineage, evidence).

Read-only, a handful of indexed queries: the version, its training run and job, the lineage closure
of the run's inputs, the facets those datasets carry, the runs that validated the model, fairness
evaluations, approvals and waivers. Facts are derived here, once, and stored with the decision.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime
from typing import Any

from sqlalchemy import and_, select
from sqlmodel import Session, col

from governance.errors import InputError
from governance.evidence.custom_facets import VALIDATION
from governance.identity import trusted_producers_from_env
from governance.lineage.authors import authors_of, facet_names
from governance.lineage.submissions import (
    UNRECORDED,
    FacetVersion,
    dataset_facet_versions,
    facet_versions,
    input_facet_versions,
)
from governance.policy.context import (
    STAGES,
    ApprovalRecord,
    DatasetInfo,
    EvaluationContext,
    FairnessEvidence,
    GroupEvidence,
    MetricValue,
    ModelInfo,
    RunInfo,
    ValidationItem,
    VersionInfo,
    WaiverRecord,
)
from governance.policy.stage_context import StageEvidence
from governance.store.tables import Dataset, DatasetFacetVersion, Job, Run, RunIO
from governance.timeutil import iso, parse_optional_timestamp, to_utc

CHUNK = 500
# Tag keys (schema field tags, dataset `tags` facet) whose value is a data classification.
CLASSIFICATION_KEYS = frozenset({"classification", "data_classification", "sensitivity"})
CLASSIFYING = ("schema", "tags")  # the facets classifications are read from (besides `ownership`)
DELETIONS = frozenset({"DROP", "TRUNCATE"})
LIFECYCLE = "lifecycleStateChange"
ASSERTIONS = "dataQualityAssertions"
# `gov_validationResults` (lineage/facets/2-0-0/ValidationResultsRunFacet.json), or its 1-0-0 key `validationResults`
VALIDATION_FACET = VALIDATION.key


def build_context(
    session: Session, model: str, version: str, target: str, *, evaluated_at: datetime
) -> EvaluationContext:
    """The context of `model` `version` deployed to `target`, as of `evaluated_at`."""
    from governance.registry.service import get_version

    registered, mv = get_version(session, model, version)
    assert mv.id is not None
    model_info = ModelInfo(registered.name, registered.owner, registered.risk_tier, dict(registered.tags))
    version_info = VersionInfo(
        version=mv.version,
        artifact_digest=mv.artifact_digest,
        created_by=mv.created_by,
        created_at=to_utc(mv.created_at),
        id=mv.id,
        artifact_uri=mv.artifact_uri,
        training_run_id=mv.training_run_id,
        status=mv.status,
        stage=mv.stage,
        aliases=tuple(mv.aliases),
        tags=dict(mv.tags),
    )
    run_row = session.get(Run, mv.training_run_id) if mv.training_run_id else None
    training_run = run_info(session, run_row) if run_row is not None else None
    datasets: tuple[DatasetInfo, ...] = ()
    validation: list[ValidationItem] = []
    history: list[ValidationItem] = []  # earlier run-facet results, by other submitters
    if run_row is not None:
        datasets = _closure(session, run_row.run_id)
        validation, history = _validation(session, run_row, datasets)
        if training_run is not None and datasets:  # later ownership claims about the data it read
            owned = _node_conflicts(session, [d.id for d in datasets])
            if owned:
                training_run = replace(training_run, fact_conflicts=training_run.fact_conflicts + owned)
    fairness = _fairness(session, mv.id)
    validation += [
        ValidationItem("ethical", "fairness_evaluation", f"fairness_evaluation:{f.id}", at=f.evaluated_at)
        for f in fairness
    ]
    validation.sort(key=lambda v: (v.stage, v.name, v.source, v.column or ""))
    return EvaluationContext(
        evaluated_at=to_utc(evaluated_at),
        target=target,
        model=model_info,
        version=version_info,
        training_run=training_run,
        datasets=datasets,
        validation=tuple(validation),
        fairness=fairness,
        approvals=_approvals(session, mv.id),
        waivers=_waivers(session, registered.name),
        stages=_stages(session, mv.id, target, to_utc(evaluated_at)),
        degradations=_degradations(session, registered.name, mv.version, to_utc(evaluated_at)),
        validation_history=tuple(history),
        trusted_producers=trusted_producers_from_env(),
    )


# ---- derived facts ---------------------------------------------------------------------------
def _classified(tags: Any) -> list[str]:
    return [
        str(t["value"])
        for t in tags or []
        if isinstance(t, dict) and str(t.get("key", "")).lower() in CLASSIFICATION_KEYS and t.get("value")
    ]


def _field_classes(fields: Any) -> list[str]:
    out: list[str] = []
    for f in fields or []:
        if isinstance(f, dict):
            out += _classified(f.get("tags"))
            out += _field_classes(f.get("fields"))  # nested (struct) fields
    return out


def classifications(facets: dict[str, Any], earlier: list[str] | None = None) -> tuple[str, ...]:
    """Classification tags of a dataset and of its schema fields, plus `owner:<name>` per owner, and the
    `earlier` ones (those of the facets' earlier values: a classification once recorded stays)."""
    found = _field_classes((facets.get("schema") or {}).get("fields"))
    found += _classified((facets.get("tags") or {}).get("tags"))
    found += [f"owner:{name}" for name in facet_names(facets.get("ownership"))]
    found += earlier or []
    unique: dict[str, str] = {}
    for value in found:
        unique.setdefault(value.casefold(), value)
    return tuple(sorted(unique.values(), key=str.casefold))


def run_info(session: Session, run: Run) -> RunInfo:
    """The training run as the context holds it, with its authors."""
    job = session.get(Job, run.job_id)
    job_facets = dict(job.facets) if job is not None else {}
    return RunInfo(
        run.run_id,
        job.node_id if job is not None else "",
        run.state,
        to_utc(run.started_at) if run.started_at else None,
        to_utc(run.ended_at) if run.ended_at else None,
        authors_of(job_facets, dict(run.facets)),
        dict(run.facets),
        job_facets,
        _fact_conflicts(session, run.run_id) + (_node_conflicts(session, [job.node_id]) if job is not None else ()),
    )


def _fact_conflicts(session: Session, run_id: str) -> tuple[dict[str, Any], ...]:
    """Later claims about the run's authors or inputs that differ from the first (lineage/run_facts.py)."""
    from governance.store.tables import RunFactConflict

    rows = session.execute(
        select(RunFactConflict).where(col(RunFactConflict.run_id) == run_id).order_by(col(RunFactConflict.id))
    ).scalars()
    return tuple(
        {
            "fact": r.fact,
            "first": r.first_value,
            "claimed": r.claimed_value,
            "submitted_by": r.submitted_by,
            "event_time": iso(to_utc(r.event_time)),
        }
        for r in rows
    )


def _node_conflicts(session: Session, node_ids: list[str]) -> tuple[dict[str, Any], ...]:
    """Later `ownership` claims about these jobs or datasets that differ from the first (lineage/node_facts.py)."""
    from governance.store.tables import NodeFactConflict

    t = NodeFactConflict.__table__  # type: ignore[attr-defined]
    rows = sorted(_select_in(session, t.c.node_id, list(t.c), sorted(set(node_ids))), key=lambda r: r.id)
    return tuple(
        {
            "fact": r.fact,
            "subject": r.node_id,
            "first": r.first_value,
            "claimed": r.claimed_value,
            "submitted_by": r.submitted_by,
            "event_time": iso(to_utc(r.event_time)),
        }
        for r in rows
    )


# ---- lineage closure ---------------------------------------------------------------------------
def _closure(session: Session, run_id: str) -> tuple[DatasetInfo, ...]:
    """Datasets the run read (depth 1) and everything upstream of them (dataset-to-dataset steps)."""
    from governance.lineage.graph import closure_of_run

    depth = closure_of_run(session, run_id)  # the whole closure: policies bound it with their own `depth`
    if not depth:
        return ()
    d = Dataset.__table__  # type: ignore[attr-defined]
    rows = _select_in(
        session, d.c.node_id, [d.c.id, d.c.node_id, d.c.namespace, d.c.name, d.c.facets, d.c.first_seen], sorted(depth)
    )
    deletions = _deletions(session, {r.id: r.node_id for r in rows})
    earlier = _earlier_classes(session, [r.id for r in rows])
    out = []
    for r in rows:
        facets = dict(r.facets or {})
        claims = deletions.get(r.id, ())
        out.append(
            DatasetInfo(
                id=r.node_id,
                namespace=r.namespace,
                name=r.name,
                depth=depth[r.node_id],
                classifications=classifications(facets, earlier.get(r.id)),
                owners=tuple(sorted(set(facet_names(facets.get("ownership"))))),
                first_seen=to_utc(r.first_seen),
                deletion=claims[0]["state"] if claims else None,
                deleted_at=parse_optional_timestamp(claims[0]["at"]) if claims else None,
                facets=facets,
                deletions=claims,
            )
        )
    return tuple(sorted(out, key=lambda x: (x.depth, x.id)))


def _earlier_classes(session: Session, dataset_ids: list[int]) -> dict[int, list[str]]:
    """The classifications every earlier value of each dataset's `schema` and `tags` facets held. The
    projection keeps a facet's newest value, so without these a later facet (anyone's: an `ingest`
    token's too) leaving a tag out would take the dataset out of the rules for its class (retention,
    restricted data). Classifications therefore only accumulate: a later facet can add one, never
    remove one."""
    v = DatasetFacetVersion.__table__  # type: ignore[attr-defined]
    out: dict[int, list[str]] = {}
    for start in range(0, len(dataset_ids), CHUNK):
        stmt = select(v.c.dataset_id, v.c.facet, v.c.value).where(
            and_(v.c.dataset_id.in_(dataset_ids[start : start + CHUNK]), v.c.facet.in_(CLASSIFYING))
        )
        for dataset_id, facet, value in session.execute(stmt).all():
            found = classifications({facet: value}) if isinstance(value, dict) else ()
            if found:
                out.setdefault(dataset_id, []).extend(found)
    return out


def _deletions(session: Session, datasets: dict[int, str]) -> dict[int, tuple[dict[str, Any], ...]]:
    """Every DROP/TRUNCATE lifecycle change each dataset received, earliest first, with everyone who
    submitted it (a policy counts only trusted ones: governance.policy.trust)."""
    out: dict[int, tuple[dict[str, Any], ...]] = {}
    for ident, versions in dataset_facet_versions(session, datasets, LIFECYCLE).items():
        claims = []
        for v in versions:
            state = str((v.value or {}).get(LIFECYCLE, "")).upper() if isinstance(v.value, dict) else ""
            if state in DELETIONS:  # one claim per submitter, at the first event it sent
                claims += [{"state": state, "at": iso(at), "submitted_by": [who]} for who, at in v.first_by]
        if claims:
            out[ident] = tuple(sorted(claims, key=lambda c: (c["at"], c["state"])))
    return out


def _select_in(session: Session, column: Any, columns: list[Any], keys: list[Any]) -> list[Any]:
    rows: list[Any] = []
    for start in range(0, len(keys), CHUNK):
        rows.extend(session.execute(select(*columns).where(column.in_(keys[start : start + CHUNK]))).all())
    return rows


# ---- validation evidence -------------------------------------------------------------------------
def _validation(
    session: Session, training: Run, datasets: tuple[DatasetInfo, ...]
) -> tuple[list[ValidationItem], list[ValidationItem]]:
    """Assertions on the training inputs (`dataQualityAssertions`, as a dataset facet or as an input
    facet of those runs), and results reported by the training run and by every run that read the
    training run's outputs (the model artifact): the validation runs. Every item carries the submitters
    of the value it came from; earlier values of the facet by other submitters come second (the history)."""
    io = RunIO.__table__  # type: ignore[attr-defined]
    d = Dataset.__table__  # type: ignore[attr-defined]
    items: list[ValidationItem] = []
    history: list[ValidationItem] = []
    asserted = [ds for ds in datasets if ds.depth == 1 and ASSERTIONS in ds.facets]
    if asserted:  # who submitted each value (dataset_facet_version's events): counted only if trusted
        rows = session.execute(
            select(d.c.node_id, d.c.id, d.c.facet_times).where(d.c.node_id.in_([x.id for x in asserted]))
        ).all()
        ids = {r.node_id: r.id for r in rows}
        times = {r.node_id: r.facet_times or {} for r in rows}
        held = dataset_facet_versions(session, {i: n for n, i in ids.items()}, ASSERTIONS)
        for ds in asserted:
            at = parse_optional_timestamp(times.get(ds.id, {}).get(ASSERTIONS))
            seen = held.get(ids.get(ds.id, -1), [])
            found, earlier = _attributed(_assertions, ds.facets[ASSERTIONS], seen, f"{ds.id}#{ASSERTIONS}", at)
            items += found
            history += earlier
    outputs = [
        r[0]
        for r in session.execute(
            select(io.c.dataset_id).where(and_(io.c.run_id == training.run_id, io.c.direction == "out"))
        ).all()
    ]
    run_ids = {training.run_id}
    if outputs:
        run_ids |= {
            r[0]
            for r in session.execute(
                select(io.c.run_id).where(and_(io.c.dataset_id.in_(outputs), io.c.direction == "in"))
            ).all()
        }
    runs = session.execute(select(Run).where(col(Run.run_id).in_(sorted(run_ids)))).scalars().all()
    versions = facet_versions(session, sorted(r.run_id for r in runs if VALIDATION.read(r.facets)), VALIDATION.keys)
    for run in runs:
        at = run.ended_at or run.state_time or run.started_at
        key = VALIDATION.present_key(run.facets)  # the prefixed key when a run holds both
        current = run.facets.get(key)
        if current is None:
            continue
        seen = versions.get(run.run_id, {}).get(key, [])
        found, earlier = _attributed(_results, current, seen, f"run:{run.run_id}#{key}", to_utc(at) if at else None)
        items += found
        history += earlier
    stmt = (
        select(io.c.run_id, d.c.node_id, io.c.facets, io.c.event_time)
        .join(d, d.c.id == io.c.dataset_id)
        .where(and_(io.c.run_id.in_(sorted(run_ids)), io.c.direction == "in"))
    )
    inputs = [r for r in session.execute(stmt).all() if ASSERTIONS in (r.facets or {})]
    held_in = input_facet_versions(session, sorted({r.run_id for r in inputs}), ASSERTIONS) if inputs else {}
    for run_id, node, facets, at in inputs:
        source = f"run:{run_id}/{node}#{ASSERTIONS}"
        found, earlier = _attributed(
            _assertions, facets[ASSERTIONS], held_in.get((run_id, node), []), source, to_utc(at)
        )
        items += found
        history += earlier
    return items, history


def _attributed(
    read: Any, current: Any, seen: list[FacetVersion], source: str, at: datetime | None
) -> tuple[list[ValidationItem], list[ValidationItem]]:
    """The items `read` finds in a facet's current value, each with who submitted that value (every
    event carrying it; nobody recorded: `unrecorded`, trusted by nobody), and the items of its earlier
    values sent by other submitters, newest first (revision 1, 2, ...: governance.policy.trust counts
    the newest trusted one when the current value is untrusted)."""
    who = next((v.submitters for v in seen if v.value == current), (UNRECORDED,))
    items = [replace(i, submitted_by=who) for i in read(current, source, at)]
    history: list[ValidationItem] = []
    earlier = [v for v in seen if v.value != current and set(v.submitters) - set(who)]
    for n, v in enumerate(earlier, start=1):
        history += [replace(i, submitted_by=v.submitters, revision=n) for i in read(v.value, source, v.at)]
    return items, history


def _assertions(facet: Any, source: str, at: datetime | None) -> list[ValidationItem]:
    out = []
    for a in (facet or {}).get("assertions") or []:
        if isinstance(a, dict) and a.get("assertion"):
            name = str(a.get("name") or a["assertion"])
            out.append(
                ValidationItem(
                    "data_validation", name, source, success=bool(a.get("success")), column=a.get("column"), at=at
                )
            )
    return out


def _results(facet: Any, source: str, at: datetime | None) -> list[ValidationItem]:
    out = []
    for r in (facet or {}).get("results") or []:
        if isinstance(r, dict) and r.get("stage") in STAGES and r.get("name"):
            value, baseline = r.get("value"), r.get("baseline")
            out.append(
                ValidationItem(
                    str(r["stage"]),
                    str(r["name"]),
                    source,
                    success=r["success"] if isinstance(r.get("success"), bool) else None,
                    value=float(value) if isinstance(value, int | float) else None,
                    baseline=float(baseline) if isinstance(baseline, int | float) else None,
                    column=r.get("column"),
                    at=parse_optional_timestamp(r.get("evaluatedAt")) or at,
                    window_start=_window_edge(r, "start"),
                    window_end=_window_edge(r, "end"),
                )
            )
    return out


def _window_edge(result: dict[str, Any], edge: str) -> datetime | None:
    """`window.start` / `window.end` of a monitoring result; unreadable counts as not stated (never as monitoring)."""
    window = result.get("window")
    try:
        return parse_optional_timestamp(window.get(edge)) if isinstance(window, dict) else None
    except InputError:
        return None


# ---- stored evidence, approvals, waivers -------------------------------------------------------------
def _fairness(session: Session, model_version_id: int) -> tuple[FairnessEvidence, ...]:
    from governance.evidence.queries import fairness_evaluations

    rows = fairness_evaluations(session, model_version_id, with_intervals=True)  # pending ones computed now
    return tuple(
        sorted(
            (
                fairness_evidence(
                    r.id,
                    r.results,
                    r.sensitive_columns,
                    r.min_group_size,
                    r.confidence,
                    r.data_digest,
                    r.input_digest,
                    r.evaluated_at,
                    submitted_by=r.submitted_by or "unrecorded",
                )
                for r in rows
            ),
            key=lambda f: f.id,
        )
    )


def fairness_evidence(
    ident: Any,
    results: dict[str, Any],
    sensitive: list[str],
    min_group_size: int,
    confidence: float | None,
    data_digest: str,
    input_digest: str,
    evaluated_at: datetime,
    *,
    submitted_by: str | None = None,
) -> FairnessEvidence:
    """Adapt one stored evaluation's results document (governance.evidence.evaluation) to the context."""
    groups = tuple(GroupEvidence.from_dict(g) for g in results.get("groups") or [])
    metrics = {k: MetricValue.from_dict(v) for k, v in (results.get("metrics") or {}).items()}
    return FairnessEvidence(
        int(ident or 0),
        tuple(results.get("sensitive") or sensitive),
        to_utc(evaluated_at),
        metrics,
        groups,
        min_group_size,
        confidence,
        data_digest,
        input_digest,
        submitted_by,
    )


def _stages(session: Session, model_version_id: int, target: str, evaluated_at: datetime) -> tuple[StageEvidence, ...]:
    """Every stored stage result of the version, each with when the version entered `target` (monitoring
    evidence counts from then on). Submitters are kept: the rule kinds count only trusted ones."""
    from governance.evidence.stage_store import row_result, stage_rows
    from governance.gate.queries import entered_target

    rows = stage_rows(session, model_version_id)
    if not rows:
        return ()
    entered = entered_target(session, model_version_id, target, until=evaluated_at)
    out = []
    for row in rows:
        result = row_result(row)
        out.append(
            StageEvidence(
                id=int(row.id or 0),
                kind=result.kind,
                stage=result.stage,
                measurements=result.measurements,  # the one Measurement type (governance.measurement)
                summary=dict(result.summary),
                row_count=result.row_count,
                data_digest=result.data_digest,
                source=result.source,
                evaluated_at=to_utc(row.evaluated_at),
                submitted_by=row.submitted_by,
                confidence=result.confidence,
                window_start=result.window_start,
                window_end=result.window_end,
                entered_target=to_utc(entered) if entered else None,
            )
        )
    return tuple(sorted(out, key=lambda s: s.id))


def _degradations(session: Session, model: str, version: str, evaluated_at: datetime) -> tuple[dict[str, Any], ...]:
    """The model's stage metrics that got worse over three consecutive versions ending at this one (findings)."""
    from governance.evidence.stage_store import degrading_series

    return tuple(degrading_series(session, model, version=version, until=evaluated_at))


def _approvals(session: Session, model_version_id: int) -> tuple[ApprovalRecord, ...]:
    from governance.approvals.queries import approvals_of_version

    return tuple(
        ApprovalRecord(int(r.id or 0), r.role, r.approver, r.artifact_digest, to_utc(r.created_at), r.comment)
        for r in approvals_of_version(session, model_version_id)
    )


def _waivers(session: Session, model: str) -> tuple[WaiverRecord, ...]:
    from governance.approvals.queries import waivers_of_version

    return tuple(
        WaiverRecord(
            int(r.id or 0),
            r.policy_id,
            r.reason,
            r.ticket,
            r.approver,
            to_utc(r.expires_at),
            to_utc(r.created_at),
            r.model_glob,
            r.version,
            r.target,
            to_utc(r.revoked_at) if r.revoked_at else None,
            r.revoked_by,
            bool(r.needs_cosign),
            r.cosigned_by if r.cosigned_at is not None else None,
        )
        for r in waivers_of_version(session, model)
    )
