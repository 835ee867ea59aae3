"""Reading the ledger out: filtered listings, CSV/JSON exports an auditor can re-verify, anchor files."""

from __future__ import annotations

import csv
import io
import json
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import func
from sqlmodel import Session, col, select

from governance.digest import canonical_json
from governance.errors import InputError
from governance.ledger.chain import GENESIS, format_at
from governance.ledger.tables import LedgerCheckpoint, LedgerEntry
from governance.ledger.verify import CHECKPOINT_COLUMNS, ENTRY_COLUMNS

EXPORT_FORMAT = "gov-ledger-export/1"
# The CSV export keeps every value exactly as digested (a script recomputes each digest from it), so
# unlike the blocked-deployments register it does NOT neutralise cells a spreadsheet would run as a
# formula. Its first line says so; readers skip it (docs/ledger.md).
CSV_HEADER_COMMENT = (
    f"# {EXPORT_FORMAT} (csv): raw values for digest recomputation, not neutralised for spreadsheets "
    "(a cell may start with = + - @); import as text, never open by double-click; skip this line\n"
)
FORMATS = ("csv", "json")


def list_entries(
    session: Session, *, model: str | None = None, since: datetime | None = None, until: datetime | None = None
) -> list[LedgerEntry]:
    """Entries in chain order; `since` inclusive, `until` exclusive."""
    query = select(LedgerEntry).order_by(col(LedgerEntry.seq))
    if model is not None:
        query = query.where(LedgerEntry.model == model)
    if since is not None:
        query = query.where(LedgerEntry.at >= since)
    if until is not None:
        query = query.where(LedgerEntry.at < until)
    return list(session.exec(query))


def head_seq(session: Session) -> int:
    """The sequence number of the newest entry (0 for an empty ledger)."""
    return int(session.exec(select(func.coalesce(func.max(col(LedgerEntry.seq)), 0))).one())


def entry_to_dict(entry: LedgerEntry) -> dict[str, Any]:
    """An entry as exported: every digested field as stored, plus its digest."""
    return {
        "seq": entry.seq,
        "decision_id": entry.decision_id,
        "model": entry.model,
        "version": entry.version,
        "target": entry.target,
        "failing_policies": list(entry.failing_policies),
        "requested_by": entry.requested_by,
        "ci": dict(entry.ci),
        "at": format_at(entry.at),
        "prev_digest": entry.prev_digest,
        "digest": entry.digest,
    }


def checkpoint_to_dict(cp: LedgerCheckpoint) -> dict[str, Any]:
    """A checkpoint as exported; also the shape of an anchor file."""
    return {
        "seq": cp.seq,
        "head_digest": cp.head_digest,
        "at": format_at(cp.at),
        "algorithm": cp.algorithm,
        "signature": cp.signature,
        "signer_keyid": cp.signer_keyid,
        "signer_pem": cp.signer_pem,
    }


def export(session: Session, fmt: str = "json", since: datetime | None = None, until: datetime | None = None) -> str:
    """The ledger (or the entries within [since, until)) as CSV or JSON text."""
    if fmt not in FORMATS:
        raise InputError(f"unknown export format {fmt!r}; choose csv or json", where="format")
    entries = [entry_to_dict(e) for e in list_entries(session, since=since, until=until)]
    if fmt == "csv":
        out = io.StringIO()
        out.write(CSV_HEADER_COMMENT)
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(ENTRY_COLUMNS)
        for e in entries:
            # JSON-valued fields in their canonical form, so a script can recompute digests from the CSV.
            writer.writerow(
                [canonical_json(e[c]).decode() if c in ("failing_policies", "ci") else e[c] for c in ENTRY_COLUMNS]
            )
        return out.getvalue()
    from governance import __version__
    from governance.timeutil import iso, utcnow

    checkpoints = session.exec(select(LedgerCheckpoint).order_by(col(LedgerCheckpoint.seq))).all()
    return (
        json.dumps(
            {
                "format": EXPORT_FORMAT,
                "tool_version": __version__,
                "exported_at": iso(utcnow()),
                "genesis": GENESIS,
                "since": format_at(since) if since else None,
                "until": format_at(until) if until else None,
                "entries": entries,
                "checkpoints": [checkpoint_to_dict(c) for c in checkpoints],
            },
            indent=2,
            ensure_ascii=False,
        )
        + "\n"
    )


def load_anchors(path: Path) -> list[dict[str, Any]]:
    """Checkpoints kept outside the database: a JSON export, a list of checkpoints, or one checkpoint."""
    try:
        data = json.loads(path.read_text())
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise InputError(f"cannot read anchor file: {exc}", where=str(path)) from exc
    items = data.get("checkpoints", [data]) if isinstance(data, dict) else data
    if not isinstance(items, list):
        raise InputError("expected a ledger export, a list of checkpoints or one checkpoint", where=str(path))
    for i, item in enumerate(items):
        missing = [k for k in CHECKPOINT_COLUMNS if not isinstance(item, dict) or k not in item]
        if missing:
            raise InputError(f"checkpoint lacks {', '.join(missing)}", where=f"{path}: checkpoints[{i}]")
        if not isinstance(item["seq"], int) or item["seq"] < 1:
            raise InputError("seq must be a positive integer", where=f"{path}: checkpoints[{i}].seq")
    return items
