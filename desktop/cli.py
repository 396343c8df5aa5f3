"""The command line: ``python -m desktop [command] …``. The office uses it in scripts.

Errors go to stderr in Russian with a non-zero exit code and no traceback; a command that
fails changes nothing (every change is one transaction, every file is written whole).
"""

from __future__ import annotations

import argparse
import dataclasses
import importlib
import sys
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

from desktop import __version__
from desktop.cli_common import ProgressBar, cli_actor, output_to, render_table, write_csv
from desktop.db_commands import add_db_commands
from desktop.errors import UserError
from desktop.settings import Settings, demo_database_url, load_settings

if TYPE_CHECKING:  # the core pulls in SQLAlchemy: imported when a command needs it,
    # so that opening the window (no command) stays fast
    from desktop.app import Services

__all__ = ["cli_actor", "main", "output_to", "render_table", "write_csv"]

EXIT_ERROR = 1
EXIT_USAGE = 2

Command = Callable[["Services", argparse.Namespace], int]
"""A command that works through the services: the parser's ``run``."""
DirectCommand = Callable[[str, Settings, argparse.Namespace], int]
"""A command that manages the database at the URL itself: the parser's ``direct``."""

# argparse's own words, in Russian (it looks ``_`` up at call time).
_ARGPARSE_RU = {
    "usage: ": "использование: ",
    "options": "параметры",
    "positional arguments": "команды",
    "show this help message and exit": "показать эту справку и выйти",
    "show program's version number and exit": "показать версию и выйти",
    "the following arguments are required: %s": "не указаны обязательные параметры: %s",
    "unrecognized arguments: %s": "неизвестные параметры: %s",
    "expected one argument": "после параметра нужно значение",
    "invalid choice: %(value)r (choose from %(choices)s)": (
        "недопустимое значение %(value)r (можно: %(choices)s)"
    ),
    "argument %(argument_name)s: %(message)s": "параметр %(argument_name)s: %(message)s",
    "%(prog)s: error: %(message)s\n": "%(prog)s: ошибка: %(message)s\n",
    "ambiguous option: %(option)s could match %(matches)s": (
        "неоднозначный параметр %(option)s: подходит %(matches)s"
    ),
}
argparse._ = lambda text: _ARGPARSE_RU.get(text, text)  # type: ignore[attr-defined]


class Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # type: ignore[override]
        self.exit(
            EXIT_USAGE,
            f"Ошибка в командной строке: {message}.\nСправка: python -m desktop --help\n",
        )


def build_parser() -> Parser:
    common = Parser(add_help=False)
    common.add_argument(
        "--database-url",
        metavar="URL",
        default=argparse.SUPPRESS,
        help="адрес базы данных: sqlite:///файл.db или postgresql://сервер/база",
    )
    parser = Parser(
        prog="python -m desktop",
        description="Личный кабинет жителя и рабочее место офиса управляющей компании.",
        parents=[common],
    )
    parser.add_argument(
        "--version",
        action="version",
        version=f"%(prog)s {__version__}",
        help="показать версию и выйти",  # argparse's own text escapes its translation hook
    )
    parser.add_argument("--demo", action="store_true", help="открыть демонстрационную базу")
    parser.add_argument(
        "--kiosk", action="store_true", help="режим киоска: окно во весь экран, только для жителей"
    )
    parser.add_argument(
        "--quit-after-start",
        action="store_true",
        help="показать окно входа и сразу выйти (проверка запуска)",
    )
    commands = parser.add_subparsers(dest="command", title="команды", metavar="КОМАНДА")

    demo = commands.add_parser("demo", parents=[common], help="создать демонстрационную базу")
    demo.add_argument("--reset", action="store_true", help="пересоздать демо-данные заново")
    demo.add_argument(
        "--accounts",
        metavar="N",
        help="большая база для проверки скорости: всего N лицевых счетов (демо-счета входят)",
    )
    demo.add_argument(
        "--months",
        metavar="M",
        help="длина долгой истории (у каждого десятого счета), месяцев; по умолчанию 120",
    )
    demo.add_argument(
        "--seed", metavar="S", help="число для случайных данных: то же число — те же данные"
    )
    demo.set_defaults(direct=cmd_demo)

    db = commands.add_parser("db", parents=[common], help="обслуживание базы данных")
    db_commands = db.add_subparsers(dest="db_command", metavar="ДЕЙСТВИЕ", required=True)
    db_upgrade = db_commands.add_parser(
        "upgrade", parents=[common], help="обновить структуру базы до текущей версии"
    )
    db_upgrade.set_defaults(direct=cmd_db_upgrade)
    add_db_commands(db_commands, common)

    statement = commands.add_parser("statement", parents=[common], help="ведомость по счету")
    statement.add_argument("--account", required=True, metavar="N", help="номер лицевого счета")
    statement.add_argument("--format", choices=("table", "csv", "xlsx", "pdf"), default="table")
    statement.add_argument("--output", metavar="FILE", help="записать в файл")
    statement.set_defaults(run=cmd_statement)

    readings = commands.add_parser("readings", parents=[common], help="показания приборов")
    readings.add_argument("--account", required=True, metavar="N", help="номер лицевого счета")
    readings.add_argument("--period", metavar="ГГГГ-ММ", help="период; по умолчанию последний")
    readings.add_argument("--format", choices=("table", "csv"), default="table")
    readings.add_argument("--output", metavar="FILE", help="записать в файл")
    readings.set_defaults(run=cmd_readings)

    debt = commands.add_parser("debt", parents=[common], help="задолженность по счету")
    debt.add_argument("--account", required=True, metavar="N", help="номер лицевого счета")
    debt.set_defaults(run=cmd_debt)

    mail = commands.add_parser("mail", parents=[common], help="почта жителям")
    mail_commands = mail.add_subparsers(dest="mail_command", required=True, metavar="КОМАНДА")
    mail_send = mail_commands.add_parser(
        "send", parents=[common], help="отправить письма из очереди (для планировщика)"
    )
    mail_send.set_defaults(run=cmd_mail_send)

    from desktop.audit_commands import add_audit_commands
    from desktop.backup_commands import add_backup_commands
    from desktop.documents.commands import add_document_commands
    from desktop.exchange.commands import add_exchange_commands
    from desktop.meter_commands import add_meter_commands
    from desktop.settings_commands import add_settings_commands
    from desktop.staff_commands import add_staff_commands

    add_staff_commands(commands, common)
    add_backup_commands(commands, common)
    add_document_commands(commands, common)
    add_exchange_commands(commands, common)
    add_meter_commands(commands, common)
    add_settings_commands(commands, common)
    add_audit_commands(commands, common)
    return parser


