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
"""

from __future__ import annotations

import hashlib
import math
import os
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from governance.errors import ConfigError, InputError
from governance.evidence.stage import Measurement, StageResult, logical_name

if TYPE_CHECKING:
    import numpy as np
    import pandas as pd  # type: ignore[import-untyped]

# Evidently's defaults: test -> (threshold, drifted when score is "le" | "lt" | "ge" the threshold)
TESTS: dict[str, tuple[float, str]] = {
    "ks": (0.05, "le"),
    "chisquare": (0.05, "lt"),
    "z": (0.05, "lt"),
    "jensenshannon": (0.1, "ge"),
    "wasserstein": (0.1, "ge"),
    "psi": (0.1, "ge"),
}
P_VALUE_TESTS = frozenset({"ks", "chisquare", "z"})
NUMERIC_METHODS = frozenset({"auto", "ks", "wasserstein", "jensenshannon", "psi", "chisquare", "z"})
CATEGORICAL_METHODS = frozenset({"auto", "chisquare", "z", "jensenshannon", "psi"})
SMALL_SAMPLE = 1000  # Evidently switches from tests to distances above this many reference rows
INTEGER_CARDINALITY_LIMIT = 10  # Evidently: int columns with at most this many values are categorical


@dataclass
class _Column:
    """One column of both windows, reduced once: sorted values (numeric) and per-value counts."""

    name: str
    kind: str  # numeric | categorical
    n_ref: int
    n_cur: int
    keys: Any  # the distinct values of both windows
    ref_counts: Any  # counts per key
    cur_counts: Any
    ref_sorted: Any = None  # numeric only
    cur_sorted: Any = None
    ref_cum: Any = None  # cumulative counts per key (numeric only)
    cur_cum: Any = None
    cdf_diff: Any = None


def _require() -> None:
    """pandas and SciPy are optional extras of the package; say so in one line when they are absent."""
    import importlib.util

    missing = [m for m in ("pandas", "scipy") if importlib.util.find_spec(m) is None]
    if missing:
        raise ConfigError(f"drift evidence needs {' and '.join(missing)} (pip install {' '.join(missing)})")


def _is_numeric(series: pd.Series) -> bool:
    import pandas as pd

    return bool(pd.api.types.is_numeric_dtype(series.dtype)) and not pd.api.types.is_bool_dtype(series.dtype)


def infer_kind(series: pd.Series) -> str:
    """'numeric' or 'categorical', as Evidently's `infer_column_type` decides (text counts as categorical)."""
    name = series.dtype.name
    if name.startswith("float"):
        return "numeric"
    if name.startswith(("int", "uint", "Int", "UInt")):
        return "categorical" if series.nunique() <= INTEGER_CARDINALITY_LIMIT else "numeric"
    return "categorical"


def _reduce_numeric(name: str, ref: pd.Series, cur: pd.Series) -> _Column:
    """Sort each window once, merge the two sorted runs (a stable sort of two runs is a linear merge),
    and count each distinct value per window."""
    import numpy as np

    r = np.sort(_finite(ref))
    c = np.sort(_finite(cur))
    if not len(r) or not len(c):  # refused by the caller, naming the window
        empty = np.zeros(0, dtype=np.int64)
        return _Column(name, "numeric", len(r), len(c), r[:0], empty, empty, r, c, empty, empty)
    both = np.concatenate([r, c])
    order = np.argsort(both, kind="stable")
    merged = both[order]
    last = np.flatnonzero(merged[1:] != merged[:-1])  # the last position of each distinct value but the final
    ends = np.concatenate([last, [len(merged) - 1]])
    keys = merged[ends]
    ref_cum = np.cumsum(order < len(r))[ends]  # reference values <= each key
    cur_cum = ends + 1 - ref_cum
    ref_counts = np.diff(ref_cum, prepend=0)
    cur_counts = np.diff(cur_cum, prepend=0)
    col = _Column(name, "numeric", len(r), len(c), keys, ref_counts, cur_counts, r, c, ref_cum, cur_cum)
    col.cdf_diff = ref_cum / len(r) - cur_cum / len(c)  # the empirical CDFs' difference at every key
    return col


