"""Mappings are data with a consistency test: crosswalks, the shipped pack, and the lists the policy
engine keeps in sync with other modules (metrics, kinds, CEL variables, facet schemas)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from jsonschema import Draft202012Validator

from governance.policy.frameworks import control_problems, load_frameworks
from governance.policy.kinds import KINDS
from governance.policy.loader import SCHEMA_FILE, load_bundle
from governance.policy.testing import run_tests
from tests.conftest_policy import DEFAULT_POLICIES, gov_facet, platform_events

FRAMEWORKS = DEFAULT_POLICIES.parent / "frameworks"
REQUIRED_FRAMEWORKS = {"eu-ai-act", "iso-42001", "nist-ai-rmf", "sr-11-7"}


def test_crosswalks_are_well_formed() -> None:
    frameworks, problems = load_frameworks(FRAMEWORKS)
    assert problems == []
    assert set(frameworks) == REQUIRED_FRAMEWORKS
    eu = frameworks["eu-ai-act"].controls
    assert {"Art. 9", "Art. 10", "Art. 12", "Art. 14", "Art. 15", "Art. 19"} <= set(eu)
    assert "A.6.2.4" in frameworks["iso-42001"].controls
    assert "MEASURE 2.11" in frameworks["nist-ai-rmf"].controls
    assert {"V.1", "V.2", "V.3"} <= set(frameworks["sr-11-7"].controls)
    assert all(f.source.startswith("https://") for f in frameworks.values())


def test_every_referenced_control_exists() -> None:
    frameworks, _ = load_frameworks(FRAMEWORKS)
    assert control_problems(load_bundle(DEFAULT_POLICIES), frameworks) == []


def test_an_unknown_control_is_caught() -> None:
    frameworks, _ = load_frameworks(FRAMEWORKS)
    bundle = load_bundle(DEFAULT_POLICIES)
    frameworks["eu-ai-act"].controls.pop("Art. 14")
    problems = control_problems(bundle, frameworks)
    assert [p.field for p in problems] == ["controls[0]"]
    assert problems[0].file == "approval-two-person.yaml" and "no control 'Art. 14'" in problems[0].message


@pytest.mark.parametrize("policy", [p.id for p in load_bundle(DEFAULT_POLICIES).policies])
def test_every_shipped_mapping_states_its_strength(policy: str) -> None:
    # a policy maps only to the controls its evidence is about (no padding to reach every framework)
    found = load_bundle(DEFAULT_POLICIES).get(policy)
    assert found is not None and found.controls
    assert [found.control_strength(i) in ("full", "partial") for i in range(len(found.controls))] == [True] * len(
        found.controls
    )


def test_the_pack_maps_to_each_framework() -> None:
    bundle = load_bundle(DEFAULT_POLICIES)
    assert {c.split(":", 1)[0] for p in bundle.policies for c in p.controls} == REQUIRED_FRAMEWORKS


def test_crosswalks_hold_the_complete_lists() -> None:
    frameworks, _ = load_frameworks(FRAMEWORKS)
    eu = frameworks["eu-ai-act"]
    assert list(eu.controls) == [f"Art. {n}" for n in range(1, 114)]
    assert eu.list_name == "113 articles of Regulation (EU) 2024/1689"
    assert eu.control_of("Art. 10(2)(g)") == "Art. 10" and eu.control_of("Art. 10(9)") is None
    iso = frameworks["iso-42001"]
    assert len(iso.controls) == 38 and list(iso.controls)[0] == "A.2.2" and list(iso.controls)[-1] == "A.10.4"
    nist = frameworks["nist-ai-rmf"]
    per_function = {
        f: sum(1 for c in nist.controls if c.startswith(f + " ")) for f in ("GOVERN", "MAP", "MEASURE", "MANAGE")
    }
    assert per_function == {"GOVERN": 19, "MAP": 18, "MEASURE": 22, "MANAGE": 13}
    assert list(nist.controls)[0] == "GOVERN 1.1" and list(nist.controls)[-1] == "MANAGE 4.3"
    assert {"III", "IV", "V", "V.1", "V.2", "V.3", "VI"} <= set(frameworks["sr-11-7"].controls)
    assert all(f.scope and f.document and f.unit for f in frameworks.values())


def test_a_bare_control_without_strength_is_a_lint_error(tmp_path: Path) -> None:
    import shutil

    shutil.copytree(DEFAULT_POLICIES, tmp_path / "policies")
    path = tmp_path / "policies" / "fairness-four-fifths.yaml"
    text = path.read_text(encoding="utf-8")
    path.write_text(
        text.replace('{control: "nist-ai-rmf:MEASURE 2.11", strength: full}', '"nist-ai-rmf:MEASURE 2.11"'),
        encoding="utf-8",
    )
    bundle = load_bundle(tmp_path / "policies")  # still loads (a stored decision's policies must replay)
    four_fifths = bundle.get("fairness.four-fifths")
    assert four_fifths is not None and four_fifths.control_strength(2) == ""
    frameworks, _ = load_frameworks(FRAMEWORKS)
    (problem,) = control_problems(bundle, frameworks)
    assert (problem.file, problem.field) == ("fairness-four-fifths.yaml", "controls[2]")
    assert "state the mapping's strength" in problem.message


def test_the_pack_covers_every_kind_and_every_policy_has_passing_tests() -> None:
    bundle = load_bundle(DEFAULT_POLICIES)
    assert {p.kind for p in bundle.policies} == set(KINDS)
    assert {p.mode.value for p in bundle.policies} == {"audit", "enforce"}
    run = run_tests(DEFAULT_POLICIES, bundle)
    assert run.problems == () and run.untested == ()
    assert [r.name for r in run.results if not r.passed] == []
    # Each policy is tested with at least a passing and a non-passing case.
    assert len(run.results) >= 2 * len(bundle.policies)


def test_bias_metric_names_are_the_fairness_catalog() -> None:
    from governance.evidence.catalog import METRICS
    from governance.evidence.evaluation import GROUP_RATES
    from governance.policy.kinds import bias_threshold

    assert set(bias_threshold.BETWEEN_GROUP_METRICS) == {m.key for m in METRICS}
    assert set(bias_threshold.GROUP_RATES) == set(GROUP_RATES)


def test_schema_is_valid_and_lists_exactly_the_kinds() -> None:
    schema = json.loads(SCHEMA_FILE.read_text())
    Draft202012Validator.check_schema(schema)
    assert schema["properties"]["kind"]["enum"] == list(KINDS)
    assert {rule["if"]["properties"]["kind"]["const"] for rule in schema["allOf"]} == set(KINDS)
    assert set(schema["$defs"]) >= set(KINDS)


def test_cel_variables_are_the_context_keys() -> None:
    from governance.policy.cel import VARIABLES
    from governance.policy.context import EvaluationContext

    assert set(EvaluationContext.from_dict({}).to_dict()) == VARIABLES


@pytest.mark.parametrize("name", ["ValidationResultsRunFacet", "RunAuthorsRunFacet"])
def test_custom_facet_schemas_accept_what_the_tests_emit(name: str) -> None:
    schema = json.loads((Path(__file__).resolve().parents[1] / "lineage" / "facets" / f"{name}.json").read_text())
    Draft202012Validator.check_schema(schema)
    body = schema["$defs"][name]["allOf"][1]
    validator = Draft202012Validator({**body, "$defs": schema["$defs"]})
    if name == "RunAuthorsRunFacet":
        good = gov_facet(name, authors=[{"name": "dora", "type": "AUTHOR"}])
    else:
        events = platform_events(__import__("datetime").datetime(2026, 1, 1))
        good = next(e["run"]["facets"]["validationResults"] for e in events if e["run"]["facets"])
    assert list(validator.iter_errors(good)) == []
    assert list(
        validator.iter_errors(
            {"results": [{"stage": "vibes", "name": "x"}]} if "Validation" in name else {"authors": []}
        )
    )
