"""«Приборы учета»: the seed's meters on screen, and entering this month's readings — typed,
refused beside their row, confirmed, saved, and found stored through the service."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLineEdit

from db.models import StaffRole
from desktop.actors import Actor
from desktop.clock import FixedClock
from desktop.demo import DEMO_PASSWORD
from desktop.readings import ReadingRow, ReadingsRefused
from tests.ui.conftest import wait_idle
from ui.context import PageContext
from ui.main_window import MainWindow
from ui.models.periods import PeriodsModel
from ui.models.readings import CONFIRM_BACKGROUND, REFUSED_BACKGROUND, ReadingsModel
from ui.pages.readings import SECTION, ReadingsPage
from ui.pages.readings_texts import ACCEPTED_NO_DELETE, ACCEPTED_NO_EDIT
from ui.sidebar import PAGES, Page

D = Decimal
NOVEMBER = date(2026, 11, 1)
CURRENT = ReadingsModel.CURRENT
SEED_PERIODS = [
    ["Июнь 2017", "Июнь 2017"],
    ["Май 2017", "Июнь 2017"],
    ["Апрель 2017", "Май 2017"],
    ["Март 2017", "Апрель 2017"],
    ["Февраль 2017", "Март 2017"],
    ["Январь 2017", "Февраль 2017"],
    ["Декабрь 2016", "Январь 2017"],
    ["Ноябрь 2016", "Декабрь 2016"],
]
SEED_JUNE = [
    ["ГВС 168500-12", "", "31.05.2017", "м³", "126,000", "126,000", "0,000"],
    ["ХВС 21883-12", "", "30.06.2017", "м³", "252,000", "255,000", "3,000"],
    ["Эл.эн. №12765948 T1", "", "", "кВт·ч", "9723,460", "9897,290", "173,830"],
    ["Эл.эн. №12765948 T2", "", "", "кВт·ч", "3383,570", "3456,850", "73,280"],
    ["ГВС 59537062", "59537062", "", "м³", "0,000", "0,000", "0,000"],
]
NOVEMBER_NEW = [
    ["Эл.эн. №12765948 T1", "", "", "кВт·ч", "9897,290", "", ""],
    ["Эл.эн. №12765948 T2", "", "", "кВт·ч", "3456,850", "", ""],
    ["ГВС 59537062", "59537062", "", "м³", "0,000", "", ""],
]


@pytest.fixture
def open_page(qtbot):
    """Opens the page in a main window at 1280×800 (this page only), as after login; the
    windows live as long as the test."""
    windows: list[MainWindow] = []

    def opener(ctx: PageContext) -> ReadingsPage:
        window = MainWindow(ctx, pages=tuple(s for s in PAGES if s.page == Page.METERS))
        qtbot.addWidget(window)
        windows.append(window)
        window.resize(1280, 800)
        window.show()
        page = window.show_page(Page.METERS)
        wait_idle(qtbot, ctx.app)
        assert isinstance(page, ReadingsPage)
        return page

    return opener


def login(services, app_ctx, number: str) -> PageContext:
    return PageContext.for_sign_in(app_ctx, services.auth.login(number, DEMO_PASSWORD))


def shown(model: ReadingsModel) -> list[list[str]]:
    """The meters table as the eye reads it, without the note rows."""
    return [
        [model.index(row, column).data() for column in range(model.columnCount())]
        for row in range(model.rowCount())
        if not model.is_note(row)
    ]


def periods(model: PeriodsModel) -> list[list[str]]:
    return [
        [model.index(row, column).data() for column in (model.PERIOD, model.CHANGED)]
        for row in range(model.rowCount())
    ]


def row_titled(model: ReadingsModel, title: str) -> int:
    rows = [r for r in range(model.rowCount()) if model.index(r, 0).data() == title]
    assert len(rows) == 1, title
    return rows[0]


def type_value(model: ReadingsModel, title: str, text: str) -> None:
    assert model.setData(model.index(row_titled(model, title), CURRENT), text)


def stored(services, ctx: PageContext, month: date) -> dict[str, Decimal | None]:
    rows = services.readings.readings(ctx.actor, ctx.served.id, month)
    return {row.title: row.current for row in rows}


def click(qtbot, page: ReadingsPage, button) -> None:
    assert button.isVisible() and button.isEnabled(), button.text()
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
    wait_idle(qtbot, page.ctx.app)


# --- the seed ----------------------------------------------------------------------------------


def test_june_2017_shows_the_seeds_rows(qtbot, open_page, page_ctx, qtmodeltester):
    page = open_page(page_ctx)
    assert page.title == page.heading.text() == "Приборы учета"
    assert page.section.text() == SECTION
    assert page.notice.isVisible() and page.notice.kind == "info"
    assert page.notice.full_text == (
        "Передавайте показания с 15 по 25 число. Осталось дней: 6 (до 25.11.2026 включительно)."
    )

    assert periods(page.periods) == SEED_PERIODS  # newest first, as in the seed
    assert page.periods_view.currentIndex().row() == 0  # June 2017 selected at start
    accepted = [
        page.periods.index(row, PeriodsModel.ACCEPTED) for row in range(page.periods.rowCount())
    ]
    assert {index.data(Qt.ItemDataRole.CheckStateRole) for index in accepted} == {
        Qt.CheckState.Checked
    }
    assert {index.data(Qt.ItemDataRole.AccessibleTextRole) for index in accepted} == {"да"}
    assert not accepted[0].flags() & Qt.ItemFlag.ItemIsUserCheckable  # 1C's word, read-only

    model = page.readings
    assert [model.headerData(c, Qt.Orientation.Horizontal) for c in range(7)] == [
        "Прибор", "№ прибора", "Дата выбытия", "Ед. изм.", "Пред. значение",
        "Текущее значение", "Разница",
    ]  # fmt: skip
    assert shown(model) == SEED_JUNE
    assert model.note_rows() == []
    right = Qt.AlignmentFlag.AlignRight
    for column in (ReadingsModel.PREVIOUS, CURRENT, ReadingsModel.DIFFERENCE):
        assert model.index(2, column).data(Qt.ItemDataRole.TextAlignmentRole) & right
    # The retired meters are greyed, and say why on hovering.
    assert model.index(0, 0).data(Qt.ItemDataRole.ForegroundRole) is not None
    assert "выбыл 31.05.2017" in model.index(0, CURRENT).data(Qt.ItemDataRole.ToolTipRole)
    assert model.index(2, 0).data(Qt.ItemDataRole.ForegroundRole) is None
    assert not any(
        model.flags(model.index(r, CURRENT)) & Qt.ItemFlag.ItemIsEditable for r in range(5)
    )
    assert page.period_label.text() == "Июнь 2017 — принят в 1С"

    qtmodeltester.check(page.periods)


def test_choosing_a_period_shows_its_readings(qtbot, open_page, page_ctx, qtmodeltester):
    page = open_page(page_ctx)
    qtmodeltester.check(page.readings)
    qtbot.mouseClick(
        page.periods_view.viewport(),
        Qt.MouseButton.LeftButton,
        pos=page.periods_view.visualRect(page.periods.index(1, 0)).center(),
    )
    wait_idle(qtbot, page_ctx.app)
    assert page.period_label.text() == "Май 2017 — принят в 1С"
    rows = {row[0]: row for row in shown(page.readings)}
    assert rows["Эл.эн. №12765948 T1"][4:] == ["9564,540", "9723,460", "158,920"]
    assert rows["ХВС 21883-12"][4:] == ["249,000", "252,000", "3,000"]
    # The keyboard moves through the periods too.
    page.periods_view.setFocus()
    qtbot.keyClick(page.periods_view, Qt.Key.Key_Down)
    wait_idle(qtbot, page_ctx.app)
    assert page.period_label.text() == "Апрель 2017 — принят в 1С"


def test_an_accepted_period_cannot_be_edited_or_deleted(qtbot, open_page, page_ctx):
    page = open_page(page_ctx)
    assert not page.edit_button.isEnabled()
    assert (
        page.edit_button.toolTip() == ACCEPTED_NO_EDIT == "Период принят в 1С, изменить его нельзя"
    )
    assert not page.delete_button.isEnabled()
    assert page.delete_button.toolTip() == ACCEPTED_NO_DELETE
    page.periods_view.setFocus()
    qtbot.keyClick(page.periods_view, Qt.Key.Key_Return)  # Enter: edit, if it were allowed
    wait_idle(qtbot, page_ctx.app)
    assert not page.readings.editing and not page.save_button.isVisible()


def test_a_closed_month_the_service_refuses_with_its_own_words(
    qtbot, open_page, services, app_ctx, ui_clock
):
    """3493's November is not accepted by 1C yet; in December it can no longer be changed."""
    ui_clock.advance(days=30)  # 20 December
    ctx = login(services, app_ctx, "3493")
    page = open_page(ctx)
    assert page.period_label.text() == "Ноябрь 2026 — ещё не принят в 1С"
    click(qtbot, page, page.edit_button)
    assert page.messages.kind == "warning"
    assert page.messages.full_text == (
        "Период «Ноябрь 2026» закрыт: показания можно изменить только за текущий месяц."
    )
    assert not page.readings.editing


