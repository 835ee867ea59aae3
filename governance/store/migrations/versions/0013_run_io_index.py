"""run_io: drop ix_run_io_run_id, which the unique (run_id, dataset_id, direction) index already serves

Lookups by run_id use the unique index's leading column; the separate index only cost every ingested
input and output one more index insert (issue 12, PostgreSQL ingest throughput).

Revision ID: 0013_run_io_index
Revises: 0001_foundation
Create Date: 2026-12-03 06:30:00.000000
"""

from __future__ import annotations

from alembic import op

revision = "0013_run_io_index"
down_revision = "0001_foundation"
branch_labels = ("run_io_index",)
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("run_io", schema=None) as batch_op:
        batch_op.drop_index("ix_run_io_run_id")


def downgrade() -> None:
    with op.batch_alter_table("run_io", schema=None) as batch_op:
        batch_op.create_index("ix_run_io_run_id", ["run_id"], unique=False)
