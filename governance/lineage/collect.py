"""One batch's graph changes, gathered in memory from its events (in eventTime order) before any write.

Pure Python over the decoded events: what each table receives once per batch (project.py writes it).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, NamedTuple

from governance.evidence.custom_facets import shadowed
from governance.lineage.sources import SourceItem

TERMINAL = ("COMPLETE", "FAIL", "ABORT")
OWNERSHIP = "ownership"  # a node's owners: first write wins (governance.lineage.node_facts)


def node_id(kind: str, namespace: str, name: str) -> str:
    """Marquez-style node id: `dataset:NS:NAME` or `job:NS:NAME`."""
    return f"{kind}:{namespace}:{name}"


class Node:
    """A job or dataset as this batch saw it: its time span and, per facet key, the latest (time, value);
    for `ownership`, the first (time, value), every claim being kept in `owner_claims`."""

    __slots__ = ("namespace", "name", "first", "last", "facets", "owner_claims")

    def __init__(self, namespace: str, name: str, t: datetime) -> None:
        self.namespace, self.name, self.first, self.last = namespace, name, t, t
        self.facets: dict[str, tuple[datetime, Any]] = {}
        self.owner_claims: list[tuple[datetime, Any, Accepted]] = []  # in eventTime order

    def set_facets(self, facets: dict[str, Any], t: datetime, event: Accepted) -> None:
        """Fold in the facets of one event (the next in eventTime order)."""
        held = self.facets
        for key, value in facets.items():
            if key == OWNERSHIP:
                self.owner_claims.append((t, value, event))
                if key in held:
                    continue  # the first claim stands; the others are checked against it (node_facts.py)
            held[key] = (t, value)


Dataset = tuple[str, str, str, "dict[str, Any] | None", "dict[str, Any] | None"]  # nid, ns, name, facets, io


class Facts(NamedTuple):
    """What the store needs of one valid event, read out of its JSON once: in the validation worker
    when there is one (pipeline.py), so the writer never decodes or walks the event itself."""

    event_type: str | None
    raw_run_id: str | None  # raw_event.run_id: any `run.runId`, lower-cased
    job_namespace: str | None  # raw_event.job_namespace / job_name: any `job`'s
    job_name: str | None
    producer: str
    job: tuple[str, str, str, dict[str, Any] | None] | None  # RunEvent/JobEvent: (node id, ns, name, facets)
    run_id: str | None  # RunEvent's runId, lower-cased
    run_facets: dict[str, Any] | None
    inputs: tuple[Dataset, ...]  # (node id, ns, name, facets, inputFacets)
    outputs: tuple[Dataset, ...]  # (node id, ns, name, facets, outputFacets)
    dataset: Dataset | None  # DatasetEvent's dataset (io facets None)


class Accepted(NamedTuple):
    """A valid event on its way to the store (a NamedTuple: cheap to make, one per event)."""

    item: SourceItem
    digest: str
    kind: str
    event_time: datetime  # aware, UTC
    facts: Facts  # what the projection needs of it
    warnings: tuple[Any, ...] = ()  # parse.FormatWarning: values accepted against their declared format


def _datasets(items: Any, io_key: str) -> tuple[Dataset, ...]:
    return tuple(
        (
            node_id("dataset", ds["namespace"], ds["name"]),
            ds["namespace"],
            ds["name"],
            ds.get("facets") or None,
            ds.get(io_key) or None,
        )
        for ds in items or ()
    )


def facts(obj: dict[str, Any], kind: str) -> Facts:
    """The Facts of a valid event of `kind` (its structure was checked by parse.py)."""
    job = obj.get("job")
    job = job if isinstance(job, dict) else {}
    run = obj.get("run")
    run = run if isinstance(run, dict) else {}
    any_run_id = run.get("runId")
    inputs: tuple[Dataset, ...] = ()
    outputs: tuple[Dataset, ...] = ()
    if kind == "DatasetEvent":
        ds = obj["dataset"]
        dataset: Dataset | None = (
            node_id("dataset", ds["namespace"], ds["name"]),
            ds["namespace"],
            ds["name"],
            ds.get("facets") or None,
            None,
        )
        core, run_id = None, None
    else:
        dataset = None
        core = (node_id("job", job["namespace"], job["name"]), job["namespace"], job["name"], job.get("facets") or None)
        run_id = str(any_run_id).lower() if kind == "RunEvent" else None
        inputs, outputs = _datasets(obj.get("inputs"), "inputFacets"), _datasets(obj.get("outputs"), "outputFacets")
    return Facts(
        obj.get("eventType"),
        str(any_run_id).lower() if any_run_id else None,
        job.get("namespace"),
        job.get("name"),
        str(obj.get("producer", "")),
        core,
        run_id,
        (run.get("facets") or None) if run_id is not None else None,
        inputs,
        outputs,
        dataset,
    )


class Collected:
    """Accumulates nodes, runs, run inputs/outputs, edges, column edges, facet history and evidence.

    Events must be added in eventTime order (ties in arrival order), which makes "earliest" the first
    value seen and "latest" the last one: no comparisons per event (this loop runs for every event).
    """

    def __init__(self, raw_ids: dict[str, int], evidence_keys: set[str]) -> None:
        self.raw_ids, self.evidence_keys = raw_ids, evidence_keys
        self.jobs: dict[str, Node] = {}
        self.datasets: dict[str, Node] = {}
        self.facet_versions: list[tuple[str, str, Any, datetime, int]] = []
        self.runs: dict[str, dict[str, Any]] = {}
        self.run_io: dict[tuple[str, str, str], dict[str, Any]] = {}
        self.edges: dict[tuple[str, str], datetime] = {}
        self.columns: dict[tuple[str, str, str, str], tuple[str | None, datetime]] = {}
        self.evidence: list[tuple[str, str, Any, str, datetime, str | None]] = []  # ..., submitted_by
        self._time: datetime | None = None

    def add(self, event: Accepted) -> None:
        """Fold one event in (the next in eventTime order)."""
        f, t, raw_id = event.facts, event.event_time, self.raw_ids[event.digest]
        if self._time is not None and t < self._time:
            raise ValueError("events must be added in eventTime order")
        self._time = t
        if f.dataset is not None:
            self._dataset(f.dataset, t, raw_id, event)
            return
        job_nid, namespace, name, job_facets = f.job  # type: ignore[misc]
        node = self.jobs.get(job_nid)
        if node is None:
            node = self.jobs[job_nid] = Node(namespace, name, t)
        node.last = t
        if job_facets:
            node.set_facets(job_facets, t, event)
        run_id = f.run_id
        if run_id is not None:
            self._run(run_id, job_nid, f, t, event)
        edges, run_io = self.edges, self.run_io
        for ds in f.inputs:
            ds_nid = self._dataset(ds, t, raw_id, event)
            edges.setdefault((ds_nid, job_nid), t)
            if run_id is not None:
                self._io(run_io, (run_id, ds_nid, "in"), ds, t)
        for ds in f.outputs:
            ds_nid = self._dataset(ds, t, raw_id, event)
            edges.setdefault((job_nid, ds_nid), t)
            if run_id is not None:
                self._io(run_io, (run_id, ds_nid, "out"), ds, t)
            if ds[3]:
                self._column_lineage(ds_nid, ds[3], t)

    def _dataset(self, ds: Dataset, t: datetime, raw_id: int, event: Accepted) -> str:
        nid, namespace, name, facets, _ = ds
        node = self.datasets.get(nid)
        if node is None:
            node = self.datasets[nid] = Node(namespace, name, t)
        node.last = t
        if facets:
            held, versions = node.facets, self.facet_versions
            for key, value in facets.items():
                if key == OWNERSHIP:  # first write wins (see Node.set_facets): later claims are checked
                    node.owner_claims.append((t, value, event))
                    if key in held:
                        continue
                held[key] = (t, value)
                versions.append((nid, key, value, t, raw_id))
        return nid

    @staticmethod
    def _io(
        run_io: dict[tuple[str, str, str], dict[str, Any]], key: tuple[str, str, str], ds: Dataset, t: datetime
    ) -> None:
        entry = run_io.get(key)
        if entry is None:
            entry = run_io[key] = {"version": None, "facets": {}, "time": t}
        facets, io_facets = ds[3], ds[4]
        if facets:
            version = (facets.get("version") or {}).get("datasetVersion")
            if version:
                entry["version"] = version
        if io_facets:
            entry["facets"].update(io_facets)

    def _run(self, run_id: str, job_nid: str, f: Facts, t: datetime, event: Accepted) -> None:
        run = self.runs.get(run_id)
        if run is None:
            run = self.runs[run_id] = {"job": job_nid, "first": t, "events": [], "facets": {}, "claims": []}
        run["events"].append((f.event_type or "OTHER", t))
        # What this event says about the run's facts (authors, inputs): run_facts.py, first write wins.
        run["claims"].append((f.event_type, f.run_facets, [ds[0] for ds in f.inputs], event))
        if f.run_facets:
            held = run["facets"]
            for key, value in f.run_facets.items():
                held[key] = (t, value)
                if key in self.evidence_keys and not shadowed(key, f.run_facets):  # prefixed key wins
                    self.evidence.append((run_id, key, value, f.producer, t, event.item.submitted_by))

    def _column_lineage(self, ds_nid: str, facets: dict[str, Any], t: datetime) -> None:
        facet = facets.get("columnLineage") or {}
        for out_field, spec in (facet.get("fields") or {}).items():
            description = spec.get("transformationDescription")
            for src in spec.get("inputFields") or []:
                src_nid = node_id("dataset", src["namespace"], src["name"])
                transforms = src.get("transformations") or []
                text = (
                    description
                    or ", ".join(f"{x.get('type', '')}/{x.get('subtype', '')}".strip("/") for x in transforms)
                    or None
                )
                key = (src_nid, src["field"], ds_nid, out_field)
                held = self.columns.get(key)
                self.columns[key] = (text, held[1] if held else t)
