"""``python -m desktop import FILE [--kind KIND] [--dry-run]``: a file from 1C into the
database, with a progress bar and the report in Russian. Exit code 1 if the file was refused
(every problem listed, nothing changed). ``export readings --period --format --output``: a
month's readings for 1C or ГИС ЖКХ."""

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
    "receipts",
    "accepted",
    "payments",
)  # desktop.exchange.kinds.KINDS, without importing it
PROFILE_NAMES = ("sberbank", "agent")  # desktop.exchange.profiles.PROFILES, likewise


def add_exchange_commands(commands: Any, common: argparse.ArgumentParser) -> None:
    """Add ``import`` to the command line's sub-commands."""
    command = commands.add_parser(
        "import",
        parents=[common],
        help="загрузить файл из 1С (CSV или XLSX): лицевые счета, приборы учета, ведомость, "
        "квитанции, ответ о приёме показаний",
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
        "ведомость, receipts — квитанции, accepted — ответ 1С о приёме показаний, payments — "
        "реестр платежей банка; без ключа определяется по заголовкам столбцов",
    )
    command.add_argument(
        "--profile",
        choices=PROFILE_NAMES,
        help="формат реестра платежей: sberbank — Сбербанк (по умолчанию), agent — общий "
        "реестр платежного агента; без ключа определяется по первой строке файла",
    )
    command.add_argument(
        "--dry-run",
        action="store_true",
        help="только проверить и показать, что изменится, ничего не записывая",
    )
    command.set_defaults(run=cmd_import)

    export = commands.add_parser(
        "export", parents=[common], help="выгрузить показания за месяц для 1С или ГИС ЖКХ"
    )
    what = export.add_subparsers(dest="export_command", metavar="ЧТО", required=True)
    readings = what.add_parser(
        "readings",
        parents=[common],
        help="показания приборов за месяц",
        description=(
            "Выгрузить показания, переданные за месяц (жителями, в терминале, в офисе): для "
            "1С — CSV (Windows-1251) или XLSX, для ГИС ЖКХ — XLSX по шаблону «Импорт "
            "показаний ИПУ». Повторная выгрузка месяца говорит, что изменилось с прошлой. "
            "Столбцы — в docs/exchange.md."
        ),
    )
    readings.add_argument("--period", required=True, metavar="ГГГГ-ММ", help="месяц показаний")
    readings.add_argument(
        "--format",
        required=True,
        choices=("csv", "xlsx", "gis"),
        help="csv или xlsx — для 1С, gis — для ГИС ЖКХ",
    )
    readings.add_argument("--output", required=True, metavar="ФАЙЛ", help="куда записать")
    readings.set_defaults(run=cmd_export_readings)


def cmd_export_readings(services: Services, args: argparse.Namespace) -> int:
    from desktop.months import parse_month

    month = parse_month(args.period)
    with progress_state("Выгрузка") as state:
        report = services.readings_export.export(
            cli_actor(), month, args.format, args.output, state=state
        )
    print(report.text())
    return 0


def cmd_import(services: Services, args: argparse.Namespace) -> int:
    from desktop.exchange.report import ImportRefused

    try:
        with progress_state("Загрузка") as state:
            report = services.exchange.import_file(
                cli_actor(),
                args.file,
                kind=args.kind,
                dry_run=args.dry_run,
                state=state,
                profile=args.profile,
            )
    except ImportRefused as refused:
        print(refused.report.text(), file=sys.stderr)
        return 1
    print(report.text())
    return 0
