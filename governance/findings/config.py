"""How long a finding may stay open, by severity: the defaults, or `[findings.due_days]` of the nearest
gov.toml upward from the working directory (docs/findings.md). Only the standard library."""

from __future__ import annotations

import tomllib
from pathlib import Path

from governance.errors import InputError

DEFAULT_DUE_DAYS: dict[str, int] = {"critical": 7, "high": 30, "medium": 90, "low": 180, "info": 365}
CONFIG_FILE = "gov.toml"


def due_days(cwd: Path | None = None) -> dict[str, int]:
    """Days from opening to the due date per severity; gov.toml `[findings.due_days]` overrides."""
    start = (Path.cwd() if cwd is None else cwd).resolve()
    for folder in (start, *start.parents):
        config = folder / CONFIG_FILE
        if config.is_file():
            return {**DEFAULT_DUE_DAYS, **_read(config)}
    return dict(DEFAULT_DUE_DAYS)


def _read(path: Path) -> dict[str, int]:
    try:
        table = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"cannot read the file: {exc}", where=str(path)) from exc
    except tomllib.TOMLDecodeError as exc:
        raise InputError(f"not valid TOML: {exc}", where=str(path)) from exc
    section = table.get("findings", {})
    days = section.get("due_days", {}) if isinstance(section, dict) else None
    if not isinstance(days, dict):
        raise InputError("[findings.due_days] must be a table of severity = days", where=str(path))
    out: dict[str, int] = {}
    for severity, value in days.items():
        if severity not in DEFAULT_DUE_DAYS:
            raise InputError(
                f"[findings.due_days] names the unknown severity {severity!r}; use {', '.join(DEFAULT_DUE_DAYS)}",
                where=str(path),
            )
        if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= 3650:
            raise InputError(
                f"[findings.due_days] {severity} must be a whole number of days, 1 to 3650", where=str(path)
            )
        out[severity] = value
    return out
