"""Operational evidence of a load-test file, as a StageResult: the format detected from the content (not
the name), then read by its reader."""

from __future__ import annotations

import csv
from pathlib import Path

from governance.errors import InputError
from governance.evidence.operational.k6_summary import _read_k6
from governance.evidence.operational.latency_csv import _read_latency_csv
from governance.evidence.operational.locust_stats import _read_locust
from governance.evidence.stage import StageResult, logical_name


def detect_format(data: bytes, where: str) -> str:
    """'k6' | 'locust' | 'latency_csv', from the content."""
    head = data.lstrip()[:1]
    if head in (b"{", b"["):
        return "k6"
    try:
        first = data.decode("utf-8-sig").splitlines()[0] if data.strip() else ""
    except UnicodeDecodeError:
        raise InputError("not a load-test file: not UTF-8 text", where=where) from None
    cols = [c.strip().lower() for c in next(csv.reader([first]), [])]
    if "request count" in cols and "name" in cols:
        return "locust"
    if "latency_ms" in cols:
        return "latency_csv"
    raise InputError(
        "not a load-test file: expected k6 --summary-export JSON, a Locust *_stats.csv or a CSV with a latency_ms "
        f"column (header: {first[:120]!r})",
        where=where,
    )


def operational_from_file(
    path: str,
    *,
    window_seconds: float | None = None,
    confidence: float = 0.95,
    resamples: int = 1000,
    seed: int | None = None,
    interval: str = "order",
    data_source: str | None = None,
) -> StageResult:
    """Operational evidence from a k6 summary export, a Locust stats CSV or a per-request latency CSV."""
    import scipy  # type: ignore[import-untyped]

    from governance import __version__
    from governance.digest import bytes_sha256

    p = Path(path)
    where = str(p)
    if not 0 < confidence < 1:
        raise InputError(f"confidence must be in (0, 1), got {confidence}", where=where)
    if interval not in ("order", "bootstrap"):
        raise InputError(f"interval must be 'order' or 'bootstrap', got {interval!r}", where=where)
    try:
        data = p.read_bytes()
    except FileNotFoundError:
        raise InputError("load-test file not found", where=where) from None
    except OSError as exc:
        raise InputError(f"cannot read load-test file: {exc.strerror}", where=where) from None
    if not data.strip():
        raise InputError("load-test file is empty", where=where)
    fmt = detect_format(data, where)
    if fmt == "k6":
        ms, reported, rows = _read_k6(data, where, confidence)
        source, tool = "k6", "k6"
    elif fmt == "locust":
        ms, reported, rows = _read_locust(data, where, confidence)
        source, tool = "locust", "locust"
    else:
        ms, reported, rows = _read_latency_csv(
            data,
            where,
            window_seconds=window_seconds,
            confidence=confidence,
            resamples=resamples,
            seed=seed,
            interval=interval,
        )
        source, tool = "latency_csv", f"gov {__version__}; scipy {scipy.__version__}"
    if not ms:
        raise InputError("load-test file holds no latency, throughput or error measurement", where=where)
    summary = {"format": fmt, **reported}
    boot = fmt == "latency_csv" and interval == "bootstrap"
    return StageResult(
        kind="operational",
        measurements=tuple(ms),
        summary=summary,
        row_count=rows,
        data_digest=bytes_sha256(data),
        digest_scope="file" if fmt == "latency_csv" else "reported",
        data_source=data_source or logical_name(p),
        source=source,
        tool_version=tool,
        confidence=confidence,
        resamples=resamples if boot else None,
        seed=seed if boot else None,
    )