def _finite(series: pd.Series) -> np.ndarray:
    """The finite values as float64 (missing and infinite values dropped, as Evidently drops them)."""
    import numpy as np

    values: np.ndarray = series.to_numpy(dtype="float64", na_value=np.nan)
    finite = np.isfinite(values)
    return values if bool(finite.all()) else values[finite]


def _reduce_categorical(name: str, ref: pd.Series, cur: pd.Series) -> _Column:
    import numpy as np

    # counting with the missing values and dropping their key after is one pass, not two
    vr = ref.value_counts(dropna=False, sort=False)
    vc = cur.value_counts(dropna=False, sort=False)
    vr, vc = vr[vr.index.notna()], vc[vc.index.notna()]
    keys = vr.index.union(vc.index)
    ref_counts = vr.reindex(keys, fill_value=0).to_numpy(dtype=np.int64)
    cur_counts = vc.reindex(keys, fill_value=0).to_numpy(dtype=np.int64)
    present = (ref_counts + cur_counts) > 0  # a category dtype lists unused categories too
    if not bool(present.all()):
        keys, ref_counts, cur_counts = keys[present], ref_counts[present], cur_counts[present]
    return _Column(name, "categorical", int(ref_counts.sum()), int(cur_counts.sum()), keys, ref_counts, cur_counts)


# --- the tests, each from the reduced column ------------------------------------------------------


def _ks(col: _Column) -> tuple[float, float]:
    """Two-sample KS statistic and two-sided p-value, as `scipy.stats.ks_2samp` (method auto)."""
    import numpy as np
    from scipy import stats  # type: ignore[import-untyped]

    n1, n2 = col.n_ref, col.n_cur
    if max(n1, n2) <= 10000:  # SciPy's exact mode: cheap at this size, call it for identical values
        res = stats.ks_2samp(col.ref_sorted, col.cur_sorted)
        return float(res.statistic), float(res.pvalue)
    diff = col.cdf_diff
    d = float(max(float(np.max(diff)), float(np.clip(-np.min(diff), 0, 1))))
    m, n = sorted([float(n1), float(n2)], reverse=True)
    en = m * n / (m + n)
    p = float(np.clip(stats.distributions.kstwo.sf(d, np.round(en)), 0, 1))
    return d, p


def _wasserstein(col: _Column) -> tuple[float, float]:
    """(normalised, raw) Wasserstein-1 distance between the two empirical distributions."""
    import numpy as np

    raw = float(np.dot(np.abs(col.cdf_diff[:-1]), np.diff(col.keys)))
    std = float(np.std(col.ref_sorted))
    return raw / max(std, 0.001), raw


def _edges(first: float, last: float, n: int, bins: int | str) -> np.ndarray:
    """`np.histogram_bin_edges(both windows, bins)` for 'sturges' or a bin count, from min, max and n."""
    import numpy as np

    if first == last:
        first, last = first - 0.5, last + 0.5
    if isinstance(bins, str):  # sturges
        width = (last - first) / (math.log2(n) + 1.0)
        n_bins = max(1, int(np.ceil((last - first) / width)))
    else:
        n_bins = bins
    return np.linspace(first, last, n_bins + 1, endpoint=True)


def _binned(col: _Column, bins: int | str, fill_zeroes: bool) -> tuple[np.ndarray, np.ndarray]:
    """Shares per bin (numeric with > 20 distinct reference values) or per value, as Evidently bins."""
    import numpy as np

    if col.kind == "numeric" and int(np.count_nonzero(col.ref_counts)) > 20:
        edges = _edges(float(col.keys[0]), float(col.keys[-1]), col.n_ref + col.n_cur, bins)
        ref = _histogram(col.ref_sorted, edges) / col.n_ref
        cur = _histogram(col.cur_sorted, edges) / col.n_cur
    else:
        ref = col.ref_counts / col.n_ref
        cur = col.cur_counts / col.n_cur
    if fill_zeroes:
        ref, cur = _fill(ref), _fill(cur)
    return ref, cur


