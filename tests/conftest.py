"""Shared fixtures. Every database test runs on SQLite and on PostgreSQL.

PostgreSQL is the server at ``CABINET_TEST_PG`` (default ``postgresql://postgres@127.0.0.1:5432``);
each test gets its own database, created before and dropped after. If no server can be
reached the PostgreSQL half is skipped with the reason shown — ``.ci/run`` makes sure one is up.
"""

from __future__ import annotations

import gc
import os
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.exc import OperationalError

from db.engine import Database
from db.migrate import upgrade
from desktop.clock import FixedClock

# Screens are tested offscreen: no display needed, nothing flashes on a developer's desk.
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

PG_SERVER = os.environ.get("CABINET_TEST_PG", "postgresql+psycopg://postgres@127.0.0.1:5432")
_pg_problem: str | None = None
_pg_checked = False


@pytest.fixture(autouse=True, scope="session")
def _isolated_user_dirs(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """Tests never read or write the developer's own settings and databases."""
    home = tmp_path_factory.mktemp("home")
    saved = dict(os.environ)
    keep = ("CABINET_TEST_PG", "CABINET_REQUIRE_PG")
    for key in [k for k in os.environ if k.startswith("CABINET_") and k not in keep]:
        del os.environ[key]
    os.environ["XDG_CONFIG_HOME"] = str(home / "config")
    os.environ["XDG_DATA_HOME"] = str(home / "data")
    yield
    os.environ.clear()
    os.environ.update(saved)


@pytest.fixture(autouse=True)
def _collect_cyclic_garbage_here() -> Iterator[None]:
    """Once a screen test has handed cyclic garbage collection to the GUI thread
    (``ui.collector``), tests that run no event loop still get it, on this thread."""
    yield
    if not gc.isenabled():
        from ui.collector import collect_due

        collect_due()


def _pg_admin():
    return create_engine(
        f"{PG_SERVER}/postgres", isolation_level="AUTOCOMMIT", connect_args={"connect_timeout": 3}
    )


def _pg_unavailable() -> str | None:
    global _pg_checked, _pg_problem
    if not _pg_checked:
        _pg_checked = True
        engine = _pg_admin()
        try:
            with engine.connect() as conn:
                conn.execute(text("SELECT 1"))
        except OperationalError as error:
            _pg_problem = f"PostgreSQL at {PG_SERVER} is unreachable: {error.orig}"
        finally:
            engine.dispose()
    return _pg_problem


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    return f"sqlite:///{(tmp_path / 'cabinet.db').as_posix()}"


def _scratch_pg(options: str = "") -> Iterator[str]:
    problem = _pg_unavailable()
    if problem:
        if os.environ.get("CABINET_REQUIRE_PG"):
            pytest.fail(f"{problem} (CABINET_REQUIRE_PG is set: the PostgreSQL half must run)")
        pytest.skip(problem)
    name = f"cabinet_test_{uuid.uuid4().hex[:12]}"
    admin = _pg_admin()
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}" {options}'))
    try:
        yield f"{PG_SERVER}/{name}"
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture
def pg_url() -> Iterator[str]:
    """A fresh, empty PostgreSQL database for one test, dropped afterwards."""
    yield from _scratch_pg()


@pytest.fixture
def pg_russian_url() -> Iterator[str]:
    """As ``pg_url``, in a database whose text sorts by the Russian rules (ICU): where code
    point ranges and plain LIKE prefixes cannot use an ordinary index."""
    yield from _scratch_pg(
        "TEMPLATE template0 LOCALE_PROVIDER icu ICU_LOCALE 'ru' LOCALE 'C.UTF-8'"
    )


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest) -> str:
    """An empty database's URL, on each backend in turn."""
    return request.getfixturevalue("sqlite_url" if request.param == "sqlite" else "pg_url")


@pytest.fixture
def database(database_url: str) -> Iterator[Database]:
    """A migrated, empty database on each backend."""
    db = Database(database_url)
    upgrade(db.engine)
    yield db
    db.dispose()


@pytest.fixture
def clock() -> FixedClock:
    """Inside the reading window: 20 June 2017, the seed's last period."""
    return FixedClock(datetime(2017, 6, 20, 9, 0, tzinfo=UTC))
