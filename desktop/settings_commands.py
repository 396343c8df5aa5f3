"""The settings' commands: ``settings list``, ``settings set KEY VALUE``, ``settings reset
KEY`` for the organisation's, and ``settings secret smtp|database`` for this machine's
passwords, which go into the OS credential store."""

from __future__ import annotations

import argparse
import getpass
import sys
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from desktop.app import Services
    from desktop.settings import Settings


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
    pin = actions.add_parser(
        "kiosk-pin",
        parents=[common],
        help="задать ПИН администратора киоска (открывает служебное меню киоска)",
        description="ПИН спрашивается дважды, не показываясь на экране; в сценарии его "
        "передают первой строкой стандартного ввода. --clear убирает ПИН: служебное меню "
        "киоска тогда не открыть.",
    )
    pin.add_argument("--clear", action="store_true", help="убрать ПИН")
    pin.set_defaults(run=cmd_settings_kiosk_pin)
    secret = actions.add_parser(
        "secret",
        parents=[common],
        help="сохранить пароль почты или базы данных в хранилище паролей системы",
        description="Пароль спрашивается, не показываясь на экране; в сценарии его передают "
        "первой строкой стандартного ввода.",
    )
    secret.add_argument(
        "entry",
        metavar="ПАРОЛЬ",
        choices=("smtp", "database"),
        help="smtp — пароль почтового сервера, database — пароль базы данных",
    )
    secret.set_defaults(direct=cmd_settings_secret)


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


def cmd_settings_kiosk_pin(services: Services, args: argparse.Namespace) -> int:
    from desktop.cli_common import cli_actor
    from desktop.kiosk_pin import check_pin

    if args.clear:
        services.kiosk_pin.change(cli_actor(), None)
        print(
            "ПИН администратора киоска убран: служебное меню киоска не откроется, пока его "
            "не зададут снова."
        )
        return 0
    pin = _read_secret(
        "ПИН администратора киоска (цифры): ", "Повторите ПИН: ", "ПИН не совпал.", "ПИН"
    )
    check_pin(pin)
    services.kiosk_pin.change(cli_actor(), pin)
    print(
        "ПИН администратора киоска задан. Киоски проверяют его по базе: новый ПИН действует "
        "сразу, без перезапуска."
    )
    return 0


def _read_secret(prompt: str, again: str, mismatch: str, missing: str) -> str:
    """Asked twice at a terminal, without echo; else the first line of standard input."""
    from desktop.errors import UserError

    if sys.stdin.isatty():
        secret = getpass.getpass(prompt)
        if getpass.getpass(again) != secret:
            raise UserError(f"{mismatch} Ничего не сохранено; повторите команду.")
    else:
        secret = sys.stdin.readline().rstrip("\r\n")
    if not secret or "\x00" in secret:
        raise UserError(
            f"{missing} не получен: введите его с клавиатуры или передайте первой строкой "
            "стандартного ввода. Ничего не сохранено."
        )
    return secret


USE = {
    "smtp": 'в разделе [smtp] файла настроек напишите password = "keyring:"',
    "database": "в адресе базы данных вместо пароля напишите keyring:, например "
    "postgresql://cabinet:keyring:@сервер/cabinet",
}


def cmd_settings_secret(url: str, settings: Settings, args: argparse.Namespace) -> int:
    """Put a password into the OS credential store; the settings file then refers to it."""
    from desktop.secrets import ENTRIES, store_secret
    from desktop.settings import settings_path

    password = _read_secret(
        f"{ENTRIES[args.entry].capitalize()}: ",
        "Повторите пароль: ",
        "Пароли не совпадают.",
        "Пароль",
    )
    store = store_secret(args.entry, password)
    print(
        f"{ENTRIES[args.entry].capitalize()} сохранён в хранилище паролей ({store}). Теперь "
        f"{USE[args.entry]} ({settings_path()}) и удалите пароль, записанный открытым текстом."
    )
    return 0
