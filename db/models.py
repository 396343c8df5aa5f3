"""The domain's tables as typed SQLAlchemy 2 models.

Sized for 100 000 accounts: every lookup the core makes has an index, and the normalised
``*_norm`` columns give case- and ё-insensitive search that works for Cyrillic on SQLite,
whose own ``lower``/``LIKE`` fold ASCII only.
"""

from __future__ import annotations

import enum
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Date,
    Enum,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship, validates

from db.base import Base as Base
from db.models_audit import AuditChain as AuditChain
from db.models_audit import AuditEntry as AuditEntry
from db.models_audit import AuditPending as AuditPending
from db.models_exchange import Payment as Payment
from db.models_exchange import ReadingsExport as ReadingsExport
from db.models_exchange import ReadingsExportPeriod as ReadingsExportPeriod
from db.models_summary import AccountSummary as AccountSummary
from db.search import normalize
from db.types import Id, MeterValue, Money, UTCDateTime


def _enum(cls: type[enum.Enum]) -> Enum:
    # Stored as the value's text, with no native PostgreSQL type: easier to migrate.
    return Enum(
        cls,
        native_enum=False,
        length=20,
        values_callable=lambda e: [m.value for m in e],
        validate_strings=True,
    )


class MeterKind(enum.StrEnum):
    COLD_WATER = "cold_water"
    HOT_WATER = "hot_water"
    ELECTRICITY = "electricity"
    GAS = "gas"
    HEATING = "heating"


class Channel(enum.StrEnum):
    """Where a reading came from."""

    RESIDENT = "resident"
    KIOSK = "kiosk"
    CLERK = "clerk"
    IMPORT = "import"
    BANK = "bank"  # typed by the payer at the bank, from its payment registry


class StaffRole(enum.StrEnum):
    CLERK = "clerk"
    ADMIN = "admin"


class Confirmation(enum.StrEnum):
    """What the person submitting a reading confirmed for it."""

    JUMP = "jump"  # consumption far above the meter's average is real
    ROLLOVER = "rollover"  # the dial went past its maximum (clerk only)
    REPLACEMENT = "replacement"  # a new meter counting from zero (clerk only)


class RequestStatus(enum.StrEnum):
    OPEN = "open"
    ANSWERED = "answered"
    CLOSED = "closed"


class Company(Base):
    """The management company and its payment requisites."""

    __tablename__ = "company"

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    name: Mapped[str] = mapped_column(String(300))
    inn: Mapped[str] = mapped_column(String(12))
    kpp: Mapped[str] = mapped_column(String(9), default="")
    ogrn: Mapped[str] = mapped_column(String(15), default="")
    address: Mapped[str] = mapped_column(String(300), default="")
    bank_name: Mapped[str] = mapped_column(String(200))
    bic: Mapped[str] = mapped_column(String(9))
    settlement_account: Mapped[str] = mapped_column(String(20))
    correspondent_account: Mapped[str] = mapped_column(String(20))
    phone: Mapped[str] = mapped_column(String(50), default="")
    email: Mapped[str] = mapped_column(String(200), default="")
    office_hours: Mapped[str] = mapped_column(String(200), default="")
    is_demo: Mapped[bool] = mapped_column(Boolean, default=False)


class Building(Base):
    __tablename__ = "building"

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    company_id: Mapped[int] = mapped_column(Id, ForeignKey("company.id"), index=True)
    address: Mapped[str] = mapped_column(String(300))


class Premises(Base):
    """A flat or other room in a building."""

    __tablename__ = "premises"
    __table_args__ = (UniqueConstraint("building_id", "number"),)

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    building_id: Mapped[int] = mapped_column(Id, ForeignKey("building.id"))
    number: Mapped[str] = mapped_column(String(20))
    area: Mapped[Decimal] = mapped_column(Money)

    building: Mapped[Building] = relationship()


class Account(Base):
    """A personal account (лицевой счет): who pays for which premises."""

    __tablename__ = "account"

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    number: Mapped[str] = mapped_column(String(20), unique=True)
    fio: Mapped[str] = mapped_column(String(200))  # exactly as printed on the receipt
    fio_norm: Mapped[str] = mapped_column(String(200), index=True)
    premises_id: Mapped[int | None] = mapped_column(Id, ForeignKey("premises.id"), index=True)
    address: Mapped[str] = mapped_column(String(300))
    address_norm: Mapped[str] = mapped_column(String(300), index=True)
    area: Mapped[Decimal] = mapped_column(Money)  # m², 2 places
    residents: Mapped[int] = mapped_column(Integer, default=1)

    premises: Mapped[Premises | None] = relationship()

    @validates("fio", "address")
    def _fill_search_column(self, key: str, value: str) -> str:
        # The one writer of the *_norm columns for ORM writes; bulk inserts use search_columns.
        setattr(self, f"{key}_norm", normalize(value))
        return value


