"""What other tools do with our outputs: a third party verifies the attestation with securesystemslib, the CI
examples validate against their published schemas, and pre-commit runs the shipped hooks."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import jsonschema
import pytest
import yaml

from tests.conftest_policy import (  # noqa: F401 - fixtures
    DEFAULT_POLICIES,
    Platform,
    approve_all,
    seed_platform,
    seeded,
    seeded_template,
)

SCHEMAS = Path(__file__).parent / "data" / "schemas"
REPO = Path(__file__).resolve().parents[1]
CHECK = ["check", "credit-risk", "3", "--target", "production"]


# ---- attestations --------------------------------------------------------------------------------
def _docs_verifier() -> str:
    """The third-party verification script of docs/reports.md, exactly as published."""
    text = (REPO / "docs" / "reports.md").read_text(encoding="utf-8")
    section = text[text.index("With `securesystemslib`") :]
    start = section.index("```python\n") + len("```python\n")
    return section[start : section.index("\n```", start)]


@pytest.mark.parametrize(
    ("algorithm", "kind"), [("ecdsa", "audit"), ("ecdsa", "scorecard"), ("ecdsa", "blocked"), ("rsa", "audit")]
)
def test_a_third_party_verifies_the_attestation_with_securesystemslib(
    tmp_path: Path, algorithm: str, kind: str
) -> None:
    import subprocess
    import sys

    from governance.signing.attest import PREDICATE_TYPES, attest_report, write_attestation
    from governance.signing.keys import init_keys, load_signer

    paths = init_keys(tmp_path / "keys", algorithm=algorithm)  # type: ignore[arg-type]
    signer = load_signer(paths.key, paths.cert)
    envelope = attest_report(
        b"%PDF-1.7 report",
        pdf_name="report.pdf",
        results_json=b"{}",
        results_name="results.json",
        policy_bundle_sha256="sha256:" + "ab" * 32,
        signer=signer,
        report_kind=kind,
    )
    attestation = write_attestation(envelope, tmp_path / "report.pdf.intoto.jsonl")
    script = tmp_path / "verify_dsse.py"
    script.write_text(_docs_verifier(), encoding="utf-8")
    run = subprocess.run(
        [sys.executable, str(script), str(attestation), str(paths.cert)], capture_output=True, text=True
    )
    assert run.returncode == 0, run.stderr
    lines = run.stdout.splitlines()
    assert lines[0] == PREDICATE_TYPES[kind] and len(set(PREDICATE_TYPES.values())) == 3
    assert "report.pdf " + __import__("hashlib").sha256(b"%PDF-1.7 report").hexdigest() in lines
    # The keyid rule matters: a signature under another keyid is not matched, and another key fails.
    envelope["signatures"][0]["keyid"] = "0" * 64
    write_attestation(envelope, attestation)
    wrong = subprocess.run([sys.executable, str(script), str(attestation), str(paths.cert)], capture_output=True)
    assert wrong.returncode != 0 and b"VerificationError" in wrong.stderr
    other = init_keys(tmp_path / "other", algorithm=algorithm)  # type: ignore[arg-type]
    write_attestation(
        attest_report(
            b"x",
            pdf_name="report.pdf",
            results_json=b"{}",
            results_name="results.json",
            policy_bundle_sha256="ab" * 32,
            signer=load_signer(other.key, other.cert),
        ),
        attestation,
    )
    forged = subprocess.run([sys.executable, str(script), str(attestation), str(paths.cert)], capture_output=True)
    assert forged.returncode != 0


# ---- CI examples and the pre-commit hooks --------------------------------------------------------
class _Yaml12Loader(yaml.SafeLoader):
    """YAML 1.2 booleans (only true/false), as GitHub and GitLab read them: `on:` stays a string key."""


_Yaml12Loader.yaml_implicit_resolvers = {
    first: [(tag, rx) for tag, rx in resolvers if tag != "tag:yaml.org,2002:bool"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.copy().items()
}
_Yaml12Loader.add_implicit_resolver(
    "tag:yaml.org,2002:bool", re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"), list("tTfF")
)


def _schema_validator(name: str) -> jsonschema.protocols.Validator:
    schema = json.loads((SCHEMAS / name).read_text(encoding="utf-8"))
    cls = jsonschema.validators.validator_for(schema)
    return cls(schema)  # type: ignore[no-any-return]


@pytest.mark.parametrize(
    ("example", "schema"),
    [("github/gov-check.yml", "github-workflows.json"), ("gitlab/.gitlab-ci.yml", "gitlab-ci.json")],
)
def test_ci_examples_validate_against_their_published_schemas(example: str, schema: str) -> None:
    doc = yaml.load((REPO / "examples" / "ci" / example).read_text(encoding="utf-8"), Loader=_Yaml12Loader)
    validator = _schema_validator(schema)
    validator.validate(doc)
    if example.startswith("github"):
        steps = doc["jobs"]["gov-check"]["steps"]
        assert any(s.get("uses", "").startswith("github/codeql-action/upload-sarif@") for s in steps)
        assert any("--format sarif" in s.get("run", "") for s in steps)
        broken = {**doc, "jobs": {"gov-check": {**doc["jobs"]["gov-check"], "runs-on": None}}}
    else:
        assert doc["gov-check"]["artifacts"]["reports"]["junit"] == "gov-check.xml"
        assert "--format junit" in doc["gov-check"]["script"][0]
        broken = {**doc, "gov-check": {**doc["gov-check"], "artifacts": {"reports": {"junit": 3}}}}
    assert not validator.is_valid(broken)  # the schema is not vacuous


def test_the_pre_commit_manifest_is_valid() -> None:
    from pre_commit.clientlib import load_manifest

    hooks = {h["id"]: h for h in load_manifest(str(REPO / ".pre-commit-hooks.yaml"))}
    assert hooks["gov-policy-lint"]["entry"] == "gov policy lint" and hooks["gov-policy-lint"]["language"] == "python"
    assert hooks["gov-policy-test-system"]["entry"] == "gov policy test"


def test_pre_commit_runs_the_hooks_in_a_repository(tmp_path: Path) -> None:
    """A real `pre-commit run` in a temporary git repository, with the hooks of our manifest (the
    `-system` variants: installing gov's full dependency tree in a hook environment takes minutes)."""
    import os
    import subprocess
    import sys

    env = {
        **os.environ,
        "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}",
        "PRE_COMMIT_HOME": str(tmp_path / "cache"),
        "GIT_AUTHOR_NAME": "t",
        "GIT_AUTHOR_EMAIL": "t@example.org",
        "GIT_COMMITTER_NAME": "t",
        "GIT_COMMITTER_EMAIL": "t@example.org",
        "GIT_CONFIG_GLOBAL": str(tmp_path / "gitconfig"),
        "GIT_CONFIG_NOSYSTEM": "1",
    }
    env.pop("GOV_POLICY_DIR", None)

    def run(*cmd: str, cwd: Path) -> subprocess.CompletedProcess[str]:
        return subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, text=True)

    hooks = tmp_path / "hooks"
    hooks.mkdir()
    shutil.copy(REPO / ".pre-commit-hooks.yaml", hooks)
    for cmd in (["git", "init", "-q"], ["git", "add", "."], ["git", "commit", "-qm", "hooks"]):
        assert run(*cmd, cwd=hooks).returncode == 0
    rev = run("git", "rev-parse", "HEAD", cwd=hooks).stdout.strip()

    project = tmp_path / "project"
    shutil.copytree(DEFAULT_POLICIES, project / "policies")
    (project / ".pre-commit-config.yaml").write_text(
        f"repos:\n  - repo: {hooks}\n    rev: {rev}\n    hooks:\n"
        "      - id: gov-policy-lint-system\n      - id: gov-policy-test-system\n"
    )
    assert run("git", "init", "-q", cwd=project).returncode == 0
    assert run("git", "add", ".", cwd=project).returncode == 0
    pre_commit = [sys.executable, "-m", "pre_commit", "run", "--all-files"]
    ok = run(*pre_commit, cwd=project)
    assert ok.returncode == 0, ok.stdout + ok.stderr
    assert "gov policy lint (installed gov)" in ok.stdout and "Passed" in ok.stdout
    # A broken policy fails the commit, with the file and line.
    policy = project / "policies" / "approval-two-person.yaml"
    policy.write_text(policy.read_text().replace("mode: enforce", "mode: sometimes"))
    assert run("git", "add", ".", cwd=project).returncode == 0
    bad = run(*pre_commit, cwd=project)
    assert bad.returncode == 1 and "Failed" in bad.stdout and "approval-two-person.yaml:" in bad.stdout
