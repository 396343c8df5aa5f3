"""Failures of the database told in Russian, and recovery when the server is back.

The shared PostgreSQL server is never stopped: a TCP proxy in the test is cut and restored.
"""

from __future__ import annotations

import io
import sqlite3
import sys
import time
from pathlib import Path

import pytest
from sqlalchemy import create_engine, inspect, text
from sqlalchemy.exc import DBAPIError, OperationalError

from db.engine import STATEMENT_TIMEOUT_MS, Database
from db.migrate import upgrade
from desktop.cli import main
from desktop.errors import (
    ConnectionLostError,
    DatabaseBusyError,
    DiskFullError,
    StatementTimeoutError,
)
from desktop.failures import database_failure, retry_read
from tests.mounts import read_only_folder, tiny_disk
from tests.tcp_proxy import TcpProxy


def run(capsys, *argv: str) -> tuple[int, str, str]:
    try:
        code = main(list(argv))
    except SystemExit as exit_:
        code = int(exit_.code or 0)
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture
def proxy(pg_url: str):
    proxy = TcpProxy.for_url(pg_url)
    proxy.start()
    yield proxy
    proxy.cut()


@pytest.fixture
def demo_url(database_url: str) -> str:
    assert main(["demo", "--database-url", database_url]) == 0
    return database_url


# -- PostgreSQL: timeouts, keepalives, a lost server ------------------------------------------


def test_postgres_connections_carry_a_statement_timeout_and_keepalives(pg_url: str):
    db = Database(pg_url)
    try:
        with db.read() as s:
            assert s.execute(text("SHOW statement_timeout")).scalar() == "30s"
            assert s.execute(text("SHOW lock_timeout")).scalar() == "10s"
            assert s.execute(text("SHOW idle_in_transaction_session_timeout")).scalar() == "1min"
            raw = s.connection().connection.dbapi_connection
            parameters = raw.info.get_parameters()  # type: ignore[union-attr]
    finally:
        db.dispose()
    assert STATEMENT_TIMEOUT_MS == 30_000
    assert parameters["connect_timeout"] == "5"
    assert parameters["keepalives"] == "1"
    # A silent link is noticed within idle + interval × count seconds: well under a minute.
    idle, interval, count = (
        int(parameters[k]) for k in ("keepalives_idle", "keepalives_interval", "keepalives_count")
    )
    assert idle + interval * count < 60


def test_the_urls_own_options_are_kept_beside_ours(pg_url: str):
    db = Database(pg_url + "?options=-c%20application_name%3Dkassa2&connect_timeout=3")
    try:
        with db.read() as s:
            assert s.execute(text("SHOW application_name")).scalar() == "kassa2"
            assert s.execute(text("SHOW statement_timeout")).scalar() == "30s"
            raw = s.connection().connection.dbapi_connection
            assert raw.info.get_parameters()["connect_timeout"] == "3"  # type: ignore[union-attr]
    finally:
        db.dispose()


def test_a_statement_past_the_timeout_is_told_in_russian(pg_url: str):
    db = Database(pg_url)
    try:
        with pytest.raises(OperationalError) as caught, db.read() as s:
            s.execute(text("SET LOCAL statement_timeout = '50ms'"))
            s.execute(text("SELECT pg_sleep(5)"))
    finally:
        db.dispose()
    failure = database_failure(caught.value)
    assert isinstance(failure, StatementTimeoutError)
    assert "не ответил вовремя" in str(failure) and "ничего не изменено" in str(failure)


def test_a_lost_server_is_told_in_russian_and_the_same_database_works_when_it_is_back(
    pg_url: str, proxy: TcpProxy
):
    db = Database(proxy.url(pg_url))
    try:
        upgrade(db.engine)
        with db.read() as s:
            assert s.execute(text("SELECT 1")).scalar() == 1
        proxy.cut()
        with pytest.raises(OperationalError) as caught, db.read() as s:
            s.execute(text("SELECT 1"))
        failure = database_failure(caught.value)
        assert isinstance(failure, ConnectionLostError)
        assert str(failure).startswith("Нет связи с сервером базы данных")
        assert "повторит попытку" in str(failure) and "Traceback" not in str(failure)
        proxy.start()  # the server is back: no new Database, no restart
        with db.read() as s:
            assert s.execute(text("SELECT 2")).scalar() == 2
        with db.unit_of_work() as s:
            s.execute(text("SELECT 3"))
    finally:
        db.dispose()


