"""«Платежи» under «Моя задолженность»: the payments a bank's registry brought, and the amount
to pay that counts those the statement does not hold yet."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path

from sqlalchemy import delete, select

from db.engine import Database
from db.models import Account, Payment, StaffRole, StatementRow
from desktop.actors import Actor
from desktop.clock import FixedClock
from desktop.exchange.service import ImportService
from desktop.formatting import money
from desktop.months import month_name
from tests.ui.test_debt_page import open_debt_page
from ui.models.payments import COUNTED, IN_STATEMENT
from ui.pages.debt import NO_PAYMENTS

ADMIN = Actor.staff(1, "admin", StaffRole.ADMIN)


def import_registry(database: Database, clock: FixedClock, tmp_path: Path, lines: list[str]):
    total = sum(Decimal(line.split(";")[9].replace(",", ".")) for line in lines)
    fee = sum(Decimal(line.split(";")[11].replace(",", ".")) for line in lines)
    totals = f"={len(lines)};{total};{total - fee};{fee}".replace(".", ",")
    path = tmp_path / "sberbank.txt"
    path.write_bytes("\r\n".join([*lines, totals, ""]).encode("cp1251"))
    return ImportService(database, clock).import_file(ADMIN, path)


def rows(page) -> list[tuple[str, ...]]:
    model = page.payments
    return [
        tuple(model.index(r, c).data() for c in range(model.columnCount()))
        for r in range(model.rowCount())
    ]


def test_the_demo_s_payments_are_those_of_its_statement(qtbot, page_ctx, app_ctx, services):
    """The demo's 3492 paid through the bank what its statement says it paid, month by
    month: listed, and none counted apart (the seed's figures stay exact)."""
    window, page = open_debt_page(qtbot, page_ctx, app_ctx)
    assert rows(page) == [
        (f"09.{m:02}.2017", money(paid), "ПАО Сбербанк", month_name(date(2017, m - 1, 1)),
         IN_STATEMENT)
        for m, paid in paid_by_month(services, page_ctx)
    ]  # fmt: skip
    assert len(rows(page)) >= 3 and not page.no_payments.isVisible()
    assert page.no_debt_balance.text().startswith("Переплата 11,86 ₽")


def paid_by_month(services, ctx) -> list[tuple[int, Decimal]]:
    statement = services.statements.statement(ctx.actor, ctx.served.id)
    return [
        (block.month.month, block.line("Оплачено").total)
        for block in statement.months
        if block.line("Оплачено").total > 0
    ]


def test_no_payments_says_so(qtbot, page_ctx, app_ctx, database: Database):
    with database.unit_of_work() as s:
        s.execute(delete(Payment))
    window, page = open_debt_page(qtbot, page_ctx, app_ctx)
    assert page.payments.rowCount() == 0
    assert page.no_payments.isVisible() and page.no_payments.text() == NO_PAYMENTS
    assert not page.payments_view.isVisible()


def test_the_resident_sees_the_payments_of_the_registry(
    qtbot, page_ctx, app_ctx, database: Database, ui_clock: FixedClock, tmp_path: Path
):
    """3492's statement ends with the seed's June 2017: a June payment is in it, November's
    is not yet and counts (an overpayment grows)."""
    import_registry(database, ui_clock, tmp_path, [
        "12-11-2026;10-31-25;9040;9040/1234;300000000001;3492;ИВАНОВ И И;Г КОРОЛЕВ;1126;"
        "1500,00;1485,00;15,00",
        "20-06-2017;09-01-00;9040;9040/1234;300000000002;3492;ИВАНОВ И И;Г КОРОЛЕВ;;"
        "200,50;200,50;0,00",
    ])  # fmt: skip
    window, page = open_debt_page(qtbot, page_ctx, app_ctx)
    assert rows(page)[:2] == [
        ("12.11.2026", "1 500,00", "ПАО Сбербанк", "Ноябрь 2026", COUNTED),
        ("20.06.2017", "200,50", "ПАО Сбербанк", "", IN_STATEMENT),
    ]
    assert {row[4] for row in rows(page)[2:]} == {IN_STATEMENT}  # the demo's own
    assert page.payments_view.isVisible() and not page.no_payments.isVisible()
    assert page.payments_view.accessibleName() == "Платежи"
    assert page.no_debt_balance.text() == (
        "Переплата 1 511,86 ₽ — она будет учтена в следующих начислениях. Учтены оплаты после "
        "июня 2017: 1\u00a0платеж на 1 500,00 ₽. Они войдут в следующую ведомость."
    )  # the seed's 11,86 and the payment
    view = page.payments_view
    last = view.visualRect(page.payments.index(1, 0))
    assert view.viewport().rect().contains(last)  # as tall as its rows
    window.resize(1024, 698)
    page.grab().save(str(tmp_path / "debt-payments.png"))


def test_a_payment_after_the_statement_lowers_the_amount_to_pay(
    qtbot, app_ctx, services, database: Database, ui_clock: FixedClock, tmp_path: Path
):
    """4105's November statement is not loaded yet: its November payment counts."""
    from desktop.demo import DEMO_PASSWORD
    from ui.context import PageContext

    with database.unit_of_work() as s:
        account = s.scalar(select(Account.id).where(Account.number == "4105"))
        s.execute(
            delete(StatementRow).where(
                StatementRow.account_id == account, StatementRow.month == date(2026, 11, 1)
            )
        )
    ctx = PageContext.for_sign_in(app_ctx, services.auth.login("4105", DEMO_PASSWORD))
    before = services.statements.debt(ctx.actor, ctx.served.id)
    import_registry(database, ui_clock, tmp_path, [
        "16-11-2026;12-00-00;9040;9040/77;300000000003;4105;КУЗНЕЦОВА Е Н;Г КОРОЛЕВ;1026;"
        "3000,00;2970,00;30,00",
    ])  # fmt: skip
    window, page = open_debt_page(qtbot, ctx, app_ctx)
    debt = page.debt
    assert debt is not None and debt.paid_after == Decimal("3000.00")
    assert debt.balance == before.balance - Decimal("3000.00")
    assert page.to_pay_caption.text() == "К оплате за октябрь 2026 с учетом оплат"
    assert page.to_pay_value.text() == f"{money(debt.balance)} ₽"
    assert debt.total < before.total  # the oldest arrears were paid first
    assert "Учтены оплаты после октября 2026: 1\u00a0платеж на 3 000,00 ₽." in (
        page.balance_note.text()
    )
    assert rows(page)[0] == ("16.11.2026", "3 000,00", "ПАО Сбербанк", "Октябрь 2026", COUNTED)
    assert {row[4] for row in rows(page)[1:]} == {IN_STATEMENT}  # the demo's, up to March
    # Beside the debt's tables side by side the list shows its newest rows and scrolls
    # inside; one above the other it is as tall as its rows, and the page scrolls.
    view = page.payments_view
    qtbot.waitUntil(lambda: view.verticalScrollBar().maximum() > 0)
    page.grab().save(str(tmp_path / "debt-counted.png"))
    window.resize(1024, 698)
    qtbot.waitUntil(lambda: view.verticalScrollBar().maximum() == 0)
    last = view.visualRect(page.payments.index(page.payments.rowCount() - 1, 0))
    assert view.viewport().rect().contains(last)
    page.grab().save(str(tmp_path / "debt-counted-small.png"))
