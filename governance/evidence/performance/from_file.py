"""Performance evidence of a file, as a StageResult."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from governance.evidence.performance.compute import _compute
from governance.evidence.performance.file_columns import _labels, _read
from governance.evidence.stage import StageResult, logical_name


def performance_from_file(
    path: str,
    *,
    label: str,
    score: str | None,
    prediction: str | None,
    positive: str | None = None,
    champion_score: str | None = None,
    champion_prediction: str | None = None,
    threshold: float = 0.5,
    cost_matrix: dict[str, float] | None = None,
    resamples: int = 1000,
    confidence: float = 0.95,
    seed: int | None = None,
) -> StageResult:
    """Performance evidence of a CSV or Parquet file: reads only the named columns, digests the bytes."""
    from governance import __version__
    from governance.digest import file_sha256

    p = Path(path)
    floats = [c for c in (score, champion_score) if c is not None]
    texts = [c for c in (prediction, champion_prediction) if c is not None]
    cols, _fmt = _read(p, label, floats, texts)
    rows = len(cols[label])
    y = _labels(p, label, cols[label], positive, None)
    label_values = sorted({str(v).strip() for v in np.unique(np.asarray(cols[label].cast("string"), dtype=object))})

    def pred(column: str | None) -> np.ndarray | None:
        if column is None:
            return None
        return _labels(p, column, cols[column], positive, label_values if positive is not None else None)

    names = {"label": label}
    for role, column in (
        ("score", score),
        ("prediction", prediction),
        ("champion_score", champion_score),
        ("champion_prediction", champion_prediction),
    ):
        if column is not None:
            names[role] = column
    measurements, summary = _compute(
        y,
        None if score is None else cols[score],
        pred(prediction),
        threshold=threshold,
        cost_matrix=cost_matrix,
        champion_score=None if champion_score is None else cols[champion_score],
        champion_prediction=pred(champion_prediction),
        resamples=resamples,
        confidence=confidence,
        seed=seed,
        names=names,
        where=str(p),
    )
    summary["columns"] = names
    if positive is not None:
        summary["positive"] = positive
    return StageResult(
        kind="performance",
        measurements=tuple(measurements),
        summary=summary,
        row_count=rows,
        data_digest=file_sha256(p),
        digest_scope="file",
        data_source=logical_name(p),
        source="computed",
        tool_version=__version__,
        confidence=float(confidence),
        resamples=resamples,
        seed=seed,
    )
