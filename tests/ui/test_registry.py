"""The page registry: which pages each mode and role sees, and a clerk serving an account
through the resident's pages (the actor and the account apart)."""

from __future__ import annotations

import pytest

from db.models import StaffRole
from desktop.actors import Actor
from desktop.app import Services
from desktop.demo import DEMO_ACCOUNT, DEMO_STAFF
from tests.ui.conftest import wait_idle
from ui.context import AppContext, PageContext
from ui.main_window import MainWindow
from ui.pages.base import BasePage
from ui.pages.registry import PAGES, Page, first_page, pages_for

RESIDENT_PAGES = [Page.DEBT, Page.METERS, Page.RECEIPTS, Page.STATEMENT, Page.PASSWORD]
STAFF_PAGES = [Page.ACCOUNTS, Page.REQUESTS, Page.PRINT_RECEIPTS, Page.SLIPS, Page.AUDIT_LOG]
# Loading files from 1C, the staff and the backups are the administrator's.
ADMIN_PAGES = [*STAFF_PAGES, Page.EXCHANGE, Page.STAFF, Page.BACKUP]


@pytest.mark.parametrize(
    ("mode", "role", "expected", "first"),
    [
        ("office", "resident", RESIDENT_PAGES, Page.METERS),
        ("kiosk", "resident", RESIDENT_PAGES, Page.METERS),
        ("office", "clerk", STAFF_PAGES, Page.ACCOUNTS),
        ("office", "admin", ADMIN_PAGES, Page.ACCOUNTS),
        ("kiosk", "clerk", [], None),  # the kiosk shows residents' pages only
        ("kiosk", "admin", [], None),
    ],
)
def test_each_mode_and_role_gets_its_pages(mode, role, expected, first) -> None:
    chosen = pages_for(mode, role)
    assert [spec.page for spec in chosen] == expected
    assert first_page(chosen) == first


def test_every_page_in_the_registry_loads_a_page_class() -> None:
    assert len({spec.page for spec in PAGES}) == len(PAGES) == len(Page)
    for spec in PAGES:
        page_class = spec.load()
        assert issubclass(page_class, BasePage) and page_class.title == spec.title


def test_the_context_keeps_a_residents_account_and_none_for_staff(
    app_ctx: AppContext, services: Services
) -> None:
    resident = PageContext.for_sign_in(app_ctx, services.auth.login(DEMO_ACCOUNT, "demo2017pass"))
    assert resident.role == "resident" and resident.account is not None
    assert (resident.account.number, resident.account.fio) == (DEMO_ACCOUNT, "Иванов И.И.")
    assert resident.actor.account_id == resident.account.id
    for login, role in (("operator", "clerk"), ("admin", "admin")):
        staff = PageContext.for_sign_in(
            app_ctx, services.auth.staff_login(login, DEMO_STAFF[login])
        )
        assert staff.role == role and staff.account is None and staff.actor.name == login


def test_a_clerk_serving_account_3492_opens_each_resident_page(
    qtbot, app_ctx: AppContext, services: Services, page_ctx: PageContext
) -> None:
    """The counter's case: a clerk acts, account 3492 is served. Each resident page opens
    on the account served and asks the core with the clerk as the actor."""
    signed_in = services.auth.staff_login("operator", DEMO_STAFF["operator"])
    clerk = signed_in.actor
    assert clerk.kind == "clerk" and clerk.role == StaffRole.CLERK
    account = page_ctx.served
    ctx = PageContext(app_ctx, clerk, account, signed_in.fio)
    window = MainWindow(ctx, pages=pages_for("office", "resident"))
    qtbot.addWidget(window)
    window.resize(1280, 800)
    window.show()
    wait_idle(qtbot, app_ctx)
    assert window.windowTitle() == "Личный кабинет — лицевой счет 3492"
    assert [label.text() for label in window.header_labels] == [
        "Лицевой счет 3492",
        f"Иванов И.И.\n{account.address}",
        "Сотрудник: Смирнова Т.В. (оператор, демо)\nЛогин: operator",
    ]
    assert window.stack.currentWidget() is window.page(Page.METERS)
    for page in RESIDENT_PAGES:
        shown = window.show_page(page)
        wait_idle(qtbot, app_ctx)
        assert shown.ctx.actor is clerk and shown.ctx.account.number == DEMO_ACCOUNT
        # The core allows a clerk on any account: no page shows a refusal.
        assert shown.messages.kind != "error", (page, shown.messages.text())
    readings = window.page(Page.METERS)
    assert readings.periods.rowCount() == 8  # the seed's periods of 3492, not the clerk's


def test_a_resident_actor_cannot_be_served_another_account(
    qtbot, app_ctx: AppContext, services: Services, page_ctx: PageContext
) -> None:
    """The account served is no permission: the core still checks the actor."""
    other = services.auth.login("3493", "demo2017pass")
    stranger = Actor.resident(other.account_id, other.account_number)
    ctx = PageContext(app_ctx, stranger, page_ctx.served)
    window = MainWindow(ctx, pages=pages_for("office", "resident"))
    qtbot.addWidget(window)
    window.show()
    wait_idle(qtbot, app_ctx)
    page = window.page(Page.METERS)
    assert page.messages.text() == "Нет доступа к этому лицевому счету."
    assert page.periods.rowCount() == 0
