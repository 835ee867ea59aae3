"""Load a policy bundle: YAML files -> JSON Schema -> typed policies, every problem as file:line: field.

The bundle keeps each file's text (a decision stores it, so replay is exact even after policies/
changed) and a digest: sha256 over the canonical JSON of every policy, keyed by id, so formatting
and comments do not change it but any change of meaning does.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from governance.assets import asset_path
from governance.digest import json_sha256
from governance.errors import ConfigError
from governance.policy.model import Mode, Policy, Scope
from governance.policy.yamldoc import Path_, YamlDoc, YamlProblem, dotted, load_yaml

SCHEMA_FILE = asset_path("policies", "schema", "policy.schema.json")
BUNDLE_SCHEMA = "gov.policy-bundle/1"
TEST_SUFFIX = "_test.yaml"
# Folders of a policy tree that hold other things than policies.
NOT_POLICIES = frozenset({"frameworks", "schema"})


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a policy file."""

    file: str
    line: int
    field: str | None
    message: str

    def __str__(self) -> str:
        field = f" {self.field}:" if self.field else ""
        return f"{self.file}:{self.line}:{field} {self.message}"


class PolicyLoadError(ConfigError):
    """The policy bundle does not load. Configuration error (exit 3) for the gate."""

    code = "invalid_policy"

    def __init__(self, problems: list[Problem]) -> None:
        first = problems[0]
        more = f" (+{len(problems) - 1} more problem(s))" if len(problems) > 1 else ""
        field = f"{first.field}: " if first.field else ""
        super().__init__(
            f"{field}{first.message}{more}",
            where=f"{first.file}:{first.line}",
            hint="run `gov policy lint DIR` to see every problem",
        )
        self.problems = problems


@dataclass(frozen=True)
class PolicyBundle:
    root: str
    policies: tuple[Policy, ...]
    documents: dict[str, str]  # relative path -> text, as read
    digest: str

    def get(self, policy_id: str) -> Policy | None:
        """The policy with this id, if the bundle has it."""
        return next((p for p in self.policies if p.id == policy_id), None)


@lru_cache(maxsize=1)
def _validator() -> Any:
    from jsonschema import Draft202012Validator

    try:
        schema = json.loads(SCHEMA_FILE.read_text(encoding="utf-8"))
    except OSError as exc:
        raise ConfigError(
            f"the policy JSON Schema is missing: {exc.strerror}", where=str(SCHEMA_FILE), hint="reinstall gov"
        ) from exc
    return Draft202012Validator(schema)


def policy_files(root: Path) -> list[Path]:
    """Every policy file under `root`, sorted: *.yaml and *.yml except tests, frameworks and schemas."""
    out = []
    for path in sorted(root.rglob("*")):
        rel = path.relative_to(root)
        if not path.is_file() or path.suffix not in (".yaml", ".yml") or path.name.endswith(TEST_SUFFIX):
            continue
        if any(part in NOT_POLICIES or part.startswith(".") for part in rel.parts[:-1]):
            continue
        out.append(path)
    return out


def read_documents(root: Path) -> dict[str, str]:
    """{relative path: text} of every policy file; ConfigError when the folder is unusable."""
    if not root.is_dir():
        raise ConfigError(
            f"policy folder {root} does not exist", where="policies", hint="pass --policies DIR or set GOV_POLICY_DIR"
        )
    documents = {}
    for path in policy_files(root):
        try:
            documents[path.relative_to(root).as_posix()] = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise ConfigError(f"cannot read policy file: {exc}", where=str(path)) from exc
    if not documents:
        raise ConfigError(
            f"no policy files (*.yaml) in {root}",
            where="policies",
            hint="a gate without policies would pass everything",
        )
    return documents


def load_bundle(root: Path) -> PolicyBundle:
    """Load and validate every policy under `root`; PolicyLoadError lists what is wrong."""
    bundle, problems = load_documents(read_documents(root), str(root.resolve()))
    if problems:
        raise PolicyLoadError(problems)
    assert bundle is not None
    return bundle


def load_documents(documents: dict[str, str], root: str) -> tuple[PolicyBundle | None, list[Problem]]:
    """Policies from texts (files, or the texts a decision stored). Problems are collected, not raised."""
    problems: list[Problem] = []
    policies: list[Policy] = []
    canonical: dict[str, Any] = {}
    first_seen: dict[str, str] = {}
    for rel in sorted(documents):
        policy, data, found = parse_policy(documents[rel], rel)
        problems += found
        if policy is None:
            continue
        if policy.id in first_seen:
            problems.append(
                Problem(rel, policy.line, "id", f"policy id {policy.id!r} is also defined in {first_seen[policy.id]}")
            )
            continue
        first_seen[policy.id] = rel
        policies.append(policy)
        canonical[policy.id] = data
    if problems:
        return None, sorted(problems, key=lambda p: (p.file, p.line))
    digest = json_sha256({"schema": BUNDLE_SCHEMA, "policies": canonical})
    return PolicyBundle(root, tuple(sorted(policies, key=lambda p: p.id)), dict(documents), digest), []