def _histogram(sorted_values: np.ndarray, edges: np.ndarray) -> np.ndarray:
    """`np.histogram(values, edges)[0]` of a sorted array: half-open bins, the last one closed."""
    import numpy as np

    pos = np.searchsorted(sorted_values, edges, side="left")
    pos[-1] = np.searchsorted(sorted_values, edges[-1], side="right")
    return np.diff(pos).astype("float64")


def _fill(shares: np.ndarray) -> np.ndarray:

    out = shares.copy()
    nonzero = out[out != 0]
    if len(nonzero) and len(nonzero) < len(out):
        smallest = float(nonzero.min())
        out[out == 0] = smallest / 10**6 if smallest <= 0.0001 else 0.0001
    return out


def _psi(col: _Column, bins: int | str) -> float:
    import numpy as np

    ref, cur = _binned(col, bins, True)
    return float(np.sum((ref - cur) * np.log(ref / cur)))


def _jensenshannon(col: _Column, bins: int | str) -> float:
    from scipy.spatial import distance  # type: ignore[import-untyped]

    ref, cur = _binned(col, bins, False)
    return float(distance.jensenshannon(ref, cur))


def _chisquare(col: _Column) -> tuple[float, float, int]:
    """Chi-square of the current counts against the reference counts scaled to the current size."""
    import numpy as np
    from scipy import stats

    f_exp = col.ref_counts * (col.n_cur / col.n_ref)
    with np.errstate(divide="ignore", invalid="ignore"):
        res = stats.chisquare(col.cur_counts.astype("float64"), f_exp)
    return float(res.statistic), float(res.pvalue), len(col.keys) - 1


def _z(col: _Column) -> tuple[float, float]:
    """Evidently's two-proportion Z-test: the share of rows not equal to the smallest value."""
    import numpy as np
    from scipy.stats import norm  # type: ignore[import-untyped]

    ref_present = col.ref_counts > 0
    cur_present = col.cur_counts > 0
    if ref_present.sum() == 1 and cur_present.sum() == 1 and bool(np.all(ref_present == cur_present)):
        return 0.0, 1.0
    first = min(range(len(col.keys)), key=lambda i: col.keys[i])  # at most two keys here
    n1, n2 = col.n_ref, col.n_cur
    p1 = (n1 - int(col.ref_counts[first])) / n1
    p2 = (n2 - int(col.cur_counts[first])) / n2
    pooled = (p1 * n1 + p2 * n2) / (n1 + n2)
    z = (p1 - p2) / math.sqrt(pooled * (1 - pooled) * (1.0 / n1 + 1.0 / n2))
    return float(z), float(2 * (1 - norm.cdf(abs(z))))


def default_test(col: _Column) -> str:
    """The test Evidently's DataDriftPreset picks for this column (by type, rows and distinct values)."""

    n_values = len(col.keys)  # every key occurs in one window at least
    small_binary = "chisquare" if n_values > 2 else "z"
    if col.n_ref <= SMALL_SAMPLE:
        if col.kind == "numeric":
            return small_binary if n_values <= 5 else "ks"
        return small_binary
    if col.kind == "numeric":
        return "jensenshannon" if n_values <= 5 else "wasserstein"
    return "jensenshannon"


def _drifted(score: float, threshold: float, rule: str) -> bool:
    if rule == "le":
        return score <= threshold
    if rule == "lt":
        return score < threshold
    return score >= threshold


