"""deferred fairness intervals: an evaluation stored by ingest waits for its bootstrap intervals

Revision ID: 0008_fairness_intervals
Revises: 0007_run_fact_conflict
Create Date: 2026-12-04 10:00:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008_fairness_intervals"
down_revision = "0007_run_fact_conflict"  # extends the fairness branch: a column of fairness_evaluation
branch_labels = ("fairness_intervals",)
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("fairness_evaluation", schema=None) as batch_op:
        batch_op.add_column(sa.Column("intervals_pending", sa.Boolean(), nullable=False, server_default=sa.false()))


def downgrade() -> None:
    with op.batch_alter_table("fairness_evaluation", schema=None) as batch_op:
        batch_op.drop_column("intervals_pending")
