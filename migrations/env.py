"""Alembic environment: runs on the connection carebot hands it (sync, inside run_sync)."""

from __future__ import annotations

from alembic import context

from bot.models import Base

target_metadata = Base.metadata
connection = context.config.attributes.get("connection")
if connection is None:
    raise RuntimeError("run migrations with `carebot db upgrade`, which supplies the connection")
context.configure(
    connection=connection,
    target_metadata=target_metadata,
    render_as_batch=connection.dialect.name == "sqlite",
)
with context.begin_transaction():
    context.run_migrations()
