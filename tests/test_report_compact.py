"""The 50-version audit report says each thing once (issue 15, docs/reports.md "Said once"): versions with the same
control statuses share a crosswalk table, a version trained by the same run refers to the earlier section for
its lineage and data only when they are identical, the findings register groups findings without losing one,
each policy's rationale is stated once, and nothing failing is folded away."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime
from types import SimpleNamespace
from typing import Any

from governance.policy.loader import parse_policy
from governance.reports.crosswalk import build_crosswalk, group_crosswalk
from governance.reports.model import FindingRow, LineageNode, LineageView
from governance.reports.render import _finding_groups, _policies_applied, _stated_before, _wbr, environment
from tests.test_crosswalk_per_model import FULL_AND_PARTIAL, FW, decision, verdict, version

AT = datetime(2026, 1, 1, tzinfo=UTC)


def test_versions_with_the_same_control_statuses_share_one_crosswalk_table() -> None:
    good = version("1", decision("production", verdict("a", "pass"), verdict("b", "pass")))
    same = version("2", decision("production", verdict("a", "pass"), verdict("b", "pass")))
    bad = version("3", decision("production", verdict("a", "fail"), verdict("b", "pass")))
    crosswalk, _ = build_crosswalk(FULL_AND_PARTIAL, [FW], [good, same, bad])
    groups = group_crosswalk(crosswalk)
    assert [[vc.version for vc in g.versions] for g in groups] == [["1", "2"], ["3"]]
    failing = dict(groups[1].by_status)["fail"]
    assert [(r.control, r.reason) for r in failing] == [("C1", "a fail")]  # the failure stays, with its reason
    assert "fail" not in dict(groups[0].by_status)


def _lineage(model_node: str, *, dataset: str = "ds:a") -> LineageView:
    nodes = (
        LineageNode(dataset, "dataset", dataset, 0, ("PII",)),
        LineageNode("job:train", "job", "train", 1),
        LineageNode(model_node, "model", model_node, 2),
    )
    edges = ((dataset, "job:train"), ("job:train", model_node))
    return LineageView("known", "", "run-1", "job:train", "COMPLETE", AT, AT, ("alice",), nodes, edges, "sha256:e", 2)


def _v(anchor: str, lineage: LineageView) -> Any:
    return SimpleNamespace(anchor=anchor, lineage=lineage, data_section=None)


def test_a_version_refers_to_an_earlier_section_only_for_an_identical_lineage() -> None:
    first = _v("m-1", _lineage("model:m@1"))
    same_run = _v("m-2", _lineage("model:m@2"))  # differs only in its own node
    other_data = _v("m-3", _lineage("model:m@3", dataset="ds:b"))
    stated = _stated_before([first, same_run, other_data])
    assert stated == {"m-1": {}, "m-2": {"lineage": ("m-1", "3.1")}, "m-3": {}}
    changed = dataclasses.replace(_lineage("model:m@4"), authors=("mallory",))  # any difference shows it again
    assert _stated_before([first, _v("m-4", changed)])["m-4"] == {}


def _finding(ref: str, version: str, owner: str | None, status: str = "open") -> FindingRow:
    due = datetime(2027, 1, 2, tzinfo=UTC)
    return FindingRow(ref, "m", version, "production", "high", "p.a: Title", "fail", status, owner, due, False, AT)


def test_the_findings_register_groups_by_policy_owner_and_status_and_keeps_every_finding() -> None:
    decisions = (decision("production", verdict("p.a", "fail")),)
    second = (_finding("F-2", "2", "team"), _finding("F-3", "2", "quinn"), _finding("F-4", "2", "team", "closed"))
    versions = [
        SimpleNamespace(anchor="m-1", decisions=decisions, findings=(_finding("F-1", "1", "team"),)),
        SimpleNamespace(anchor="m-2", decisions=decisions, findings=second),
    ]
    groups = _finding_groups(versions)
    assert sorted(f.ref for g in groups for f, _ in g["rows"]) == ["F-1", "F-2", "F-3", "F-4"]
    by_key = {(g["owner"], g["status"]): [f.ref for f, _ in g["rows"]] for g in groups}
    assert by_key == {("team", "open"): ["F-1", "F-2"], ("quinn", "open"): ["F-3"], ("team", "closed"): ["F-4"]}
    assert all(g["subject"] == "p.a" and g["is_policy"] for g in groups)  # the title is in the policies table


def test_each_policy_is_stated_once_and_failing_verdicts_keep_their_own_row() -> None:
    failing = dataclasses.replace(verdict("p.fail", "fail"), message="auc 0.7 < 0.8", blocking=True)
    unevaluated = dataclasses.replace(verdict("p.none", "not_evaluated"), message="no drift evidence", blocking=True)
    passing = verdict("p.ok", "pass")
    d = decision("production", failing, unevaluated, passing)
    versions = [SimpleNamespace(decisions=(d,)), SimpleNamespace(decisions=(d,))]
    assert [r.policy_id for r in _policies_applied(versions)] == ["p.fail", "p.none", "p.ok"]
    lineage = SimpleNamespace(status="missing", message="no run")
    v = SimpleNamespace(
        anchor="v", model="m", version="1", state="blocked", artifact_uri="s3://a", artifact_digest="sha256:a",
        created_at=AT, created_by="a", status="ready", stage=None, aliases=(), decisions=(d,), earlier_decisions=0,
        fairness=(), approvals=(), waivers=(), lineage=lineage,
    )  # fmt: skip
    html = (
        environment()
        .get_template("audit/_version.html.j2")
        .render(v=v, paged=False, first_version=True, section_no="3.1")
    )
    rows = html.split("<tbody>", 1)[1].split("</tbody>", 1)[0].split("<tr")
    [own] = [r for r in rows if "p.fail" in r]
    assert "b-fail" in own and "auc 0.7 &lt; 0.8" in own and "blocks" in own and "p.ok" not in own
    [grouped] = [r for r in rows if "p.none" in r]
    assert "not evaluated" in grouped and "no drift evidence" in grouped and "blocks" in grouped
    [passed] = [r for r in rows if "p.ok" in r]
    assert "1 policy passed" in passed and "p.fail" not in passed and "p.none" not in passed


def test_short_identifiers_get_no_break_points_and_long_ones_break_only_after_separators() -> None:
    assert str(_wbr("stage.drift")) == "stage.drift"
    assert str(_wbr("fairness.demographic-parity")) == "fairness.<wbr>demographic-<wbr>parity"


def test_a_cached_policy_parse_hands_out_its_own_problem_list() -> None:
    policy, _, problems = parse_policy("id: [unclosed\n", "bad.yaml")
    assert policy is None and problems
    problems.clear()  # a caller changing its list does not change the next caller's
    assert parse_policy("id: [unclosed\n", "bad.yaml")[2]
