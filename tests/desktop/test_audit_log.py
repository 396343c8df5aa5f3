"""«Журнал действий» on the demo (SQLite and PostgreSQL): a clerk's reading for 3492 reads as
the clerk and the account, a clerk sees only their own entries, the filters narrow, pages go
back by id, and the XLSX export reads back with openpyxl."""

from __future__ import annotations

import io
from datetime import date, timedelta
from pathlib import Path

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from db.engine import Database
from db.models import Account
from desktop.actors import SYSTEM, Actor
from desktop.app import Services, build_services
from desktop.audit import AuditAction
from desktop.audit_log import AuditFilter
from desktop.audit_texts import actor_text, details_text, parse_details
from desktop.clock import FixedClock
from desktop.demo import build_demo
from desktop.errors import AccessDeniedError, UserError
from desktop.settings import Settings

JUNE = date(2017, 6, 1)
CLERK_TEXT = "Оператор Смирнова Т.В. (оператор, демо) (operator)"


@pytest.fixture
def services(database: Database, clock: FixedClock) -> Services:
    build_demo(database, clock)
    return build_services(database, Settings(), clock)


def _staff(services: Services, login: str) -> Actor:
    (user,) = [u for u in services.auth.list_staff(SYSTEM) if u.login == login]
    return Actor.staff(user.id, user.login, user.role)


def _account(services: Services, number: str) -> int:
    with services.db.read() as s:
        return s.scalars(select(Account.id).where(Account.number == number)).one()


def _clerk_enters_a_reading(services: Services) -> Actor:
    clerk, account = _staff(services, "operator"), _account(services, "3492")
    row = services.readings.readings(clerk, account, JUNE)[1]
    assert row.current is not None
    services.readings.submit(clerk, account, JUNE, {(row.meter_id, row.zone): row.current + 1})
    return clerk


def test_a_clerks_reading_for_3492_shows_the_clerk_and_the_account(services: Services):
    clerk = _clerk_enters_a_reading(services)
    admin = _staff(services, "admin")
    for reader in (admin, clerk):
        page = services.audit_log.entries(reader)
        newest = page.rows[0]
        assert (newest.actor, newest.account, newest.action, newest.outcome) == (
            CLERK_TEXT,
            "3492",
            "Передача показаний",
            "успешно",
        )
    assert page.own_only and not services.audit_log.entries(admin).own_only


def test_a_clerk_sees_only_their_own_entries(services: Services, tmp_path: Path):
    clerk = _clerk_enters_a_reading(services)
    admin = _staff(services, "admin")
    services.audit_log.export_xlsx(admin, None, tmp_path / "log.xlsx")  # audited as the admin
    all_rows = services.audit_log.entries(SYSTEM, limit=1000).rows
    assert all_rows[0].actor == "Администратор Администратор (демо) (admin)"
    assert {r.actor for r in all_rows} > {CLERK_TEXT}  # the admin, the demo's residents…
    mine = services.audit_log.entries(clerk, limit=1000).rows
    assert mine and {r.actor for r in mine} == {CLERK_TEXT}
    # Asking for the administrator's entries gives a clerk nothing, not an error.
    theirs = services.audit_log.entries(clerk, AuditFilter(staff_login="admin"))
    assert theirs.rows == []
    assert [c.login for c in services.audit_log.staff_members(clerk)] == ["operator"]
    assert {c.login for c in services.audit_log.staff_members(admin)} == {"admin", "operator"}


def test_the_filters_narrow_and_bad_ones_are_refused_in_russian(
    services: Services, clock: FixedClock
):
    clerk = _clerk_enters_a_reading(services)
    log = services.audit_log
    by_account = log.entries(SYSTEM, AuditFilter(account=" 3492 "), limit=1000).rows
    assert by_account and {r.account for r in by_account} == {"3492"}
    by_staff = log.entries(SYSTEM, AuditFilter(staff_login="operator")).rows
    assert [r.actor for r in by_staff] == [CLERK_TEXT]
    submits = log.entries(SYSTEM, AuditFilter(action=AuditAction.READINGS_SUBMIT), limit=1000)
    assert submits.rows and {r.action for r in submits.rows} == {"Передача показаний"}
    today = clock.now().astimezone().date()
    on_the_day = log.entries(clerk, AuditFilter(date_from=today, date_to=today)).rows
    assert [r.account for r in on_the_day] == ["3492"]
    later = today + timedelta(days=1)
    assert log.entries(clerk, AuditFilter(date_from=later)).rows == []
    assert log.entries(clerk, AuditFilter(date_to=today - timedelta(days=1))).rows == []
    with pytest.raises(UserError, match="Лицевого счета «99999» нет"):
        log.entries(SYSTEM, AuditFilter(account="99999"))
    with pytest.raises(UserError, match="позже его конца"):
        log.entries(SYSTEM, AuditFilter(date_from=later, date_to=today))
    with pytest.raises(AccessDeniedError):
        log.entries(Actor.resident(_account(services, "3492"), "3492"))


