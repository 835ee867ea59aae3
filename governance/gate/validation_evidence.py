"""Validation evidence of a training run as the evaluation context holds it: assertions on its inputs
and results reported by it and by the runs that validated its model, each with who submitted it, and
the earlier values other submitters sent (the history). Part of building a check's context
(governance.gate.gather)."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime
from typing import Any

from sqlalchemy import and_, select
from sqlmodel import Session, col

from governance.errors import InputError
from governance.evidence.custom_facets import VALIDATION
from governance.lineage.submissions import (
    UNRECORDED,
    FacetVersion,
    dataset_facet_versions,
    facet_versions,
    input_facet_versions,
)
from governance.policy.context import STAGES, DatasetInfo, ValidationItem
from governance.store.tables import Dataset, Run, RunIO
from governance.timeutil import parse_optional_timestamp, to_utc

ASSERTIONS = "dataQualityAssertions"
# `gov_validationResults` (lineage/facets/2-0-0/ValidationResultsRunFacet.json), or its 1-0-0 key `validationResults`
VALIDATION_FACET = VALIDATION.key


def validation_items(
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