class ResidentCredential(Base):
    """A resident's sign-in to the cabinet: one per account."""

    __tablename__ = "resident_credential"

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    account_id: Mapped[int] = mapped_column(Id, ForeignKey("account.id"), unique=True)
    email: Mapped[str] = mapped_column(String(254))
    phone: Mapped[str] = mapped_column(String(30), default="")
    password_hash: Mapped[str | None] = mapped_column(String(200))
    # A one-time password is valid until this moment and forces a new password at login.
    password_expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    must_change: Mapped[bool] = mapped_column(Boolean, default=False)
    failed_attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    reset_code_hash: Mapped[str | None] = mapped_column(String(200))
    reset_code_expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)

    account: Mapped[Account] = relationship()


class RegistrationCode(Base):
    """An account's registration code, printed on its receipts and on office slips: whoever
    registers without the office must type it. Only its keyed hash is stored; it is void
    (``code_hash`` NULL) once used or replaced. Wrong codes count in the sign-in throttle
    (``login_throttle``), like any typed number, known or not."""

    __tablename__ = "registration_code"

    account_id: Mapped[int] = mapped_column(Id, ForeignKey("account.id"), primary_key=True)
    code_hash: Mapped[str | None] = mapped_column(String(120))
    issued_at: Mapped[datetime] = mapped_column(UTCDateTime)
    issued_by: Mapped[str] = mapped_column(String(100))


class StaffUser(Base):
    __tablename__ = "staff_user"

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    login: Mapped[str] = mapped_column(String(50), unique=True)
    full_name: Mapped[str] = mapped_column(String(200))
    role: Mapped[StaffRole] = mapped_column(_enum(StaffRole))
    password_hash: Mapped[str] = mapped_column(String(200))
    must_change: Mapped[bool] = mapped_column(Boolean, default=False)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    failed_attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class UserSession(Base):
    """A signed-in resident's or staff member's session: open until logout, a password
    change or reset elsewhere, or the staff member being disabled. The sign-in makes a
    random token that only the signed-in process holds (with its Actor); the row keeps its
    SHA-256 (``token_hash``), so neither the id nor the table lets anyone act as the holder."""

    __tablename__ = "user_session"

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    kind: Mapped[str] = mapped_column(String(20))  # the actor's kind: resident, kiosk, clerk…
    account_id: Mapped[int | None] = mapped_column(Id, ForeignKey("account.id"), index=True)
    staff_id: Mapped[int | None] = mapped_column(Id, ForeignKey("staff_user.id"), index=True)
    one_time: Mapped[bool] = mapped_column(Boolean, default=False)  # may only set a password
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    last_seen_at: Mapped[datetime] = mapped_column(UTCDateTime)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    end_reason: Mapped[str | None] = mapped_column(String(30))
    # hex SHA-256 of the session's token; NULL only for rows from before 0008 (never live).
    token_hash: Mapped[str | None] = mapped_column(String(64), unique=True)


class LoginThrottle(Base):
    """Failed sign-in attempts on any typed name (known or not) and on each device, keyed by
    an HMAC of the name under the database's own secret: the same rows for every desk."""

    __tablename__ = "login_throttle"

    key_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    failed_attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)


class AuthSecret(Base):
    """Secrets the sign-in keeps in the database, made on first use (the throttle's key)."""

    __tablename__ = "auth_secret"

    name: Mapped[str] = mapped_column(String(30), primary_key=True)
    value: Mapped[str] = mapped_column(String(128))


