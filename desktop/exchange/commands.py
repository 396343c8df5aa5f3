"""``python -m desktop import FILE [--kind KIND] [--dry-run]``: a file from 1C into the
database, with a progress bar and the report in Russian. Exit code 1 if the file was refused
(every problem listed, nothing changed)."""

from __future__ import annotations

import argparse
import sys
from typing import TYPE_CHECKING, Any

from desktop.cli_common import cli_actor, progress_state

if TYPE_CHECKING:
    from desktop.app import Services

KIND_NAMES = (
    "accounts",
    "meters",
    "statement",
    "payments",
)  # desktop.exchange.kinds.KINDS, without importing it


def add_exchange_commands(commands: Any, common: argparse.ArgumentParser) -> None:
    """Add ``import`` to the command line's sub-commands."""
    command = commands.add_parser(
        "import",
        parents=[common],
        help="загрузить файл из 1С (CSV или XLSX): лицевые счета, приборы учета, ведомость",
        description=(
            "Загрузить файл из 1С. Файл сначала проверяется целиком: при любой ошибке в базе "
            "ничего не меняется, а ошибки перечисляются с номерами строк. Форматы и столбцы — "
            "в docs/exchange.md."
        ),
    )
    command.add_argument("file", metavar="ФАЙЛ", help="файл CSV (;) или XLSX")
    command.add_argument(
        "--kind",
        choices=KIND_NAMES,
        help="что в файле: accounts — лицевые счета, meters — приборы учета, statement — "
        "ведомость, payments — реестр платежей банка; без ключа определяется по заголовкам "
        "столбцов",
    )
    command.add_argument(
        "--dry-run",
        action="store_true",
        help="только проверить и показать, что изменится, ничего не записывая",
    )
    command.set_defaults(run=cmd_import)


def cmd_import(services: Services, args: argparse.Namespace) -> int:
    from desktop.exchange.report import ImportRefused

    try:
        with progress_state("Загрузка") as state:
            report = services.exchange.import_file(
                cli_actor(), args.file, kind=args.kind, dry_run=args.dry_run, state=state
            )
    except ImportRefused as refused:
        print(refused.report.text(), file=sys.stderr)
        return 1
    print(report.text())
    return 0
