"""1C's answer applied to the periods, in the caller's transaction: an accepted period gets its
«Обновлено из 1С» mark (``period.accepted_at``), a refused one loses it and keeps 1C's reason
(``declined_at``, ``declined_reason``). The period must exist, and must not have changed after
it was last exported to 1C: 1C accepted the values it was sent, not the ones entered since."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime

from sqlalchemy import func, select, tuple_
from sqlalchemy.orm import Session

from db.models import Account, Period, ReadingsExport, ReadingsExportPeriod
from desktop.common.problems import Problem
from desktop.exchange.accepted import REASON_LENGTH, AcceptedLine
from desktop.exchange.columns import Columns
from desktop.exchange.report import Tally
from desktop.exchange.rows import problem_at
from desktop.formatting import ru_datetime
from desktop.months import month_name

_Key = tuple[str, date]  # (account, month)


class AcceptedWriter:
    """Marks periods accepted or refused; a period several rows name is refused if any is."""

    def __init__(self, s: Session, columns: Columns, now: datetime) -> None:
        self.s = s
        self.columns = columns
        self.now = now
        self._declined: dict[_Key, list[str]] = {}  # the reasons 1C gave, so far
        self._outcome: dict[_Key, bool] = {}  # changed (True) or found as it was

    @property
    def tallies(self) -> list[Tally]:
        changed = sum(self._outcome.values())
        tally = Tally("Периоды показаний (отметка «Обновлено из 1С»)")
        tally.updated, tally.unchanged = changed, len(self._outcome) - changed
        return [tally]

    def _at(self, line: AcceptedLine, key: str, message: str) -> Problem:
        column = self.columns.title(key) if self.columns.has(key) else None
        return problem_at(line.line, column, message)

    def check(self, line: AcceptedLine) -> list[Problem]:
        return []

    def write(self, lines: Sequence[AcceptedLine], *, apply: bool) -> list[Problem]:
        """Mark the lines' periods (only check them unless ``apply``)."""
        s = self.s
        keys = {(line.account, line.month) for line in lines}
        found = {
            (number, period.month): period
            for number, period in s.execute(
                select(Account.number, Period)
                .join(Period, Period.account_id == Account.id)
                .where(tuple_(Account.number, Period.month).in_(keys))
            )
        }
        exported: dict[int, datetime] = dict(
            s.execute(
                select(ReadingsExportPeriod.period_id, func.max(ReadingsExport.exported_at))
                .join(ReadingsExport, ReadingsExport.id == ReadingsExportPeriod.export_id)
                .where(
                    ReadingsExport.target == "1c",
                    ReadingsExportPeriod.period_id.in_([p.id for p in found.values()]),
                )
                .group_by(ReadingsExportPeriod.period_id)
            ).all()
        )
        problems: list[Problem] = []
        for line in lines:
            key = (line.account, line.month)
            period = found.get(key)
            name = month_name(line.month).lower()
            if period is None:
                problems.append(
                    self._at(
                        line,
                        "month",
                        f"У лицевого счета {line.account} нет показаний за {name} (или нет "
                        "такого счета): 1С не могла их принять. Проверьте счет и период.",
                    )
                )
                continue
            sent = exported.get(period.id)
            if line.accepted and sent is not None and period.changed_at > sent:
                problems.append(
                    self._at(
                        line,
                        "status",
                        f"Показания счета {line.account} за {name} изменены "
                        f"{ru_datetime(period.changed_at)}, после выгрузки в 1С "
                        f"{ru_datetime(sent)}: 1С приняла прежние. Выгрузите месяц снова и "
                        "загрузите ответ 1С на новую выгрузку.",
                    )
                )
                continue
            if not apply:
                continue
            if not line.accepted:
                reasons = self._declined.setdefault(key, [])
                if line.reason not in reasons:
                    reasons.append(line.reason)
            self._apply(key, period)
        if apply:
            s.flush()
            s.expunge_all()  # memory stays flat however long the file
        return problems

    def _apply(self, key: _Key, period: Period) -> None:
        reasons = self._declined.get(key)
        if reasons is None:
            changed = period.accepted_at is None or period.declined_at is not None
            if changed:
                period.accepted_at = self.now
                period.declined_at = period.declined_reason = None
        else:
            reason = "; ".join(reasons)[:REASON_LENGTH]
            changed = period.declined_reason != reason or period.accepted_at is not None
            if changed:
                period.accepted_at = None
                period.declined_at = self.now
                period.declined_reason = reason
        self._outcome[key] = self._outcome.get(key, False) or changed
