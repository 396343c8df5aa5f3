"""Every page of the application, declared once: its title, where its class lives (imported
when first opened), the modes that show it and the roles that see it."""

from __future__ import annotations

import enum
import importlib
from dataclasses import dataclass

RESIDENT = "resident"
CLERK = "clerk"
ADMIN = "admin"
RESIDENTS = frozenset({RESIDENT})
STAFF = frozenset({CLERK, ADMIN})
ADMINS = frozenset({ADMIN})

OFFICE = "office"
KIOSK = "kiosk"


class Page(enum.Enum):
    DEBT = "debt"
    METERS = "meters"
    RECEIPTS = "receipts"
    STATEMENT = "statement"
    PASSWORD = "password"
    PRINT_RECEIPTS = "print_receipts"
    SLIPS = "slips"
    EXCHANGE = "exchange"
    ACCOUNTS = "accounts"
    REQUESTS = "requests"
    AUDIT_LOG = "audit_log"
    STAFF = "staff"
    BACKUP = "backup"


@dataclass(frozen=True)
class PageSpec:
    page: Page
    title: str
    module: str  # imported when the page is first opened
    class_name: str
    modes: frozenset[str]
    roles: frozenset[str]
    first: bool = False  # opened after sign-in

    def load(self) -> type:
        return getattr(importlib.import_module(self.module), self.class_name)


def _resident(page: Page, title: str, module: str, class_name: str, **kw: bool) -> PageSpec:
    """A page of the resident's cabinet: at the office and on the kiosk."""
    return PageSpec(page, title, module, class_name, frozenset({OFFICE, KIOSK}), RESIDENTS, **kw)


def _staff(page: Page, title: str, module: str, class_name: str, **kw: bool) -> PageSpec:
    """A page of the staff workplace: at the office only."""
    return PageSpec(page, title, module, class_name, frozenset({OFFICE}), STAFF, **kw)


# The resident's pages in the seed's order, then the staff's.
PAGES = (
    _resident(Page.DEBT, "Моя задолженность", "ui.pages.debt", "DebtPage"),
    _resident(Page.METERS, "Приборы учета", "ui.pages.readings", "ReadingsPage", first=True),
    _resident(Page.RECEIPTS, "Квитанции", "ui.pages.receipts", "ReceiptsPage"),
    _resident(Page.STATEMENT, "Ведомость", "ui.pages.statement", "StatementPage"),
    _resident(Page.PASSWORD, "Изменить пароль", "ui.pages.password", "PasswordPage"),
    _staff(Page.ACCOUNTS, "Лицевые счета", "ui.pages.accounts", "AccountsPage", first=True),
    _staff(Page.REQUESTS, "Обращения", "ui.pages.requests", "RequestsPage"),
    _staff(Page.PRINT_RECEIPTS, "Печать квитанций", "ui.office", "ReceiptBatchPage"),
    _staff(Page.SLIPS, "Памятки для жителей", "ui.outbox", "OutboxPage"),
    # The administrator sees every entry, a clerk their own (desktop.audit_log).
    _staff(Page.AUDIT_LOG, "Журнал действий", "ui.pages.audit_log", "AuditLogPage"),
    # Loading 1C's and the bank's files is the administrator's (Permission.IMPORT).
    PageSpec(
        Page.EXCHANGE, "Обмен данными", "ui.exchange", "ExchangePage", frozenset({OFFICE}), ADMINS
    ),
    PageSpec(Page.STAFF, "Сотрудники", "ui.pages.staff", "StaffPage", frozenset({OFFICE}), ADMINS),
    PageSpec(
        Page.BACKUP, "Резервная копия", "ui.pages.backup", "BackupPage", frozenset({OFFICE}), ADMINS
    ),
)


def pages_for(mode: str, role: str, pages: tuple[PageSpec, ...] = PAGES) -> tuple[PageSpec, ...]:
    """The pages a role sees in a mode, in the registry's order."""
    return tuple(spec for spec in pages if mode in spec.modes and role in spec.roles)


def first_page(pages: tuple[PageSpec, ...]) -> Page | None:
    """The page opened after sign-in: the one marked first, else the top one."""
    for spec in pages:
        if spec.first:
            return spec.page
    return pages[0].page if pages else None
