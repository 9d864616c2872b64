"""consent text translations

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-30 08:40:00

A wave's consent text in the instrument's other languages, and each consent version's
translations, so respondents read and agree to the words in the language they answer in.
"""
import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("wave") as batch:
        batch.add_column(sa.Column("consent_translations", sa.JSON(), nullable=False,
                                   server_default=sa.text("'{}'")))
    with op.batch_alter_table("consent_version") as batch:
        batch.add_column(sa.Column("translations", sa.JSON(), nullable=False,
                                   server_default=sa.text("'{}'")))


def downgrade():
    with op.batch_alter_table("consent_version") as batch:
        batch.drop_column("translations")
    with op.batch_alter_table("wave") as batch:
        batch.drop_column("consent_translations")