# --- entering readings --------------------------------------------------------------------------


def test_add_type_and_save(qtbot, open_page, page_ctx, services):
    page = open_page(page_ctx)
    click(qtbot, page, page.add_button)

    assert periods(page.periods)[0] == ["Ноябрь 2026", "Ноябрь 2026"]
    unchecked = page.periods.index(0, PeriodsModel.ACCEPTED)
    assert unchecked.data(Qt.ItemDataRole.CheckStateRole) == Qt.CheckState.Unchecked
    assert unchecked.data(Qt.ItemDataRole.AccessibleTextRole) == "нет"
    assert page.periods_view.currentIndex().row() == 0
    model, view = page.readings, page.readings_view
    assert model.editing and page.save_button.isVisible() and page.cancel_button.isVisible()
    assert shown(model) == NOVEMBER_NEW  # the previous values filled in
    assert page.messages.full_text.startswith("Период «Ноябрь 2026» создан.")
    assert view.currentIndex() == model.index(0, CURRENT)  # the first cell that takes a value
    assert not page.add_button.isEnabled() and not page.periods_view.isEnabled()

    # Typed with the keyboard: F2 opens the cell, Enter stores it and moves down.
    page.activateWindow()
    view.setFocus()
    qtbot.keyClick(view, Qt.Key.Key_F2)
    editor = view.indexWidget(view.currentIndex())
    assert isinstance(editor, QLineEdit) and editor.accessibleName() == "Текущее значение"
    qtbot.keyClicks(editor, "9950,5")
    qtbot.keyClick(editor, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: view.currentIndex().row() == 1)
    assert shown(model)[0][5:] == ["9950,500", "53,210"]  # Разница follows at once
    # A decimal point is as good as a comma; Ctrl+S with the cell still open: what is typed
    # there is saved too. (ГВС 59537062 ran out of verification in 2023: it takes no value.)
    qtbot.keyClick(view, Qt.Key.Key_F2)
    editor = view.indexWidget(view.currentIndex())
    assert isinstance(editor, QLineEdit)
    qtbot.keyClicks(editor, "3500.25")
    qtbot.keyClick(editor, Qt.Key.Key_S, Qt.KeyboardModifier.ControlModifier)
    wait_idle(qtbot, page_ctx.app)
    assert page.messages.kind == "success"
    assert page.messages.full_text.startswith("Показания переданы 20.11.2026 в ")
    assert not model.editing and not page.save_button.isVisible()
    assert [row[4:] for row in shown(model)] == [
        ["9897,290", "9950,500", "53,210"],
        ["3456,850", "3500,250", "43,400"],
        ["0,000", "", ""],
    ]
    assert stored(services, page_ctx, NOVEMBER) == {
        "Эл.эн. №12765948 T1": D("9950.500"),
        "Эл.эн. №12765948 T2": D("3500.250"),
        "ГВС 59537062": None,
    }
    assert page.edit_button.isEnabled()  # not accepted by 1C, this month: may still change

    # Редактировать: the stored values come back for correcting; Tab goes on to the next
    # meter's cell, open for typing, and passes over the one that takes no value.
    click(qtbot, page, page.edit_button)
    assert model.editing
    view.setFocus()
    qtbot.keyClick(view, Qt.Key.Key_F2)
    qtbot.keyClick(view.indexWidget(view.currentIndex()), Qt.Key.Key_Tab)
    qtbot.waitUntil(lambda: view.currentIndex().row() == 1)
    editor = view.indexWidget(view.currentIndex())
    assert isinstance(editor, QLineEdit)  # already open for typing
    editor.selectAll()
    qtbot.keyClicks(editor, "3501")
    qtbot.keyClick(editor, Qt.Key.Key_Tab)
    assert view.currentIndex().row() == 1  # no meter below takes a value
    click(qtbot, page, page.save_button)
    assert stored(services, page_ctx, NOVEMBER)["Эл.эн. №12765948 T2"] == D("3501.000")


