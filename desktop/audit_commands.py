"""The audit log's commands: ``audit verify`` checks the log's hash chain."""

from __future__ import annotations

import argparse
import sys
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from desktop.app import Services

EXIT_BROKEN = 1


def add_audit_commands(commands: Any, common: argparse.ArgumentParser) -> None:
    """Add ``audit verify`` to the command line's sub-commands."""
    audit = commands.add_parser("audit", parents=[common], help="журнал аудита")
    actions = audit.add_subparsers(dest="audit_command", metavar="ДЕЙСТВИЕ", required=True)
    check = actions.add_parser(
        "verify",
        parents=[common],
        help="проверить, что записи журнала не изменены и не удалены",
    )
    check.set_defaults(run=cmd_audit_verify)


def cmd_audit_verify(services: Services, args: argparse.Namespace) -> int:
    """Walk the log; exit 0 if the chain holds, else name the first broken row and exit 1."""
    from desktop import audit
    from desktop.cli_common import cli_actor

    report = audit.verify(services.db, cli_actor())
    if report.intact:
        print(report.describe())
        return 0
    print(report.describe(), file=sys.stderr)
    return EXIT_BROKEN
