"""Model cards (#15): a YAML or JSON card checked against model_card.schema.json, attached to a registered
model append-only; a bad card is one line naming the file and the field (exit 2 / HTTP 400) and nothing is
stored; `gov registry describe` and the audit report name missing sections as missing; only the
registry-write permission may attach one."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.engine import Engine

from governance.auth.roles import Role
from tests.helpers import gov
from tests.service_helpers import assert_error_shape, bearer, register_version

pytest_plugins = ["tests.conftest_service"]

REPO = Path(__file__).resolve().parents[1]
FULL = """\
purpose: Estimates the probability of default of consumer-loan applicants.
intended_use:
  - Scoring consumer-loan applications.
users: Retail credit officers
out_of_scope_uses: [Mortgages]
limitations:
  - Thin-file applicants are under-represented.
assumptions: Bureau data is at most 30 days old.
risk_tier: high
risk_tier_rationale: Credit decisions about natural persons.
owner: team:credit
contact: credit@bank.example
references: [MRM-2024-017]
"""


@pytest.fixture
def registered(sqlite_engine: Engine) -> Engine:
    result = gov("registry", "register", "credit-risk", "--owner", "team:credit", "--risk-tier", "high")
    assert result.exit_code == 0, result.output
    return sqlite_engine


def _describe_json(model: str = "credit-risk") -> dict[str, Any]:
    result = gov("registry", "describe", model, "--format", "json")
    assert result.exit_code == 0, result.output
    return dict(json.loads(result.stdout))


def test_a_full_card_is_attached_and_described(registered: Engine, tmp_path: Path) -> None:
    card = tmp_path / "card.yaml"
    card.write_text(FULL)
    result = gov("registry", "describe", "credit-risk", "--card", str(card))
    assert result.exit_code == 0, result.output
    assert "attached the model card card.yaml to credit-risk: sha256:" in result.stdout
    shown = gov("registry", "describe", "credit-risk")
    assert shown.exit_code == 0 and "MISSING" not in shown.stdout
    assert "Purpose: Estimates the probability" in shown.stdout and "Limitations: Thin-file applicants" in shown.stdout
    data = _describe_json()
    assert data["missing"] == [] and data["card"]["risk_tier"] == "high" and data["attached_by"]
    assert data["source_name"] == "card.yaml" and str(tmp_path) not in json.dumps(data)  # no local path stored


def test_describe_names_missing_sections_as_missing(registered: Engine, tmp_path: Path) -> None:
    none_yet = gov("registry", "describe", "credit-risk")
    assert none_yet.exit_code == 0
    assert "no model card attached to credit-risk" in none_yet.stdout and none_yet.stdout.count(": MISSING") == 11
    card = tmp_path / "card.json"
    card.write_text(json.dumps({"purpose": "Scores loans", "limitations": ["Thin files"]}))
    attached = gov("registry", "describe", "credit-risk", "--card", str(card))
    assert attached.exit_code == 0, attached.output
    assert "missing sections (shown as missing in reports): Intended use, Users" in attached.stdout
    shown = gov("registry", "describe", "credit-risk").stdout
    assert "Intended use: MISSING" in shown and "Risk-tier rationale: MISSING" in shown
    assert "Purpose: Scores loans" in shown and "Limitations: MISSING" not in shown
    assert _describe_json()["missing"] == [
        "intended_use",
        "users",
        "out_of_scope_uses",
        "assumptions",
        "risk_tier",
        "risk_tier_rationale",
        "owner",
        "contact",
        "references",
    ]


@pytest.mark.parametrize(
    ("name", "text", "expected"),
    [
        ("bad.yaml", "purpose: ok\nlimitations:\n  - fine\n  - 3\n", "bad.yaml:2: limitations: must be"),
        ("bad.yaml", "purpose: ok\nlimitation: typo\n", "bad.yaml:2: limitation: unknown section"),
        ("bad.yaml", "purpose: ok\nrisk_tier: huge\n", "bad.yaml:2: risk_tier: must be one of low, medium"),
        ("bad.yaml", "purpose: ''\n", "bad.yaml:1: purpose: must be a non-empty text"),
        ("bad.yaml", "purpose: [unclosed\n", "bad.yaml:2: not valid YAML"),
        ("bad.yaml", "- a list\n", "bad.yaml: a model card must be a mapping"),
        ("bad.yaml", "{}\n", "bad.yaml: the card is empty"),
        ("bad.json", '{"purpose": "ok", "users": {"a": 1}}', "bad.json: users: must be"),
        ("bad.json", '{"purpose": NaN}', "bad.json: not valid JSON"),
    ],
)
def test_an_invalid_card_is_one_line_naming_file_and_field_and_nothing_is_stored(
    registered: Engine, tmp_path: Path, name: str, text: str, expected: str
) -> None:
    card = tmp_path / name
    card.write_text(text)
    result = gov("registry", "describe", "credit-risk", "--card", str(card))
    assert result.exit_code == 2, result.output
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in result.output, result.stderr
    assert expected in lines[0].replace(str(tmp_path) + "/", ""), lines[0]
    assert _describe_json()["attached"] is False  # nothing stored


def test_unknown_model_and_missing_file_are_exit_2(registered: Engine, tmp_path: Path) -> None:
    card = tmp_path / "card.yaml"
    card.write_text(FULL)
    unknown = gov("registry", "describe", "no-such-model", "--card", str(card))
    assert unknown.exit_code == 2 and "no registered model named 'no-such-model'" in unknown.stderr
    missing = gov("registry", "describe", "credit-risk", "--card", str(tmp_path / "nope.yaml"))
    assert missing.exit_code == 2 and "nope.yaml" in missing.stderr


def test_history_is_kept_and_the_newest_card_is_current(registered: Engine, tmp_path: Path) -> None:
    first, second = tmp_path / "v1.yaml", tmp_path / "v2.yaml"
    first.write_text("purpose: first wording\n")
    second.write_text("purpose: second wording\nusers: credit officers\n")
    assert gov("registry", "describe", "credit-risk", "--card", str(first)).exit_code == 0
    assert gov("registry", "describe", "credit-risk", "--card", str(second)).exit_code == 0
    again = gov("registry", "describe", "credit-risk", "--card", str(second))
    assert again.exit_code == 0 and "already has this model card" in again.stdout  # no duplicate row
    data = _describe_json()
    assert data["card"]["purpose"] == "second wording" and data["revisions"] == 2
    assert [h["source"] for h in data["history"]] == ["v2.yaml", "v1.yaml"]  # newest first, earlier kept
    assert data["history"][0]["digest"] == data["digest"] != data["history"][1]["digest"]
    assert gov("registry", "describe", "credit-risk", "--card", str(first)).exit_code == 0
    assert _describe_json()["card"]["purpose"] == "first wording" and _describe_json()["revisions"] == 3


def test_the_demo_cards_are_valid() -> None:
    from governance.registry.model_card import read_card_file

    folder = REPO / "lineage" / "examples" / "model_cards"
    cards = {p.stem: read_card_file(p) for p in sorted(folder.glob("*.yaml"))}
    assert set(cards) == {"credit-risk", "fraud-detector"}
    assert "assumptions" not in cards["fraud-detector"]  # left out on purpose: the report shows it missing


# ---- API ------------------------------------------------------------------------------------------
def test_api_put_needs_registry_write_and_get_shows_the_card(api: Any, tokens: dict[Role, str]) -> None:
    register_version(api, tokens[Role.ADMIN])
    card = {"purpose": "Scores loans", "limitations": ["Thin files"], "risk_tier": "high"}
    for role in (Role.AUDITOR, Role.APPROVER, Role.CHECKER, Role.INGEST):
        refused = api.put("/api/v1/models/credit/card", json=card, headers=bearer(tokens[role]))
        assert_error_shape(refused, 403)
    empty = api.get("/api/v1/models/credit/card", headers=bearer(tokens[Role.AUDITOR]))
    assert empty.status_code == 200 and empty.json()["attached"] is False and len(empty.json()["missing"]) == 11
    created = api.put("/api/v1/models/credit/card", json=card, headers=bearer(tokens[Role.ADMIN]))
    assert created.status_code == 201, created.text
    assert created.json()["attached_by"] == "admin-user" and created.json()["digest"].startswith("sha256:")
    same = api.put("/api/v1/models/credit/card", json=card, headers=bearer(tokens[Role.ADMIN]))
    assert same.status_code == 200 and len(same.json()["history"]) == 1
    shown = api.get("/api/v1/models/credit/card", headers=bearer(tokens[Role.AUDITOR])).json()
    assert shown["card"]["purpose"] == "Scores loans" and "intended_use" in shown["missing"]
    newer = api.put(
        "/api/v1/models/credit/card", json={"purpose": "Scores loans v2"}, headers=bearer(tokens[Role.ADMIN])
    )
    assert newer.status_code == 201 and [h["digest"] for h in newer.json()["history"]][1] == shown["digest"]


def test_api_bad_cards_are_400_naming_the_field_and_store_nothing(api: Any, tokens: dict[Role, str]) -> None:
    register_version(api, tokens[Role.ADMIN])
    admin = bearer(tokens[Role.ADMIN])
    for body, where in (
        (b'{"purpose": 3}', "purpose"),
        (b'{"purpose": "x", "colour": "red"}', "colour"),
        (b'{"risk_tier": "huge"}', "risk_tier"),
        (b"[1, 2]", "body"),
        (b'{"purpose": NaN}', None),
        (b'{"purpose": ' + b"[" * 500 + b"]" * 500 + b"}", None),
    ):
        r = api.put("/api/v1/models/credit/card", content=body, headers={**admin, "Content-Type": "application/json"})
        error = assert_error_shape(r, 400)
        if where:
            assert where in (error["message"] + " " + str(error["where"])), error
    assert api.get("/api/v1/models/credit/card", headers=admin).json()["attached"] is False
    unknown = api.put("/api/v1/models/nope/card", json={"purpose": "x"}, headers=admin)
    assert_error_shape(unknown, 404)


# ---- the audit report ------------------------------------------------------------------------------
def test_the_report_shows_the_card_with_missing_sections_as_missing(registered: Engine, tmp_path: Path) -> None:
    assert (
        gov(
            "registry", "register", "credit-risk", "--owner", "team:credit", "--risk-tier", "high",
            "--version", "3", "--digest", "3c" * 32, "--created-by", "alice",
        ).exit_code
        == 0
    )  # fmt: skip
    card = tmp_path / "card.yaml"
    card.write_text("purpose: Scores consumer loans\nlimitations: [Thin files]\n")
    assert gov("registry", "describe", "credit-risk", "--card", str(card)).exit_code == 0
    html = tmp_path / "audit.html"
    result = gov(
        "report", "audit", "--format", "html", "--out", str(html), "--policies", str(REPO / "policies" / "default")
    )
    assert result.exit_code == 0, result.output
    text = html.read_text()
    section = text.split("Model description", 1)[1].split("<h2>", 1)[0]
    assert "Scores consumer loans" in section and "Thin files" in section
    for title in ("Intended use", "Users", "Out-of-scope uses", "Assumptions", "Risk-tier rationale", "References"):
        row = section.split(f'<div class="k">{title}</div>', 1)[1].split('<div class="row">', 1)[0]
        assert "missing" in row, (title, row)
    as_json = gov("report", "audit", "--format", "json", "--policies", str(REPO / "policies" / "default"))
    assert as_json.exit_code == 0, as_json.output
    [version] = json.loads(as_json.stdout)["versions"]
    assert version["model_card"]["attached"] is True and "intended_use" in version["model_card"]["missing"]
    assert "purpose" not in version["model_card"]["missing"] and version["data_section"]["status"] == "missing"
