"""The ``statement`` layout: an account's balance movement for one service in one month, one
row each, as 1C's «Оборотно-сальдовая ведомость» by account and service exports it. A row's
own rules (the statement invariant among them), no database."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import date
from decimal import Decimal
from operator import itemgetter
from typing import NamedTuple

from desktop.accounts import check_number, clean_number
from desktop.exchange import values
from desktop.exchange.accounts import NUMBER
from desktop.exchange.columns import Columns, Field
from desktop.exchange.fast import Memo, account_number, fits, scaled, scaled_row
from desktop.exchange.rows import RowReader
from desktop.exchange.source import Line
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


class StatementLine(NamedTuple):
    line: int
    account: str
    month: date  # the first day
    service: str  # as the file names it
    amounts: tuple[int, int, int, int, int]  # kopecks, in AMOUNTS' order (as stored)
    volume: int | None  # thousandths (as stored); None: not in the file or empty


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
        amounts=(kopecks(opening), kopecks(charged), kopecks(paid), kopecks(recalculation),
                 kopecks(closing)),
        volume=None if volume is None else int(volume.scaleb(3)),
    )  # fmt: skip


def fast_parser(columns: Columns) -> Callable[[Line], StatementLine | None]:
    """A row's statement line read the quick way: plain cells as 1C writes them (digits with
    a decimal comma or point, nothing else), each distinct account, month and service checked
    once. None for anything else — then ``parse`` reads the row and says what is wrong; what
    this accepts, ``parse`` reads to the same line."""
    width = len(columns.headers)
    at = columns.index
    account_at, month_at, service_at = at["account"], at["month"], at["service"]
    amount_at = [at[key] for key in AMOUNTS if key in at]
    recalculation_at = AMOUNTS.index("recalculation") if "recalculation" not in at else None
    volume_at = at.get("volume")
    accounts = Memo(account_number)
    months = Memo(values.month)
    services = Memo(lambda t: values.text(t, limit=SERVICE_LENGTH, what="Услуга"))
    money, volumes = scaled_row(2, len(amount_at)), scaled(3)
    amount_cells = itemgetter(*amount_at)
    known_account, known_month = accounts.known.get, months.known.get
    known_service = services.known.get

    def read(line: Line) -> StatementLine | None:
        cells = line.cells
        if not fits(cells, width):
            return None
        text = cells[account_at]
        account = known_account(text) or accounts.get(text)
        text = cells[month_at]
        month = known_month(text) or months.get(text)
        text = cells[service_at]
        service = known_service(text) or services.get(text)
        if account is None or month is None or not service:
            return None
        amounts = money(amount_cells(cells))
        if amounts is None:
            return None
        if recalculation_at is not None:  # no such column: none
            amounts.insert(recalculation_at, 0)
        opening, charged, paid, recalculation, closing = amounts
        if opening + charged - paid + recalculation != closing:
            return None
        volume = None
        if volume_at is not None and cells[volume_at]:
            volume = volumes(cells[volume_at])
            if volume is None:
                return None
        return StatementLine(line.number, account, month, service, tuple(amounts), volume)  # type: ignore[arg-type]

    return read


def kopecks(amount: Decimal) -> int:
    return int(amount.scaleb(2))
