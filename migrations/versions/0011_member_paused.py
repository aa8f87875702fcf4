"""members.paused_at: a counsellor who let a conversation time out gets no new one until they post

Revision ID: 0011
Revises: 0010
Create Date: 2026-11-27 09:00:00
"""

import sqlalchemy as sa
from alembic import op

import bot.models

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("members") as batch:
        batch.add_column(
            sa.Column("paused_at", bot.models.UTCDateTime(timezone=True), nullable=True)
        )


def downgrade() -> None:
    with op.batch_alter_table("members") as batch:
        batch.drop_column("paused_at")
