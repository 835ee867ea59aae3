"""The lineage closure of a training run as the evaluation context holds it: the datasets it read and
everything upstream of them, with the facts derived from their facets (classifications, owners,
deletions). Part of building a check's context (governance.gate.gather)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import and_, select
from sqlmodel import Session

from governance.lineage.authors import facet_names
from governance.lineage.submissions import dataset_facet_versions
from governance.policy.context import DatasetInfo
from governance.store.tables import Dataset, DatasetFacetVersion
from governance.timeutil import iso, parse_optional_timestamp, to_utc

CHUNK = 500
# Tag keys (schema field tags, dataset `tags` facet) whose value is a data classification.
CLASSIFICATION_KEYS = frozenset({"classification", "data_classification", "sensitivity"})
CLASSIFYING = ("schema", "tags")  # the facets classifications are read from (besides `ownership`)
DELETIONS = frozenset({"DROP", "TRUNCATE"})
LIFECYCLE = "lifecycleStateChange"


def _classified(tags: Any) -> list[str]:
    return [
        str(t["value"])
        for t in tags or []
        if isinstance(t, dict) and str(t.get("key", "")).lower() in CLASSIFICATION_KEYS and t.get("value")
    ]


def _field_classes(fields: Any) -> list[str]:
    out: list[str] = []
    for f in fields or []:
        if isinstance(f, dict):
            out += _classified(f.get("tags"))
            out += _field_classes(f.get("fields"))  # nested (struct) fields
    return out


def classifications(facets: dict[str, Any], earlier: list[str] | None = None) -> tuple[str, ...]:
    """Classification tags of a dataset and of its schema fields, plus `owner:<name>` per owner, and the
    `earlier` ones (those of the facets' earlier values: a classification once recorded stays)."""
    found = _field_classes((facets.get("schema") or {}).get("fields"))
    found += _classified((facets.get("tags") or {}).get("tags"))
    found += [f"owner:{name}" for name in facet_names(facets.get("ownership"))]
    found += earlier or []
    unique: dict[str, str] = {}
    for value in found:
        unique.setdefault(value.casefold(), value)
    return tuple(sorted(unique.values(), key=str.casefold))


# ---- lineage closure ---------------------------------------------------------------------------
def closure(session: Session, run_id: str) -> tuple[DatasetInfo, ...]:
    """Datasets the run read (depth 1) and everything upstream of them (dataset-to-dataset steps)."""
    from governance.lineage.graph import closure_of_run

    depth = closure_of_run(session, run_id)  # the whole closure: policies bound it with their own `depth`
    if not depth:
        return ()
    d = Dataset.__table__  # type: ignore[attr-defined]
    rows = select_in(
        session, d.c.node_id, [d.c.id, d.c.node_id, d.c.namespace, d.c.name, d.c.facets, d.c.first_seen], sorted(depth)
    )
    deletions = _deletions(session, {r.id: r.node_id for r in rows})
    earlier = _earlier_classes(session, [r.id for r in rows])
    out = []
    for r in rows:
        facets = dict(r.facets or {})
        claims = deletions.get(r.id, ())
        out.append(
            DatasetInfo(
                id=r.node_id,
                namespace=r.namespace,
                name=r.name,
                depth=depth[r.node_id],
                classifications=classifications(facets, earlier.get(r.id)),
                owners=tuple(sorted(set(facet_names(facets.get("ownership"))))),
                first_seen=to_utc(r.first_seen),
                deletion=claims[0]["state"] if claims else None,
                deleted_at=parse_optional_timestamp(claims[0]["at"]) if claims else None,
                facets=facets,
                deletions=claims,
            )
        )
    return tuple(sorted(out, key=lambda x: (x.depth, x.id)))


def _earlier_classes(session: Session, dataset_ids: list[int]) -> dict[int, list[str]]:
    """The classifications every earlier value of each dataset's `schema` and `tags` facets held. The
    projection keeps a facet's newest value, so without these a later facet (anyone's: an `ingest`
    token's too) leaving a tag out would take the dataset out of the rules for its class (retention,
    restricted data). Classifications therefore only accumulate: a later facet can add one, never
    remove one."""
    v = DatasetFacetVersion.__table__  # type: ignore[attr-defined]
    out: dict[int, list[str]] = {}
    for start in range(0, len(dataset_ids), CHUNK):
        stmt = select(v.c.dataset_id, v.c.facet, v.c.value).where(
            and_(v.c.dataset_id.in_(dataset_ids[start : start + CHUNK]), v.c.facet.in_(CLASSIFYING))
        )
        for dataset_id, facet, value in session.execute(stmt).all():
            found = classifications({facet: value}) if isinstance(value, dict) else ()
            if found:
                out.setdefault(dataset_id, []).extend(found)
    return out


def _deletions(session: Session, datasets: dict[int, str]) -> dict[int, tuple[dict[str, Any], ...]]:
    """Every DROP/TRUNCATE lifecycle change each dataset received, earliest first, with everyone who
    submitted it (a policy counts only trusted ones: governance.policy.trust)."""
    out: dict[int, tuple[dict[str, Any], ...]] = {}
    for ident, versions in dataset_facet_versions(session, datasets, LIFECYCLE).items():
        claims = []
        for v in versions:
            state = str((v.value or {}).get(LIFECYCLE, "")).upper() if isinstance(v.value, dict) else ""
            if state in DELETIONS:  # one claim per submitter, at the first event it sent
                claims += [{"state": state, "at": iso(at), "submitted_by": [who]} for who, at in v.first_by]
        if claims:
            out[ident] = tuple(sorted(claims, key=lambda c: (c["at"], c["state"])))
    return out


def select_in(session: Session, column: Any, columns: list[Any], keys: list[Any]) -> list[Any]:
    rows: list[Any] = []
    for start in range(0, len(keys), CHUNK):
        rows.extend(session.execute(select(*columns).where(column.in_(keys[start : start + CHUNK]))).all())
    return rows
