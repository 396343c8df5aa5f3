"""The ``receipts`` layout: the receipts 1C issued, one a row — account, number, date, month,
description and total — as the cabinet lists them under «Квитанции». A row's own rules, no
database."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import date
from typing import NamedTuple

from desktop.accounts import check_number, clean_number
from desktop.exchange import values
from desktop.exchange.accounts import NUMBER
from desktop.exchange.columns import Columns, Field
from desktop.exchange.fast import Memo, account_number, fits, scaled
from desktop.exchange.rows import RowReader
from desktop.exchange.source import Line
from desktop.months import month_name

NUMBER_LENGTH = 50  # Receipt.number
DESCRIPTION_LENGTH = 300  # Receipt.description

FIELDS = (
    replace(NUMBER, key="account"),
    Field(
        "number",
        "Номер квитанции",
        ("№ квитанции", "Номер документа", "№ документа", "Номер ЕПД", "Квитанция", "Номер"),
        required=True,
    ),
    Field(
        "date",
        "Дата",
        ("Дата квитанции", "Дата документа", "Дата выставления", "Дата формирования"),
        required=True,
    ),
    Field("month", "Период", ("Месяц", "Расчетный период", "За период"), required=True),
    Field("description", "Описание", ("Назначение", "Содержание", "Наименование", "Комментарий")),
    Field(
        "total",
        "Сумма",
        ("Итого", "Сумма к оплате", "Итого к оплате", "К оплате", "Всего", "Сумма, руб"),
        required=True,
    ),
)  # fmt: skip


class ReceiptLine(NamedTuple):
    line: int
    account: str
    number: str
    issued_on: date
    month: date  # the first day
    description: str | None  # None: not in the file or empty (kept; a new one gets the default)
    total: int  # kopecks, as stored


def default_description(month: date) -> str:
    """A new receipt's description when the file gives none."""
    return f"Квитанция за {month_name(month).lower()}"


def parse(reader: RowReader) -> ReceiptLine | None:
    """The row's receipt, or None with the reasons in ``reader.problems``."""
    account = clean_number(reader.raw("account"))
    number_problems: list[str] = []
    check_number(account, number_problems)
    for message in number_problems:
        reader.problem("account", message)
    number = reader.value(
        "number",
        lambda t: values.text(t, limit=NUMBER_LENGTH, what="Номер квитанции"),
        required=True,
    )
    issued_on = reader.value("date", values.day, required=True)
    month = reader.value("month", values.month, required=True)
    description = reader.value(
        "description", lambda t: values.text(t, limit=DESCRIPTION_LENGTH, what="Описание")
    )
    total = reader.value(
        "total",
        lambda t: values.decimal(t, places=2, what="Сумма", example="2648,62"),
        required=True,
    )
    if reader.problems or not number or issued_on is None or month is None or total is None:
        return None
    return ReceiptLine(
        line=reader.line.number,
        account=account,
        number=number,
        issued_on=issued_on,
        month=month,
        description=description or None,
        total=int(total.scaleb(2)),
    )


def fast_parser(columns: Columns) -> Callable[[Line], ReceiptLine | None]:
    """A row's receipt read the quick way (``desktop.exchange.fast``): None for anything not
    plain — then ``parse`` reads the row and says what is wrong."""
    width = len(columns.headers)
    at = columns.index
    account_at, number_at, date_at = at["account"], at["number"], at["date"]
    month_at, total_at, description_at = at["month"], at["total"], at.get("description")
    accounts = Memo(account_number)
    days = Memo(values.day)
    months = Memo(values.month)
    descriptions = Memo(lambda t: values.text(t, limit=DESCRIPTION_LENGTH, what="Описание"))
    money = scaled(2)

    def read(line: Line) -> ReceiptLine | None:
        cells = line.cells
        if not fits(cells, width):
            return None
        number = cells[number_at]
        # Printable ASCII without spaces is as ``values.text`` would leave it.
        if not (0 < len(number) <= NUMBER_LENGTH and number.isascii() and number.isprintable()
                and " " not in number):  # fmt: skip
            return None
        account = accounts.get(cells[account_at])
        issued_on = days.get(cells[date_at])
        month = months.get(cells[month_at])
        total = money(cells[total_at]) if cells[total_at] else None
        if account is None or issued_on is None or month is None or total is None:
            return None
        description = None
        if description_at is not None and cells[description_at]:
            description = descriptions.get(cells[description_at])
            if description is None:
                return None
        return ReceiptLine(line.number, account, number, issued_on, month, description or None,
                           total)  # fmt: skip

    return read
