"""One reading of framework crosswalks, for `gov policy lint` and the audit report: same validation,
problems that name file, line and field."""

from __future__ import annotations

from pathlib import Path

import pytest

from governance.policy.frameworks import frameworks_for, load_frameworks
from governance.policy.lint import lint
from governance.policy.loader import PolicyLoadError
from governance.reports.crosswalk import build_crosswalk
from tests.conftest_policy import DEFAULT_POLICIES

GOOD = "framework: fw\ntitle: A framework\nsource: https://example.org\ncontrols:\n  C1: First\n  C2: Second\n"


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("- a list\n", "1: a crosswalk is a mapping with `framework`, `title` and `controls`"),
        (
            "title: T\nsource: S\ncontrols: {C1: x}\n",
            "1: framework: needs the framework id (the file name without .yaml)",
        ),
        (
            "framework: 7\nsource: S\ncontrols: {C1: x}\n",
            "1: framework: needs the framework id (the file name without .yaml)",
        ),
        (
            "framework: other\nsource: S\ncontrols: {C1: x}\n",
            "1: framework: framework id 'other' must match the file name 'fw'",
        ),
        ("framework: fw\ntitle: T\nsource: S\n", "1: controls: needs a mapping of control id to title (id: title)"),
        (
            "framework: fw\nsource: S\ncontrols: [C1, C2]\n",
            "3: controls: needs a mapping of control id to title (id: title)",
        ),
        ("framework: fw\nsource: S\ncontrols:\n  C1: First\n  C2: ''\n", "5: controls.C2: needs a title"),
        ("framework: fw\ntitle: [x]\nsource: S\ncontrols: {C1: x}\n", "2: title: must be a string"),
        ("framework: fw\ncontrols: {C1: x}\n", "1: source: needs the source of the control list"),
        (
            "framework: fw\nsource: S\ncontrols: {C1: x}\nparts:\n  C1a: {of: C9, title: t}\n",
            "5: parts.C1a.of: 'C9' is not a control of this framework",
        ),
        ("framework: fw\ncontrols: {C1: x\n", "malformed YAML"),
    ],
)
def test_a_bad_crosswalk_is_one_problem_for_lint_and_reports(tmp_path: Path, text: str, problem: str) -> None:
    folder = tmp_path / "frameworks"
    folder.mkdir()
    (folder / "fw.yaml").write_text(text, encoding="utf-8")
    _, problems = load_frameworks(folder)
    assert len(problems) == 1 and str(problems[0]).startswith(f"{(folder / 'fw.yaml').as_posix()}:")
    assert problem in str(problems[0])
    # the audit report reads through the same loader and refuses the same file, at the same place
    with pytest.raises(PolicyLoadError) as caught:
        frameworks_for(tmp_path)
    assert caught.value.problems == problems
    assert caught.value.where == f"{problems[0].file}:{problems[0].line}"
    assert caught.value.exit_code == 3
    # and `gov policy lint` reports it
    assert problems[0] in lint(DEFAULT_POLICIES, folder).errors


def test_a_good_crosswalk_loads_the_same_for_both(tmp_path: Path) -> None:
    folder = tmp_path / "frameworks"
    folder.mkdir()
    (folder / "fw.yaml").write_text(GOOD, encoding="utf-8")
    found, problems = load_frameworks(folder)
    assert problems == []
    assert frameworks_for(tmp_path) == list(found.values())
    (fw,) = found.values()
    assert (fw.id, fw.title, fw.source, fw.controls) == (
        "fw",
        "A framework",
        "https://example.org",
        {"C1": "First", "C2": "Second"},
    )
    crosswalk, coverage = build_crosswalk([("p", (("fw:C1", "full"), "fw:C9"))], frameworks_for(tmp_path), [])
    assert crosswalk == ()
    assert (coverage[0].covered, coverage[0].full, coverage[0].total) == (1, 1, 2)
    assert coverage[0].text == "1 of 2 controls of A framework mapped by a policy (1 by a full mapping)"


def test_no_frameworks_folder_means_no_crosswalk(tmp_path: Path) -> None:
    assert frameworks_for(tmp_path / "policies") == []


def test_the_shipped_crosswalks_load_for_the_report() -> None:
    ids = [f.id for f in frameworks_for(DEFAULT_POLICIES)]
    assert ids == sorted(ids) and {"eu-ai-act", "iso-42001", "nist-ai-rmf", "sr-11-7"} <= set(ids)
