"""Per-group confusion counts: the one pass over the data that every fairness metric comes from.

A source hands over column batches; `CellAccumulator` folds each batch into counts per cell
(sensitive values..., label value, prediction value) with one `numpy.bincount`, so memory depends on
the number of cells and never on the number of rows. `binarise` then resolves the favorable label
and gives a `ConfusionTable`: groups x [TP, FP, FN, TN], favorable = positive.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from governance.errors import InputError

TP, FP, FN, TN = 0, 1, 2, 3
MAX_GROUPS = 10_000
MAX_PREDICTION_VALUES = 1_000
_DENSE_LIMIT = 1 << 24  # above this many possible cells per batch, count with np.unique instead
_SMALL_INT_RANGE = 1 << 12


def value_text(value: Any) -> str:
    """The text a data value is shown and matched as: ints without '.0', booleans lower-case."""
    if isinstance(value, bool | np.bool_):
        return "true" if value else "false"
    if isinstance(value, float | np.floating):
        return str(int(value)) if math.isfinite(value) and float(value).is_integer() else repr(float(value))
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")
    return str(value)


def label_token(text: str) -> str:
    """Normal form for matching label values: '1', '1.0' and 1 are one value; 'True' and 'true' too."""
    stripped = text.strip()
    if stripped.lower() in ("true", "false"):
        return stripped.lower()
    try:
        number = float(stripped)
    except ValueError:
        return text
    if math.isfinite(number) and number.is_integer():
        return str(int(number))
    return repr(number)


@dataclass(frozen=True)
class ColumnRoles:
    """Which columns play which part in a fairness evaluation."""

    label: str
    prediction: str
    sensitive: tuple[str, ...]
    score: str | None = None

    @property
    def keyed(self) -> tuple[str, ...]:
        return (*self.sensitive, self.label, self.prediction)

    @property
    def all(self) -> tuple[str, ...]:
        return self.keyed + ((self.score,) if self.score else ())


@dataclass
class RawCells:
    """Counts per (sensitive values..., label text, prediction text) cell, before binarisation.

    `sums[key]` is [rows, score sum, score sum of squares].
    """

    roles: ColumnRoles
    sums: dict[tuple[str, ...], list[float]] = field(default_factory=dict)

    @property
    def rows(self) -> int:
        return int(sum(v[0] for v in self.sums.values()))

    def add(self, key: tuple[str, ...], rows: float, score: float = 0.0, score_sq: float = 0.0) -> None:
        slot = self.sums.setdefault(key, [0.0, 0.0, 0.0])
        slot[0] += rows
        slot[1] += score
        slot[2] += score_sq


def encode_column(array: Any, name: str, row_offset: int) -> tuple[np.ndarray, list[str]]:
    """Codes (intp) and the text of each code for one batch of a column; nulls and NaN are errors."""
    import pyarrow as pa
    import pyarrow.compute as pc

    if isinstance(array, pa.ChunkedArray):
        array = array.combine_chunks()
    if not isinstance(array, pa.Array):
        array = pa.array(np.asarray(array) if not isinstance(array, list) else array)
    if pa.types.is_floating(array.type) and pc.any(pc.is_nan(array)).as_py():
        _null_error(name, row_offset + pc.index(pc.is_nan(array), True).as_py())
    if pa.types.is_integer(array.type) and array.null_count == 0 and len(array):
        low, high = (v.as_py() for v in pc.min_max(array).values())
        if high - low < _SMALL_INT_RANGE:  # codes are value - min: cheaper than hashing
            codes = np.subtract(numpy_view(array), low, dtype=np.intp)
            return codes, [str(v) for v in range(low, high + 1)]
    if not pa.types.is_dictionary(array.type):
        array = pc.dictionary_encode(array)
    indices, dictionary = array.indices, array.dictionary
    if indices.null_count:
        _null_error(name, row_offset + pc.index(pc.is_null(indices), True).as_py())
    texts = []
    for value in dictionary.to_pylist():
        texts.append("" if value is None else value_text(value))
    if dictionary.null_count or (pa.types.is_floating(dictionary.type) and pc.any(pc.is_nan(dictionary)).as_py()):
        bad = {i for i, v in enumerate(dictionary.to_pylist()) if v is None or (isinstance(v, float) and v != v)}
        codes = numpy_view(indices)
        hit = np.flatnonzero(np.isin(codes, list(bad)))
        if hit.size:
            _null_error(name, row_offset + int(hit[0]))
    codes = numpy_view(indices).astype(np.intp)
    if len(set(texts)) != len(texts):  # e.g. 1 and 1.0, or an un-unified dictionary: merge codes
        first: dict[str, int] = {}
        lookup = np.array([first.setdefault(t, len(first)) for t in texts], dtype=np.intp)
        codes, texts = lookup[codes], list(first)
    return codes, texts


def numpy_view(array: Any) -> np.ndarray:
    """A numpy view of a null-free numeric pyarrow array (pyarrow's own to_numpy imports pandas)."""
    import pyarrow as pa

    kind = "i" if pa.types.is_signed_integer(array.type) else "u" if pa.types.is_unsigned_integer(array.type) else "f"
    dtype = np.dtype(f"{kind}{array.type.bit_width // 8}")
    return np.frombuffer(array.buffers()[1], dtype=dtype, count=len(array), offset=array.offset * dtype.itemsize)


def _null_error(column: str, row: int) -> None:
    raise InputError(
        f"column {column!r} has a missing value (null or NaN) at data row {row + 1}",
        where=column,
        hint="drop or fill missing values before the evaluation",
    )


def score_array(array: Any, name: str, row_offset: int) -> np.ndarray:
    """The score column of one batch as float64 in [0, 1]; missing values are errors."""
    import pyarrow as pa
    import pyarrow.compute as pc

    if isinstance(array, pa.ChunkedArray):
        array = array.combine_chunks()
    if isinstance(array, pa.Array):
        if array.null_count:
            _null_error(name, row_offset + pc.index(pc.is_null(array), True).as_py())
        if not (pa.types.is_floating(array.type) or pa.types.is_integer(array.type)):
            raise InputError(f"score column {name!r} is not numeric ({array.type})", where=name)
        values = numpy_view(array).astype(np.float64, copy=False)
    else:
        values = np.asarray(array, dtype=np.float64)
    if np.isnan(values).any():
        _null_error(name, row_offset + int(np.flatnonzero(np.isnan(values))[0]))
    if values.size and (values.min() < 0.0 or values.max() > 1.0):
        raise InputError(
            f"score column {name!r} has values outside [0, 1]",
            where=name,
            hint="the score is the predicted probability of the favorable label",
        )
    return values


class CellAccumulator:
    """Folds column batches into `RawCells`, one bincount per batch."""

    def __init__(self, roles: ColumnRoles) -> None:
        self.cells = RawCells(roles)
        self.rows_seen = 0
        self._labels: set[str] = set()
        self._predictions: set[str] = set()

    def add(self, batch: Mapping[str, Any]) -> None:
        """Count one batch: a mapping of column name to a pyarrow or numpy array."""
        roles = self.cells.roles
        offset = self.rows_seen
        encoded = [encode_column(batch[name], name, offset) for name in roles.keyed]
        n = len(encoded[0][0])
        if n == 0:
            return
        self._check_labels(encoded[-2][1], encoded[-1][1])
        sizes = [len(texts) for _, texts in encoded]
        space = math.prod(sizes)
        code = encoded[0][0].copy() if len(encoded) > 1 else encoded[0][0]  # codes may be a view
        for (codes, _), size in zip(encoded[1:], sizes[1:], strict=True):
            code *= size
            code += codes
        score = score_array(batch[roles.score], roles.score, offset) if roles.score else None
        if space <= _DENSE_LIMIT:
            present, counts = _dense_counts(code, space, score)
        else:
            present, inverse = np.unique(code, return_inverse=True)
            counts = _weighted_counts(inverse, len(present), score)
        digits = np.array(np.unravel_index(present, sizes)).T
        for row, idx in enumerate(digits):
            key = tuple(encoded[c][1][i] for c, i in enumerate(idx))
            self.cells.add(key, float(counts[0][row]), float(counts[1][row]), float(counts[2][row]))
        self.rows_seen += n
        if len({key[: len(roles.sensitive)] for key in self.cells.sums}) > MAX_GROUPS:
            raise InputError(
                f"the sensitive columns {', '.join(roles.sensitive)} make more than {MAX_GROUPS} groups",
                where="sensitive",
                hint="is one of them an identifier or a continuous value?",
            )

    def _check_labels(self, labels: Sequence[str], predictions: Sequence[str]) -> None:
        # Fail on the first batch that shows a non-binary label, not after reading the whole file.
        self._labels.update(label_token(t) for t in labels)
        self._predictions.update(predictions)
        roles = self.cells.roles
        if len(self._labels) > 2:
            raise InputError(
                f"label column {roles.label!r} is not binary: values include {_sample(self._labels)}",
                where=roles.label,
                hint="map the label to two values before the evaluation",
            )
        if len(self._predictions) > MAX_PREDICTION_VALUES:
            raise InputError(
                f"prediction column {roles.prediction!r} has more than {MAX_PREDICTION_VALUES} distinct values",
                where=roles.prediction,
                hint="is it a score? pass it with --score",
            )


def _dense_counts(code: np.ndarray, space: int, score: np.ndarray | None) -> tuple[np.ndarray, list[np.ndarray]]:
    rows = np.bincount(code, minlength=space)
    present = np.flatnonzero(rows)
    if score is None:
        zeros = np.zeros(present.size)
        return present, [rows[present], zeros, zeros]
    sums = np.bincount(code, weights=score, minlength=space)
    squares = np.bincount(code, weights=score * score, minlength=space)
    return present, [rows[present], sums[present], squares[present]]


def _weighted_counts(inverse: np.ndarray, size: int, score: np.ndarray | None) -> list[np.ndarray]:
    rows = np.bincount(inverse, minlength=size)
    if score is None:
        return [rows, np.zeros(size), np.zeros(size)]
    return [
        rows,
        np.bincount(inverse, weights=score, minlength=size),
        np.bincount(inverse, weights=score * score, minlength=size),
    ]


def _sample(values: set[str], limit: int = 5) -> str:
    shown = sorted(values)[:limit]
    more = f", ... ({len(values)} in all)" if len(values) > limit else ""
    return ", ".join(repr(v) for v in shown) + more
