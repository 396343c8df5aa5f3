"""The ``payments`` layout: a bank's registry of the payments it took for the company —
text lines without a header, in the fixed column order of the bank's profile
(``desktop.exchange.profiles``: Sberbank's ``дата;время;отделение;ВСП/кассир;№ операции;ЛС;
ФИО;адрес;период;сумма;сумма к перечислению;комиссия`` by default), a closing totals line
(``=count;sum;…``), and perhaps the readings the payer typed (``CounterVal_N:value``). A
row's own rules and the totals line, no database."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from desktop.accounts import check_number, clean_number
from desktop.common.problems import ProblemError
from desktop.exchange import values
from desktop.exchange.columns import Columns
from desktop.exchange.profiles import (
    DEFAULT,
    PROFILES,
    Profile,
    attribute,
    day_pattern,
    named,
    plain_cells,
)
from desktop.exchange.rows import RowReader, problem_at
from desktop.exchange.source import Line
from desktop.exchange.values import CellError, shown

BANK = DEFAULT.bank  # the default profile's bank: its registries name no bank in the lines
FIELDS = DEFAULT.fields
OPERATION_LENGTH = 50  # Payment.operation
ZERO = Decimal("0.00")
AMOUNTS = ("amount", "transfer", "commission")  # a line's sums, in this order everywhere
COUNTER_VALUE = re.compile(r"^counterval(?:ue)?_?(\d{1,2})$", re.IGNORECASE)  # CounterVal_1
COUNTER_NAME = re.compile(r"^counter(?:name)?_?(\d{1,2})$", re.IGNORECASE)  # Counter_1

_TIME = re.compile(r"^([01]?\d|2[0-3])[-:.]([0-5]\d)(?:[-:.]([0-5]\d))?$")  # «10-31-25»
_SHORT_PERIOD = re.compile(r"^(\d{2})[./]?(\d{2})$")  # «0617», «06.17»
_LONG_PERIOD = re.compile(r"^(\d{1,2})[./](\d{4})$")  # «06.2017», «06/2017»
_ACCOUNT = re.compile(r"^\d{1,20}$")


@dataclass
class RegistryColumns(Columns):
    """A registry's columns by position, and the profile they come from."""

    profile: Profile = DEFAULT


def columns_of(profile: Profile) -> RegistryColumns:
    """The registry's columns by position: it has no header line (line 0 stands for none)."""
    return RegistryColumns(
        0, [f.title for f in profile.fields], {f.key: i for i, f in enumerate(profile.fields)},
        profile=profile,
    )  # fmt: skip


def columns() -> Columns:
    return columns_of(DEFAULT)


def fits(profile: Profile, line: Line) -> bool:
    """Whether a file's first line is a payment of ``profile``'s registry: a date first,
    then a time (or, in a layout without one, not a time), about the profile's number of
    cells, and an account number where the profile has it."""
    cells = [cell.strip() for cell in plain_cells(line.cells)]
    width = len(profile.fields)
    if not width - 2 <= len(cells) <= width + 2:
        return False
    try:
        paid_on(cells[0], profile)
    except CellError:
        return False
    if bool(_TIME.match(cells[1])) != profile.has_time:
        return False
    position = [f.key for f in profile.fields].index("account")
    return position < len(cells) and bool(_ACCOUNT.match(cells[position]))


def looks_like_registry(line: Line) -> bool:
    """Whether a file's first line is a payment of any profile's registry."""
    return any(fits(profile, line) for profile in PROFILES.values())


def registry_columns(line: Line, name: str | None) -> RegistryColumns:
    """The columns of the profile ``name``, or of the one the first line fits (Sberbank's
    when none does, as a registry forced by ``--kind payments`` is read)."""
    if name is not None:
        return columns_of(named(name))
    fitting = [profile for profile in PROFILES.values() if fits(profile, line)]
    if len(fitting) > 1:
        raise ProblemError.one(
            "Не понять, в каком формате реестр: первая строка подходит к "
            + ", ".join(f"«{p.name}»" for p in fitting)
            + ". Укажите формат: --profile.",
            field="profile",
        )
    return columns_of(fitting[0] if fitting else DEFAULT)


