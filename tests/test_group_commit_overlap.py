"""PostgreSQL group commit: a large group's successor starts once the group holds its locks
(governance.lineage.overlap), so two groups overlap, yet a job both touch is written in arrival order."""

from __future__ import annotations

import asyncio
import time
import uuid
from typing import Any

import pytest
from sqlalchemy import text
from sqlalchemy.engine import Engine

import governance.lineage.project as project
import governance.lineage.project_runs as project_runs
from governance.lineage.group_commit import OVERLAP_MIN, GroupCommit
from tests.test_group_commit import _accepted, _event
from tests.test_lineage_ingest_overlap import pg  # noqa: F401 - fixture


def _owned(owner: str, i: int) -> dict[str, Any]:
    event = _event("train", str(uuid.uuid4()))
    event["eventTime"] = f"2026-11-27T07:{i // 60:02d}:{i % 60:02d}+00:00"
    event["job"]["facets"] = {
        "ownership": {
            "_producer": "https://example.com/p",
            "_schemaURL": "https://openlineage.io/spec/facets/1-0-1/OwnershipJobFacet.json",
            "owners": [{"name": owner}],
        }
    }
    return event


def test_large_groups_overlap_and_keep_arrival_order(pg: Engine, monkeypatch: pytest.MonkeyPatch) -> None:  # noqa: F811
    first = [_accepted(_owned("team-a", i)) for i in range(OVERLAP_MIN)]
    second = [_accepted(_owned("team-b", i)) for i in range(OVERLAP_MIN, 2 * OVERLAP_MIN)]
    marks: list[str] = []
    ours = {e.digest for e in first}
    original_raw, original_io = project._insert_raw, project_runs.write_run_io

    def slow_raw(db: Any, events: list[Any]) -> dict[str, int]:
        marks.append("first raw" if events[0].digest in ours else "second raw")
        if events[0].digest in ours:  # the first group is slow to store its raw events: the second must wait
            time.sleep(0.3)
        return original_raw(db, events)

    def slow_io(db: Any, c: Any, *args: Any) -> None:
        if ours & set(c.raw_ids):
            time.sleep(0.3)  # the first group, after its locks: the second's raw events go in meanwhile
        original_io(db, c, *args)
        marks.append("first io" if ours & set(c.raw_ids) else "second io")

    monkeypatch.setattr(project, "_insert_raw", slow_raw)
    monkeypatch.setattr(project_runs, "write_run_io", slow_io)
    group = GroupCommit(pg, max_batch=OVERLAP_MIN)
    assert group.overlap

    async def both() -> list[Any]:
        a = asyncio.ensure_future(group.submit_many(first))
        await asyncio.sleep(0)  # `first` is queued (and taken) before `second`
        b = asyncio.ensure_future(group.submit_many(second))
        return await asyncio.gather(a, b)

    statuses = asyncio.run(both())
    group.close()
    assert statuses == [["accepted"] * OVERLAP_MIN, ["accepted"] * OVERLAP_MIN]
    with pg.connect() as conn:
        owners = conn.execute(text("SELECT facets::json->'ownership'->'owners' FROM job")).scalar()
        claimed = conn.execute(text("SELECT claimed_value::text FROM node_fact_conflict")).scalars().all()
        assert conn.execute(text("SELECT count(*) FROM raw_event")).scalar() == 2 * OVERLAP_MIN
    assert marks == ["first raw", "second raw", "first io", "second io"]  # overlapped, in order
    assert owners == [{"name": "team-a"}]  # the first group's claim stands; the second's is a conflict
    assert claimed and all("team-b" in c for c in claimed)
