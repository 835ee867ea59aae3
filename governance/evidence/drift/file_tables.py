"""Reading the drift inputs: a CSV/TSV or Parquet file as a DataFrame, the rows of a time window, and
the digest of the two files."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

from governance.errors import InputError

if TYPE_CHECKING:
    import pandas as pd  # type: ignore[import-untyped]


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
