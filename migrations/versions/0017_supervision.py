"""supervision (issue 19 items 2-3): members.supervises; risk_notes, the counsellors' /risk

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-01 17:00:00
"""

import sqlalchemy as sa
from alembic import op

import bot.models

revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("members") as batch:
        batch.add_column(
            sa.Column("supervises", sa.Boolean(), nullable=False, server_default=sa.false())
        )
    op.create_table(
        "risk_notes",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("group_id", sa.String(length=64), nullable=False),
        sa.Column(
            "conversation_id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            nullable=False,
        ),
        sa.Column("counsellor_id", sa.String(length=128), nullable=False),
        sa.Column("level", sa.Integer(), nullable=False),
        sa.Column("desire", sa.String(length=200), nullable=False),
        sa.Column("capability", sa.String(length=200), nullable=False),
        sa.Column("intent", sa.String(length=200), nullable=False),
        sa.Column("buffers", sa.String(length=200), nullable=False),
        sa.Column("created_at", bot.models.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["group_id"], ["groups.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_risk_notes_conversation", "risk_notes", ["conversation_id", "id"])
    op.create_index("ix_risk_notes_group_created", "risk_notes", ["group_id", "created_at"])


def downgrade() -> None:
    op.drop_index("ix_risk_notes_group_created", table_name="risk_notes")
    op.drop_index("ix_risk_notes_conversation", table_name="risk_notes")
    op.drop_table("risk_notes")
    with op.batch_alter_table("members") as batch:
        batch.drop_column("supervises")
