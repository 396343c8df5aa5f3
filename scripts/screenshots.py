"""Current screenshots of every screen, for docs/screenshots/ and the README.

    .venv/bin/python scripts/screenshots.py [--output DIR] [--only NAME ...]

Offscreen (no display needed): builds the demo in a temporary SQLite file on the clock the
screen tests use (20.11.2026 10:00, inside the reading window), signs the demo accounts in
through the services, opens the screens as a user would and saves each as a PNG: windows at
1280×800 (the login window at its own 1100×900), and the resident's and the staff's pages
again at 1024×768 as ``small-*.png`` (the smallest screen the application is made for).
The same data gives the same pictures, so a changed PNG in a diff means a changed screen.
"""

from __future__ import annotations

import argparse
import dataclasses
import os
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any

os.environ["QT_QPA_PLATFORM"] = "offscreen"
ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from PySide6.QtCore import QRect  # noqa: E402
from PySide6.QtGui import QScreen  # noqa: E402
from PySide6.QtWidgets import QApplication, QWidget  # noqa: E402

if TYPE_CHECKING:
    from desktop.app import Services

LARGE = (1280, 800)
LOGIN = (1100, 900)  # the size the login window opens with where the screen allows (ui.app)
SMALL = (1024, 768)
# What the offscreen screen offers a window that sizes itself to it (ui.window_state).
_screen = QRect(0, 0, *LARGE)
QScreen.availableGeometry = lambda _screen_self: QRect(_screen)  # type: ignore[method-assign]


class Shooter:
    def __init__(self, app: QApplication, output: Path, only: set[str]) -> None:
        self.app = app
        self.output = output
        self.only = only
        self.saved: list[str] = []

    def wanted(self, name: str) -> bool:
        return not self.only or name in self.only

    def settle(self, ctx, timeout: float = 60.0) -> None:
        """Let background work finish and its results reach the widgets, then paint."""
        deadline = time.monotonic() + timeout
        while not ctx.tasks.idle:
            self.app.processEvents()
            if time.monotonic() > deadline:
                raise SystemExit("Фоновая работа не закончилась за минуту: снимки не сделаны.")
            time.sleep(0.01)
        for _ in range(10):
            self.app.processEvents()
            time.sleep(0.005)

    def save(self, widget: QWidget, name: str) -> None:
        path = self.output / f"{name}.png"
        if not widget.grab().save(str(path)):
            raise SystemExit(f"Не удалось записать {path}: проверьте папку и место на диске.")
        self.saved.append(path.name)
        print(f"{path.relative_to(ROOT) if path.is_relative_to(ROOT) else path}", flush=True)


def sized(widget: QWidget, size: tuple[int, int]) -> QWidget:
    widget.resize(*size)
    widget.show()
    return widget


def run(
    argv: list[str] | None,
    description: str,
    prefix: str,
    shoot: Callable[[Shooter, Path], None],
) -> int:
    """The command line of a screenshot script: ``shoot`` takes the pictures with a temporary
    folder of its own, offscreen, into ``--output`` (only the ``--only`` ones if named)."""
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--output", type=Path, default=ROOT / "docs" / "screenshots")
    parser.add_argument("--only", nargs="*", default=[], help="names of the PNGs, no suffix")
    args = parser.parse_args(argv)
    args.output.mkdir(parents=True, exist_ok=True)

    with tempfile.TemporaryDirectory(prefix=prefix) as temp:
        # Nothing of the developer's own settings, window state or data is read or written.
        for key in [k for k in os.environ if k.startswith("CABINET_")]:
            del os.environ[key]
        os.environ["XDG_CONFIG_HOME"] = str(Path(temp) / "config")
        os.environ["XDG_DATA_HOME"] = str(Path(temp) / "data")
        app = QApplication.instance() or QApplication(sys.argv[:1])
        assert isinstance(app, QApplication)
        shooter = Shooter(app, args.output.resolve(), set(args.only))
        shoot(shooter, Path(temp))
        app.processEvents()
    print(f"{len(shooter.saved)} снимков в {args.output}")
    return 0


def main(argv: list[str] | None = None) -> int:
    return run(argv, __doc__.splitlines()[0], "cabinet-shots-", shoot_all)


