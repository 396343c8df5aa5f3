"""The organisation settings' commands: ``settings list`` and ``settings set KEY VALUE``."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from desktop.app import Services


def add_settings_commands(commands: Any, common: argparse.ArgumentParser) -> None:
    """Add ``settings list|set|reset`` to the command line's sub-commands."""
    settings = commands.add_parser(
        "settings", parents=[common], help="настройки организации (общие для всех рабочих мест)"
    )
    actions = settings.add_subparsers(dest="settings_command", metavar="ДЕЙСТВИЕ", required=True)
    listing = actions.add_parser("list", parents=[common], help="все настройки и их значения")
    listing.set_defaults(run=cmd_settings_list)
    change = actions.add_parser("set", parents=[common], help="изменить настройку")
    change.add_argument("key", metavar="НАСТРОЙКА", help="например readings.window_start")
    change.add_argument("value", metavar="ЗНАЧЕНИЕ", help="например 15")
    change.set_defaults(run=cmd_settings_set)
    reset = actions.add_parser("reset", parents=[common], help="вернуть значение по умолчанию")
    reset.add_argument("key", metavar="НАСТРОЙКА", help="например kiosk.idle_seconds")
    reset.set_defaults(run=cmd_settings_reset)


def cmd_settings_list(services: Services, args: argparse.Namespace) -> int:
    from desktop.cli_common import render_table

    rows = [
        [
            view.key,
            view.label,
            view.text if len(view.text) <= 60 else view.text[:57] + "…",
            "по умолчанию" if view.is_default else "",
        ]
        for view in services.organisation.describe(services.settings)
    ]
    print(render_table(["Настройка", "Описание", "Значение", ""], rows, set()))
    return 0


def cmd_settings_set(services: Services, args: argparse.Namespace) -> int:
    return _change(services, args.key, args.value)


def cmd_settings_reset(services: Services, args: argparse.Namespace) -> int:
    return _change(services, args.key, None)


def _change(services: Services, key: str, value: str | None) -> int:
    from desktop.cli_common import cli_actor
    from desktop.organisation import BY_KEY, as_text

    applied = services.organisation.change(cli_actor(), key, value, services.settings)
    shown = as_text(key, BY_KEY[key].get(applied))
    print(
        f"Настройка «{BY_KEY[key].label}» теперь: {shown}. Рабочие места и киоски применят её "
        "при следующем запуске программы."
    )
    return 0
