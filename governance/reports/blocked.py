"""The register of blocked deployments in a period: ledger entries, the chain's verification status and
the signed checkpoints that vouch for them. Read through the ledger's public functions only.
"""

from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass
from datetime import datetime
from fnmatch import fnmatchcase
from pathlib import Path
from typing import Any

from sqlmodel import Session

from governance.period import Period
from governance.reports.blocked_reasons import PERSON_CI_VARIABLES, BlockedReason, EntryContext, ci_person
from governance.reports.model import jsonable
from governance.timeutil import to_utc

# Why each entry was blocked is read in governance.reports.blocked_reasons; its public names stay importable here.
__all__ = [
    "CSV_COLUMNS",
    "FORMULA_STARTS",
    "PERSON_CI_VARIABLES",
    "PROVENANCE",
    "SCHEMA",
    "SIGNATURE_PROBLEMS",
    "BlockedEntry",
    "BlockedReason",
    "BlockedRegister",
    "ChainStatus",
    "CheckpointView",
    "build_blocked_register",
    "ci_person",
    "spreadsheet_safe",
]

SCHEMA = "gov.blocked-register/1"
CSV_COLUMNS = (
    "seq",
    "at",
    "model",
    "version",
    "target",
    "failing_policies",
    "requested_by",
    "ci",
    "decision_id",
    "digest",
    "prev_digest",
    "checkpointed",
    "requester_kind",
    "person_reported_by_pipeline",
    "why",
    "evidence",
    "findings",
    "remediation_owner",
    "due_date",
    "finding_status",
    "waiver_or_override",
)
# What each entry's fields rest on: `requested_by` is authenticated, `ci` is whatever the caller sent.
PROVENANCE = {
    "requested_by": "the identity of the API token (or local user) that ran the check",
    "ci": "CI variables as reported by the pipeline: claimed by the caller, not verified",
    "requester_kind": "pipeline when the check carried CI variables or its token holds the checker role, else person",
    "person_reported_by_pipeline": "the person a CI variable names (GITHUB_ACTOR...): as reported by the pipeline",
    "reasons": "each failing policy's verdict message and evidence, from the stored decision",
    "findings": "the findings register's entry for each failing policy (owner, due date, status as of now)",
}
SIGNATURE_PROBLEMS = frozenset({"bad_signature", "bad_checkpoint", "untrusted_signer"})


@dataclass(frozen=True)
class BlockedEntry:
    seq: int
    at: datetime
    model: str
    version: str
    target: str
    failing_policies: tuple[str, ...]
    requested_by: str  # the identity of the token that asked (authenticated)
    ci: dict[str, str]  # CI variables as reported by the pipeline: claimed by the caller, not verified
    decision_id: str
    digest: str
    prev_digest: str
    checkpointed: bool  # a signed checkpoint at or after this entry covers it
    requester_kind: str = "person"  # person | pipeline
    ci_person: str | None = None  # the person a CI variable names: as reported by the pipeline, not verified
    reasons: tuple[BlockedReason, ...] = ()
    override: str | None = None  # a later deployable decision for the same version and target, if any

    def waivers(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(r.waiver for r in self.reasons if r.waiver))


@dataclass(frozen=True)
class CheckpointView:
    seq: int
    at: datetime
    algorithm: str
    signer_keyid: str
    signer: str
    head_digest: str
    signature: str  # verified | invalid: ...
    head: str  # matches | mismatch | beyond the chain


@dataclass(frozen=True)
class ChainStatus:
    ok: bool
    summary: str
    entries_checked: int
    head_seq: int
    head_digest: str
    last_checkpoint_seq: int | None
    trusted_signer: str | None  # where the trust roots came from (a file, GOV_LEDGER_TRUST), if any
    problems: tuple[str, ...]
    warnings: tuple[str, ...]