def test_an_overdue_meter_takes_no_value_and_its_row_says_why(qtbot, open_page, page_ctx, services):
    """3492's ГВС 59537062 ran out of verification in 2023: the page says its readings are
    not accepted, and the table agrees — its cell takes nothing, the reason is beneath it,
    and the service refuses a value sent for it all the same."""
    page = open_page(page_ctx)
    assert "не принимаются к расчету" in page.consumption.reminders.full_text
    click(qtbot, page, page.add_button)
    model = page.readings
    row = row_titled(model, "ГВС 59537062")
    assert not model.flags(model.index(row, CURRENT)) & Qt.ItemFlag.ItemIsEditable
    assert not model.setData(model.index(row, CURRENT), "1,5")
    assert model.is_note(row + 1)
    note = model.index(row + 1, 0).data()
    assert note.startswith("Срок поверки прибора истёк 01.06.2023 — показания не принимаются")
    assert "офис внесёт новую дату поверки" in note
    hot = model.rows[[r.title for r in model.rows].index("ГВС 59537062")].key
    with pytest.raises(ReadingsRefused):
        services.readings.submit(page_ctx.actor, page_ctx.served.id, NOVEMBER, {hot: D("1.5")})
    assert stored(services, page_ctx, NOVEMBER)["ГВС 59537062"] is None


