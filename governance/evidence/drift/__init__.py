"""Data drift between a reference and a current window, per feature, computed once per column.

Per feature (`Measurement.subject` = the feature):

- numeric: `psi`, `ks` (statistic; p-value in detail), `jensenshannon`, `wasserstein` (normalised as
  Evidently does: `scipy.stats.wasserstein_distance(ref, cur) / max(std(ref, ddof=0), 0.001)`);
- categorical: `psi`, `chisquare` (statistic; p-value in detail; expected counts are the reference
  counts scaled to the current size, as Evidently's chi-square test does), `jensenshannon`;
- `z` when the two-proportion Z-test decides (a column with at most two values and ≤ 1000 rows);
- `drift`: 1.0 when the deciding test says drifted, else 0.0; detail names the test, its threshold and
  the score compared against it.

The deciding test per column is Evidently 0.7's default (DataDriftPreset, `_get_default_stattest`):
with ≤ 1000 reference rows, numeric columns use KS (p ≤ 0.05) unless they have ≤ 5 distinct values
(chi-square with > 2 values, else the Z-test, p < 0.05), categorical columns chi-square (> 2 values)
or the Z-test; with more rows, numeric columns use the normalised Wasserstein distance (≥ 0.1) unless
they have ≤ 5 distinct values (Jensen–Shannon ≥ 0.1), categorical columns Jensen–Shannon (≥ 0.1).
PSI and Jensen–Shannon bin like Evidently: a numeric column with > 20 distinct reference values is
cut into Sturges bins over both windows (`bins` may give another count); otherwise per value. PSI
replaces empty bins as Evidently does. Missing and infinite values are dropped first, as Evidently
does. Column types, unless given, are inferred as Evidently does (float: numeric; int: categorical
with ≤ 10 distinct values, else numeric; text, bool, category: categorical).

`correction="bh"` applies Benjamini–Hochberg across the features whose deciding test yields a
p-value (KS, chi-square, Z); ask `method_numeric="ks"`, `method_categorical="chisquare"` to make every
feature's test one. Distances (Jensen–Shannon, Wasserstein, PSI) are never adjusted.

Everything derives from one sort (numeric) or one value count (categorical) per column and window:
no per-row Python.

The package, by concern: `reduced_columns` (each column reduced once, its kind), `stat_tests` (the
tests and distances), `decision` (the deciding test, thresholds, Benjamini-Hochberg), `compute`
(`compute_drift`), `file_tables` (reading files, windows, digest) and `from_files` (`drift_from_files`).
"""

from __future__ import annotations

from governance.evidence.drift.compute import CATEGORICAL_METHODS, NUMERIC_METHODS, compute_drift
from governance.evidence.drift.decision import P_VALUE_TESTS, SMALL_SAMPLE, TESTS, benjamini_hochberg, default_test
from governance.evidence.drift.file_tables import files_digest, read_table
from governance.evidence.drift.from_files import drift_from_files
from governance.evidence.drift.reduced_columns import INTEGER_CARDINALITY_LIMIT, infer_kind

__all__ = [
    "CATEGORICAL_METHODS",
    "INTEGER_CARDINALITY_LIMIT",
    "NUMERIC_METHODS",
    "P_VALUE_TESTS",
    "SMALL_SAMPLE",
    "TESTS",
    "benjamini_hochberg",
    "compute_drift",
    "default_test",
    "drift_from_files",
    "files_digest",
    "infer_kind",
    "read_table",
]
