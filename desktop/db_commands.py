"""``db roles``: the PostgreSQL group roles of least privilege (``db.roles``)."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from desktop.errors import UserError
from desktop.settings import Settings


class RolesError(UserError):
    """The roles could not be set up; the message says why, in Russian."""


def add_db_commands(db_commands: Any, common: argparse.ArgumentParser) -> None:
    """Add ``db roles`` beside ``db upgrade``."""
    roles = db_commands.add_parser(
        "roles",
        parents=[common],
        help="создать или обновить роли PostgreSQL: киоск, сотрудник, администратор",
    )
    roles.add_argument(
        "--prefix",
        default="cabinet_",
        help="начало имён ролей (по умолчанию cabinet_: cabinet_kiosk, cabinet_clerk, …)",
    )
    roles.set_defaults(direct=cmd_db_roles)


def cmd_db_roles(url: str, settings: Settings, args: argparse.Namespace) -> int:
    """Bring the schema up to date, then create or update the group roles and their grants.
    Run by the owner of the schema (who also needs CREATEROLE to create the roles)."""
    from sqlalchemy.exc import ProgrammingError

    from db.roles import apply_roles, check_prefix
    from desktop.app import connect

    try:
        check_prefix(args.prefix)  # before anything is opened or created
    except ValueError as error:
        raise RolesError(str(error)) from None
    db = connect(url, create=True)
    try:
        if db.is_sqlite:
            raise RolesError(
                "Роли настраиваются только на сервере PostgreSQL: у базы SQLite их нет, "
                "доступ к её файлу задаётся правами на папку."
            )
        try:
            report = apply_roles(db.engine, args.prefix)
        except ValueError as error:
            raise RolesError(str(error)) from None
        except ProgrammingError as error:
            reason = str(error.orig).strip().splitlines()[0] if error.orig else str(error)
            raise RolesError(
                f"Не удалось настроить роли: {reason}. Запустите команду от имени владельца "
                "таблиц базы, у которого есть право создавать роли (CREATEROLE)."
            ) from None
    finally:
        db.dispose()
    if report.created:
        print("Созданы роли: " + ", ".join(report.created) + ".")
    print(
        f"Права ролей {', '.join(report.groups)} заданы заново для {report.tables} таблиц. "
        "Создайте для рабочих мест и киосков пользователей — членов этих ролей "
        "(docs/install.md, «Роли PostgreSQL»)."
    )
    if report.unaltered:
        print(
            "Не удалось задать ограничения времени ожидания пользователям "
            + ", ".join(report.unaltered)
            + ": у владельца нет права их менять. Задайте их от имени суперпользователя "
            "(docs/install.md, «Роли PostgreSQL»), иначе зависшее рабочее место может "
            "задерживать другие.",
            file=sys.stderr,
        )
    return 0
