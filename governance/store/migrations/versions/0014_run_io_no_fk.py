"""run_io: no foreign keys to run and dataset; the ingest writer is their only writer and keeps them

run_io rows are written only by the lineage projection (governance.lineage.project), in the same
transaction as the run and dataset rows they name, with the ids that transaction read or inserted;
nothing deletes runs or datasets. The two foreign keys checked that again per row: on PostgreSQL a
trigger and a `SELECT ... FOR KEY SHARE` for each of ~1.5 rows per event, about 1 s of server CPU
per 100,000 events, a fifth of the database's share of file ingest (bench/ingest.py, issue 12).

Revision ID: 0014_run_io_no_fk
Revises: 0013_run_io_index
Create Date: 2026-12-03 09:30:00.000000
"""

from __future__ import annotations

from alembic import op

revision = "0014_run_io_no_fk"
down_revision = "0013_run_io_index"
branch_labels = None
depends_on = None

# SQLite keeps foreign keys unnamed: the convention names them so batch mode can drop them.
_NAMES = {"fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s"}
_FKS = (
    ("fk_run_io_run_id_run", "run", "run_id", "run_id"),
    ("fk_run_io_dataset_id_dataset", "dataset", "dataset_id", "id"),
)


def upgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name == "postgresql":
        op.drop_constraint("run_io_run_id_fkey", "run_io", type_="foreignkey")
        op.drop_constraint("run_io_dataset_id_fkey", "run_io", type_="foreignkey")
        return
    with op.batch_alter_table("run_io", naming_convention=_NAMES) as batch_op:
        for name, _, _, _ in _FKS:
            batch_op.drop_constraint(name, type_="foreignkey")


def downgrade() -> None:
    with op.batch_alter_table("run_io") as batch_op:
        for name, referred, column, remote in _FKS:
            batch_op.create_foreign_key(name, referred, [column], [remote])
