"""Projection of accepted events into the lineage graph, one batch per transaction.

The projection is order-independent: states and facets follow eventTime, not arrival, and an
edge's `first_seen` is the minimum eventTime that showed it, so "as of" answers are stable.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import case, select
from sqlalchemy.engine import Connection, Engine

from governance.lineage.evidence_facets import evidence_facets
from governance.store.tables import (
    ColumnEdge,
    Dataset,
    DatasetFacetVersion,
    Job,
    LineageEdge,
    RawEvent,
    Run,
    RunIO,
)
from governance.timeutil import utcnow

if TYPE_CHECKING:
    from governance.lineage.ingest import Accepted

TERMINAL = ("COMPLETE", "FAIL", "ABORT")
CHUNK = 500


def node_id(kind: str, namespace: str, name: str) -> str:
    """Marquez-style node id: `dataset:NS:NAME` or `job:NS:NAME`."""
    return f"{kind}:{namespace}:{name}"


def _insert(conn: Connection, table: Any) -> Any:
    if conn.dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert as pg_insert

        return pg_insert(table)
    from sqlalchemy.dialects.sqlite import insert as sqlite_insert

    return sqlite_insert(table)


def write_batch(engine: Engine, batch: list[Accepted]) -> set[str]:
    """Store new raw events and their projection atomically; return the digests that were new."""
    unique: dict[str, Accepted] = {}
    for accepted in batch:
        unique.setdefault(accepted.digest, accepted)
    with engine.begin() as conn:
        inserted = _insert_raw(conn, list(unique.values()))
        if inserted:
            events = sorted((unique[d] for d in inserted), key=lambda a: a.event_time)
            _Projector(conn, events, inserted).run()
    return set(inserted)


def _insert_raw(conn: Connection, events: list[Accepted]) -> dict[str, int]:
    table = RawEvent.__table__  # type: ignore[attr-defined]
    now = utcnow()
    rows = []
    for a in events:
        job = a.obj.get("job") or {}
        run = a.obj.get("run") or {}
        rows.append({
            "digest": a.digest, "kind": a.kind, "event_type": a.obj.get("eventType"),
            "event_time": a.event_time, "run_id": (run.get("runId") or None) and str(run["runId"]).lower(),
            "job_namespace": job.get("namespace"), "job_name": job.get("name"),
            "producer": str(a.obj.get("producer", ""))[:2048], "payload": a.item.text,
            "source": a.item.source[:1024], "received_at": now,
        })
    stmt = _insert(conn, table).on_conflict_do_nothing(index_elements=["digest"])
    result = conn.execute(stmt.returning(table.c.id, table.c.digest), rows)
    return {digest: ident for ident, digest in result.all()}


class _Projector:
    """Accumulates one batch's graph changes in memory, then writes each table once."""

    def __init__(self, conn: Connection, events: list[Accepted], raw_ids: dict[str, int]) -> None:
        self.conn, self.events, self.raw_ids = conn, events, raw_ids
        self.jobs: dict[str, dict[str, Any]] = {}
        self.datasets: dict[str, dict[str, Any]] = {}
        self.facet_versions: list[tuple[str, str, Any, datetime, int]] = []
        self.runs: dict[str, dict[str, Any]] = {}
        self.run_io: dict[tuple[str, str, str], dict[str, Any]] = {}
        self.edges: dict[tuple[str, str], datetime] = {}
        self.columns: dict[tuple[str, str, str, str], tuple[str | None, datetime]] = {}
        self.evidence: list[tuple[str, str, Any, str, datetime]] = []
        self.stored_facets: dict[str, dict[str, Any]] = {}
        self.evidence_keys = set(evidence_facets())

    # ---- collect -------------------------------------------------------------------------
    def run(self) -> None:
        for event in self.events:
            self._collect(event)
        job_ids = self._upsert_nodes(Job, self.jobs)
        dataset_ids = self._upsert_nodes(Dataset, self.datasets)
        self._write_facet_versions(dataset_ids)
        self._upsert_runs(job_ids)
        self._write_run_io(dataset_ids)
        self._write_edges()
        self._write_columns()
        self._write_evidence()

    def _node(self, store: dict[str, dict[str, Any]], kind: str, ns: str, name: str, t: datetime) -> str:
        nid = node_id(kind, ns, name)
        node = store.get(nid)
        if node is None:
            node = store[nid] = {"namespace": ns, "name": name, "first": t, "last": t, "facets": {}}
        node["first"], node["last"] = min(node["first"], t), max(node["last"], t)
        return nid

    def _facets(self, node: dict[str, Any], facets: dict[str, Any] | None, t: datetime) -> None:
        for key, value in (facets or {}).items():
            held = node["facets"].get(key)
            if held is None or held[0] <= t:
                node["facets"][key] = (t, value)

    def _collect(self, event: Accepted) -> None:
        obj, t, raw_id = event.obj, event.event_time, self.raw_ids[event.digest]
        if event.kind == "DatasetEvent":
            self._dataset(obj["dataset"], t, raw_id)
            return
        job = obj["job"]
        job_nid = self._node(self.jobs, "job", job["namespace"], job["name"], t)
        self._facets(self.jobs[job_nid], job.get("facets"), t)
        run_id = str(obj["run"]["runId"]).lower() if event.kind == "RunEvent" else None
        if run_id is not None:
            self._run(run_id, job_nid, obj, t)
        for direction, key, io_key in (("in", "inputs", "inputFacets"), ("out", "outputs", "outputFacets")):
            for ds in obj.get(key) or []:
                ds_nid = self._dataset(ds, t, raw_id)
                edge = (ds_nid, job_nid) if direction == "in" else (job_nid, ds_nid)
                self.edges[edge] = min(self.edges.get(edge, t), t)
                if run_id is not None:
                    self._io(run_id, ds_nid, direction, ds, io_key, t)
                if direction == "out":
                    self._column_lineage(ds_nid, ds, t)

    def _dataset(self, ds: dict[str, Any], t: datetime, raw_id: int) -> str:
        nid = self._node(self.datasets, "dataset", ds["namespace"], ds["name"], t)
        facets = ds.get("facets") or {}
        self._facets(self.datasets[nid], facets, t)
        for key, value in facets.items():
            self.facet_versions.append((nid, key, value, t, raw_id))
        return nid

    def _run(self, run_id: str, job_nid: str, obj: dict[str, Any], t: datetime) -> None:
        run = self.runs.setdefault(run_id, {"job": job_nid, "first": t, "events": [], "facets": {}})
        run["first"] = min(run["first"], t)
        run["events"].append((obj.get("eventType") or "OTHER", t))
        self._facets(run, obj["run"].get("facets"), t)
        for key, value in (obj["run"].get("facets") or {}).items():
            if key in self.evidence_keys:
                self.evidence.append((run_id, key, value, str(obj.get("producer", "")), t))

    def _io(self, run_id: str, ds_nid: str, direction: str, ds: dict[str, Any], io_key: str, t: datetime) -> None:
        facets = ds.get("facets") or {}
        version = (facets.get("version") or {}).get("datasetVersion")
        entry = self.run_io.setdefault((run_id, ds_nid, direction), {"version": None, "facets": {}, "time": t})
        entry["version"] = version or entry["version"]
        entry["facets"].update(ds.get(io_key) or {})
        entry["time"] = min(entry["time"], t)

    def _column_lineage(self, ds_nid: str, ds: dict[str, Any], t: datetime) -> None:
        facet = (ds.get("facets") or {}).get("columnLineage") or {}
        for out_field, spec in (facet.get("fields") or {}).items():
            description = spec.get("transformationDescription")
            for src in spec.get("inputFields") or []:
                src_nid = node_id("dataset", src["namespace"], src["name"])
                transforms = src.get("transformations") or []
                text = description or ", ".join(
                    f"{x.get('type', '')}/{x.get('subtype', '')}".strip("/") for x in transforms) or None
                key = (src_nid, src["field"], ds_nid, out_field)
                held = self.columns.get(key)
                self.columns[key] = (text, min(held[1], t) if held else t)

    # ---- write ---------------------------------------------------------------------------
    def _select_in(self, column: Any, columns: list[Any], keys: list[Any]) -> list[Any]:
        rows: list[Any] = []
        for start in range(0, len(keys), CHUNK):
            rows.extend(self.conn.execute(select(*columns).where(column.in_(keys[start:start + CHUNK]))).all())
        return rows

    def _upsert_nodes(self, model: Any, nodes: dict[str, dict[str, Any]]) -> dict[str, int]:
        if not nodes:
            return {}
        table = model.__table__
        c = table.c
        existing = {r.node_id: r for r in self._select_in(
            c.node_id, [c.id, c.node_id, c.facets, c.facet_times, c.first_seen, c.last_seen], list(nodes))}
        if model is Dataset:
            self.stored_facets = {nid: dict(r.facets or {}) for nid, r in existing.items()}
        new_rows = [
            {"namespace": n["namespace"], "name": n["name"], "node_id": nid,
             "facets": {k: v for k, (_, v) in n["facets"].items()},
             "facet_times": {k: t.isoformat() for k, (t, _) in n["facets"].items()},
             "first_seen": n["first"], "last_seen": n["last"]}
            for nid, n in nodes.items() if nid not in existing
        ]
        if new_rows:
            # Another writer may insert the same node concurrently: DO NOTHING, then read ids back.
            self.conn.execute(_insert(self.conn, table).on_conflict_do_nothing(index_elements=["node_id"]), new_rows)
        full, light = [], []
        for nid, row in existing.items():
            n = nodes[nid]
            facets, times = dict(row.facets or {}), dict(row.facet_times or {})
            value_changed = times_changed = False
            for key, (t, value) in n["facets"].items():
                stamp = t.isoformat()
                if key in times and times[key] > stamp:
                    continue  # a later event already set this facet
                if facets.get(key) != value:
                    facets[key], value_changed = value, True
                if times.get(key) != stamp:
                    times[key], times_changed = stamp, True
            first, last = min(row.first_seen, n["first"]), max(row.last_seen, n["last"])
            params = {"b_id": row.id, "facet_times": times, "first_seen": first, "last_seen": last}
            if value_changed:
                full.append({**params, "facets": facets})
            elif times_changed or first != row.first_seen or last != row.last_seen:
                light.append(params)
        from sqlalchemy import bindparam

        # Facet values rarely change between runs; most updates only move times, so skip the big JSON.
        for rows in (full, light):
            if rows:
                self.conn.execute(table.update().where(c.id == bindparam("b_id")), rows)
        ids = {r.node_id: r.id for r in self._select_in(c.node_id, [c.id, c.node_id], list(nodes))}
        return ids

    def _write_facet_versions(self, dataset_ids: dict[str, int]) -> None:
        """Keep a facet's history as its changes: a value equal to the one before it adds no row."""
        rows = []
        last: dict[tuple[str, str], Any] = {}
        for nid, key, value, t, raw_id in self.facet_versions:
            previous = last.get((nid, key), self.stored_facets.get(nid, {}).get(key))
            if previous == value:
                continue
            last[(nid, key)] = value
            rows.append({"dataset_id": dataset_ids[nid], "facet": key, "value": value, "event_time": t,
                         "raw_event_id": raw_id})
        if rows:
            self.conn.execute(DatasetFacetVersion.__table__.insert(), rows)  # type: ignore[attr-defined]

    def _upsert_runs(self, job_ids: dict[str, int]) -> None:
        if not self.runs:
            return
        from sqlalchemy import bindparam

        table = Run.__table__  # type: ignore[attr-defined]
        c = table.c
        existing = {r.run_id: r for r in self._select_in(c.run_id, [table], list(self.runs))}
        inserts, updates = [], []
        for run_id, run in self.runs.items():
            row = existing.get(run_id)
            events = list(run["events"])
            if row is not None and row.state is not None and row.state_time is not None:
                events.append((row.state, row.state_time))
            values = _run_values(run, events, row)
            facets = dict(row.facets) if row is not None else {}
            facets.update({k: v for k, (_, v) in sorted(run["facets"].items(), key=lambda kv: kv[1][0])})
            values["facets"] = facets
            parent = (facets.get("parent") or {}).get("run", {}).get("runId")
            values["parent_run_id"] = str(parent).lower() if parent else None
            values["error_message"] = (facets.get("errorMessage") or {}).get("message")
            values.setdefault("state", row.state if row is not None else None)
            values.setdefault("state_time", row.state_time if row is not None else None)
            if row is None:
                values.update(run_id=run_id, job_id=job_ids[run["job"]], first_seen=run["first"])
                inserts.append(values)
            else:
                values.update(b_run_id=run_id, first_seen=min(row.first_seen, run["first"]))
                updates.append(values)
        if inserts:
            stmt = _insert(self.conn, table).on_conflict_do_nothing(index_elements=["run_id"])
            self.conn.execute(stmt, inserts)
        if updates:
            self.conn.execute(table.update().where(c.run_id == bindparam("b_run_id")), updates)

    def _write_run_io(self, dataset_ids: dict[str, int]) -> None:
        if not self.run_io:
            return
        rows = [{"run_id": run_id, "dataset_id": dataset_ids[nid], "direction": d, "version": e["version"],
                 "facets": e["facets"], "event_time": e["time"]} for (run_id, nid, d), e in self.run_io.items()]
        stmt = _insert(self.conn, RunIO.__table__).on_conflict_do_nothing(  # type: ignore[attr-defined]
            index_elements=["run_id", "dataset_id", "direction"])
        self.conn.execute(stmt, rows)

    def _write_edges(self) -> None:
        if not self.edges:
            return
        table = LineageEdge.__table__  # type: ignore[attr-defined]
        stmt = _insert(self.conn, table)
        stmt = stmt.on_conflict_do_update(
            index_elements=["src", "dst"],
            set_={"first_seen": case((stmt.excluded.first_seen < table.c.first_seen, stmt.excluded.first_seen),
                                     else_=table.c.first_seen)},
        )
        rows = [{"src": s, "dst": d, "first_seen": t} for (s, d), t in sorted(self.edges.items())]
        self.conn.execute(stmt, rows)

    def _write_columns(self) -> None:
        if not self.columns:
            return
        table = ColumnEdge.__table__  # type: ignore[attr-defined]
        stmt = _insert(self.conn, table)
        stmt = stmt.on_conflict_do_update(
            index_elements=["src_dataset", "src_field", "dst_dataset", "dst_field"],
            set_={"first_seen": case((stmt.excluded.first_seen < table.c.first_seen, stmt.excluded.first_seen),
                                     else_=table.c.first_seen)},
        )
        rows = [{"src_dataset": s, "src_field": sf, "dst_dataset": d, "dst_field": df, "transformation": text,
                 "first_seen": t} for (s, sf, d, df), (text, t) in sorted(self.columns.items())]
        self.conn.execute(stmt, rows)

    def _write_evidence(self) -> None:
        if not self.evidence:
            return
        from sqlmodel import Session

        session = Session(bind=self.conn)
        for run_id, key, facet, producer, t in self.evidence:
            evidence_facets()[key].store(session, run_id=run_id, facet=facet, producer=producer, event_time=t)
        session.flush()


def _run_values(run: dict[str, Any], events: list[tuple[str, datetime]], row: Any) -> dict[str, Any]:
    """State = latest non-OTHER transition by eventTime (a terminal one wins a tie)."""
    transitions = [(t, e in TERMINAL, e) for e, t in events if e != "OTHER"]
    values: dict[str, Any] = {}
    if transitions:
        t, _, state = max(transitions)
        values["state"], values["state_time"] = state, t
    starts = [t for e, t in events if e == "START"]
    ends = [t for e, t in events if e in TERMINAL]
    old_start = row.started_at if row is not None else None
    old_end = row.ended_at if row is not None else None
    values["started_at"] = min([*starts, *([old_start] if old_start else [])], default=None)
    values["ended_at"] = max([*ends, *([old_end] if old_end else [])], default=None)
    return values
