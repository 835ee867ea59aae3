"""decision findings: failing evidence no policy verdict covers, stored so replay reproduces it

Revision ID: 0007_decision_findings
Revises: 0003_policy
Create Date: 2026-12-03 10:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007_decision_findings"
down_revision = "0003_policy"
branch_labels = ("decision_findings",)
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("policy_decision", schema=None) as batch_op:
        batch_op.add_column(sa.Column("findings", sa.JSON(), nullable=False, server_default=sa.text("'[]'")))


def downgrade() -> None:
    with op.batch_alter_table("policy_decision", schema=None) as batch_op:
        batch_op.drop_column("findings")
