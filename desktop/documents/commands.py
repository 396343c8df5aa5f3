"""The documents' commands: ``receipt``, ``receipts`` and the statement's XLSX and PDF.

Files are written whole or not at all (``desktop.cli_common.output_to``'s temporary file,
renamed when complete); errors are Russian messages with exit code 1. Nothing heavy is imported
until a command runs: ``python -m desktop`` starts as fast as before.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any, BinaryIO

from desktop.cli_common import cli_actor, output_to, parse_id, progress_state
from desktop.common.plural import plural
from desktop.errors import UserError

if TYPE_CHECKING:
    from desktop.app import Services


def add_document_commands(commands: Any, common: argparse.ArgumentParser) -> None:
    """Add ``receipt`` and ``receipts`` to the command line's sub-commands."""
    receipt = commands.add_parser(
        "receipt", parents=[common], help="квитанция за месяц в PDF с QR-кодом для оплаты"
    )
    receipt.add_argument("--account", required=True, metavar="N", help="номер лицевого счета")
    receipt.add_argument("--period", required=True, metavar="ГГГГ-ММ", help="месяц квитанции")
    receipt.add_argument("--output", required=True, metavar="FILE.pdf", help="файл PDF")
    receipt.set_defaults(run=cmd_receipt)

    receipts = commands.add_parser(
        "receipts", parents=[common], help="квитанции всех счетов дома (или всех) в одном PDF"
    )
    receipts.add_argument("--period", required=True, metavar="ГГГГ-ММ", help="месяц квитанций")
    receipts.add_argument("--building", metavar="ID", help="код дома; без него — все дома")
    receipts.add_argument("--output", required=True, metavar="FILE.pdf", help="файл PDF")
    receipts.set_defaults(run=cmd_receipts)


@contextmanager
def binary_output(path: str | None) -> Iterator[BinaryIO]:
    """A binary file that appears only once it is completely written (``output_to``'s
    checks, temporary file and rename, used through its binary buffer)."""
    if not path:
        raise UserError("Укажите файл для документа: --output ИМЯ_ФАЙЛА.")
    with output_to(path) as stream:
        yield stream.buffer


def cmd_receipt(services: Services, args: argparse.Namespace) -> int:
    from desktop.months import parse_month

    actor = cli_actor()
    month = parse_month(args.period)
    account = services.accounts.get(actor, args.account)
    with binary_output(args.output) as out:
        services.documents.write_receipt(actor, account.id, month, out)
    return 0


def cmd_receipts(services: Services, args: argparse.Namespace) -> int:
    from desktop.documents.receipt import month_title
    from desktop.months import parse_month

    actor = cli_actor()
    month = parse_month(args.period)
    building = None if args.building is None else parse_id(args.building, "Код дома")
    with progress_state("Квитанции") as state, binary_output(args.output) as out:
        result = services.documents.write_receipts(
            actor, month, out, building_id=building, state=state
        )
    line = (
        f"Готово: {plural(result.printed, 'квитанция', 'квитанции', 'квитанций')} "
        f"за {month_title(month)} в файле {args.output}."
    )
    if result.skipped:
        line += (
            " Пропущено без начислений за этот месяц: "
            f"{plural(result.skipped, 'лицевой счет', 'лицевых счета', 'лицевых счетов')}."
        )
    if result.void_codes:
        line += f" {result.void_codes_text}"
    print(line, file=sys.stderr)
    return 0


def export_statement(services: Services, args: argparse.Namespace) -> int:
    """``statement --format xlsx|pdf --output FILE``."""

    if not args.output:
        raise UserError(f"Для формата {args.format} укажите файл: --output ведомость.{args.format}")
    actor = cli_actor()
    account = services.accounts.get(actor, args.account)
    with binary_output(args.output) as out:
        statement = services.documents.write_statement(actor, account.id, out, args.format)
    for problem in statement.problems:
        print(f"Внимание: {problem}", file=sys.stderr)
    return 0
