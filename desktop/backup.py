"""Backup and restore of the office's database.

SQLite: the copy is made with SQLite's online backup API while the desks go on working (one
step, so the copy is one consistent moment), checked with ``PRAGMA integrity_check`` and only
then given its name. A restore checks the copy the same way, keeps a copy of the database it
replaces beside it, and writes the copy into the live database through the same API, so the
desks' open connections see the restored data. PostgreSQL: pg_dump and pg_restore do this
better than we could; both methods tell the administrator the commands for this database.
"""

from __future__ import annotations

import os
import sqlite3
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy.engine import URL

from db.engine import Database
from desktop import audit
from desktop.actors import SYSTEM, Actor
from desktop.audit import AuditAction
from desktop.clock import Clock
from desktop.errors import AccessDeniedError, UserError
from desktop.files import check_target
from desktop.permissions import Permission, allows

Progress = Callable[[int, int], None]
"""Called with (pages copied, pages in all) while a copy is made."""

SUFFIX = ".db"
_VERSION_TABLE = "alembic_version"


class PostgresBackupError(UserError):
    """The database is on a PostgreSQL server: the message gives the pg_dump/pg_restore
    commands for it."""


def printable(path: Path) -> str:
    """A path as text that can be printed and stored: a name in no valid encoding (POSIX
    names are bytes) keeps its undecodable bytes as \\x escapes."""
    return str(path).encode("utf-8", "backslashreplace").decode("utf-8")


@dataclass(frozen=True)
class BackupResult:
    path: Path
    size: int  # bytes

    @property
    def shown(self) -> str:
        return printable(self.path)


@dataclass(frozen=True)
class RestoreResult:
    source: Path
    kept: Path  # the copy of the database as it was before the restore

    @property
    def shown(self) -> str:
        return printable(self.source)


def postgres_commands(url: URL, output: str = "cabinet.dump") -> tuple[str, str]:
    """The pg_dump and pg_restore command lines for this database, without its password."""
    parts = [
        f"--host={url.host}" if url.host else "",
        f"--port={url.port}" if url.port else "",
        f"--username={url.username}" if url.username else "",
        f"--dbname={url.database}",
    ]
    where = " ".join(p for p in parts if p)
    dump = f"pg_dump --format=custom {where} --file={_quoted(output)}"
    restore = f"pg_restore --clean --if-exists --single-transaction {where} {_quoted(output)}"
    return dump, restore


def postgres_explanation(url: URL, output: str = "cabinet.dump") -> str:
    """What the administrator of a PostgreSQL database does instead, in Russian."""
    dump, restore = postgres_commands(url, output)
    return (
        "База данных находится на сервере PostgreSQL: резервную копию делает программа "
        "pg_dump, восстанавливает pg_restore (они входят в PostgreSQL). Для этой базы:\n"
        f"  копия:          {dump}\n"
        f"  восстановление: {restore}\n"
        "Пароль команда спросит сама (или возьмёт из файла .pgpass). Перед восстановлением "
        "закройте программу на всех рабочих местах."
    )


