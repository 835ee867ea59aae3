"""Which policy pack a command uses when none is named: the same order everywhere.

1. `--policies FOLDER`;
2. `GOV_POLICY_DIR`;
3. a `gov.toml` (top-level key `policies`) or a `pyproject.toml` with `[tool.gov] policies`, the nearest
   one found upward from the working directory; a relative folder is read from that file's folder;
4. the default pack shipped with gov (`policies/default`, see `governance.assets`).

`gov check` prints the source it used and the decision records it beside the bundle digest.
Only the standard library is imported here (`gov check` starts fast).
"""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from governance.errors import InputError

ENV_VAR = "GOV_POLICY_DIR"
CONFIG_FILE = "gov.toml"
PYPROJECT = "pyproject.toml"


@dataclass(frozen=True)
class PolicySource:
    """The policy folder and how it was chosen."""

    path: Path
    kind: str  # option | env | gov.toml | pyproject.toml | default
    origin: str = ""  # the config file that named the folder, when kind is a config file

    def describe(self) -> str:
        """One phrase for humans and for the decision record."""
        if self.kind == "option":
            return f"--policies {self.path}"
        if self.kind == "env":
            return f"{ENV_VAR}={self.path}"
        if self.kind == "gov.toml":
            return f"{self.path} (policies in {self.origin})"
        if self.kind == "pyproject.toml":
            return f"{self.path} ([tool.gov] policies in {self.origin})"
        return f"{self.path} (the default pack shipped with gov)"


def resolve_policy_source(
    option: Path | None, *, cwd: Path | None = None, environ: dict[str, str] | None = None
) -> PolicySource:
    """The policy folder for `option` (None when the flag is absent), by the order in the module doc."""
    if option is not None:
        return PolicySource(option, "option")
    env = os.environ if environ is None else environ
    value = env.get(ENV_VAR, "").strip()
    if value:
        return PolicySource(Path(value), "env")
    found = _from_config(Path.cwd() if cwd is None else cwd)
    if found is not None:
        return found
    from governance.assets import asset_path

    return PolicySource(asset_path("policies", "default"), "default")


def _from_config(start: Path) -> PolicySource | None:
    for folder in (start.resolve(), *start.resolve().parents):
        config = folder / CONFIG_FILE
        if config.is_file():
            table = _read(config)
            if "policies" in table:
                return _source(config, table, "gov.toml", where="policies")
        pyproject = folder / PYPROJECT
        if pyproject.is_file():
            tool = _read(pyproject).get("tool")
            section = tool.get("gov") if isinstance(tool, dict) else None
            if isinstance(section, dict) and "policies" in section:
                return _source(pyproject, section, "pyproject.toml", where="[tool.gov] policies")
    return None


def _read(path: Path) -> dict[str, Any]:
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"cannot read the file: {exc}", where=str(path)) from exc
    except tomllib.TOMLDecodeError as exc:
        raise InputError(f"not valid TOML: {exc}", where=str(path)) from exc


def _source(config: Path, table: dict[str, Any], kind: str, *, where: str) -> PolicySource:
    value = table.get("policies")
    if not isinstance(value, str) or not value.strip():
        raise InputError(f"{where} must be a non-empty folder path (a string)", where=str(config))
    folder = Path(value).expanduser()
    return PolicySource(folder if folder.is_absolute() else config.parent / folder, kind, str(config))