def demo_services(shooter: Shooter, path: Path, **settings: Any) -> Services:
    """The themed application's services on the demo, built in the SQLite file ``path`` on
    the clock the screen tests use (20.11.2026 10:00, inside the reading window), with
    ``settings`` (e.g. ``smtp``) over the defaults."""
    from db.engine import Database
    from db.migrate import upgrade
    from desktop.app import build_services
    from desktop.clock import FixedClock
    from desktop.demo import build_demo
    from desktop.settings import Settings
    from ui import theme

    theme.apply(shooter.app)
    clock = FixedClock(datetime(2026, 11, 20, 10, 0, tzinfo=UTC))
    url = f"sqlite:///{path.as_posix()}"
    db = Database(url)
    upgrade(db.engine)
    build_demo(db, clock)
    return build_services(db, Settings(database_url=url, **settings), clock)


def clerk_reads_3492(services: Services) -> None:
    """The operator enters 3492's electricity for November, as at the counter."""
    from sqlalchemy import select

    from db.models import Account
    from desktop.demo import DEMO_STAFF

    clerk = services.auth.staff_login("operator", DEMO_STAFF["operator"]).actor
    with services.db.read() as s:
        account = s.scalars(select(Account.id).where(Account.number == "3492")).one()
    month = services.readings.create_period(clerk, account).month
    rows = [r for r in services.readings.readings(clerk, account, month) if not r.locked_reason]
    row = rows[-1]
    value = (row.current or row.previous) + 12
    services.readings.submit(clerk, account, month, {(row.meter_id, row.zone): value})


