"""Database failures told in Russian: the one mapping from the driver's exceptions (SQLAlchemy,
psycopg, sqlite3, the operating system's) to ``desktop.errors`` classes. The command line's
``main`` and the window's error display both use it, so a lost server, a locked or read-only
SQLite file, a full disk and a statement timeout read the same everywhere.

SQLAlchemy, psycopg and sqlite3 are not imported here: an error of theirs is recognised by the
module its class comes from, so the window can use this before the core is loaded.
"""

from __future__ import annotations

import errno
import os
import re
from collections.abc import Callable
from typing import TypeVar

from desktop.errors import (
    AccessDeniedError,
    ConnectionLostError,
    DatabaseBusyError,
    DatabaseFailure,
    DatabaseUnavailableError,
    DiskFullError,
    ReadOnlyDatabaseError,
    StatementTimeoutError,
    UserError,
    ValidationError,
)

T = TypeVar("T")

# sqlite3's primary result codes (the low byte of ``sqlite_errorcode``).
_SQLITE_BUSY, _SQLITE_LOCKED, _SQLITE_READONLY = 5, 6, 8
_SQLITE_IOERR, _SQLITE_CORRUPT, _SQLITE_FULL, _SQLITE_CANTOPEN, _SQLITE_NOTADB = 10, 11, 13, 14, 26
_DISK_FULL_ERRNOS = {errno.ENOSPC, getattr(errno, "EDQUOT", errno.ENOSPC)}
_SERVER = re.compile(r'server at "([^"]+)"(?: \([^)]*\))?, port (\d+)|server on socket "([^"]+)"')

BUSY = (
    "База занята другим рабочим местом: оно записывает данные дольше обычного. "
    "Ничего не изменено — повторите действие через минуту."
)
TIMEOUT = (
    "Сервер базы данных не ответил вовремя: запрос прерван, ничего не изменено. "
    "Повторите действие через минуту; если повторится, сообщите администратору."
)


def _where(where: str) -> str:
    return f" «{where}»" if where else ""


RETRY = (
    "Проверьте сеть и что сервер работает; программа повторит попытку при следующем "
    "действии, перезапускать её не нужно."
)


def connection_lost(reason: str = "", where: str = "") -> ConnectionLostError:
    server = f" {where}" if where else ""
    detail = f" ({reason})" if reason else ""
    return ConnectionLostError(
        f"Нет связи с сервером базы данных{server}{detail}. Ничего не изменено. {RETRY}"
    )


def disk_full(what: str = "") -> DiskFullError:
    return DiskFullError(
        f"Нет места на диске{': ' + what if what else ''}. Ничего не записано наполовину. "
        "Освободите место на диске (или выберите другой) и повторите действие."
    )


def _server_of(message: str) -> str:
    match = _SERVER.search(message)
    if not match:
        return ""
    host, port, socket = match.groups()
    return socket or f"{host}:{port}"


def _first_line(error: BaseException) -> str:
    text = str(error).strip()
    return text.splitlines()[0] if text else type(error).__name__


def _unwritable(path: str) -> bool:
    """True for an existing file that this account may not write, or in such a folder (SQLite
    cannot open its -wal and -shm files there: it says only "unable to open")."""
    if not path or not os.path.isfile(path):
        return False
    return not os.access(path, os.W_OK) or not os.access(os.path.dirname(path) or ".", os.W_OK)


def _from_sqlite(error: BaseException, where: str) -> UserError | None:
    code = getattr(error, "sqlite_errorcode", None)
    primary = code & 0xFF if isinstance(code, int) else None
    message = str(error).lower()
    if primary in (_SQLITE_BUSY, _SQLITE_LOCKED) or "database is locked" in message:
        return DatabaseBusyError(BUSY)
    cannot_open = primary in (_SQLITE_CANTOPEN, _SQLITE_IOERR) or "unable to open" in message
    if (
        primary == _SQLITE_READONLY
        or "readonly database" in message
        or (cannot_open and _unwritable(where))
    ):
        return ReadOnlyDatabaseError(
            f"Файл базы доступен только для чтения{': ' + where if where else ''}. "
            "Ничего не изменено. "
            "Дайте этой учетной записи право на запись в файл и его папку (SQLite создаёт "
            "рядом с файлом служебные файлы -wal и -shm) или откройте базу, которую можно менять."
        )
    if primary == _SQLITE_FULL or "disk is full" in message:
        return disk_full(f"база данных{_where(where)} не может вырасти")
    if primary == _SQLITE_CANTOPEN or "unable to open database" in message:
        return DatabaseUnavailableError(
            f"Не удалось открыть файл базы данных{_where(where)}. Проверьте, что папка "
            "существует и у этой учетной записи есть право читать и писать в неё."
        )
    if primary in (_SQLITE_CORRUPT, _SQLITE_NOTADB) or "not a database" in message:
        return DatabaseUnavailableError(
            f"Файл{_where(where)} повреждён или не является базой данных приложения. "
            "Восстановите базу из резервной копии или укажите другой файл."
        )
    if primary == _SQLITE_IOERR:
        return DatabaseUnavailableError(
            f"Ошибка чтения или записи диска с базой данных{_where(where)}: {_first_line(error)}. "
            "Ничего не изменено. Проверьте диск и повторите действие."
        )
    return None


