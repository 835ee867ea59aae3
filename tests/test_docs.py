"""Docs are tested: the CLI reference is current, and every command is in it."""

from __future__ import annotations

import importlib.util

from tests.helpers import REPO


def _generator():  # type: ignore[no-untyped-def]
    spec = importlib.util.spec_from_file_location("gen_cli_docs", REPO / "scripts" / "gen_cli_docs.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_cli_reference_is_current() -> None:
    expected = _generator().render()
    actual = (REPO / "docs" / "cli.md").read_text()
    assert actual == expected, "docs/cli.md is stale: run `python scripts/gen_cli_docs.py`"


def test_readme_mentions_every_command_group() -> None:
    import governance.cli.main as main

    main._build()
    readme = (REPO / "README.md").read_text()
    names = [g.name for g in main.app.registered_groups] + [
        c.name or c.callback.__name__ for c in main.app.registered_commands
    ]
    missing = [n for n in names if f"gov {n}" not in readme]
    assert missing == [], f"README does not mention: {missing}"
