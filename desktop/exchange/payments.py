"""The ``payments`` layout: a bank's registry of the payments it took for the company, as
Sberbank sends it — text lines ``;``-separated in cp1251, no header line, in a fixed order
(``дата;время;отделение;ВСП/кассир;№ операции;ЛС;ФИО;адрес;период;сумма;сумма к
перечислению;комиссия``), and a closing totals line ``=count;sum;to transfer;commission``.
A row's own rules and the totals line, no database."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from desktop.accounts import check_number, clean_number
from desktop.exchange import values
from desktop.exchange.columns import Columns, Field
from desktop.exchange.rows import RowReader, problem_at
from desktop.exchange.source import Line
from desktop.exchange.values import CellError, shown

BANK = "ПАО Сбербанк"  # the default profile's bank: its registries name no bank in the lines
OPERATION_LENGTH = 50  # Payment.operation
TOTALS_MARK = "="
ZERO = Decimal("0.00")

# The Sberbank registry's columns, in their order; the titles name them in messages.
FIELDS = (
    Field("date", "дата", required=True),
    Field("time", "время"),
    Field("branch", "отделение"),
    Field("cashier", "ВСП/кассир"),
    Field("operation", "№ операции", required=True),
    Field("account", "ЛС", required=True),
    Field("fio", "ФИО"),
    Field("address", "адрес"),
    Field("period", "период"),
    Field("amount", "сумма", required=True),
    Field("transfer", "сумма к перечислению", required=True),
    Field("commission", "комиссия", required=True),
)
AMOUNTS = ("amount", "transfer", "commission")

_DASHED_DATE = re.compile(r"^(\d{1,2})-(\d{1,2})-(\d{4})$")  # Sberbank's «22-06-2017»
_TIME = re.compile(r"^([01]?\d|2[0-3])[-:.]([0-5]\d)(?:[-:.]([0-5]\d))?$")  # «10-31-25»
_SHORT_PERIOD = re.compile(r"^(\d{2})[./]?(\d{2})$")  # «0617», «06.17»
_LONG_PERIOD = re.compile(r"^(\d{1,2})[./](\d{4})$")  # «06.2017», «06/2017»


def columns() -> Columns:
    """The registry's columns by position: it has no header line (line 0 stands for none)."""
    return Columns(0, [f.title for f in FIELDS], {f.key: i for i, f in enumerate(FIELDS)})


def looks_like_registry(line: Line) -> bool:
    """Whether a file's first line is a registry's payment: a date and a time in the first
    two cells and about the registry's number of cells."""
    cells = [cell.strip() for cell in line.cells]
    if not len(FIELDS) - 2 <= len(cells) <= len(FIELDS) + 2:
        return False
    try:
        paid_on(cells[0])
    except CellError:
        return False
    return bool(_TIME.match(cells[1]))


def paid_on(text: str) -> date:
    """The payment's date: DD-MM-YYYY as Sberbank writes it, or DD.MM.YYYY."""
    dashed = _DASHED_DATE.match(text.strip())
    if not dashed:
        return values.day(text, what="Дата платежа")
    dotted = f"{dashed[1]}.{dashed[2]}.{dashed[3]}"
    try:
        return values.day(dotted, what="Дата платежа")
    except CellError as error:  # named as the registry writes it
        raise CellError(str(error).replace(dotted, text.strip())) from None


def _time(text: str) -> str:
    if not _TIME.match(text.strip()):
        raise CellError(f"Время {shown(text)} указано неверно: нужно ЧЧ-ММ-СС, например 10-31-25.")
    return text.strip()


