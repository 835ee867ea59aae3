"""Verifying the ledger: recompute every digest and link from genesis, and check the signed checkpoints.

Rows are read as stored (driver values, parsed here) rather than through the ORM, so a row an
attacker filled with garbage is reported as a problem at its seq instead of stopping the check.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sqlmodel import Session

from governance.digest import json_sha256
from governance.errors import InputError
from governance.ledger.chain import GENESIS, checkpoint_statement, entry_preimage
from governance.signing import ledger_keys

ENTRY_COLUMNS = (
    "seq",
    "decision_id",
    "model",
    "version",
    "target",
    "failing_policies",
    "requested_by",
    "ci",
    "at",
    "prev_digest",
    "digest",
)
CHECKPOINT_COLUMNS = ("seq", "head_digest", "at", "algorithm", "signature", "signer_keyid", "signer_pem")
NO_CHECKPOINT = (
    "no signed checkpoint: removing the newest entries, or rewriting the whole chain, would go "
    "unnoticed (run `gov keys init`, then `gov ledger checkpoint`)"
)
UNPINNED_SIGNER = (
    "no trust root: checkpoint signatures were checked only against the key stored with each checkpoint, "
    "which whoever can rewrite the ledger can replace too; set GOV_LEDGER_TRUST or pass --trust-cert"
)


@dataclass(frozen=True)
class Problem:
    """One sign of tampering, at the entry (or checkpoint) `seq` where it shows."""

    seq: int
    # edited | unreadable | missing | broken_link | truncated | checkpoint_mismatch | checkpoint_missing |
    # bad_checkpoint | bad_signature | untrusted_signer
    kind: str
    message: str

    def line(self) -> str:
        return f"seq {self.seq}: {self.kind}: {self.message}"


@dataclass
class ChainReport:
    """What `verify_chain` checked and every problem it found."""

    entries_checked: int = 0
    checkpoints_checked: int = 0
    head_seq: int = 0
    head_digest: str = GENESIS
    last_checkpoint_seq: int | None = None
    trusted_signer: bool = False  # checkpoints were checked against trust roots (not the stored keys)
    trust_source: str = "none"  # where the trust roots came from (--trust-cert, GOV_LEDGER_TRUST, a key folder)
    blocked_decisions: int = 0  # decisions recorded as blocked (ledger = appended) still in the database
    problems: list[Problem] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems

    def summary(self) -> str:
        """One line: verdict and counts."""
        verdict = "intact" if self.ok else f"TAMPERED ({len(self.problems)} problem(s))"
        anchored = "no checkpoint"
        if self.last_checkpoint_seq:
            newer = max(self.head_seq - self.last_checkpoint_seq, 0)
            anchored = f"last checkpoint at seq {self.last_checkpoint_seq} ({newer} newer entries)"
        return (
            f"ledger {verdict}: {self.entries_checked} entries, {self.checkpoints_checked} checkpoints "
            f"checked; head seq {self.head_seq}; {anchored}"
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "ok": self.ok,
            "entries_checked": self.entries_checked,
            "checkpoints_checked": self.checkpoints_checked,
            "head_seq": self.head_seq,
            "head_digest": self.head_digest,
            "last_checkpoint_seq": self.last_checkpoint_seq,
            "trusted_signer": self.trusted_signer,
            "trust_source": self.trust_source,
            "blocked_decisions": self.blocked_decisions,
            "problems": [{"seq": p.seq, "kind": p.kind, "message": p.message} for p in self.problems],
            "warnings": list(self.warnings),
        }


def verify_chain(
    session: Session,
    *,
    trust_cert: str | None = None,
    anchors: Sequence[Mapping[str, Any]] = (),
    trust_roots: Sequence[str] = (),
    trust_source: str | None = None,
    checkpoint_every: int | None = None,
) -> ChainReport:
    """Check the whole ledger against what the verifier trusts (docs/ledger.md, "Threat model").

    `trust_roots` (and `trust_cert`, one more): PEM certificates or public keys; every checkpoint must
    be signed by one of them, checked with the root's key, never with the key stored beside the
    checkpoint. With roots, a ledger without checkpoints, or with more than `checkpoint_every` entries
    after its last checkpoint (an automatic one is due by then), fails. Without roots the signatures are
    only self-consistent, and the report says so. `anchors`: checkpoints kept outside the database (an
    earlier export); each must still hold. Every decision stored as blocked must have its entry."""
    from governance.ledger.chain import checkpoint_interval

    roots = [*trust_roots, *([trust_cert] if trust_cert is not None else [])]
    report = ChainReport(trusted_signer=bool(roots), trust_source=trust_source or ("given" if roots else "none"))
    checkpoints = _checkpoints(session, anchors, report)
    expected_head = {cp["seq"]: cp["head_digest"] for cp in checkpoints}
    for cp in checkpoints:
        _check_signature(cp, roots, report)
    chain_decisions = _check_entries(session, expected_head, report)
    for seq in sorted(s for s in expected_head if s > report.head_seq):
        report.problems.append(
            Problem(
                seq,
                "truncated",
                (
                    f"a checkpoint covers seq {seq} but the ledger ends at seq {report.head_seq}: "
                    f"entries {report.head_seq + 1}..{seq} were removed"
                ),
            )
        )
    _check_decisions(session, chain_decisions, report)
    report.checkpoints_checked = len(checkpoints)
    report.last_checkpoint_seq = max(expected_head, default=None)
    if roots and report.entries_checked:
        every = checkpoint_every or checkpoint_interval()
        last = report.last_checkpoint_seq or 0
        if not checkpoints:
            report.problems.append(
                Problem(
                    report.head_seq,
                    "checkpoint_missing",
                    "trust roots are configured but the ledger has no signed checkpoint (deleted, or never signed)",
                )
            )
        elif report.head_seq - last >= every:
            report.problems.append(
                Problem(
                    last + every,
                    "checkpoint_missing",
                    f"{report.head_seq - last} entries after the last checkpoint (seq {last}); one is signed "
                    f"every {every} entries, so checkpoints were deleted",
                )
            )
    report.problems.sort(key=lambda p: p.seq)
    if not checkpoints and report.entries_checked and not roots:
        report.warnings.append(NO_CHECKPOINT)
    elif report.entries_checked and not roots:
        report.warnings.append(UNPINNED_SIGNER)
    return report


def _check_decisions(session: Session, chain_decisions: set[str], report: ChainReport) -> None:
    """Every decision stored as blocked must have its entry in the chain: deleting an entry (and
    relinking the chain) while its decision row stays is tampering. Decisions may be purged under a
    retention policy, so entries without a decision row are not a problem."""
    result = session.connection().exec_driver_sql(
        "SELECT id, model, version, target FROM policy_decision WHERE ledger = 'appended' ORDER BY created_at, id"
    )
    for decision_id, model, version, target in result:
        report.blocked_decisions += 1
        if str(decision_id) not in chain_decisions:
            report.problems.append(
                Problem(
                    report.head_seq + 1,
                    "unrecorded_decision",
                    f"blocked decision {decision_id} ({model} {version} -> {target}) has no ledger entry "
                    f"(its entry was deleted)",
                )
            )


def _check_entries(session: Session, expected_head: dict[int, str], report: ChainReport) -> set[str]:
    """Check digests and links; return the decision ids the chain names."""
    prev_seq, prev_digest = 0, GENESIS
    decisions: set[str] = set()
    for row in _rows(session, "ledger_entry", ENTRY_COLUMNS):
        seq = int(row["seq"])
        report.entries_checked += 1
        decisions.add(str(row["decision_id"]))
        if seq > prev_seq + 1:
            gap = f"{prev_seq + 1}" if seq == prev_seq + 2 else f"{prev_seq + 1}..{seq - 1}"
            report.problems.append(Problem(prev_seq + 1, "missing", f"entries {gap} are missing (deleted)"))
        try:
            recomputed = json_sha256(
                entry_preimage(
                    seq=seq,
                    decision_id=row["decision_id"],
                    model=row["model"],
                    version=row["version"],
                    target=row["target"],
                    failing_policies=_json(row["failing_policies"]),
                    requested_by=row["requested_by"],
                    ci=_json(row["ci"]),
                    at=_datetime(row["at"]),
                    prev_digest=row["prev_digest"],
                )
            )
        except (TypeError, ValueError) as exc:
            report.problems.append(Problem(seq, "unreadable", f"row cannot be read: {exc}"))
            recomputed = None
        if recomputed is not None and recomputed != row["digest"]:
            report.problems.append(Problem(seq, "edited", "content does not match its digest (edited)"))
        if row["prev_digest"] != prev_digest:
            report.problems.append(
                Problem(
                    seq,
                    "broken_link",
                    (
                        "prev_digest is not the digest of the entry before it "
                        "(entries before it were edited, removed or reordered)"
                        if seq > 1
                        else "the first entry does not start from genesis"
                    ),
                )
            )
        if seq in expected_head and expected_head[seq] != row["digest"]:
            report.problems.append(
                Problem(
                    seq,
                    "checkpoint_mismatch",
                    (
                        "the signed checkpoint at this seq holds another head digest "
                        "(the chain up to here was rewritten)"
                    ),
                )
            )
        # Link to the stored digest: an edited row is reported once, not again at every later entry.
        prev_seq, prev_digest = seq, str(row["digest"])
    report.head_seq, report.head_digest = prev_seq, prev_digest
    return decisions


def _checkpoints(session: Session, anchors: Sequence[Mapping[str, Any]], report: ChainReport) -> list[dict[str, Any]]:
    stored = {int(r["seq"]): dict(r) for r in _rows(session, "ledger_checkpoint", CHECKPOINT_COLUMNS)}
    for anchor in anchors:
        seq = int(anchor["seq"])
        mine = stored.get(seq)
        if mine is None:
            report.problems.append(
                Problem(seq, "checkpoint_missing", "a checkpoint from the anchor file is missing from the database")
            )
            stored[seq] = {k: anchor[k] for k in CHECKPOINT_COLUMNS}
        elif mine["head_digest"] != anchor["head_digest"] or mine["signature"] != anchor["signature"]:
            report.problems.append(
                Problem(seq, "checkpoint_mismatch", "the stored checkpoint differs from the anchor file")
            )
            stored[seq] = {k: anchor[k] for k in CHECKPOINT_COLUMNS}  # the copy kept outside is trusted
    return [stored[s] for s in sorted(stored)]


def _check_signature(cp: Mapping[str, Any], roots: Sequence[str], report: ChainReport) -> None:
    seq = int(cp["seq"])
    try:
        statement = checkpoint_statement(
            seq=seq,
            head_digest=str(cp["head_digest"]),
            at=_datetime(cp["at"]),
            algorithm=str(cp["algorithm"]),
            signer_keyid=str(cp["signer_keyid"]),
        )
    except (TypeError, ValueError, InputError) as exc:
        report.problems.append(Problem(seq, "bad_checkpoint", f"checkpoint cannot be read: {exc}"))
        return
    if roots:
        # The trusted key that the checkpoint names: signer_pem (stored beside it) is never used.
        key = next((r for r in roots if _keyid(r) == cp["signer_keyid"]), None)
        if key is None:
            report.problems.append(
                Problem(seq, "untrusted_signer", f"checkpoint signed by key {cp['signer_keyid']}, not by a trusted key")
            )
            return
    else:
        try:
            pem_keyid = ledger_keys.pem_keyid(str(cp["signer_pem"]))
        except InputError as exc:
            report.problems.append(Problem(seq, "bad_checkpoint", f"checkpoint cannot be read: {exc}"))
            return
        if pem_keyid != cp["signer_keyid"]:
            report.problems.append(Problem(seq, "bad_checkpoint", "signer_keyid is not the key of signer_pem"))
            return
        key = str(cp["signer_pem"])
    if not ledger_keys.verify(key, statement, str(cp["signature"])):
        report.problems.append(Problem(seq, "bad_signature", "checkpoint signature does not verify"))


def _keyid(pem: str) -> str | None:
    try:
        return ledger_keys.pem_keyid(pem)
    except InputError:
        return None


def _rows(session: Session, table: str, columns: Sequence[str]) -> Iterator[Mapping[str, Any]]:
    conn = session.connection().execution_options(stream_results=True, yield_per=2000)
    result = conn.exec_driver_sql(f"SELECT {', '.join(columns)} FROM {table} ORDER BY seq")
    for row in result:
        yield dict(zip(columns, row, strict=True))


def _json(value: Any) -> Any:
    return json.loads(value) if isinstance(value, str | bytes) else value


def _datetime(value: Any) -> datetime:
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=UTC)
    if isinstance(value, str):
        parsed = datetime.fromisoformat(value)  # ValueError on garbage: reported as unreadable
        return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)
    raise TypeError(f"not a timestamp: {value!r}")
