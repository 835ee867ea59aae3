"""validation-stage evidence (performance, drift, data validation, A/B test, operational)

Revision ID: 0009_stage_evidence
Revises: 0001_foundation
Create Date: 2026-12-02 23:45:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = "0009_stage_evidence"
down_revision = "0001_foundation"
branch_labels = ("stage_evidence",)
depends_on = None


def upgrade() -> None:
    op.create_table(
        "stage_evidence",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("model_version_id", sa.Integer(), nullable=False),
        sa.Column("kind", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("stage", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("measurements", sa.JSON(), nullable=False),
        sa.Column("summary", sa.JSON(), nullable=False),
        sa.Column("row_count", sa.Integer(), nullable=False),
        sa.Column("data_digest", sqlmodel.sql.sqltypes.AutoString(length=80), nullable=False),
        sa.Column("digest_scope", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("data_source", sqlmodel.sql.sqltypes.AutoString(length=4096), nullable=False),
        sa.Column("source", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("tool_version", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("confidence", sa.Float(), nullable=True),
        sa.Column("resamples", sa.Integer(), nullable=True),
        sa.Column("seed", sa.Integer(), nullable=True),
        sa.Column("window_start", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
        sa.Column("window_end", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
        sa.Column("submitted_by", sqlmodel.sql.sqltypes.AutoString(length=512), nullable=True),
        sa.Column("producer", sqlmodel.sql.sqltypes.AutoString(length=2048), nullable=False),
        sa.Column("run_id", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True),
        sa.Column("evaluated_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("created_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["model_version_id"], ["model_version.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("stage_evidence", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_stage_evidence_model_version_id"), ["model_version_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_stage_evidence_kind"), ["kind"], unique=False)
        batch_op.create_index(batch_op.f("ix_stage_evidence_run_id"), ["run_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("stage_evidence", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_stage_evidence_run_id"))
        batch_op.drop_index(batch_op.f("ix_stage_evidence_kind"))
        batch_op.drop_index(batch_op.f("ix_stage_evidence_model_version_id"))
    op.drop_table("stage_evidence")
