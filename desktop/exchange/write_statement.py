"""Statement rows written from a ``statement`` file, in the caller's transaction: found by
account, month and service, added when new, changed only where the file differs. The account
and the service must exist; a service is named as the database names it (case, ё and spacing
aside) or by its code."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session

from db.models import Account, Service, StatementRow
from db.search import normalize
from desktop.account_summary import refresh_balance
from desktop.common.problems import Problem
from desktop.exchange.columns import Columns
from desktop.exchange.report import Tally
from desktop.exchange.rows import problem_at
from desktop.exchange.statement import AMOUNTS, StatementLine
from desktop.months import month_name


class StatementWriter:
    """Writes batches of statement lines; remembers what the file already said."""

    def __init__(self, s: Session, columns: Columns) -> None:
        self.s = s
        self.columns = columns
        self.rows = Tally("Строки ведомости")
        self._lines: dict[tuple[str, object, int], int] = {}
        self._services: dict[str, int] = {}  # a service's name or code, normalized → its id
        self._name_of: dict[int, str] = {}
        self._names: list[str] = []
        for id_, code, name in s.execute(
            select(Service.id, Service.code, Service.name).order_by(Service.display_order)
        ):
            self._services.setdefault(normalize(name), id_)
            self._services.setdefault(normalize(code), id_)
            self._names.append(name)
            self._name_of[id_] = name

    @property
    def tallies(self) -> list[Tally]:
        return [self.rows]

    def _at(self, line: StatementLine, key: str, message: str) -> Problem:
        return problem_at(line.line, self.columns.title(key), message)

    def check(self, line: StatementLine) -> list[Problem]:
        """What the file itself contradicts: one service of one month twice (by its name or
        by its code alike), a service the database does not know."""
        service_id = self._services.get(normalize(line.service))
        if service_id is None:
            known = ", ".join(f"«{name}»" for name in self._names) or "ни одной"
            return [
                self._at(
                    line,
                    "service",
                    f"Услуги «{line.service}» нет в базе. Известные услуги: {known}.",
                )
            ]
        key = (line.account, line.month, service_id)
        first = self._lines.setdefault(key, line.line)
        if first == line.line:
            return []
        name = self._name_of[service_id]
        same = "" if normalize(line.service) == normalize(name) else f" (это «{name}»)"
        return [
            self._at(
                line,
                "service",
                f"«{line.service}»{same} за {month_name(line.month).lower()} по счету "
                f"{line.account} уже был в строке {first}.",
            )
        ]

    def write(self, lines: Sequence[StatementLine], *, apply: bool) -> list[Problem]:
        """Add or change the lines' statement rows (only check them unless ``apply``)."""
        s = self.s
        numbers = {line.account for line in lines}
        query = select(Account.number, Account.id).where(Account.number.in_(numbers))
        accounts: dict[str, int] = {number: id_ for number, id_ in s.execute(query)}
        found = {
            (row.account_id, row.month, row.service_id): row
            for row in s.scalars(
                select(StatementRow).where(
                    StatementRow.account_id.in_(accounts.values()),
                    StatementRow.month.in_({line.month for line in lines}),
                )
            )
        }
        problems: list[Problem] = []
        for line in lines:
            account_id = accounts.get(line.account)
            if account_id is None:
                problems.append(
                    self._at(
                        line,
                        "account",
                        f"Лицевого счета {line.account} нет в базе. Загрузите сначала лицевые "
                        "счета (вид accounts) или исправьте номер.",
                    )
                )
                continue
            if not apply:
                continue
            service_id = self._services[normalize(line.service)]
            row = found.get((account_id, line.month, service_id))
            if row is None:
                row = StatementRow(account_id=account_id, month=line.month, service_id=service_id)
                for key, amount in zip(AMOUNTS, line.amounts, strict=True):
                    setattr(row, key, amount)
                row.volume = line.volume
                s.add(row)
                self.rows.created += 1
                continue
            changed = False
            for key, amount in zip(AMOUNTS, line.amounts, strict=True):
                if getattr(row, key) != amount:
                    setattr(row, key, amount)
                    changed = True
            if line.volume is not None and row.volume != line.volume:
                row.volume = line.volume
                changed = True
            if changed:
                self.rows.updated += 1
            else:
                self.rows.unchanged += 1
        if apply:
            s.flush()
            refresh_balance(s.connection(), accounts.values())
            s.expunge_all()  # memory stays flat however long the file
        return problems
