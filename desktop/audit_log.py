"""«Журнал действий»: the audit log read for a person — an administrator every entry, a clerk
only their own — filtered by account, staff member, action and period, a page at a time
(newest first, by the log's id: the log may hold millions of rows, nothing reads them all),
exported to XLSX, and its hash chain verified (``desktop.audit.verify``)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import Select, select

from db.engine import Database
from db.models import Account, AuditEntry, StaffRole, StaffUser
from desktop import audit
from desktop.actors import Actor
from desktop.audit import LEGACY_NAMES, AuditAction, ChainReport
from desktop.audit_texts import actor_text, details_text, parse_details
from desktop.clock import Clock
from desktop.common.tasks import TaskState
from desktop.errors import UserError
from desktop.files import atomic_file
from desktop.formatting import ru_date
from desktop.permissions import Permission, allows, require

PAGE = 200
"""Entries read at a time: the screen shows the newest, and more on request."""
EXPORT_LIMIT = 1_000_000
"""Rows an export writes at most (a sheet holds 1 048 576)."""
ACCOUNT_LIMIT = 30
LOGIN_LIMIT = 50
_Query = Select[int, datetime, str, str, bool, str, str]
_NUMBER = re.compile(r"[0-9]+(?:-[0-9]+)*")  # as an account number is written
_LOGIN = re.compile(r"[A-Za-z0-9._-]+")  # as a staff login is
HEADERS = ("Когда", "Кто", "Лицевой счет", "Действие", "Итог", "Подробности")


@dataclass(frozen=True)
class AuditFilter:
    """What the log is narrowed to; empty fields narrow nothing. Dates are this computer's
    local days, both ends included."""

    account: str = ""  # an account number as typed
    staff_login: str = ""
    action: AuditAction | None = None
    date_from: date | None = None
    date_to: date | None = None

    def describe(self) -> dict[str, str]:
        """The filter as the export's audit entry records it."""
        values = {
            "account": self.account.strip(),
            "staff": self.staff_login,
            "action": str(self.action) if self.action is not None else "",
            "from": self.date_from.isoformat() if self.date_from else "",
            "to": self.date_to.isoformat() if self.date_to else "",
        }
        return {key: value for key, value in values.items() if value}


@dataclass(frozen=True)
class LogRow:
    """One entry as the log shows it."""

    id: int
    at: datetime
    actor: str  # «Оператор Смирнова Т.В. (operator)»
    account: str  # the number of the account served, "" where none was
    action: str  # its Russian label
    ok: bool
    details: str  # Russian

    @property
    def outcome(self) -> str:
        return "успешно" if self.ok else "отказ"


@dataclass(frozen=True)
class LogPage:
    rows: list[LogRow]
    more: bool  # older entries match too
    own_only: bool  # a clerk: their own entries only


@dataclass(frozen=True)
class StaffChoice:
    login: str
    text: str  # «Смирнова Т.В. (operator)»