def test_a_value_below_the_previous_is_refused_beside_its_row(
    qtbot, open_page, page_ctx, services, qtmodeltester
):
    page = open_page(page_ctx)
    model = page.readings
    qtmodeltester.check(model)  # watches the note rows come and go
    click(qtbot, page, page.add_button)
    type_value(model, "Эл.эн. №12765948 T1", "9000,5")
    type_value(model, "Эл.эн. №12765948 T2", "3500.5")
    click(qtbot, page, page.save_button)

    message = (
        "Значение 9000,500 меньше предыдущего 9897,290. Проверьте показание; если счетчик "
        "заменили, обратитесь в офис."
    )
    assert page.messages.kind == "error"
    assert page.messages.full_text == (
        "Показания не сохранены.\nЭл.эн. №12765948 T1: значение 9000,500 меньше предыдущего "
        "9897,290. Проверьте показание; если счетчик заменили, обратитесь в офис."
    )
    row = row_titled(model, "Эл.эн. №12765948 T1")
    # The other note is the overdue ГВС 59537062's, which takes no value.
    overdue = [row_titled(model, "ГВС 59537062") + 1]
    assert model.problem_rows() == [row] and model.note_rows() == [row + 1, *overdue]
    assert model.index(row + 1, 0).data() == message  # right beneath its row
    assert page.readings_view.columnSpan(row + 1, 0) == model.columnCount()
    assert model.index(row, CURRENT).data(Qt.ItemDataRole.BackgroundRole) == REFUSED_BACKGROUND
    assert model.index(row, CURRENT).data(Qt.ItemDataRole.ToolTipRole) == message
    assert shown(model)[0][5:] == ["9000,500", "-896,790"]
    assert page.readings_view.currentIndex() == model.index(row, CURRENT)
    assert model.editing  # still typing; and nothing at all was saved
    assert set(stored(services, page_ctx, NOVEMBER).values()) == {None}

    # A new value clears the mark; then it goes through.
    type_value(model, "Эл.эн. №12765948 T1", "9900")
    assert model.note_rows() == [row_titled(model, "ГВС 59537062") + 1]
    assert model.problem_rows() == []
    click(qtbot, page, page.save_button)
    assert page.messages.kind == "success"
    assert stored(services, page_ctx, NOVEMBER)["Эл.эн. №12765948 T1"] == D("9900.000")


