"""Control crosswalks (policies/frameworks/*.yaml): each framework's complete list of controls with
titles and its source, and the check that every control a policy names exists and states its strength."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from governance.policy.loader import PolicyBundle, PolicyLoadError, Problem
from governance.policy.yamldoc import YamlDoc, YamlProblem, load_yaml

STRENGTHS = ("full", "partial")


@dataclass(frozen=True)
class Framework:
    id: str
    title: str
    source: str
    controls: dict[str, str]  # control id -> title: the framework's complete list
    file: str
    document: str = ""  # the short name coverage figures cite ("Regulation (EU) 2024/1689")
    unit: str = "controls"  # what the list counts ("articles", "subcategories")
    scope: str = ""  # what the list holds, and what it leaves out and why
    parts: dict[str, tuple[str, str]] = field(default_factory=dict)  # finer id -> (control it is part of, title)

    def control_of(self, cid: str) -> str | None:
        """The listed control `cid` counts for: itself, the control a part belongs to, or None."""
        if cid in self.controls:
            return cid
        part = self.parts.get(cid)
        return part[0] if part else None

    def title_of(self, cid: str) -> str | None:
        if cid in self.controls:
            return self.controls[cid]
        part = self.parts.get(cid)
        return part[1] if part else None

    @property
    def list_name(self) -> str:
        """The complete list coverage counts against: "113 articles of Regulation (EU) 2024/1689"."""
        return f"{len(self.controls)} {self.unit} of {self.document or self.title}"


def find_frameworks(policy_dir: Path) -> Path | None:
    """`DIR/frameworks`, else the `frameworks` folder beside DIR (policies/default -> policies/frameworks)."""
    for candidate in (policy_dir / "frameworks", policy_dir.parent / "frameworks"):
        if candidate.is_dir():
            return candidate
    return None


def load_frameworks(folder: Path) -> tuple[dict[str, Framework], list[Problem]]:
    """Every crosswalk in `folder`, keyed by framework id (file order), and whatever is wrong with them.

    The one reading of a crosswalk file, for `gov policy lint` and the reports: a mapping with
    `framework` (the file name without .yaml), `source` (where the list comes from), `controls` (the
    framework's complete list: control id to a non-empty title), and optionally `title`, `document` and
    `unit` (coverage reads "N of TOTAL UNIT of DOCUMENT"), `scope` (strings) and `parts` (finer ids a
    policy may name: id to `{of: CONTROL, title: ...}`). A file whose `framework` or `controls` is
    unusable is left out; every problem names its file, line and field.
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
    for key in ("title", "source", "document", "unit", "scope"):
        if key in data and not isinstance(data[key], str):
            problems.append(Problem(name, doc.line((key,)), key, "must be a string"))
    if not isinstance(data.get("source"), str) or not data["source"].strip():
        line = doc.line(("source",)) if "source" in data else 1
        problems.append(Problem(name, line, "source", "needs the source of the control list (document or URL)"))
    parts = _parts(doc, name, controls if isinstance(controls, dict) else {}, problems)
    if not usable:
        return None
    assert isinstance(fid, str) and isinstance(controls, dict)
    return Framework(
        fid,
        str(data.get("title") or fid),
        str(data.get("source") or ""),
        {str(k): str(v) for k, v in controls.items()},
        name,
        document=str(data.get("document") or data.get("title") or fid),
        unit=str(data.get("unit") or "controls"),
        scope=str(data.get("scope") or "").strip(),
        parts=parts,
    )


def _parts(doc: YamlDoc, name: str, controls: dict[str, object], problems: list[Problem]) -> dict[str, tuple[str, str]]:
    raw = doc.data.get("parts")
    if raw is None:
        return {}
    if not isinstance(raw, dict):
        problems.append(
            Problem(name, doc.line(("parts",)), "parts", "needs a mapping of id to {of: CONTROL, title: ...}")
        )
        return {}
    out: dict[str, tuple[str, str]] = {}
    for key, value in raw.items():
        where = doc.line(("parts", key))
        of = value.get("of") if isinstance(value, dict) else None
        title = value.get("title") if isinstance(value, dict) else None
        if not isinstance(of, str) or not isinstance(title, str) or not title.strip():
            problems.append(Problem(name, where, f"parts.{key}", "needs {of: CONTROL, title: ...}"))
        elif of not in controls:
            problems.append(Problem(name, where, f"parts.{key}.of", f"{of!r} is not a control of this framework"))
        elif str(key) in controls:
            problems.append(Problem(name, where, f"parts.{key}", "is already a control of this framework"))
        else:
            out[str(key)] = (of, title)
    return out


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
    """Every control reference that names an unknown framework or control, states no strength, or
    repeats a control, at its line."""
    problems = []
    for policy in bundle.policies:
        doc = load_yaml(bundle.documents[policy.source])
        seen: set[str] = set()
        for i, ref in enumerate(policy.controls):
            fid, _, control = ref.partition(":")
            where = doc.line(("controls", i))
            field_name = f"controls[{i}]"
            if fid not in frameworks:
                message = f"unknown framework {fid!r}; known: {', '.join(sorted(frameworks))}"
            elif frameworks[fid].control_of(control) is None:
                message = f"{fid} has no control {control!r} (see {frameworks[fid].file})"
            elif policy.control_strength(i) not in STRENGTHS:
                message = f"{ref}: state the mapping's strength: {{control: {ref!r}, strength: full|partial}}"
            elif ref in seen:
                message = f"{ref} is mapped twice"
            else:
                seen.add(ref)
                continue
            problems.append(Problem(policy.source, where, field_name, message))
    return problems
