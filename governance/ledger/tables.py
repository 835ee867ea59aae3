"""Ledger tables: blocked deployments as an append-only hash chain, and signed checkpoints over it.

The digest of an entry is defined in `governance.ledger.chain.entry_digest`; docs/ledger.md states the
format for auditors. Both tables are append-only: the migration installs triggers refusing UPDATE and
DELETE (and TRUNCATE on PostgreSQL).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Column, Text
from sqlmodel import Field, SQLModel


class LedgerEntry(SQLModel, table=True):
    """One blocked deployment check. `seq` runs 1, 2, 3...; `prev_digest` is entry seq-1's digest."""

    __tablename__ = "ledger_entry"
    seq: int = Field(primary_key=True, sa_column_kwargs={"autoincrement": False})
    decision_id: str = Field(max_length=128, index=True)
    model: str = Field(max_length=512, index=True)
    version: str = Field(max_length=128)
    target: str = Field(max_length=128)
    failing_policies: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    requested_by: str = Field(max_length=256)
    ci: dict[str, str] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    at: datetime = Field(index=True)
    # Unique: two entries claiming the same predecessor would be a fork of the chain.
    prev_digest: str = Field(max_length=80, unique=True)
    digest: str = Field(max_length=80, unique=True)


class LedgerCheckpoint(SQLModel, table=True):
    """A signature over the head of the chain: entries 1..seq end in `head_digest`."""

    __tablename__ = "ledger_checkpoint"
    id: int | None = Field(default=None, primary_key=True)
    seq: int = Field(unique=True)
    head_digest: str = Field(max_length=80)
    at: datetime
    algorithm: str = Field(max_length=32)  # e.g. ecdsa-p256-sha256, rsa-pkcs1v15-sha256
    signature: str = Field(sa_column=Column(Text, nullable=False))  # base64
    signer_keyid: str = Field(max_length=64)  # hex sha256 of the signer's DER SubjectPublicKeyInfo
    signer_pem: str = Field(sa_column=Column(Text, nullable=False))  # the signer's certificate, PEM
