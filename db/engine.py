"""Engine and session set-up for SQLite (embedded) and PostgreSQL (shared)."""

from __future__ import annotations

import re
import sqlite3
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path, PureWindowsPath
from typing import Any

from sqlalchemy import Connection, Engine, create_engine, event
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError
from sqlalchemy.orm import Session, sessionmaker

from db import rls


class DatabaseUrlError(ValueError):
    """The database URL cannot be used; the message is for the user, in Russian."""


_NETWORK_FS = {"cifs", "smb3", "smbfs", "nfs", "nfs4", "9p", "afs", "sshfs", "fuse.sshfs"}


def _is_network_path(path: str) -> bool:
    """True for a UNC path, a mapped network drive or a mount of a network file system."""
    if path.startswith(("\\\\", "//")):
        return True
    if sys.platform == "win32":  # pragma: no cover - Windows only
        drive = PureWindowsPath(path).drive
        if drive and len(drive) == 2:
            import ctypes

            DRIVE_REMOTE = 4
            return bool(ctypes.windll.kernel32.GetDriveTypeW(drive + "\\") == DRIVE_REMOTE)
        return False
    return _mount_fstype(Path(path)) in _NETWORK_FS


def _mount_fstype(path: Path) -> str:
    try:
        mounts = Path("/proc/mounts").read_text().splitlines()
    except OSError:
        return ""
    target = path.resolve(strict=False)
    best, fstype = "", ""
    for line in mounts:
        parts = line.split()
        if len(parts) < 3:
            continue
        mount_point = parts[1].replace("\\040", " ")
        inside = target == Path(mount_point) or Path(mount_point) in target.parents
        if inside and len(mount_point) > len(best):
            best, fstype = mount_point, parts[2]
    return fstype


def parse_url(raw: str) -> URL:
    """Check a database URL and return it parsed, or raise DatabaseUrlError in Russian."""
    raw = raw.strip()
    if not raw:
        raise DatabaseUrlError(
            "Адрес базы данных пуст. Укажите, например, sqlite:///путь/к/файлу.db"
        )
    try:
        url = make_url(raw)
    except ArgumentError:
        raise DatabaseUrlError(
            f"Не удалось разобрать адрес базы данных «{raw}». Пример: sqlite:///C:/data/cabinet.db "
            "или postgresql://пользователь@сервер:5432/база"
        ) from None
    backend = url.get_backend_name()
    if backend == "sqlite":
        database = url.database or ""
        if database in ("", ":memory:"):
            raise DatabaseUrlError(
                "Для SQLite нужен путь к файлу базы данных, например sqlite:///C:/data/cabinet.db"
            )
        if _is_network_path(database):
            raise DatabaseUrlError(
                f"Файл базы данных «{database}» лежит на сетевом диске. SQLite на сетевом диске "
                "теряет блокировки и может испортить данные. Положите файл на локальный диск "
                "или используйте общий сервер PostgreSQL."
            )
        return url
    if backend == "postgresql":
        if url.drivername in ("postgresql", "postgres"):
            url = url.set(drivername="postgresql+psycopg")
        elif url.drivername != "postgresql+psycopg":
            raise DatabaseUrlError(
                f"Драйвер «{url.drivername}» не поддерживается. Используйте postgresql://…"
            )
        if not url.database:
            raise DatabaseUrlError("В адресе PostgreSQL не указано имя базы: postgresql://…/база")
        return url
    raise DatabaseUrlError(
        f"База данных «{backend}» не поддерживается: используйте sqlite:///файл.db "
        "или postgresql://сервер/база"
    )


def _sqlite_on_connect(dbapi_connection: Any, _record: Any) -> None:
    # The driver's own transaction handling is switched off so that SQLAlchemy's BEGIN rules.
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.execute("PRAGMA journal_mode=WAL")
    # FULL: a commit returns only once the WAL is on the disk, so a reading the user saw
    # saved survives a power cut (NORMAL could lose the last commits; README says so).
    cursor.execute("PRAGMA synchronous=FULL")
    cursor.close()
    dbapi_connection.set_authorizer(_sqlite_audit_guard)


_AUDIT_LOG = "audit_log"
_TRIGGER_ACTIONS = {
    sqlite3.SQLITE_CREATE_TRIGGER,
    sqlite3.SQLITE_CREATE_TEMP_TRIGGER,
    sqlite3.SQLITE_DROP_TRIGGER,
    sqlite3.SQLITE_DROP_TEMP_TRIGGER,
}


def _sqlite_audit_guard(
    action: int, arg1: str | None, arg2: str | None, _db: str | None, _source: str | None
) -> int:
    """SQLite's authorizer on every connection of ours: the audit log's table cannot be
    dropped or altered, nor a trigger on it dropped or added, nor the schema written to
    directly (``PRAGMA writable_schema``). With its triggers (UPDATE, DELETE, REPLACE
    refused) this makes the log append-only against anything the application runs.

    Alembic's migrations and the demo's rebuild change that schema on purpose: they run
    inside ``audit_schema_unlocked``, which lifts this check for one connection and the
    block only. (Another program opening the file directly is not stopped by this — that
    is what the hash chain and ``audit verify`` are for.)"""
    if action == sqlite3.SQLITE_DROP_TABLE:
        denied = (arg1 or "").casefold() == _AUDIT_LOG
    elif action in _TRIGGER_ACTIONS or action == sqlite3.SQLITE_ALTER_TABLE:
        denied = (arg2 or "").casefold() == _AUDIT_LOG  # the table the trigger is on
    elif action == sqlite3.SQLITE_PRAGMA:
        denied = (arg1 or "").casefold() == "writable_schema"
    else:
        denied = False
    return sqlite3.SQLITE_DENY if denied else sqlite3.SQLITE_OK


