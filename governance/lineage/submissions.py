"""Every submitter of an event, although the event is stored once.

Events are deduplicated by the sha256 of their canonical JSON: the first copy is stored (raw_event,
with its submitter in `submitted_by`). Were later copies dropped whole, an untrusted submitter who
posted an event first would hide a trusted producer's identical copy, and its evidence would never
count (a denial of service on the gate). So each further (event, submitter) pair is recorded in
`event_submission`, and evidence counts when ANY trusted submitter sent it:

- evidence stored on ingest (fairness evaluations, kept per submitter) is stored again for the new
  submitter, from the same event;
- evidence read from the run's facets (`gov_validationResults`) is attributed, at check time, to every
  submitter of every event that carried that value (`facet_versions`).

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
    """One value a run's facet took, and everyone who submitted an event carrying it."""

    value: Any
    at: datetime
    submitters: tuple[str, ...]


def facet_versions(
    session: Session, run_ids: list[str], keys: tuple[str, ...]
) -> dict[str, dict[str, list[FacetVersion]]]:
    """run id -> facet key -> the distinct values the run's events gave it, newest first (by eventTime),
    each with the sorted submitters of every event that carried it (raw_event and event_submission)."""
    from sqlalchemy import and_, or_, select
    from sqlmodel import col

    from governance.store.tables import EventSubmission, RawEvent
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
    extra: dict[str, set[str]] = {}
    digests = sorted({r.digest for r in rows})
    for start in range(0, len(digests), 500):
        part = digests[start : start + 500]
        for digest, who in session.execute(
            select(col(EventSubmission.digest), col(EventSubmission.submitted_by)).where(
                col(EventSubmission.digest).in_(part)
            )
        ).all():
            extra.setdefault(digest, set()).add(who)
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
            versions = out.setdefault(str(r.run_id), {}).setdefault(key, [])
            who = set(subs)
            for i, v in enumerate(versions):
                if v.value == facets[key]:  # seen before: newer now, and more submitters
                    versions.pop(i)
                    who |= set(v.submitters)
                    break
            versions.insert(0, FacetVersion(facets[key], to_utc(r.event_time), tuple(sorted(who))))
    return out
