"""The counting engine: one streaming pass, same counts whatever the chunking or format, memory flat."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.csv as pcsv
import pyarrow.parquet as pq
import pytest

from governance.errors import InputError
from governance.evidence.confusion import binarise
from governance.evidence.counts import MAX_GROUPS, CellAccumulator, ColumnRoles
from governance.evidence.readers import count_arrays, count_file

ROLES = ColumnRoles("y", "p", ("race", "sex"), "s")


def _table(n: int, seed: int = 0) -> pa.Table:
    rng = np.random.default_rng(seed)
    races = np.array(["African-American", "Caucasian", "Hispanic", "Other"])
    y = rng.integers(0, 2, n)
    return pa.table(
        {
            "race": races[rng.integers(0, 4, n)],
            "sex": rng.integers(0, 2, n),
            "y": y,
            "p": np.where(rng.random(n) < 0.7, y, 1 - y),
            "s": rng.random(n),
            "id": np.arange(n),
        }
    )


def test_formats_and_chunk_sizes_give_identical_counts(tmp_path: Path) -> None:
    data = _table(50_000)
    pcsv.write_csv(data, tmp_path / "d.csv")
    pq.write_table(data, tmp_path / "d.parquet", row_group_size=7_000)
    reference = binarise(count_arrays({c: data.column(c) for c in data.column_names}, ROLES))
    variants = [
        count_file(tmp_path / "d.csv", ROLES).cells,
        count_file(tmp_path / "d.csv", ROLES, block_bytes=64 << 10).cells,
        count_file(tmp_path / "d.parquet", ROLES).cells,
        count_file(tmp_path / "d.parquet", ROLES, batch_rows=999).cells,
        count_arrays({c: data.column(c).to_numpy() for c in data.column_names}, ROLES, batch_rows=1234),
    ]
    for cells in variants:
        table = binarise(cells)
        assert table.groups == reference.groups
        assert (table.counts == reference.counts).all()
        assert table.score_sum is not None and reference.score_sum is not None
        assert np.allclose(table.score_sum, reference.score_sum, rtol=1e-12)
    assert reference.rows == 50_000 and reference.groups[0] == ("African-American", "0")


def test_progress_reports_the_whole_file(tmp_path: Path) -> None:
    data = _table(30_000)
    pcsv.write_csv(data, tmp_path / "d.csv")
    pq.write_table(data, tmp_path / "d.parquet", row_group_size=5_000)
    for name, kwargs in (("d.csv", {"block_bytes": 128 << 10}), ("d.parquet", {"batch_rows": 4_000})):
        seen: list[tuple[int, int]] = []

        def record(done: int, total: int, seen: list[tuple[int, int]] = seen) -> None:
            seen.append((done, total))

        count_file(tmp_path / name, ROLES, progress=record, **kwargs)
        assert len(seen) > 3, name
        assert [d for d, _ in seen] == sorted(d for d, _ in seen)
        assert seen[-1][0] == seen[-1][1], name


def test_a_non_binary_label_fails_on_the_first_batch() -> None:
    acc = CellAccumulator(ColumnRoles("y", "p", ("g",)))
    with pytest.raises(InputError, match="not binary"):
        acc.add({"g": np.zeros(3, dtype=int), "y": np.array([0, 1, 2]), "p": np.array([0, 1, 1])})


def test_an_identifier_as_sensitive_column_is_refused() -> None:
    n = MAX_GROUPS + 5
    with pytest.raises(InputError, match="more than"):
        count_arrays({"id": np.arange(n), "y": np.zeros(n, int), "p": np.zeros(n, int)}, ColumnRoles("y", "p", ("id",)))


def test_equal_values_of_different_spelling_are_one_label() -> None:
    cells = count_arrays(
        {"g": ["a", "a", "b", "b"], "y": ["1", "1.0", "0", "0.0"], "p": [1, 0, 1, 0]},
        ColumnRoles("y", "p", ("g",)),
    )
    table = binarise(cells)
    assert table.favorable == "1" and table.counts.tolist() == [[1, 0, 1, 0], [0, 1, 0, 1]]


_MEASURE = textwrap.dedent("""
    import json, sys, tracemalloc
    from pathlib import Path
    import pyarrow as pa
    from governance.evidence.counts import ColumnRoles
    from governance.evidence.readers import count_file
    tracemalloc.start()  # numpy reports its buffers to tracemalloc; arrow's pool keeps its own peak
    roles = ColumnRoles("y", "p", ("race", "sex"), "s")
    cells = count_file(Path(sys.argv[1]), roles, block_bytes=128 << 10, batch_rows=16384).cells
    peak = tracemalloc.get_traced_memory()[1] + pa.default_memory_pool().max_memory()
    print(json.dumps({"rows": cells.rows, "peak": peak}))
""")


def _peak(path: Path) -> dict[str, int]:
    out = subprocess.run([sys.executable, "-c", _MEASURE, str(path)], capture_output=True, text=True, check=True)
    return dict(json.loads(out.stdout))


@pytest.mark.parametrize("fmt", ["parquet", "csv"])
def test_peak_memory_does_not_grow_with_the_file(tmp_path: Path, fmt: str) -> None:
    peaks = {}
    for n in (200_000, 1_000_000):  # both well past the CSV reader's readahead of ~40 blocks
        data = _table(n, seed=1)
        path = tmp_path / f"{n}.{fmt}"
        if fmt == "parquet":
            pq.write_table(data, path, row_group_size=16384)
        else:
            pcsv.write_csv(data, path)
        measured = _peak(path)
        assert measured["rows"] == n
        peaks[n] = measured["peak"]
    # 5x the rows (the large file holds ~40 MB of column data): the peak stays within 20 % + 2 MiB
    assert peaks[1_000_000] < 1.2 * peaks[200_000] + (2 << 20), peaks


def test_migration_matches_the_table(tmp_path: Path) -> None:
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext
    from sqlmodel import SQLModel

    from governance.store.db import load_tables, make_engine
    from governance.store.migrate import upgrade

    engine = make_engine(f"sqlite:///{tmp_path / 'm.db'}")
    upgrade(engine)
    load_tables()
    with engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), SQLModel.metadata)
    engine.dispose()
    assert [d for d in diff if "fairness_evaluation" in repr(d)] == []
