"""The names of gov's own OpenLineage facets: keys with the project prefix, schemas at versioned URLs.

The OpenLineage spec asks custom facets to carry a prefix in their key (`gov_fairnessEvaluation`)
and a `_schemaURL` at an immutable, versioned location. gov writes only the prefixed keys; it
still accepts the unprefixed keys of schema 1-0-0 (stored events carry them), and every reader
takes the prefixed key when an event holds both. Schema files mirror their URL:
`lineage/facets/<version>/<File>.json`; the 1-0-0 files stay at `lineage/facets/<File>.json`,
unchanged, so stored events keep validating against the schema they were written to.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

PREFIX = "gov_"
SCHEMA_HOST = "https://gov-audit.dev/spec/facets"
VERSION = "2-0-0"  # the prefixed keys
LEGACY_VERSION = "1-0-0"  # the unprefixed keys, read only


@dataclass(frozen=True)
class CustomFacet:
    """One of gov's facets: `name` is the unprefixed (1-0-0) key, `definition` its schema's `$defs` entry."""

    name: str
    definition: str

    @property
    def key(self) -> str:
        """The key gov writes: `gov_<name>`."""
        return PREFIX + self.name

    @property
    def legacy_key(self) -> str:
        """The 1-0-0 key, still accepted on ingest and by every reader."""
        return self.name

    @property
    def keys(self) -> tuple[str, str]:
        """Both keys, the preferred first."""
        return (self.key, self.legacy_key)

    def schema_id(self, version: str = VERSION) -> str:
        return f"{SCHEMA_HOST}/{version}/{self.definition}.json"

    def schema_url(self, version: str = VERSION) -> str:
        """The `_schemaURL` a facet of this version carries (a JSON pointer to its definition)."""
        return f"{self.schema_id(version)}#/$defs/{self.definition}"

    def schema_parts(self, version: str = VERSION) -> tuple[str, ...]:
        """The schema file under the `lineage` data folder (for `assets.asset_path("lineage", *parts)`)."""
        name = f"{self.definition}.json"
        return ("facets", name) if version == LEGACY_VERSION else ("facets", version, name)

    def read(self, facets: Mapping[str, Any] | None) -> Any:
        """The facet in `facets` under its prefixed key, else under its 1-0-0 key (None when absent)."""
        if not facets:
            return None
        value = facets.get(self.key)
        return value if value is not None else facets.get(self.legacy_key)

    def present_key(self, facets: Mapping[str, Any] | None) -> str:
        """The key `read` takes its value from (the prefixed key when neither is present)."""
        if facets and facets.get(self.key) is None and facets.get(self.legacy_key) is not None:
            return self.legacy_key
        return self.key


FAIRNESS = CustomFacet("fairnessEvaluation", "FairnessEvaluationRunFacet")
VALIDATION = CustomFacet("validationResults", "ValidationResultsRunFacet")
AUTHORS = CustomFacet("runAuthors", "RunAuthorsRunFacet")
ALL: tuple[CustomFacet, ...] = (FAIRNESS, VALIDATION, AUTHORS)


def by_key(key: str) -> tuple[CustomFacet, str] | None:
    """The facet a key names and the schema version of that key (None for another facet's key)."""
    for facet in ALL:
        if key == facet.key:
            return facet, VERSION
        if key == facet.legacy_key:
            return facet, LEGACY_VERSION
    return None


def shadowed(key: str, facets: Mapping[str, Any]) -> bool:
    """True for a 1-0-0 key whose prefixed key is also in `facets`: readers take the prefixed one."""
    found = by_key(key)
    return found is not None and found[1] == LEGACY_VERSION and facets.get(found[0].key) is not None