def test_a_read_whose_connection_broke_is_retried_once(pg_url: str, proxy: TcpProxy):
    db = Database(proxy.url(pg_url))
    attempts: list[int] = []

    def read() -> int:
        with db.read() as s:
            s.execute(text("SELECT 1"))
            attempts.append(1)
            if len(attempts) == 1:
                proxy.drop_connections()  # the link breaks in the middle of the read
            return int(s.execute(text("SELECT 2")).scalar_one())

    try:
        assert retry_read(read) == 2
    finally:
        db.dispose()
    assert len(attempts) == 2


def test_the_command_line_says_the_server_is_unreachable_without_a_traceback(
    pg_url: str, proxy: TcpProxy, capsys
):
    assert main(["db", "upgrade", "--database-url", pg_url]) == 0
    capsys.readouterr()
    proxy.cut()
    code, out, err = run(capsys, "debt", "--account", "3492", "--database-url", proxy.url(pg_url))
    assert code == 1 and out == "" and "Traceback" not in err
    assert "нет связи с сервером" in err and "повторит попытку" in err


# -- an empty PostgreSQL database stays empty -------------------------------------------------


@pytest.mark.parametrize(
    "argv",
    [
        ["statement", "--account", "3492"],
        ["readings", "--account", "3492"],
        ["debt", "--account", "3492"],
        ["settings", "list"],
        ["staff", "list"],
    ],
)
def test_a_command_on_an_empty_database_creates_nothing_and_says_how_to_prepare_it(
    database_url: str, capsys, argv: list[str]
):
    if database_url.startswith("sqlite"):
        Path(database_url.removeprefix("sqlite:///")).touch()  # an empty file
    code, out, err = run(capsys, *argv, "--database-url", database_url)
    assert code == 1 and out == "" and "Traceback" not in err
    assert "пуста" in err and "db upgrade" in err and "demo" in err
    engine = create_engine(database_url)
    try:
        with engine.connect() as conn:
            assert inspect(conn).get_table_names() == []
    finally:
        engine.dispose()


# -- SQLite: locked, read-only, full; durable commits ------------------------------------------


def test_sqlite_commits_wait_for_the_disk(sqlite_url: str):
    """WAL with synchronous=FULL: a committed reading survives a power cut."""
    db = Database(sqlite_url)
    try:
        for engine in (db.engine, db._read_engine):
            assert engine is not None
            with engine.connect() as conn:
                assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
                assert conn.exec_driver_sql("PRAGMA synchronous").scalar() == 2  # FULL
    finally:
        db.dispose()


