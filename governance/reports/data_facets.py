"""What the data section reads from a dataset's lineage facets: its logical name (never a local path), its
row count, the fields and tags marking special-category or personal data, and its retention deadline under
the bundle's data-retention policies.
"""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

from governance.timeutil import to_utc

NOT_REPORTED = "not reported"
# Tag values (schema field tags, dataset `tags` facet) marking special-category data (GDPR Art. 9,
# AI Act Art. 10(5)) and personal data.
SPECIAL_VALUES = frozenset({"sensitive", "special_category", "special-category", "special category", "art9"})
PERSONAL_VALUES = frozenset({"pii", "personal", "personal_data", "personal data"})
CLASSIFICATION_KEYS = frozenset({"classification", "data_classification", "sensitivity"})
ROW_COUNT_FACETS = ("outputStatistics", "dataQualityMetrics")
_WINDOWS_PATH = re.compile(r"^[A-Za-z]:[\\/]")


# ---- names -----------------------------------------------------------------------------------------
def _basename(text: str) -> str:
    parts = [p for p in re.split(r"[\\/]", text) if p]
    return parts[-1] if parts else text


def logical_name(namespace: str, name: str) -> str:
    """`namespace:name` for the report: a local file (a `file` namespace, or any absolute path) is its file
    name only, so no report shows where the data sits on someone's disk."""
    ns = namespace or ""
    if ns.startswith("file") or name.startswith(("/", "~", "\\")) or _WINDOWS_PATH.match(name):
        return f"file:{_basename(name)}"
    return f"{ns}:{name}" if ns else name


def logical_source(text: str | None) -> str:
    """A free-text data source (an evidence's `data_source`) without a local path."""
    if not text:
        return NOT_REPORTED
    value = str(text)
    if value.startswith("file://"):
        return f"file:{_basename(value[len('file://') :])}"
    if value.startswith(("/", "~", "./", "../", "\\")) or _WINDOWS_PATH.match(value):
        return f"file:{_basename(value)}"
    if value.startswith("dataset:"):
        node = value[len("dataset:") :]
        if node.startswith("file") or "/" in node.rsplit(":", 1)[-1][:1]:
            return f"file:{_basename(node)}"
        return node
    return value


# ---- facets ----------------------------------------------------------------------------------------
def row_count(*facet_sets: dict[str, Any] | None) -> tuple[int | None, str]:
    """(rows, facet name) from the first facet set that reports `rowCount`; (None, "not reported")."""
    for facets in facet_sets:
        for key in ROW_COUNT_FACETS:
            value = ((facets or {}).get(key) or {}).get("rowCount")
            if isinstance(value, int) and not isinstance(value, bool) and value >= 0:
                return value, key
    return None, NOT_REPORTED


def _tag_pairs(tags: Any) -> list[tuple[str, str, str | None]]:
    """(key, value, field) of a tags list (dicts or plain strings)."""
    out = []
    for t in tags or []:
        if isinstance(t, dict):
            out.append((str(t.get("key") or ""), str(t.get("value") or ""), t.get("field")))
        elif isinstance(t, str):
            out.append(("", t, None))
    return out


def _marks(pairs: list[tuple[str, str, str | None]]) -> tuple[str, ...]:
    """The special-category / personal-data marks among tag pairs."""
    found = []
    for key, value, _ in pairs:
        k, v = key.casefold(), value.casefold()
        if (k in CLASSIFICATION_KEYS or not k) and (v in SPECIAL_VALUES or v in PERSONAL_VALUES):
            found.append(value)
        elif (k in SPECIAL_VALUES or k in PERSONAL_VALUES) and v in ("true", "yes", "1"):
            found.append(key)
    return _dedupe(found)


def _dedupe(values: list[str]) -> tuple[str, ...]:
    """Distinct values, case-insensitively, first spelling kept."""
    seen: dict[str, str] = {}
    for v in values:
        seen.setdefault(v.casefold(), v)
    return tuple(seen.values())


def _fields(fields: Any, prefix: str = "") -> list[tuple[str, Any]]:
    out = []
    for f in fields or []:
        if isinstance(f, dict) and f.get("name"):
            name = f"{prefix}{f['name']}"
            out.append((name, f.get("tags")))
            out += _fields(f.get("fields"), name + ".")
    return out


def special_fields(facets: dict[str, Any]) -> dict[str, tuple[str, ...]]:
    """{field: marks} of the fields a dataset's facets tag as special-category or personal data (schema
    field tags, and dataset tags naming a `field`)."""
    out: dict[str, list[str]] = {}
    for name, tags in _fields((facets.get("schema") or {}).get("fields")):
        marks = _marks(_tag_pairs(tags))
        if marks:
            out.setdefault(name, []).extend(marks)
    for key, value, field in _tag_pairs((facets.get("tags") or {}).get("tags")):
        if field:
            marks = _marks([(key, value, None)])
            if marks:
                out.setdefault(str(field), []).extend(marks)
    return {k: _dedupe(v) for k, v in out.items()}


def other_tags(facets: dict[str, Any]) -> tuple[str, ...]:
    out = []
    for key, value, field in _tag_pairs((facets.get("tags") or {}).get("tags")):
        if key.casefold() in CLASSIFICATION_KEYS and not field:
            continue  # shown as a classification
        label = f"{key}={value}" if key else value
        out.append(f"{field}: {label}" if field else label)
    return tuple(dict.fromkeys(out))


# ---- retention -------------------------------------------------------------------------------------
def retention_limits(bundle: Any) -> list[tuple[str, str, timedelta]]:
    """(policy id, classification, max age) of the bundle's data-retention policies."""
    out = []
    for p in getattr(bundle, "policies", ()) or ():
        if p.kind == "data_retention":
            for cls, age in getattr(p.rule, "max_age", ()) or ():
                out.append((p.id, str(cls), age))
    return out


def retention_deadline(ds: Any, limits: list[tuple[str, str, timedelta]]) -> str:
    """When the dataset must be deleted under the strictest limit that applies to its classifications."""
    from governance.policy.durations import describe

    classes = {c.casefold() for c in ds.classifications}
    applying = sorted((age, cls, pid) for pid, cls, age in limits if cls.casefold() in classes)
    if not applying:
        return "no retention limit applies" if limits else "no retention policy in the bundle"
    age, cls, pid = applying[0]
    if ds.first_seen is None:
        return f"{describe(age)} ({cls}, {pid}); first seen unknown, so the deadline is unknown"
    deadline = to_utc(ds.first_seen) + age
    return f"{deadline.date().isoformat()} ({describe(age)} for {cls}, {pid})"
