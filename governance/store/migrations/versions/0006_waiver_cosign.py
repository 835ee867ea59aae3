"""waiver co-signature: a second person for critical or non-waivable policies

Revision ID: 0006_waiver_cosign
Revises: 0003_policy
Create Date: 2026-12-02 18:30:00
"""

from __future__ import annotations

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = "0006_waiver_cosign"
down_revision = "0003_policy"
branch_labels = ("waiver_cosign",)
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("policy_waiver", schema=None) as batch_op:
        batch_op.add_column(sa.Column("needs_cosign", sa.Boolean(), nullable=False, server_default=sa.false()))
        batch_op.add_column(sa.Column("cosigned_by", sqlmodel.sql.sqltypes.AutoString(length=256), nullable=True))
        batch_op.add_column(sa.Column("cosigned_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("policy_waiver", schema=None) as batch_op:
        batch_op.drop_column("cosigned_at")
        batch_op.drop_column("cosigned_by")
        batch_op.drop_column("needs_cosign")
