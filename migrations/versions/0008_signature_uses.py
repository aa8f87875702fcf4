"""signature_uses: each DingTalk (timestamp, sign) pair carries one message only

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-26 09:00:00
"""

from alembic import op
import sqlalchemy as sa
import bot.models


revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('signature_uses',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('group_id', sa.String(length=64), nullable=False),
    sa.Column('timestamp_ms', sa.BigInteger(), nullable=False),
    sa.Column('sign', sa.String(length=64), nullable=False),
    sa.Column('msg_id', sa.String(length=128), nullable=False),
    sa.Column('expires_at', bot.models.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('group_id', 'timestamp_ms', 'sign', name='uq_signature_uses_pair')
    )
    with op.batch_alter_table('signature_uses', schema=None) as batch_op:
        batch_op.create_index('ix_signature_uses_expires', ['expires_at'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('signature_uses', schema=None) as batch_op:
        batch_op.drop_index('ix_signature_uses_expires')
    op.drop_table('signature_uses')
