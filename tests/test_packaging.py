"""A wheel works without the source tree: it carries policies/, reports/ and lineage/ inside the package
(governance/_assets), and `gov demo` runs from it in an unrelated folder."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
UV = shutil.which("uv", path=str(Path(sys.executable).parent)) or shutil.which("uv")


@pytest.mark.skipif(UV is None, reason="needs uv to build the wheel (scripts/bootstrap.sh installs it)")
def test_the_wheel_carries_the_data_folders_and_runs_the_demo(tmp_path: Path) -> None:
    assert UV is not None
    subprocess.run(
        [UV, "build", "--wheel", "--out-dir", str(tmp_path / "dist"), "-q", str(REPO)],
        check=True,
        capture_output=True,
        timeout=300,
    )
    [wheel] = (tmp_path / "dist").glob("*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    tracked = subprocess.run(
        ["git", "ls-files", "policies", "reports", "lineage"], cwd=REPO, check=True, capture_output=True, text=True
    ).stdout.split()
    if not tracked:  # not a git checkout: every file of the folders
        tracked = [
            str(p.relative_to(REPO))
            for f in ("policies", "reports", "lineage")
            for p in (REPO / f).rglob("*")
            if p.is_file() and "__pycache__" not in p.parts
        ]
    missing = [f for f in tracked if f"governance/_assets/{f}" not in names]
    assert tracked and missing == []

    site = tmp_path / "site"
    subprocess.run(
        [UV, "pip", "install", "-q", "--no-deps", "--target", str(site), str(wheel)],
        check=True,
        capture_output=True,
        timeout=300,
    )
    run = tmp_path / "elsewhere"
    run.mkdir()
    env = {**os.environ, "PYTHONPATH": str(site), "GOV_HOME": str(run / "home")}
    env.pop("GOV_DATABASE_URL", None)
    where = subprocess.run(
        [sys.executable, "-c", "import governance.assets as a; print(a.asset_path('reports'))"],
        cwd=run,
        env=env,
        check=True,
        capture_output=True,
        text=True,
    ).stdout.strip()
    assert Path(where) == site / "governance" / "_assets" / "reports"
    demo = subprocess.run(
        [sys.executable, "-m", "governance.cli.main", "demo"],
        cwd=run,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert demo.returncode == 0, demo.stderr[-2000:]
    assert "gov verify: VERIFIED" in demo.stdout and (run / "out" / "audit-report.pdf").exists()
    # `gov check` with no flags, no GOV_POLICY_DIR and no gov.toml: the pack shipped in the wheel.
    env.pop("GOV_POLICY_DIR", None)
    env["GOV_DATABASE_URL"] = f"sqlite:///{run / 'out' / 'demo.db'}"
    check = subprocess.run(
        [sys.executable, "-m", "governance.cli.main", "check", "credit-risk", "3", "-t", "production", "-f", "json"],
        cwd=run,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert check.returncode in (0, 1), check.stderr[-2000:]
    shipped = site / "governance" / "_assets" / "policies" / "default"
    assert check.stderr.startswith(f"policies: {shipped} (the default pack shipped with gov)"), check.stderr