def benjamini_hochberg(p_values: Sequence[float], alpha: float) -> tuple[list[float], list[bool]]:
    """Adjusted p-values and rejections, equal to statsmodels' `multipletests(method="fdr_bh")`."""
    import numpy as np

    p = np.asarray(p_values, dtype="float64")
    if len(p) == 0:
        return [], []
    order = np.argsort(p)
    ranked = p[order] * len(p) / np.arange(1, len(p) + 1)
    adjusted_sorted = np.minimum(1.0, np.minimum.accumulate(ranked[::-1])[::-1])
    adjusted = np.empty_like(adjusted_sorted)
    adjusted[order] = adjusted_sorted
    return [float(a) for a in adjusted], [bool(a <= alpha) for a in adjusted]


# --- the public entry points ------------------------------------------------------------------------


def compute_drift(
    reference: pd.DataFrame,
    current: pd.DataFrame,
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
    reference_name: str = "reference",
    current_name: str = "current",
) -> tuple[list[Measurement], dict[str, Any]]:
    """Per-feature drift measurements and the summary (share of drifting features, dataset drift).

    `method_numeric` / `method_categorical` = "auto" pick Evidently's default test per column; a test
    name ("ks", "wasserstein", "jensenshannon", "psi", "chisquare", "z") forces it. `threshold`
    replaces every deciding test's default threshold (as Evidently's `threshold=` does). The dataset
    drifts when the share of drifting features is ≥ `share`. `reference_name` / `current_name` name the
    inputs in errors.
    """
    _require()
    if method_numeric not in NUMERIC_METHODS:
        raise InputError(
            f"unknown numeric drift method {method_numeric!r} (one of {', '.join(sorted(NUMERIC_METHODS))})"
        )
    if method_categorical not in CATEGORICAL_METHODS:
        raise InputError(
            f"unknown categorical drift method {method_categorical!r} (one of {', '.join(sorted(CATEGORICAL_METHODS))})"
        )
    if correction not in (None, "bh"):
        raise InputError(f"unknown correction {correction!r} (none or 'bh')")
    if not 0 < share <= 1:
        raise InputError(f"drift share must be in (0, 1], got {share}")
    if isinstance(bins, str) and bins != "sturges" or isinstance(bins, int) and bins < 1:
        raise InputError(f"bins must be 'sturges' or a positive count, got {bins!r}")
    for frame, name in ((reference, reference_name), (current, current_name)):
        if len(frame) == 0:
            raise InputError(f"{name} has no rows (empty window)", where=name)
    if columns is None:
        names = list(dict.fromkeys([*map(str, reference.columns), *map(str, current.columns)]))
    else:
        names = list(dict.fromkeys(columns))
    if not names:
        raise InputError(f"{reference_name} and {current_name} have no columns to compare")
    forced_num, forced_cat = set(numeric or ()), set(categorical or ())
    if forced_num & forced_cat:
        raise InputError(f"column {sorted(forced_num & forced_cat)[0]!r} given as both numeric and categorical")

    plan: list[tuple[str, str]] = []
    for name in names:
        for frame, fname in ((reference, reference_name), (current, current_name)):
            if name not in frame.columns:
                raise InputError(f"{fname} has no column {name!r}", where=fname)
        ref_s, cur_s = reference[name], current[name]
        ref_num, cur_num = _is_numeric(ref_s), _is_numeric(cur_s)
        if name in forced_num:
            kind = "numeric"
        elif name in forced_cat:
            kind = "categorical"
        else:
            kind = infer_kind(cur_s)
        if kind == "numeric" or ref_num != cur_num:
            for s, ok, fname in ((ref_s, ref_num, reference_name), (cur_s, cur_num, current_name)):
                if not ok:
                    raise InputError(
                        f"column {name!r} is numeric in one window but {s.dtype.name} (not numeric) in {fname}",
                        where=fname,
                    )
        plan.append((name, kind))

    def one(item: tuple[str, str]) -> tuple[_Column, list[Measurement], dict[str, Any]]:
        name, kind = item
        reduce = _reduce_numeric if kind == "numeric" else _reduce_categorical
        col = reduce(name, reference[name], current[name])
        for n, fname in ((col.n_ref, reference_name), (col.n_cur, current_name)):
            if n == 0:
                raise InputError(f"column {name!r} has no values in {fname} (all missing)", where=fname)
        method = method_numeric if kind == "numeric" else method_categorical
        ms, decision = _measure(col, method, threshold, bins)
        col.ref_sorted = col.cur_sorted = col.cdf_diff = None  # free the big arrays early
        return col, ms, decision

    # Columns are independent and NumPy's sorts and pandas' counts release the GIL: a few threads.
    rows = len(reference) + len(current)
    workers = min(len(plan), os.cpu_count() or 1, 4) if rows * len(plan) > 2_000_000 else 1
    if workers > 1:
        from concurrent.futures import ThreadPoolExecutor

        with ThreadPoolExecutor(max_workers=workers) as pool:
            results = list(pool.map(one, plan))
    else:
        results = [one(item) for item in plan]
    reduced = [r[0] for r in results]
    measurements: list[Measurement] = [m for r in results for m in r[1]]
    decisions: list[dict[str, Any]] = [r[2] for r in results]

    corrected = 0
    if correction == "bh":
        family = [d for d in decisions if d["test"] in P_VALUE_TESTS]
        alphas = {d["threshold"] for d in family}
        if len(alphas) > 1:
            raise InputError("Benjamini-Hochberg needs one threshold for every p-value test; give threshold=")
        if family:
            adjusted, rejected = benjamini_hochberg([d["score"] for d in family], family[0]["threshold"])
            for d, adj, rej in zip(family, adjusted, rejected, strict=True):
                d["p_value_adjusted"] = adj
                d["drifted"] = rej
            corrected = len(family)

    for col, d in zip(reduced, decisions, strict=True):
        detail = {k: v for k, v in d.items() if k != "drifted"}
        measurements.append(
            Measurement(
                name="drift",
                value=1.0 if d["drifted"] else 0.0,
                subject=col.name,
                n=col.n_cur,
                higher_is_better=False,
                detail=detail,
            )
        )
    n_drifted = sum(1 for d in decisions if d["drifted"])
    share_drifted = n_drifted / len(decisions)
    summary: dict[str, Any] = {
        "n_features": len(decisions),
        "n_drifted": n_drifted,
        "share_drifted": share_drifted,
        "drift_share": share,
        "dataset_drift": share_drifted >= share,
        "drifted_features": [c.name for c, d in zip(reduced, decisions, strict=True) if d["drifted"]],
        "correction": correction,
        "corrected_features": corrected,
        "method_numeric": method_numeric,
        "method_categorical": method_categorical,
        "threshold": threshold,
        "bins": bins,
        "rule": "Evidently 0.7 DataDriftPreset defaults" if method_numeric == method_categorical == "auto" else "given",
        "n_reference": len(reference),
        "n_current": len(current),
    }
    return measurements, summary


