"""A stage result names the file it read by a logical name, never by where it lay on the validator's disk:
the path relative to the working directory when the file is under it, else the file name. The digest of
the bytes is what identifies the data, and it is stored beside it."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy.engine import Engine

from governance.digest import file_sha256
from governance.evidence.drift import drift_from_files
from governance.evidence.performance import performance_from_file
from governance.evidence.stage import logical_name
from governance.evidence.stage_store import list_stage_evidence, store_stage_result
from governance.identity import cli_submitter
from governance.store.db import session_scope
from tests.test_stage_store import store  # noqa: F401  (fixture)

CSV = "y,score\n" + "".join(f"{i % 2},{(i % 2) * 0.5 + (i % 7) / 20}\n" for i in range(40))


@pytest.fixture
def work(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The working directory: tmp/work (tmp/outside is not under it)."""
    folder = tmp_path / "work"
    folder.mkdir()
    monkeypatch.chdir(folder)
    return folder


def _file(path: Path, text: str = CSV) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


def test_logical_name(work: Path, tmp_path: Path) -> None:
    assert logical_name(work / "data" / "holdout.csv") == "data/holdout.csv"
    assert logical_name("data/holdout.csv") == "data/holdout.csv"
    assert logical_name("./data/../holdout.csv") == "holdout.csv"
    assert logical_name(tmp_path / "outside" / "deep" / "holdout.csv") == "holdout.csv"
    assert logical_name("../outside/holdout.csv") == "holdout.csv"
    assert logical_name("/holdout.csv") == "holdout.csv"


def test_a_file_outside_the_working_directory_is_stored_by_its_name_only(
    store: Engine,  # noqa: F811
    work: Path,
    tmp_path: Path,
) -> None:
    data = _file(tmp_path / "outside" / "lineage" / "examples" / "holdout.csv")
    result = performance_from_file(str(data), label="y", score="score", prediction=None, resamples=0)
    assert result.data_source == "holdout.csv"
    assert result.data_digest == file_sha256(data) and result.digest_scope == "file"
    with session_scope(store) as s:
        store_stage_result(s, "credit", "1", result, submitted_by=cli_submitter("val"))
    with session_scope(store) as s:
        (stored,) = list_stage_evidence(s, "credit", "1")
    assert stored.result.data_source == "holdout.csv"
    assert stored.result.data_digest == file_sha256(data)
    assert str(tmp_path) not in json.dumps(stored.to_dict())


def test_a_file_under_the_working_directory_is_stored_by_its_relative_path(
    store: Engine,  # noqa: F811
    work: Path,
    tmp_path: Path,
) -> None:
    data = _file(work / "eval" / "holdout.csv")
    result = performance_from_file(str(data), label="y", score="score", prediction=None, resamples=0)
    assert result.data_source == "eval/holdout.csv"
    with session_scope(store) as s:
        store_stage_result(s, "credit", "1", result, submitted_by=cli_submitter("val"))
    with session_scope(store) as s:
        (stored,) = list_stage_evidence(s, "credit", "1")
    assert stored.result.data_source == "eval/holdout.csv"
    assert str(tmp_path) not in json.dumps(stored.to_dict())


def test_drift_names_both_files_logically(work: Path, tmp_path: Path) -> None:
    text = "x\n" + "".join(f"{i % 13}\n" for i in range(60))
    reference = _file(work / "ref" / "reference.csv", text)
    current = _file(tmp_path / "outside" / "current.csv", text)
    result = drift_from_files(str(reference), str(current))
    assert result.data_source == "reference=ref/reference.csv current=current.csv"