@pytest.mark.parametrize("answer", [True, False], ids=["confirmed", "declined"])
def test_a_big_jump_asks_to_confirm(qtbot, open_page, services, app_ctx, monkeypatch, answer):
    """3493 has a year of history: 50 m³ of hot water in a month is far above its average.
    (Its cold-water meter ran out of verification: it takes no value.)"""
    ctx = login(services, app_ctx, "3493")
    page = open_page(ctx)
    model = page.readings
    asked: list[str] = []

    def confirm(parent, text, **_kw):
        asked.append(text)
        return answer

    monkeypatch.setattr("ui.dialogs.confirm", confirm)
    click(qtbot, page, page.edit_button)  # November 2026, not accepted yet
    assert model.editing
    title = next(row[0] for row in shown(model) if row[0].startswith("ГВС"))
    type_value(model, title, "325,5")
    click(qtbot, page, page.save_button)

    assert len(asked) == 1 and "намного больше обычного" in asked[0]
    if answer:
        assert page.messages.kind == "success"
        assert not model.editing
        assert stored(services, ctx, NOVEMBER)[title] == D("325.500")
    else:
        assert page.messages.kind == "warning"
        assert model.editing
        row = row_titled(model, title)
        assert "намного больше обычного" in model.index(row + 1, 0).data()
        assert model.index(row, CURRENT).data(Qt.ItemDataRole.BackgroundRole) == CONFIRM_BACKGROUND
        assert stored(services, ctx, NOVEMBER)[title] == D("275.500")  # as before


def test_nothing_typed_saves_nothing(qtbot, open_page, page_ctx):
    page = open_page(page_ctx)
    click(qtbot, page, page.add_button)
    click(qtbot, page, page.save_button)
    assert page.messages.kind == "warning"
    assert "введите текущие значения" in page.messages.full_text
    assert page.readings.editing


@pytest.mark.parametrize(
    "ui_clock", [FixedClock(datetime(2026, 11, 27, 10, 0, tzinfo=UTC))], ids=["27 November"]
)
def test_outside_the_window_the_buttons_are_off_and_the_reason_is_told_once(
    qtbot, open_page, services, app_ctx
):
    """27 November: nothing can change until the window opens again; the blue notice says
    when, the buttons are disabled and repeat it only in their tooltip, no yellow banner."""
    ctx = login(services, app_ctx, "3493")  # November 2026 there, not accepted yet
    page = open_page(ctx)
    reason = "Показания принимаются с 15 по 25 число месяца. Следующий приём откроется 15.12.2026."
    assert page.notice.full_text == reason
    assert page.period_label.text() == "Ноябрь 2026 — ещё не принят в 1С"
    for button in (page.add_button, page.edit_button, page.delete_button):
        assert not button.isEnabled(), button.text()
        assert button.toolTip().endswith(reason)
    page.periods_view.setFocus()
    qtbot.keyClick(page.periods_view, Qt.Key.Key_Return)  # Enter edits: not now either
    wait_idle(qtbot, ctx.app)
    assert not page.readings.editing
    assert not page.messages.isVisible() and page.notice.full_text == reason
    assert page.notice.full_text not in page.messages.full_text


@pytest.mark.parametrize(
    "ui_clock", [FixedClock(datetime(2026, 11, 27, 10, 0, tzinfo=UTC))], ids=["27 November"]
)
def test_outside_the_window_nothing_is_added(qtbot, open_page, page_ctx, services):
    page = open_page(page_ctx)
    assert not page.add_button.isEnabled()
    page.add_period()  # even if asked directly, the service says no and the list stays
    wait_idle(qtbot, page_ctx.app)
    assert not page.readings.editing
    assert periods(page.periods) == SEED_PERIODS
    assert len(services.readings.periods(page_ctx.actor, page_ctx.served.id)) == 8


def test_cancel_and_delete_with_confirmation(qtbot, open_page, page_ctx, services, monkeypatch):
    page = open_page(page_ctx)
    click(qtbot, page, page.add_button)
    type_value(page.readings, "Эл.эн. №12765948 T1", "9950")
    qtbot.keyClick(page.readings_view, Qt.Key.Key_Escape)  # Esc: leave edit mode, drop typing
    assert not page.readings.editing and not page.save_button.isVisible()
    assert shown(page.readings) == NOVEMBER_NEW
    assert periods(page.periods)[0] == ["Ноябрь 2026", "Ноябрь 2026"]  # the period stays

    answers = iter([False, True])
    asked: list[str] = []

    def confirm(parent, text, **_kw):
        asked.append(text)
        return next(answers)

    monkeypatch.setattr("ui.dialogs.confirm", confirm)
    click(qtbot, page, page.delete_button)
    assert page.periods.rowCount() == 9  # declined: still there
    click(qtbot, page, page.delete_button)
    assert asked == ["Удалить период «Ноябрь 2026» вместе с его показаниями?"] * 2
    assert page.messages.kind == "success"
    assert page.messages.full_text == "Период «Ноябрь 2026» удалён."
    assert periods(page.periods) == SEED_PERIODS
    assert page.periods_view.currentIndex().row() == 0 and shown(page.readings) == SEED_JUNE
    months = [p.month for p in services.readings.periods(page_ctx.actor, page_ctx.served.id)]
    assert NOVEMBER not in months


