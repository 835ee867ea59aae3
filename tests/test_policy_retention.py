"""gov's own decisions are kept at least as long as the data_retention policies say, and not purged earlier."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.engine import Engine

from governance.errors import ConfigError, ConflictError
from governance.gate.retention import minimum_retention, purge_decisions
from governance.policy.loader import load_bundle, load_documents
from governance.store.db import session_scope
from governance.timeutil import iso, utcnow
from tests.conftest_policy import DEFAULT_POLICIES, seeded, seeded_template  # noqa: F401 - fixtures
from tests.helpers import gov


def _age_decisions(engine: Engine, days: int) -> None:
    with engine.begin() as conn:
        conn.execute(text("UPDATE policy_decision SET created_at = :t"), {"t": utcnow() - timedelta(days=days)})


def test_the_default_pack_keeps_decisions_ten_years() -> None:
    assert minimum_retention(load_bundle(DEFAULT_POLICIES)) == timedelta(days=3650)


def test_purge_is_refused_inside_the_retention_period(seeded: Engine) -> None:  # noqa: F811
    gov("check", "credit-risk", "3", "--target", "production")
    bundle = load_bundle(DEFAULT_POLICIES)
    with session_scope(seeded) as session, pytest.raises(ConflictError, match="must be kept 3650 days"):
        purge_decisions(session, before=utcnow(), bundle=bundle)
    result = gov("decision", "purge", "--before", iso(utcnow()) or "", "--yes")
    assert result.exit_code == 2 and "must be kept 3650 days" in result.stderr
    assert len(gov("decision", "list").stdout.splitlines()) == 1


def test_purge_after_the_retention_period(seeded: Engine) -> None:  # noqa: F811
    gov("check", "credit-risk", "3", "--target", "production")
    gov("check", "credit-risk", "3", "--target", "staging")
    _age_decisions(seeded, 11 * 365)
    cutoff = iso(utcnow() - timedelta(days=3651)) or ""
    assert gov("decision", "purge", "--before", cutoff).exit_code == 2  # --yes is required
    result = gov("decision", "purge", "--before", cutoff, "--yes")
    assert result.exit_code == 0 and result.stdout.startswith("purged 2 decision(s)")
    assert gov("decision", "list").stdout.strip() == "no decisions"


def test_without_a_stated_retention_nothing_may_be_purged(seeded: Engine, tmp_path: Path) -> None:  # noqa: F811
    policy = (DEFAULT_POLICIES / "lineage-provenance.yaml").read_text()
    bundle, _ = load_documents({"l.yaml": policy}, "mem")
    assert bundle is not None and minimum_retention(bundle) is None
    with session_scope(seeded) as session, pytest.raises(ConfigError, match="no decision may be purged"):
        purge_decisions(session, before=utcnow() - timedelta(days=10_000), bundle=bundle)