class AuditLogService:
    def __init__(self, db: Database, clock: Clock) -> None:
        self.db = db
        self.clock = clock

    def entries(
        self,
        actor: Actor,
        filters: AuditFilter | None = None,
        *,
        before: int | None = None,
        limit: int = PAGE,
    ) -> LogPage:
        """The newest ``limit`` entries matching ``filters`` (those older than the entry
        ``before``, for the next page)."""
        own = _own_only(actor)
        query = self._query(actor, filters or AuditFilter(), own)
        if before is not None:
            query = query.where(AuditEntry.id < before)
        audit.chain_pending(self.db)
        with self.db.read() as s:
            raw = list(s.execute(query.limit(limit + 1)))
            rows = _rows(s, raw[:limit])
        return LogPage(rows, len(raw) > limit, own is not None)

    def staff_members(self, actor: Actor) -> list[StaffChoice]:
        """Whom the staff filter offers: everyone to an administrator, a clerk themself."""
        own = _own_only(actor)
        query = select(StaffUser.login, StaffUser.full_name).order_by(StaffUser.full_name)
        if own is not None:
            query = query.where(StaffUser.login == actor.name)
        with self.db.read() as s:
            return [StaffChoice(login, f"{name} ({login})") for login, name in s.execute(query)]

    def export_xlsx(
        self,
        actor: Actor,
        filters: AuditFilter | None,
        path: str | Path,
        *,
        state: TaskState | None = None,
    ) -> int:
        """Write every entry matching ``filters`` (newest first, at most ``EXPORT_LIMIT``) to
        an XLSX file at ``path``, whole or not at all; the export is audited. Rows written."""
        filters = filters or AuditFilter()
        own = _own_only(actor)
        query = self._query(actor, filters, own)  # bad input is refused before any file
        path = Path(path)
        audit.chain_pending(self.db)
        with atomic_file(path) as out:
            written = _write_xlsx(self._batches(query, state), out)
        with self.db.unit_of_work() as s:
            audit.record(
                s,
                self.clock.now(),
                actor,
                AuditAction.AUDIT_EXPORT,
                file=path.name,
                rows=written,
                filters=filters.describe(),
            )
        return written

    def verify(self, actor: Actor) -> ChainReport:
        """Whether the log's hash chain holds (the administrator's: it walks every entry)."""
        return audit.verify(self.db, actor)

    # -- reading

    def _query(self, actor: Actor, filters: AuditFilter, own: str | None) -> _Query:
        query: _Query = (
            select(
                AuditEntry.id,
                AuditEntry.at,
                AuditEntry.actor,
                AuditEntry.action,
                AuditEntry.ok,
                AuditEntry.details,
                Account.number,
            )
            .outerjoin(Account, Account.id == AuditEntry.account_id)
            .order_by(AuditEntry.id.desc())
        )
        if own is not None:
            query = query.where(AuditEntry.actor == own)
        number = filters.account.strip()
        if number:
            query = query.where(AuditEntry.account_id == self._account_id(number))
        login = filters.staff_login.strip()
        if login:
            if len(login) > LOGIN_LIMIT or not _LOGIN.fullmatch(login):
                raise UserError(
                    "Сотрудника с таким логином нет: логин — латинские буквы, цифры, «.», «_», «-»."
                )
            query = query.where(AuditEntry.actor == f"staff:{login}")
        if filters.action is not None:
            names = [str(filters.action)]
            names += [old for old, new in LEGACY_NAMES.items() if new is filters.action]
            query = query.where(AuditEntry.action.in_(names))
        start, end = filters.date_from, filters.date_to
        if start is not None and end is not None and start > end:
            raise UserError(
                f"Начало периода ({ru_date(start)}) позже его конца ({ru_date(end)}). "
                "Поменяйте даты местами."
            )
        if start is not None:
            query = query.where(AuditEntry.at >= _local_midnight(start))
        if end is not None:
            query = query.where(AuditEntry.at < _local_midnight(end + timedelta(days=1)))
        return query

    def _account_id(self, number: str) -> int:
        if len(number) > ACCOUNT_LIMIT or not _NUMBER.fullmatch(number):
            raise UserError(
                "Номер лицевого счета — цифры (бывает, группы цифр через дефис). Проверьте номер."
            )
        missing = UserError(f"Лицевого счета «{number}» нет. Проверьте номер.")
        with self.db.read() as s:
            found = s.scalar(select(Account.id).where(Account.number == number))
        if found is None:
            raise missing
        return found

    def _batches(self, query: _Query, state: TaskState | None) -> Iterator[list[LogRow]]:
        """Every matching entry, a page at a time by id (constant memory, short reads)."""
        before: int | None = None
        done = 0
        while done < EXPORT_LIMIT:
            if state is not None:
                state.check()
            page = query if before is None else query.where(AuditEntry.id < before)
            with self.db.read() as s:
                raw = list(s.execute(page.limit(min(5000, EXPORT_LIMIT - done))))
                rows = _rows(s, raw)
            if not rows:
                return
            yield rows
            done += len(rows)
            before = rows[-1].id
            if state is not None:
                state.progress(done, 0)


def _own_only(actor: Actor) -> str | None:
    """None for whoever sees the whole log; else the only actor whose entries they see."""
    if allows(actor, Permission.SEE_AUDIT_LOG):
        return None
    require(actor, Permission.SEE_OWN_AUDIT_ENTRIES)
    return actor.label


def _local_midnight(day: date) -> datetime:
    return datetime.combine(day, time.min).astimezone()


def _rows(s: Any, raw: list[Any]) -> list[LogRow]:
    """Entries in words; the staff named on them read in one query."""
    logins = {r.actor[6:] for r in raw if r.actor.startswith("staff:")}
    staff: dict[str, tuple[str, StaffRole]] = {}
    if logins:
        query = select(StaffUser.login, StaffUser.full_name, StaffUser.role)
        for login, name, role in s.execute(query.where(StaffUser.login.in_(logins))):
            staff[login] = (name, role)
    rows = []
    for r in raw:
        details = parse_details(r.details)
        rows.append(
            LogRow(
                id=r.id,
                at=r.at,
                actor=actor_text(r.actor, staff, details),
                account=r.number or "",
                action=audit.label_of(r.action),
                ok=bool(r.ok),
                details=details_text(details),
            )
        )
    return rows


def _write_xlsx(batches: Iterator[list[LogRow]], out: Any) -> int:
    """The rows as a one-sheet workbook, written as they come (openpyxl's write-only mode)."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font

    book = Workbook(write_only=True)
    sheet = book.create_sheet("Журнал действий")
    for column, width in zip("ABCDEF", (17, 40, 14, 40, 10, 80), strict=True):
        sheet.column_dimensions[column].width = width
    sheet.freeze_panes = "A2"
    bold = Font(bold=True)
    header = []
    for text in HEADERS:
        cell = WriteOnlyCell(sheet, value=text)
        cell.font = bold
        header.append(cell)
    sheet.append(header)
    count = 0
    try:
        for rows in batches:
            for row in rows:
                when = WriteOnlyCell(sheet, value=row.at.astimezone().replace(tzinfo=None))
                when.number_format = "DD.MM.YYYY HH:MM:SS"
                sheet.append([when, row.actor, row.account, row.action, row.outcome, row.details])
                count += 1
    except BaseException:
        sheet.close()  # else openpyxl fails later, at garbage collection, on a closed file
        raise
    book.save(out)
    return count
