"""lineage warnings: values accepted events carry against their declared format

Revision ID: 0006_lineage_warning
Revises: 0001_foundation
Create Date: 2026-12-02 18:10:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = "0006_lineage_warning"
down_revision = "0001_foundation"
branch_labels = ("lineage_warning",)
depends_on = None


def upgrade() -> None:
    op.create_table(
        "lineage_warning",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("event_digest", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("producer", sqlmodel.sql.sqltypes.AutoString(length=2048), nullable=False),
        sa.Column("code", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("json_path", sqlmodel.sql.sqltypes.AutoString(length=1024), nullable=False),
        sa.Column("message", sa.Text(), nullable=False),
        sa.Column("received_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("lineage_warning", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_lineage_warning_event_digest"), ["event_digest"], unique=False)
        batch_op.create_index(batch_op.f("ix_lineage_warning_producer"), ["producer"], unique=False)
        batch_op.create_index(batch_op.f("ix_lineage_warning_received_at"), ["received_at"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("lineage_warning", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_lineage_warning_received_at"))
        batch_op.drop_index(batch_op.f("ix_lineage_warning_producer"))
        batch_op.drop_index(batch_op.f("ix_lineage_warning_event_digest"))
    op.drop_table("lineage_warning")