class Meter(Base):
    """An individual meter of an account."""

    __tablename__ = "meter"
    __table_args__ = (
        CheckConstraint("zones BETWEEN 1 AND 3", name="zones"),
        CheckConstraint("digits BETWEEN 1 AND 12", name="digits"),
    )

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    account_id: Mapped[int] = mapped_column(Id, ForeignKey("account.id"), index=True)
    kind: Mapped[MeterKind] = mapped_column(_enum(MeterKind))
    title: Mapped[str] = mapped_column(String(100))  # «ГВС 168500-12», «Эл.эн. №12765948»
    serial: Mapped[str] = mapped_column(String(50), default="", index=True)
    unit: Mapped[str] = mapped_column(String(20))
    zones: Mapped[int] = mapped_column(Integer, default=1)
    digits: Mapped[int] = mapped_column(Integer, default=5)  # integer digits on the dial
    installed_on: Mapped[date | None] = mapped_column(Date)
    next_verification_on: Mapped[date | None] = mapped_column(Date)
    # Its latest lapse: out of verification after ``lapsed_after`` (the date then due) until
    # the office recorded the next date on ``verified_again_on`` (desktop.meters).
    lapsed_after: Mapped[date | None] = mapped_column(Date)
    verified_again_on: Mapped[date | None] = mapped_column(Date)
    retired_on: Mapped[date | None] = mapped_column(Date)  # «Дата выбытия»
    initial_value: Mapped[Decimal] = mapped_column(MeterValue, default=Decimal("0.000"))
    display_order: Mapped[int] = mapped_column(Integer, default=0)
    # «Номер ПУ в ГИС ЖКХ», from 1C's list of meters; None while unknown.
    gis_number: Mapped[str | None] = mapped_column(String(50))


class Period(Base):
    """A month of readings for one account."""

    __tablename__ = "period"
    __table_args__ = (UniqueConstraint("account_id", "month"),)

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    account_id: Mapped[int] = mapped_column(Id, ForeignKey("account.id"))
    month: Mapped[date] = mapped_column(Date)  # the first day of the month
    changed_at: Mapped[datetime] = mapped_column(UTCDateTime)
    accepted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)  # «Обновлено из 1С»
    # 1C refused the month's readings (its ``accepted`` file): when, and its reason.
    declined_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    declined_reason: Mapped[str | None] = mapped_column(String(300))
    # Bumped by every save of the period or its readings: an UPDATE … WHERE version = the one
    # a form was opened with, so a stale form or a simultaneous save changes nothing.
    version: Mapped[int] = mapped_column(Integer, server_default=text("1"))

    readings: Mapped[list[Reading]] = relationship(
        back_populates="period", cascade="all, delete-orphan", order_by="Reading.id"
    )

    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012 - SQLAlchemy's own form


class Reading(Base):
    """One meter's value in one tariff zone for a period."""

    __tablename__ = "reading"
    __table_args__ = (
        UniqueConstraint("period_id", "meter_id", "zone"),
        CheckConstraint("zone BETWEEN 1 AND 3", name="zone"),
    )

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    period_id: Mapped[int] = mapped_column(Id, ForeignKey("period.id", ondelete="CASCADE"))
    meter_id: Mapped[int] = mapped_column(Id, ForeignKey("meter.id"), index=True)
    zone: Mapped[int] = mapped_column(Integer, default=1)
    previous: Mapped[Decimal] = mapped_column(MeterValue)
    current: Mapped[Decimal | None] = mapped_column(MeterValue)
    channel: Mapped[Channel | None] = mapped_column(_enum(Channel))
    entered_by: Mapped[str | None] = mapped_column(String(100))  # account number or staff login
    entered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    confirmation: Mapped[Confirmation | None] = mapped_column(_enum(Confirmation))
    reason: Mapped[str] = mapped_column(String(300), default="")  # a clerk's, outside the window

    period: Mapped[Period] = relationship(back_populates="readings")
    meter: Mapped[Meter] = relationship()


class Service(Base):
    """A line of the statement: Водоотведение, ХВС, Пеня…"""

    __tablename__ = "service"

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(String(100))
    display_order: Mapped[int] = mapped_column(Integer)
    unit: Mapped[str] = mapped_column(String(20), default="")
    tariff: Mapped[Decimal | None] = mapped_column(Money)
    is_penalty: Mapped[bool] = mapped_column(Boolean, default=False)


class StatementRow(Base):
    """One account's balance movement for one service in one month."""

    __tablename__ = "statement_row"
    __table_args__ = (UniqueConstraint("account_id", "month", "service_id"),)

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    account_id: Mapped[int] = mapped_column(Id, ForeignKey("account.id"))
    month: Mapped[date] = mapped_column(Date)
    service_id: Mapped[int] = mapped_column(Id, ForeignKey("service.id"), index=True)
    opening: Mapped[Decimal] = mapped_column(Money, default=Decimal("0.00"))
    charged: Mapped[Decimal] = mapped_column(Money, default=Decimal("0.00"))
    paid: Mapped[Decimal] = mapped_column(Money, default=Decimal("0.00"))
    recalculation: Mapped[Decimal] = mapped_column(Money, default=Decimal("0.00"))
    closing: Mapped[Decimal] = mapped_column(Money, default=Decimal("0.00"))
    volume: Mapped[Decimal | None] = mapped_column(MeterValue)

    service: Mapped[Service] = relationship()


