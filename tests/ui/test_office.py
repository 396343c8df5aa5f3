"""The staff workplace on the demo database (SQLite and PostgreSQL): staff sign-in from the
login window into the main window with the staff pages, a building's receipts printed into one
PDF in the background, cancellable, and the residents' slips."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

import pytest
from pypdf import PdfReader
from PySide6.QtCore import Qt
from PySide6.QtPrintSupport import QPrinter
from PySide6.QtWidgets import QApplication
from sqlalchemy import select

from db.models import AuditEntry
from desktop.app import Services
from desktop.demo import DEMO_REGISTRATION_CODES, DEMO_STAFF
from desktop.documents.model import BatchResult
from tests.ui.conftest import pause_at_progress, wait_idle
from ui import dialogs
from ui.app import Controller
from ui.context import AppContext, PageContext
from ui.login import LoginWindow
from ui.main_window import MainWindow
from ui.office import ALL_BUILDINGS, CANCELLED, ReceiptBatchPage, receipts_word
from ui.outbox import OutboxPage
from ui.pages.accounts import AccountsPage
from ui.pages.registry import Page

LEFT = Qt.MouseButton.LeftButton


def staff_sign_in(qtbot, window: LoginWindow, login: str = "operator") -> None:
    qtbot.mouseClick(window.staff_button, LEFT)
    qtbot.keyClicks(window.account, login)
    qtbot.keyClicks(window.password, DEMO_STAFF[login])
    qtbot.mouseClick(window.login_button, LEFT)


def staff_window(
    qtbot, app_ctx: AppContext, services: Services, login: str = "operator"
) -> MainWindow:
    """The main window as a staff member (the operator) signs in, on its first page."""
    signed_in = services.auth.staff_login(login, DEMO_STAFF[login])
    window = MainWindow(PageContext.for_sign_in(app_ctx, signed_in))
    qtbot.addWidget(window)
    window.resize(1280, 800)
    window.show()
    qtbot.waitExposed(window)
    wait_idle(qtbot, app_ctx)
    return window


def click_item(qtbot, window: MainWindow, title: str) -> None:
    """Click a sidebar entry, as the clerk does."""
    sidebar = window.sidebar
    [item] = sidebar.findItems(title, Qt.MatchFlag.MatchExactly)
    qtbot.mouseClick(sidebar.viewport(), LEFT, pos=sidebar.visualItemRect(item).center())


def slips_page(qtbot, app_ctx: AppContext, services: Services) -> OutboxPage:
    window = staff_window(qtbot, app_ctx, services)
    click_item(qtbot, window, "Памятки для жителей")
    page = window.page(Page.SLIPS)
    assert isinstance(page, OutboxPage) and window.stack.currentWidget() is page
    wait_idle(qtbot, app_ctx)
    return page


@pytest.fixture
def office(qtbot, app_ctx: AppContext, services: Services) -> ReceiptBatchPage:
    page = staff_window(qtbot, app_ctx, services).show_page(Page.PRINT_RECEIPTS)
    assert isinstance(page, ReceiptBatchPage)
    wait_idle(qtbot, app_ctx)  # not the first page since «Лицевые счета»: its lists load now
    return page


def choose(window: ReceiptBatchPage, building_id: int | None) -> None:
    window.building.setCurrentIndex(window.building.findData(building_id))


def print_to(qtbot, window: ReceiptBatchPage, monkeypatch, path: Path) -> None:
    monkeypatch.setattr(dialogs, "save_path", lambda *args: str(path))
    qtbot.mouseClick(window.make_button, LEFT)


def test_staff_mode_signs_a_clerk_in(qtbot, app_ctx: AppContext) -> None:
    window = LoginWindow(app_ctx)
    qtbot.addWidget(window)
    window.show()
    qtbot.mouseClick(window.staff_button, LEFT)
    assert window.account_label.text() == window.account.accessibleName() == "Логин сотрудника"
    assert window.staff_button.text() == window.staff_button.accessibleName() == "Вход для жителя"
    assert not window.forgot_button.isVisible()
    qtbot.mouseClick(window.staff_button, LEFT)  # and back
    assert window.account_label.text() == "Номер лицевого счета"
    assert window.staff_button.accessibleName() == "Вход для сотрудников"
    assert window.forgot_button.isVisible()

    qtbot.mouseClick(window.staff_button, LEFT)
    qtbot.keyClicks(window.account, "admin")
    qtbot.keyClicks(window.password, "wrong-password")
    qtbot.keyClick(window.password, Qt.Key.Key_Return)
    wait_idle(qtbot, app_ctx)
    assert window.login_messages.kind == "error"
    with qtbot.waitSignal(window.staff_logged_in, timeout=10_000) as signal:
        qtbot.keyClicks(window.password, DEMO_STAFF["admin"])
        qtbot.keyClick(window.password, Qt.Key.Key_Return)
    session = signal.args[0]
    assert session.actor.kind == "admin" and session.actor.name == "admin"
    assert window.password.text() == ""


def test_the_controller_opens_the_workplace_and_logout_returns(qtbot, app_ctx) -> None:
    controller = Controller(app_ctx)
    login = controller.show_login()
    qtbot.waitExposed(login)
    staff_sign_in(qtbot, login)
    qtbot.waitUntil(lambda: controller.main is not None, timeout=10_000)
    office = controller.main
    assert isinstance(office, MainWindow)
    assert office.windowTitle() == "Рабочее место сотрудника — operator"
    sidebar = office.sidebar
    titles = [sidebar.item(row).text() for row in range(sidebar.count())]
    assert titles == [
        "Лицевые счета", "Обращения", "Печать квитанций", "Памятки для жителей",
        "Журнал действий", "Выйти",
    ]  # fmt: skip
    assert [label.text() for label in office.header_labels] == [
        "Рабочее место сотрудника",
        "Смирнова Т.В. (оператор, демо)\nЛогин: operator",
    ]
    assert isinstance(office.stack.currentWidget(), AccountsPage)
    wait_idle(qtbot, app_ctx)
    click_item(qtbot, office, "Выйти")
    assert controller.main is None and controller.login is not None
    assert controller.login.isVisible()
    assert QApplication.clipboard().text() == ""
    controller.login.close()


def test_the_buildings_and_the_previous_month_are_offered(office, services) -> None:
    actor = office.ctx.actor
    buildings = services.documents.buildings(actor)
    assert buildings
    items = [office.building.itemText(i) for i in range(office.building.count())]
    assert items[0] == ALL_BUILDINGS and office.building.itemData(0) is None
    assert items[1:] == [f"{b.address} — лицевых счетов: {b.accounts}" for b in buildings]
    assert office.month.text() == "10.2026"
    assert office.month_hint.text() == "Октябрь 2026"
    assert office.make_button.isEnabled() and not office.cancel_button.isEnabled()


def test_a_building_batch_writes_the_pdf(qtbot, office, services, monkeypatch, tmp_path):
    # Every account of Лесная, 12 has charges for October 2026.
    buildings = services.documents.buildings(office.ctx.actor)
    building = next(b for b in buildings if "Лесная" in b.address)
    choose(office, building.id)
    target = tmp_path / "Квитанции.pdf"
    values: list[int] = []
    office.progress.valueChanged.connect(values.append)
    print_to(qtbot, office, monkeypatch, target)
    wait_idle(qtbot, office.ctx)

    assert len(PdfReader(target).pages) == building.accounts
    assert office.progress.maximum() == office.progress.value() == building.accounts
    assert office.progress.text() == f"{building.accounts} из {building.accounts}"
    assert values[-1] == building.accounts
    assert office.messages.kind == "success"
    assert office.messages.text() == (f"Готово: {receipts_word(building.accounts)}, файл {target}.")
    assert office.make_button.isEnabled() and not office.cancel_button.isEnabled()


def test_accounts_without_charges_are_counted_as_skipped(
    qtbot, office, services, monkeypatch, tmp_path
) -> None:
    # Садовая, 7 holds the seed's account 3492, whose data ends in June 2017.
    buildings = services.documents.buildings(office.ctx.actor)
    building = next(b for b in buildings if "Садовая" in b.address)
    choose(office, building.id)
    target = tmp_path / "sadovaya.pdf"
    print_to(qtbot, office, monkeypatch, target)
    wait_idle(qtbot, office.ctx)
    printed = building.accounts - 1
    assert len(PdfReader(target).pages) == printed
    assert office.messages.text() == (
        f"Готово: {receipts_word(printed)}, файл {target}. "
        "Без начислений за месяц пропущено лицевых счетов: 1."
    )


def test_the_batch_says_it_printed_new_registration_codes(
    qtbot, office, services, monkeypatch, tmp_path
) -> None:
    # Космонавтов holds 5210, the demo's account not registered yet.
    buildings = services.documents.buildings(office.ctx.actor)
    building = next(b for b in buildings if "Космонавтов" in b.address)
    choose(office, building.id)
    target = tmp_path / "kosmonavtov.pdf"
    print_to(qtbot, office, monkeypatch, target)
    wait_idle(qtbot, office.ctx)
    assert office.messages.kind == "success"
    assert office.messages.text().endswith(
        "Новые коды регистрации выданы лицевым счетам без пароля и без действующего кода: 1."
    )


def test_the_batch_warns_of_receipts_whose_code_was_replaced_meanwhile(office) -> None:
    """desktop.documents found codes reissued while the batch printed: the page warns and
    names the accounts (tests/desktop/test_receipt_codes_race drives the batch itself)."""
    result = BatchResult(date(2017, 5, 1), None, 2, 0, 1, ("5210",))
    office._done(result, "/tmp/may.pdf")
    assert office.messages.kind == "warning"
    assert office.messages.text() == (
        "Готово: 2 квитанции, файл /tmp/may.pdf. Новые коды регистрации выданы лицевым счетам "
        "без пароля и без действующего кода: 1. Код регистрации на квитанциях лицевых счетов "
        "5210 уже недействителен: во время печати код сменили в офисе. Действует новый код, "
        "выданный в офисе."
    )


def test_cancelling_leaves_no_file(qtbot, office, services, monkeypatch, tmp_path) -> None:
    # The batch pauses after its first page until «Отмена» has been pressed: no race.
    first_page, go_on = pause_at_progress(
        monkeypatch, services.documents, "write_receipts", report_first=True
    )
    choose(office, None)
    folder = tmp_path / "out"
    folder.mkdir()
    target = folder / "all.pdf"
    print_to(qtbot, office, monkeypatch, target)
    assert office.cancel_button.isEnabled() and not office.make_button.isEnabled()
    qtbot.waitUntil(lambda: office.progress.value() == 1, timeout=10_000)
    qtbot.mouseClick(office.cancel_button, LEFT)
    go_on.set()
    wait_idle(qtbot, office.ctx)

    assert first_page.is_set()
    assert office.messages.text() == CANCELLED
    assert "Печать отменена" in office.messages.text()
    assert list(folder.iterdir()) == []  # neither the PDF nor its partial file
    assert office.make_button.isEnabled() and not office.cancel_button.isEnabled()


def test_receipts_word() -> None:
    assert [receipts_word(n) for n in (1, 3, 5, 11, 21, 112)] == [
        "1 квитанция",
        "3 квитанции",
        "5 квитанций",
        "11 квитанций",
        "21 квитанция",
        "112 квитанций",
    ]


def test_a_slip_that_was_not_mailed_is_printed_and_handed_out(
    qtbot, qtmodeltester, app_ctx: AppContext, services: Services, monkeypatch, tmp_path: Path
) -> None:
    """Without a mail server the one-time password waits for the office: the clerk prints
    the slip (the table itself shows no password) and marks it handed out."""
    result = services.auth.register(
        "Фёдорова О.Ю.", "5210", "+7 915 000-52-10", "p@mail.ru", DEMO_REGISTRATION_CODES["5210"]
    )
    assert result.delivery == "outbox"
    panel = slips_page(qtbot, app_ctx, services)
    model = panel.model
    assert model.rowCount() == 1
    row = [model.index(0, c).data() for c in range(model.columnCount())]
    assert row[1:] == ["5210", "Пароль для входа в личный кабинет", "p@mail.ru"]
    [slip] = services.outbox.pending(panel.ctx.actor)
    secret = re.search(r"Одноразовый пароль: (\S+)", slip.body).group(1)
    assert not any(secret in cell for cell in row)
    qtmodeltester.check(model)

    target = tmp_path / "slip.pdf"

    def choose_printer(parent):
        printer = QPrinter(QPrinter.PrinterMode.HighResolution)
        printer.setOutputFormat(QPrinter.OutputFormat.PdfFormat)
        printer.setOutputFileName(str(target))
        return printer

    monkeypatch.setattr(dialogs, "choose_printer", choose_printer)
    qtbot.mouseClick(panel.print_button, LEFT)
    printed = "".join(page.extract_text() for page in PdfReader(target).pages)
    flat = "".join(printed.split())  # the PDF's text comes back with spacing of its own
    # A document to hand over, not the e-mail: the company, whose it is (to check against
    # the resident's ID), the password with its expiry, how to sign in, the office.
    for expected in (
        "ООО\"УКДемо\"", "Доступвличныйкабинетжителя", "Лицевойсчет5210", "ФИОФёдороваО.Ю.",
        "Адрес", "Одноразовыйпароль:", secret, "Действуетдо", "Телефонофиса:",
    ):  # fmt: skip
        assert expected in flat, expected
    assert "Кому" not in flat and "неотвечайте" not in flat and "p@mail.ru" not in flat
    assert panel.messages.kind == "success"
    wait_idle(qtbot, app_ctx)
    with services.db.unit_of_work() as s:
        printed_by = s.scalars(
            select(AuditEntry.actor).where(AuditEntry.action == "outbox.print")
        ).all()
    assert printed_by == ["staff:operator"]

    asked: list[str] = []
    answer = False

    def confirm(parent, text, **_kw):
        asked.append(text)
        return answer

    monkeypatch.setattr(dialogs, "confirm", confirm)
    qtbot.mouseClick(panel.handed_button, LEFT)  # «Нет»: still waiting
    wait_idle(qtbot, app_ctx)
    assert model.rowCount() == 1 and "5210" in asked[0]
    answer = True
    qtbot.mouseClick(panel.handed_button, LEFT)
    wait_idle(qtbot, app_ctx)
    assert model.rowCount() == 0 and not panel.print_button.isEnabled()
    assert services.outbox.pending(panel.ctx.actor) == []
    assert panel.messages.text() == "Памятка для лицевого счета 5210 отмечена как выданная."


def test_a_clerk_prints_a_slip_with_a_new_registration_code(
    qtbot, app_ctx: AppContext, services: Services, monkeypatch, tmp_path: Path
) -> None:
    """The printer is chosen first, then the code issued and printed; the code on the slip
    registers the account and the one on the older receipt no longer does."""
    panel = slips_page(qtbot, app_ctx, services)
    target = tmp_path / "code.pdf"
    chosen: list[bool] = []

    def choose_printer(parent):
        chosen.append(True)
        printer = QPrinter(QPrinter.PrinterMode.HighResolution)
        printer.setOutputFormat(QPrinter.OutputFormat.PdfFormat)
        printer.setOutputFileName(str(target))
        return printer

    monkeypatch.setattr(dialogs, "choose_printer", choose_printer)
    qtbot.mouseClick(panel.code_button, LEFT)  # no account typed: nothing asked, nothing issued
    assert chosen == [] and panel.messages.kind == "error"
    qtbot.keyClicks(panel.code_account, "99999")
    qtbot.mouseClick(panel.code_button, LEFT)
    wait_idle(qtbot, app_ctx)
    assert panel.messages.kind == "error" and not target.exists()

    panel.code_account.clear()
    qtbot.keyClicks(panel.code_account, "5210")
    qtbot.mouseClick(panel.code_button, LEFT)
    wait_idle(qtbot, app_ctx)
    assert panel.messages.kind == "success", panel.messages.text()
    flat = "".join("".join(page.extract_text() for page in PdfReader(target).pages).split())
    found = re.search(r"Кодрегистрации:(\w{4}-\w{4})", flat)
    assert found and "Лицевойсчет5210" in flat and "Фёдорова" in flat
    code = found.group(1)
    auth = services.auth
    old = DEMO_REGISTRATION_CODES["5210"]
    assert auth.register("Фёдорова О.Ю.", "5210", "+79150005210", "f@mail.ru", old).delivery is None
    assert auth.register("Фёдорова О.Ю.", "5210", "+79150005210", "f@mail.ru", code).delivery
    with services.db.unit_of_work() as s:
        issued_by = s.scalars(
            select(AuditEntry.actor).where(AuditEntry.action == "registration_code.issue")
        ).all()
    assert issued_by == ["staff:operator"]


def test_the_chosen_slip_stays_chosen_when_the_list_is_refreshed(
    qtbot, app_ctx: AppContext, services: Services, monkeypatch
) -> None:
    """A clerk picks a slip, the list is refreshed, and «Выдана жителю» still means that
    slip; once it is handed out, nothing is chosen for the next click."""
    services.auth.register(
        "Фёдорова О.Ю.", "5210", "+7 915 000-52-10", "f@mail.ru", DEMO_REGISTRATION_CODES["5210"]
    )
    services.auth.request_reset("3493", "petrova@demo.example")  # registered in the demo
    panel = slips_page(qtbot, app_ctx, services)
    assert panel.model.rowCount() == 2 and panel.selected().account_number == "5210"
    monkeypatch.setattr(dialogs, "confirm", lambda *_a, **_kw: True)
    panel.table.selectRow(1)
    qtbot.mouseClick(panel.refresh_button, LEFT)
    wait_idle(qtbot, app_ctx)
    assert panel.selected().account_number == "3493"
    qtbot.mouseClick(panel.handed_button, LEFT)
    wait_idle(qtbot, app_ctx)
    assert [i.account_number for i in panel.model.items] == ["5210"]
    assert panel.selected() is None and not panel.handed_button.isEnabled()


def test_a_password_the_administrator_chose_must_be_replaced_before_the_workplace(
    qtbot, app_ctx: AppContext, services: Services
) -> None:
    admin = services.auth.staff_login("admin", DEMO_STAFF["admin"]).actor
    services.auth.create_staff("petrova", "Петрова О.В.", "clerk", "Issued-by-admin-2017", by=admin)
    window = LoginWindow(app_ctx)
    qtbot.addWidget(window)
    window.show()
    qtbot.mouseClick(window.staff_button, LEFT)
    qtbot.keyClicks(window.account, "petrova")
    qtbot.keyClicks(window.password, "Issued-by-admin-2017")
    qtbot.keyClick(window.password, Qt.Key.Key_Return)
    wait_idle(qtbot, app_ctx)
    step = window.change_step
    assert window.stack.currentWidget() is window.change_page
    # Until then the session may do nothing but set a password.
    signed_in = step._signed_in
    assert signed_in is not None and signed_in.actor.one_time
    with pytest.raises(Exception, match="пароль"):
        services.auth.list_staff(signed_in.actor)
    qtbot.keyClicks(step.form.new, "Petrova-own-pass-2017")
    qtbot.keyClicks(step.form.repeat, "Petrova-own-pass-2017")
    with qtbot.waitSignal(window.staff_logged_in, timeout=10_000) as signal:
        qtbot.mouseClick(step.save_button, LEFT)
    actor = signal.args[0].actor
    assert actor.name == "petrova" and not actor.one_time
    assert services.auth.staff_login("petrova", "Petrova-own-pass-2017").actor.name == "petrova"


def test_switching_to_staff_sign_in_clears_the_registration_form(
    qtbot, app_ctx: AppContext
) -> None:
    """A resident's half-typed registration (name, phone, e-mail) does not stay on screen
    for the clerk who signs in next at that desk."""
    window = LoginWindow(app_ctx)
    qtbot.addWidget(window)
    window.show()
    qtbot.keyClicks(window.fio, "Sidorov")
    qtbot.keyClicks(window.reg_account, "5210")
    qtbot.keyClicks(window.phone, "+7 915 123-45-67")
    qtbot.keyClicks(window.email, "sidorov@mail.ru")
    qtbot.keyClicks(window.reg_code, "DEMA-2K7B")
    window.register_messages.error("Проверьте телефон.")
    qtbot.mouseClick(window.staff_button, LEFT)
    fields = (window.fio, window.reg_account, window.phone, window.email, window.reg_code)
    assert [field.text() for field in fields] == [""] * 5
    assert window.register_messages.text() == ""
    assert not window.has_input()
