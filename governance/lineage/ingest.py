"""Ingestion: validate each event to the OpenLineage spec, store it verbatim, project the graph.

Every accepted event is written with its projection in the same transaction; invalid events go to
`rejected_event` with the reason. Nothing valid is dropped, nothing invalid is half-written.
"""

from __future__ import annotations

import gc
import hashlib
import json
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy.engine import Engine

from governance.errors import InputError
from governance.lineage.collect import Accepted
from governance.lineage.sources import SourceItem, expand_paths, read_file
from governance.lineage.validate import Rejection, validate_item
from governance.timeutil import utcnow

# Events per transaction. A batch writes each job/dataset/edge it touches once, whatever the number of
# events that touched it, and commits (WAL append, maybe a checkpoint) once, so larger is cheaper per
# event; but the last batch of a file is written after validation has finished (nothing overlaps it).
# bench/ingest.py: 5,000 beat 2,000 by ~15% and 10,000 by ~10% on 20,000 events, tied at 100,000.
BATCH_SIZE = 5_000
GC_THRESHOLD = 200_000  # allocations between young-generation GC passes during file ingest (default 700)


@dataclass
class IngestReport:
    """Counts and rejections of one ingest call."""

    accepted: int = 0
    duplicates: int = 0
    warnings: int = 0  # format warnings of the accepted events (new and duplicate)
    warned_events: int = 0
    rejected: list[Rejection] = field(default_factory=list)
    results: list[dict[str, Any]] = field(default_factory=list)  # per event, in input order

    def summary(self) -> str:
        warned = (
            f", {self.warned_events} accepted with {self.warnings} format warning(s) (`gov lineage warnings`)"
            if self.warnings
            else ""
        )
        return (
            f"{self.accepted} new event(s), {self.duplicates} duplicate(s) already stored, "
            f"{len(self.rejected)} rejected{warned}"
        )


def ingest_items(
    engine: Engine,
    items: Iterable[SourceItem],
    *,
    progress: Callable[[int], None] | None = None,
    strict: bool = False,
    submitted_by: str | None = None,
) -> IngestReport:
    """Validate and store a stream of candidates in batches; each batch is one transaction.

    `strict` rejects values breaking their declared format; otherwise they are stored with warnings.
    `submitted_by` (governance.identity) is recorded with every event: gates trust evidence by it."""
    if submitted_by is not None:
        items = _submitted(items, submitted_by)
    return _ingest(engine, ((item, validate_item(item, strict=strict)) for item in items), progress)


def _submitted(items: Iterable[SourceItem], submitted_by: str) -> Iterator[SourceItem]:
    for item in items:
        yield item._replace(submitted_by=submitted_by)


def _ingest(
    engine: Engine, outcomes: Iterable[tuple[SourceItem, Accepted | Rejection]], progress: Callable[[int], None] | None
) -> IngestReport:
    from governance.lineage.overlap import BatchWriter

    report = IngestReport()
    results = report.results
    batch: list[Accepted] = []
    pending: list[dict[str, Any]] = []  # this batch's results, settled when it commits
    waiting: dict[int, list[dict[str, Any]]] = {}  # id(batch) -> its pending results, until written
    rejected_items: list[tuple[SourceItem, Rejection]] = []

    def done(written: list[Accepted], new_digests: set[str]) -> None:
        for result in waiting.pop(id(written)):
            result["status"] = "accepted" if result["digest"] in new_digests else "duplicate"
        report.accepted += len(new_digests)
        report.duplicates += len(written) - len(new_digests)
        if progress:
            progress(len(written))

    with BatchWriter(engine, done) as writer:
        for item, outcome in outcomes:
            if isinstance(outcome, Rejection):
                report.rejected.append(outcome)
                rejected_items.append((item, outcome))
                results.append({"location": item.location, "status": "rejected", "reason": outcome.line()})
                continue
            batch.append(outcome)
            result: dict[str, Any] = {"location": item.location, "status": "pending", "digest": outcome.digest}
            if outcome.warnings:
                report.warnings += len(outcome.warnings)
                report.warned_events += 1
                result["warnings"] = [
                    {"code": w.code, "json_path": w.json_path, "message": w.message} for w in outcome.warnings
                ]
            results.append(result)
            pending.append(result)
            if len(batch) >= BATCH_SIZE:
                waiting[id(batch)] = pending
                writer.write(batch)
                batch, pending = [], []
        if batch:
            waiting[id(batch)] = pending
            writer.write(batch)
    if rejected_items:
        record_rejections(engine, rejected_items)
    return report


