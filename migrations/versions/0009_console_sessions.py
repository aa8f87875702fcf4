"""console_sessions and console_links: server-side console sessions and one-time sign-in links

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-01 12:00:00.000000
"""

from alembic import op
import sqlalchemy as sa

from bot.models import UTCDateTime


revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'console_sessions',
        sa.Column('id_hash', sa.String(length=64), nullable=False),
        sa.Column('name', sa.String(length=200), nullable=False),
        sa.Column('memberships', sa.JSON(), nullable=False),
        sa.Column('token_fp', sa.String(length=64), nullable=True),
        sa.Column('created_at', UTCDateTime(), nullable=False),
        sa.Column('expires_at', UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint('id_hash'),
    )
    op.create_index('ix_console_sessions_expires', 'console_sessions', ['expires_at'])
    op.create_table(
        'console_links',
        sa.Column('id_hash', sa.String(length=64), nullable=False),
        sa.Column('member_id', sa.String(length=128), nullable=False),
        sa.Column('group_id', sa.String(length=64), nullable=True),
        sa.Column('created_at', UTCDateTime(), nullable=False),
        sa.Column('expires_at', UTCDateTime(), nullable=False),
        sa.Column('used_at', UTCDateTime(), nullable=True),
        sa.PrimaryKeyConstraint('id_hash'),
    )


def downgrade() -> None:
    op.drop_table('console_links')
    op.drop_index('ix_console_sessions_expires', table_name='console_sessions')
    op.drop_table('console_sessions')