def _measure(
    col: _Column, method: str, threshold: float | None, bins: int | str
) -> tuple[list[Measurement], dict[str, Any]]:
    counts = {"n_reference": col.n_ref, "n_current": col.n_cur, "type": col.kind}
    out: list[Measurement] = []
    scores: dict[str, float] = {}
    psi = _psi(col, bins)
    out.append(Measurement("psi", psi, subject=col.name, n=col.n_cur, higher_is_better=False, detail=dict(counts)))
    scores["psi"] = psi
    js = _jensenshannon(col, bins)
    scores["jensenshannon"] = js
    test = default_test(col) if method == "auto" else method
    if col.kind == "numeric":
        d, p = _ks(col)
        out.append(
            Measurement("ks", d, subject=col.name, n=col.n_cur, higher_is_better=False, detail={**counts, "p_value": p})
        )
        scores["ks"] = p
        wn, raw = _wasserstein(col)
        out.append(
            Measurement(
                "wasserstein",
                wn,
                subject=col.name,
                n=col.n_cur,
                higher_is_better=False,
                detail={**counts, "raw": raw, "normalised_by": "max(std(reference, ddof=0), 0.001)"},
            )
        )
        scores["wasserstein"] = wn
    if col.kind == "categorical" or test == "chisquare":
        stat, p, dof = _chisquare(col)
        out.append(
            Measurement(
                "chisquare",
                stat,
                subject=col.name,
                n=col.n_cur,
                higher_is_better=False,
                detail={**counts, "p_value": p, "dof": dof},
            )
        )
        scores["chisquare"] = p
    out.append(
        Measurement("jensenshannon", js, subject=col.name, n=col.n_cur, higher_is_better=False, detail=dict(counts))
    )
    if test == "z":
        z, p = _z(col)
        out.append(
            Measurement("z", z, subject=col.name, n=col.n_cur, higher_is_better=False, detail={**counts, "p_value": p})
        )
        scores["z"] = p
    default, rule = TESTS[test]
    used = default if threshold is None else float(threshold)
    score = scores[test]
    decision = {
        "test": test,
        "threshold": used,
        "score": score,
        "score_is": "p_value" if test in P_VALUE_TESTS else "distance",
        "drifted_when": {"le": "score <= threshold", "lt": "score < threshold", "ge": "score >= threshold"}[rule],
        "drifted": _drifted(score, used, rule),
        **counts,
    }
    return out, decision


