"""``backup --output FILE`` and ``restore FILE``: copies of an SQLite database while the
desks work, and a restore that keeps what it replaces; on PostgreSQL both print the pg_dump
and pg_restore commands for the database instead."""

from __future__ import annotations

import argparse
import sys
from typing import TYPE_CHECKING, Any

from desktop.cli_common import cli_actor
from desktop.errors import UserError

if TYPE_CHECKING:
    from desktop.app import Services


def add_backup_commands(commands: Any, common: argparse.ArgumentParser) -> None:
    """Add ``backup`` and ``restore`` to the command line's commands."""
    backup = commands.add_parser(
        "backup", parents=[common], help="резервная копия базы (можно во время работы)"
    )
    backup.add_argument("--output", required=True, metavar="ФАЙЛ", help="куда записать копию")
    backup.set_defaults(run=cmd_backup)
    restore = commands.add_parser(
        "restore", parents=[common], help="восстановить базу из резервной копии"
    )
    restore.add_argument("source", metavar="ФАЙЛ", help="файл резервной копии")
    restore.add_argument(
        "--yes", action="store_true", help="не спрашивать подтверждения (для сценариев)"
    )
    restore.set_defaults(run=cmd_restore)


def cmd_backup(services: Services, args: argparse.Namespace) -> int:
    actor = cli_actor()
    hint = services.backup.postgres_hint(actor, args.output)
    if hint:
        raise UserError(hint)
    result = services.backup.create(args.output, by=actor)
    print(f"Резервная копия сохранена: {result.shown} ({result.size // 1024} КБ), проверена.")
    return 0


def cmd_restore(services: Services, args: argparse.Namespace) -> int:
    actor = cli_actor()
    hint = services.backup.postgres_hint(actor, args.source)
    if hint:
        raise UserError(hint)
    if not args.yes:
        if not sys.stdin.isatty():
            raise UserError(
                "Восстановление заменит все данные базы. В сценарии подтвердите его ключом "
                "--yes; база не изменилась."
            )
        answer = input(
            f"Все данные базы будут заменены данными копии «{args.source}». Текущая база "
            "сохранится рядом с ней. Продолжить? [да/нет] "
        )
        if answer.strip().casefold() not in ("да", "д", "yes", "y"):
            print("Отменено: база не изменилась.")
            return 1
    result = services.backup.restore(args.source, by=actor)
    print(
        f"База восстановлена из копии {result.shown}. Прежняя база сохранена: {result.kept}. "
        "Сотрудникам на рабочих местах нужно войти снова."
    )
    return 0
