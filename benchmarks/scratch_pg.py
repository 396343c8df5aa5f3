"""A scratch PostgreSQL database for a benchmark run, created and dropped around it."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import create_engine, text
from sqlalchemy.exc import OperationalError


@contextmanager
def scratch_database(server: str, *, icu_locale: str | None = None) -> Iterator[str | None]:
    """The URL of a new empty database on ``server`` (None, with a printed reason, if the
    server is unreachable); dropped afterwards. ``icu_locale`` gives it that sort order."""
    admin = create_engine(
        f"{server}/postgres", isolation_level="AUTOCOMMIT", connect_args={"connect_timeout": 3}
    )
    name = f"cabinet_bench_{uuid.uuid4().hex[:12]}"
    options = (
        f" TEMPLATE template0 LOCALE_PROVIDER icu ICU_LOCALE '{icu_locale}'" if icu_locale else ""
    )
    try:
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"{options}'))
    except OperationalError as error:
        print(f"\nPostgreSQL at {server} is unreachable, skipped: {error.orig}")
        admin.dispose()
        yield None
        return
    try:
        yield f"{server}/{name}"
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()