class Receipt(Base):
    __tablename__ = "receipt"
    __table_args__ = (Index("ix_receipt_account_month", "account_id", "month"),)

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    account_id: Mapped[int] = mapped_column(Id, ForeignKey("account.id"))
    number: Mapped[str] = mapped_column(String(50))
    issued_on: Mapped[date] = mapped_column(Date)
    month: Mapped[date] = mapped_column(Date)
    description: Mapped[str] = mapped_column(String(300))
    total: Mapped[Decimal] = mapped_column(Money)


class SupportRequest(Base):
    __tablename__ = "support_request"

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    account_id: Mapped[int | None] = mapped_column(Id, ForeignKey("account.id"), index=True)
    topic: Mapped[str] = mapped_column(String(200))
    message: Mapped[str] = mapped_column(Text)
    contact: Mapped[str] = mapped_column(String(200))
    status: Mapped[RequestStatus] = mapped_column(_enum(RequestStatus), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    # Who took it in work («Взять в работу») and when; None while nobody has.
    assigned_staff_id: Mapped[int | None] = mapped_column(Id, ForeignKey("staff_user.id"))
    assigned_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    answers: Mapped[list[SupportAnswer]] = relationship(
        back_populates="request", order_by="SupportAnswer.created_at"
    )


class SupportAnswer(Base):
    __tablename__ = "support_answer"

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    request_id: Mapped[int] = mapped_column(Id, ForeignKey("support_request.id"), index=True)
    staff_id: Mapped[int | None] = mapped_column(Id, ForeignKey("staff_user.id"))
    author: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)

    request: Mapped[SupportRequest] = relationship(back_populates="answers")


class ImportBatch(Base):
    """A file imported from 1C, by its hash, so the same file is never applied twice."""

    __tablename__ = "import_batch"

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    file_hash: Mapped[str] = mapped_column(String(64), unique=True)
    kind: Mapped[str] = mapped_column(String(30))
    file_name: Mapped[str] = mapped_column(String(300))
    rows: Mapped[int] = mapped_column(Integer, default=0)
    imported_at: Mapped[datetime] = mapped_column(UTCDateTime)
    imported_by: Mapped[str] = mapped_column(String(100))


class OutboxMessage(Base):
    """A message to a resident, queued in the transaction that made it: an e-mail the sender
    delivers after commit (desktop.mail_queue), or a slip the office prints (no SMTP set up,
    or the mail kept failing). Its secret goes once it is sent or expired."""

    __tablename__ = "outbox_message"
    __table_args__ = (Index("ix_outbox_message_due", "channel", "status", "next_attempt_at"),)

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    account_id: Mapped[int | None] = mapped_column(Id, ForeignKey("account.id"), index=True)
    recipient: Mapped[str] = mapped_column(String(254))
    subject: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    handed_out_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    channel: Mapped[str] = mapped_column(String(10), default="slip")  # email | slip
    status: Mapped[str] = mapped_column(String(10), default="queued")  # queued | sending | sent
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    # When the sender may try (again); while «sending», when a crashed claim lapses.
    next_attempt_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime)  # the secret's end
    last_error: Mapped[str] = mapped_column(String(300), default="")
    # The file it carries (a receipt's PDF; deferred: read by the mailer only, migration 0017).
    attachment_name: Mapped[str] = mapped_column(String(100), default="", deferred=True)
    attachment: Mapped[bytes | None] = mapped_column(LargeBinary, deferred=True)


class OrganisationSetting(Base):
    """One organisation setting that every desk and kiosk sharing the database reads (the
    reading window, the key rates, …): its value as JSON, or NULL for «the default»."""

    __tablename__ = "organisation_setting"

    key: Mapped[str] = mapped_column(String(60), primary_key=True)  # «readings.window_start»
    value: Mapped[str | None] = mapped_column(Text)
    changed_at: Mapped[datetime] = mapped_column(UTCDateTime)
    changed_by: Mapped[str] = mapped_column(String(100))
