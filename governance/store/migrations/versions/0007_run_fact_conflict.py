"""trusted evidence: who submitted each event and evaluation; first-write-wins run facts and their conflicts

Revision ID: 0007_run_fact_conflict
Revises: 0002_fairness
Create Date: 2026-12-03 10:00:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = "0007_run_fact_conflict"
down_revision = "0002_fairness"  # extends the fairness branch: it adds a column to fairness_evaluation
branch_labels = ("run_fact_conflict",)
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("raw_event", schema=None) as batch_op:
        batch_op.add_column(sa.Column("submitted_by", sqlmodel.sql.sqltypes.AutoString(length=512), nullable=True))
    with op.batch_alter_table("fairness_evaluation", schema=None) as batch_op:
        batch_op.add_column(sa.Column("submitted_by", sqlmodel.sql.sqltypes.AutoString(length=512), nullable=True))
    op.create_table(
        "run_fact",
        sa.Column("run_id", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("fact", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("value", sa.JSON(), nullable=False),
        sa.Column("submitted_by", sqlmodel.sql.sqltypes.AutoString(length=512), nullable=True),
        sa.Column("recorded_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("run_id", "fact"),
    )
    op.create_table(
        "run_fact_conflict",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("run_id", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("fact", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("first_value", sa.JSON(), nullable=False),
        sa.Column("claimed_value", sa.JSON(), nullable=False),
        sa.Column("submitted_by", sqlmodel.sql.sqltypes.AutoString(length=512), nullable=True),
        sa.Column("event_digest", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("event_time", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("received_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("run_fact_conflict", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_run_fact_conflict_run_id"), ["run_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("run_fact_conflict", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_run_fact_conflict_run_id"))
    op.drop_table("run_fact_conflict")
    op.drop_table("run_fact")
    with op.batch_alter_table("fairness_evaluation", schema=None) as batch_op:
        batch_op.drop_column("submitted_by")
    with op.batch_alter_table("raw_event", schema=None) as batch_op:
        batch_op.drop_column("submitted_by")