def paid_on(text: str, profile: Profile = DEFAULT) -> date:
    """The payment's date in one of the profile's forms (Sberbank: DD-MM-YYYY or
    DD.MM.YYYY)."""
    raw = text.strip()
    for form in profile.date_forms:
        found = day_pattern(form).match(raw)
        if found:
            dotted = f"{found[1]}.{found[2]}.{found[3]}"
            try:
                return values.day(dotted, what="Дата платежа")
            except CellError as error:  # named as the registry writes it
                raise CellError(str(error).replace(dotted, raw)) from None
    raise CellError(
        f"Дата платежа {shown(text)} указана неверно: нужно "
        + " или ".join(profile.date_forms)
        + "."
    )


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
class CounterValue:
    """A reading the payer typed at the bank: ``CounterVal_N:value`` (and perhaps
    ``Counter_N:name``), N the meter's place among the account's meters."""

    number: int
    text: str
    name: str = ""


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
    readings: tuple[CounterValue, ...] = field(default=())


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
    # sum, to transfer, commission (AMOUNTS); None where the profile's line does not say
    amounts: tuple[Decimal | None, Decimal | None, Decimal | None]
    readable: bool = True  # False: the line's problem is in the reader, nothing to compare


Row = PaymentLine | BadLine | Totals


def profile_of_columns(found: Columns) -> Profile:
    """The profile a registry's columns come from (Sberbank's for plain columns)."""
    return found.profile if isinstance(found, RegistryColumns) else DEFAULT


def profile_of(reader: RowReader) -> Profile:
    return profile_of_columns(reader.columns)


def parse(outer: RowReader) -> Row:
    """The row's payment or the totals line; a ``BadLine`` (or an unreadable ``Totals``)
    with the reasons in ``outer.problems``. The line's ``NAME:value`` cells are set apart
    first: the profile's columns are the other cells."""
    line = outer.line
    reader = RowReader(outer.columns, Line(line.number, plain_cells(line.cells)))
    row = _parse(reader, line)
    outer.problems[:] = reader.problems
    return row


def _parse(reader: RowReader, line: Line) -> Row:
    profile = profile_of(reader)
    first = line.cells[0].strip() if line.cells else ""
    if first.startswith(profile.totals_mark):
        return _totals(reader, profile)
    required = {f.key for f in profile.fields if f.required}
    found: dict[str, Decimal | None] = {
        key: reader.value(key, _amount, required=key in required) if profile.has(key) else None
        for key in AMOUNTS
    }
    # No fee column, or its optional cell left empty: no fee.
    if (
        found["commission"] is None
        and "commission" not in required
        and not reader.raw("commission")
    ):
        found["commission"] = ZERO
    if not profile.has("transfer") and None not in (found["amount"], found["commission"]):
        assert found["amount"] is not None and found["commission"] is not None
        found["transfer"] = found["amount"] - found["commission"]
    day = reader.value("date", lambda text: paid_on(text, profile), required=True)
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
    if amount is not None and commission is not None and commission > amount:
        reader.problem("commission", f"Комиссия {commission} больше суммы платежа {amount}.")
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
    readings = _counters(reader, line)
    if reader.problems or day is None or operation is None or amounts is None:
        return BadLine(reader.line.number, amounts)
    return PaymentLine(
        reader.line.number, day, operation, account, month, amounts[0], amounts[1], amounts[2],
        readings,
    )  # fmt: skip


def _counters(reader: RowReader, line: Line) -> tuple[CounterValue, ...]:
    """The line's ``CounterVal_N:value`` cells (with ``Counter_N:name`` where given), in N's
    order. Their values are checked when stored: a bad one is a line of the report, not a
    problem of the payment. The same N twice is a problem: the line is garbled."""
    found: dict[int, str] = {}
    names: dict[int, str] = {}
    for cell in line.cells:
        pair = attribute(cell)
        if pair is None:
            continue
        key, text = pair
        for pattern, into in ((COUNTER_VALUE, found), (COUNTER_NAME, names)):
            match = pattern.match(key)
            if match is None:
                continue
            number = int(match[1])
            if number < 1 or number in into:
                reader.problem(
                    None,
                    f"«{key}» {'дважды в строке' if number in into else 'с номером 0'}: "
                    "строка реестра испорчена. Запросите реестр в банке заново.",
                )
            into[number] = text
            break
    return tuple(  # an empty value is one the payer did not type
        CounterValue(number, found[number], names.get(number, ""))
        for number in sorted(found)
        if found[number]
    )


def _totals(reader: RowReader, profile: Profile) -> Totals:
    cells = [cell.strip() for cell in reader.line.cells]
    number = reader.line.number
    stated: dict[str, Decimal | None] = dict.fromkeys(AMOUNTS)
    required = {f.key for f in profile.fields if f.required}
    try:
        count = values.whole_number(
            cells[0][len(profile.totals_mark) :], low=0, high=10**9, what="Число платежей"
        )
        for position, key in enumerate(profile.totals[1:], 1):
            text = cells[position] if position < len(cells) else ""
            if text or key in required:
                stated[key] = _amount(text)
    except CellError as error:
        reader.problems.append(problem_at(number, None, f"Итоговая строка не читается: {error}"))
        return Totals(number, 0, (None, None, None), readable=False)
    return Totals(number, count, (stated["amount"], stated["transfer"], stated["commission"]))
