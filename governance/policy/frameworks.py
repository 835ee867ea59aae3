"""Control crosswalks (policies/frameworks/*.yaml): framework control id -> title, and the check that
every control a policy names exists."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from governance.policy.loader import PolicyBundle, Problem
from governance.policy.yamldoc import YamlProblem, load_yaml


@dataclass(frozen=True)
class Framework:
    id: str
    title: str
    source: str
    controls: dict[str, str]  # control id -> title
    file: str


def find_frameworks(policy_dir: Path) -> Path | None:
    """`DIR/frameworks`, else the `frameworks` folder beside DIR (policies/default -> policies/frameworks)."""
    for candidate in (policy_dir / "frameworks", policy_dir.parent / "frameworks"):
        if candidate.is_dir():
            return candidate
    return None


def load_frameworks(folder: Path) -> tuple[dict[str, Framework], list[Problem]]:
    """Every crosswalk in `folder`, keyed by framework id, and whatever is wrong with them."""
    out: dict[str, Framework] = {}
    problems: list[Problem] = []
    for path in sorted(folder.glob("*.yaml")):
        name = path.as_posix()
        try:
            doc = load_yaml(path.read_text(encoding="utf-8"))
        except YamlProblem as exc:
            problems.append(Problem(name, exc.line, None, f"malformed YAML: {exc.message}"))
            continue
        data = doc.data
        if not isinstance(data, dict) or not isinstance(data.get("controls"), dict) or not data.get("framework"):
            problems.append(Problem(name, 1, None, "a crosswalk needs `framework`, `title` and `controls` (id: title)"))
            continue
        fid = str(data["framework"])
        if fid != path.stem:
            problems.append(
                Problem(
                    name,
                    doc.line(("framework",)),
                    "framework",
                    f"framework id {fid!r} must match the file name {path.stem!r}",
                )
            )
        bad = [k for k, v in data["controls"].items() if not isinstance(v, str) or not v.strip()]
        for key in bad:
            problems.append(Problem(name, doc.line(("controls", str(key))), f"controls.{key}", "needs a title"))
        out[fid] = Framework(
            fid,
            str(data.get("title", fid)),
            str(data.get("source", "")),
            {str(k): str(v) for k, v in data["controls"].items()},
            name,
        )
    return out, problems


def control_problems(bundle: PolicyBundle, frameworks: dict[str, Framework]) -> list[Problem]:
    """Every control reference that names an unknown framework or control, at its line."""
    problems = []
    for policy in bundle.policies:
        doc = load_yaml(bundle.documents[policy.source])
        for i, ref in enumerate(policy.controls):
            fid, _, control = ref.partition(":")
            where = doc.line(("controls", i))
            if fid not in frameworks:
                problems.append(
                    Problem(
                        policy.source,
                        where,
                        f"controls[{i}]",
                        f"unknown framework {fid!r}; known: {', '.join(sorted(frameworks))}",
                    )
                )
            elif control not in frameworks[fid].controls:
                problems.append(
                    Problem(
                        policy.source,
                        where,
                        f"controls[{i}]",
                        f"{fid} has no control {control!r} (see {frameworks[fid].file})",
                    )
                )
    return problems
