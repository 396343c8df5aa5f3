"""«Приборы учета»: the periods, the meters of the selected one, and this month's readings
typed straight into the table and sent with «Сохранить»."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from PySide6.QtCore import QItemSelectionModel, QModelIndex, Qt
from PySide6.QtGui import QKeyEvent, QKeySequence, QResizeEvent, QShortcut
from PySide6.QtWidgets import (
    QAbstractItemDelegate,
    QAbstractItemView,
    QHeaderView,
    QLabel,
    QTableView,
    QWidget,
)

from desktop.errors import UserError
from desktop.failures import retry_read
from desktop.months import month_start
from desktop.readings import (
    Confirmation,
    PeriodExists,
    PeriodInfo,
    ReadingRow,
    ReadingsChanged,
    ReadingsRefused,
    SubmitResult,
    Window,
)
from ui import dialogs
from ui.context import PageContext
from ui.forms import make_button
from ui.messages import MessageBar
from ui.models.periods import PeriodsModel
from ui.models.readings import ENTRY_TIP_TOUCH, ReadingsModel
from ui.pages.base import BasePage
from ui.pages.consumption_chart import ConsumptionPanel
from ui.pages.readings_controls import ReadingsControls
from ui.pages.readings_sections import ReadingsSections
from ui.pages.readings_table import CheckMarkDelegate, EntryTable, ValueDelegate
from ui.pages.readings_texts import (
    ADD,
    CANCEL,
    DELETE,
    EDIT,
    ENTRY_HINT,
    ENTRY_HINT_TOUCH,
    NOTHING_TYPED,
    PERIODS,
    SAVE,
    SECTION,
    WINDOW,
)

Loaded = tuple[Window, list[PeriodInfo], PeriodInfo | None, list[ReadingRow]]


def _pick(periods: Sequence[PeriodInfo], month: date | None) -> PeriodInfo | None:
    """The period to select: the one asked for if it is still there, else the newest."""
    asked = next((info for info in periods if info.month == month), None)
    return asked or (periods[0] if periods else None)


class ReadingsPage(ReadingsControls, BasePage):
    """The periods (newest first) above; the selected period's meters below. «Добавить» opens
    this month's period for typing, «Сохранить» sends it; every refusal shows beside its row."""

    title = "Приборы учета"
    shows_reminders = True  # of verification: no sign-in notice besides (ui.pages.verification)

    def __init__(self, ctx: PageContext, parent: QWidget | None = None) -> None:
        super().__init__(ctx, parent)
        self._selected: PeriodInfo | None = None
        self._wanted: date | None = None  # the period whose rows are being loaded
        self._busy = False
        self._quiet = False  # selection changes made by the page itself load nothing
        self._loaded = False  # the periods have arrived at least once
        self._window: Window | None = None

        self.notice = MessageBar(self)
        self.notice.setAccessibleName(WINDOW)
        self.layout_.insertWidget(1, self.notice)

        self.periods = PeriodsModel(self)
        self.readings = ReadingsModel(self)
        if ctx.kiosk:
            self.readings.entry_tip = ENTRY_TIP_TOUCH

        self.add_button = make_button(ADD)
        self.edit_button = make_button(EDIT)
        self.delete_button = make_button(DELETE)
        self.periods_view = QTableView()
        self._setup_periods_view()

        self.section = QLabel(SECTION)
        self.section.setObjectName("sectionTitle")
        self.period_label = QLabel()
        self.period_label.setObjectName("hint")
        self.period_label.setWordWrap(True)
        self.readings_view = EntryTable(ReadingsModel.CURRENT)
        self.section.setBuddy(self.readings_view)
        self._setup_readings_view()
        self.entry_hint = QLabel(ENTRY_HINT_TOUCH if ctx.kiosk else ENTRY_HINT)
        self.entry_hint.setObjectName("hint")
        self.entry_hint.setWordWrap(True)
        self.save_button = make_button(SAVE, "primary")
        self.cancel_button = make_button(CANCEL)
        self.consumption = ConsumptionPanel(self, self.readings, self.readings_view)
        self.layout_.insertWidget(2, self.consumption.reminders)

        self.splitter = ReadingsSections(
            (self.add_button, self.edit_button, self.delete_button),
            self.periods_view,
            self.section,
            self.period_label,
            self.readings_view,
            self.entry_hint,
            (self.save_button, self.cancel_button),
            self.consumption,
        )
        self.actions = self.splitter.actions
        self.layout_.addWidget(self.splitter, 1)
        QWidget.setTabOrder(self.add_button, self.edit_button)
        QWidget.setTabOrder(self.edit_button, self.delete_button)
        QWidget.setTabOrder(self.delete_button, self.periods_view)
        QWidget.setTabOrder(self.periods_view, self.readings_view)
        QWidget.setTabOrder(self.readings_view, self.save_button)
        QWidget.setTabOrder(self.save_button, self.cancel_button)

        self.add_button.clicked.connect(self.add_period)
        self.edit_button.clicked.connect(self.edit_period)
        self.delete_button.clicked.connect(self.delete_period)
        self.save_button.clicked.connect(lambda: self.save())
        self.cancel_button.clicked.connect(self.cancel_edit)
        self.periods_view.selectionModel().currentRowChanged.connect(self._period_changed)
        self.periods_view.activated.connect(lambda _index: self.edit_period())
        self.readings_view.activated.connect(self._entry_activated)
        save = QShortcut(QKeySequence(QKeySequence.StandardKey.Save), self)
        save.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        save.activated.connect(self._save_shortcut)
        self._update_controls()

    # -- building the screen

    def _setup_periods_view(self) -> None:
        view = self.periods_view
        view.setModel(self.periods)
        view.setAccessibleName(PERIODS)
        view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        view.setTabKeyNavigation(False)
        view.setWordWrap(False)
        view.verticalHeader().hide()
        view.verticalHeader().setDefaultSectionSize(32)
        header = view.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        header.setHighlightSections(False)
        view.setItemDelegateForColumn(PeriodsModel.ACCEPTED, CheckMarkDelegate(view))
        view.setMinimumHeight(32 * 3 + 34)

    def _setup_readings_view(self) -> None:
        view = self.readings_view
        view.setModel(self.readings)
        view.setAccessibleName(SECTION)
        view.setItemDelegateForColumn(ReadingsModel.CURRENT, ValueDelegate(view))
        view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectItems)
        view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        Trigger = QAbstractItemView.EditTrigger
        view.setEditTriggers(Trigger.DoubleClicked | Trigger.EditKeyPressed | Trigger.AnyKeyPressed)
        view.setTabKeyNavigation(False)  # Tab leaves the table; inside an editor it moves down
        view.setWordWrap(True)
        view.verticalHeader().hide()
        view.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        view.verticalHeader().setMinimumSectionSize(32)
        header = view.horizontalHeader()
        header.setHighlightSections(False)
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(ReadingsModel.TITLE, QHeaderView.ResizeMode.Stretch)
        header.setMinimumSectionSize(60)
        view.setMinimumHeight(32 * 3 + 34)
        for signal in (
            self.readings.modelReset,
            self.readings.rowsInserted,
            self.readings.rowsRemoved,
        ):
            signal.connect(self._span_notes)
            signal.connect(self._schedule_fit)

    def _span_notes(self, *_args: object) -> None:
        """A note row reads across the whole table, right beneath the row it explains."""
        view = self.readings_view
        view.clearSpans()
        for row in self.readings.note_rows():
            view.setSpan(row, 0, 1, self.readings.columnCount())

    def _schedule_fit(self, *_args: object) -> None:
        self.splitter.schedule_fit()

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self._fold_for_entry()
        self._schedule_fit()

    # -- loading

    def activate(self) -> None:
        if self.readings.editing:  # coming back mid-entry: keep what was typed
            self.load(lambda: self.ctx.services.readings.window(), self._show_window)
            return
        self._reload(self._selected.month if self._selected else None)

    def _reload(self, month: date | None = None) -> None:
        """Fetch the window, the periods and the rows of the one to select, in one job."""
        self._run(lambda: retry_read(lambda: self._fetch(month)), self._show_loaded)

    def _fetch(self, month: date | None) -> Loaded:
        """Runs in the background."""
        service, actor, account_id = self.ctx.services.readings, self.ctx.actor, self.ctx.served.id
        periods = service.periods(actor, account_id)
        chosen = _pick(periods, month)
        rows = service.readings(actor, account_id, chosen.month) if chosen else []
        return service.window(), periods, chosen, rows

    def _show_loaded(self, loaded: Loaded) -> None:
        window, periods, chosen, rows = loaded
        self._show_window(window)
        self._quiet = True
        try:
            self.periods.set_periods(periods)
            row = self.periods.row_of(chosen.month) if chosen else None
            if row is not None:
                self.periods_view.selectRow(row)
                self.periods_view.scrollTo(self.periods.index(row, 0))
        finally:
            self._quiet = False
        self._selected, self._wanted = chosen, chosen.month if chosen else None
        self._loaded = True
        self.readings.set_rows(rows)
        self._update_controls()

    def _show_window(self, window: Window) -> None:
        self._window = window
        self.notice.info(window.message)
        self._update_controls()

    def _period_changed(self, current: QModelIndex, _previous: QModelIndex) -> None:
        if self._quiet:
            return
        info = self.periods.period(current.row())
        self._selected = info
        self._update_controls()
        if info is None:
            self.readings.set_rows([])
            return
        self._wanted = info.month
        self.load(
            lambda: self.ctx.services.readings.readings(
                self.ctx.actor, self.ctx.served.id, info.month
            ),
            lambda rows: self._rows_loaded(info.month, rows),
        )

    def _rows_loaded(self, month: date, rows: list[ReadingRow]) -> None:
        if month == self._wanted and not self.readings.editing:  # not a stale answer
            self.readings.set_rows(rows)

    # -- the buttons

    def add_period(self) -> None:
        """«Добавить»: this month's period, with the previous values, ready for typing; if it
        is already there, it is opened for editing instead."""
        if self._busy or self.readings.editing:
            return
        month = month_start(self._window.today) if self._window else None
        if month is not None and self.periods.row_of(month) is not None:
            self._edit_month(month)
            return

        def work() -> tuple[PeriodInfo, Loaded]:
            service, ctx = self.ctx.services.readings, self.ctx
            info = service.create_period(ctx.actor, ctx.served.id)
            return info, self._fetch(info.month)

        def done(result: tuple[PeriodInfo, Loaded]) -> None:
            info, loaded = result
            self._show_loaded(loaded)
            self._enter_edit()
            self.messages.info(
                f"Период «{info.title}» создан. Введите текущие показания и нажмите «{SAVE}»."
            )

        def failed(error: Exception) -> None:
            if isinstance(error, PeriodExists):  # another desk created it a moment ago
                self._run(lambda: retry_read(lambda: self._fetch(error.month)), self._then_edit)
                return
            self._refused(error)
            self._reload()

        self.messages.clear()
        self._run(work, done, failed)

    def _edit_month(self, month: date) -> None:
        row = self.periods.row_of(month)
        if row is not None:
            self.periods_view.selectRow(row)  # loads its rows, then replaced by the edit's
            self._selected = self.periods.period(row)
            self.edit_period()

    def _then_edit(self, loaded: Loaded) -> None:
        self._show_loaded(loaded)
        self.edit_period()

    def edit_period(self) -> None:
        """«Редактировать»: the service decides whether the selected period may change."""
        info = self._selected
        if not self.edit_button.isEnabled() or info is None:  # e.g. Enter outside the window
            return
        ctx = self.ctx

        def done(opened: tuple[PeriodInfo, list[ReadingRow]]) -> None:
            self._selected, rows = opened
            self.periods.update_period(self._selected)
            self.readings.set_rows(rows)
            self._enter_edit()

        self.messages.clear()
        self._run(
            lambda: self.ctx.services.readings.open_for_edit(ctx.actor, ctx.served.id, info.month),
            done,
        )

    def delete_period(self) -> None:
        info = self._selected
        if not self.delete_button.isEnabled() or info is None:
            return
        question = f"Удалить период «{info.title}» вместе с его показаниями?"
        if not dialogs.confirm(self, question, title="Удаление периода", yes=DELETE, no=CANCEL):
            return
        ctx = self.ctx

        def work() -> Loaded:
            ctx.services.readings.delete_period(
                ctx.actor, ctx.served.id, info.month, version=info.version
            )
            return self._fetch(None)

        def done(loaded: Loaded) -> None:
            self._show_loaded(loaded)
            self.messages.success(f"Период «{info.title}» удалён.")

        def failed(error: Exception) -> None:
            self._refused(error)
            if isinstance(error, ReadingsChanged):  # show what is stored now before deleting
                self._reload(info.month)

        self.messages.clear()
        self._run(work, done, failed)

    def save(self, confirmed: dict[tuple[int, int], Confirmation] | None = None) -> None:
        """«Сохранить»: send the typed values; the service checks them all or stores none."""
        if self._busy or not self.readings.editing or self._selected is None:
            return
        self.readings_view.commit_open_editor()
        values = self.readings.typed_values()
        if not values:
            self.messages.warning(NOTHING_TYPED)
            return
        ctx, month, version = self.ctx, self._selected.month, self._selected.version
        self._run(
            lambda: self.ctx.services.readings.submit(
                ctx.actor, ctx.served.id, month, values, confirmed=confirmed or {}, version=version
            ),
            self._saved,
            self._save_failed,
        )

    def cancel_edit(self) -> None:
        if not self.readings.editing or self._busy:
            return
        self._leave_edit()
        self.messages.clear()
        self.periods_view.setFocus()

    # -- outcomes

    def _saved(self, result: SubmitResult) -> None:
        self._selected = result.period
        self.periods.update_period(result.period)
        key = self.readings_view.current_key()
        self._leave_edit()
        self.readings.set_rows(result.rows)
        self.readings_view.set_current_key(key)  # the row last typed in stays current
        self.messages.success(result.message)
        self.readings_view.setFocus()

    def _save_failed(self, error: Exception) -> None:
        if isinstance(error, ReadingsChanged):
            # Someone else saved this period since it was opened. The message names their
            # values; what was typed here stays, and «Сохранить» again stores it over theirs.
            self._selected = error.period
            self.periods.update_period(error.period)
            self.messages.warning(str(error))
            self.readings_view.setFocus()
            return
        if not isinstance(error, ReadingsRefused):
            self._refused(error)
            return
        problems = error.problems
        self.readings.set_problems(problems)
        lines = "\n".join(error.lines)
        if all(problem.needs == Confirmation.JUMP for problem in problems):
            self.messages.warning(f"Проверьте показания:\n{lines}")
            question = f"{lines}\n\nЕсли показания верны, сохраните их."
            if dialogs.confirm(
                self, question, title="Проверьте показания", yes="Показания верны", no="Исправить"
            ):
                rows = self.readings.rows
                self.save(
                    {rows[p.row].key: Confirmation.JUMP for p in problems if p.row is not None}
                )
                return
            self.messages.warning(
                f"Показания не сохранены. Исправьте отмеченные значения или нажмите «{SAVE}» "
                "ещё раз и подтвердите их.\n" + lines
            )
        else:
            self.messages.error(str(error))
        self._focus_problem()

    def _refused(self, error: Exception) -> None:
        """A service said no: its own words as a warning; anything unexpected as an error."""
        if isinstance(error, UserError):
            self.messages.warning(str(error))
        else:
            self.messages.error(error)

    # -- edit mode

    def _enter_edit(self) -> None:
        self.readings.set_editing(True)
        self._update_controls()
        row = self.readings.first_editable_row()
        if row is not None:
            self.readings_view.setCurrentIndex(self.readings.index(row, ReadingsModel.CURRENT))
        self.readings_view.setFocus()

    def _leave_edit(self) -> None:
        if self.readings_view.state() == QAbstractItemView.State.EditingState:
            editor = self.readings_view.indexWidget(self.readings_view.currentIndex())
            if editor is not None:
                self.readings_view.closeEditor(
                    editor, QAbstractItemDelegate.EndEditHint.RevertModelCache
                )
        self.readings.set_editing(False)
        self._update_controls()

    def _focus_problem(self) -> None:
        rows = self.readings.problem_rows()
        if rows:
            # Current but not selected: the selection colour would hide the cell's red.
            view = self.readings_view
            view.clearSelection()
            view.selectionModel().setCurrentIndex(
                self.readings.index(rows[0], ReadingsModel.CURRENT),
                QItemSelectionModel.SelectionFlag.NoUpdate,
            )
            view.setFocus()

    def _entry_activated(self, index: QModelIndex) -> None:
        """Enter on a cell that takes a value opens its editor (F2 does so by itself)."""
        if self.readings.flags(index) & Qt.ItemFlag.ItemIsEditable:
            self.readings_view.edit(index)

    def _save_shortcut(self) -> None:
        if self.readings.editing:
            self.save()

    def keyPressEvent(self, event: QKeyEvent) -> None:
        # Esc reaches the page only when no cell editor took it: then it ends edit mode.
        if event.key() == Qt.Key.Key_Escape and self.readings.editing:
            self.cancel_edit()
            event.accept()
            return
        super().keyPressEvent(event)
