"""Each account's balance to pay and latest reading, kept on ``account_summary`` for the
search's page of rows (``desktop.account_summary``): every path that changes what they
summarise keeps them equal to the figures computed afresh — the debt page's balance
(``StatementService.debt``) and the latest reading of the newest period with one. Both
backends."""

from __future__ import annotations

import threading
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path

from alembic import command
from sqlalchemy import func, select, text

from db.engine import Database
from db.migrate import alembic_config, upgrade
from db.models import Account, AccountSummary, Period, Reading, Service, StaffRole, StatementRow
from desktop.account_summary import refresh_balance, refresh_last_reading
from desktop.accounts import AccountService
from desktop.actors import Actor
from desktop.clock import FixedClock
from desktop.demo import build_demo, clone_accounts
from desktop.demo.large_spec import LargeSpec
from desktop.exchange.service import ImportService
from desktop.readings.service import ReadingService
from desktop.settings import Settings
from desktop.statement import StatementService

ADMIN = Actor.staff(1, "admin", StaffRole.ADMIN)
CLERK = Actor.staff(2, "operator", StaffRole.CLERK)
JUNE, JULY = date(2017, 6, 1), date(2017, 7, 1)


def _computed_last_reading(s: object, account_id: int) -> datetime | None:
    for period_id in s.scalars(  # type: ignore[attr-defined]
        select(Period.id).where(Period.account_id == account_id).order_by(Period.month.desc())
    ):
        last = s.scalar(  # type: ignore[attr-defined]
            select(func.max(Reading.entered_at)).where(Reading.period_id == period_id)
        )
        if last is not None:
            return last
    return None


def stored(database: Database, account_id: int) -> tuple[Decimal, datetime | None]:
    with database.read() as s:
        row = s.get(AccountSummary, account_id)
        return (Decimal("0.00"), None) if row is None else (row.balance, row.last_reading_at)


def check(database: Database, clock: FixedClock, numbers: list[str] | None = None) -> int:
    """Every account's (or ``numbers``') stored figures are the ones computed afresh; how
    many accounts were checked."""
    statements = StatementService(database, clock, Settings())
    with database.read() as s:
        query = select(Account.id, Account.number).order_by(Account.id)
        if numbers is not None:
            query = query.where(Account.number.in_(numbers))
        accounts = s.execute(query).all()
        last = {id_: _computed_last_reading(s, id_) for id_, _number in accounts}
    for id_, number in accounts:
        expected = (statements.debt(ADMIN, id_).balance, last[id_])
        assert stored(database, id_) == expected, number
    return len(accounts)


def account_id(database: Database, number: str) -> int:
    with database.read() as s:
        found = s.scalar(select(Account.id).where(Account.number == number))
    assert found is not None
    return found


def test_the_demo_and_its_copies_start_right(database: Database, clock: FixedClock):
    build_demo(database, clock)
    clone_accounts(database, 3, month=JUNE)
    assert check(database, clock) == 6 + 3
    balance, last = stored(database, account_id(database, "3492"))
    assert balance == Decimal("-11.86") and last is not None


def test_the_large_demo_starts_right(database: Database, clock: FixedClock):
    build_demo(database, clock, large=LargeSpec(40, 14, seed=3))
    assert check(database, clock) == 40


def test_readings_saved_and_a_period_deleted_move_the_last_reading(
    database: Database, clock: FixedClock
):
    build_demo(database, clock)
    july = FixedClock(datetime(2017, 7, 20, 9, 30, tzinfo=UTC))
    readings = ReadingService(database, july, Settings())
    account = account_id(database, "3492")
    june_last = stored(database, account)[1]
    assert june_last is not None and june_last < july.now()

    readings.create_period(CLERK, account)  # no value entered yet: nothing moves
    assert check(database, july, ["3492"]) == 1
    assert stored(database, account)[1] == june_last
    rows = [r for r in readings.readings(CLERK, account, JULY) if not r.locked_reason]
    readings.submit(CLERK, account, JULY, {r.key: r.previous + 1 for r in rows[:1]})
    assert stored(database, account)[1] == july.now()
    assert check(database, july, ["3492"]) == 1

    readings.delete_period(CLERK, account, JULY)
    assert stored(database, account)[1] == june_last
    assert check(database, july) == 6


def _statement_line(number: str, month: date, service: str, amounts: list[Decimal]) -> str:
    values = [str(a).replace(".", ",") for a in amounts]
    return ";".join([number, month.strftime("%m.%Y"), service, *values])


def test_a_statement_import_moves_the_balance(
    database: Database, clock: FixedClock, tmp_path: Path
):
    """A new month for one account, and a changed row of another's current month."""
    build_demo(database, clock)
    with database.read() as s:
        rows = s.execute(
            select(Account.number, Service.name, StatementRow.closing, StatementRow.opening,
                   StatementRow.charged, StatementRow.paid, StatementRow.recalculation)
            .join(Account, Account.id == StatementRow.account_id)
            .join(Service, Service.id == StatementRow.service_id)
            .where(Account.number.in_(["3492", "4105"]), StatementRow.month == JUNE)
            .order_by(Account.number, Service.display_order)
        ).all()  # fmt: skip
    lines = ["Лицевой счет;Период;Услуга;Сальдо на начало;Начислено;Оплачено;Перерасчет;"
             "Сальдо на конец"]  # fmt: skip
    for number, service, closing, opening, charged, paid, recalculation in rows:
        if number == "3492":  # July: each June closing plus 100 charged
            lines.append(_statement_line(number, JULY, service, [
                closing, Decimal("100.00"), Decimal("0.00"), Decimal("0.00"),
                closing + 100]))  # fmt: skip
        else:  # June again, 10 more paid on every service
            lines.append(_statement_line(number, JUNE, service, [
                opening, charged, paid + 10, recalculation, closing - 10]))  # fmt: skip
    path = tmp_path / "ved.csv"
    path.write_bytes(("\r\n".join(lines) + "\r\n").encode("cp1251"))
    before = {n: stored(database, account_id(database, n))[0] for n in ("3492", "4105")}

    report = ImportService(database, clock).import_file(ADMIN, path)
    assert report.kind == "statement"
    services = sum(1 for number, *_ in rows if number == "4105")
    after = {n: stored(database, account_id(database, n))[0] for n in ("3492", "4105")}
    assert after["4105"] == before["4105"] - 10 * services
    assert after["3492"] != before["3492"]
    assert check(database, clock) == 6


