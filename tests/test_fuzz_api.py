"""Hostile input at the HTTP edge: fuzzed query parameters, path segments, bodies and headers on every
route never produce a 500 or a traceback, refused requests write nothing, SQL injection is inert, and
report downloads cannot leave the reports folder."""

from __future__ import annotations

import json
import os
import re
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import inspect, text
from sqlalchemy.engine import Engine

from governance.api.security import api_routes
from governance.auth.roles import Role
from tests.helpers import EXAMPLES
from tests.service_helpers import assert_error_shape, bearer, register_version

pytest_plugins = ["tests.conftest_service"]

FUZZ = settings(
    max_examples=int(os.environ.get("GOV_FUZZ_EXAMPLES", "150")),
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
PARAMS = [
    "nodeId",
    "depth",
    "asOf",
    "from",
    "to",
    "dataset",
    "field",
    "direction",
    "model",
    "version",
    "since",
    "until",
    "offset",
    "limit",
    "context",
    "all",
]
SQLI = [
    "' OR '1'='1",
    "'; DROP TABLE raw_event; --",
    '" OR ""="',
    "1; DELETE FROM ledger_entry",
    "dataset:lake:out_0' OR 1=1 --",
    "x') UNION SELECT secret_sha256 FROM api_token --",
    "%' OR 1=1 --",
    "1) OR (1=1",
    "\\'; SELECT pg_sleep(5); --",
    "*",
    "%",
    "_",
]
HOSTILE = [
    "",
    " ",
    "\x00",
    "a\x00b",
    "%00",
    "\u202e",
    "😀",
    "x" * 5000,
    "-1",
    "1001",
    "99999999999999999999",
    "1e309",
    "NaN",
    "true",
    "2026-13-45",
    "0000-00-00",
    "9999-12-31T23:59:59+14:00",
    "../../etc/passwd",
    "dataset:",
    "dataset::",
    "job:a:b",
    "dataset:lake:out_0",
    "upstream",
    *SQLI,
]
values = st.one_of(
    st.sampled_from(HOSTILE),
    st.text(max_size=60),
    st.integers(min_value=-(2**70), max_value=2**70).map(str),
    st.binary(max_size=12).map(lambda b: b.decode("latin-1")),
)


def _q(value: str) -> str:
    """Percent-encode anything, including bytes that are not UTF-8 (lone surrogates pass through)."""
    return quote(value.encode("utf-8", "surrogatepass"), safe="")


@pytest.fixture
def seeded(api: Any, tokens: dict[Role, str], engine: Engine) -> Any:
    """A store with lineage, a registered version and a blocked decision, so queries reach real rows."""
    events = (EXAMPLES / "credit_platform.jsonl").read_text().splitlines()[:20]
    for line in events:
        assert api.post("/api/v1/lineage", content=line, headers=bearer(tokens[Role.INGEST])).status_code in (200, 201)
    register_version(api, tokens[Role.ADMIN])
    check = api.post(
        "/api/v1/checks",
        json={"model": "credit", "version": "1", "target": "production"},
        headers=bearer(tokens[Role.CHECKER]),
    )
    assert check.status_code == 201 and check.json()["verdict"] == "blocked"
    return api


def _counts(engine: Engine) -> dict[str, int]:
    """Rows in every table: what 'nothing was written' means."""
    with engine.connect() as conn:
        return {
            t: int(conn.execute(text(f'SELECT count(*) FROM "{t}"')).scalar_one())
            for t in sorted(inspect(conn).get_table_names())
            if t != "alembic_version"
        }


def _get_routes(app: Any) -> list[str]:
    return sorted(path for path, methods, _ in api_routes(app) if "GET" in methods and path.startswith("/api/"))


@FUZZ
@given(data=st.data())
def test_query_parameters_and_path_segments_never_500(seeded: Any, tokens: dict[Role, str], data: Any) -> None:
    path = data.draw(st.sampled_from(_get_routes(seeded.app)))
    path = re.sub(r"\{\w+\}", lambda _: _q(data.draw(values)), path)
    keys = data.draw(st.lists(st.sampled_from(PARAMS) | st.text(max_size=8), max_size=5))
    query = "&".join(f"{_q(k)}={_q(data.draw(values))}" for k in keys)
    response = seeded.get(f"{path}?{query}", headers=bearer(tokens[Role.ADMIN]))
    assert response.status_code < 500, (path, query, response.text)
    if response.status_code >= 400:
        assert_error_shape(response, response.status_code)


def test_sql_injection_is_inert(seeded: Any, tokens: dict[Role, str], engine: Engine) -> None:
    auditor = bearer(tokens[Role.AUDITOR])
    before = _counts(engine)
    assert before["ledger_entry"] == 1 and before["raw_event"] > 0
    for payload in SQLI:
        for url, params in [
            ("/api/v1/lineage", {"nodeId": payload}),
            ("/api/v1/lineage/upstream", {"nodeId": payload}),
            ("/api/v1/lineage/downstream", {"nodeId": f"dataset:{payload}:x", "asOf": payload}),
            ("/api/v1/lineage-path", {"from": payload, "to": payload}),
            ("/api/v1/column-lineage", {"dataset": payload, "field": payload}),
            ("/api/v1/datasets/models", {"nodeId": payload}),
            ("/api/v1/approvals", {"model": payload, "version": "1"}),
        ]:
            response = seeded.get(url, params=params, headers=auditor)
            assert response.status_code in (200, 400, 404), (url, payload, response.text)
        # Filters match literally: a payload matches nothing, it does not widen the query.
        assert seeded.get("/api/v1/ledger", params={"model": payload}, headers=auditor).json()["total"] == 0
        assert seeded.get("/api/v1/decisions", params={"model": payload}, headers=auditor).json() == []
        assert seeded.get(f"/api/v1/models/{_q(payload)}", headers=auditor).status_code in (404, 400)
    assert _counts(engine) == before
    assert seeded.get("/api/v1/ledger/verify", headers=auditor).json()["ok"] is True


def _post_routes(app: Any) -> list[str]:
    return sorted(path for path, methods, _ in api_routes(app) if "POST" in methods)


json_bodies = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**70), max_value=2**70)
    | st.floats(allow_nan=False)
    | st.sampled_from(HOSTILE)
    | st.text(max_size=20),
    lambda children: (
        st.lists(children, max_size=3)
        | st.dictionaries(
            st.sampled_from(
                [
                    "model",
                    "version",
                    "target",
                    "role",
                    "name",
                    "owner",
                    "policy_id",
                    "reason",
                    "ticket",
                    "expires_at",
                    "artifact_digest",
                    "artifact_uri",
                    "eventType",
                    "eventTime",
                    "run",
                    "job",
                    "producer",
                    "ci",
                    "comment",
                    "tags",
                ]
            )
            | st.text(max_size=6),
            children,
            max_size=6,
        )
    ),
    max_leaves=15,
)


