"""One reading of optional timestamps, shared by the CLI, the API, stored contexts and facets."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from governance.errors import InputError
from governance.timeutil import parse_optional_timestamp

JAN = datetime(2026, 1, 1, tzinfo=UTC)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (None, None),
        ("", None),
        ("2026-01-01", JAN),  # a date is 00:00 UTC
        ("2026-01-01T00:00:00", JAN),  # naive is UTC
        ("2026-01-01T00:00:00Z", JAN),
        ("2026-01-01T00:00:00z", JAN),
        ("2026-01-01T01:00:00+01:00", JAN),
        ("  2026-01-01T00:00:00Z  ", JAN),
        (datetime(2026, 1, 1), JAN),  # noqa: DTZ001 - a naive datetime is UTC
        (datetime(2026, 1, 1, 2, tzinfo=timezone(timedelta(hours=2))), JAN),
    ],
)
def test_optional_timestamps(value: object, expected: datetime | None) -> None:
    got = parse_optional_timestamp(value)
    assert got == expected
    assert got is None or got.tzinfo is UTC


@pytest.mark.parametrize("value", ["   ", "yesterday", "2026-13-01", "1700000000", 1700000000, 1.5, True, ["2026"]])
def test_anything_else_is_an_input_error_naming_the_field(value: object) -> None:
    with pytest.raises(InputError) as caught:
        parse_optional_timestamp(value, field="asOf")
    assert caught.value.one_line().startswith("asOf: not an ISO 8601 timestamp")


def test_every_face_reads_as_of_the_same_way() -> None:
    """The CLI's and the API's option readers, the context loaders and the gate's facet reader agree."""
    from governance.api.ledger import _when as api_when
    from governance.api.lineage import _as_of as api_as_of
    from governance.cli.ledger import _when as cli_when
    from governance.cli.lineage import _as_of as cli_as_of
    from governance.policy.context import _ts as policy_ts
    from governance.scorecard.context import _ts as scorecard_ts

    readers = [
        lambda v: api_when(v, "since"),
        api_as_of,
        lambda v: cli_when(v, "--since"),
        cli_as_of,
        policy_ts,
        scorecard_ts,
    ]
    for value, expected in [(None, None), ("", None), ("2026-01-01", JAN), ("2026-01-01T01:00:00+01:00", JAN)]:
        assert [read(value) for read in readers] == [expected] * len(readers), value
    for read in readers:
        with pytest.raises(InputError):
            read("not a time")