def record_rejections(engine: Engine, rejected: list[tuple[SourceItem, Rejection]]) -> None:
    """Keep refused candidates, with the reason, in `rejected_event` (one transaction)."""
    from governance.store.db import session_scope
    from governance.store.tables import RejectedEvent

    now = utcnow()
    with session_scope(engine) as session:
        for item, rejection in rejected:
            session.add(
                RejectedEvent(
                    digest=hashlib.sha256(item.text.encode("utf-8", "replace")).hexdigest(),
                    source=item.source[:1024],
                    location=item.location[:64],
                    json_path=(rejection.json_path or None) and rejection.json_path[:1024],
                    # NUL is the one character PostgreSQL text cannot hold; it only occurs in unparseable input.
                    reason=rejection.reason,
                    payload=item.text[:1_000_000].replace("\x00", "\ufffd"),
                    received_at=now,
                )
            )


def record_unreadable(engine: Engine, source: str, body: bytes, error: InputError) -> None:
    """Keep a request body that is not even JSON (or not UTF-8) in `rejected_event`, with the reason."""
    item = SourceItem(source, "body", body.decode("utf-8", "replace"))
    record_rejections(engine, [(item, Rejection(f"{source} body", error.where, error.message))])


def iter_paths(paths: list[Path]) -> Iterator[SourceItem]:
    for path in expand_paths(paths):
        yield from read_file(path)


def ingest_paths(
    engine: Engine,
    paths: list[Path],
    *,
    progress: Callable[[int], None] | None = None,
    workers: int | None = None,
    strict: bool = False,
    submitted_by: str | None = None,
) -> IngestReport:
    """Ingest files and directories (JSON, JSON Lines, gzip), submitted by `submitted_by` (default:
    the local user, governance.identity.cli_submitter).

    Large inputs are validated by a second process while this one writes (see pipeline.py);
    `workers=0` keeps everything in this process, None decides by input size and CPUs.
    """
    from governance.identity import cli_submitter
    from governance.lineage.pipeline import use_worker, validated_in_worker

    files = expand_paths(paths)
    items = _submitted((item for path in files for item in read_file(path)), submitted_by or cli_submitter())
    with _fewer_gc_passes():
        if use_worker(files, workers):
            return _ingest(engine, validated_in_worker(items, ahead=2 * BATCH_SIZE, strict=strict), progress)
        return _ingest(engine, ((item, validate_item(item, strict=strict)) for item in items), progress)


@contextmanager
def _fewer_gc_passes() -> Iterator[None]:
    """Make the cyclic GC cheaper while ingesting a file. Every event allocates dozens of containers and
    a batch keeps ~100,000 alive, so with the default threshold (700) collection passes, each walking
    every object the process holds (modules, the spec models...), took up to a third of the time
    (bench/ingest.py). So: collect young objects less often, and freeze what existed before (they are
    not garbage; the validation worker is forked from this state too). Reference counting still frees
    everything at once; only cycles wait a little longer. Process-wide, hence file ingest (the CLI) only,
    never the server's threads."""
    threshold = gc.get_threshold()
    gc.set_threshold(max(threshold[0], GC_THRESHOLD), *threshold[1:])
    gc.freeze()
    try:
        yield
    finally:
        gc.unfreeze()
        gc.set_threshold(*threshold)


def ingest_objects(
    engine: Engine,
    objects: Iterable[dict[str, Any]],
    *,
    source: str,
    strict: bool = False,
    submitted_by: str | None = None,
) -> IngestReport:
    """Ingest already-decoded events (tests, demo), submitted by `submitted_by` (default: the local user)."""
    from governance.identity import cli_submitter

    items = (SourceItem(source, f"[{i}]", json.dumps(o), obj=o) for i, o in enumerate(objects))
    return ingest_items(engine, items, strict=strict, submitted_by=submitted_by or cli_submitter())
