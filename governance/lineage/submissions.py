"""Every submitter of an event, although the event is stored once.

Events are deduplicated by the sha256 of their canonical JSON: the first copy is stored (raw_event,
with its submitter in `submitted_by`). Were later copies dropped whole, an untrusted submitter who
posted an event first would hide a trusted producer's identical copy, and its evidence would never
count (a denial of service on the gate). So each further (event, submitter) pair is recorded in
`event_submission`, and evidence counts when ANY trusted submitter sent it:

- evidence stored on ingest (fairness evaluations, kept per submitter) is stored again for the new
  submitter, from the same event;
- evidence read from the run's facets (`gov_validationResults`) is attributed, at check time, to every
  submitter of every event that carried that value (`facet_versions`); likewise `dataQualityAssertions`
  on a run's inputs (`input_facet_versions`) and on a dataset (`dataset_facet_versions`).

A batch without duplicates costs nothing here (no statement); copies re-sent by their first submitter
one read; copies from new submitters two reads and one write.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from datetime import datetime
from typing import TYPE_CHECKING, Any, NamedTuple

from governance.evidence.custom_facets import shadowed
from governance.lineage.batch_sql import BatchSQL
from governance.timeutil import utcnow

if TYPE_CHECKING:
    from sqlmodel import Session

    from governance.lineage.collect import Accepted

UNRECORDED = "unrecorded"  # an event stored before submitters were recorded: trusted by nobody


def record(
    db: BatchSQL, unique: dict[str, Accepted], inserted: Iterable[str], others: dict[str, set[str]]
) -> list[tuple[Accepted, str]]:
    """Record the submitters of this batch's events that the store does not hold yet; the (event,
    submitter) pairs recorded now. `unique` holds the copy kept per digest, `others` the further
    submitters of a digest within the batch, `inserted` the digests stored by this batch."""
    new = set(inserted)
    wanted: dict[str, set[str]] = {}
    for digest, kept in unique.items():
        subs = set(others.get(digest, ()))
        if digest not in new and kept.item.submitted_by:
            subs.add(kept.item.submitted_by)  # a copy of a stored event: maybe a new submitter
        if subs:
            wanted[digest] = subs
    if not wanted:
        return []
    held: dict[str, set[str | None]] = {}
    for digest in new:  # stored now by the kept copy
        held.setdefault(digest, set()).add(unique[digest].item.submitted_by)
    stored = sorted(d for d in wanted if d not in new)
    for digest, who in db.select_in("SELECT digest, submitted_by FROM raw_event", "digest", stored):
        held.setdefault(digest, set()).add(who)
    # Re-sent by their first submitter (the usual duplicate): nothing more to look up.
    wanted = {d: {w for w in subs if w not in held.get(d, ())} for d, subs in wanted.items()}
    digests = sorted(d for d, subs in wanted.items() if subs)
    for digest, who in db.select_in("SELECT digest, submitted_by FROM event_submission", "digest", digests):
        held.setdefault(digest, set()).add(who)
    pairs = [
        (unique[digest], who) for digest in digests for who in sorted(wanted[digest]) if who not in held.get(digest, ())
    ]
    if pairs:
        now = db.ts(utcnow())
        db.insert(
            "INSERT INTO event_submission (digest, submitted_by, received_at)",
            [(a.digest, who, now) for a, who in pairs],
            "ON CONFLICT (digest, submitted_by) DO NOTHING",
        )
    return pairs


def evidence_of(pairs: list[tuple[Accepted, str]], evidence_keys: set[str]) -> list[tuple[Any, ...]]:
    """The evidence facets the newly recorded submitters sent (Collected.evidence's shape)."""
    out: list[tuple[Any, ...]] = []
    for event, who in pairs:
        f = event.facts
        if f.run_id is None or not f.run_facets:
            continue
        for key, value in f.run_facets.items():
            if key in evidence_keys and not shadowed(key, f.run_facets):
                out.append((f.run_id, key, value, f.producer, event.event_time, who))
    return out


class FacetVersion(NamedTuple):
    """One value a facet took, and everyone who submitted an event carrying it: `at` the newest such
    event's time; `first_by` each submitter's earliest."""

    value: Any
    at: datetime
    submitters: tuple[str, ...]
    first_by: tuple[tuple[str, datetime], ...] = ()


def facet_versions(
    session: Session, run_ids: list[str], keys: tuple[str, ...]
) -> dict[str, dict[str, list[FacetVersion]]]:
    """run id -> facet key -> the distinct values the run's events gave it, newest first (by eventTime),
    each with the sorted submitters of every event that carried it (raw_event and event_submission)."""
    from sqlalchemy import and_, or_, select
    from sqlmodel import col

    from governance.store.tables import RawEvent
    from governance.timeutil import to_utc

    if not run_ids:
        return {}
    rows = session.execute(
        select(
            col(RawEvent.id),
            col(RawEvent.digest),
            col(RawEvent.run_id),
            col(RawEvent.event_time),
            col(RawEvent.payload),
            col(RawEvent.submitted_by),
        )
        .where(and_(col(RawEvent.run_id).in_(run_ids), or_(*(col(RawEvent.payload).contains(k) for k in keys))))
        .order_by(col(RawEvent.event_time), col(RawEvent.id))
    ).all()
    if not rows:
        return {}
    extra = _further_submitters(session, {r.digest for r in rows})
    out: dict[str, dict[str, list[FacetVersion]]] = {}
    for r in rows:
        try:
            facets = (json.loads(r.payload).get("run") or {}).get("facets") or {}
        except (ValueError, AttributeError):
            continue
        subs = {r.submitted_by or UNRECORDED} | extra.get(r.digest, set())
        for key in keys:
            if key not in facets:
                continue
            _add(out.setdefault(str(r.run_id), {}).setdefault(key, []), facets[key], to_utc(r.event_time), subs)
    return out


def _add(versions: list[FacetVersion], value: Any, at: datetime, subs: set[str]) -> None:
    """Fold one event's value in (events in eventTime order): newest first, submitters merged."""
    first = {s: at for s in subs}
    for i, v in enumerate(versions):
        if v.value == value:  # seen before: newer now, and more submitters (their first times kept)
            versions.pop(i)
            first.update(v.first_by)
            break
    versions.insert(0, FacetVersion(value, at, tuple(sorted(first)), tuple(sorted(first.items()))))


def _further_submitters(session: Session, digests: set[str]) -> dict[str, set[str]]:
    """digest -> the submitters of its later copies (event_submission)."""
    from sqlalchemy import select
    from sqlmodel import col

    from governance.store.tables import EventSubmission

    extra: dict[str, set[str]] = {}
    ordered = sorted(digests)
    for start in range(0, len(ordered), 500):
        part = ordered[start : start + 500]
        for digest, who in session.execute(
            select(col(EventSubmission.digest), col(EventSubmission.submitted_by)).where(
                col(EventSubmission.digest).in_(part)
            )
        ).all():
            extra.setdefault(digest, set()).add(who)
    return extra


def input_facet_versions(session: Session, run_ids: list[str], key: str) -> dict[tuple[str, str], list[FacetVersion]]:
    """(run id, dataset node id) -> the distinct values the runs' events gave the input facet `key`
    (`inputs[].inputFacets`, e.g. dataQualityAssertions), newest first, each with every submitter of
    every event that carried it (raw_event and event_submission)."""
    from sqlalchemy import and_, select
    from sqlmodel import col

    from governance.lineage.collect import node_id
    from governance.store.tables import RawEvent
    from governance.timeutil import to_utc

    if not run_ids:
        return {}
    rows = session.execute(
        select(
            col(RawEvent.digest),
            col(RawEvent.run_id),
            col(RawEvent.event_time),
            col(RawEvent.payload),
            col(RawEvent.submitted_by),
        )
        .where(and_(col(RawEvent.run_id).in_(run_ids), col(RawEvent.payload).contains(key)))
        .order_by(col(RawEvent.event_time), col(RawEvent.id))
    ).all()
    extra = _further_submitters(session, {r.digest for r in rows}) if rows else {}
    out: dict[tuple[str, str], list[FacetVersion]] = {}
    for r in rows:
        try:
            inputs = json.loads(r.payload).get("inputs") or []
        except (ValueError, AttributeError):
            continue
        subs = {r.submitted_by or UNRECORDED} | extra.get(r.digest, set())
        for ds in inputs if isinstance(inputs, list) else ():
            facets = ds.get("inputFacets") if isinstance(ds, dict) else None
            if isinstance(facets, dict) and key in facets:
                nid = node_id("dataset", str(ds.get("namespace")), str(ds.get("name")))
                _add(out.setdefault((str(r.run_id), nid), []), facets[key], to_utc(r.event_time), subs)
    return out


def dataset_facet_versions(session: Session, datasets: dict[int, str], key: str) -> dict[int, list[FacetVersion]]:
    """dataset id -> the values the dataset facet `key` took (in a dataset's `facets`, e.g.
    dataQualityAssertions), newest first, each with every submitter of every event that carried it
    (raw_event and event_submission). `datasets`: dataset id -> node id.

    The events read: those of every run that read or wrote the dataset and carry `key`, and those the
    facet's history (`dataset_facet_version`) names. The history keeps a value's changes only, so a
    DatasetEvent repeating an equal value is not seen: a trusted producer re-sending an untrusted value
    that way is not counted (the gate fails closed); as part of a run's event it is."""
    from sqlalchemy import and_, select

    from governance.lineage.collect import node_id
    from governance.store.tables import DatasetFacetVersion, RawEvent, RunIO
    from governance.timeutil import to_utc

    if not datasets:
        return {}
    v = DatasetFacetVersion.__table__  # type: ignore[attr-defined]
    io = RunIO.__table__  # type: ignore[attr-defined]
    e = RawEvent.__table__  # type: ignore[attr-defined]
    ids = sorted(datasets)
    raw_ids: set[int] = set()
    carried: set[int] = set()  # datasets that ever held the facet: only their runs' events can carry it
    for start in range(0, len(ids), 500):
        cond = and_(v.c.dataset_id.in_(ids[start : start + 500]), v.c.facet == key)
        for dataset_id, raw_id in session.execute(select(v.c.dataset_id, v.c.raw_event_id).where(cond)).all():
            carried.add(dataset_id)
            raw_ids.add(raw_id)
    run_ids: set[str] = set()
    held = sorted(carried)
    for start in range(0, len(held), 500):
        stmt = select(io.c.run_id).where(io.c.dataset_id.in_(held[start : start + 500]))
        run_ids |= {r[0] for r in session.execute(stmt).all()}
    columns = (e.c.id, e.c.digest, e.c.event_time, e.c.payload, e.c.submitted_by)
    rows: dict[int, Any] = {}
    for start in range(0, len(raw_ids), 500):
        part_ids = sorted(raw_ids)[start : start + 500]
        rows.update((r.id, r) for r in session.execute(select(*columns).where(e.c.id.in_(part_ids))))
    runs = sorted(run_ids)
    for start in range(0, len(runs), 500):
        cond = and_(e.c.run_id.in_(runs[start : start + 500]), e.c.payload.contains(key))
        rows.update((r.id, r) for r in session.execute(select(*columns).where(cond)))
    ordered = sorted(rows.values(), key=lambda r: (to_utc(r.event_time), r.id))
    extra = _further_submitters(session, {r.digest for r in ordered}) if ordered else {}
    wanted = {nid: ident for ident, nid in datasets.items()}
    out: dict[int, list[FacetVersion]] = {}
    for r in ordered:
        try:
            obj = json.loads(r.payload)
            entries = [*(obj.get("inputs") or []), *(obj.get("outputs") or []), obj.get("dataset")]
        except (ValueError, AttributeError, TypeError):
            continue
        subs = {r.submitted_by or UNRECORDED} | extra.get(r.digest, set())
        for ds in entries:
            facets = ds.get("facets") if isinstance(ds, dict) else None
            if not isinstance(facets, dict) or key not in facets:
                continue
            ident = wanted.get(node_id("dataset", str(ds.get("namespace")), str(ds.get("name"))))
            if ident is not None:
                _add(out.setdefault(ident, []), facets[key], to_utc(r.event_time), subs)
    return out
