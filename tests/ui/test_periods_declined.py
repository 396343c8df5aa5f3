"""«Приборы учета»: a period 1C refused (its ``accepted`` file) says so in the «Обновлено из 1С»
cell, with 1C's reason, beside accepted and not yet answered ones."""

from __future__ import annotations

from datetime import UTC, date, datetime

from PySide6.QtCore import Qt

from desktop.readings import PeriodInfo
from ui.models.periods import NOT_ACCEPTED_TIP, PeriodsModel

MOMENT = datetime(2017, 6, 20, 9, 0, tzinfo=UTC)


def test_a_refused_period_shows_1c_s_reason(qtmodeltester):
    model = PeriodsModel()
    model.set_periods(
        [
            PeriodInfo(3, date(2017, 6, 1), MOMENT, None, declined_reason="Расход ГВС завышен."),
            PeriodInfo(2, date(2017, 5, 1), MOMENT, MOMENT),
            PeriodInfo(1, date(2017, 4, 1), MOMENT, None),
        ]
    )
    qtmodeltester.check(model)
    cells = [model.index(row, PeriodsModel.ACCEPTED) for row in range(3)]
    tips = [cell.data(Qt.ItemDataRole.ToolTipRole) for cell in cells]
    assert tips[0] == (
        "Бухгалтерия (1С) не приняла показания: Расход ГВС завышен. Проверьте их и исправьте в "
        "окне приёма или обратитесь в офис"
    )
    assert tips[1].startswith("Показания приняты бухгалтерией") and tips[2] == NOT_ACCEPTED_TIP
    heard = [cell.data(Qt.ItemDataRole.AccessibleTextRole) for cell in cells]
    assert heard == ["отклонено", "да", "нет"]
    checks = [cell.data(Qt.ItemDataRole.CheckStateRole) for cell in cells]
    assert checks == [Qt.CheckState.Unchecked, Qt.CheckState.Checked, Qt.CheckState.Unchecked]
