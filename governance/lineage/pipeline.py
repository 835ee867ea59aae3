"""Validation in a second process while this one writes: file ingest uses two cores.

Validating an event (json.loads, the spec check in parse.py, the canonical digest) costs about as
much CPU as storing and projecting it, and neither needs the other until the batch is written. So
for large inputs one worker process validates chunks of lines ahead of the writer, which decodes
each accepted line again itself (json.loads is a few µs, far cheaper than shipping the decoded
objects between processes). Outcomes come back in input order, so the report, the batches and
the rejections are exactly those of the single-process path.
"""

from __future__ import annotations

import os
from collections import deque
from collections.abc import Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from datetime import datetime
from pathlib import Path

from governance.lineage.ingest import Accepted, Rejection, check, decode
from governance.lineage.sources import SourceItem

CHUNK = 1000  # lines per round trip: ~0.6 MB of text, a few ms of work
AHEAD = 4  # chunks in flight: keeps the worker busy while bounding memory
MIN_BYTES = 4_000_000  # below ~6,000 events starting a process costs more than it saves

# An outcome shipped back from the worker: accepted (digest, kind, eventTime) or a Rejection.
Outcome = tuple[str, str, datetime] | Rejection


def cpus() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        return os.cpu_count() or 1


def use_worker(files: list[Path], workers: int | None) -> bool:
    """Whether to validate in a worker: asked for, or (None) large input on a machine with two cores."""
    if workers is not None:
        return workers > 0
    if cpus() < 2 or os.name != "posix":
        return False
    return sum(path.stat().st_size for path in files) >= MIN_BYTES


def _check_chunk(items: list[SourceItem]) -> list[Outcome]:
    """In the worker: validate each item; the decoded object stays here (the writer decodes again)."""
    out: list[Outcome] = []
    for item in items:
        outcome = check(item)
        out.append(outcome if isinstance(outcome, Rejection) else outcome[1:])
    return out


def validated_in_worker(items: Iterable[SourceItem]) -> Iterator[tuple[SourceItem, Accepted | Rejection]]:
    """(item, outcome) for every item, in order, validated by one worker process."""
    import multiprocessing

    # fork: the worker starts with parse.py's models already imported and planned (spawn would pay a
    # second start-up of about a second); it touches nothing but its arguments.
    _plan_models()
    context = multiprocessing.get_context("fork")
    pending: deque[tuple[list[SourceItem], Future[list[Outcome]]]] = deque()
    with ProcessPoolExecutor(max_workers=1, mp_context=context) as pool:
        chunk: list[SourceItem] = []
        for item in items:
            chunk.append(item)
            if len(chunk) >= CHUNK:
                pending.append((chunk, pool.submit(_check_chunk, chunk)))
                chunk = []
                if len(pending) > AHEAD:
                    yield from _settle(*pending.popleft())
        if chunk:
            pending.append((chunk, pool.submit(_check_chunk, chunk)))
        while pending:
            yield from _settle(*pending.popleft())


def _plan_models() -> None:
    """Validate one (invalid) event here, so parse.py's models are imported and planned before the fork."""
    from governance.errors import InputError
    from governance.lineage.parse import parse_event

    try:
        parse_event({})
    except InputError:
        pass


def _settle(chunk: list[SourceItem], future: Future[list[Outcome]]) -> Iterator[tuple[SourceItem, Accepted | Rejection]]:
    for item, outcome in zip(chunk, future.result(), strict=True):
        if isinstance(outcome, Rejection):
            yield item, outcome
        else:
            digest, kind, event_time = outcome
            yield item, Accepted(item, digest, kind, event_time, decode(item))