def test_a_payments_import_moves_the_balance_the_search_shows(
    database: Database, clock: FixedClock, tmp_path: Path
):
    """A payment received after the newest statement month is off the balance at once: on
    the debt page and in the search's row alike."""
    build_demo(database, clock)
    july = FixedClock(datetime(2017, 7, 20, 9, 30, tzinfo=UTC))
    account = account_id(database, "4105")
    before = stored(database, account)[0]
    path = tmp_path / "r.txt"
    lines = [
        "15-07-2017;10-31-25;9040;9040/1234;700000000001;4105;ИВАНОВ;Г ТЕСТ;0617;"
        "1 000,50;990,50;10,00",
        "=1;1000,50;990,50;10,00",
    ]
    path.write_bytes(("\r\n".join(lines) + "\r\n").encode("cp1251"))
    report = ImportService(database, july).import_file(ADMIN, path)
    assert report.kind == "payments"

    assert stored(database, account)[0] == before - Decimal("1000.50")
    assert check(database, july) == 6
    found = AccountService(database, july, Settings()).search(CLERK, "4105").rows
    debt = StatementService(database, july, Settings()).debt(ADMIN, account)
    assert [(r.number, r.debt) for r in found] == [("4105", debt.balance)]
    assert debt.paid_after == Decimal("1000.50")


def test_the_migration_fills_every_account(database: Database, clock: FixedClock):
    build_demo(database, clock)
    clone_accounts(database, 2, month=JUNE)
    config = alembic_config()
    with database.engine.begin() as conn:
        config.attributes["connection"] = conn
        command.downgrade(config, "0017")
    with database.engine.begin() as conn:
        config.attributes["connection"] = conn
        command.upgrade(config, "0018")
    with database.read() as s:
        assert s.scalar(select(func.count()).select_from(AccountSummary)) == 8
    assert check(database, clock) == 8


def test_each_writer_writes_only_its_own_figure(database: Database, clock: FixedClock):
    """An import writes the balance, a save of readings the latest reading: one computed
    from a snapshot older than the other's commit cannot undo it (on PostgreSQL both may
    wait on the row and then write what they computed before)."""
    build_demo(database, clock)
    account = account_id(database, "4105")
    marker = datetime(2001, 1, 1, tzinfo=UTC)
    with database.unit_of_work() as s:  # what a save committed meanwhile would have left
        row = s.get(AccountSummary, account)
        assert row is not None
        row.last_reading_at, row.balance = marker, Decimal("1.00")
    with database.unit_of_work() as s:
        refresh_balance(s.connection(), [account])
    assert stored(database, account)[1] == marker
    with database.unit_of_work() as s:
        refresh_last_reading(s.connection(), [account])
    assert check(database, clock, ["4105"]) == 1


def test_two_desks_refreshing_one_account_at_once_leave_the_right_balance(pg_url: str):
    """PostgreSQL: desk A brings a newer statement month and refreshes; desk B, meanwhile,
    a payment, and refreshes while A's transaction holds the row. B must compute after A's
    commit, not write a balance from a snapshot without A's month."""
    db = Database(pg_url)
    upgrade(db.engine)
    build_demo(db, FixedClock(datetime(2017, 7, 10, 9, tzinfo=UTC)))
    with db.read() as s:
        account = s.scalar(select(Account.id).where(Account.number == "3492"))
        service = s.scalar(select(Service.id).limit(1))
    a, b = db.engine.connect(), db.engine.connect()
    try:
        in_a, in_b = a.begin(), b.begin()
        a.execute(
            text(
                "INSERT INTO statement_row (account_id, month, service_id, opening, charged,"
                " recalculation, paid, closing) VALUES (:a, DATE '2030-01-01', :s, 0, 0, 0, 0,"
                " 500000)"
            ),
            {"a": account, "s": service},
        )
        refresh_balance(a, [account])
        b.execute(
            text(
                "INSERT INTO payment (account_id, paid_on, amount, commission, bank, operation)"
                " VALUES (:a, DATE '2017-07-05', 100, 0, 'Банк', 'race-1')"
            ),
            {"a": account},
        )
        second = threading.Thread(target=refresh_balance, args=(b, [account]))
        second.start()
        second.join(1.0)  # waiting on A's row
        in_a.commit()
        second.join(10)
        in_b.commit()
    finally:
        a.close()
        b.close()
    assert check(db, FixedClock(datetime(2017, 7, 10, 9, tzinfo=UTC)), ["3492"]) == 1
    db.dispose()
