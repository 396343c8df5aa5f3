"""The ``statement`` layout: an account's balance movement for one service in one month, one
row each, as 1C's «Оборотно-сальдовая ведомость» by account and service exports it. A row's
own rules (the statement invariant among them), no database."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date
from decimal import Decimal

from desktop.accounts import check_number, clean_number
from desktop.exchange import values
from desktop.exchange.accounts import NUMBER
from desktop.exchange.columns import Field
from desktop.exchange.rows import RowReader
from desktop.formatting import money
from desktop.statement import check_invariant

SERVICE_LENGTH = 100  # Service.name
ZERO = Decimal("0.00")

FIELDS = (
    replace(NUMBER, key="account"),
    Field("month", "Период", ("Месяц", "Расчетный период", "Период начисления"), required=True),
    Field(
        "service",
        "Услуга",
        ("Вид услуги", "Наименование услуги", "Услуга начисления", "Статья"),
        required=True,
    ),
    Field(
        "opening",
        "Сальдо нач.",
        ("Сальдо на начало", "Сальдо начальное", "Входящее сальдо", "Долг на начало",
         "Остаток на начало", "Сальдо на начало периода"),
        required=True,
    ),
    Field("charged", "Начислено", ("Начисление", "Начислено за период"), required=True),
    Field("paid", "Оплачено", ("Оплата", "Поступило", "Поступление оплат"), required=True),
    Field("recalculation", "Перерасчет", ("Перерасчеты", "Корректировка", "Корректировки")),
    Field(
        "closing",
        "Сальдо кон.",
        ("Сальдо на конец", "Сальдо конечное", "Исходящее сальдо", "Долг на конец",
         "Остаток на конец", "Сальдо на конец периода"),
        required=True,
    ),
    Field("volume", "Объем", ("Количество", "Объем потребления", "Потребление")),
)  # fmt: skip
AMOUNTS = ("opening", "charged", "paid", "recalculation", "closing")  # desktop.statement.FIELDS


@dataclass(frozen=True)
class StatementLine:
    line: int
    account: str
    month: date  # the first day
    service: str  # as the file names it
    amounts: tuple[Decimal, Decimal, Decimal, Decimal, Decimal]  # in AMOUNTS' order
    volume: Decimal | None  # None: not in the file or empty


def parse(reader: RowReader) -> StatementLine | None:
    """The row's statement line, or None with the reasons in ``reader.problems``."""
    account = clean_number(reader.raw("account"))
    number_problems: list[str] = []
    check_number(account, number_problems)
    for message in number_problems:
        reader.problem("account", message)
    month = reader.value("month", values.month, required=True)
    service = reader.value(
        "service", lambda t: values.text(t, limit=SERVICE_LENGTH, what="Услуга"), required=True
    )
    amounts = []
    for key in AMOUNTS:
        # An empty cell is zero, as 1C and the statement's own CSV write it.
        amount = reader.value(key, lambda t: values.decimal(t, places=2, what="Сумма",
                                                             example="2648,62"))  # fmt: skip
        amounts.append(ZERO if amount is None else amount)
    volume = reader.value(
        "volume", lambda t: values.decimal(t, places=3, what="Объем", example="3,000")
    )
    if reader.problems or month is None or service is None:
        return None
    opening, charged, paid, recalculation, closing = amounts
    for breach in check_invariant([(month, service, (opening, charged, paid, recalculation,
                                                     closing))], show=money):  # fmt: skip
        reader.problem("closing", breach)
    if reader.problems:
        return None
    return StatementLine(
        line=reader.line.number,
        account=account,
        month=month,
        service=service,
        amounts=(opening, charged, paid, recalculation, closing),
        volume=volume,
    )