@FUZZ
@given(data=st.data())
def test_fuzzed_bodies_never_500_and_refusals_write_nothing(
    seeded: Any, tokens: dict[Role, str], engine: Engine, data: Any
) -> None:
    path = re.sub(r"\{\w+\}", lambda _: _q(data.draw(values)), data.draw(st.sampled_from(_post_routes(seeded.app))))
    body = data.draw(json_bodies)
    if data.draw(st.booleans()) and path == "/api/v1/lineage":
        body = data.draw(
            st.builds(
                lambda e, k, v: {**e, k: v},
                st.sampled_from(
                    [json.loads(x) for x in (EXAMPLES / "credit_platform.jsonl").read_text().splitlines()[:5]]
                ),
                st.sampled_from(["eventTime", "run", "job", "inputs", "producer", "schemaURL"]),
                json_bodies,
            )
        )
    content = json.dumps(body, ensure_ascii=data.draw(st.booleans())).encode("utf-8", "surrogatepass")
    before = _counts(engine)
    response = seeded.post(
        path, content=content, headers={**bearer(tokens[Role.ADMIN]), "Content-Type": "application/json"}
    )
    assert response.status_code < 500, (path, content[:200], response.text)
    if response.status_code >= 400:
        assert_error_shape(response, response.status_code)
        after = _counts(engine)
        # A refused event is kept in rejected_event (with its reason); nothing else changes.
        assert {k: v for k, v in after.items() if k != "rejected_event"} == {
            k: v for k, v in before.items() if k != "rejected_event"
        }