def shoot_all(shooter: Shooter, temp: Path) -> None:
    from desktop.demo import DEMO_PASSWORD, DEMO_REGISTRATION_CODES, DEMO_STAFF
    from desktop.resources import resource
    from desktop.settings import Settings
    from ui.context import AppContext, PageContext
    from ui.login import LoginWindow
    from ui.main_window import MainWindow
    from ui.pages.readings import ReadingsPage
    from ui.pages.receipts import ReceiptsPage
    from ui.pages.registry import KIOSK, OFFICE, RESIDENT, Page, pages_for
    from ui.support import SupportDialog
    from ui.tasks import TaskRunner

    global _screen
    path = temp / "demo.db"
    services = demo_services(shooter, path)

    def context(settings: Settings) -> AppContext:
        ctx = AppContext(settings, TaskRunner())
        ctx.open(lambda: services)
        shooter.settle(ctx)
        return ctx

    office = context(services.settings)
    kiosk = context(dataclasses.replace(services.settings, mode=KIOSK))
    windows: list[QWidget] = []  # kept alive until the end: closed windows are not deleted

    def resident(number: str, ctx: AppContext = office) -> PageContext:
        return PageContext.for_sign_in(ctx, services.auth.login(number, DEMO_PASSWORD))

    def window(page_ctx: PageContext, size: tuple[int, int]) -> MainWindow:
        global _screen
        _screen = QRect(0, 0, *size)
        main = MainWindow(page_ctx)
        windows.append(main)
        sized(main, size)
        shooter.settle(page_ctx.app)
        return main

    def page_shot(
        name: str,
        number: str,
        page: Page,
        size: tuple[int, int] = LARGE,
        then: Callable[[MainWindow], None] | None = None,
    ) -> None:
        if not shooter.wanted(name):
            return
        main = window(resident(number), size)
        main.show_page(page)
        shooter.settle(office)
        if then is not None:
            then(main)
            shooter.settle(office)
        shooter.save(main, name)
        main.close()

    # --- the login window, alone and with the anonymous support form ------------------------
    for name, size in (("login", LOGIN), ("small-login", SMALL)):
        if shooter.wanted(name):
            _screen = QRect(0, 0, *size)
            login = sized(LoginWindow(office), size)
            windows.append(login)
            shooter.settle(office)
            shooter.save(login, name)
            login.close()
    if shooter.wanted("support-login"):
        login = sized(LoginWindow(office), LARGE)
        windows.append(login)
        dialog = login.open_support()
        shooter.settle(office)
        shooter.save(dialog, "support-login")
        dialog.close()
        login.close()

    # --- every resident page: 3492 (the seed's account), the debt page for 4105 (arrears) ---
    for spec in pages_for(OFFICE, RESIDENT):
        number = "4105" if spec.page is Page.DEBT else "3492"
        base = "readings" if spec.page is Page.METERS else spec.page.value
        page_shot(base, number, spec.page)
        page_shot(f"small-{base}", number, spec.page, SMALL)

    # 3493: a meter's verification overdue and one due soon, on the smallest screen.
    page_shot("verification", "3493", Page.METERS, SMALL)

    if shooter.wanted("receipt-preview"):
        main = window(resident("3492"), LARGE)
        receipts = main.show_page(Page.RECEIPTS)
        assert isinstance(receipts, ReceiptsPage)
        shooter.settle(office)
        receipts.open_receipt()
        shooter.settle(office)
        preview = receipts.preview
        assert preview is not None
        shooter.save(preview, "receipt-preview")
        preview.close()
        main.close()

    if shooter.wanted("support"):  # at its own size, which fits a 1024×768 screen too
        # 4105 wrote to the office and has its answer.
        dialog = SupportDialog(office, resident("4105"))
        windows.append(dialog)
        dialog.show()
        shooter.settle(office)
        shooter.save(dialog, "support")
        dialog.close()

    if shooter.wanted("kiosk-idle"):
        main = window(resident("3492", kiosk), LARGE)
        main.show_idle_countdown(25)
        shooter.settle(kiosk)
        shooter.save(main, "kiosk-idle")
        main.close()

    def refused_value(main: MainWindow) -> None:
        """A value below the previous one: refused beside its row, nothing saved."""
        page = main.page(Page.METERS)
        assert isinstance(page, ReadingsPage)
        # «Добавить» the first time; November is there the next.
        (page.add_button if page.add_button.isEnabled() else page.edit_button).click()
        shooter.settle(office)
        model = page.readings
        for title, value in (("Эл.эн. №12765948 T1", "9000,5"), ("Эл.эн. №12765948 T2", "3500,5")):
            [row] = [r for r in range(model.rowCount()) if model.index(r, 0).data() == title]
            model.setData(model.index(row, model.CURRENT), value)
        page.save_button.click()

    # Last of the resident's: «Добавить» leaves November's period behind.
    page_shot("readings-entry", "3492", Page.METERS, then=refused_value)
    page_shot("small-readings-entry", "3492", Page.METERS, SMALL, then=refused_value)

    def changed_elsewhere(main: MainWindow) -> None:
        """The office saves November while the resident types it: the resident's save is
        refused with who changed what, and the typed values stay."""
        page = main.page(Page.METERS)
        assert isinstance(page, ReadingsPage)
        (page.add_button if page.add_button.isEnabled() else page.edit_button).click()
        shooter.settle(office)
        model = page.readings
        typed = {"Эл.эн. №12765948 T1": "9950,5", "Эл.эн. №12765948 T2": "3460,5"}
        for row in range(model.rowCount()):
            if model.index(row, 0).data() in typed:
                model.setData(model.index(row, model.CURRENT), typed[model.index(row, 0).data()])
        [t2] = [row.key for row in model.rows if row.title == "Эл.эн. №12765948 T2"]
        clerk = services.auth.staff_login("operator", DEMO_STAFF["operator"]).actor
        assert page.ctx.account is not None
        month = date(2026, 11, 1)
        services.readings.submit(clerk, page.ctx.account.id, month, {t2: Decimal("3458")})
        page.save_button.click()

    page_shot("readings-changed", "3492", Page.METERS, then=changed_elsewhere)

    # --- the staff's workplace: 5210 registers without a mail server, so a slip waits ------
    services.auth.register(
        "Фёдорова О.Ю.", "5210", "+7 915 000-52-10", "p@mail.ru", DEMO_REGISTRATION_CODES["5210"]
    )
    clerk_reads_3492(services)  # so that «Журнал действий» shows the clerk serving 3492
    for spec in pages_for(OFFICE, "clerk"):
        base = "office" if spec.page is Page.PRINT_RECEIPTS else spec.page.value
        for name, size in ((base, LARGE), (f"small-{base}", SMALL)):
            if not shooter.wanted(name):
                continue
            staff = services.auth.staff_login("operator", DEMO_STAFF["operator"])
            main = window(PageContext.for_sign_in(office, staff), size)
            page = main.show_page(spec.page)
            if spec.page is Page.ACCOUNTS:  # a fragment of the ФИО typed
                page.search.setText("иван")
            shooter.settle(office)
            shooter.save(main, name)
            main.close()
    # The counter: 3493 served in a tab (its meters), then the desk locked after idle.
    for name, size in (("counter", LARGE), ("small-counter", SMALL), ("screen-lock", LARGE)):
        if not shooter.wanted(name):
            continue
        staff = services.auth.staff_login("operator", DEMO_STAFF["operator"])
        main = window(PageContext.for_sign_in(office, staff), size)
        accounts = main.show_page(Page.ACCOUNTS)
        accounts.search.setText("3493")
        shooter.settle(office)
        accounts.open_row(0)
        shooter.settle(office)
        accounts.account_tab().page(Page.METERS)
        shooter.settle(office)
        if name == "screen-lock":
            from ui.screen_lock import ScreenLock

            lock = ScreenLock(main, main.ctx, 15, close_dialogs=lambda: None, logout=main.close)
            lock.lock()
            shooter.settle(office)
        shooter.save(main, name)
        main.close()

    # --- the administrator's «Обмен данными»: a file from 1C with a bad row, refused --------
    bad = path.parent / "accounts.csv"
    example = resource("exchange") / "accounts.csv"
    lines = example.read_text(encoding="cp1251").splitlines()
    lines[3] = lines[3].replace(";46,50;", ";много;").replace("6101", "61о1")
    bad.write_text("\n".join(lines) + "\n", encoding="cp1251")
    for name, size in (("exchange", LARGE), ("small-exchange", SMALL)):
        if not shooter.wanted(name):
            continue
        admin = services.auth.staff_login("admin", DEMO_STAFF["admin"])
        main = window(PageContext.for_sign_in(office, admin), size)
        main.show_page(Page.EXCHANGE)
        shooter.settle(office)
        exchange = main.page(Page.EXCHANGE)
        exchange.start_import(str(bad), None, False)
        shooter.settle(office)
        shooter.save(main, name)
        main.close()
    if shooter.wanted("exchange-export"):  # November's readings written for 1C
        admin = services.auth.staff_login("admin", DEMO_STAFF["admin"])
        main = window(PageContext.for_sign_in(office, admin), LARGE)
        main.show_page(Page.EXCHANGE)
        shooter.settle(office)
        exchange = main.page(Page.EXCHANGE)
        exchange.tabs.setCurrentIndex(1)
        exchange.exporter.start_export(str(path.parent / "readings.csv"), date(2026, 11, 1), "csv")
        shooter.settle(office)
        shooter.save(main, "exchange-export")
        main.close()

    # --- the administrator's «Журнал действий», its chain checked -----------------------------
    for name, size in (("audit-log-admin", LARGE), ("small-audit-log-admin", SMALL)):
        if not shooter.wanted(name):
            continue
        admin = services.auth.staff_login("admin", DEMO_STAFF["admin"])
        main = window(PageContext.for_sign_in(office, admin), size)
        main.show_page(Page.AUDIT_LOG)
        shooter.settle(office)
        log = main.page(Page.AUDIT_LOG)
        log.verify()
        shooter.settle(office)
        log.table.selectRow(4)  # the clerk's reading for 3492, its details under the table
        shooter.settle(office)
        shooter.save(main, name)
    # --- the administrator's «Сотрудники» and «Резервная копия», at 1024×768 ---------------
    if shooter.wanted("staff"):  # a clerk just added: the temporary password shown once
        from ui.password_slip import PasswordSlipDialog

        admin = services.auth.staff_login("admin", DEMO_STAFF["admin"])
        main = window(PageContext.for_sign_in(office, admin), SMALL)
        main.show_page(Page.STAFF)
        shooter.settle(office)
        staff = main.page(Page.STAFF)
        staff.login.setText("petrova")
        staff.full_name.setText("Петрова Е.В.")
        shown: list[tuple[str, str, str]] = []
        import ui.pages.staff as staff_module

        real_show = staff_module.show_password
        staff_module.show_password = lambda _parent, *slip: shown.append(slip)
        staff.add.click()
        shooter.settle(office)
        staff_module.show_password = real_show
        slip = PasswordSlipDialog(main, *shown[0])
        slip.show()
        slip.move(main.geometry().center() - slip.rect().center())
        shooter.settle(office)
        shooter.save(main, "staff")
        shooter.save(slip, "staff-password")
        slip.close()
        main.close()
    if shooter.wanted("backup"):
        admin = services.auth.staff_login("admin", DEMO_STAFF["admin"])
        main = window(PageContext.for_sign_in(office, admin), SMALL)
        main.show_page(Page.BACKUP)
        shooter.settle(office)
        backup = main.page(Page.BACKUP)
        backup.set_folder(path.parent)
        backup.create.click()
        shooter.settle(office)
        shooter.save(main, "backup")
        main.close()

    for ctx in (office, kiosk):
        shooter.settle(ctx)
        ctx.tasks.shutdown()
    services.db.dispose()


if __name__ == "__main__":
    raise SystemExit(main())