def test_returning_to_the_page_keeps_what_was_typed(qtbot, open_page, page_ctx):
    page = open_page(page_ctx)
    click(qtbot, page, page.add_button)
    type_value(page.readings, "Эл.эн. №12765948 T2", "3460,25")
    page.activate()
    wait_idle(qtbot, page_ctx.app)
    assert page.readings.editing
    assert shown(page.readings)[1][5:] == ["3460,250", "3,400"]


# --- the model alone ----------------------------------------------------------------------------


def test_a_retired_meter_takes_no_value_and_says_why(qtmodeltester):
    retired = ReadingRow(
        1, 1, "ХВС 21883-12", "", date(2026, 10, 31), "м3", D("252.000"), None, None,
        locked_reason="прибор выбыл 31.10.2026 — показания по нему не принимаются.",
    )  # fmt: skip
    working = ReadingRow(2, 1, "ГВС 59537062", "59537062", None, "м3", D("1"), None, None)
    model = ReadingsModel()
    model.set_rows([retired, working])
    qtmodeltester.check(model)
    assert model.rowCount() == 2

    model.set_editing(True)
    assert model.rowCount() == 3 and model.note_rows() == [1]
    assert model.index(1, 0).data() == "Прибор выбыл 31.10.2026 — показания по нему не принимаются."
    assert model.index(0, 0).data(Qt.ItemDataRole.ForegroundRole) is not None  # greyed
    assert not model.flags(model.index(0, CURRENT)) & Qt.ItemFlag.ItemIsEditable
    assert not model.setData(model.index(0, CURRENT), "260")
    assert model.first_editable_row() == 2
    assert model.setData(model.index(2, CURRENT), "0.5")
    assert model.index(2, CURRENT).data(Qt.ItemDataRole.EditRole) == "0.5"  # kept as typed
    assert model.index(2, CURRENT).data() == "0,500"
    assert model.index(2, ReadingsModel.DIFFERENCE).data() == "-0,500"
    assert model.setData(model.index(2, CURRENT), "abc")
    assert model.index(2, CURRENT).data() == "abc"  # not a number: shown, no difference yet
    assert model.index(2, ReadingsModel.DIFFERENCE).data() == ""
    assert model.typed_values() == {(2, 1): "abc"}

    model.set_editing(False)
    assert model.rowCount() == 2 and model.typed_values() == {}


def test_a_problem_is_shown_by_its_row_and_column_as_given(qtmodeltester):
    """The service's problem names its line and column; the model shows its message beneath
    that line word for word, and a problem a confirmation would clear in the confirm colour."""
    from desktop.common.problems import Problem

    cold = ReadingRow(1, 1, "ХВС 21883-12", "", None, "м3", D("252"), None, None)
    hot = ReadingRow(2, 1, "ГВС 59537062", "59537062", None, "м3", D("1"), None, None)
    model = ReadingsModel()
    model.set_rows([cold, hot])
    model.set_editing(True)
    qtmodeltester.check(model)
    jump = "Расход 60,000 м3 намного больше обычного (в среднем 3,000 в месяц)."
    model.set_problems(
        [Problem(jump, row=1, column="Текущее значение", place="ГВС 59537062", needs="jump")]
    )
    assert model.problem_rows() == [1] and model.note_rows() == [2]
    assert model.index(2, 0).data() == jump
    assert model.index(1, CURRENT).data(Qt.ItemDataRole.BackgroundRole) == CONFIRM_BACKGROUND
    assert model.index(1, CURRENT).data(Qt.ItemDataRole.ToolTipRole) == jump
    assert model.index(0, CURRENT).data(Qt.ItemDataRole.BackgroundRole) != CONFIRM_BACKGROUND
    model.set_problems([Problem("Не число.", row=0, column="Текущее значение", place="ХВС")])
    assert model.problem_rows() == [0] and model.note_rows() == [1]
    assert model.index(0, CURRENT).data(Qt.ItemDataRole.BackgroundRole) == REFUSED_BACKGROUND
    qtmodeltester.check(model)


