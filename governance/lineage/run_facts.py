"""Facts about a completed run are first-write-wins: its authors, its inputs and its terminal state.

When a run first reaches a terminal state (COMPLETE, FAIL, ABORT) its authors (the `runAuthors`
facet, either key), its input datasets and that state are frozen in `run_fact`. A later event naming
different authors, inputs the run did not have, or another terminal state (a COMPLETE after a FAIL,
which would pass `training_run_completed`) does not change the projection: its claim is kept in
`run_fact_conflict` (with who submitted it) and every check of a model trained by that run lists it
as a finding (governance.gate.gather). Later events change the run's state no more at all. Before
completion, claims merge as usual (latest wins).

Limits: claims arriving in the same batch as the completing event, after it in eventTime order, are
merged before the facts are frozen. The job's `ownership` facet (also authors of its runs) is a job
fact, first-write-wins from the job's first event: governance.lineage.node_facts.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from governance.evidence.custom_facets import AUTHORS
from governance.lineage.batch_sql import BatchSQL, dumps
from governance.lineage.collect import TERMINAL, Collected
from governance.timeutil import utcnow

if TYPE_CHECKING:
    from governance.lineage.collect import Accepted

AUTHORS_FACT, INPUTS_FACT, STATE_FACT = "authors", "inputs", "state"


def author_names(facet: Any) -> list[str]:
    """The sorted, distinct author names of a `runAuthors` facet (nothing when malformed)."""
    if not isinstance(facet, dict):
        return []
    return sorted({str(a["name"]) for a in facet.get("authors") or [] if isinstance(a, dict) and a.get("name")})


def hold(db: BatchSQL, c: Collected, run_ids: list[str]) -> None:
    """Before the runs are written: for those of `run_ids` (stored runs, locked) whose facts are frozen,
    record differing claims as conflicts and take them out of the batch, so the stored authors and
    inputs stay the first ones."""
    if not run_ids:
        return
    frozen: dict[str, dict[str, Any]] = {}
    head = f"SELECT run_id, fact, {db.json_column('value')} FROM run_fact"
    for run_id, fact, value in db.select_in(head, "run_id", run_ids):
        frozen.setdefault(run_id, {})[fact] = json.loads(value) if isinstance(value, str) else value
    for run_id, facts in frozen.items():
        c.runs[run_id]["stored_facts"] = set(facts)  # freeze() writes only the others
    if not frozen:
        return
    now, conflicts = db.ts(utcnow()), []
    for run_id, facts in frozen.items():
        run = c.runs[run_id]
        first_authors, first_inputs = facts.get(AUTHORS_FACT), facts.get(INPUTS_FACT)
        first_state = facts.get(STATE_FACT)
        strip_authors, extra_inputs = False, set()
        for event_type, run_facets, inputs, event in run.get("claims", ()):
            if first_state is not None and event_type in TERMINAL and event_type != first_state:
                conflicts.append(_row(db, run_id, STATE_FACT, first_state, event_type, event, now))
            facet = AUTHORS.read(run_facets) if run_facets else None
            if facet is not None and first_authors is not None and author_names(facet) != first_authors:
                strip_authors = True
                conflicts.append(_row(db, run_id, AUTHORS_FACT, first_authors, author_names(facet), event, now))
            new = sorted(set(inputs) - set(first_inputs or []))
            if first_inputs is not None and new:
                extra_inputs.update(new)
                claimed = sorted(set(first_inputs) | set(inputs))
                conflicts.append(_row(db, run_id, INPUTS_FACT, first_inputs, claimed, event, now))
        if strip_authors:
            for key in AUTHORS.keys:
                run["facets"].pop(key, None)
        for nid in extra_inputs:
            c.run_io.pop((run_id, nid, "in"), None)
        if first_state is not None:  # the first terminal state stands (project_runs._run_row)
            run["frozen_state"] = first_state
    db.insert(
        "INSERT INTO run_fact_conflict (run_id, fact, first_value, claimed_value, submitted_by, event_digest, "
        "event_time, received_at)",
        conflicts,
    )


def _row(db: BatchSQL, run_id: str, fact: str, first: Any, claimed: Any, event: Accepted, now: Any) -> tuple[Any, ...]:
    return (
        run_id,
        fact,
        dumps(first),
        dumps(claimed),
        event.item.submitted_by,
        event.digest,
        db.ts(event.event_time),
        now,
    )


def freeze(db: BatchSQL, c: Collected, stored_io: set[tuple[str, str, str]]) -> None:
    """After the runs and their inputs are written: freeze the authors, inputs and state of every run this
    batch completed. Authors come from the run's facets as stored (project_runs._run_row), inputs from those
    stored before (`stored_io`) and those the batch added."""
    done: dict[str, str | None] = {}
    for run_id, run in c.runs.items():
        for event_type, _, _, event in run.get("claims", ()):
            if event_type in TERMINAL and run_id not in done:
                done[run_id] = event.item.submitted_by
    if not done:
        return
    inputs: dict[str, set[str]] = {}
    for run_id, nid, direction in (*stored_io, *c.run_io):
        if direction == "in" and run_id in done:
            inputs.setdefault(run_id, set()).add(nid)
    now, rows = db.ts(utcnow()), []
    for run_id in sorted(done):
        run = c.runs[run_id]
        stored = run.get("stored_facts", ())  # read by hold(): those stand
        if AUTHORS_FACT not in stored:
            authors = author_names(AUTHORS.read(run["merged_facets"]))
            rows.append((run_id, AUTHORS_FACT, dumps(authors), done[run_id], now))
        if INPUTS_FACT not in stored:
            rows.append((run_id, INPUTS_FACT, dumps(sorted(inputs.get(run_id, ()))), done[run_id], now))
        state = run.get("state")  # as projected (project_runs.upsert_runs): the latest transition
        if state in TERMINAL and STATE_FACT not in stored:
            rows.append((run_id, STATE_FACT, dumps(state), done[run_id], now))
    head = "INSERT INTO run_fact (run_id, fact, value, submitted_by, recorded_at)"
    if not db.copy_new(head, rows):  # a writer racing us for a run's facts: the first stands
        db.insert(head, rows, "ON CONFLICT (run_id, fact) DO NOTHING")