def test_a_locked_sqlite_database_is_told_as_busy(sqlite_url: str):
    db = Database(sqlite_url)
    upgrade(db.engine)
    db.dispose()
    path = sqlite_url.removeprefix("sqlite:///")
    holder = sqlite3.connect(path, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")
    impatient = create_engine(sqlite_url, connect_args={"timeout": 0})
    try:
        with pytest.raises(OperationalError) as caught, impatient.connect() as conn:
            conn.exec_driver_sql("BEGIN IMMEDIATE")
    finally:
        impatient.dispose()
        holder.rollback()
        holder.close()
    failure = database_failure(caught.value)
    assert isinstance(failure, DatabaseBusyError)
    assert "База занята другим рабочим местом" in str(failure) and "через минуту" in str(failure)


def test_a_command_during_another_desks_long_write_says_the_base_is_busy(
    sqlite_url: str, capsys, monkeypatch
):
    """The command waits the busy timeout (10 s), then refuses in Russian; nothing changes."""
    assert main(["db", "upgrade", "--database-url", sqlite_url]) == 0
    holder = sqlite3.connect(sqlite_url.removeprefix("sqlite:///"), isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")
    monkeypatch.setattr(sys, "stdin", io.StringIO("Садовая-12-весна\n"))
    try:
        code, out, err = run(
            capsys, "staff", "add", "--login", "petrova", "--name", "Петрова П.П.",
            "--role", "clerk", "--password-stdin", "--database-url", sqlite_url,
        )  # fmt: skip
    finally:
        holder.rollback()
        holder.close()
    assert code == 1 and "Traceback" not in err
    assert "База занята другим рабочим местом" in err
    code, out, _ = run(capsys, "staff", "list", "--database-url", sqlite_url)
    assert code == 0 and "Сотрудников пока нет" in out


def test_a_read_only_sqlite_file_is_named_as_such(tmp_path: Path, capsys):
    folder = tmp_path / "base"
    folder.mkdir()
    path = folder / "cabinet.db"
    url = f"sqlite:///{path.as_posix()}"
    assert main(["db", "upgrade", "--database-url", url]) == 0
    capsys.readouterr()
    with read_only_folder(folder):
        code, out, err = run(capsys, "debt", "--account", "3492", "--database-url", url)
    assert code == 1 and out == "" and "Traceback" not in err
    assert "сервер запущен" not in err
    assert "Файл базы доступен только для чтения" in err and str(path) in err


def test_a_full_sqlite_database_is_told_as_a_full_disk(sqlite_url: str):
    db = Database(sqlite_url)
    try:
        with pytest.raises(OperationalError) as caught, db.unit_of_work() as s:
            s.execute(text("CREATE TABLE filler (x TEXT)"))
            pages = s.execute(text("PRAGMA page_count")).scalar_one()
            s.execute(text(f"PRAGMA max_page_count = {pages + 2}"))
            for _ in range(100):
                s.execute(text("INSERT INTO filler VALUES (:x)"), {"x": "x" * 10_000})
    finally:
        db.dispose()
    failure = database_failure(caught.value, "cabinet.db")
    assert isinstance(failure, DiskFullError) and "Нет места на диске" in str(failure)


# -- integers beyond any record ---------------------------------------------------------------


def test_a_building_number_beyond_any_record_is_refused(demo_url: str, capsys, tmp_path: Path):
    out_dir = tmp_path / "out"
    out_dir.mkdir()
    target = out_dir / "r.pdf"
    for building in ("99999999999999999999", "2147483648", "0", "-1", "１", "1" * 5000):
        code, out, err = run(capsys, "receipts", "--period", "2026-11", "--building", building,
                             "--output", str(target), "--database-url", demo_url)  # fmt: skip
        assert code == 1 and "Traceback" not in err and "Код дома" in err, (building, err)
        assert not target.exists() and list(out_dir.iterdir()) == []


def test_a_command_on_a_full_disk_says_so_and_keeps_the_base_whole(tmp_path: Path, capsys):
    with tiny_disk(tmp_path / "disk", size_kib=400) as disk:
        url = f"sqlite:///{(disk / 'cabinet.db').as_posix()}"
        assert main(["db", "upgrade", "--database-url", url]) == 0
        capsys.readouterr()
        code, out, err = run(capsys, "demo", "--database-url", url)
        assert code == 1 and "Traceback" not in err
        assert "Нет места на диске" in err
        code, out, err = run(capsys, "staff", "list", "--database-url", url)
        assert code == 0 and "Сотрудников пока нет" in out  # the demo's transaction left nothing


def test_a_transaction_the_server_ended_for_idling_is_told_in_russian(pg_url: str):
    """A desk that stopped mid-transaction (here: for a moment past a short limit) loses the
    transaction to the server (db.roles_audit): its next call says so, and the same desk
    goes on."""
    db = Database(pg_url)
    try:
        with pytest.raises(DBAPIError) as caught, db.unit_of_work() as s:
            s.execute(text("SET LOCAL idle_in_transaction_session_timeout = '100ms'"))
            time.sleep(0.5)
            s.execute(text("SELECT 1"))
        with db.read() as s:
            assert s.execute(text("SELECT 1")).scalar() == 1
    finally:
        db.dispose()
    failure = database_failure(caught.value)
    assert isinstance(failure, ConnectionLostError)
    assert "простаивала" in str(failure) and "ничего из неё не сохранено" in str(failure)


def test_a_deadlock_between_two_desks_is_told_as_busy(pg_url: str):
    """Two transactions locking two rows in opposite order: the server ends one of them."""
    import threading

    db = Database(pg_url)
    with db.unit_of_work() as s:
        s.execute(text("CREATE TABLE pair (id INT PRIMARY KEY, v INT)"))
        s.execute(text("INSERT INTO pair VALUES (1, 0), (2, 0)"))
    first_locked, second_locked = threading.Event(), threading.Event()
    errors: list[BaseException] = []

    def desk(mine: int, other: int, locked: threading.Event, wait: threading.Event) -> None:
        try:
            with db.unit_of_work() as s:
                s.execute(text("UPDATE pair SET v = 1 WHERE id = :i"), {"i": mine})
                locked.set()
                wait.wait(10)
                s.execute(text("UPDATE pair SET v = 1 WHERE id = :i"), {"i": other})
        except Exception as error:
            errors.append(error)

    threads = [
        threading.Thread(target=desk, args=(1, 2, first_locked, second_locked)),
        threading.Thread(target=desk, args=(2, 1, second_locked, first_locked)),
    ]
    try:
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(60)
    finally:
        db.dispose()
    assert len(errors) == 1
    failure = database_failure(errors[0])
    assert isinstance(failure, DatabaseBusyError) and "повторите" in str(failure)