# -- commands ---------------------------------------------------------------------------------


def _account_id(services: Services, number: str) -> int:
    return services.accounts.get(cli_actor(), number).id


def cmd_statement(services: Services, args: argparse.Namespace) -> int:
    from desktop.formatting import money, money_plain
    from desktop.months import month_iso, month_short

    if args.format in ("xlsx", "pdf"):
        from desktop.documents.commands import export_statement

        return export_statement(services, args)
    statement = services.statements.statement(cli_actor(), _account_id(services, args.account))
    names = [c.name for c in statement.columns]
    with output_to(args.output, bom=args.format == "csv") as out:
        if args.format == "csv":
            rows = [["Период", "Строка", "ИТОГО", *names]]
            for block in statement.months:
                for line in block.lines:
                    rows.append(
                        [month_iso(block.month), line.label, money_plain(line.total)]
                        + [money_plain(a) for a in line.amounts]
                    )
            write_csv(out, rows)
        else:
            rows = []
            for block in statement.months:
                rows.append([month_short(block.month)] + [""] * (len(names) + 1))
                for line in block.lines:
                    rows.append(
                        [line.label, money(line.total, blank_zero=True)]
                        + [money(a, blank_zero=True) for a in line.amounts]
                    )
            out.write(f"Ведомость по лицевому счету {statement.account_number}\n")
            if not statement.months:
                out.write("Начислений пока нет.\n")
            else:
                headers = ["", "ИТОГО", *names]
                out.write(render_table(headers, rows, set(range(1, len(headers)))) + "\n")
    for problem in statement.problems:
        print(f"Внимание: {problem}", file=sys.stderr)
    return 0


def cmd_readings(services: Services, args: argparse.Namespace) -> int:
    from desktop.formatting import meter_value, ru_date
    from desktop.months import month_name, parse_month
    from desktop.readings import COLUMNS

    actor = cli_actor()
    month = parse_month(args.period) if args.period else None
    account_id = _account_id(services, args.account)
    if month is None:
        periods = services.readings.periods(actor, account_id)
        if not periods:
            raise UserError(f"По лицевому счету {args.account} ещё нет показаний.")
        month = periods[0].month
    rows = services.readings.readings(actor, account_id, month)
    headers = list(COLUMNS)
    cells = [
        [
            r.title,
            r.serial,
            ru_date(r.retired_on),
            r.unit,
            meter_value(r.previous),
            meter_value(r.current),
            meter_value(r.difference),
        ]
        for r in rows
    ]
    with output_to(args.output, bom=args.format == "csv") as out:
        if args.format == "csv":
            write_csv(out, [headers, *cells])
        else:
            out.write(f"Показания приборов за период: {month_name(month)}\n")
            out.write(render_table(headers, cells, {4, 5, 6}) + "\n")
    return 0


def cmd_debt(services: Services, args: argparse.Namespace) -> int:
    from desktop.debt_texts import payments_text, summary
    from desktop.formatting import money, ru_date
    from desktop.months import month_name

    debt = services.statements.debt(cli_actor(), _account_id(services, args.account))
    if not debt.has_debt:
        balance = debt.balance
        state = (
            f"к оплате {money(balance)} ₽"
            if balance > 0
            else f"переплата {money(-balance)} ₽"
            if balance < 0
            else "0,00 ₽"
        )
        print(f"Задолженности более {debt.older_than_months} месяцев нет. Текущий баланс: {state}.")
        if debt.payments_after:
            print(payments_text(debt))
        return 0
    rows = [
        [
            month_name(i.month),
            i.service,
            money(i.amount),
            ru_date(i.due),
            str(i.days_overdue),
            money(i.penalty),
        ]
        for i in debt.items
    ]
    print(f"Задолженность старше {debt.older_than_months} месяцев на {ru_date(debt.as_of)}")
    headers = ["Месяц", "Услуга", "Сумма", "Срок оплаты", "Дней просрочки", "Пеня"]
    print(render_table(headers, rows, {2, 4, 5}))
    print(summary(debt))
    return 0


