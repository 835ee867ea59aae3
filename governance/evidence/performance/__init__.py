"""Performance evidence: discrimination, calibration and threshold metrics with bootstrap intervals,
and the paired difference to a champion scored on the same rows.

The package, by concern: `input_checks` (label, score, prediction and cost-matrix checks),
`point_values` (the exact metrics), `cell_bootstrap` (the intervals, resampled from cell counts),
`compute` (arrays -> measurements and summary), `file_columns` (reading a CSV or Parquet file's
columns) and `from_file` (a file -> StageResult).
"""

from __future__ import annotations

from governance.evidence.performance.cell_bootstrap import BINS, CHUNK_CELLS, METHOD, PAIRED_BINS
from governance.evidence.performance.compute import compute_performance
from governance.evidence.performance.from_file import performance_from_file
from governance.evidence.performance.point_values import ECE_BINS, HIGHER_IS_BETTER, SCORE_METRICS, THRESHOLD_METRICS

__all__ = [
    "BINS",
    "CHUNK_CELLS",
    "ECE_BINS",
    "HIGHER_IS_BETTER",
    "METHOD",
    "PAIRED_BINS",
    "SCORE_METRICS",
    "THRESHOLD_METRICS",
    "compute_performance",
    "performance_from_file",
]
