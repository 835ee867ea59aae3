"""The governance routes end to end: registry writes, checks, decisions, replay, ledger, approvals,
waivers and reports, each acting as the identity of the calling token."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import text
from sqlalchemy.engine import Engine

from governance.auth.roles import Role
from tests.service_helpers import DIGEST, assert_error_shape, bearer, make_token, register_version

pytest_plugins = ["tests.conftest_service"]


def test_check_blocks_then_passes_after_an_independent_approval(
    api: Any, tokens: dict[Role, str], engine: Engine
) -> None:
    version = register_version(api, tokens[Role.ADMIN])
    assert version["created_by"] == "admin-user"
    checker, auditor = bearer(tokens[Role.CHECKER]), bearer(tokens[Role.AUDITOR])

    r = api.post(
        "/api/v1/checks",
        headers=checker,
        json={
            "model": "credit",
            "version": "1",
            "target": "production",
            "ci": {"GITHUB_RUN_ID": "42", "SOME_SECRET": "not recorded"},
        },
    )
    assert r.status_code == 201, r.text
    blocked = r.json()
    assert (blocked["verdict"], blocked["exit_code"], blocked["ledger"]) == ("blocked", 1, "appended")
    assert blocked["blocking_policies"] == ["approval.model-risk"]
    assert blocked["requested_by"] == "checker-user" and blocked["ci"] == {"GITHUB_RUN_ID": "42"}
    assert blocked["policy_bundle"]["source"]  # how the server chose its policies, recorded with the decision
    assert r.headers["location"] == f"/api/v1/decisions/{blocked['decision_id']}"

    stored = api.get(f"/api/v1/decisions/{blocked['decision_id']}", headers=auditor).json()
    assert {k: stored[k] for k in ("decision_id", "exit_code", "outcomes", "policy_bundle", "ci")} == {
        k: blocked[k] for k in ("decision_id", "exit_code", "outcomes", "policy_bundle", "ci")
    }
    with_context = api.get(
        f"/api/v1/decisions/{blocked['decision_id'][:8]}", params={"context": "true"}, headers=auditor
    ).json()
    assert with_context["context"]["version"]["artifact_digest"] == DIGEST
    replay = api.post(f"/api/v1/decisions/{blocked['decision_id']}/replay", headers=auditor).json()
    assert replay["reproduced"] is True and replay["replayed_exit_code"] == 1

    ledger = api.get("/api/v1/ledger", headers=auditor).json()
    assert ledger["total"] == 1 and ledger["entries"][0]["decision_id"] == blocked["decision_id"]
    assert ledger["entries"][0]["requested_by"] == "checker-user"
    assert api.get("/api/v1/ledger/verify", headers=auditor).json()["ok"] is True

    approver = bearer(tokens[Role.APPROVER])
    r = api.post(
        "/api/v1/approvals",
        headers=approver,
        json={"model": "credit", "version": "1", "role": "model-risk-officer", "artifact_digest": DIGEST},
    )
    assert r.status_code == 201, r.text
    assert r.json()["approver"] == "approver-user" and r.json()["artifact_digest"] == DIGEST

    passed = api.post(
        "/api/v1/checks", headers=checker, json={"model": "credit", "version": "1", "target": "production"}
    ).json()
    assert (passed["verdict"], passed["exit_code"], passed["ledger"]) == ("deployable", 0, "not_blocked")
    listed = api.get("/api/v1/decisions", params={"model": "credit"}, headers=auditor).json()
    assert [d["id"] for d in listed] == [passed["decision_id"], blocked["decision_id"]]
    assert api.get("/api/v1/ledger", headers=auditor).json()["total"] == 1
    with engine.connect() as conn:
        assert conn.execute(text("SELECT approver FROM policy_approval")).scalars().all() == ["approver-user"]


def test_approvals_are_bound_to_the_token_identity(api: Any, tokens: dict[Role, str], engine: Engine) -> None:
    register_version(api, tokens[Role.ADMIN])  # created by admin-user
    body = {"model": "credit", "version": "1", "role": "model-risk-officer"}
    # The creator holding an approver token still cannot approve: the identity is the token's name.
    creator_as_approver = make_token(engine, Role.APPROVER, "admin-user")
    error = assert_error_shape(api.post("/api/v1/approvals", json=body, headers=bearer(creator_as_approver)), 403)
    assert error["message"] == "credit 1: admin-user created the version, so may not approve it or waive its policies"
    # Nobody can name someone else as the approver: there is no such field.
    for field in ("approver", "as", "as_user"):
        r = api.post("/api/v1/approvals", json={**body, field: "someone-else"}, headers=bearer(tokens[Role.APPROVER]))
        assert_error_shape(r, 400)
    # A stale review is refused.
    stale = {**body, "artifact_digest": "sha256:" + "cd" * 32}
    assert_error_shape(api.post("/api/v1/approvals", json=stale, headers=bearer(tokens[Role.APPROVER])), 409)
    with engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM policy_approval")).scalar() == 0
    r = api.post("/api/v1/approvals", json=body, headers=bearer(tokens[Role.APPROVER]))
    assert r.status_code == 201 and r.json()["approver"] == "approver-user"
    listed = api.get(
        "/api/v1/approvals", params={"model": "credit", "version": "1"}, headers=bearer(tokens[Role.CHECKER])
    ).json()
    assert [(a["approver"], a["role"]) for a in listed] == [("approver-user", "model-risk-officer")]


def test_registry_writes_record_the_caller_as_creator(api: Any, tokens: dict[Role, str]) -> None:
    admin = bearer(tokens[Role.ADMIN])
    version = register_version(api, tokens[Role.ADMIN], version="7")
    assert version["created_by"] == "admin-user" and version["artifact_digest"] == DIGEST
    # A created_by in the body is refused rather than silently ignored.
    r = api.post(
        "/api/v1/models/credit/versions",
        headers=admin,
        json={"version": "8", "artifact_uri": "s3://m/8", "artifact_digest": DIGEST, "created_by": "mallory"},
    )
    assert_error_shape(r, 400)
    same = api.post(
        "/api/v1/models/credit/versions",
        headers=admin,
        json={"version": "7", "artifact_uri": "s3://models/credit/7", "artifact_digest": DIGEST},
    )
    assert same.status_code == 201
    other = api.post(
        "/api/v1/models/credit/versions",
        headers=admin,
        json={"version": "7", "artifact_uri": "s3://x", "artifact_digest": "sha256:" + "00" * 32},
    )
    assert_error_shape(other, 409)
    got = api.get("/api/v1/models/credit/versions/7", headers=bearer(tokens[Role.AUDITOR])).json()
    assert got["version"]["created_by"] == "admin-user"


def test_model_names_with_slashes_are_addressable(api: Any, tokens: dict[Role, str]) -> None:
    admin, auditor = bearer(tokens[Role.ADMIN]), bearer(tokens[Role.AUDITOR])
    name = "team-risk/credit/pd"
    assert api.post("/api/v1/models", headers=admin, json={"name": name, "owner": "team:risk"}).status_code == 201
    made = api.post(
        f"/api/v1/models/{name}/versions",
        headers=admin,
        json={"version": "3", "artifact_uri": "s3://m/3", "artifact_digest": DIGEST},
    )
    assert made.status_code == 201, made.text
    assert api.get(f"/api/v1/models/{name}", headers=auditor).json()["name"] == name
    got = api.get(f"/api/v1/models/{name}/versions/3", headers=auditor).json()
    assert got["version"]["version"] == "3"
    no_run = api.get(f"/api/v1/models/{name}/versions/3/training-data", headers=auditor)
    assert_error_shape(no_run, 404)
    assert no_run.json()["error"]["message"] == f"{name} 3 has no training run recorded"
    assert_error_shape(api.get("/api/v1/models/team-risk/credit", headers=auditor), 404)


def test_waivers_record_the_caller_and_revoke_once(api: Any, tokens: dict[Role, str]) -> None:
    approver, auditor = bearer(tokens[Role.APPROVER]), bearer(tokens[Role.AUDITOR])
    body = {
        "policy_id": "approval.model-risk",
        "reason": "emergency fix",
        "ticket": "RISK-1",
        "expires_at": (datetime.now(UTC) + timedelta(days=30)).isoformat(),
        "model_glob": "credit",
        "version": "1",
    }
    # At most the policy's max_waiver_days (default 90) ahead.
    assert_error_shape(
        api.post("/api/v1/waivers", json={**body, "expires_at": "2099-01-01T00:00:00Z"}, headers=approver), 400
    )
    assert_error_shape(api.post("/api/v1/waivers", json={**body, "policy_id": "no.such"}, headers=approver), 404)
    assert_error_shape(
        api.post("/api/v1/waivers", json={**body, "expires_at": "2001-01-01T00:00:00Z"}, headers=approver), 400
    )
    assert_error_shape(
        api.post("/api/v1/waivers", json={**body, "expires_at": "2099-01-01T00:00:00"}, headers=approver), 400
    )
    r = api.post("/api/v1/waivers", json=body, headers=approver)
    assert r.status_code == 201, r.text
    waiver = r.json()
    # approval.model-risk is critical: the waiver is in force once a second person co-signs it.
    assert (waiver["approver"], waiver["status"]) == ("approver-user", "awaiting_second_person")
    assert_error_shape(api.post(f"/api/v1/waivers/{waiver['id']}/cosign", headers=approver), 403)
    cosigned = api.post(f"/api/v1/waivers/{waiver['id']}/cosign", headers=bearer(tokens[Role.ADMIN])).json()
    assert (cosigned["cosigned_by"], cosigned["status"]) == ("admin-user", "active")
    assert [w["id"] for w in api.get("/api/v1/waivers", headers=auditor).json()] == [waiver["id"]]
    revoked = api.post(f"/api/v1/waivers/{waiver['id']}/revoke", headers=approver).json()
    assert (revoked["status"], revoked["revoked_by"]) == ("revoked", "approver-user")
    assert_error_shape(api.post(f"/api/v1/waivers/{waiver['id']}/revoke", headers=approver), 409)
    assert api.get("/api/v1/waivers", headers=auditor).json() == []
    assert len(api.get("/api/v1/waivers", params={"all": "true"}, headers=auditor).json()) == 1


def test_report_download_serves_only_plain_names_inside_the_folder(
    api: Any, tokens: dict[Role, str], reports_dir: Path, tmp_path: Path
) -> None:
    auditor = bearer(tokens[Role.AUDITOR])
    (reports_dir / "audit-2026.pdf").write_bytes(b"%PDF-1.7 signed")
    (reports_dir / "audit-2026.pdf.intoto.jsonl").write_text('{"payloadType": "x"}\n')
    (reports_dir / ".audit.pdf.tmp").write_bytes(b"half written")
    # gov demo writes its SQLite store beside the reports: an auditor token must not download it
    for store_file in ("demo.db", "demo.db-wal", "demo.db-shm", "gov.toml"):
        (reports_dir / store_file).write_bytes(b"SQLite format 3\x00 token hashes")
    secret = tmp_path / "secret.txt"
    secret.write_text("outside the reports folder")
    (reports_dir / "link.pdf").symlink_to(secret)
    listed = [r["name"] for r in api.get("/api/v1/reports", headers=auditor).json()]
    assert listed == ["audit-2026.pdf", "audit-2026.pdf.intoto.jsonl"]
    r = api.get("/api/v1/reports/audit-2026.pdf", headers=auditor)
    assert r.status_code == 200 and r.content == b"%PDF-1.7 signed"
    assert r.headers["content-type"] == "application/pdf"
    assert "attachment" in r.headers["content-disposition"]
    for name in ("link.pdf", "missing.pdf", "demo.db", "demo.db-wal", "demo.db-shm", "gov.toml"):
        assert_error_shape(api.get(f"/api/v1/reports/{name}", headers=auditor), 404)
    for name in (".audit.pdf.tmp", "..", "...", "a%5Cb.pdf", "%2e%2e", "a b.pdf", "x%00.pdf"):
        response = api.get(f"/api/v1/reports/{name}", headers=auditor)
        assert response.status_code in (400, 404), (name, response.status_code)
        assert_error_shape(response, response.status_code)
        assert b"outside" not in response.content


def test_whoami_and_stats(api: Any, tokens: dict[Role, str]) -> None:
    me = api.get("/api/v1/whoami", headers=bearer(tokens[Role.INGEST])).json()
    assert (me["name"], me["role"], me["permissions"]) == ("ingest-user", "ingest", ["lineage:write", "self:read"])
    stats = api.get("/api/v1/stats", headers=bearer(tokens[Role.AUDITOR])).json()
    assert stats["raw_events"] == 0 and stats["active_tokens"] == len(Role) and stats["ledger_head_seq"] == 0
