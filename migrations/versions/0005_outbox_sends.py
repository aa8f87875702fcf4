"""outbox send log and dead-row reports

Revision ID: 0005
Revises: 0003
Create Date: 2026-11-25 09:00:00
"""

from alembic import op
import sqlalchemy as sa
import bot.models


revision = '0005'
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('outbox_sends',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('group_id', sa.String(length=64), nullable=False),
    sa.Column('outbox_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('part', sa.Integer(), nullable=False),
    sa.Column('sent_at', bot.models.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('outbox_id', 'part', name='uq_outbox_sends_part')
    )
    with op.batch_alter_table('outbox_sends', schema=None) as batch_op:
        batch_op.create_index('ix_outbox_sends_group_at', ['group_id', 'sent_at'], unique=False)
    with op.batch_alter_table('outbox', schema=None) as batch_op:
        batch_op.add_column(sa.Column('is_dead_report', sa.Boolean(), server_default=sa.false(), nullable=False))


def downgrade() -> None:
    with op.batch_alter_table('outbox', schema=None) as batch_op:
        batch_op.drop_column('is_dead_report')
    with op.batch_alter_table('outbox_sends', schema=None) as batch_op:
        batch_op.drop_index('ix_outbox_sends_group_at')
    op.drop_table('outbox_sends')