def test_a_save_refused_as_someone_elses_keeps_what_was_typed(qtbot, open_page, page_ctx, services):
    """The office saves November while the resident is typing it: the resident's save is
    refused with who changed what, the typed values stay, and saving again stores them."""
    page = open_page(page_ctx)
    click(qtbot, page, page.add_button)
    model = page.readings
    type_value(model, "Эл.эн. №12765948 T1", "9950,5")
    type_value(model, "Эл.эн. №12765948 T2", "3460,5")
    t2 = next(row.key for row in model.rows if row.title == "Эл.эн. №12765948 T2")
    clerk = Actor.staff(7, "ivanova", StaffRole.CLERK)
    services.readings.submit(clerk, page_ctx.served.id, NOVEMBER, {t2: D("3458")})

    click(qtbot, page, page.save_button)
    assert page.messages.kind == "warning"
    assert re.fullmatch(
        r"Показания за ноябрь 2026 изменил сотрудник ivanova в \d\d:\d\d: "
        r"Эл\.эн\. №12765948 T2 — 3458,000\. Ваши значения не сохранены: проверьте их и "
        r"сохраните ещё раз\.",
        page.messages.full_text,
    ), page.messages.full_text
    assert model.editing and page.save_button.isEnabled()
    assert [row[5] for row in shown(model)] == ["9950,500", "3460,500", ""]  # as typed
    assert stored(services, page_ctx, NOVEMBER) == {
        "Эл.эн. №12765948 T1": None,
        "Эл.эн. №12765948 T2": D("3458.000"),
        "ГВС 59537062": None,
    }

    click(qtbot, page, page.save_button)  # seen the message: the typed values go in
    assert page.messages.kind == "success" and not model.editing
    assert stored(services, page_ctx, NOVEMBER) == {
        "Эл.эн. №12765948 T1": D("9950.500"),
        "Эл.эн. №12765948 T2": D("3460.500"),
        "ГВС 59537062": None,
    }


def test_add_after_another_desk_added_opens_its_period(qtbot, open_page, page_ctx, services):
    """Two desks press «Добавить» for one account: the later one gets the period the other
    made, open for typing, rather than a refusal to go and press another button."""
    page = open_page(page_ctx)
    clerk = Actor.staff(7, "ivanova", StaffRole.CLERK)
    services.readings.create_period(clerk, page_ctx.served.id)

    click(qtbot, page, page.add_button)
    wait_idle(qtbot, page_ctx.app)
    assert page.messages.kind != "warning"
    assert periods(page.periods)[0] == ["Ноябрь 2026", "Ноябрь 2026"]
    assert page.periods_view.currentIndex().row() == 0
    assert page.readings.editing and page.period_label.text() == "Ноябрь 2026 — ввод показаний"
    assert shown(page.readings) == NOVEMBER_NEW


def test_add_on_an_existing_current_period_opens_it(qtbot, open_page, services, app_ctx):
    """3493 has passed November already: «Добавить» opens it for correcting."""
    ctx = login(services, app_ctx, "3493")
    page = open_page(ctx)
    count = len(services.readings.periods(ctx.actor, ctx.served.id))
    page.periods_view.selectRow(3)  # another period selected: «Добавить» still means this month
    wait_idle(qtbot, ctx.app)
    click(qtbot, page, page.add_button)
    assert page.readings.editing
    assert page.period_label.text() == "Ноябрь 2026 — ввод показаний"
    assert page.periods_view.currentIndex().row() == 0
    assert not page.messages.isVisible() or page.messages.kind != "warning"
    assert len(services.readings.periods(ctx.actor, ctx.served.id)) == count


def test_the_periods_explain_their_dates_and_1c_in_tooltips(qtbot, open_page, page_ctx):
    page = open_page(page_ctx)
    model, tip = page.periods, Qt.ItemDataRole.ToolTipRole
    header = [model.headerData(c, Qt.Orientation.Horizontal, tip) for c in range(3)]
    assert header[0] is None
    assert "точные дата и время" in header[1]
    assert "приняты бухгалтерией" in header[2]
    changed = model.index(0, PeriodsModel.CHANGED).data(tip)
    assert re.fullmatch(r"Показания периода изменены \d\d\.\d\d\.2017 в \d\d:\d\d:\d\d", changed)
    accepted = model.index(0, PeriodsModel.ACCEPTED).data(tip)
    assert accepted.startswith("Показания приняты бухгалтерией (загружены в 1С) ")
