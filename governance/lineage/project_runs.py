"""The runs of a batch and their inputs and outputs (the projection's run part: governance.lineage.project).

A run's row merges its events by eventTime until its first terminal state is frozen (run_facts.py);
a run's input or output is stored once, by the first event that showed it.
"""

from __future__ import annotations

import json
from typing import Any

from governance.lineage import run_facts
from governance.lineage.batch_sql import BatchSQL, dumps
from governance.lineage.collect import TERMINAL, Collected

_EMPTY = "{}"


_RUN_COLUMNS = "state, state_time, started_at, ended_at, facets, parent_run_id, error_message, first_seen"


def upsert_runs(db: BatchSQL, c: Collected, job_ids: dict[str, int]) -> list[str]:
    """Insert the batch's new runs, merge into the stored ones (locked); the ids of those stored before.
    A stored run's frozen facts are checked first (run_facts.hold); a new run has none."""
    if not c.runs:
        return []
    head = f"SELECT run_id, {_RUN_COLUMNS.replace('facets', db.json_column('facets'))} FROM run"
    existing = {r[0]: r[1:] for r in db.select_in(head, "run_id", sorted(c.runs), lock=True)}
    run_facts.hold(db, c, sorted(existing))
    inserts = [
        (run_id, job_ids[run["job"]], *_run_row(db, run, None))
        for run_id, run in c.runs.items()
        if run_id not in existing
    ]
    for row in inserts:
        c.runs[row[0]]["state"] = row[2]  # what run_facts.freeze records
    if inserts:
        statement = f"INSERT INTO run (run_id, job_id, {_RUN_COLUMNS})"
        if db.pg:
            inserts.sort()
            returned = {
                r[0]
                for r in db.insert_returning(statement, inserts, "ON CONFLICT (run_id) DO NOTHING RETURNING run_id")
            }
            raced = sorted(row[0] for row in inserts if row[0] not in returned)
            if raced:  # inserted by another writer since we looked: merge into its row instead
                existing.update((r[0], r[1:]) for r in db.select_in(head, "run_id", raced, lock=True))
                run_facts.hold(db, c, raced)
        else:
            db.insert(statement, inserts)  # the write lock excludes races
    updates = []
    for run_id, row in existing.items():
        values = _run_row(db, c.runs[run_id], row)
        c.runs[run_id]["state"] = values[0]
        if values != row:
            updates.append((*values, run_id))
    db.update("run", _RUN_COLUMNS.split(", "), "run_id", updates)
    return sorted(existing)


def _run_row(db: BatchSQL, run: dict[str, Any], row: tuple[Any, ...] | None) -> tuple[Any, ...]:
    """The run's columns (_RUN_COLUMNS order) after merging the batch's events into the stored `row`.

    State = latest non-OTHER transition by eventTime (a terminal one wins a tie), until the run's first
    terminal state is frozen (run_facts.py): then that state stands.
    """
    events = list(run["events"])
    old_state = old_state_time = old_start = old_end = None
    facets: dict[str, Any] = {}
    first = run["first"]
    if row is not None:
        old_state, old_state_time, old_start, old_end = row[0], db.dt(row[1]), db.dt(row[2]), db.dt(row[3])
        facets = json.loads(row[4])
        first = min(db.dt(row[7]), first)
        if old_state is not None and old_state_time is not None:
            events.append((old_state, old_state_time))
    transitions = [(t, e in TERMINAL, e) for e, t in events if e != "OTHER"]
    state, state_time = old_state, old_state_time
    frozen = run.get("frozen_state")  # the first terminal state, once recorded (run_facts.py)
    if frozen is not None:
        transitions = [tr for tr in transitions if tr[2] == frozen] if old_state != frozen else []
    if transitions:
        state_time, _, state = max(transitions)
    starts = [t for e, t in events if e == "START"]
    ends = [t for e, t in events if e in TERMINAL]
    started = min([*starts, *([old_start] if old_start else [])], default=None)
    ended = max([*ends, *([old_end] if old_end else [])], default=None)
    facets_text = row[4] if row is not None else _EMPTY
    if run["facets"]:
        facets.update({k: v for k, (_, v) in sorted(run["facets"].items(), key=lambda kv: kv[1][0])})
        facets_text = dumps(facets)
    run["merged_facets"] = facets  # as stored: what run_facts.freeze reads the authors from
    parent = (facets.get("parent") or {}).get("run", {}).get("runId")
    error = (facets.get("errorMessage") or {}).get("message")
    return (
        state,
        db.ts(state_time),
        db.ts(started),
        db.ts(ended),
        facets_text,
        str(parent).lower() if parent else None,
        error,
        db.ts(first),
    )


def stored_run_io(db: BatchSQL, run_ids: list[str]) -> set[tuple[str, str, str]]:
    """(run_id, dataset node_id, direction) of the inputs and outputs stored for `run_ids`."""
    head = (
        "SELECT run_io.run_id, dataset.node_id, run_io.direction FROM run_io "
        "JOIN dataset ON dataset.id = run_io.dataset_id"
    )
    return {(r[0], r[1], r[2]) for r in db.select_in(head, "run_io.run_id", run_ids)}


def write_run_io(db: BatchSQL, c: Collected, dataset_ids: dict[str, int], stored: set[tuple[str, str, str]]) -> None:
    items = sorted(c.run_io.items()) if db.pg else c.run_io.items()
    rows = [
        (run_id, dataset_ids[nid], d, e["version"], dumps(e["facets"]) if e["facets"] else _EMPTY, db.ts(e["time"]))
        for (run_id, nid, d), e in items
        if (run_id, nid, d) not in stored  # a pair is stored once: the first event that showed it
    ]
    head = "INSERT INTO run_io (run_id, dataset_id, direction, version, facets, event_time)"
    if not db.copy_new(head, rows):
        db.insert(head, rows, "ON CONFLICT (run_id, dataset_id, direction) DO NOTHING")
