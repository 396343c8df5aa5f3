"""Payments written from a bank's registry, in the caller's transaction: one per bank
operation and day (``payment``'s unique key), so a payment that a second registry repeats is
found unchanged, never counted twice. The account must exist; the registry's totals line must
match its payments (``finish``)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from decimal import Decimal

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from db.models import Account, Payment
from desktop.account_summary import refresh_balance
from desktop.common.problems import Problem
from desktop.exchange.columns import Columns
from desktop.exchange.payments import AMOUNTS, BANK, FIELDS, BadLine, PaymentLine, Row, Totals
from desktop.exchange.report import Tally
from desktop.exchange.rows import problem_at
from desktop.formatting import money, ru_date

ZERO = Decimal("0.00")
_TITLES = {f.key: f.title for f in FIELDS}
STAMP_CHUNK = 500


class PaymentWriter:
    """Writes batches of payments; counts the registry's lines for its totals line."""

    def __init__(self, s: Session, columns: Columns, bank: str = BANK) -> None:
        self.s = s
        self.columns = columns
        self.bank = bank
        self.payments = Tally("Платежи")
        self._seen: dict[tuple[str, date], int] = {}  # (operation, day): its line
        self._count = 0  # payment lines, bad ones too
        self._sums = [ZERO, ZERO, ZERO]  # in AMOUNTS' order
        self._sums_known = True  # False once a line's amounts could not be read
        self._totals: Totals | None = None
        self._last = 0  # the last line read
        self._created: list[int] = []

    @property
    def tallies(self) -> list[Tally]:
        return [self.payments]

    def _at(self, line: int, key: str | None, message: str) -> Problem:
        return problem_at(line, self.columns.title(key) if key else None, message)

    def check(self, row: Row) -> list[Problem]:
        """Counts the line for the totals; a payment twice in the registry, a line after the
        totals line or a second totals line are problems."""
        self._last = max(self._last, row.line)
        problems = []
        if self._totals is not None:
            problems.append(
                self._at(
                    row.line,
                    None,
                    f"Строка после итоговой (строка {self._totals.line}): итоговая строка "
                    "реестра должна быть последней. Проверьте, не склеены ли два реестра.",
                )
            )
        if isinstance(row, Totals):
            if self._totals is None:
                self._totals = row
            return problems
        self._count += 1
        if isinstance(row, BadLine):
            if row.amounts is None:
                self._sums_known = False
            else:
                self._add(row.amounts)
            return problems
        self._add((row.amount, row.transfer, row.commission))
        first = self._seen.setdefault((row.operation, row.paid_on), row.line)
        if first != row.line:
            problems.append(
                self._at(
                    row.line,
                    "operation",
                    f"Операция № {row.operation} от {ru_date(row.paid_on)} уже была в строке "
                    f"{first}: один платеж дважды.",
                )
            )
        return problems

    def _add(self, amounts: tuple[Decimal, ...]) -> None:
        for i, value in enumerate(amounts):
            self._sums[i] += value

    def write(self, rows: Sequence[Row], *, apply: bool) -> list[Problem]:
        """Add the payments not yet stored (only check them unless ``apply``)."""
        lines = [row for row in rows if isinstance(row, PaymentLine)]
        if not lines:
            return []
        s = self.s
        numbers = {line.account for line in lines}
        accounts: dict[str, int] = dict(
            s.execute(select(Account.number, Account.id).where(Account.number.in_(numbers))).all()
        )
        stored = {
            (p.operation, p.paid_on): p
            for p in s.scalars(
                select(Payment).where(
                    Payment.bank == self.bank,
                    Payment.operation.in_({line.operation for line in lines}),
                )
            )
        }
        problems: list[Problem] = []
        added: list[Payment] = []
        for line in lines:
            account_id = accounts.get(line.account)
            if account_id is None:
                problems.append(
                    self._at(
                        line.line,
                        "account",
                        f"Лицевого счета {line.account} нет в базе: платеж не к чему отнести. "
                        "Уточните номер в банке или загрузите сначала лицевые счета (вид "
                        "accounts).",
                    )
                )
                continue
            earlier = stored.get((line.operation, line.paid_on))
            if earlier is not None:
                if earlier.account_id != account_id or earlier.amount != line.amount:
                    problems.append(
                        self._at(
                            line.line,
                            "operation",
                            f"Операция № {line.operation} от {ru_date(line.paid_on)} уже "
                            f"загружена с другими данными (сумма {money(earlier.amount)} ₽). "
                            "Уточните реестр в банке.",
                        )
                    )
                elif apply:
                    self.payments.unchanged += 1
                continue
            if not apply:
                continue
            payment = Payment(
                account_id=account_id,
                paid_on=line.paid_on,
                amount=line.amount,
                commission=line.commission,
                bank=self.bank,
                operation=line.operation,
                period=line.period,
            )
            s.add(payment)
            added.append(payment)
            self.payments.created += 1
        if apply:
            s.flush()
            refresh_balance(s.connection(), {payment.account_id for payment in added})
            self._created.extend(payment.id for payment in added)
            s.expunge_all()  # memory stays flat however long the registry
        return problems

    def finish(self) -> list[Problem]:
        """The totals line against the payments: there must be one, and it must agree."""
        totals = self._totals
        if totals is None:
            return [
                self._at(
                    max(self._last, 1),
                    None,
                    "В реестре нет итоговой строки (она начинается с «=»): файл мог быть обрезан. "
                    "Запросите реестр в банке заново.",
                )
            ]
        if not totals.readable:
            return []
        problems = []
        if totals.count != self._count:
            problems.append(
                self._at(
                    totals.line,
                    None,
                    f"В итоговой строке платежей {totals.count}, а в реестре {self._count}: "
                    "реестр неполон или испорчен.",
                )
            )
        if self._sums_known:
            for key, stated, counted in zip(AMOUNTS, totals.amounts, self._sums, strict=True):
                if stated != counted:
                    problems.append(
                        self._at(
                            totals.line,
                            None,
                            f"В итоговой строке «{_TITLES[key]}» {money(stated)}, а по строкам "
                            f"реестра {money(counted)}: итоги не сходятся.",
                        )
                    )
        return problems

    def stamp(self, batch_id: int) -> None:
        """Mark the payments added with the import's batch, once it is recorded."""
        for start in range(0, len(self._created), STAMP_CHUNK):
            chunk = self._created[start : start + STAMP_CHUNK]
            self.s.execute(update(Payment).where(Payment.id.in_(chunk)).values(batch_id=batch_id))