def test_pages_go_back_by_id_without_gaps(services: Services):
    clerk, account = _staff(services, "operator"), _account(services, "3492")
    for _ in range(6):
        services.documents.write_receipt(clerk, account, date(2017, 5, 1), io.BytesIO())
    log = services.audit_log
    whole = log.entries(SYSTEM, limit=10_000)
    assert not whole.more and len(whole.rows) > 5
    first = log.entries(SYSTEM, limit=3)
    second = log.entries(SYSTEM, before=first.rows[-1].id, limit=3)
    assert first.more
    assert [r.id for r in first.rows + second.rows] == [r.id for r in whole.rows[:6]]


def test_the_export_reads_back_with_openpyxl_and_is_audited(services: Services, tmp_path: Path):
    clerk = _clerk_enters_a_reading(services)
    target = tmp_path / "Журнал действий.xlsx"
    written = services.audit_log.export_xlsx(clerk, AuditFilter(account="3492"), target)
    assert written == 1
    sheet = load_workbook(target).active
    assert sheet is not None
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0] == ("Когда", "Кто", "Лицевой счет", "Действие", "Итог", "Подробности")
    assert rows[1][1:5] == (CLERK_TEXT, "3492", "Передача показаний", "успешно")
    assert "месяц: июнь 2017" in rows[1][5]
    newest = services.audit_log.entries(clerk).rows[0]
    assert newest.action == "Выгрузка журнала действий"
    assert "файл: Журнал действий.xlsx" in newest.details and "строк: 1" in newest.details


def test_verify_reports_the_chain_intact(services: Services):
    report = services.audit_log.verify(_staff(services, "admin"))
    assert report.intact and report.checked > 0
    with pytest.raises(AccessDeniedError):
        services.audit_log.verify(_staff(services, "operator"))


def test_actors_and_details_in_words():
    staff = {"operator": ("Смирнова Т.В.", "clerk")}
    assert actor_text("staff:operator", staff, {}) == "Оператор Смирнова Т.В. (operator)"
    assert actor_text("resident:3492", staff, {}) == "Житель, ЛС 3492"
    assert actor_text("resident:3492", staff, {"channel": "kiosk"}) == "Киоск, ЛС 3492"
    assert actor_text("resident:unknown", staff, {}) == "Неизвестный лицевой счет"
    assert actor_text("system", staff, {}) == "Система"
    details = parse_details('{"channel": "kiosk", "one_time": false, "reason": null}')
    assert details_text(details) == "откуда: киоск; одноразовый пароль: нет"
    assert details_text(parse_details("not json")) == "текст: not json"
    change = {"meter": "Эл.эн. №7", "zone": 2, "old": None, "new": "4620", "confirmation": None}
    assert details_text({"month": "2017-06-01", "changes": [change]}) == (
        "месяц: июнь 2017; изменения: Эл.эн. №7 T2: — → 4620"
    )


def test_each_filter_reads_through_an_index(services: Services):
    """The log may hold millions of rows: on SQLite, whose plans are stable, every filter is a
    search of an index, never a scan of the table."""
    if services.db.engine.dialect.name != "sqlite":
        pytest.skip("PostgreSQL's planner chooses by the table's statistics")
    from sqlalchemy import text

    log = services.audit_log
    filters = {
        "ix_audit_log_actor_id": AuditFilter(staff_login="operator"),
        "ix_audit_log_action": AuditFilter(action=AuditAction.READINGS_SUBMIT),
        "ix_audit_log_at": AuditFilter(date_from=JUNE, date_to=JUNE),
        "ix_audit_log_account_at": AuditFilter(account="3492"),
    }
    for index, chosen in filters.items():
        query = log._query(SYSTEM, chosen, None).limit(201)
        with services.db.engine.connect() as conn:
            sql = str(query.compile(conn, compile_kwargs={"literal_binds": True}))
            plan = [row[-1] for row in conn.execute(text("EXPLAIN QUERY PLAN " + sql))]
        assert plan[0].startswith(f"SEARCH audit_log USING INDEX {index} "), plan


def test_a_cancelled_export_leaves_no_file_and_no_entry(services: Services, tmp_path: Path):
    from desktop.common.tasks import Cancelled, TaskState

    admin = _staff(services, "admin")
    before = services.audit_log.entries(admin).rows
    state = TaskState()
    state.cancel()
    folder = tmp_path / "out"
    folder.mkdir()
    with pytest.raises(Cancelled):
        services.audit_log.export_xlsx(admin, None, folder / "log.xlsx", state=state)
    assert list(folder.iterdir()) == []
    assert services.audit_log.entries(admin).rows == before
