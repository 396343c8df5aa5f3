"""Backups of the SQLite database while desks write, restores that give the same data and
keep what they replace, Russian refusals that change nothing; on PostgreSQL the commands."""

from __future__ import annotations

import hashlib
import io
import sqlite3
import sys
import threading
import time
from pathlib import Path

import pytest
from sqlalchemy import select

from db.models import AuditEntry, StaffRole
from desktop.actors import SYSTEM, Actor
from desktop.app import open_services
from desktop.cli import main
from desktop.errors import AccessDeniedError, UserError
from tests.desktop.test_cli import run


@pytest.fixture
def demo_sqlite(sqlite_url: str) -> str:
    assert main(["demo", "--database-url", sqlite_url]) == 0
    return sqlite_url


def _path(url: str) -> Path:
    return Path(url.removeprefix("sqlite:///"))


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _staff(path: Path) -> list[tuple[str, bool]]:
    with sqlite3.connect(path) as conn:
        return list(conn.execute("SELECT login, active FROM staff_user ORDER BY login"))


def _actions(url: str) -> list[str]:
    services = open_services(url, create=False)
    try:
        with services.db.read() as s:
            return list(s.scalars(select(AuditEntry.action).order_by(AuditEntry.id)))
    finally:
        services.close()


def test_a_backup_taken_while_another_desk_writes_is_one_consistent_moment(
    demo_sqlite: str, tmp_path: Path
) -> None:
    live = _path(demo_sqlite)
    with sqlite3.connect(live) as conn:
        conn.execute("CREATE TABLE scratch (n INTEGER PRIMARY KEY, twice INTEGER NOT NULL)")
    stop = threading.Event()
    written = [0]

    def desk() -> None:  # another workstation: one row a transaction, two writes in each
        writer = sqlite3.connect(live, timeout=30, isolation_level=None)
        n = 0
        while not stop.is_set():
            writer.execute("BEGIN IMMEDIATE")
            writer.execute("INSERT INTO scratch (n, twice) VALUES (?, 0)", (n,))
            writer.execute("UPDATE scratch SET twice = ? WHERE n = ?", (2 * n, n))
            writer.execute("COMMIT")
            n += 1
            written[0] = n
        writer.close()

    # The desk opens its services first: the other desk's back-to-back writes hold SQLite's
    # write lock nearly all the time, and opening may write (CI saw «База занята» here).
    services = open_services(demo_sqlite, create=False)
    thread = threading.Thread(target=desk)
    thread.start()
    try:
        deadline = time.monotonic() + 60
        while written[0] < 50 and thread.is_alive() and time.monotonic() < deadline:
            stop.wait(0.01)
        assert written[0] >= 50, "the other desk did not write"
        seen: list[tuple[int, int]] = []
        folder = tmp_path / "copies"
        folder.mkdir()
        result = services.backup.create(
            folder / "copy.db", progress=lambda done, total: seen.append((done, total))
        )
    finally:
        stop.set()
        thread.join()
        services.close()
    assert seen and seen[-1][0] == seen[-1][1] > 0
    assert result.path == folder / "copy.db" and result.size > 0
    assert [p.name for p in folder.iterdir()] == ["copy.db"]  # no temporary file, no WAL
    with sqlite3.connect(result.path) as copy:
        assert copy.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        rows = list(copy.execute("SELECT n, twice FROM scratch ORDER BY n"))
        assert copy.execute("SELECT count(*) FROM account").fetchone()[0] > 0
    # Whole transactions only, in order: rows 0..k-1, each with its second write.
    assert rows == [(n, 2 * n) for n in range(len(rows))] and len(rows) >= 50
    assert _actions(demo_sqlite)[-1] == "backup.create"


def test_a_restore_gives_the_backups_data_and_keeps_what_it_replaced(
    demo_sqlite: str, tmp_path: Path
) -> None:
    live = _path(demo_sqlite)
    services = open_services(demo_sqlite, create=False)
    try:
        copy = services.backup.create(tmp_path / "copy.db").path
        services.auth.set_staff_active("operator", False)
        changed = _staff(live)
        assert ("operator", 0) in changed
        result = services.backup.restore(copy)
        # The desks' open connections see the restored data at once.
        staff = {u.login: u.active for u in services.auth.list_staff(SYSTEM)}
        assert staff["operator"] is True
    finally:
        services.close()
    assert ("operator", 1) in _staff(live)
    assert result.kept.parent == live.parent and _staff(result.kept) == changed
    with sqlite3.connect(result.kept) as kept:
        assert kept.execute("PRAGMA integrity_check").fetchone() == ("ok",)
    assert _actions(demo_sqlite)[-1] == "backup.restore"


