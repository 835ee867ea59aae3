"""Ingestion: validate each event to the OpenLineage spec, store it verbatim, project the graph.

Every accepted event is written with its projection in the same transaction; invalid events go to
`rejected_event` with the reason. Nothing valid is dropped, nothing invalid is half-written.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy.engine import Engine

from governance.errors import InputError
from governance.lineage.sources import SourceItem, expand_paths, read_file
from governance.timeutil import to_utc, utcnow

BATCH_SIZE = 2000


@dataclass(frozen=True)
class Rejection:
    where: str
    json_path: str | None
    reason: str

    def line(self) -> str:
        path = f"{self.json_path}: " if self.json_path else ""
        return f"{self.where}: {path}{self.reason}"


@dataclass
class IngestReport:
    """Counts and rejections of one ingest call."""

    accepted: int = 0
    duplicates: int = 0
    rejected: list[Rejection] = field(default_factory=list)
    results: list[dict[str, Any]] = field(default_factory=list)  # per event, in input order

    def summary(self) -> str:
        return (f"{self.accepted} new event(s), {self.duplicates} duplicate(s) already stored, "
                f"{len(self.rejected)} rejected")


@dataclass(frozen=True)
class Accepted:
    item: SourceItem
    digest: str
    kind: str
    event_time: Any
    obj: dict[str, Any]


def canonical_digest(obj: Any) -> str:
    """sha256 over canonical JSON (sorted keys, no whitespace): formatting does not make a new event."""
    data = json.dumps(obj, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode("utf-8")
    return hashlib.sha256(data).hexdigest()


def validate_item(item: SourceItem) -> Accepted | Rejection:
    """Parse one candidate with the OpenLineage models; a problem becomes a Rejection."""
    from governance.lineage.evidence_facets import validate_run_facets
    from governance.lineage.parse import parse_event

    if item.error is not None:
        return Rejection(item.where, None, item.error)
    try:
        parsed = parse_event(item.obj)
        if parsed.kind == "RunEvent":
            validate_run_facets(item.obj)
    except InputError as exc:
        return Rejection(item.where, getattr(exc, "json_path", None), getattr(exc, "reason", exc.message))
    return Accepted(item, canonical_digest(item.obj), parsed.kind, to_utc(parsed.event_time), item.obj)


def ingest_items(engine: Engine, items: Iterable[SourceItem], *,
                 progress: Callable[[int], None] | None = None) -> IngestReport:
    """Validate and store a stream of candidates in batches; each batch is one transaction."""
    from governance.lineage.project import write_batch

    report = IngestReport()
    batch: list[Accepted] = []
    rejected_items: list[tuple[SourceItem, Rejection]] = []
    for item in items:
        outcome = validate_item(item)
        if isinstance(outcome, Rejection):
            report.rejected.append(outcome)
            rejected_items.append((item, outcome))
            report.results.append({"location": item.location, "status": "rejected", "reason": outcome.line()})
        else:
            batch.append(outcome)
            report.results.append({"location": item.location, "status": "pending", "digest": outcome.digest})
        if len(batch) >= BATCH_SIZE:
            _flush(engine, batch, report, write_batch)
            if progress:
                progress(len(batch))
            batch = []
    if batch:
        _flush(engine, batch, report, write_batch)
        if progress:
            progress(len(batch))
    if rejected_items:
        _record_rejections(engine, rejected_items)
    return report


def _flush(engine: Engine, batch: list[Accepted], report: IngestReport, write_batch: Any) -> None:
    new_digests = write_batch(engine, batch)
    for result in report.results:
        if result.get("status") == "pending":
            result["status"] = "accepted" if result["digest"] in new_digests else "duplicate"
    report.accepted += len(new_digests)
    report.duplicates += len(batch) - len(new_digests)


def _record_rejections(engine: Engine, rejected: list[tuple[SourceItem, Rejection]]) -> None:
    from governance.store.db import session_scope
    from governance.store.tables import RejectedEvent

    now = utcnow()
    with session_scope(engine) as session:
        for item, rejection in rejected:
            session.add(RejectedEvent(
                digest=hashlib.sha256(item.text.encode("utf-8", "replace")).hexdigest(),
                source=item.source[:1024], location=item.location[:64],
                json_path=(rejection.json_path or None) and rejection.json_path[:1024],
                reason=rejection.reason, payload=item.text[:1_000_000], received_at=now,
            ))


def iter_paths(paths: list[Path]) -> Iterator[SourceItem]:
    for path in expand_paths(paths):
        yield from read_file(path)


def ingest_paths(engine: Engine, paths: list[Path], *,
                 progress: Callable[[int], None] | None = None) -> IngestReport:
    """Ingest files and directories (JSON, JSON Lines, gzip)."""
    return ingest_items(engine, iter_paths(paths), progress=progress)


def ingest_objects(engine: Engine, objects: Iterable[dict[str, Any]], *, source: str) -> IngestReport:
    """Ingest already-decoded events (tests, demo, the API)."""
    items = (SourceItem(source, f"[{i}]", json.dumps(o), obj=o) for i, o in enumerate(objects))
    return ingest_items(engine, items)