class BackupService:
    """The administrator's backups of an SQLite database, and restores from them."""

    def __init__(self, db: Database, clock: Clock) -> None:
        self.db = db
        self.clock = clock

    def postgres_hint(self, by: Actor = SYSTEM, output: str = "cabinet.dump") -> str:
        """On PostgreSQL, the explanation with the commands; on SQLite, an empty string."""
        _check(by)
        return "" if self.db.is_sqlite else postgres_explanation(self.db.url, output)

    def create(
        self, output: str | Path, *, by: Actor = SYSTEM, progress: Progress | None = None
    ) -> BackupResult:
        """Copy the database to ``output`` (replaced only by a complete, checked copy)."""
        _check(by)
        live = self._live_path()
        target = check_target(output)
        if _same_file(target, live):
            raise UserError("Копию нельзя записать на место самой базы. Укажите другой файл.")
        folder = target.parent
        try:
            handle, name = tempfile.mkstemp(dir=folder, prefix=f".{target.stem}.", suffix=".part")
            os.close(handle)
        except OSError as error:
            raise UserError(
                f"Не удалось записать файл в папку «{folder}»: {error.strerror or error}. "
                "Выберите другую папку."
            ) from None
        temporary = Path(name)
        try:
            _copy(live, temporary, progress)
            _check_copy(temporary, "Копия")
            os.replace(temporary, target)
        except sqlite3.Error as error:
            raise UserError(f"Резервная копия не сделана: {error}. База не изменилась.") from None
        finally:
            temporary.unlink(missing_ok=True)
        size = target.stat().st_size
        with self.db.unit_of_work() as s:
            audit.record(
                s,
                self.clock.now(),
                by,
                AuditAction.BACKUP_CREATE,
                file=printable(target),
                size=size,
            )
        return BackupResult(target, size)

    def restore(self, source: str | Path, *, by: Actor = SYSTEM) -> RestoreResult:
        """Replace the database's content by the copy in ``source``, keeping what it was in
        a file beside the database. Bad copies are refused before anything changes."""
        _check(by)
        live = self._live_path()
        path = Path(source).expanduser()
        if not _is_file(path):
            raise UserError(f"Файл «{printable(path)}» не найден. Укажите файл резервной копии.")
        if _same_file(path, live):
            raise UserError("Это сама рабочая база, а не резервная копия. Укажите файл копии.")
        _check_copy(path, "Файл", schema=self._schema())
        stamp = self.clock.now().strftime("%Y%m%d-%H%M%S")
        kept = live.with_name(f"{live.stem}-before-restore-{stamp}{SUFFIX}")
        try:
            _copy(live, kept, None)
            with _open(path, read_only=True) as copy, _open(live) as target:
                copy.backup(target)
        except sqlite3.Error as error:
            raise UserError(
                f"База не восстановлена: {error}. Закройте программу на других рабочих местах "
                "и повторите."
            ) from None
        with self.db.unit_of_work() as s:
            audit.record(
                s,
                self.clock.now(),
                by,
                AuditAction.BACKUP_RESTORE,
                file=printable(path),
                kept=printable(kept),
            )
        return RestoreResult(path, kept)

    def _live_path(self) -> Path:
        if not self.db.is_sqlite:
            raise PostgresBackupError(postgres_explanation(self.db.url))
        return Path(self.db.url.database or "").expanduser()

    def _schema(self) -> str | None:
        with _open(self._live_path(), read_only=True) as conn:
            return _version(conn)


def _check(by: Actor) -> None:
    if not allows(by, Permission.BACKUP):
        raise AccessDeniedError("Резервные копии делает и восстанавливает только администратор.")


def _quoted(text: str) -> str:
    return f'"{text}"' if any(c.isspace() for c in text) else text


def _is_file(path: Path) -> bool:
    """Whether ``path`` names a file; False for a name no file can have (too long, a NUL)."""
    try:
        return "\0" not in str(path) and path.is_file()
    except (OSError, ValueError):
        return False


def _same_file(a: Path, b: Path) -> bool:
    try:
        return a.exists() and b.exists() and os.path.samefile(a, b)
    except OSError:
        return False


class _open:  # a context manager, like open()
    """A plain sqlite3 connection that is closed at the block's end (sqlite3's own ``with``
    only ends the transaction)."""

    def __init__(self, path: Path, *, read_only: bool = False) -> None:
        uri = f"{path.resolve().as_uri()}?mode=ro" if read_only else str(path)
        self.conn = sqlite3.connect(uri, uri=read_only, timeout=30, isolation_level=None)

    def __enter__(self) -> sqlite3.Connection:
        return self.conn

    def __exit__(self, *exc: object) -> None:
        self.conn.close()


def _copy(live: Path, target: Path, progress: Progress | None) -> None:
    """The whole database in one step (one consistent moment, whatever the desks write),
    then made one self-contained file (no write-ahead log beside it)."""
    with _open(live, read_only=True) as source, _open(target) as copy:

        def report(_status: int, remaining: int, total: int) -> None:
            if progress is not None:
                progress(total - remaining, total)

        source.backup(copy, pages=-1, progress=report)
        copy.execute("PRAGMA journal_mode=DELETE")


def _check_copy(path: Path, what: str, *, schema: str | None = None) -> None:
    """Refuse a file that is not a sound copy of this program's database (Russian)."""
    try:
        with _open(path, read_only=True) as conn:
            result = conn.execute("PRAGMA integrity_check").fetchone()
            version = _version(conn)
    except sqlite3.Error:
        raise UserError(
            f"{what} «{path.name}» — не база данных SQLite или повреждён. Укажите файл "
            "резервной копии программы."
        ) from None
    if not result or result[0] != "ok":
        raise UserError(f"{what} «{path.name}» повреждён (проверка целостности не пройдена).")
    if version is None:
        raise UserError(f"{what} «{path.name}» — не резервная копия базы этой программы.")
    if schema is not None and version != schema:
        raise UserError(
            f"Копия «{path.name}» сделана другой версией программы (схема {version}, у базы "
            f"{schema}). Восстановите её той же версией программы."
        )


def _version(conn: sqlite3.Connection) -> str | None:
    try:
        row = conn.execute(f"SELECT version_num FROM {_VERSION_TABLE}").fetchone()
    except sqlite3.Error:
        return None
    return str(row[0]) if row else None
