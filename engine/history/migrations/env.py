"""Alembic's environment for the history database: always run programmatically by
xuke.history.db.migrate, on the connection it passes in (never from alembic.ini)."""

from alembic import context
from xuke.history.schema import metadata

connection = context.config.attributes["connection"]
context.configure(connection=connection, target_metadata=metadata, render_as_batch=True)
with context.begin_transaction():
    context.run_migrations()
