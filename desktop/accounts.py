"""Personal accounts: look one up, find them by number, ФИО, address or meter serial, add one."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from sqlalchemy import (
    ColumnElement,
    CompoundSelect,
    Select,
    and_,
    case,
    func,
    or_,
    select,
    text,
    union,
)
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import InstrumentedAttribute, Session

from db.engine import Database
from db.models import Account, Building, Company, Meter, Premises, ResidentCredential
from desktop import audit
from desktop.actors import Actor
from desktop.audit import AuditAction
from desktop.auth.sealed import has_password_column
from desktop.clock import Clock
from desktop.errors import AccessDeniedError, NotFoundError, ValidationError
from desktop.permissions import Permission, allows, require, require_account
from desktop.settings import Settings
from desktop.text import clean_text, normalize

MAX_LIMIT = 500
_NUMBER_LENGTH = 20  # Account.number
_FIO_LENGTH = 200  # Account.fio
_ADDRESS_LENGTH = 300  # Account.address
_MAX_AREA = Decimal("10000.00")  # m²; more is a typo, not a flat
_MAX_RESIDENTS = 99
_ADDRESS_MIN = 3  # letters before an address substring search is worth its scan
_LIKE_SPECIAL = re.compile(r"([\\%_])")
_MAX_CHAR = 0x10FFFF
_SURROGATES = range(0xD800, 0xE000)


@dataclass(frozen=True)
class AccountInfo:
    """An account as the office and the cabinet show it."""

    id: int
    number: str
    fio: str  # exactly as on the receipt
    address: str
    area: Decimal  # m², 2 places
    residents: int
    registered: bool  # the resident has a password for the cabinet
    company: str | None  # the management company's name, when the premises are known


def clean_number(number: str) -> str:
    """An account number as typed, without the spaces people put in long numbers."""
    return clean_text(number).replace(" ", "")


def _like_escape(value: str) -> str:
    """User text made literal inside a LIKE pattern whose escape character is a backslash."""
    return _LIKE_SPECIAL.sub(r"\\\1", value)


def _successor(prefix: str) -> str | None:
    """The smallest string greater than every string starting with ``prefix`` (code point
    order), or None if there is none."""
    chars = list(prefix)
    while chars:
        code = ord(chars.pop()) + 1
        if code in _SURROGATES:
            code = _SURROGATES.stop
        if code <= _MAX_CHAR:
            return "".join(chars) + chr(code)
    return None


class AccountService:
    """Finds and reads personal accounts; staff search them and add new ones."""

    def __init__(self, db: Database, clock: Clock, settings: Settings) -> None:
        self.db = db
        self.clock = clock
        self.settings = settings
        self._code_point_order: bool | None = None

    # -- reading one account ---------------------------------------------------------------

    def get(self, actor: Actor, number: str) -> AccountInfo:
        """The account with this number; a resident may read only their own."""
        number = clean_number(number)
        if not number:
            raise ValidationError("Укажите номер лицевого счета: он напечатан в квитанции.")
        with self.db.read() as s:
            row = s.execute(_info_query(s).where(Account.number == number)).one_or_none()
            if row is None:
                # A resident learns nothing about other people's accounts, not even whether
                # they exist.
                if not allows(actor, Permission.ACT_FOR_ANY_ACCOUNT) and actor.name != number:
                    raise AccessDeniedError("Нет доступа к этому лицевому счёту.")
                raise NotFoundError(
                    f"Лицевой счёт {number} не найден. Проверьте номер по квитанции."
                )
            info = _info(row)
        require_account(actor, info.id)
        return info

    def get_by_id(self, actor: Actor, account_id: int) -> AccountInfo:
        """The account with this id; a resident may read only their own."""
        require_account(actor, account_id)
        with self.db.read() as s:
            row = s.execute(_info_query(s).where(Account.id == account_id)).one_or_none()
            if row is None:
                raise NotFoundError("Лицевой счёт не найден: возможно, он был удалён.")
            return _info(row)

    # -- search ----------------------------------------------------------------------------

    def search(self, actor: Actor, query: str, limit: int = 50) -> list[AccountInfo]:
        """Staff find accounts by number prefix, ФИО prefix, address substring or meter
        serial (exact or prefix); case- and ё-insensitive. The account whose number is
        exactly the query comes first, then the rest by number."""
        require(actor, Permission.SEARCH_ACCOUNTS)
        query = clean_text(query)
        wanted = normalize(query)
        if not wanted or limit < 1:
            return []
        number = clean_number(query)
        with self.db.read() as s:
            ranges = self._ranges_allowed(s)
            order = (
                case((Account.number == number, 0), else_=1),
                func.length(Account.number),
                Account.number,
            )
            # Order and cut the bare ids first, so that only the page of results is joined
            # with credentials and companies, however many accounts match.
            page = (
                select(Account.id)
                .where(
                    Account.id.in_(
                        _matching_ids(wanted, number, ranges=ranges, sqlite=self.db.is_sqlite)
                    )
                )
                .order_by(*order)
                .limit(min(limit, MAX_LIMIT))
                .subquery()
            )
            rows = s.execute(_info_query(s).join(page, page.c.id == Account.id).order_by(*order))
            return [_info(row) for row in rows]

    def _ranges_allowed(self, s: Session) -> bool:
        """Whether prefix searches may be index range scans: true where text sorts by code
        point (SQLite's BINARY, PostgreSQL's C collations)."""
        if self._code_point_order is None:
            self._code_point_order = self.db.is_sqlite or _pg_code_point_order(s)
        return self._code_point_order

    # -- adding an account -----------------------------------------------------------------

    def create_account(
        self,
        actor: Actor,
        number: str,
        fio: str,
        address: str,
        area: Decimal | str,
        residents: int,
        premises_id: int | None = None,
    ) -> AccountInfo:
        """Staff add an account (by hand or for tests); every field is checked first."""
        require(actor, Permission.CREATE_ACCOUNTS)
        number = clean_number(number)
        fio = clean_text(fio)
        address = clean_text(address)
        problems: list[str] = []
        _check_number(number, problems)
        _check_text(fio, _FIO_LENGTH, problems, _FIO_MISSING, "ФИО слишком длинное")
        _check_text(address, _ADDRESS_LENGTH, problems, _ADDRESS_MISSING, "Адрес слишком длинный")
        area_value = _parse_area(area, problems)
        if isinstance(residents, bool) or not isinstance(residents, int):
            raise TypeError("residents must be an int")
        if not 0 <= residents <= _MAX_RESIDENTS:
            problems.append(
                f"Число проживающих указано неверно ({residents}): "
                f"введите целое число от 0 до {_MAX_RESIDENTS}."
            )
        with self.db.unit_of_work() as s:
            if not problems and s.scalar(select(Account.id).where(Account.number == number)):
                problems.append(_taken(number))
            if premises_id is not None and s.get(Premises, premises_id) is None:
                problems.append(
                    f"Помещение № {premises_id} не найдено. Выберите помещение из списка "
                    "или оставьте поле пустым."
                )
            if problems:
                raise ValidationError("\n".join(problems))
            assert area_value is not None
            account = Account(
                number=number,
                fio=fio,
                address=address,
                area=area_value,
                residents=residents,
                premises_id=premises_id,
            )
            s.add(account)
            try:
                s.flush()
            except IntegrityError:
                # Another workstation added the same number a moment ago.
                raise ValidationError(_taken(number)) from None
            audit.record(
                s,
                self.clock.now(),
                actor,
                AuditAction.ACCOUNT_CREATE,
                account_id=account.id,
                number=number,
                fio=fio,
                address=address,
                area=area_value,
                residents=residents,
                premises_id=premises_id,
            )
            row = s.execute(_info_query(s).where(Account.id == account.id)).one()
            return _info(row)


def _matching_ids(wanted: str, number: str, *, ranges: bool, sqlite: bool) -> CompoundSelect[Any]:
    """The ids of every account the query matches, as one subquery."""

    def prefix(column: InstrumentedAttribute[str], value: str) -> ColumnElement[bool]:
        return _prefix_range(column, value) if ranges else _prefix_like(column, value)

    parts: list[Select[Any]] = [select(Account.id).where(prefix(Account.fio_norm, wanted))]
    if number.isdigit():
        parts.append(select(Account.id).where(prefix(Account.number, number)))
    elif len(wanted) >= _ADDRESS_MIN:
        # Digits alone («12») would match every house and flat with a 12 in it, and one or
        # two letters nearly every address. No index serves a substring: this is a scan.
        parts.append(select(Account.id).where(_contains(Account.address_norm, wanted, sqlite)))
    serial = number.lstrip("№")
    if serial:
        variants = sorted({serial, serial.upper()})
        parts.append(
            select(Meter.account_id).where(or_(*(prefix(Meter.serial, v) for v in variants)))
        )
    return union(*parts)


def _prefix_range(column: InstrumentedAttribute[str], prefix: str) -> ColumnElement[bool]:
    """``column`` starts with ``prefix``, as a range a plain index serves; right only where
    text sorts by code point. Needs no escaping."""
    upper = _successor(prefix)
    low = column >= prefix
    return low if upper is None else and_(low, column < upper)


def _contains(column: InstrumentedAttribute[str], value: str, sqlite: bool) -> ColumnElement[bool]:
    """``column`` contains ``value``, literally."""
    if sqlite:
        # instr() compares bytes; LIKE would also fold ASCII case, for nothing, and slower.
        return func.instr(column, value) > 0
    # LIKE rather than strpos(): a pg_trgm index, once there is one, serves LIKE.
    return column.like(f"%{_like_escape(value)}%", escape="\\")


def _prefix_like(column: InstrumentedAttribute[str], prefix: str) -> ColumnElement[bool]:
    """``column`` starts with ``prefix``, under any collation; an index serves it only if it
    was built with *_pattern_ops."""
    return column.like(f"{_like_escape(prefix)}%", escape="\\")


def _pg_code_point_order(s: Session) -> bool:
    # A linguistic collation (ru_RU, ICU) sorts «ив-а» between «ива» and «ивб» and «ё» next
    # to «е», so a code point range there would both miss and invent matches.
    provider, collate = s.execute(
        text(
            "SELECT to_jsonb(d) ->> 'datlocprovider', datcollate FROM pg_database d "
            "WHERE datname = current_database()"
        )
    ).one()
    if provider == "b":  # PostgreSQL 17's builtin provider: C and C.UTF-8 only
        return True
    return provider in (None, "c") and collate.lower() in ("c", "posix", "c.utf-8", "c.utf8")


_FIO_MISSING = "Укажите ФИО так, как оно напечатано в квитанции, например «Иванов И.И.»."
_ADDRESS_MISSING = "Укажите адрес помещения, например «ул. Ленина, д. 5, кв. 12»."


def _taken(number: str) -> str:
    return (
        f"Лицевой счёт {number} уже есть в базе. Проверьте номер или откройте "
        "существующий счёт через поиск."
    )


def _check_number(number: str, problems: list[str]) -> None:
    if not number:
        problems.append("Укажите номер лицевого счета.")
    elif not (number.isascii() and number.isdigit()):
        problems.append(
            f"Номер лицевого счета «{number}» должен состоять только из цифр, например 3492."
        )
    elif len(number) > _NUMBER_LENGTH:
        problems.append(f"Номер лицевого счета слишком длинный: не больше {_NUMBER_LENGTH} цифр.")


def _check_text(value: str, length: int, problems: list[str], empty: str, too_long: str) -> None:
    if not value:
        problems.append(empty)
    elif len(value) > length:
        problems.append(f"{too_long}: не больше {length} знаков (сейчас {len(value)}).")


def _parse_area(area: Decimal | str, problems: list[str]) -> Decimal | None:
    if isinstance(area, float):
        raise TypeError("area must be a Decimal or a string, never a float")
    if isinstance(area, str):
        try:
            value = Decimal(area.strip().replace(" ", "").replace(",", "."))
        except InvalidOperation:
            problems.append(f"Площадь «{area}» указана неверно: введите число, например 54,30.")
            return None
    else:
        value = Decimal(area)
    if not value.is_finite():
        problems.append("Площадь указана неверно: введите число, например 54,30.")
        return None
    if value <= 0:
        problems.append("Площадь должна быть больше нуля.")
        return None
    if value > _MAX_AREA:
        problems.append(f"Площадь {value} м² слишком велика: проверьте, нет ли опечатки.")
        return None
    if value != value.quantize(Decimal("0.01")):
        problems.append(
            "Площадь указывается с точностью до сотых: не больше двух знаков после запятой."
        )
        return None
    return value.quantize(Decimal("0.01"))


def _info_query(s: Session) -> Select[int, str, str, str, Decimal, int, bool, str]:
    """Accounts with what AccountInfo needs beside them, in one query (no N+1)."""
    return (
        select(
            Account.id,
            Account.number,
            Account.fio,
            Account.address,
            Account.area,
            Account.residents,
            has_password_column(s).label("registered"),
            Company.name.label("company"),
        )
        .outerjoin(ResidentCredential, ResidentCredential.account_id == Account.id)
        .outerjoin(Premises, Premises.id == Account.premises_id)
        .outerjoin(Building, Building.id == Premises.building_id)
        .outerjoin(Company, Company.id == Building.company_id)
    )


def _info(row: Sequence[Any]) -> AccountInfo:
    id_, number, fio, address, area, residents, registered, company = row
    return AccountInfo(
        id=id_,
        number=number,
        fio=fio,
        address=address,
        area=area,
        residents=residents,
        registered=bool(registered),
        company=company,
    )
