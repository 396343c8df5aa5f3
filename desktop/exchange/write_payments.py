"""Payments written from a bank's registry, in the caller's transaction: one per bank
operation and day (``payment``'s unique key), so a payment that a second registry repeats is
found unchanged, never counted twice. The account must exist; the registry's totals line must
match its payments (``finish``). The readings a new payment's line carries are stored by
``BankReadings``."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from decimal import Decimal

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from db.models import Account, Payment
from desktop.account_summary import refresh_balance
from desktop.actors import Actor
from desktop.clock import Clock
from desktop.common.problems import Problem
from desktop.exchange.bank_readings import BankReadings
from desktop.exchange.columns import Columns
from desktop.exchange.payments import AMOUNTS, BadLine, PaymentLine, Row, Totals, profile_of_columns
from desktop.exchange.report import Tally
from desktop.exchange.rows import problem_at
from desktop.formatting import money, ru_date

ZERO = Decimal("0.00")
STAMP_CHUNK = 500


class PaymentWriter:
    """Writes batches of payments; counts the registry's lines for its totals line."""

    def __init__(self, s: Session, columns: Columns, clock: Clock) -> None:
        self.s = s
        self.columns = columns
        self.profile = profile_of_columns(columns)
        self.bank = self.profile.bank
        self._titles = {f.key: f.title for f in self.profile.fields}
        self.payments = Tally("Платежи")
        self.readings = BankReadings(s, clock, self.bank)
        self._seen: dict[tuple[str, date], int] = {}  # (operation, day): its line
        self._count = 0  # payment lines, bad ones too
        self._sums = [ZERO, ZERO, ZERO]  # in AMOUNTS' order
        self._sums_known = True  # False once a line's amounts could not be read
        self._totals: Totals | None = None
        self._last = 0  # the last line read
        self._created: list[int] = []

    @property
    def tallies(self) -> list[Tally]:
        return [self.payments, *self.readings.tallies]

    @property
    def notes(self) -> list[str]:
        """The readings a rule refused, a line each: the payments are loaded all the same."""
        return self.readings.notes

    def acting_for(self, actor: Actor) -> None:
        """Who imports: the readings stored are audited in their name."""
        self.readings.actor = actor

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
        numbers_of = {account_id: number for number, account_id in accounts.items()}

        def number_of(account_id: int) -> str:
            if account_id not in numbers_of:
                numbers_of[account_id] = s.scalar(
                    select(Account.number).where(Account.id == account_id)
                ) or str(account_id)
            return numbers_of[account_id]

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
                differs = _differs(earlier, account_id, line, number_of(earlier.account_id))
                if differs:
                    problems.append(
                        self._at(
                            line.line,
                            "operation",
                            f"Операция № {line.operation} от {ru_date(line.paid_on)} уже "
                            f"загружена с другими данными: {differs}. Уточните реестр в банке.",
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
            added.append(payment)
        if apply and added:
            clashes = self._insert(added)
            if clashes:
                return problems + clashes
            self.payments.created += len(added)
            refresh_balance(s.connection(), {payment.account_id for payment in added})
            self._created.extend(payment.id for payment in added)
            fresh = {(payment.operation, payment.paid_on) for payment in added}
            for line in lines:
                if line.readings and (line.operation, line.paid_on) in fresh:
                    self.readings.store(line, accounts[line.account])
        if apply:
            s.expunge_all()  # memory stays flat however long the registry
        return problems

    def _insert(self, added: list[Payment]) -> list[Problem]:
        """Insert the new payments in a savepoint. Another desk loading a registry with some
        of them at this moment (PostgreSQL: its uncommitted rows hold their keys, and this
        INSERT waits for its commit) makes the unique key refuse them: then they are named as
        problems — the import changes nothing — and the transaction stays usable."""
        s = self.s
        try:
            with s.begin_nested():
                s.add_all(added)
                s.flush()
        except IntegrityError:
            # Read committed: the other desk's payments are visible now.
            keys = {(p.operation, p.paid_on): p for p in added}
            taken = s.execute(
                select(Payment.operation, Payment.paid_on).where(
                    Payment.bank == self.bank,
                    Payment.operation.in_({p.operation for p in added}),
                )
            ).all()
            found = [(operation, day) for operation, day in taken if (operation, day) in keys]
            if not found:
                raise  # not a clash with another registry: a real fault
            lines = {key: self._seen.get(key, self._last) for key in keys}
            return [
                self._at(
                    lines.get(key, self._last),
                    "operation",
                    f"Операцию № {key[0]} от {ru_date(key[1])} только что загрузили с другого "
                    "рабочего места (другой реестр с этим же платежом). Файл не загружен, "
                    "ничего не изменено: загрузите его ещё раз — уже загруженные платежи "
                    "будут найдены и не задвоятся.",
                )
                for key in sorted(found, key=lambda k: lines.get(k, 0))
            ]
        return []

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
                if stated is not None and stated != counted:
                    problems.append(
                        self._at(
                            totals.line,
                            None,
                            f"В итоговой строке «{self._titles.get(key, key)}» {money(stated)}, "
                            f"а по строкам реестра {money(counted)}: итоги не сходятся.",
                        )
                    )
        return problems

    def stamp(self, batch_id: int) -> None:
        """Mark the payments added with the import's batch, once it is recorded."""
        for start in range(0, len(self._created), STAMP_CHUNK):
            chunk = self._created[start : start + STAMP_CHUNK]
            self.s.execute(update(Payment).where(Payment.id.in_(chunk)).values(batch_id=batch_id))


def _differs(earlier: Payment, account_id: int, line: PaymentLine, stored_number: str) -> str:
    """What the stored payment and the registry's line say differently, in words (empty if
    they agree): the account, the amount or the bank's fee."""
    parts = []
    if earlier.account_id != account_id:
        parts.append(f"лицевой счет {stored_number}, в файле {line.account}")
    if earlier.amount != line.amount:
        parts.append(f"сумма {money(earlier.amount)} ₽, в файле {money(line.amount)} ₽")
    if earlier.commission != line.commission:
        parts.append(f"комиссия {money(earlier.commission)} ₽, в файле {money(line.commission)} ₽")
    return "; ".join(parts)
