"""«Приборы учета» beyond the seed: the consumption chart of the selected meter and the
verification reminders — on the demo's accounts, clicked as a resident would."""

from __future__ import annotations

import dataclasses
from datetime import date
from decimal import Decimal

from PySide6.QtCore import Qt

from tests.ui.conftest import wait_idle
from tests.ui.test_readings_page import click, login, open_page, row_titled, type_value
from ui.main_window import MainWindow
from ui.models.readings import ReadingsModel
from ui.pages.consumption_chart import ZONE_COLOURS
from ui.pages.readings import ReadingsPage
from ui.pages.registry import PAGES, Page

__all__ = ["open_page"]  # the fixture, shared with the readings page's tests

D = Decimal
Role = Qt.ItemDataRole


def choose_row(qtbot, page: ReadingsPage, title: str) -> None:
    """Click a meter's row in the table, as the resident does."""
    view = page.readings_view
    index = page.readings.index(row_titled(page.readings, title), ReadingsModel.SERIAL)
    view.scrollTo(index)
    qtbot.mouseClick(
        view.viewport(), Qt.MouseButton.LeftButton, pos=view.visualRect(index).center()
    )


def bar_pixels(page: ReadingsPage, zone: int = 0) -> int:
    image = page.consumption.chart.grab().toImage()
    colour = ZONE_COLOURS[zone].rgb()
    return sum(
        image.pixel(x, y) == colour
        for x in range(0, image.width(), 2)
        for y in range(0, image.height(), 2)
    )


def test_the_chart_shows_the_selected_meters_2017_months(qtbot, open_page, page_ctx):
    page = open_page(page_ctx)
    panel = page.consumption
    # Nothing chosen yet: the first meter in service of June 2017, the two-zone electricity.
    assert panel.meter_label.text() == "Эл.эн. №12765948"
    history = panel.chart.history
    assert history is not None
    assert (history.months[0], history.months[-1]) == (date(2015, 7, 1), date(2017, 6, 1))
    assert panel.summary.text().splitlines() == [
        "T1: в среднем 184,3\u00a0кВт·ч в месяц; за июнь 2017 — 173,8\u00a0кВт·ч",
        "T2: в среднем 77,9\u00a0кВт·ч в месяц; за июнь 2017 — 73,3\u00a0кВт·ч",
    ]
    assert bar_pixels(page, 0) > 0 and bar_pixels(page, 1) > 0
    assert panel.chart.accessibleDescription() == history.summary
    assert panel.summary.accessibleDescription().startswith(
        "Эл.эн. №12765948, расход за июль 2015 — июнь 2017:"
    )

    choose_row(qtbot, page, "ХВС 21883-12")
    assert panel.meter_label.text() == "ХВС 21883-12"
    assert panel.chart.accessibleName() == "График расхода: ХВС 21883-12"
    # November 2016 – June 2017: 5, 6, 5, 5, 4, 4, 3, 3 m³ — the jump check's 4,375.
    assert panel.summary.text() == "в среднем 4,4\u00a0м³ в месяц; за июнь 2017 — 3,0\u00a0м³"
    assert panel.chart.history.zones[0].average == D("4.375")
    assert bar_pixels(page, 0) > 0 and bar_pixels(page, 1) == 0


def test_saved_readings_move_the_chart(qtbot, open_page, services, app_ctx):
    ctx = login(services, app_ctx, "3493")
    page = open_page(ctx)
    panel = page.consumption
    title = "ГВС 3493019"  # (its cold-water meter ran out of verification: no values)
    choose_row(qtbot, page, title)
    assert panel.chart.history.zones[0].values[-1] == D("3.600")  # 271,9 → 275,5
    click(qtbot, page, page.edit_button)
    type_value(page.readings, title, "277,4")
    click(qtbot, page, page.save_button)
    assert page.messages.kind == "success"
    wait_idle(qtbot, app_ctx)
    assert panel.meter_label.text() == title
    assert panel.chart.history.zones[0].values[-1] == D("5.500")
    assert "за ноябрь 2026 — 5,5\u00a0м³" in panel.summary.text()


