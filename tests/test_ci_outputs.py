"""CI outputs checked against the tools' own schemas (vendored in tests/data/schemas), and the policy pack
found without flags."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from sqlalchemy.engine import Engine

from governance.gate.policy_source import resolve_policy_source
from governance.gate.render.junit import JunitOutputter
from governance.gate.render.sarif import policy_region
from governance.gate.report import CheckReport
from tests.conftest_policy import (  # noqa: F401 - fixtures
    DEFAULT_POLICIES,
    Platform,
    approve_all,
    seed_platform,
    seeded,
    seeded_template,
)
from tests.helpers import gov

SCHEMAS = Path(__file__).parent / "data" / "schemas"
REPO = Path(__file__).resolve().parents[1]
CHECK = ["check", "credit-risk", "3", "--target", "production"]


def _sarif_validator() -> jsonschema.protocols.Validator:
    schema = json.loads((SCHEMAS / "sarif-schema-2.1.0.json").read_text(encoding="utf-8"))
    cls = jsonschema.validators.validator_for(schema)
    cls.check_schema(schema)
    return cls(schema)  # type: ignore[no-any-return]


def _sarif(*extra: str) -> tuple[int, dict[str, Any], str]:
    result = gov(*CHECK, "--format", "sarif", *extra)
    assert "Traceback" not in result.output
    return result.exit_code, json.loads(result.stdout), result.stderr


# ---- SARIF ---------------------------------------------------------------------------------------
def test_sarif_validates_against_the_oasis_schema_and_leaves_passes_out(seeded: Engine) -> None:  # noqa: F811
    validator = _sarif_validator()
    code, doc, _ = _sarif()
    validator.validate(doc)
    results = doc["runs"][0]["results"]
    assert code == 1 and [r["ruleId"] for r in results if r["level"] == "error"] == ["approval.two-person"]
    assert all(r["kind"] != "pass" for r in results)
    _, full, _ = _sarif("--sarif-include-pass")
    validator.validate(full)
    passes = [r for r in full["runs"][0]["results"] if r["kind"] == "pass"]
    assert passes and len(full["runs"][0]["results"]) == len(results) + len(passes)
    # The schema check is not vacuous: a broken region is refused.
    results[0]["locations"][0]["physicalLocation"]["region"]["startLine"] = 0
    with pytest.raises(jsonschema.ValidationError):
        validator.validate(doc)


def test_sarif_carries_each_policys_rationale_and_remediation(seeded: Engine) -> None:  # noqa: F811
    import yaml

    _, doc, _ = _sarif()
    run = doc["runs"][0]
    rule = next(r for r in run["tool"]["driver"]["rules"] if r["id"] == "approval.two-person")
    policy = yaml.safe_load((REPO / "policies/default/approval-two-person.yaml").read_text(encoding="utf-8"))
    rationale = " ".join(str(policy["rationale"]).split())
    remediation = " ".join(str(policy["remediation"]).split())
    assert rule["help"]["text"] == f"Rationale: {rationale}\nRemediation: {remediation}"
    assert remediation in rule["help"]["markdown"] and rationale in rule["fullDescription"]["text"]
    result = next(r for r in run["results"] if r["ruleId"] == "approval.two-person")
    assert result["properties"]["remediation"] == remediation
    assert result["properties"]["rationale"] == rationale


def test_a_fixed_finding_leaves_the_sarif(seeded: Engine) -> None:  # noqa: F811
    approve_all(seeded, Platform())
    code, doc, _ = _sarif()
    assert code == 0 and "approval.two-person" not in {r["ruleId"] for r in doc["runs"][0]["results"]}


def test_sarif_locations_are_repository_relative_with_full_regions(seeded: Engine) -> None:  # noqa: F811
    _, doc, _ = _sarif("--sarif-include-pass")
    run = doc["runs"][0]
    assert "originalUriBaseIds" not in run
    assert str(REPO) not in json.dumps([r["locations"] for r in run["results"]])
    for result in run["results"]:
        location = result["locations"][0]["physicalLocation"]
        assert set(location["artifactLocation"]) == {"uri"}
        uri = location["artifactLocation"]["uri"]
        assert not uri.startswith("/") and str(REPO) not in uri
        assert uri.startswith("policies/default/") and (REPO / uri).is_file()
        region = location["region"]
        assert set(region) == {"startLine", "startColumn", "endLine", "endColumn"}
        lines = (REPO / uri).read_text(encoding="utf-8").splitlines()
        assert lines[region["startLine"] - 1][region["startColumn"] - 1 :].startswith("rule:")
        assert region["endLine"] >= region["startLine"]
        assert 1 <= region["endColumn"] <= len(lines[region["endLine"] - 1]) + 1
        fingerprint = result["partialFingerprints"]["primaryLocationLineHash"]
        assert re.fullmatch(r"[0-9a-f]{16}:1", fingerprint)
    again = _sarif("--sarif-include-pass")[1]["runs"][0]["results"]
    assert [r["partialFingerprints"] for r in again] == [r["partialFingerprints"] for r in run["results"]]


def test_region_of_a_policy_spans_its_rule() -> None:
    text = "id: a.b\nrule:\n  required:\n    - {role: x, count: 1}\nmode: enforce\n"
    assert policy_region(text, 1) == {"startLine": 2, "startColumn": 1, "endLine": 4, "endColumn": 26}
    assert policy_region("id: a\nrule: {x: 1}\n", 1) == {
        "startLine": 2,
        "startColumn": 1,
        "endLine": 2,
        "endColumn": 13,
    }
    assert policy_region(": : bad [", 3)["startLine"] == 3


def test_sarif_include_pass_only_applies_to_sarif(seeded: Engine) -> None:  # noqa: F811
    result = gov(*CHECK, "--format", "json", "--sarif-include-pass")
    assert result.exit_code == 2 and "--sarif-include-pass" in result.stderr and "Traceback" not in result.output


# ---- JUnit ---------------------------------------------------------------------------------------
def test_junit_validates_against_the_jenkins_xsd(seeded: Engine) -> None:  # noqa: F811
    from lxml import etree

    schema = etree.XMLSchema(etree.parse(str(SCHEMAS / "jenkins-junit-10.xsd")))
    result = gov(*CHECK, "--format", "json")
    data = json.loads(result.stdout)
    for outcome in data["outcomes"]:  # one of each verdict JUnit writes as a skip
        if outcome["policy_id"] == "approval.two-person":
            outcome.update(verdict="not_evaluated", blocking=False, message="no evidence <yet> & more")
    doc = etree.fromstring(JunitOutputter().render(CheckReport.from_dict(data)).encode())
    schema.assertValid(doc)
    schema.assertValid(etree.fromstring(gov(*CHECK, "--format", "junit").stdout.encode()))
    suite = doc.find("testsuite")
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d", suite.get("timestamp"))
    assert {c.get("classname") for c in suite.iter("testcase")} == {"credit-risk@3/production"}
    skipped = [  # the audit-mode stage.* policies (no stage evidence in this store) are skipped as well
        c.find("skipped")
        for c in suite.iter("testcase")
        if c.find("skipped") is not None and not c.get("name", "").startswith("stage.")
    ]
    assert [s.get("message") for s in skipped] == ["not_evaluated: no evidence <yet> & more"]
    # GitLab shows only the element's text: it leads with the reason, then the rationale and remediation.
    assert all(s.text.startswith(s.get("message") + "\n") for s in skipped)
    assert all("\nremediation: " in s.text and "\nrationale: " in s.text for s in skipped)
    # The XSD is not vacuous: what the old renderer wrote (file/line on a test case) is refused.
    case = suite.find("testcase")
    case.set("file", "x.yaml")
    assert not schema.validate(doc)


# ---- the policy pack without flags ---------------------------------------------------------------
def test_policy_source_order(tmp_path: Path) -> None:
    nested = tmp_path / "repo" / "sub" / "dir"
    nested.mkdir(parents=True)
    default = resolve_policy_source(None, cwd=nested, environ={})
    assert default.kind == "default" and (default.path / "approval-two-person.yaml").is_file()
    (tmp_path / "repo" / "pyproject.toml").write_text('[project]\nname = "x"\n')
    assert resolve_policy_source(None, cwd=nested, environ={}).kind == "default"  # no [tool.gov]: keep looking
    (tmp_path / "repo" / "pyproject.toml").write_text('[tool.gov]\npolicies = "gates"\n')
    found = resolve_policy_source(None, cwd=nested, environ={})
    assert (found.kind, found.path) == ("pyproject.toml", tmp_path / "repo" / "gates")
    (tmp_path / "repo" / "sub" / "gov.toml").write_text('policies = "../pack"\n')
    found = resolve_policy_source(None, cwd=nested, environ={})
    assert (found.kind, found.path) == ("gov.toml", tmp_path / "repo" / "sub" / ".." / "pack")
    assert "gov.toml" in found.describe()
    env = resolve_policy_source(None, cwd=nested, environ={"GOV_POLICY_DIR": "/p"})
    assert (env.kind, env.path) == ("env", Path("/p"))
    assert resolve_policy_source(Path("q"), cwd=nested, environ={"GOV_POLICY_DIR": "/p"}).path == Path("q")


def test_check_finds_the_pack_from_gov_toml_and_records_it(
    seeded: Engine,  # noqa: F811
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    project = tmp_path / "project"
    shutil.copytree(DEFAULT_POLICIES, project / "gates")
    (project / "gov.toml").write_text('policies = "gates"\n')
    (project / "deep").mkdir()
    monkeypatch.delenv("GOV_POLICY_DIR")
    monkeypatch.chdir(project / "deep")
    result = gov(*CHECK, "--format", "json")
    assert result.exit_code == 1, result.output
    assert result.stderr.startswith("policies: ") and "gov.toml" in result.stderr
    report = json.loads(result.stdout)
    assert "gov.toml" in report["policy_bundle"]["source"]
    shown = json.loads(gov("decision", "show", report["decision_id"], "--format", "json").stdout)
    assert shown["policy_bundle"] == report["policy_bundle"] and shown["ci"] == report["ci"]
    text = gov(*CHECK).stdout
    assert "policy source " in text and "gov.toml" in text


def test_check_without_any_configuration_uses_the_shipped_pack(
    seeded: Engine,  # noqa: F811
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("GOV_POLICY_DIR")
    monkeypatch.chdir(tmp_path)
    result = gov(*CHECK, "--format", "json")
    assert result.exit_code == 1 and "default pack shipped with gov" in result.stderr
    assert json.loads(result.stdout)["policy_bundle"]["source"].endswith("(the default pack shipped with gov)")


def test_a_broken_gov_toml_is_one_line_and_exit_2(
    seeded: Engine,  # noqa: F811
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("GOV_POLICY_DIR")
    monkeypatch.chdir(tmp_path)
    (tmp_path / "gov.toml").write_text("policies = [1\n")
    result = gov(*CHECK)
    assert result.exit_code == 2 and "Traceback" not in result.output
    assert len(result.stderr.strip().splitlines()) == 1 and "gov.toml" in result.stderr
    (tmp_path / "gov.toml").write_text("policies = 3\n")
    result = gov(*CHECK)
    assert result.exit_code == 2 and "must be a non-empty folder path" in result.stderr


# ---- DOT -----------------------------------------------------------------------------------------
def test_dot_labels_render_in_graphviz_as_written() -> None:
    import subprocess

    from governance.lineage.graph import Graph
    from governance.lineage.render import render_graph

    dot = shutil.which("dot")
    if dot is None:
        pytest.skip("Graphviz `dot` is not installed (scripts/bootstrap.sh installs the graphviz package)")
    names = ["dataset:file://lake/données", 'dataset:s3://b/quo"te', "job:ns/back\\slash", "job:ns/a\nb"]
    graph = Graph(root=names[0], direction="upstream", nodes={n: i for i, n in enumerate(names)})
    graph.edges.add((names[0], names[1]))
    text = render_graph(graph, "dot")
    assert "\\u00e9" not in text and "données" in text
    svg = subprocess.run([dot, "-Tsvg"], input=text.encode(), capture_output=True, check=True).stdout.decode()
    assert ">file://lake/données</text>" in svg
    assert ">s3://b/quo&quot;te</text>" in svg or '>s3://b/quo"te</text>' in svg
    assert ">ns/back\\slash</text>" in svg
    assert ">ns/a</text>" in svg and ">b</text>" in svg  # the line break is a DOT line break


# ---- CSV -----------------------------------------------------------------------------------------
def test_blocked_register_neutralises_formula_cells_and_the_ledger_export_keeps_them() -> None:
    from governance.reports.blocked import spreadsheet_safe

    for cell in ("=HYPERLINK(1)", "+1", "-2", "@SUM(A1)", "\tx", "\rx"):
        assert spreadsheet_safe(cell) == "'" + cell
    for cell in ("credit-risk", "sha256:00", "", "'x", "a=b"):
        assert spreadsheet_safe(cell) == cell


def test_blocked_register_csv_cells_are_safe(sqlite_engine: Engine) -> None:
    import csv
    import io

    from governance.ledger.chain import append_blocked
    from governance.ledger.export import export
    from governance.store.db import session_scope
    from governance.timeutil import utcnow

    with session_scope(sqlite_engine) as session:
        append_blocked(
            session,
            decision_id="d-1",
            model="=cmd|' /C calc'!A0",
            version="-1",
            target="@prod",
            failing_policies=["p"],
            requested_by="+ci",
            ci={"GITHUB_RUN_ID": "=1+1"},
            at=utcnow(),
        )
    result = gov("report", "blocked", "--format", "csv")
    assert result.exit_code == 0, result.output
    [row] = list(csv.DictReader(io.StringIO(result.stdout)))
    assert (row["model"], row["version"], row["target"], row["requested_by"]) == (
        "'=cmd|' /C calc'!A0",
        "'-1",
        "'@prod",
        "'+ci",
    )
    with session_scope(sqlite_engine) as session:
        raw = export(session, "csv")
    assert raw.startswith("# gov-ledger-export/1 (csv): raw values")
    [entry] = list(csv.DictReader(io.StringIO(raw.partition("\n")[2])))
    assert entry["model"] == "=cmd|' /C calc'!A0" and entry["target"] == "@prod"
