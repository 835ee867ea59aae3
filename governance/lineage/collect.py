"""One batch's graph changes, gathered in memory from its events (in eventTime order) before any write.

Pure Python over the decoded events: what each table receives once per batch (project.py writes it).
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from governance.lineage.ingest import Accepted

TERMINAL = ("COMPLETE", "FAIL", "ABORT")


def node_id(kind: str, namespace: str, name: str) -> str:
    """Marquez-style node id: `dataset:NS:NAME` or `job:NS:NAME`."""
    return f"{kind}:{namespace}:{name}"


class Node:
    """A job or dataset as this batch saw it: its time span and, per facet key, the latest (time, value)."""

    __slots__ = ("namespace", "name", "first", "last", "facets")

    def __init__(self, namespace: str, name: str, t: datetime) -> None:
        self.namespace, self.name, self.first, self.last = namespace, name, t, t
        self.facets: dict[str, tuple[datetime, Any]] = {}

    def see(self, t: datetime, facets: dict[str, Any] | None) -> None:
        if t < self.first:
            self.first = t
        if t > self.last:
            self.last = t
        if facets:
            held_facets = self.facets
            for key, value in facets.items():
                held = held_facets.get(key)
                if held is None or held[0] <= t:
                    held_facets[key] = (t, value)


class Collected:
    """Accumulates nodes, runs, run inputs/outputs, edges, column edges, facet history and evidence."""

    def __init__(self, raw_ids: dict[str, int], evidence_keys: set[str]) -> None:
        self.raw_ids, self.evidence_keys = raw_ids, evidence_keys
        self.jobs: dict[str, Node] = {}
        self.datasets: dict[str, Node] = {}
        self.facet_versions: list[tuple[str, str, Any, datetime, int]] = []
        self.runs: dict[str, dict[str, Any]] = {}
        self.run_io: dict[tuple[str, str, str], dict[str, Any]] = {}
        self.edges: dict[tuple[str, str], datetime] = {}
        self.columns: dict[tuple[str, str, str, str], tuple[str | None, datetime]] = {}
        self.evidence: list[tuple[str, str, Any, str, datetime]] = []

    def add(self, event: Accepted) -> None:
        """Fold one event in; events must come in eventTime order (ties keep arrival order)."""
        obj, t, raw_id = event.obj, event.event_time, self.raw_ids[event.digest]
        if event.kind == "DatasetEvent":
            self._dataset(obj["dataset"], t, raw_id)
            return
        job = obj["job"]
        job_nid = node_id("job", job["namespace"], job["name"])
        node = self.jobs.get(job_nid)
        if node is None:
            node = self.jobs[job_nid] = Node(job["namespace"], job["name"], t)
        node.see(t, job.get("facets"))
        run_id = str(obj["run"]["runId"]).lower() if event.kind == "RunEvent" else None
        if run_id is not None:
            self._run(run_id, job_nid, obj, t)
        edges = self.edges
        for direction, key, io_key in (("in", "inputs", "inputFacets"), ("out", "outputs", "outputFacets")):
            for ds in obj.get(key) or ():
                ds_nid = self._dataset(ds, t, raw_id)
                edge = (ds_nid, job_nid) if direction == "in" else (job_nid, ds_nid)
                held = edges.get(edge)
                if held is None or t < held:
                    edges[edge] = t
                if run_id is not None:
                    self._io(run_id, ds_nid, direction, ds, io_key, t)
                if direction == "out":
                    self._column_lineage(ds_nid, ds, t)

    def _dataset(self, ds: dict[str, Any], t: datetime, raw_id: int) -> str:
        nid = node_id("dataset", ds["namespace"], ds["name"])
        node = self.datasets.get(nid)
        if node is None:
            node = self.datasets[nid] = Node(ds["namespace"], ds["name"], t)
        facets = ds.get("facets")
        node.see(t, facets)
        if facets:
            for key, value in facets.items():
                self.facet_versions.append((nid, key, value, t, raw_id))
        return nid

    def _run(self, run_id: str, job_nid: str, obj: dict[str, Any], t: datetime) -> None:
        run = self.runs.get(run_id)
        if run is None:
            run = self.runs[run_id] = {"job": job_nid, "first": t, "events": [], "facets": {}}
        run["first"] = min(run["first"], t)
        run["events"].append((obj.get("eventType") or "OTHER", t))
        facets = obj["run"].get("facets")
        if facets:
            held_facets = run["facets"]
            for key, value in facets.items():
                held = held_facets.get(key)
                if held is None or held[0] <= t:
                    held_facets[key] = (t, value)
                if key in self.evidence_keys:
                    self.evidence.append((run_id, key, value, str(obj.get("producer", "")), t))

    def _io(self, run_id: str, ds_nid: str, direction: str, ds: dict[str, Any], io_key: str, t: datetime) -> None:
        facets = ds.get("facets") or {}
        version = (facets.get("version") or {}).get("datasetVersion")
        entry = self.run_io.get((run_id, ds_nid, direction))
        if entry is None:
            entry = self.run_io[(run_id, ds_nid, direction)] = {"version": None, "facets": {}, "time": t}
        entry["version"] = version or entry["version"]
        io_facets = ds.get(io_key)
        if io_facets:
            entry["facets"].update(io_facets)
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