def files_digest(*paths: Path) -> str:
    """sha256 over the files in order, each as its byte length (8 bytes, big-endian) then its bytes."""
    h = hashlib.sha256()
    for path in paths:
        h.update(path.stat().st_size.to_bytes(8, "big"))
        with path.open("rb") as fh:
            for chunk in iter(lambda: fh.read(1 << 20), b""):
                h.update(chunk)
    return "sha256:" + h.hexdigest()


def read_table(path: Path, columns: Sequence[str] | None = None) -> pd.DataFrame:
    """A CSV/TSV or Parquet file as a DataFrame (only `columns` when given); bad files are InputErrors."""
    from governance.evidence.readers import detect_format

    fmt = detect_format(path)
    try:
        if fmt == "parquet":
            import pyarrow.parquet as pq

            schema_names = pq.read_schema(path).names
            wanted = None if columns is None else [c for c in columns if c in schema_names]
            return pq.read_table(path, columns=wanted).to_pandas(strings_to_categorical=True)
        import pyarrow.csv as pcsv

        opts = pcsv.ParseOptions(delimiter="\t" if fmt == "tsv" else ",")
        return pcsv.read_csv(path, parse_options=opts).to_pandas(strings_to_categorical=True)
    except InputError:
        raise
    except Exception as exc:  # pyarrow's errors: malformed rows, bad types
        msg = " ".join(str(exc).split())[:200]
        raise InputError(f"{path} could not be read as {fmt}: {msg}", where=str(path)) from exc


def _in_window(
    frame: pd.DataFrame, column: str, start: datetime | None, end: datetime | None, where: str
) -> pd.DataFrame:
    """The rows of `frame` whose `column` (a time) lies in [start, end), without that column."""
    import pandas as pd

    if start is None or end is None:
        raise InputError("a time column needs a window START/END", where=where)
    if column not in frame.columns:
        raise InputError(f"has no column {column!r} (the time column)", where=where)
    times = pd.to_datetime(frame[column].astype(str), utc=True, errors="coerce", format="ISO8601")
    if times.isna().any():
        row = int(times.isna().to_numpy().argmax()) + 1
        raise InputError(f"column {column!r} has a value that is not an ISO 8601 time (data row {row})", where=where)
    s, e = pd.Timestamp(start), pd.Timestamp(end)
    s = s.tz_localize("UTC") if s.tzinfo is None else s
    e = e.tz_localize("UTC") if e.tzinfo is None else e
    kept = frame[((times >= s) & (times < e)).to_numpy()].drop(columns=[column])
    if len(kept) == 0:
        raise InputError(
            f"no row of column {column!r} lies in the window {start.isoformat()}/{end.isoformat()}", where=where
        )
    return kept


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
    import scipy

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
