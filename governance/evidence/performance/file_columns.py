"""Reading the performance columns of a CSV or Parquet file: only the named columns, labels to 0/1,
scores to floats."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from governance.errors import InputError

_NUMERIC_TRUE = {"1", "1.0", "true"}
_NUMERIC_FALSE = {"0", "0.0", "false"}


def _labels(path: Path, column: str, values: Any, positive: str | None, label_values: list[str] | None) -> np.ndarray:
    """0/1 from a text column: `positive` marks 1; else the values must be 0/1 or true/false."""
    import pyarrow.compute as pc

    if values.null_count:
        first = int(np.flatnonzero(np.asarray(values.is_null()))[0]) + 1
        raise InputError(
            f"column {column!r} has {values.null_count} empty value(s) (first at data row {first})", where=str(path)
        )
    text = np.asarray(pc.utf8_trim_whitespace(values.cast("string")).to_numpy(zero_copy_only=False), dtype=object)
    distinct = sorted({str(v) for v in np.unique(text)})
    if len(distinct) > 2:
        shown = ", ".join(repr(v) for v in distinct[:5]) + (", ..." if len(distinct) > 5 else "")
        raise InputError(
            f"column {column!r} has {len(distinct)} distinct values ({shown}); a binary label needs two",
            where=str(path),
        )
    lowered = {v.lower() for v in distinct}
    numeric = lowered <= _NUMERIC_TRUE | _NUMERIC_FALSE
    if positive is not None and label_values is not None and numeric and not set(distinct) & set(label_values):
        positive = None  # a 0/1 prediction next to a text label
    if positive is not None:
        allowed = set(label_values or distinct) | {positive}
        stray = [v for v in distinct if v not in allowed]
        if stray:
            raise InputError(f"column {column!r} has value {stray[0]!r}, not a label value", where=str(path))
        if label_values is None and positive not in distinct and len(distinct) == 2:
            raise InputError(
                f"positive class {positive!r} not found in column {column!r} (values: {', '.join(distinct)})",
                where=str(path),
            )
        return np.asarray(text == positive, dtype=np.int8)
    if numeric:
        return np.isin(np.char.lower(text.astype(str)), list(_NUMERIC_TRUE)).astype(np.int8)
    raise InputError(
        f"column {column!r} has values {', '.join(repr(v) for v in distinct)}; say which is the positive class",
        where=str(path),
        hint="give positive=VALUE",
    )


def _read(path: Path, label: str, floats: list[str], texts: list[str]) -> tuple[dict[str, Any], str]:
    import pyarrow as pa

    from governance.evidence.readers import _csv_header, _missing, detect_format

    fmt = detect_format(path)
    wanted = tuple(dict.fromkeys([label, *texts, *floats]))
    try:
        if fmt == "parquet":
            import pyarrow.parquet as pq

            _missing(path, wanted, pq.read_schema(str(path)).names)
            table = pq.read_table(str(path), columns=list(wanted))
        else:
            import pyarrow.csv as pcsv

            delimiter = "\t" if fmt == "tsv" else ","
            _missing(path, wanted, _csv_header(path, delimiter))
            types = {c: pa.string() for c in (label, *texts)}
            table = pcsv.read_csv(
                str(path),
                parse_options=pcsv.ParseOptions(delimiter=delimiter),
                convert_options=pcsv.ConvertOptions(
                    include_columns=list(wanted), column_types=types, strings_can_be_null=True
                ),
            )
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError, pa.ArrowTypeError, OSError) as exc:
        reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise InputError(f"{path} is not readable: {reason}", where=str(path)) from exc
    if table.num_rows == 0:
        raise InputError("the file has no data rows", where=str(path))
    cols: dict[str, Any] = {c: table.column(c).combine_chunks() for c in wanted}
    for c in floats:
        col = cols[c]
        if not (pa.types.is_floating(col.type) or pa.types.is_integer(col.type) or pa.types.is_decimal(col.type)):
            raise InputError(f"column {c!r} is not numeric ({col.type}); give probabilities in [0, 1]", where=str(path))
        if col.null_count:
            first = int(np.flatnonzero(np.asarray(col.is_null()))[0]) + 1
            raise InputError(
                f"column {c!r} has {col.null_count} empty value(s) (first at data row {first})", where=str(path)
            )
        cols[c] = col.cast(pa.float64()).to_numpy(zero_copy_only=False)
    return cols, fmt
