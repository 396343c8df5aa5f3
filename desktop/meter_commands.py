"""The meters' command: ``meters verified`` records a meter's next verification date from
the certificate a resident brought to the office, so its readings are accepted again."""

from __future__ import annotations

import argparse
from datetime import date
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from desktop.app import Services


def _day(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"«{text}» — не дата: укажите её как ГГГГ-ММ-ДД, например 2032-06-01"
        ) from None


def add_meter_commands(commands: Any, common: argparse.ArgumentParser) -> None:
    """Add ``meters verified`` to the command line's sub-commands."""
    meters = commands.add_parser("meters", parents=[common], help="приборы учета")
    actions = meters.add_subparsers(dest="meters_command", metavar="ДЕЙСТВИЕ", required=True)
    verified = actions.add_parser(
        "verified",
        parents=[common],
        help="записать новую дату поверки прибора по свидетельству",
    )
    verified.add_argument("--account", required=True, metavar="НОМЕР", help="лицевой счет")
    verified.add_argument(
        "--meter", required=True, metavar="ПРИБОР", help="номер прибора или его название"
    )
    verified.add_argument(
        "--next", required=True, type=_day, metavar="ГГГГ-ММ-ДД", help="следующая поверка"
    )
    verified.set_defaults(run=cmd_meters_verified)


def cmd_meters_verified(services: Services, args: argparse.Namespace) -> int:
    from desktop.cli_common import cli_actor

    actor = cli_actor()
    account = services.accounts.get(actor, args.account)
    print(services.meters.record_verification(actor, account.id, args.meter, args.next))
    return 0
