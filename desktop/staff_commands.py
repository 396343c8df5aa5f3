"""The staff commands: ``staff add`` (the first administrator too), ``staff list``,
``staff disable`` / ``staff enable`` — disabling ends the staff member's sessions at every
desk at once — and ``staff reset-password`` (a temporary password, changed at sign-in)."""

from __future__ import annotations

import argparse
import getpass
import sys
from typing import TYPE_CHECKING, Any

from desktop.cli_common import cli_actor, render_table
from desktop.errors import UserError

if TYPE_CHECKING:
    from desktop.app import Services


def add_staff_commands(commands: Any, common: argparse.ArgumentParser) -> None:
    """Add ``staff add|list|disable|enable`` to the command line's sub-commands."""
    staff = commands.add_parser("staff", parents=[common], help="сотрудники офиса")
    actions = staff.add_subparsers(dest="staff_command", metavar="ДЕЙСТВИЕ", required=True)
    add = actions.add_parser(
        "add", parents=[common], help="добавить сотрудника (в том числе первого администратора)"
    )
    add.add_argument("--login", required=True, metavar="ЛОГИН", help="логин для входа")
    add.add_argument("--name", required=True, metavar="ФИО", help="ФИО сотрудника")
    add.add_argument(
        "--role",
        required=True,
        choices=("admin", "clerk"),
        help="admin — администратор, clerk — оператор",
    )
    add.add_argument(
        "--password-stdin",
        action="store_true",
        help="взять пароль из первой строки стандартного ввода (для сценариев)",
    )
    add.set_defaults(run=cmd_staff_add)
    listing = actions.add_parser("list", parents=[common], help="список сотрудников")
    listing.set_defaults(run=cmd_staff_list)
    for name, active, text in (
        ("disable", False, "отключить сотрудника: его сеансы на всех рабочих местах завершатся"),
        ("enable", True, "снова допустить отключенного сотрудника к работе"),
    ):
        action = actions.add_parser(name, parents=[common], help=text)
        action.add_argument("login", metavar="ЛОГИН", help="логин сотрудника")
        action.set_defaults(run=cmd_staff_set_active, active=active)
    reset = actions.add_parser(
        "reset-password",
        parents=[common],
        help="новый временный пароль (показывается один раз); сеансы сотрудника завершатся",
    )
    reset.add_argument("login", metavar="ЛОГИН", help="логин сотрудника")
    reset.set_defaults(run=cmd_staff_reset_password)


ROLE_NAMES = {"admin": "администратор", "clerk": "оператор"}


def read_new_password(from_stdin: bool) -> str:
    """The new staff member's password: typed twice at the terminal, or a script's line."""
    if from_stdin:
        if sys.stdin.isatty():
            raise UserError(
                "С ключом --password-stdin пароль был бы виден на экране. В терминале "
                "запустите команду без него: пароль спросят, не показывая."
            )
        password = sys.stdin.readline().rstrip("\r\n")
        if not password:
            raise UserError("Пароль не получен: передайте его первой строкой стандартного ввода.")
        return password
    if not sys.stdin.isatty():
        raise UserError(
            "Пароль вводится с клавиатуры, а стандартный ввод — не терминал. В сценарии "
            "укажите --password-stdin и передайте пароль первой строкой ввода."
        )
    password = getpass.getpass("Пароль сотрудника: ")
    if getpass.getpass("Повторите пароль: ") != password:
        raise UserError("Пароли не совпадают. Сотрудник не добавлен; запустите команду ещё раз.")
    return password


def cmd_staff_add(services: Services, args: argparse.Namespace) -> int:
    actor = cli_actor()
    services.auth.check_new_staff(args.login, args.name, args.role, by=actor)
    password = read_new_password(args.password_stdin)
    staff = services.auth.create_staff(args.login, args.name, args.role, password, by=actor)
    print(
        f"Сотрудник {staff.full_name} ({ROLE_NAMES[staff.role.value]}) добавлен. Логин: "
        f"{staff.login}; вход — «Вход для сотрудников» в окне входа."
    )
    return 0


def cmd_staff_list(services: Services, args: argparse.Namespace) -> int:
    staff = services.auth.list_staff(cli_actor())
    if not staff:
        print("Сотрудников пока нет. Добавьте администратора: python -m desktop staff add …")
        return 0
    rows = [
        [
            s.login,
            s.full_name,
            ROLE_NAMES[s.role.value],
            "да" if s.active else "нет",
            "да" if s.must_change_password else "",
        ]
        for s in staff
    ]
    headers = ["Логин", "ФИО", "Роль", "Активен", "Сменить пароль"]
    print(render_table(headers, rows, set()))
    return 0


def cmd_staff_set_active(services: Services, args: argparse.Namespace) -> int:
    staff = services.auth.set_staff_active(args.login, args.active, by=cli_actor())
    if staff.active:
        print(f"Сотрудник {staff.full_name} ({staff.login}) снова может входить в программу.")
    else:
        print(
            f"Сотрудник {staff.full_name} ({staff.login}) отключен: войти он не сможет, "
            "его открытые сеансы завершены."
        )
    return 0


def cmd_staff_reset_password(services: Services, args: argparse.Namespace) -> int:
    password = services.auth.reset_staff_password(args.login, by=cli_actor())
    print(
        f"Временный пароль сотрудника {args.login.strip().casefold()}: {password}\n"
        "Он показан один раз: передайте его сотруднику. При входе программа попросит "
        "придумать свой пароль; открытые сеансы сотрудника завершены."
    )
    return 0
