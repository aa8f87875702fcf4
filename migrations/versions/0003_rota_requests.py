"""rota requests: counsellors' swap proposals and calls for cover

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-24 15:00:00
"""

from alembic import op
import sqlalchemy as sa
import bot.models


revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('rota_requests',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('group_id', sa.String(length=64), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('requester_id', sa.String(length=128), nullable=False),
    sa.Column('target_id', sa.String(length=128), nullable=True),
    sa.Column('start_at', bot.models.UTCDateTime(timezone=True), nullable=False),
    sa.Column('end_at', bot.models.UTCDateTime(timezone=True), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('created_at', bot.models.UTCDateTime(timezone=True), nullable=False),
    sa.Column('decided_by', sa.String(length=128), nullable=True),
    sa.Column('decided_at', bot.models.UTCDateTime(timezone=True), nullable=True),
    sa.Column('audit_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.ForeignKeyConstraint(['group_id'], ['groups.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('rota_requests', schema=None) as batch_op:
        batch_op.create_index('ix_rota_requests_group_status', ['group_id', 'status'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('rota_requests', schema=None) as batch_op:
        batch_op.drop_index('ix_rota_requests_group_status')

    op.drop_table('rota_requests')
