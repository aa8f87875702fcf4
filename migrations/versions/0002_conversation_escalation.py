"""conversation escalation: first assignment, leads alerted, counsellors tried, queue alert

Revision ID: 0002
Revises: 0001
"""

import sqlalchemy as sa
from alembic import op

import bot.models

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("conversations") as batch:
        batch.add_column(
            sa.Column("first_assigned_at", bot.models.UTCDateTime(timezone=True), nullable=True)
        )
        batch.add_column(
            sa.Column("escalated_at", bot.models.UTCDateTime(timezone=True), nullable=True)
        )
        batch.add_column(sa.Column("tried", sa.JSON(), nullable=False, server_default="[]"))
    with op.batch_alter_table("groups") as batch:
        batch.add_column(
            sa.Column("queue_alerted_at", bot.models.UTCDateTime(timezone=True), nullable=True)
        )
    op.execute(
        "UPDATE conversations SET first_assigned_at = assigned_at WHERE assigned_at IS NOT NULL"
    )


def downgrade() -> None:
    with op.batch_alter_table("groups") as batch:
        batch.drop_column("queue_alerted_at")
    with op.batch_alter_table("conversations") as batch:
        batch.drop_column("tried")
        batch.drop_column("escalated_at")
        batch.drop_column("first_assigned_at")