def period(text: str) -> date:
    """The month paid for: MMYY as Sberbank writes it («0617»), or MM.YYYY."""
    raw = text.strip()
    short = _SHORT_PERIOD.match(raw)
    if short:
        month, year = int(short[1]), 2000 + int(short[2])
    elif long := _LONG_PERIOD.match(raw):
        month, year = int(long[1]), int(long[2])
    else:
        month = year = 0
    if not 1 <= month <= 12 or not 1900 <= year <= 2200:
        raise CellError(
            f"Период {shown(text)} указан неверно: нужно ММГГ или ММ.ГГГГ, например 0617."
        )
    return date(year, month, 1)


def _amount(text: str) -> Decimal:
    return values.decimal(text, places=2, what="Сумма", example="2648,62")


@dataclass(frozen=True)
class PaymentLine:
    """One payment of the registry."""

    line: int
    paid_on: date
    operation: str
    account: str
    period: date | None
    amount: Decimal
    transfer: Decimal
    commission: Decimal


@dataclass(frozen=True)
class BadLine:
    """A payment line with problems (they are in the reader): counted for the totals, and its
    amounts too when they could be read."""

    line: int
    amounts: tuple[Decimal, Decimal, Decimal] | None


@dataclass(frozen=True)
class Totals:
    """The closing line: how many payments and their sums, as the bank counted them."""

    line: int
    count: int
    amounts: tuple[Decimal, Decimal, Decimal]  # sum, to transfer, commission
    readable: bool = True  # False: the line's problem is in the reader, nothing to compare


Row = PaymentLine | BadLine | Totals


def parse(reader: RowReader) -> Row:
    """The row's payment or the totals line; a ``BadLine`` (or an unreadable ``Totals``)
    with the reasons in ``reader.problems``."""
    first = reader.line.cells[0].strip() if reader.line.cells else ""
    if first.startswith(TOTALS_MARK):
        return _totals(reader)
    found: dict[str, Decimal | None] = {
        key: reader.value(key, _amount, required=True) for key in AMOUNTS
    }
    day = reader.value("date", paid_on, required=True)
    reader.value("time", _time)
    operation = reader.value(
        "operation",
        lambda t: values.text(t, limit=OPERATION_LENGTH, what="Номер операции"),
        required=True,
    )
    account = clean_number(reader.raw("account"))
    messages: list[str] = []
    if not account:
        reader.problem("account", "Значение не заполнено.")
    else:
        check_number(account, messages)
    for message in messages:
        reader.problem("account", message)
    month = reader.value("period", period)
    amount, transfer, commission = (found[key] for key in AMOUNTS)
    if amount is not None and amount <= 0:
        reader.problem("amount", f"Сумма платежа должна быть больше нуля, а не {amount}.")
    if commission is not None and commission < 0:
        reader.problem("commission", "Комиссия не может быть отрицательной.")
    if None not in (amount, transfer, commission):
        assert amount is not None and transfer is not None and commission is not None
        if transfer + commission != amount:
            reader.problem(
                "transfer",
                f"Сумма к перечислению {transfer} и комиссия {commission} в сумме не дают "
                f"сумму платежа {amount}.",
            )
        amounts: tuple[Decimal, Decimal, Decimal] | None = (amount, transfer, commission)
    else:
        amounts = None
    if reader.problems or day is None or operation is None or amounts is None:
        return BadLine(reader.line.number, amounts)
    return PaymentLine(
        reader.line.number, day, operation, account, month, amounts[0], amounts[1], amounts[2]
    )


def _totals(reader: RowReader) -> Totals:
    cells = [cell.strip() for cell in reader.line.cells]
    number = reader.line.number
    try:
        count = values.whole_number(
            cells[0][len(TOTALS_MARK) :], low=0, high=10**9, what="Число платежей"
        )
        amounts = tuple(_amount(cells[i] if i < len(cells) else "") for i in (1, 2, 3))
    except CellError as error:
        reader.problems.append(problem_at(number, None, f"Итоговая строка не читается: {error}"))
        return Totals(number, 0, (ZERO, ZERO, ZERO), readable=False)
    return Totals(number, count, (amounts[0], amounts[1], amounts[2]))
