"""The plain data a receipt is drawn from: no ORM objects, no reportlab, only values."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

ZERO = Decimal("0.00")


@dataclass(frozen=True)
class Payee:
    """The management company's payment requisites, as the receipt and the QR code show them."""

    name: str
    inn: str
    kpp: str
    bank_name: str
    bic: str
    settlement_account: str
    correspondent_account: str
    address: str = ""
    phone: str = ""
    email: str = ""
    office_hours: str = ""


@dataclass(frozen=True)
class Payer:
    """The account a receipt is for."""

    number: str
    fio: str  # exactly as on the receipt, e.g. «Иванов И.И.»
    address: str
    area: Decimal  # m²
    residents: int


@dataclass(frozen=True)
class ServiceLine:
    """One service's month on the receipt: volume, tariff and the balance movement."""

    name: str
    unit: str
    volume: Decimal | None
    tariff: Decimal | None
    opening: Decimal
    charged: Decimal
    recalculation: Decimal
    paid: Decimal
    closing: Decimal  # what is owed for this service (negative: paid in advance)


@dataclass(frozen=True)
class MeterLine:
    """One meter zone's readings of the month."""

    title: str  # «Эл.эн. №12765948 T1»
    serial: str
    retired_on: date | None
    unit: str
    previous: Decimal
    current: Decimal | None
    difference: Decimal | None


@dataclass(frozen=True)
class ReceiptData:
    """Everything one receipt shows, for one account and month."""

    month: date  # the first day of the billed month
    number: str  # the receipt's number from 1C, or "" when there is no receipt row
    issued_on: date  # the receipt's date, or the day it was formed
    due_on: date  # pay by this day
    payer: Payer
    payee: Payee
    services: tuple[ServiceLine, ...]  # in the statement's order; all-zero services left out
    meters: tuple[MeterLine, ...]
    office_phone: str
    office_hours: str
    reading_window: tuple[int, int]  # the days of the month readings are taken, e.g. (15, 25)
    qr_payload: str | None  # None when nothing is to be paid
    # «ABCD-EFGH» on a batch's receipt of an account not registered with its own password
    registration_code: str | None = None

    def _sum(self, field: str) -> Decimal:
        return sum((getattr(line, field) for line in self.services), ZERO)

    @property
    def opening(self) -> Decimal:
        return self._sum("opening")

    @property
    def charged(self) -> Decimal:
        return self._sum("charged")

    @property
    def recalculation(self) -> Decimal:
        return self._sum("recalculation")

    @property
    def paid(self) -> Decimal:
        return self._sum("paid")

    @property
    def closing(self) -> Decimal:
        """The month's closing ИТОГО: positive is owed, negative is paid in advance."""
        return self._sum("closing")

    @property
    def to_pay(self) -> Decimal:
        return max(self.closing, ZERO)

    @property
    def overpaid(self) -> Decimal:
        return max(-self.closing, ZERO)


VOID_SHOWN = 20  # account numbers named in the warning


@dataclass(frozen=True)
class BatchResult:
    """What a batch of receipts produced."""

    month: date
    building_id: int | None
    printed: int  # pages written
    skipped: int  # accounts of the selection with no charges for the month
    registration_codes: int = 0  # new codes printed for accounts not registered yet
    # Accounts (numbers) whose printed code changed meanwhile: their receipts carry a void one.
    void_codes: tuple[str, ...] = ()

    @property
    def void_codes_text(self) -> str:
        """The office's warning about them, or ""."""
        if not self.void_codes:
            return ""
        shown = ", ".join(self.void_codes[:VOID_SHOWN])
        more = len(self.void_codes) - VOID_SHOWN
        if more > 0:
            shown += f" и ещё {more}"
        return (
            f"Код регистрации на квитанциях лицевых счетов {shown} уже недействителен: во "
            "время печати код сменили в офисе. Действует новый код, выданный в офисе."
        )
