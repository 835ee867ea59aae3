"""The package's import contracts (pyproject.toml [tool.importlinter]) hold, and would catch a breach;
the CLI's entry module stays light so `gov --help` stays fast."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
LINT_IMPORTS = shutil.which("lint-imports", path=str(Path(sys.executable).parent))
needs_linter = pytest.mark.skipif(LINT_IMPORTS is None, reason="needs import-linter (the [dev] extra)")


def _lint_imports(root: Path, pythonpath: Path) -> subprocess.CompletedProcess[str]:
    assert LINT_IMPORTS is not None
    env = {**os.environ, "PYTHONPATH": str(pythonpath)}
    return subprocess.run(
        [LINT_IMPORTS, "--config", str(root / "pyproject.toml"), "--no-cache"],
        cwd=root,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


@needs_linter
def test_the_import_contracts_hold() -> None:
    proc = _lint_imports(REPO, REPO)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-2000:]
    assert "0 broken" in proc.stdout


@pytest.mark.parametrize(
    ("module", "statement", "broken"),
    [
        # a lower layer reaching up, even lazily inside a function
        ("store/__init__.py", "def _f() -> None:\n    import governance.gate.service\n", "governance.store is not"),
        # the policy language querying the database itself
        ("policy/__init__.py", "import sqlmodel\n", "write no SQL"),
        # the CLI reaching into the API other than through api.server
        ("cli/__init__.py", "import governance.api.app\n", "governance.cli is not allowed to import governance.api"),
    ],
)
@needs_linter
def test_a_breach_of_the_contracts_is_reported(tmp_path: Path, module: str, statement: str, broken: str) -> None:
    shutil.copytree(REPO / "governance", tmp_path / "governance", ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(REPO / "pyproject.toml", tmp_path / "pyproject.toml")
    target = tmp_path / "governance" / module
    target.write_text(target.read_text() + "\n" + statement)
    proc = _lint_imports(tmp_path, tmp_path)
    assert proc.returncode == 1, proc.stdout[-3000:] + proc.stderr[-2000:]
    assert broken in proc.stdout.replace("\n", " "), proc.stdout[-3000:]


def test_the_cli_entry_module_imports_nothing_heavy() -> None:
    script = (
        "import sys, governance.cli.main\n"
        "heavy = {'sqlmodel', 'sqlalchemy', 'pandas', 'numpy', 'pyarrow', 'weasyprint', 'fastapi', 'pydantic',"
        " 'jsonschema', 'cryptography', 'pyhanko'}\n"
        "print(sorted({n.split('.')[0] for n in sys.modules} & heavy))\n"
    )
    proc = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, cwd=REPO, timeout=60)
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert proc.stdout.strip() == "[]"


def test_every_module_of_the_package_has_a_layer() -> None:
    import pkgutil
    import tomllib

    import governance

    config = tomllib.loads((REPO / "pyproject.toml").read_text())["tool"]["importlinter"]
    (layers,) = [c for c in config["contracts"] if c["id"] == "layers"]
    placed = {name.strip() for layer in layers["layers"] for name in layer.replace(":", "|").split("|")}
    modules = {m.name for m in pkgutil.iter_modules(governance.__path__) if not m.name.startswith("_")}
    assert modules - placed == set(), "add these to the layers contract in pyproject.toml"
    assert placed - modules == set(), "the layers contract names modules that do not exist"
