"""text retention: when each text was removed, and which posts quote which conversation

Revision ID: 0012
Revises: 0011
Create Date: 2026-11-27 09:00:00
"""

from alembic import op
import sqlalchemy as sa

from bot.models import UTCDateTime


revision = '0012'
down_revision = '0011'
branch_labels = None
depends_on = None

_TABLES = ('messages', 'outbox', 'local_posts', 'conversations')
_BIG_ID = sa.BigInteger().with_variant(sa.Integer(), 'sqlite')


def upgrade() -> None:
    for table in _TABLES:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(
                sa.Column('text_removed_at', UTCDateTime(), nullable=True)
            )
    op.create_table(
        'outbox_quotes',
        sa.Column('outbox_id', _BIG_ID, nullable=False),
        sa.Column('conversation_id', _BIG_ID, nullable=False),
        sa.ForeignKeyConstraint(['outbox_id'], ['outbox.id'], ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['conversation_id'], ['conversations.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('outbox_id', 'conversation_id'),
    )
    op.create_index('ix_outbox_quotes_conversation', 'outbox_quotes', ['conversation_id'])


def downgrade() -> None:
    op.drop_index('ix_outbox_quotes_conversation', table_name='outbox_quotes')
    op.drop_table('outbox_quotes')
    for table in reversed(_TABLES):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_column('text_removed_at')
