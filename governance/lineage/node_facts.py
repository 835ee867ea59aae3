"""Who owns a job or a dataset is first-write-wins, like the facts of a completed run (run_facts.py).

The `ownership` facet of a job or dataset feeds governance: a job's owners are authors of its runs
(separation of duties, governance.lineage.authors) and a dataset's owners are read by the lineage
rules. The first `ownership` a node receives is kept; a later event claiming different owners does not
change the projection: its claim is kept in `node_fact_conflict` (with who submitted it and the
event's digest) and every check whose training run or lineage closure includes the node lists it as
a finding (governance.gate.gather, governance.policy.trust.fact_conflict_findings). A claim naming the
same owners is no conflict. Within one batch the first claim in eventTime order is the first write.
"""

from __future__ import annotations

from typing import Any

from governance.lineage.authors import facet_names
from governance.lineage.batch_sql import BatchSQL, dumps
from governance.lineage.collect import OWNERSHIP, Node

OWNERS_FACT = "owners"


def owners(facet: Any) -> list[str]:
    """The sorted, distinct owner names of an `ownership` facet (what a conflict shows)."""
    return sorted(set(facet_names(facet)))


def conflicts(db: BatchSQL, nid: str, first: Any, node: Node, now: Any) -> list[tuple[Any, ...]]:
    """One row per claim of this batch naming other owners than `first` (the value that stands); the
    same names with another `_producer` or owner type are no conflict."""
    rows, standing = [], owners(first)
    for t, value, event in node.owner_claims:
        if owners(value) != standing:
            rows.append(
                (
                    nid,
                    OWNERS_FACT,
                    dumps(standing),
                    dumps(owners(value)),
                    event.item.submitted_by,
                    event.digest,
                    db.ts(t),
                    now,
                )
            )
    return rows


def record(db: BatchSQL, rows: list[tuple[Any, ...]]) -> None:
    db.insert(
        "INSERT INTO node_fact_conflict (node_id, fact, first_value, claimed_value, submitted_by, event_digest, "
        "event_time, received_at)",
        rows,
    )


__all__ = ["OWNERSHIP", "OWNERS_FACT", "conflicts", "owners", "record"]
