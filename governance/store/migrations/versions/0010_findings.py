"""findings register: findings kept across checks, with their history

Revision ID: 0010_findings
Revises: 0001_foundation
Create Date: 2026-12-03 00:00:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = "0010_findings"
down_revision = "0001_foundation"
branch_labels = ("findings",)
depends_on = None


def upgrade() -> None:
    op.create_table(
        "finding",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("model", sqlmodel.sql.sqltypes.AutoString(length=512), nullable=False),
        sa.Column("version", sqlmodel.sql.sqltypes.AutoString(length=128), nullable=False),
        sa.Column("model_version_id", sa.Integer(), nullable=False),
        sa.Column("target", sqlmodel.sql.sqltypes.AutoString(length=128), nullable=False),
        sa.Column("key", sqlmodel.sql.sqltypes.AutoString(length=1024), nullable=False),
        sa.Column("kind", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("policy_id", sqlmodel.sql.sqltypes.AutoString(length=256), nullable=True),
        sa.Column("source", sqlmodel.sql.sqltypes.AutoString(length=512), nullable=False),
        sa.Column("verdict", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("severity", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("title", sqlmodel.sql.sqltypes.AutoString(length=512), nullable=False),
        sa.Column("detail", sa.Text(), nullable=False),
        sa.Column("status", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("owner", sqlmodel.sql.sqltypes.AutoString(length=256), nullable=True),
        sa.Column("due_date", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
        sa.Column("first_seen_decision", sqlmodel.sql.sqltypes.AutoString(length=36), nullable=False),
        sa.Column("first_seen_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("last_seen_decision", sqlmodel.sql.sqltypes.AutoString(length=36), nullable=False),
        sa.Column("last_seen_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("passing_since_decision", sqlmodel.sql.sqltypes.AutoString(length=36), nullable=True),
        sa.Column("passing_since_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
        sa.Column("closed_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
        sa.Column("closed_by", sqlmodel.sql.sqltypes.AutoString(length=256), nullable=True),
        sa.Column("closure_reference", sqlmodel.sql.sqltypes.AutoString(length=256), nullable=True),
        sa.Column("closure_note", sa.Text(), nullable=True),
        sa.Column("waiver_id", sa.Integer(), nullable=True),
        sa.Column("reopened_count", sa.Integer(), nullable=False),
        sa.Column("created_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("updated_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["model_version_id"], ["model_version.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("model", "version", "target", "key"),
    )
    with op.batch_alter_table("finding", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_finding_model"), ["model"], unique=False)
        batch_op.create_index(batch_op.f("ix_finding_model_version_id"), ["model_version_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_finding_policy_id"), ["policy_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_finding_status"), ["status"], unique=False)
    op.create_table(
        "finding_event",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("finding_id", sa.Integer(), nullable=False),
        sa.Column("at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("actor", sqlmodel.sql.sqltypes.AutoString(length=256), nullable=False),
        sa.Column("action", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("from_status", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=True),
        sa.Column("to_status", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("decision_id", sqlmodel.sql.sqltypes.AutoString(length=36), nullable=True),
        sa.Column("note", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(["finding_id"], ["finding.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("finding_event", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_finding_event_finding_id"), ["finding_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("finding_event", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_finding_event_finding_id"))
    op.drop_table("finding_event")
    with op.batch_alter_table("finding", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_finding_status"))
        batch_op.drop_index(batch_op.f("ix_finding_policy_id"))
        batch_op.drop_index(batch_op.f("ix_finding_model_version_id"))
        batch_op.drop_index(batch_op.f("ix_finding_model"))
    op.drop_table("finding")