def cmd_mail_send(services: Services, args: argparse.Namespace) -> int:
    """Deliver the letters due now, once: what a scheduler (cron, Task Scheduler) runs."""
    if services.mail_sender is None:
        print(
            "Почтовый сервер не настроен (раздел [smtp] файла настроек): письма жителям "
            "печатаются в офисе как памятки, отправлять нечего."
        )
        return 0
    report = services.mail_sender.send_due()
    print(
        f"Отправлено писем: {report.sent}; не удалось, повторим позже: {report.failed}; "
        f"переданы в офис как памятки: {report.to_slips}; удалено просроченных: {report.expired}."
    )
    return EXIT_ERROR if report.failed or report.to_slips else 0


def cmd_db_upgrade(url: str, settings: Settings, args: argparse.Namespace) -> int:
    from desktop.app import connect

    connect(url, create=True).dispose()
    print("Структура базы данных обновлена до текущей версии.")
    return 0


def cmd_demo(url: str, settings: Settings, args: argparse.Namespace) -> int:
    from desktop.app import connect
    from desktop.clock import SystemClock
    from desktop.demo import build_demo
    from desktop.demo.large_spec import parse_spec

    large = parse_spec(args.accounts, args.months, args.seed)  # before anything is opened
    db = connect(url, create=True)
    bar = ProgressBar(sys.stderr, "Лицевые счета")
    try:
        summary = build_demo(db, SystemClock(), reset=args.reset, large=large, progress=bar)
    finally:
        bar.close()
        db.dispose()
    print(summary.describe())
    return 0


def cmd_start(url: str, settings: Settings, args: argparse.Namespace) -> int:
    """No command: open the application's window."""
    if args.kiosk:
        settings = dataclasses.replace(settings, mode="kiosk")
    try:
        # Loaded by name: the screens sit above the core, which never depends on them.
        gui = importlib.import_module("ui.kiosk.app" if settings.mode == "kiosk" else "ui.app")
    except ImportError as error:
        raise UserError(
            f"Не удалось запустить оконный интерфейс ({error}). Установите приложение "
            "командой ./run.sh или пользуйтесь командами: python -m desktop --help"
        ) from None
    return gui.main(url, settings, demo=args.demo, quit_after_start=args.quit_after_start)


READ_ONLY_COMMANDS = {"readings", "debt", "staff list", "settings list"}
"""Commands that change nothing: run once more if the server's connection broke meanwhile.
(``statement`` is not one: its exports are audited.)"""


def _command_name(args: argparse.Namespace) -> str:
    sub = next((v for k, v in vars(args).items() if k.endswith("_command") and v), None)
    return f"{args.command} {sub}" if sub else str(args.command)


def _run_command(run: Command, url: str, settings: Settings, args: argparse.Namespace) -> int:
    from desktop.app import open_services

    services = open_services(url, settings=settings, create=False)
    try:
        return run(services, args)
    finally:
        services.close()


def _database_name(url: str | None) -> str:
    """The SQLite file or the redacted server URL, for a failure's message."""
    if not url:
        return ""
    from db.engine import DatabaseUrlError, parse_url, redact

    try:
        parsed = parse_url(url)
    except DatabaseUrlError:
        return ""
    return (parsed.database or "") if parsed.get_backend_name() == "sqlite" else redact(parsed)


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    url: str | None = None
    try:
        settings = load_settings()
        url = getattr(args, "database_url", None)
        if url is None:
            url = demo_database_url() if args.demo else settings.database_url
        run: Command | None = getattr(args, "run", None)
        direct: DirectCommand | None = getattr(args, "direct", None)
        if run is not None or direct is not None:  # the window does it in the background
            from desktop.files import check_target, clean_stale_parts

            clean_stale_parts()  # what a killed export left behind
            if getattr(args, "output", None):
                check_target(args.output)  # a bad file name is refused before any work
        if run is None:  # a command that opens the database itself, or the window
            return (direct or cmd_start)(url, settings, args)
        if _command_name(args) in READ_ONLY_COMMANDS:
            from desktop.failures import retry_read

            return retry_read(lambda: _run_command(run, url, settings, args))
        return _run_command(run, url, settings, args)
    except UserError as error:
        print(f"Ошибка: {error}", file=sys.stderr)
        return EXIT_ERROR
    except KeyboardInterrupt:
        print("Прервано.", file=sys.stderr)
        return 130
    except Exception as error:
        # The database's and the disk's failures, told in Russian; anything else is a bug
        # and keeps its traceback for the report.
        from desktop.failures import database_failure

        known = database_failure(error, _database_name(url))
        if known is None:
            raise
        print(f"Ошибка: {known}", file=sys.stderr)
        return EXIT_ERROR
