"""CEL (common-expression-language 0.10, module `cel`) for `condition` policies.

Expressions are compiled once when the policy loads; their variables must be top-level keys of the
evaluation context. Evaluation returns the raw value; the `condition` kind decides what it means.
"""

from __future__ import annotations

import importlib.machinery
import importlib.util
import re
import sys
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any

# The variables a CEL expression may read: the top-level keys of EvaluationContext.to_dict().
VARIABLES = frozenset(
    {
        "schema",
        "evaluated_at",
        "target",
        "model",
        "version",
        "training_run",
        "datasets",
        "validation",
        "fairness",
        "approvals",
        "waivers",
    }
)
_POSITION = re.compile(r"<input>:(\d+):(\d+)")
# Comprehension macros bind their first argument: `datasets.all(d, ...)` reads `d`, not a context variable.
_BOUND = re.compile(r"\.\s*(?:all|exists|exists_one|map|filter)\s*\(\s*([A-Za-z_]\w*)\s*,")


def native() -> ModuleType:
    """The compiled `cel.cel` extension.

    `import cel` runs the package's __init__, which also imports its interactive CLI (prompt_toolkit,
    pygments, rich): about 350 ms, more than the whole time budget of `gov check`. The extension
    module alone loads in a few milliseconds. It is registered under its real name, `cel.cel`, so a
    later plain `import cel` reuses the same module instead of initialising the extension twice.
    """
    loaded = sys.modules.get("cel.cel")
    if loaded is not None:
        return loaded
    if "cel" in sys.modules:  # the package is already imported (tests, REPL): use it
        return sys.modules["cel"]
    spec = importlib.util.find_spec("cel")
    if spec is None or not spec.submodule_search_locations:
        raise ImportError("common-expression-language is not installed")
    folder = Path(next(iter(spec.submodule_search_locations)))
    candidates = sorted(folder.glob("cel.*.so")) + sorted(folder.glob("cel.*.pyd"))
    if not candidates:
        raise ImportError(f"no compiled cel extension in {folder}")
    loader = importlib.machinery.ExtensionFileLoader("cel.cel", str(candidates[0]))
    module_spec = importlib.util.spec_from_file_location("cel.cel", str(candidates[0]), loader=loader)
    assert module_spec is not None
    module = importlib.util.module_from_spec(module_spec)
    loader.exec_module(module)
    sys.modules["cel.cel"] = module
    return module


# Cost bound (issue 12, item 7). The CEL runtime cannot be interrupted, so the bound is checked before
# an expression runs: comprehension macros nested `depth` deep over collections of at most `n` items
# take at most (n + 1) ** depth steps. Past `max_cost` (the policy's `max_cost`, else GOV_CEL_MAX_COST,
# else DEFAULT_MAX_COST: about a second of CPU at ~1M steps/s) the verdict is `error`, never a slow
# pass. The bound depends only on the expression and the context, so a replay reaches the same verdict.
DEFAULT_MAX_COST = 1_000_000
# `gov policy lint` assumes collections of this many items when it bounds an expression statically.
LINT_COLLECTION_SIZE = 50
_MACRO = re.compile(r"\.\s*(?:all|exists|exists_one|map|filter)\s*\($")
_STRING = re.compile(r"""[rRbB]{0,2}(?:'{3}.*?'{3}|"{3}.*?"{3}|'(?:[^'\\\n]|\\.)*'|"(?:[^"\\\n]|\\.)*")""", re.DOTALL)


def comprehension_depth(source: str) -> int:
    """How deeply comprehension macros (all, exists, exists_one, map, filter) nest in `source`."""
    text = _STRING.sub('""', source)
    stack: list[bool] = []  # per open parenthesis: does it open a macro?
    depth = deepest = 0
    for index, char in enumerate(text):
        if char == "(":
            macro = bool(_MACRO.search(text[max(0, index - 20) : index + 1]))
            stack.append(macro)
            depth += macro
            deepest = max(deepest, depth)
        elif char == ")" and stack:
            depth -= stack.pop()
    return deepest


def largest_collection(value: Any) -> int:
    """The most items of any list or map inside `value` (0 for none)."""
    largest, stack = 0, [value]
    while stack:
        item = stack.pop()
        if isinstance(item, dict):
            largest = max(largest, len(item))
            stack.extend(item.values())
        elif isinstance(item, list | tuple):
            largest = max(largest, len(item))
            stack.extend(item)
    return largest


def max_cost_setting() -> int:
    """GOV_CEL_MAX_COST, else DEFAULT_MAX_COST."""
    import os

    text = os.environ.get("GOV_CEL_MAX_COST", "").strip()
    if not text:
        return DEFAULT_MAX_COST
    if not text.isdigit() or int(text) < 1:
        from governance.errors import ConfigError

        raise ConfigError(f"GOV_CEL_MAX_COST must be a positive integer, not {text[:40]!r}", where="GOV_CEL_MAX_COST")
    return int(text)


def cost_bound(depth: int, collection_size: int) -> int:
    """Upper bound of the steps an expression takes: (n + 1) ** depth (1 without comprehensions)."""
    return int((collection_size + 1) ** depth)


class CelSyntaxError(ValueError):
    """An expression that does not compile, with its 1-based line within the expression text."""

    def __init__(self, message: str, line: int = 1) -> None:
        super().__init__(message)
        self.line = line


@dataclass(frozen=True)
class Expression:
    source: str
    program: Any  # cel.Program
    variables: tuple[str, ...]
    depth: int = 0  # comprehension nesting (comprehension_depth)

    def cost(self, activation: dict[str, Any]) -> int:
        """The cost bound of running over `activation` (list literals in the source count as collections)."""
        if not self.depth:
            return 1
        literal = self.source.count(",") + 1  # no list literal in the source has more items than this
        return cost_bound(self.depth, max(largest_collection(activation), literal))

    def run(self, activation: dict[str, Any]) -> Any:
        """Evaluate with the given variables; raises what the CEL runtime raises."""
        return self.program.execute(activation)


def compile_expression(source: str) -> Expression:
    """Compile once; reject syntax errors and variables that are not in the context."""
    try:
        program = native().compile(source)
    except ValueError as exc:
        text = str(exc)
        match = _POSITION.search(text)
        line = int(match.group(1)) if match else 1
        raise CelSyntaxError(text.split("\n", 1)[0], line) from exc
    bound = set(_BOUND.findall(source))
    variables = tuple(sorted(v for v in program.variables() if v in VARIABLES))
    unknown = sorted(v for v in program.variables() if v not in VARIABLES and v not in bound)
    if unknown:
        raise CelSyntaxError(
            f"unknown variable(s) {', '.join(unknown)}; the context has {', '.join(sorted(VARIABLES))}"
        )
    return Expression(source, program, variables, comprehension_depth(source))
