"""Receipts written from a ``receipts`` file, in the caller's transaction: found by account and
number, added when new, changed only where the file differs. The account must exist."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select, tuple_
from sqlalchemy.orm import Session

from db.models import Account, Receipt
from desktop.common.problems import Problem
from desktop.exchange.columns import Columns
from desktop.exchange.receipts import ReceiptLine, default_description
from desktop.exchange.report import Tally
from desktop.exchange.rows import problem_at


class ReceiptWriter:
    """Writes batches of receipts; remembers what the file already said."""

    def __init__(self, s: Session, columns: Columns) -> None:
        self.s = s
        self.columns = columns
        self.receipts = Tally("Квитанции")
        self._lines: dict[tuple[str, str], int] = {}  # (account, number) → line

    @property
    def tallies(self) -> list[Tally]:
        return [self.receipts]

    def _at(self, line: ReceiptLine, key: str, message: str) -> Problem:
        return problem_at(line.line, self.columns.title(key), message)

    def check(self, line: ReceiptLine) -> list[Problem]:
        """A receipt twice in the file."""
        first = self._lines.setdefault((line.account, line.number), line.line)
        if first == line.line:
            return []
        return [
            self._at(
                line,
                "number",
                f"Квитанция № {line.number} счета {line.account} уже была в строке {first}: в "
                "файле каждая квитанция указывается один раз.",
            )
        ]

    def write(self, lines: Sequence[ReceiptLine], *, apply: bool) -> list[Problem]:
        """Add or change the lines' receipts (only check them unless ``apply``)."""
        s = self.s
        numbers = {line.account for line in lines}
        accounts: dict[str, int] = {
            number: id_
            for number, id_ in s.execute(
                select(Account.number, Account.id).where(Account.number.in_(numbers))
            )
        }
        keys = {(accounts[x.account], x.number) for x in lines if x.account in accounts}
        found = {
            (r.account_id, r.number): r
            for r in s.scalars(
                select(Receipt).where(tuple_(Receipt.account_id, Receipt.number).in_(keys))
            )
        } if keys else {}  # fmt: skip
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
            receipt = found.get((account_id, line.number))
            if receipt is None:
                s.add(
                    Receipt(
                        account_id=account_id,
                        number=line.number,
                        issued_on=line.issued_on,
                        month=line.month,
                        description=line.description or default_description(line.month),
                        total=line.total,
                    )
                )
                self.receipts.created += 1
                continue
            wanted = {"issued_on": line.issued_on, "month": line.month, "total": line.total}
            if line.description is not None:
                wanted["description"] = line.description
            changed = False
            for name, value in wanted.items():
                if getattr(receipt, name) != value:
                    setattr(receipt, name, value)
                    changed = True
            if changed:
                self.receipts.updated += 1
            else:
                self.receipts.unchanged += 1
        if apply:
            s.flush()
            s.expunge_all()  # memory stays flat however long the file
        return problems
