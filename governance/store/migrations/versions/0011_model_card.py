"""model cards: the description attached to a registered model, append-only

Revision ID: 0011_model_card
Revises: 0001_foundation
Create Date: 2026-12-03 03:10:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = "0011_model_card"
down_revision = "0001_foundation"
branch_labels = ("model_card",)
depends_on = None


def upgrade() -> None:
    op.create_table(
        "model_card",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("model_id", sa.Integer(), nullable=False),
        sa.Column("content", sa.JSON(), nullable=False),
        sa.Column("digest", sqlmodel.sql.sqltypes.AutoString(length=80), nullable=False),
        sa.Column("source_name", sqlmodel.sql.sqltypes.AutoString(length=256), nullable=False),
        sa.Column("attached_by", sqlmodel.sql.sqltypes.AutoString(length=256), nullable=False),
        sa.Column("attached_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["model_id"], ["registered_model.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("model_card", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_model_card_model_id"), ["model_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("model_card", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_model_card_model_id"))
    op.drop_table("model_card")
