"""Alembic migrations. HEAD is checked against Alembic's own head by a test."""

HEAD = "0020"