def parse_policy(text: str, source: str) -> tuple[Policy | None, Any, list[Problem]]:
    """(policy, its data, problems) for one policy document."""
    policy, data, problems = _parse_policy(text, source)
    return policy, data, list(problems)


# A policy is a pure function of its text and source, and the schema check is the slow part (2 ms a document):
# replaying 50 stored decisions, as the 50-version audit report's scorecard does, parsed the same 15 texts 50
# times (1.5 s of the report's 10 s budget). The Policy is frozen; its data is only read (the bundle digest).
@lru_cache(maxsize=4096)
def _parse_policy(text: str, source: str) -> tuple[Policy | None, Any, tuple[Problem, ...]]:
    policy, data, problems = _parse_policy_uncached(text, source)
    return policy, data, tuple(problems)


def _parse_policy_uncached(text: str, source: str) -> tuple[Policy | None, Any, list[Problem]]:
    try:
        doc = load_yaml(text)
    except YamlProblem as exc:
        return None, None, [Problem(source, exc.line, None, f"malformed YAML: {exc.message}")]
    if not isinstance(doc.data, dict):
        return None, None, [Problem(source, 1, None, "a policy file holds one mapping (id, kind, rule, ...)")]
    problems = _schema_problems(doc, source)
    if problems:
        return None, doc.data, problems
    policy = _build(doc, source, problems)
    return policy, doc.data, problems


def _schema_problems(doc: YamlDoc, source: str) -> list[Problem]:
    errors = sorted(_validator().iter_errors(doc.data), key=lambda e: [str(p) for p in e.absolute_path])
    out = []
    for error in errors:
        if error.validator in ("if", "allOf") and error.context:
            continue  # the specific sub-errors are reported themselves
        path: Path_ = tuple(error.absolute_path)
        if error.validator == "enum" and path == ("kind",):
            message = f"unknown kind {error.instance!r}; one of {', '.join(error.validator_value)}"
        else:
            message = error.message
        out.append(Problem(source, doc.line(path), dotted(path) or None, message))
    return out


def _build(doc: YamlDoc, source: str, problems: list[Problem]) -> Policy | None:
    from governance.policy.kinds import kind_module

    data = doc.data

    def report(path: Path_, message: str, line_offset: int = 0) -> None:
        full = ("rule", *path)
        line = doc.content_line(full) + line_offset if line_offset else doc.line(full)
        problems.append(Problem(source, line, dotted(full), message))

    rule = kind_module(data["kind"]).parse(data["rule"], report)
    if rule is None:
        return None
    scope = data.get("scope") or {}
    controls, strengths = control_mappings(data["controls"])
    return Policy(
        id=data["id"],
        version=str(data["version"]),
        title=data["title"],
        owner=data["owner"],
        rationale=data["rationale"],
        remediation=data["remediation"],
        controls=controls,
        control_strengths=strengths,
        mode=Mode(data["mode"]),
        severity=data["severity"],
        scope=Scope(
            models=tuple(scope.get("models") or ("*",)),
            tags=tuple(sorted((scope.get("tags") or {}).items())),
            risk_tiers=tuple(scope.get("risk_tiers") or ()),
            targets=tuple(scope.get("targets") or ()),
        ),
        kind=data["kind"],
        rule=rule,
        source=source,
        line=doc.line(()),
        waivable=bool(data.get("waivable", True)),
        max_waiver_days=int(data.get("max_waiver_days", 90)),
        waiver_scope=str(data.get("waiver_scope", "version")),
        trusted_producers=tuple(str(x) for x in data["trusted_producers"]) if "trusted_producers" in data else None,
    )


def control_mappings(items: list[Any]) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """(control ids, their strengths) from a policy's `controls`, in order. An item is
    `{control: FRAMEWORK:ID, strength: full|partial}`, or the legacy bare `FRAMEWORK:ID`, whose strength
    is unstated ("") and counts as partial (`gov policy lint` asks for it)."""
    ids: list[str] = []
    strengths: list[str] = []
    for item in items:
        if isinstance(item, dict):
            ids.append(str(item["control"]))
            strengths.append(str(item["strength"]))
        else:
            ids.append(str(item))
            strengths.append("")
    return tuple(ids), tuple(strengths)
