"""The ``receipts`` layout: the receipts 1C issued, one a row — account, number, date, month,
description and total — as the cabinet lists them under «Квитанции». A row's own rules, no
database."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date
from decimal import Decimal

from desktop.accounts import check_number, clean_number
from desktop.exchange import values
from desktop.exchange.accounts import NUMBER
from desktop.exchange.columns import Field
from desktop.exchange.rows import RowReader
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


@dataclass(frozen=True)
class ReceiptLine:
    line: int
    account: str
    number: str
    issued_on: date
    month: date  # the first day
    description: str | None  # None: not in the file or empty (kept; a new one gets the default)
    total: Decimal


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
        total=total,
    )
