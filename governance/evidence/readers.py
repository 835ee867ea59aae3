"""Streaming sources of column batches: CSV block by block, Parquet batch by batch within row groups,
and in-memory arrays. Only the needed columns are read; memory depends on the block size, not the file.
"""

from __future__ import annotations

import csv
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from governance.errors import InputError
from governance.evidence.counts import CellAccumulator, ColumnRoles, RawCells

Progress = Callable[[int, int], None]  # (done, total), in bytes (CSV) or rows (Parquet)
# pyarrow's streaming CSV reader reads ahead ~40 blocks: the block size bounds peak memory (~40 MiB).
CSV_BLOCK_BYTES = 1 << 20
PARQUET_BATCH_ROWS = 1 << 20
_CSV_SUFFIXES = {".csv": ",", ".tsv": "\t", ".txt": ","}
_PARQUET_SUFFIXES = {".parquet", ".pq", ".parq"}


@dataclass(frozen=True)
class FileCounts:
    """The cells counted from one file, its format and its digest."""

    cells: RawCells
    format: str
    digest: str
    size: int


def detect_format(path: Path) -> str:
    """'csv', 'tsv' or 'parquet', by magic bytes and suffix; anything else is an input error."""
    if not path.exists():
        raise InputError(f"no such file: {path}", where="data")
    if not path.is_file():
        raise InputError(f"not a file: {path}", where="data")
    with path.open("rb") as fh:
        head = fh.read(1 << 16)
    suffix = path.suffix.lower()
    if head[:4] == b"PAR1":
        return "parquet"
    if suffix in _PARQUET_SUFFIXES:
        raise InputError(f"{path} is not a Parquet file (no PAR1 magic bytes)", where="data")
    if suffix not in _CSV_SUFFIXES or b"\x00" in head:
        raise InputError(
            f"{path} is not a CSV or Parquet file",
            where="data",
            hint="give a .csv/.tsv file with a header row or a .parquet file",
        )
    return "tsv" if suffix == ".tsv" else "csv"


def _missing(path: Path, wanted: tuple[str, ...], available: list[str]) -> None:
    missing = [c for c in wanted if c not in available]
    if missing:
        shown = ", ".join(available[:30]) + (", ..." if len(available) > 30 else "")
        raise InputError(f"{path} has no column {', '.join(repr(c) for c in missing)} (columns: {shown})", where="data")


def _csv_header(path: Path, delimiter: str) -> list[str]:
    try:
        with path.open(newline="", encoding="utf-8-sig") as fh:
            return next(csv.reader(fh, delimiter=delimiter), [])
    except UnicodeDecodeError as exc:
        raise InputError(f"{path} is not a CSV file (not UTF-8 text)", where="data") from exc


def iter_csv(
    path: Path,
    roles: ColumnRoles,
    delimiter: str = ",",
    *,
    block_bytes: int = CSV_BLOCK_BYTES,
    progress: Progress | None = None,
) -> Iterator[dict[str, Any]]:
    """Column batches of a CSV file; the keyed columns arrive dictionary-encoded."""
    import pyarrow as pa
    import pyarrow.csv as pcsv

    header = _csv_header(path, delimiter)
    _missing(path, roles.all, header)
    text = pa.dictionary(pa.int32(), pa.string())
    types = {c: text for c in roles.keyed}
    if roles.score:
        types[roles.score] = pa.float64()
    total = path.stat().st_size
    source = pa.OSFile(str(path))
    try:
        reader = pcsv.open_csv(
            source,
            read_options=pcsv.ReadOptions(block_size=block_bytes),
            parse_options=pcsv.ParseOptions(delimiter=delimiter),
            convert_options=pcsv.ConvertOptions(
                include_columns=list(dict.fromkeys(roles.all)), column_types=types, strings_can_be_null=True
            ),
        )
        for batch in reader:
            if progress:
                progress(min(source.tell(), total), total)
            yield {name: batch.column(name) for name in batch.schema.names}
    except (pa.ArrowInvalid, pa.ArrowKeyError, pa.ArrowTypeError) as exc:
        raise InputError(f"{path} is not a readable CSV file: {str(exc).splitlines()[0]}", where="data") from exc
    finally:
        source.close()


def iter_parquet(
    path: Path, roles: ColumnRoles, *, batch_rows: int = PARQUET_BATCH_ROWS, progress: Progress | None = None
) -> Iterator[dict[str, Any]]:
    """Column batches of a Parquet file, row group by row group; text columns stay dictionary-encoded."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    try:
        schema = pq.read_schema(str(path))
        _missing(path, roles.all, schema.names)
        textual = [
            c
            for c in roles.keyed
            if pa.types.is_string(schema.field(c).type) or pa.types.is_large_string(schema.field(c).type)
        ]
        # pre_buffer (pyarrow's default) would buffer column chunks of many row groups at once.
        pf = pq.ParquetFile(str(path), read_dictionary=textual, pre_buffer=False)
        total, done = pf.metadata.num_rows, 0
        for batch in pf.iter_batches(batch_size=batch_rows, columns=list(dict.fromkeys(roles.all))):
            done += batch.num_rows
            if progress:
                progress(done, total)
            yield {name: batch.column(name) for name in batch.schema.names}
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError, OSError) as exc:
        raise InputError(f"{path} is not a readable Parquet file: {str(exc).splitlines()[0]}", where="data") from exc


def count_file(
    path: Path,
    roles: ColumnRoles,
    *,
    progress: Progress | None = None,
    block_bytes: int = CSV_BLOCK_BYTES,
    batch_rows: int = PARQUET_BATCH_ROWS,
) -> FileCounts:
    """Count the cells of a CSV or Parquet file in one streaming pass, and digest the file."""
    from governance.digest import file_sha256

    fmt = detect_format(path)
    acc = CellAccumulator(roles)
    if fmt == "parquet":
        batches = iter_parquet(path, roles, batch_rows=batch_rows, progress=progress)
    else:
        batches = iter_csv(path, roles, "\t" if fmt == "tsv" else ",", block_bytes=block_bytes, progress=progress)
    for batch in batches:
        acc.add(batch)
    return FileCounts(acc.cells, "parquet" if fmt == "parquet" else "csv", file_sha256(path), path.stat().st_size)


def count_arrays(columns: Mapping[str, Any], roles: ColumnRoles, *, batch_rows: int = PARQUET_BATCH_ROWS) -> RawCells:
    """Count the cells of in-memory columns (numpy arrays, lists, pyarrow or pandas columns)."""
    missing = [c for c in roles.all if c not in columns]
    if missing:
        raise InputError(f"no column {', '.join(repr(c) for c in missing)}", where="columns")
    arrays = {c: _as_array(columns[c]) for c in dict.fromkeys(roles.all)}
    lengths = {len(a) for a in arrays.values()}
    if len(lengths) != 1:
        raise InputError("columns differ in length", where="columns")
    n = lengths.pop()
    step = max(batch_rows, 1)
    acc = CellAccumulator(roles)
    for start in range(0, n, step):
        acc.add({c: a[start : start + step] for c, a in arrays.items()})
    return acc.cells


def _as_array(values: Any) -> Any:
    import pyarrow as pa

    if isinstance(values, pa.Array | pa.ChunkedArray):
        return values
    try:
        return pa.array(values, from_pandas=True)  # NaN and None become nulls, reported as missing
    except (pa.ArrowInvalid, pa.ArrowTypeError) as exc:
        raise InputError(f"cannot read a column: {exc}", where="columns") from exc