def _from_psycopg(error: BaseException, where: str) -> UserError | None:
    sqlstate = getattr(error, "sqlstate", None) or ""
    server = where or _server_of(str(error))
    if sqlstate == "57014":  # query_canceled: the statement timeout, or a cancel
        return StatementTimeoutError(TIMEOUT)
    if sqlstate.startswith("40") or sqlstate == "55P03":  # deadlock, serialization, lock
        return DatabaseBusyError(BUSY)
    if sqlstate == "25P03":  # idle_in_transaction_session_timeout (db.roles_audit)
        return connection_lost(
            "сервер прервал транзакцию этого рабочего места: она простаивала дольше минуты, "
            "ничего из неё не сохранено",
            server,
        )
    if sqlstate == "53100":  # disk_full
        return disk_full(f"на сервере базы данных{_where(server)}")
    if sqlstate == "25006":  # read_only_sql_transaction: a standby server
        return ReadOnlyDatabaseError(
            f"Сервер базы данных{_where(server)} сейчас принимает только чтение (резервный "
            "сервер). Ничего не изменено. Укажите основной сервер или обратитесь к администратору."
        )
    if sqlstate == "42501":  # insufficient_privilege: this computer's role (db roles)
        return AccessDeniedError(
            "У пользователя базы данных этого компьютера нет прав на это действие: "
            f"{_first_line(error)}. Ничего не изменено. Сделайте это на компьютере, которому "
            "оно положено (например, у администратора), или обратитесь к администратору "
            "(роли PostgreSQL — в руководстве по установке)."
        )
    if sqlstate == "CB001":  # the kiosk functions' clock check (db.roles_resident)
        return DatabaseFailure(
            f"{_first_line(error)} Сверьте дату, время и часовой пояс этого компьютера с "
            "сервером базы данных и повторите действие."
        )
    if sqlstate == "CB002":  # a kiosk's readings against the rules (db.roles_readings)
        return AccessDeniedError(_first_line(error))
    if sqlstate == "22003":  # numeric_value_out_of_range
        return ValidationError("Число слишком большое: такого значения нет. Проверьте ввод.")
    message = str(error).lower()
    refused = ("authentication failed", "does not exist", "no password supplied", "permission")
    if sqlstate[:2] in ("28", "3D") or (not sqlstate and any(r in message for r in refused)):
        return DatabaseUnavailableError(
            f"Сервер базы данных{_where(server)} не пустил: {_first_line(error)}. Проверьте "
            "имя базы, пользователя и пароль в адресе базы данных."
        )
    if sqlstate.startswith("08") or sqlstate in ("57P01", "57P02", "57P03", "53300"):
        return connection_lost(_first_line(error), server)
    name = type(error).__name__
    if not sqlstate and name in ("OperationalError", "InterfaceError", "ConnectionTimeout"):
        return connection_lost(_first_line(error), server)
    return None


def database_failure(error: BaseException, where: str = "") -> UserError | None:
    """The user's message for a failure of the database or the disk, or None when ``error``
    is something else (a bug: shown as an internal error). ``where`` names the database
    (a redacted URL or a file) when the caller knows it."""
    if isinstance(error, UserError):
        return error
    if isinstance(error, OSError) and error.errno in _DISK_FULL_ERRNOS:
        return disk_full()
    if isinstance(error, OverflowError) and "SQLite INTEGER" in str(error):
        return ValidationError("Число слишком большое: такого значения нет. Проверьте ввод.")
    module = type(error).__module__
    if not module.startswith("sqlalchemy"):
        return _from_driver(error, where)
    orig = getattr(error, "orig", None)
    if isinstance(orig, BaseException):
        found = _from_driver(orig, where)
        if found is not None:
            return found
    if getattr(error, "connection_invalidated", False):
        return connection_lost(_first_line(orig or error), where)
    if type(error).__name__ == "TimeoutError":  # the pool waited for a free connection
        return DatabaseBusyError(BUSY)
    return None


def _from_driver(error: BaseException, where: str) -> UserError | None:
    if type(error).__module__ == "sqlite3":  # sqlite3.Error and its subclasses
        return _from_sqlite(error, where)
    if type(error).__module__.startswith("psycopg"):
        return _from_psycopg(error, where)
    if isinstance(error, OSError) and error.errno in _DISK_FULL_ERRNOS:
        return disk_full()
    return None


def is_connection_lost(error: BaseException) -> bool:
    return isinstance(database_failure(error), ConnectionLostError)


def retry_read(read: Callable[[], T]) -> T:
    """Call ``read`` (something that only reads); if the connection to the server was lost,
    call it once more — SQLAlchemy has dropped the broken connections, so the second call
    connects anew. A second failure goes to the caller."""
    try:
        return read()
    except Exception as error:
        if not is_connection_lost(error):
            raise
    return read()


__all__ = [
    "DatabaseFailure",
    "connection_lost",
    "database_failure",
    "disk_full",
    "is_connection_lost",
    "retry_read",
]
