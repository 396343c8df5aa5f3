"""Personal accounts: look one up, find them by number, ФИО, address or meter serial
(``desktop.account_search``), add one."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from sqlalchemy import Select, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from db.engine import Database
from db.models import Account, Building, Company, Premises, ResidentCredential
from desktop import audit
from desktop.account_search import EMPTY, SearchResult, search
from desktop.actors import Actor
from desktop.audit import AuditAction
from desktop.auth.sealed import has_password_column
from desktop.clock import Clock
from desktop.errors import AccessDeniedError, NotFoundError, ValidationError
from desktop.permissions import Permission, allows, require, require_account
from desktop.settings import Settings
from desktop.text import clean_text, normalize

MAX_LIMIT = 500
NUMBER_LENGTH = 20  # Account.number
FIO_LENGTH = 200  # Account.fio
ADDRESS_LENGTH = 300  # Account.address
_MAX_AREA = Decimal("10000.00")  # m²; more is a typo, not a flat
MAX_RESIDENTS = 99


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


class AccountService:
    """Finds and reads personal accounts; staff search them and add new ones."""

    def __init__(self, db: Database, clock: Clock, settings: Settings) -> None:
        self.db = db
        self.clock = clock
        self.settings = settings

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
                    raise AccessDeniedError("Нет доступа к этому лицевому счету.")
                raise NotFoundError(
                    f"Лицевой счет {number} не найден. Проверьте номер по квитанции."
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
                raise NotFoundError("Лицевой счет не найден: возможно, он был удалён.")
            return _info(row)

    # -- search ----------------------------------------------------------------------------

    def search(self, actor: Actor, query: str, limit: int = 50) -> SearchResult:
        """Staff find accounts by number, ФИО, address or meter serial as they type: the
        first ``limit`` matches (at most MAX_LIMIT) with the counter's columns, and how many
        match (``desktop.account_search`` has the rule)."""
        require(actor, Permission.SEARCH_ACCOUNTS)
        query = clean_text(query)
        if not normalize(query) or limit < 1:
            return EMPTY
        with self.db.read() as s:
            return search(s, query, min(limit, MAX_LIMIT), sqlite=self.db.is_sqlite)

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
        check_number(number, problems)
        _check_text(fio, FIO_LENGTH, problems, _FIO_MISSING, "ФИО слишком длинное")
        _check_text(address, ADDRESS_LENGTH, problems, _ADDRESS_MISSING, "Адрес слишком длинный")
        area_value = parse_area(area, problems)
        if isinstance(residents, bool) or not isinstance(residents, int):
            raise TypeError("residents must be an int")
        if not 0 <= residents <= MAX_RESIDENTS:
            problems.append(
                f"Число проживающих указано неверно ({residents}): "
                f"введите целое число от 0 до {MAX_RESIDENTS}."
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


_FIO_MISSING = "Укажите ФИО так, как оно напечатано в квитанции, например «Иванов И.И.»."
_ADDRESS_MISSING = "Укажите адрес помещения, например «ул. Ленина, д. 5, кв. 12»."


def _taken(number: str) -> str:
    return (
        f"Лицевой счет {number} уже есть в базе. Проверьте номер или откройте "
        "существующий счет через поиск."
    )


def check_number(number: str, problems: list[str]) -> None:
    """What is wrong with an account number (digits only, not too long), into ``problems``."""
    if not number:
        problems.append("Укажите номер лицевого счета.")
    elif not (number.isascii() and number.isdigit()):
        problems.append(
            f"Номер лицевого счета «{number}» должен состоять только из цифр, например 3492."
        )
    elif len(number) > NUMBER_LENGTH:
        problems.append(f"Номер лицевого счета слишком длинный: не больше {NUMBER_LENGTH} цифр.")


def _check_text(value: str, length: int, problems: list[str], empty: str, too_long: str) -> None:
    if not value:
        problems.append(empty)
    elif len(value) > length:
        problems.append(f"{too_long}: не больше {length} знаков (сейчас {len(value)}).")


def parse_area(area: Decimal | str, problems: list[str]) -> Decimal | None:
    """An area in m² (positive, 2 places, not absurd); None with the reason in ``problems``."""
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
