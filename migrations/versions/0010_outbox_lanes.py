"""outbox lanes: private posts ordered apart from the group's posts; sends logged per channel

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-26 09:00:00
"""

import hashlib

from alembic import op
import sqlalchemy as sa


revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None


def _lane(private_to: list[str]) -> str:
    # The same rule as bot.outbox.lane_of, written out here so this migration never changes.
    if not private_to:
        return ""
    digest = hashlib.sha256("\n".join(sorted(set(private_to))).encode()).hexdigest()
    return "to:" + digest[:24]


def upgrade() -> None:
    with op.batch_alter_table('outbox', schema=None) as batch_op:
        batch_op.add_column(
            sa.Column('lane', sa.String(length=40), nullable=False, server_default='')
        )
        batch_op.drop_index('ix_outbox_pending')
        batch_op.create_index('ix_outbox_pending', ['status', 'group_id', 'lane', 'id'])
    with op.batch_alter_table('outbox_sends', schema=None) as batch_op:
        batch_op.add_column(
            sa.Column('channel', sa.String(length=16), nullable=False, server_default='group')
        )
    outbox = sa.table(
        'outbox',
        sa.column('id', sa.BigInteger()),
        sa.column('status', sa.String()),
        sa.column('private_to', sa.JSON()),
        sa.column('lane', sa.String()),
    )
    conn = op.get_bind()
    pending = conn.execute(
        sa.select(outbox.c.id, outbox.c.private_to).where(outbox.c.status == 'pending')
    ).all()
    for row_id, private_to in pending:
        lane = _lane(list(private_to or []))
        if lane:
            conn.execute(outbox.update().where(outbox.c.id == row_id).values(lane=lane))


def downgrade() -> None:
    with op.batch_alter_table('outbox_sends', schema=None) as batch_op:
        batch_op.drop_column('channel')
    with op.batch_alter_table('outbox', schema=None) as batch_op:
        batch_op.drop_index('ix_outbox_pending')
        batch_op.create_index('ix_outbox_pending', ['status', 'group_id', 'id'])
        batch_op.drop_column('lane')
