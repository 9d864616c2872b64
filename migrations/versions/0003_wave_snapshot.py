"""wave snapshots for the analysis store; response indexes for change summaries and panel counts

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-30 11:00:00

Each wave's analysable answers kept as arrays with every response's change stamp, so an
analysis reads only the responses that changed since the last one; two indexes so each wave's
change summary and its panel-linked counts are read from an index alone.
"""
import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "wave_snapshot",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("wave_id", sa.Integer(), nullable=False),
        sa.Column("fingerprint", sa.String(length=64), nullable=False),
        sa.Column("responses", sa.Integer(), nullable=False),
        sa.Column("payload", sa.LargeBinary(), nullable=False),
        sa.Column("taken_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["wave_id"], ["wave.id"],
                                name=op.f("fk_wave_snapshot_wave_id_wave"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_wave_snapshot")),
        sa.UniqueConstraint("wave_id", name=op.f("uq_wave_snapshot_wave_id")),
    )
    with op.batch_alter_table("response") as batch:
        batch.create_index("ix_response_wave_updated", ["wave_id", "updated_at"])
        batch.create_index("ix_response_wave_group_panel", ["wave_id", "group"],
                           sqlite_where=sa.text("panel_hash IS NOT NULL"),
                           postgresql_where=sa.text("panel_hash IS NOT NULL"))


def downgrade():
    with op.batch_alter_table("response") as batch:
        batch.drop_index("ix_response_wave_group_panel")
        batch.drop_index("ix_response_wave_updated")
    op.drop_table("wave_snapshot")
