"""Renderers of a check report behind one interface: text, JSON, SARIF 2.1.0, JUnit XML.

Every renderer reads the same `CheckReport`, whether it comes from a fresh check or a stored decision.
"""

from __future__ import annotations

import importlib
from typing import Any, Protocol

from governance.errors import InputError
from governance.gate.report import CheckReport


class Outputter(Protocol):
    """Turns a report into the text of one format."""

    name: str
    media_type: str

    def render(self, report: CheckReport) -> str: ...


# format -> (module, class); imported on use so `gov check` loads only the renderer it prints.
FORMATS: dict[str, tuple[str, str]] = {
    "text": ("governance.gate.render.text", "TextOutputter"),
    "json": ("governance.gate.render.jsonfmt", "JsonOutputter"),
    "sarif": ("governance.gate.render.sarif", "SarifOutputter"),
    "junit": ("governance.gate.render.junit", "JunitOutputter"),
}


def outputter(fmt: str, **options: Any) -> Outputter:
    """The renderer of `fmt` (`options` go to its constructor, e.g. SARIF's `include_pass`); InputError
    naming the formats for anything else."""
    if fmt not in FORMATS:
        raise InputError(f"unknown format {fmt!r}; one of {', '.join(FORMATS)}", where="format")
    module, cls = FORMATS[fmt]
    out: Outputter = getattr(importlib.import_module(module), cls)(**options)
    return out
