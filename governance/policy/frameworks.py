"""Control crosswalks (policies/frameworks/*.yaml): framework control id -> title, and the check that
every control a policy names exists."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from governance.policy.loader import PolicyBundle, PolicyLoadError, Problem
from governance.policy.yamldoc import YamlDoc, YamlProblem, load_yaml


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
    """Every crosswalk in `folder`, keyed by framework id (file order), and whatever is wrong with them.

    The one reading of a crosswalk file, for `gov policy lint` and the reports: a mapping with
    `framework` (the file name without .yaml), `controls` (a mapping of control id to a non-empty title),
    and optionally `title` and `source` (strings). A file whose `framework` or `controls` is unusable is
    left out; every problem names its file, line and field.
    """
    out: dict[str, Framework] = {}
    problems: list[Problem] = []
    for path in sorted(folder.glob("*.yaml")):
        name = path.as_posix()
        try:
            doc = load_yaml(path.read_text(encoding="utf-8"))
        except YamlProblem as exc:
            problems.append(Problem(name, exc.line, None, f"malformed YAML: {exc.message}"))
            continue
        except (OSError, UnicodeDecodeError) as exc:
            problems.append(Problem(name, 1, None, f"cannot read the crosswalk: {exc}"))
            continue
        found = _framework(path, doc, problems)
        if found is not None:
            out[found.id] = found
    return out, problems


def _framework(path: Path, doc: YamlDoc, problems: list[Problem]) -> Framework | None:
    name = path.as_posix()
    data = doc.data
    if not isinstance(data, dict):
        problems.append(Problem(name, 1, None, "a crosswalk is a mapping with `framework`, `title` and `controls`"))
        return None
    usable = True
    fid = data.get("framework")
    if not isinstance(fid, str) or not fid.strip():
        line = doc.line(("framework",)) if "framework" in data else 1
        problems.append(Problem(name, line, "framework", "needs the framework id (the file name without .yaml)"))
        usable = False
    elif fid != path.stem:
        problems.append(
            Problem(
                name,
                doc.line(("framework",)),
                "framework",
                f"framework id {fid!r} must match the file name {path.stem!r}",
            )
        )
    controls = data.get("controls")
    if not isinstance(controls, dict) or not controls:
        line = doc.line(("controls",)) if "controls" in data else 1
        problems.append(Problem(name, line, "controls", "needs a mapping of control id to title (id: title)"))
        usable = False
    else:
        for key, value in controls.items():
            if not isinstance(value, str) or not value.strip():
                problems.append(Problem(name, doc.line(("controls", key)), f"controls.{key}", "needs a title"))
    for field in ("title", "source"):
        if field in data and not isinstance(data[field], str):
            problems.append(Problem(name, doc.line((field,)), field, "must be a string"))
    if not usable:
        return None
    assert isinstance(fid, str) and isinstance(controls, dict)
    return Framework(
        fid,
        str(data.get("title") or fid),
        str(data.get("source") or ""),
        {str(k): str(v) for k, v in controls.items()},
        name,
    )


def frameworks_for(policy_dir: Path) -> list[Framework]:
    """The crosswalks beside the policies (see `find_frameworks`), in file order; none if there is no
    frameworks folder. A malformed crosswalk is a PolicyLoadError naming its file, line and field."""
    folder = find_frameworks(policy_dir)
    if folder is None:
        return []
    found, problems = load_frameworks(folder)
    if problems:
        raise PolicyLoadError(problems)
    return list(found.values())


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
