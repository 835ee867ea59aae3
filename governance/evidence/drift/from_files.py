"""Drift evidence between two files, as a StageResult."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from pathlib import Path

from governance.evidence.drift.compute import _require, compute_drift
from governance.evidence.drift.file_tables import _in_window, files_digest, read_table
from governance.evidence.stage import StageResult, logical_name


def drift_from_files(
    reference: str,
    current: str,
    *,
    columns: Sequence[str] | None = None,
    numeric: Sequence[str] | None = None,
    categorical: Sequence[str] | None = None,
    method_numeric: str = "auto",
    method_categorical: str = "auto",
    threshold: float | None = None,
    share: float = 0.5,
    correction: str | None = None,
    bins: int | str = "sturges",
    window_start: datetime | None = None,
    window_end: datetime | None = None,
    time_column: str | None = None,
) -> StageResult:
    """Drift evidence between two CSV/Parquet files.

    With `time_column` (and a window), only the current rows whose time lies in [window_start,
    window_end) are compared (the column itself is not a feature); no row in it is an InputError.

    `data_digest` is "sha256:" + sha256 over the reference file then the current file, each fed as its
    size in bytes (8 bytes, big-endian) followed by its bytes (`files_digest`), digest_scope "file".
    A window (`window_start`/`window_end`) after deployment makes it monitoring evidence.
    """
    _require()
    import scipy  # type: ignore[import-untyped]

    ref_path, cur_path = Path(reference), Path(current)
    wanted = None if columns is None or time_column is None else [*columns, time_column]
    ref = read_table(ref_path, columns)
    cur = read_table(cur_path, wanted)
    if time_column is not None:
        cur = _in_window(cur, time_column, window_start, window_end, str(cur_path))
        ref = ref.drop(columns=[time_column], errors="ignore")
        if columns is None:
            columns = [str(c) for c in ref.columns]
    measurements, summary = compute_drift(
        ref,
        cur,
        columns=columns,
        numeric=numeric,
        categorical=categorical,
        method_numeric=method_numeric,
        method_categorical=method_categorical,
        threshold=threshold,
        share=share,
        correction=correction,
        bins=bins,
        reference_name=str(ref_path),
        current_name=str(cur_path),
    )
    return StageResult(
        kind="drift",
        measurements=tuple(measurements),
        summary=summary,
        row_count=len(cur),
        data_digest=files_digest(ref_path, cur_path),
        digest_scope="file",
        data_source=f"reference={logical_name(ref_path)} current={logical_name(cur_path)}",
        source="computed",
        tool_version=f"governance drift 1 (scipy {scipy.__version__})",
        window_start=window_start,
        window_end=window_end,
    )
