"""Who a run belongs to: the owners of its job (`ownership` facet) and the run's own authors.

A lineage fact, read by the gate (the context's training run) and by approvals (separation of
duties: an author of the training run may not approve its model version).
"""

from __future__ import annotations

from typing import Any

from sqlmodel import Session

from governance.evidence.custom_facets import AUTHORS

# `gov_runAuthors` (lineage/facets/2-0-0/RunAuthorsRunFacet.json); its 1-0-0 key `runAuthors` is read too
AUTHORS_FACET = AUTHORS.key


def facet_names(facet: Any, key: str = "owners") -> list[str]:
    """The `name` of every entry under `key` of an ownership-like facet (nothing when malformed)."""
    if not isinstance(facet, dict):
        return []
    return [str(o["name"]) for o in facet.get(key) or [] if isinstance(o, dict) and o.get("name")]


def authors_of(job_facets: dict[str, Any], run_facets: dict[str, Any]) -> tuple[str, ...]:
    """The job's owners and the run's authors (prefixed key preferred), sorted, each once."""
    names = facet_names(job_facets.get("ownership")) + facet_names(AUTHORS.read(run_facets), "authors")
    return tuple(sorted(set(names)))


def run_authors(session: Session, run_id: str | None) -> tuple[str, ...]:
    """The authors of a stored run (empty when there is no run id or the run is unknown)."""
    from governance.store.tables import Job, Run

    run = session.get(Run, run_id) if run_id else None
    if run is None:
        return ()
    job = session.get(Job, run.job_id)
    return authors_of(dict(job.facets) if job is not None else {}, dict(run.facets))
