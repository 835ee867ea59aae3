"""trust: every submitter of a deduplicated event; first-write-wins ownership of jobs and datasets

Revision ID: 0012_trust_submissions
Revises: 0001_foundation
Create Date: 2026-12-03 03:10:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = "0012_trust_submissions"
down_revision = "0001_foundation"
branch_labels = ("trust_submissions",)
depends_on = None


def upgrade() -> None:
    op.create_table(
        "event_submission",
        sa.Column("digest", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("submitted_by", sqlmodel.sql.sqltypes.AutoString(length=512), nullable=False),
        sa.Column("received_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("digest", "submitted_by"),
    )
    op.create_table(
        "node_fact_conflict",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("node_id", sqlmodel.sql.sqltypes.AutoString(length=1600), nullable=False),
        sa.Column("fact", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("first_value", sa.JSON(), nullable=False),
        sa.Column("claimed_value", sa.JSON(), nullable=False),
        sa.Column("submitted_by", sqlmodel.sql.sqltypes.AutoString(length=512), nullable=True),
        sa.Column("event_digest", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("event_time", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("received_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("node_fact_conflict", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_node_fact_conflict_node_id"), ["node_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("node_fact_conflict", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_node_fact_conflict_node_id"))
    op.drop_table("node_fact_conflict")
    op.drop_table("event_submission")
