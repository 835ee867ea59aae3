"""Validation in a second process while this one writes: file ingest uses two cores.

Validating an event (json.loads, the spec check in parse.py, the canonical digest) costs about as
much CPU as storing and projecting it, and neither needs the other until the batch is written. So
for large inputs one worker process validates chunks of lines ahead of the writer and sends back,
per line, its digest, kind, time and Facts (or the problem); the writer never decodes the line.
Outcomes come back in input order, so the report, the batches and the rejections are exactly those
of the single-process path (tests/test_lineage_ingest_pipeline.py compares the stored tables).
"""

from __future__ import annotations

import os
from collections import deque
from collections.abc import Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from datetime import datetime
from pathlib import Path
from typing import Any

from governance.lineage.collect import Accepted, Facts, facts
from governance.lineage.sources import SourceItem
from governance.lineage.validate import Problem, Rejection, check_value, decode_text, validate_item

CHUNK = 1000  # lines per round trip: ~0.6 MB of text, a few ms of work
MIN_BYTES = 4_000_000  # below ~6,000 events starting a process costs more than it saves
_tuple = tuple.__new__


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


# What the worker sends back per line: (digest, kind, eventTime, warnings, Facts as a plain tuple) (plain
# tuples unpickle faster than NamedTuples), a Problem, or None for an item it did not get.
Outcome = tuple[str, str, datetime, tuple[Any, ...], tuple[Any, ...]] | Problem | None


def _check_texts(texts: list[str | None], strict: bool = False) -> list[Outcome]:
    """In the worker: validate each text and take its Facts. The decoded event itself stays here: the
    Facts pickle to a fraction of it, and the writer then neither decodes nor walks the event (that
    moved ~5 µs/event from the writer, the busier process, to the worker: bench/ingest.py)."""
    out: list[Outcome] = []
    for text in texts:
        if text is None:
            out.append(None)
            continue
        obj = decode_text(text)
        outcome = obj if isinstance(obj, Problem) else check_value(obj, strict=strict)
        out.append(outcome if isinstance(outcome, Problem) else (*outcome, tuple(facts(obj, outcome.kind))))
    return out


def validated_in_worker(
    items: Iterable[SourceItem], ahead: int, *, strict: bool = False
) -> Iterator[tuple[SourceItem, Accepted | Rejection]]:
    """(item, outcome) for every item, in order, validated by one worker process `ahead` items ahead
    (at least a batch, so the worker keeps going while a batch is written; memory stays bounded)."""
    import multiprocessing

    _plan_models()
    # fork: the worker starts with parse.py's models already imported and planned (spawn would pay a
    # second start-up of about a second); it touches nothing but its arguments.
    context = multiprocessing.get_context("fork")
    pending: deque[tuple[list[SourceItem], Future[list[Outcome]]]] = deque()
    with ProcessPoolExecutor(max_workers=1, mp_context=context) as pool:
        chunk: list[SourceItem] = []
        for item in items:
            chunk.append(item)
            if len(chunk) >= CHUNK:
                pending.append((chunk, pool.submit(_check_texts, [_text(i) for i in chunk], strict)))
                chunk = []
                if len(pending) * CHUNK > ahead:
                    yield from _settle(*pending.popleft(), strict)
        if chunk:
            pending.append((chunk, pool.submit(_check_texts, [_text(i) for i in chunk], strict)))
        while pending:
            yield from _settle(*pending.popleft(), strict)


def _text(item: SourceItem) -> str | None:
    # Items already rejected while reading (too large) are settled here; everything else has its text.
    return item.text if item.error is None else None


def _plan_models() -> None:
    """Validate one (invalid) event here, so parse.py's models are imported and planned before the fork."""
    check_value({})


def _settle(
    chunk: list[SourceItem],
    future: Future[list[Outcome]],
    strict: bool = False,
) -> Iterator[tuple[SourceItem, Accepted | Rejection]]:
    for item, outcome in zip(chunk, future.result(), strict=True):
        if outcome is None:
            yield item, validate_item(item, strict=strict)
        elif isinstance(outcome, Problem):
            yield item, Rejection(item.where, *outcome)
        else:
            digest, kind, event_time, warnings, event_facts = outcome
            # tuple.__new__: the NamedTuples' own constructors are Python functions, twice the cost
            yield item, _tuple(Accepted, (item, digest, kind, event_time, _tuple(Facts, event_facts), warnings))
