"""Alembic environment: runs on the connection the application hands over."""

from alembic import context

from db.engine import audit_schema_unlocked
from db.models import Base
from db.search import include_object

connection = context.config.attributes.get("connection")
if connection is None:  # pragma: no cover - the project always passes a connection
    raise RuntimeError("Run migrations through db.migrate.upgrade(), which passes a connection")

context.configure(
    connection=connection,
    target_metadata=Base.metadata,
    render_as_batch=connection.dialect.name == "sqlite",
    compare_type=True,
    include_object=include_object,  # the search index's FTS table and expression indexes
)
# Migrations may drop and alter the audit log's table and triggers, which the application's
# SQLite connections otherwise refuse (db.engine._sqlite_audit_guard).
with audit_schema_unlocked(connection), context.begin_transaction():
    context.run_migrations()
