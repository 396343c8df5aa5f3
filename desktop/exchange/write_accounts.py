"""Accounts, their buildings and premises written from an ``accounts`` file, in the caller's
transaction: found by their natural keys (the account's number, the building's address, the
flat's number in it), added when new, changed only where the file differs. Accounts go through
the ORM, whose hook is the one writer of their search columns."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session

from db.models import Account, Building, Company, Premises
from db.search import normalize
from desktop.common.problems import Problem
from desktop.exchange.accounts import AccountRow
from desktop.exchange.report import Tally
from desktop.exchange.rows import problem_at


class AccountWriter:
    """Writes batches of account rows; remembers what the file already said."""

    def __init__(self, s: Session) -> None:
        self.s = s
        self.accounts = Tally("Лицевые счета")
        self.buildings = Tally("Дома")
        self.premises = Tally("Помещения")
        self._lines: dict[str, int] = {}  # account number → its line in the file
        self._building_ids: dict[str, int | Building] | None = None  # normalised address →
        self._premises_ids: dict[int, dict[str, int | Premises]] = {}  # building → flat →
        self._new_flats: dict[Building, dict[str, int | Premises]] = {}  # of new buildings
        self._seen: set[int] = set()  # buildings of the database the file names
        self._seen_premises: set[int] = set()
        self._company: int | None = None
        self._company_problem: str | None = None
        self._company_known = False

    @property
    def tallies(self) -> list[Tally]:
        return [self.accounts, self.buildings, self.premises]

    def check(self, row: AccountRow) -> list[Problem]:
        """What the file itself contradicts: an account twice."""
        first = self._lines.setdefault(row.number, row.line)
        if first == row.line:
            return []
        return [
            problem_at(
                row.line,
                None,
                f"Лицевой счет {row.number} уже был в строке {first}: в файле каждый счет "
                "указывается один раз.",
            )
        ]

    def write(self, rows: Sequence[AccountRow], *, apply: bool) -> list[Problem]:
        """Add or change the rows' accounts (only check them unless ``apply``)."""
        s = self.s
        found = {
            a.number: a
            for a in s.scalars(select(Account).where(Account.number.in_([r.number for r in rows])))
        }
        problems: list[Problem] = []
        for row in rows:
            premises = self._premises(row, problems, apply=apply)
            if not apply:
                continue
            account = found.get(row.number)
            if account is None:
                account = Account(
                    number=row.number,
                    fio=row.fio,
                    address=row.address,
                    area=row.area,
                    residents=1 if row.residents is None else row.residents,
                )
                if isinstance(premises, Premises):
                    account.premises = premises
                else:
                    account.premises_id = premises
                s.add(account)
                self.accounts.created += 1
                continue
            changed = _set(account, "fio", row.fio)
            changed |= _set(account, "address", row.address)
            changed |= _set(account, "area", row.area)
            if row.residents is not None:
                changed |= _set(account, "residents", row.residents)
            if isinstance(premises, Premises):
                account.premises = premises
                changed = True
            elif premises is not None:
                changed |= _set(account, "premises_id", premises)
            if changed:
                self.accounts.updated += 1
            else:
                self.accounts.unchanged += 1
        if apply:
            s.flush()
            self._settle()
            s.expunge_all()  # memory stays flat however long the file
        return problems

    # -- buildings and premises

    def _premises(
        self, row: AccountRow, problems: list[Problem], *, apply: bool
    ) -> int | Premises | None:
        """The row's premises: known, or new (added when ``apply``); None without a building."""
        if row.building is None:
            return None
        if self._building_ids is None:
            self._building_ids = {}
            for id_, address in self.s.execute(select(Building.id, Building.address)):
                self._building_ids.setdefault(normalize(address), id_)
        key = normalize(row.building)
        building = self._building_ids.get(key)
        if building is None:
            company = self._company_id()
            if company is None:
                if self._company_problem:
                    problems.append(problem_at(row.line, None, self._company_problem))
                    self._company_problem = ""  # said once, at the first row it concerns
                return None
            if not apply:
                return None
            building = Building(company_id=company, address=row.building)
            self.s.add(building)
            self._building_ids[key] = building
            self.buildings.created += 1
        elif isinstance(building, int) and apply and building not in self._seen:
            self._seen.add(building)
            self.buildings.unchanged += 1
        if row.flat is None:
            return None
        flats = self._flats(building)
        flat_key = row.flat.casefold()
        premises = flats.get(flat_key)
        if premises is None and apply:
            premises = (
                Premises(building=building, number=row.flat, area=row.area)
                if isinstance(building, Building)
                else Premises(building_id=building, number=row.flat, area=row.area)
            )
            self.s.add(premises)
            flats[flat_key] = premises
            self.premises.created += 1
        elif isinstance(premises, int) and apply and premises not in self._seen_premises:
            self._seen_premises.add(premises)
            self.premises.unchanged += 1
        return premises

    def _flats(self, building: int | Building) -> dict[str, int | Premises]:
        if isinstance(building, Building):  # new in this import: no flats in the database
            return self._new_flats.setdefault(building, {})
        flats = self._premises_ids.get(building)
        if flats is None:
            flats = self._premises_ids[building] = {}
            query = select(Premises.id, Premises.number).where(Premises.building_id == building)
            for id_, number in self.s.execute(query):
                flats.setdefault(number.casefold(), id_)
        return flats

    def _company_id(self) -> int | None:
        """The company new buildings belong to: the database's one company."""
        if not self._company_known:
            self._company_known = True
            ids = list(self.s.scalars(select(Company.id).order_by(Company.id).limit(2)))
            if len(ids) == 1:
                self._company = ids[0]
            elif not ids:
                self._company_problem = (
                    "В базе нет управляющей компании, а дом из этой строки — новый: его не к "
                    "чему привязать. Сначала внесите реквизиты компании, затем загрузите файл."
                )
            else:
                self._company_problem = (
                    "В базе несколько управляющих компаний, а дом из этой строки — новый: "
                    "непонятно, к какой его отнести. Заведите дом вручную и загрузите файл снова."
                )
        return self._company

    def _settle(self) -> None:
        """After a flush: new buildings and premises are known by their ids from now on."""
        buildings = self._building_ids or {}
        for key, building in buildings.items():
            if isinstance(building, Building):
                buildings[key] = building.id
        for new, flats in self._new_flats.items():
            self._premises_ids[new.id] = flats
        self._new_flats.clear()
        for flats in self._premises_ids.values():
            for flat, premises in flats.items():
                if isinstance(premises, Premises):
                    flats[flat] = premises.id


def _set(obj: object, name: str, value: object) -> bool:
    """Set an attribute if it differs; whether it did."""
    if getattr(obj, name) == value:
        return False
    setattr(obj, name, value)
    return True
