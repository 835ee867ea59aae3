"""YAML with line numbers: the data of one document plus the line of every key and item.

Built on yaml's composed nodes (their marks), so every problem can be reported as `file:line: field`.
Duplicate keys are an error (yaml would silently keep the last), and timestamps stay strings (a
policy is JSON data; dates are parsed where a field says so).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import yaml

Path_ = tuple[str | int, ...]
_TIMESTAMP = "tag:yaml.org,2002:timestamp"
if TYPE_CHECKING:
    _BASE = yaml.SafeLoader
else:
    _BASE = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class _Loader(_BASE):
    """Safe loading, without the implicit timestamp type."""

    yaml_implicit_resolvers = {
        first: [(tag, regexp) for tag, regexp in resolvers if tag != _TIMESTAMP]
        for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
    }


class YamlProblem(ValueError):
    def __init__(self, line: int, message: str) -> None:
        super().__init__(message)
        self.line = line
        self.message = message


@dataclass(frozen=True)
class YamlDoc:
    data: Any
    lines: dict[Path_, int]  # path -> 1-based line of its key (or item)
    content: dict[Path_, int]  # path -> 1-based line where its value's text starts

    def line(self, path: Path_) -> int:
        """The line of `path`, or of its nearest ancestor that has one."""
        for end in range(len(path), -1, -1):
            if path[:end] in self.lines:
                return self.lines[path[:end]]
        return 1

    def content_line(self, path: Path_) -> int:
        """The line where the text of `path`'s value starts (block scalars start below their key)."""
        return self.content.get(path, self.line(path))


def load_yaml(text: str) -> YamlDoc:
    """One YAML document with its line map; YamlProblem (with a line) for anything malformed."""
    loader = _Loader(text)
    try:
        node = loader.get_single_node()
        data = None if node is None else loader.construct_document(node)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        problem = exc.problem or str(exc)
        if exc.context and exc.context_mark is not None:
            problem += f" ({exc.context} that starts at line {exc.context_mark.line + 1})"
        raise YamlProblem(mark.line + 1 if mark else 1, problem) from exc
    except yaml.YAMLError as exc:
        raise YamlProblem(1, str(exc)) from exc
    finally:
        loader.dispose()
    lines: dict[Path_, int] = {}
    content: dict[Path_, int] = {}
    if node is not None:
        _walk(node, (), lines, content, node.start_mark.line + 1)
    return YamlDoc(data, lines, content)


def _walk(node: yaml.Node, path: Path_, lines: dict[Path_, int], content: dict[Path_, int], line: int) -> None:
    lines[path] = line
    block = isinstance(node, yaml.ScalarNode) and node.style in ("|", ">")
    content[path] = node.start_mark.line + (2 if block else 1)
    if isinstance(node, yaml.MappingNode):
        seen: dict[str, int] = {}
        for key, value in node.value:
            name = str(key.value)
            key_line = key.start_mark.line + 1
            if name in seen:
                raise YamlProblem(key_line, f"duplicate key {name!r} (first at line {seen[name]})")
            seen[name] = key_line
            _walk(value, (*path, name), lines, content, key_line)
    elif isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            _walk(item, (*path, index), lines, content, item.start_mark.line + 1)


def dotted(path: Path_) -> str:
    """`rule.required[0].role`."""
    out = ""
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out