def test_an_overdue_meter_is_marked_with_what_to_do(qtbot, open_page, page_ctx):
    """The seed's ГВС 59537062 was due for verification on 1 June 2023."""
    page = open_page(page_ctx)
    model = page.readings
    row = row_titled(model, "ГВС 59537062")
    cell = model.index(row, ReadingsModel.TITLE)
    assert not cell.data(Role.DecorationRole).isNull()
    assert cell.data(Role.AccessibleTextRole) == "ГВС 59537062 — поверка просрочена"
    tip = cell.data(Role.ToolTipRole)
    assert "истёк 01.06.2023" in tip and "Закажите поверку в аккредитованной организации" in tip
    for other in ("ХВС 21883-12", "Эл.эн. №12765948 T1"):
        assert model.index(row_titled(model, other), 0).data(Role.DecorationRole) is None
    bar = page.consumption.reminders
    assert bar.isVisible() and bar.kind == "warning"
    assert bar.text() == (
        "Срок поверки счетчика «ГВС 59537062» истёк 01.06.2023: его показания не принимаются "
        "к расчету. Закажите поверку в аккредитованной организации и передайте свидетельство "
        "о поверке в офис."
    )
    assert bar.accessibleDescription() == bar.text()
    assert not page.messages.isVisible()  # said once, not again as a sign-in notice


def test_due_and_overdue_meters_of_3493(qtbot, open_page, services, app_ctx):
    """The demo's 3493: cold water ran out 20 days ago, hot water runs out in 45 days."""
    page = open_page(login(services, app_ctx, "3493"))
    model = page.readings
    cold = model.index(row_titled(model, "ХВС 3493018"), 0)
    hot = model.index(row_titled(model, "ГВС 3493019"), 0)
    assert cold.data(Role.AccessibleTextRole).endswith("поверка просрочена")
    assert hot.data(Role.AccessibleTextRole).endswith("скоро поверка")
    assert cold.data(Role.DecorationRole).cacheKey() != hot.data(Role.DecorationRole).cacheKey()
    assert "истекает 04.01.2027 (через 45 дней)" in hot.data(Role.ToolTipRole)
    text = page.consumption.reminders.text()
    assert "«ХВС 3493018» — срок истёк 31.10.2026" in text
    assert "«ГВС 3493019» — срок истекает 04.01.2027 (через 45 дней)" in text
    assert "Закажите поверку" in text


def test_signing_in_shows_the_reminders_on_the_first_page(qtbot, services, app_ctx):
    """Whichever page opens first, it tells of the verifications due."""
    ctx = login(services, app_ctx, "3493")
    first_debt = tuple(
        dataclasses.replace(spec, first=spec.page == Page.DEBT)
        for spec in PAGES
        if spec.page in (Page.DEBT, Page.METERS)
    )
    window = MainWindow(ctx, pages=first_debt)
    qtbot.addWidget(window)
    window.show()
    wait_idle(qtbot, app_ctx)
    page = window.page(Page.DEBT)
    assert window.stack.currentWidget() is page
    assert page.messages.isVisible() and page.messages.kind == "warning"
    assert page.messages.text().startswith("Поверка счетчиков: «ХВС 3493018» — срок истёк")


def test_no_reminder_without_a_verification_due(qtbot, open_page, services, app_ctx):
    page = open_page(login(services, app_ctx, "3517"))
    assert not page.consumption.reminders.isVisible()
    model = page.readings
    assert all(
        model.index(row, 0).data(Role.DecorationRole) is None for row in range(model.rowCount())
    )


def test_a_bars_tooltip_names_its_month_and_values(qtbot, open_page, page_ctx):
    page = open_page(page_ctx)
    chart = page.consumption.chart
    chart.grab()  # painted: the bars' places are known
    right = chart.width() - 8  # the newest month's bars
    assert chart.month_text(right) == "Июнь 2017: T1 173,8 кВт·ч, T2 73,3 кВт·ч"
    first = chart.width() - 8 - 23 * chart.width() * 0.9 / 24  # 23 months before, about
    assert chart.month_text(first).endswith(" 2015: T1 нет показаний, T2 нет показаний")
    assert chart.month_text(-5) == ""