@dataclass(frozen=True)
class BlockedRegister:
    period: Period
    model_glob: str
    generated_at: datetime
    policy_bundle_digest: str | None
    entries: tuple[BlockedEntry, ...]
    chain: ChainStatus
    checkpoints: tuple[CheckpointView, ...]

    def to_dict(self) -> dict[str, Any]:
        from dataclasses import fields

        body = {f.name: jsonable(getattr(self, f.name)) for f in fields(self)}
        return {
            "schema": SCHEMA,
            **body,
            "policy_bundle": {"digest": self.policy_bundle_digest},
            "provenance": PROVENANCE,
        }

    def to_json(self) -> bytes:
        return (json.dumps(self.to_dict(), indent=2, sort_keys=True, ensure_ascii=False) + "\n").encode()

    def to_csv(self) -> str:
        """One row per blocked deployment; JSON-valued cells in canonical JSON. A human-facing export: every
        cell a spreadsheet would run as a formula is neutralised (`spreadsheet_safe`). For digest
        recomputation use `gov ledger export`, which keeps raw values."""
        from governance.digest import canonical_json
        from governance.ledger.chain import format_at

        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(CSV_COLUMNS)
        for e in self.entries:
            row = [
                e.seq,
                format_at(e.at),
                e.model,
                e.version,
                e.target,
                canonical_json(list(e.failing_policies)).decode(),
                e.requested_by,
                canonical_json(e.ci).decode(),
                e.decision_id,
                e.digest,
                e.prev_digest,
                "yes" if e.checkpointed else "no",
                e.requester_kind,
                f"{e.ci_person} (as reported by the pipeline)" if e.ci_person else "",
                "; ".join(f"{r.policy_id}: {r.why}" for r in e.reasons),
                "; ".join(f"{r.policy_id}: {', '.join(r.evidence) or 'no evidence'}" for r in e.reasons),
                "; ".join(f"{r.policy_id}: {r.finding_id or 'none'}" for r in e.reasons),
                "; ".join(f"{r.policy_id}: {r.owner or 'unassigned'}" for r in e.reasons),
                "; ".join(
                    f"{r.policy_id}: {r.due_date.date().isoformat() if r.due_date else 'none'}" for r in e.reasons
                ),
                "; ".join(f"{r.policy_id}: {r.status or 'no finding'}" for r in e.reasons),
                "; ".join([*e.waivers(), *([e.override] if e.override else [])]),
            ]
            writer.writerow([spreadsheet_safe(str(cell)) for cell in row])
        return out.getvalue()


FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def spreadsheet_safe(cell: str) -> str:
    """`cell` with a leading `'` when it starts like a spreadsheet formula (`=`, `+`, `-`, `@`, tab, CR),
    so Excel, LibreOffice and Sheets show it as text instead of running it (CSV/formula injection)."""
    return "'" + cell if cell.startswith(FORMULA_STARTS) else cell


def _subject(pem: str) -> str:
    from cryptography import x509

    try:
        return x509.load_pem_x509_certificate(pem.encode()).subject.rfc4514_string()
    except ValueError:
        return "unreadable certificate"


def build_blocked_register(
    session: Session,
    *,
    period: Period,
    model_glob: str = "*",
    trust_cert: Path | None = None,
    policy_bundle_digest: str | None = None,
    now: datetime,
) -> BlockedRegister:
    """Blocked deployments in `period` for models matching `model_glob`, with the whole chain verified."""
    from sqlmodel import col, select

    from governance.ledger.export import list_entries
    from governance.ledger.tables import LedgerCheckpoint
    from governance.ledger.verify import verify_chain
    from governance.signing.ledger_keys import configured_trust_roots, load_trust_roots

    if trust_cert is not None:
        roots, source = load_trust_roots([trust_cert]), str(trust_cert)
    else:
        roots, source = configured_trust_roots()
    report = verify_chain(session, trust_roots=roots, trust_source=source)
    checkpoints = session.exec(select(LedgerCheckpoint).order_by(col(LedgerCheckpoint.seq))).all()
    last_cp = max((cp.seq for cp in checkpoints), default=0)
    rows = [e for e in list_entries(session, since=period.start, until=period.end) if fnmatchcase(e.model, model_glob)]
    context = EntryContext.load(session, rows, now=to_utc(now))
    entries = tuple(
        BlockedEntry(
            e.seq,
            to_utc(e.at),
            e.model,
            e.version,
            e.target,
            tuple(e.failing_policies),
            e.requested_by,
            dict(e.ci),
            e.decision_id,
            e.digest,
            e.prev_digest,
            e.seq <= last_cp,
            requester_kind=context.requester_kind(e.requested_by, e.ci),
            ci_person=ci_person(e.ci),
            reasons=context.reasons(e),
            override=context.override(e),
        )
        for e in rows
    )
    problems_at: dict[int, list[Any]] = {}
    for p in report.problems:
        problems_at.setdefault(p.seq, []).append(p)
    views = []
    for cp in checkpoints:
        found = problems_at.get(cp.seq, [])
        bad_sig = [p for p in found if p.kind in SIGNATURE_PROBLEMS]
        head = (
            "beyond the chain"
            if cp.seq > report.head_seq
            else "mismatch"
            if any(p.kind == "checkpoint_mismatch" for p in found)
            else "matches"
        )
        views.append(
            CheckpointView(
                cp.seq,
                to_utc(cp.at),
                cp.algorithm,
                cp.signer_keyid,
                _subject(cp.signer_pem),
                cp.head_digest,
                f"invalid: {bad_sig[0].message}" if bad_sig else "verified",
                head,
            )
        )
    chain = ChainStatus(
        report.ok,
        report.summary(),
        report.entries_checked,
        report.head_seq,
        report.head_digest,
        report.last_checkpoint_seq,
        source if roots else None,
        tuple(p.line() for p in report.problems),
        tuple(report.warnings),
    )
    return BlockedRegister(period, model_glob, to_utc(now), policy_bundle_digest, entries, chain, tuple(views))
