"""triage levels: each message and conversation has a level 0-3 (issue 19); crises were 2

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-01 09:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None

_TABLES = ("messages", "conversations")


def upgrade() -> None:
    for table in _TABLES:
        with op.batch_alter_table(table) as batch:
            batch.add_column(sa.Column("level", sa.Integer(), nullable=False, server_default="0"))
        # What was flagged before levels was a crisis: level 2 (a plan or time frame was not told).
        op.execute(sa.text(f"UPDATE {table} SET level = 2 WHERE is_crisis"))


def downgrade() -> None:
    for table in reversed(_TABLES):
        with op.batch_alter_table(table) as batch:
            batch.drop_column("level")