@contextmanager
def audit_schema_unlocked(conn: Connection) -> Iterator[None]:
    """Let ``conn`` change the audit log's schema while the block runs (migrations, the
    demo's rebuild). Putting the guard back expires every statement prepared meanwhile, so
    none of them is reused unchecked."""
    raw = conn.connection.dbapi_connection if conn.dialect.name == "sqlite" else None
    if not isinstance(raw, sqlite3.Connection):
        yield
        return
    raw.set_authorizer(None)
    try:
        yield
    finally:
        raw.set_authorizer(_sqlite_audit_guard)


def _sqlite_begin_immediate(conn: Any) -> None:
    # IMMEDIATE takes the write lock at the start, so two writers wait for each other (the busy
    # timeout) instead of one failing on upgrade. With WAL, readers are never blocked.
    conn.exec_driver_sql("BEGIN IMMEDIATE")


def _sqlite_begin_deferred(conn: Any) -> None:
    conn.exec_driver_sql("BEGIN")


def make_engine(url: URL | str, *, for_reading: bool = False) -> Engine:
    """An engine with the project's settings for its backend. On SQLite, transactions take
    the write lock at BEGIN unless the engine is ``for_reading`` only."""
    if isinstance(url, str):
        url = parse_url(url)
    if url.get_backend_name() == "sqlite":
        Path(url.database or "").expanduser().parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, connect_args={"check_same_thread": False})
        event.listen(engine, "connect", _sqlite_on_connect)
        begin = _sqlite_begin_deferred if for_reading else _sqlite_begin_immediate
        event.listen(engine, "begin", begin)
        return engine
    # pre-ping: a connection the server dropped (a restart, a network cut) is replaced at
    # its next use, so the window recovers when the server is back without a restart.
    engine = create_engine(url, pool_pre_ping=True, connect_args=_postgres_connect_args(url))
    rls.install(engine)  # each transaction carries the signed-in session's token
    return engine


STATEMENT_TIMEOUT_MS = 30_000
"""The server ends a statement that runs longer (a lock held by a hung desk, a runaway query)."""
LOCK_TIMEOUT_MS = 10_000
IDLE_IN_TRANSACTION_MS = 60_000

POSTGRES_CONNECT_ARGS: dict[str, Any] = {
    "connect_timeout": 5,
    # A lock another desk holds is waited for 10 s at most (then «база занята»), and a
    # transaction of ours left idle is ended by the server after a minute, releasing its
    # locks (as db roles sets for the login roles: db.roles_audit).
    "options": (
        f"-c statement_timeout={STATEMENT_TIMEOUT_MS} -c lock_timeout={LOCK_TIMEOUT_MS}"
        f" -c idle_in_transaction_session_timeout={IDLE_IN_TRANSACTION_MS}"
    ),
    # A silent link (a cable pulled, a VPN dropped) is noticed by TCP keepalives in
    # 10 + 3 × 5 = 25 s of silence, and unacknowledged data after 20 s (Linux), instead of
    # the system's hours: a call then fails with "no connection" well within a minute.
    "keepalives": 1,
    "keepalives_idle": 10,
    "keepalives_interval": 5,
    "keepalives_count": 3,
    "tcp_user_timeout": 20_000,
}


def _postgres_connect_args(url: URL) -> dict[str, Any]:
    """Ours, except what the URL sets itself; the URL's ``options`` are kept beside ours."""
    args = {key: value for key, value in POSTGRES_CONNECT_ARGS.items() if key not in url.query}
    own = url.query.get("options")
    if own:
        args["options"] = f"{own} {POSTGRES_CONNECT_ARGS['options']}"
    return args


_PASSWORD = re.compile(r"(://[^:/@]*:)[^@]*@")


def redact(url: URL | str) -> str:
    """The URL with its password hidden, for messages and logs."""
    if isinstance(url, URL):
        return url.render_as_string(hide_password=True)
    return _PASSWORD.sub(r"\1***@", url)


def insert_for(s: Session) -> Any:
    """``insert`` of the session's backend, the one with ``on_conflict_do_nothing``. Its
    dialect is imported here, when first needed: the engine has loaded it by then, while
    importing PostgreSQL's at start-up cost ~30 ms of CPU on SQLite (and SQLite's on
    PostgreSQL)."""
    if s.get_bind().dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert as pg_insert

        return pg_insert
    from sqlalchemy.dialects.sqlite import insert as sqlite_insert

    return sqlite_insert


class Database:
    """An engine plus a session factory; every change goes through one ``unit_of_work``."""

    def __init__(self, url: URL | str) -> None:
        self.url = parse_url(url) if isinstance(url, str) else url
        self.engine = make_engine(self.url)
        self._sessions = sessionmaker(self.engine, expire_on_commit=False)
        # On SQLite, reads get their own engine whose transactions do not take the write
        # lock, so a search never queues behind another workstation's write.
        self._read_engine = make_engine(self.url, for_reading=True) if self.is_sqlite else None
        self._read_sessions = (
            sessionmaker(self._read_engine, expire_on_commit=False)
            if self._read_engine is not None
            else self._sessions
        )

    @property
    def is_sqlite(self) -> bool:
        return self.url.get_backend_name() == "sqlite"

    @contextmanager
    def unit_of_work(self) -> Iterator[Session]:
        """One transaction: committed when the block ends, rolled back if it raises."""
        with self._sessions() as session, session.begin():
            yield session

    @contextmanager
    def read(self) -> Iterator[Session]:
        """A read-only transaction: a consistent snapshot, ended (rolled back by the pool)
        when the block closes the session; loaded objects stay usable afterwards."""
        with self._read_sessions() as session:
            yield session

    def dispose(self) -> None:
        self.engine.dispose()
        if self._read_engine is not None:
            self._read_engine.dispose()
