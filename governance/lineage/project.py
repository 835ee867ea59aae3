"""Projection of accepted events into the lineage graph, one batch per transaction.

The projection is order-independent: states and facets follow eventTime, not arrival, and an
edge's `first_seen` is the minimum eventTime that showed it, so "as of" answers are stable.
(Two things still depend on how out-of-order events fall into batches, as they always have:
a facet-history row is skipped when equal to the value held when its batch runs, and a run_io
row keeps the first batch's event_time.)

A batch is collected in memory first (`Collected`), then each table is written once through
`BatchSQL` (pre-serialised rows on the DBAPI cursor: see batch_sql.py for why). Rows that exist are
read and merged under a lock (SQLite: the write lock, PostgreSQL: FOR UPDATE in key order), so
concurrent writers never lose each other's updates; a row is rewritten only when a value changed.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from operator import attrgetter
from typing import TYPE_CHECKING, Any

from sqlalchemy.engine import Engine

from governance.lineage import node_facts, project_runs, run_facts, submissions
from governance.lineage.batch_sql import PIPELINE_MAX_EVENTS, BatchSQL, dumps
from governance.lineage.collect import OWNERSHIP, TERMINAL, Collected, Node, node_id
from governance.lineage.evidence_facets import evidence_facets
from governance.timeutil import utcnow

if TYPE_CHECKING:
    from governance.lineage.collect import Accepted

__all__ = ["TERMINAL", "node_id", "write_batch"]

_EMPTY = "{}"
_event_time = attrgetter("event_time")


def write_batch(engine: Engine, batch: list[Accepted], *, locked: Callable[[], None] | None = None) -> set[str]:
    """Store new raw events and their projection atomically; return the digests that were new.
    Every submitter of an event is kept, a copy's too (submissions.py). `locked` is called once the
    transaction holds its locks on every job, dataset and run the batch touches (PostgreSQL; or when
    it is done: governance.lineage.overlap)."""
    try:
        return _write_batch(engine, batch, locked)
    finally:
        if locked is not None:
            locked()


def _write_batch(engine: Engine, batch: list[Accepted], locked: Callable[[], None] | None) -> set[str]:
    unique: dict[str, Accepted] = {}
    others: dict[str, set[str]] = {}  # digest -> further submitters of it in this batch
    for accepted in batch:
        kept = unique.setdefault(accepted.digest, accepted)
        who = accepted.item.submitted_by
        if kept is not accepted and who and who != kept.item.submitted_by:
            others.setdefault(accepted.digest, set()).add(who)
    with engine.begin() as conn:
        db = BatchSQL(conn)
        db.lock()
        # PostgreSQL, a few events (group commit of single POSTs): statements whose results are not
        # read go out together with the next one that is (about half the round trips).
        with db.pipeline(len(unique) <= PIPELINE_MAX_EVENTS):
            inserted = _insert_raw(db, list(unique.values()))
            resubmitted = (
                submissions.record(db, unique, inserted, others) if others or len(inserted) < len(unique) else []
            )
            if inserted:
                # eventTime order; equal times keep arrival order (a later arrival wins a facet tie).
                events = sorted((a for d, a in unique.items() if d in inserted), key=_event_time)
                collected = Collected(inserted, set(evidence_facets()))
                for event in events:
                    collected.add(event)
                _write(db, collected, locked)
                _write_warnings(db, [a for d, a in unique.items() if d in inserted and a.warnings])
        if inserted:
            _write_evidence(db, collected.evidence)  # through SQLAlchemy sessions: after the pipeline
        if resubmitted:  # evidence kept per submitter: stored for the new ones too
            _write_evidence(db, submissions.evidence_of(resubmitted, set(evidence_facets())))
    return set(inserted)


def _write_warnings(db: BatchSQL, events: list[Accepted]) -> None:
    """The format warnings of the events new to the store, with them (same transaction)."""
    if not events:
        return
    now = db.ts(utcnow())
    rows = [
        (a.digest, a.facts.producer[:2048], w.code, w.json_path[:1024], w.message, now)
        for a in events
        for w in a.warnings
    ]
    db.insert("INSERT INTO lineage_warning (event_digest, producer, code, json_path, message, received_at)", rows)


def _insert_raw(db: BatchSQL, events: list[Accepted]) -> dict[str, int]:
    """Insert the events not stored yet; digest -> raw_event.id of each one inserted now."""
    columns = (
        "digest, kind, event_type, event_time, run_id, job_namespace, job_name, producer, payload, source, "
        "received_at, submitted_by"
    )
    now, ts = db.ts(utcnow()), db.ts
    if db.pg:
        # Digest order: two writers sharing events then wait on each other in the same order (no deadlock).
        by_digest = [
            (
                a.digest,
                a.kind,
                a.facts.event_type,
                ts(a.event_time),
                a.facts.raw_run_id,
                a.facts.job_namespace,
                a.facts.job_name,
                a.facts.producer[:2048],
                a.item.text,
                a.item.source[:1024],
                now,
                a.item.submitted_by,
            )
            for a in sorted(events, key=attrgetter("digest"))
        ]
        return dict(
            db.insert_returning(
                f"INSERT INTO raw_event ({columns})", by_digest, "ON CONFLICT (digest) DO NOTHING RETURNING digest, id"
            )
        )
    # Under SQLite's write lock nobody else inserts, so ids are ours to give (max + 1..., as SQLite would).
    # DO NOTHING skips stored digests in the same index probe the insert makes anyway; the ids of rows
    # that went in tell which events were new, and usually all were (rowcount says so, no query needed).
    base = db.scalar("SELECT coalesce(max(id), 0) FROM raw_event") + 1
    rows = []
    for i, a in enumerate(events, start=base):
        f = a.facts
        rows.append(
            (
                i,
                a.digest,
                a.kind,
                f.event_type,
                ts(a.event_time),
                f.raw_run_id,
                f.job_namespace,
                f.job_name,
                f.producer[:2048],
                a.item.text,
                a.item.source[:1024],
                now,
                a.item.submitted_by,
            )
        )
    inserted = db.insert(f"INSERT INTO raw_event (id, {columns})", rows, "ON CONFLICT (digest) DO NOTHING")
    if inserted < len(rows):
        kept = {r[0] for r in db.select_in("SELECT id FROM raw_event", "id", [row[0] for row in rows])}
        rows = [row for row in rows if row[0] in kept]
    return {row[1]: row[0] for row in rows}


def _write(db: BatchSQL, c: Collected, locked: Callable[[], None] | None) -> None:
    job_ids = _upsert_nodes(db, "job", c.jobs, None)
    stored_facets: dict[str, dict[str, Any]] = {}
    dataset_ids = _upsert_nodes(db, "dataset", c.datasets, stored_facets)
    _write_facet_versions(db, c, dataset_ids, stored_facets)
    existed = project_runs.upsert_runs(db, c, job_ids)  # (run_facts.hold: a completed run's facts stand)
    if locked is not None:
        locked()  # every job, dataset and run of the batch is ours until commit
    # Only runs stored before this batch can have inputs and outputs stored: a run new here has none.
    stored_io = project_runs.stored_run_io(db, existed)
    project_runs.write_run_io(db, c, dataset_ids, stored_io)
    run_facts.freeze(db, c, stored_io)
    _write_edges(db, c)
    _write_columns(db, c)


# ---- nodes ----------------------------------------------------------------------------------------


def _upsert_nodes(
    db: BatchSQL, table: str, nodes: dict[str, Node], stored_facets: dict[str, dict[str, Any]] | None
) -> dict[str, int]:
    """Insert new nodes, merge into existing ones; node_id -> id. `stored_facets` gets the facets
    held before this batch of every existing node the batch brings facets for. The `ownership` facet
    is first-write-wins (node_facts.py): differing later claims become conflicts, not updates."""
    if not nodes:
        return {}
    head = (
        f"SELECT id, node_id, {db.json_column('facets')}, {db.json_column('facet_times')}, first_seen, "
        f"last_seen FROM {table}"
    )
    existing = db.select_in(head, "node_id", sorted(nodes), lock=True)
    ids = {row[1]: row[0] for row in existing}
    new = [nid for nid in nodes if nid not in ids]
    owner_conflicts: list[tuple[Any, ...]] = []
    if new:
        rows = []
        for nid in sorted(new) if db.pg else new:  # key order on PostgreSQL: see select_in
            n = nodes[nid]
            rows.append(
                (
                    n.namespace,
                    n.name,
                    nid,
                    dumps({k: v for k, (_, v) in n.facets.items()}),
                    dumps({k: t.isoformat() for k, (t, _) in n.facets.items()}),
                    db.ts(n.first),
                    db.ts(n.last),
                )
            )
        returned = dict(
            db.insert_returning(
                f"INSERT INTO {table} (namespace, name, node_id, facets, facet_times, first_seen, last_seen)",
                rows,
                "ON CONFLICT (node_id) DO NOTHING RETURNING node_id, id",
            )
        )
        ids.update(returned)
        raced = [nid for nid in new if nid not in returned]
        if raced:  # another writer inserted them since we looked (PostgreSQL only): merge into its rows
            existing += db.select_in(head, "node_id", sorted(raced), lock=True)
            ids.update((row[1], row[0]) for row in existing)
        for nid in returned:
            n = nodes[nid]
            if len(n.owner_claims) > 1:  # the batch's first claim was written; later different ones conflict
                owner_conflicts += node_facts.conflicts(db, nid, n.facets[OWNERSHIP][1], n, db.ts(utcnow()))
    full, times_only, seen_only = [], [], []
    ts, native = db.ts, db.native
    for ident, nid, facets_text, times_text, first_seen, last_seen in existing:
        n = nodes[nid]
        # Compared in the driver's form (SQLite: fixed-width UTC text, which sorts as time does).
        stored_first, stored_last = native(first_seen), native(last_seen)
        first, last = min(stored_first, ts(n.first)), max(stored_last, ts(n.last))
        facets = times = None
        value_changed = times_changed = False
        if n.facets:
            facets, times = json.loads(facets_text), json.loads(times_text)
            if stored_facets is not None:
                stored_facets[nid] = dict(facets)
            if n.owner_claims:
                standing = facets.get(OWNERSHIP, n.facets[OWNERSHIP][1])
                owner_conflicts += node_facts.conflicts(db, nid, standing, n, db.ts(utcnow()))
            for key, (t, value) in n.facets.items():
                if key == OWNERSHIP and key in facets:
                    continue  # first write wins: the stored owners stay
                stamp = t.isoformat()
                if key in times and times[key] > stamp:
                    continue  # a later event already set this facet
                if facets.get(key) != value:
                    facets[key], value_changed = value, True
                if times.get(key) != stamp:
                    times[key], times_changed = stamp, True
        seen = (first, last, ident)
        if value_changed:
            full.append((dumps(facets), dumps(times), *seen))
        elif times_changed:
            times_only.append((dumps(times), *seen))
        elif first != stored_first or last != stored_last:
            seen_only.append(seen)  # most batches only move last_seen: no JSON rewritten
    db.update(table, ("facets", "facet_times", "first_seen", "last_seen"), "id", full)
    db.update(table, ("facet_times", "first_seen", "last_seen"), "id", times_only)
    db.update(table, ("first_seen", "last_seen"), "id", seen_only)
    node_facts.record(db, owner_conflicts)
    return ids


def _write_facet_versions(
    db: BatchSQL, c: Collected, dataset_ids: dict[str, int], stored_facets: dict[str, dict[str, Any]]
) -> None:
    """Keep a facet's history as its changes: a value equal to the one before it adds no row, except for
    the facets the gate counts per submitter (EVERY_COPY): a trusted producer's copy of a value an
    untrusted one sent first must be on record, or the gate would never see trusted evidence of it."""
    rows = []
    last: dict[tuple[str, str], Any] = {}
    for nid, key, value, t, raw_id in c.facet_versions:
        previous = last.get((nid, key), stored_facets.get(nid, {}).get(key))
        if (previous == value and key not in EVERY_COPY) or (key == OWNERSHIP and previous is not None):
            continue  # (a stored owner stands: a differing claim is a conflict, not a new version)
        last[(nid, key)] = value
        rows.append((dataset_ids[nid], key, dumps(value), db.ts(t), raw_id))
    db.insert("INSERT INTO dataset_facet_version (dataset_id, facet, value, event_time, raw_event_id)", rows)


# Dataset facets the gate reads as evidence, counted only from trusted submitters (governance.gate.gather).
EVERY_COPY = frozenset({"dataQualityAssertions", "lifecycleStateChange"})


# ---- edges, columns, evidence -------------------------------------------------------------------


def _write_edges(db: BatchSQL, c: Collected) -> None:
    # Rewrite an edge only when this batch saw it earlier than stored: re-seen edges cost a lookup, no write.
    rows = [(s, d, db.ts(t)) for (s, d), t in sorted(c.edges.items())]
    db.insert(
        "INSERT INTO lineage_edge (src, dst, first_seen)",
        rows,
        "ON CONFLICT (src, dst) DO UPDATE SET "
        "first_seen = excluded.first_seen WHERE excluded.first_seen < lineage_edge.first_seen",
    )


def _write_columns(db: BatchSQL, c: Collected) -> None:
    db.insert(
        "INSERT INTO column_edge (src_dataset, src_field, dst_dataset, dst_field, transformation, first_seen)",
        [(s, sf, d, df, text, db.ts(t)) for (s, sf, d, df), (text, t) in sorted(c.columns.items())],
        "ON CONFLICT (src_dataset, src_field, dst_dataset, dst_field) DO UPDATE SET first_seen = "
        "excluded.first_seen WHERE excluded.first_seen < column_edge.first_seen",
    )


def _write_evidence(db: BatchSQL, evidence: list[tuple[Any, ...]]) -> None:
    if not evidence:
        return
    from sqlmodel import Session

    session = Session(bind=db.conn)
    for run_id, key, facet, producer, t, submitted_by in evidence:
        evidence_facets()[key].store(
            session, run_id=run_id, facet=facet, producer=producer, event_time=t, submitted_by=submitted_by
        )
    session.flush()
