"""followups: a counsellor's follow-up of a person, posted privately once when due

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-01 16:30:00
"""

from alembic import op
import sqlalchemy as sa
import bot.models


revision = '0016'
down_revision = '0015'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('followups',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('group_id', sa.String(length=64), nullable=False),
    sa.Column('conversation_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('staff_id', sa.String(length=128), nullable=False),
    sa.Column('set_by', sa.String(length=128), nullable=False),
    sa.Column('due_at', bot.models.UTCDateTime(timezone=True), nullable=False),
    sa.Column('created_at', bot.models.UTCDateTime(timezone=True), nullable=False),
    sa.Column('cancelled_at', bot.models.UTCDateTime(timezone=True), nullable=True),
    sa.Column('sent_at', bot.models.UTCDateTime(timezone=True), nullable=True),
    sa.Column('sent_to', sa.String(length=128), nullable=True),
    sa.Column('late_s', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['group_id'], ['groups.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index('ix_followups_due', 'followups', ['sent_at', 'cancelled_at', 'due_at'], unique=False)
    op.create_index('ix_followups_group_set_by', 'followups', ['group_id', 'set_by'], unique=False)


def downgrade() -> None:
    op.drop_index('ix_followups_group_set_by', table_name='followups')
    op.drop_index('ix_followups_due', table_name='followups')
    op.drop_table('followups')