@pytest.mark.parametrize(
    ("source", "message"),
    [
        ("missing.db", "не найден"),
        ("notes.txt", "не база данных SQLite"),
        ("empty.db", "не резервная копия базы этой программы"),
        ("", "не найден"),
        ("bad\0name", "не найден"),
    ],
)
def test_a_bad_copy_is_refused_in_russian_and_nothing_changes(
    demo_sqlite: str, tmp_path: Path, source: str, message: str
) -> None:
    (tmp_path / "notes.txt").write_text("не база\n" * 100, encoding="utf-8")
    sqlite3.connect(tmp_path / "empty.db").execute("CREATE TABLE t (x)").connection.close()
    live = _path(demo_sqlite)
    before = _digest(live)
    services = open_services(demo_sqlite, create=False)
    try:
        with pytest.raises(UserError, match=message):
            services.backup.restore(tmp_path / source if source else "")
        with pytest.raises(UserError, match="рабочая база"):
            services.backup.restore(live)
    finally:
        services.close()
    assert _digest(live) == before
    assert not list(live.parent.glob("*before-restore*"))


def test_a_bad_place_for_the_copy_is_refused_and_only_an_administrator_backs_up(
    demo_sqlite: str, tmp_path: Path
) -> None:
    live = _path(demo_sqlite)
    services = open_services(demo_sqlite, create=False)
    try:
        (operator,) = [u for u in services.auth.list_staff(SYSTEM) if u.login == "operator"]
        clerk = Actor.staff(operator.id, "operator", StaffRole.CLERK)
        with pytest.raises(AccessDeniedError, match="только администратор"):
            services.backup.create(tmp_path / "copy.db", by=clerk)
        with pytest.raises(AccessDeniedError):
            services.backup.restore(tmp_path / "copy.db", by=clerk)
        with pytest.raises(UserError, match="не существует"):
            services.backup.create(tmp_path / "nowhere" / "copy.db")
        with pytest.raises(UserError, match="это папка"):
            services.backup.create(tmp_path)
        with pytest.raises(UserError, match="на место самой базы"):
            services.backup.create(live)
    finally:
        services.close()
    assert not list(tmp_path.glob("copy*")) and "backup.create" not in _actions(demo_sqlite)


def test_backup_and_restore_from_the_command_line(
    demo_sqlite: str, tmp_path: Path, capsys, monkeypatch
) -> None:
    copy = tmp_path / "копия.db"
    code, out, err = run(capsys, "backup", "--output", str(copy), "--database-url", demo_sqlite)
    assert (code, err) == (0, "") and "Резервная копия сохранена" in out and copy.is_file()
    services = open_services(demo_sqlite, create=False)
    try:
        services.auth.set_staff_active("operator", False)
    finally:
        services.close()
    monkeypatch.setattr(sys, "stdin", io.StringIO(""))  # a script without --yes
    code, out, err = run(capsys, "restore", str(copy), "--database-url", demo_sqlite)
    assert code == 1 and "--yes" in err and ("operator", 0) in _staff(_path(demo_sqlite))
    code, out, err = run(capsys, "restore", str(copy), "--yes", "--database-url", demo_sqlite)
    assert (code, err) == (0, "") and "База восстановлена" in out and "Прежняя база" in out
    assert ("operator", 1) in _staff(_path(demo_sqlite))
    code, _, err = run(capsys, "restore", str(tmp_path / "нет.db"), "--yes",
                       "--database-url", demo_sqlite)  # fmt: skip
    assert code == 1 and "не найден" in err


def test_on_postgresql_both_commands_give_pg_dump_and_pg_restore_without_the_password(
    pg_url: str, capsys, tmp_path: Path
) -> None:
    assert main(["db", "upgrade", "--database-url", pg_url]) == 0
    with_password = pg_url.replace("postgres@", "postgres:Sekret-42@", 1)
    assert "Sekret-42" in with_password
    output = tmp_path / "office.dump"
    code, out, err = run(capsys, "backup", "--output", str(output),
                         "--database-url", with_password)  # fmt: skip
    assert code == 1 and "pg_dump --format=custom" in err and str(output) in err
    assert "pg_restore" in err and "Sekret-42" not in err + out and not output.exists()
    code, out, err = run(capsys, "restore", "x.dump", "--yes", "--database-url", with_password)
    assert code == 1 and "pg_restore --clean" in err and "Sekret-42" not in err + out
