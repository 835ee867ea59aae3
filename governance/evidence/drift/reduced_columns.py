"""Each column of both windows reduced once: its kind (numeric or categorical, inferred as Evidently
does), sorted values and per-value counts, missing and infinite values dropped."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import numpy as np
    import pandas as pd  # type: ignore[import-untyped]


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
