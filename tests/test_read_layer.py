"""The read layer: faces (API, CLI, the report builder) call named queries; no SQL is written in them."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent / "governance"
FACES = [*sorted((ROOT / "api").glob("*.py")), *sorted((ROOT / "cli").glob("*.py")), ROOT / "reports" / "build.py"]
SQL = re.compile(
    r"\bselect\(|session\.exec\b|\.exec\(|\.execute\(|\.query\(|\btext\(\s*[\"']\s*(SELECT|INSERT|UPDATE|DELETE)"
)


def sql_lines(text: str) -> list[str]:
    return [f"{n}: {line.strip()}" for n, line in enumerate(text.splitlines(), 1) if SQL.search(line)]


def test_the_faces_exist() -> None:
    assert len(FACES) > 20 and all(f.is_file() for f in FACES)


@pytest.mark.parametrize("face", FACES, ids=lambda p: str(p.relative_to(ROOT)))
def test_no_sql_in_a_face(face: Path) -> None:
    assert sql_lines(face.read_text(encoding="utf-8")) == [], f"SQL in {face}: move it into a query module"


@pytest.mark.parametrize(
    "line",
    [
        "rows = s.exec(select(Approval)).all()",
        "session.execute(stmt)",
        "conn.execute(text('SELECT 1'))",
        "with session.exec(q) as r:",
    ],
)
def test_the_check_finds_sql(line: str) -> None:
    assert sql_lines(line)