def test_hostile_strings_in_events_are_refused_whole(seeded: Any, tokens: dict[Role, str], engine: Engine) -> None:
    event = json.loads((EXAMPLES / "credit_platform.jsonl").read_text().splitlines()[0])
    before = _counts(engine)
    body = json.dumps({**event, "job": {**event["job"], "name": "lone \ud800 surrogate"}}).encode()
    assert_error_shape(seeded.post("/api/v1/lineage", content=body, headers=bearer(tokens[Role.INGEST])), 400)
    after = _counts(engine)
    # Refused by the parser with a JSON path, so it is recorded in rejected_event; nothing else changes.
    assert after["rejected_event"] == before["rejected_event"] + 1
    assert {k: v for k, v in after.items() if k != "rejected_event"} == {
        k: v for k, v in before.items() if k != "rejected_event"
    }


@FUZZ
@given(
    name=st.one_of(
        st.sampled_from(
            [
                "..",
                "...",
                "../secret.txt",
                "..%2Fsecret.txt",
                "%2e%2e%2fsecret.txt",
                "..\\secret.txt",
                "/etc/passwd",
                "%2Fetc%2Fpasswd",
                "....//secret.txt",
                "..;/secret.txt",
                "secret.txt%00.pdf",
                "reports/../secret.txt",
                "~/secret.txt",
                "C:\\Windows\\win.ini",
                "\\\\server\\share",
                "link.pdf",
                ".hidden.pdf",
                " audit.pdf",
            ]
        ),
        st.text(max_size=30),
    )
)
def test_report_names_cannot_escape_the_folder(
    api: Any, tokens: dict[Role, str], reports_dir: Path, tmp_path: Path, name: str
) -> None:
    (reports_dir / "audit.pdf").write_bytes(b"%PDF inside")
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP SECRET outside the folder")
    if not (reports_dir / "link.pdf").is_symlink():
        (reports_dir / "link.pdf").symlink_to(secret)
    for url in (f"/api/v1/reports/{_q(name)}", f"/api/v1/reports/{name}"):
        try:
            response = api.get(url, headers=bearer(tokens[Role.AUDITOR]))
        except Exception:  # noqa: BLE001 - the client refused to build this URL: nothing was sent
            continue
        assert b"TOP SECRET" not in response.content
        assert response.status_code < 500
        if response.status_code == 200:  # the file itself, or (empty name) the folder's listing
            assert response.content == b"%PDF inside" or isinstance(response.json(), list)
        else:
            assert_error_shape(response, response.status_code)


@FUZZ
@given(
    authorization=st.text(max_size=80),
    content_length=st.sampled_from(["", "-1", "abc", "1e3", " 5", "0x10", "99999999999999999999999"]),
    encoding=st.sampled_from(["", "gzip", "deflate", "br", "gzip, gzip", "identity", "x" * 200]),
)
def test_fuzzed_headers_never_500(
    api: Any, tokens: dict[Role, str], authorization: str, content_length: str, encoding: str
) -> None:
    try:
        unauthenticated = api.get("/api/v1/whoami", headers={"Authorization": authorization})
    except Exception:  # noqa: BLE001 - not a valid header value for the client: nothing was sent
        unauthenticated = None
    if unauthenticated is not None:
        assert_error_shape(unauthenticated, 401)
    headers = {**bearer(tokens[Role.INGEST]), "Content-Encoding": encoding}
    if content_length:
        headers["Content-Length"] = content_length
    try:
        response = api.post("/api/v1/lineage", content=b"{}", headers=headers)
    except Exception:  # noqa: BLE001 - the client refused the header
        return
    assert response.status_code < 500 and response.status_code >= 400
    assert_error_shape(response, response.status_code)
