"""kf_cursors: where each WeCom customer-service account's sync_msg pull goes on from

Revision ID: 0013
Revises: 0012
Create Date: 2026-11-27 09:00:00
"""

from alembic import op
import sqlalchemy as sa
import bot.models


revision = '0013'
down_revision = '0012'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('kf_cursors',
    sa.Column('group_id', sa.String(length=64), nullable=False),
    sa.Column('cursor', sa.String(length=128), nullable=False),
    sa.Column('updated_at', bot.models.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('group_id')
    )


def downgrade() -> None:
    op.drop_table('kf_cursors')
