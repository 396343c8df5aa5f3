"""«Журнал действий»: who did what, for which account, when — the administrator sees every
entry, a clerk only their own (``AuditLogService``). Filters by account, staff member,
action and period; the newest entries a page at a time («Показать ещё» reads older ones);
the filtered entries exported to XLSX in the background; the log's hash chain checked on
demand, its verdict in a status line."""

from __future__ import annotations

from datetime import date, timedelta
from typing import TYPE_CHECKING

from PySide6.QtCore import QDate, Qt
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDateEdit,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QProgressBar,
    QWidget,
)

from desktop.audit import AuditAction
from desktop.audit_log import PAGE, AuditFilter
from desktop.common.plural import plural
from desktop.permissions import Permission, allows
from ui import dialogs
from ui.context import PageContext
from ui.forms import make_button, row_table
from ui.job_controls import JobControls
from ui.models.audit_log import AuditLogModel
from ui.pages.base import BasePage
from ui.tasks import TaskState

if TYPE_CHECKING:
    from desktop.audit import ChainReport
    from desktop.audit_log import LogPage, StaffChoice

ACCOUNT = "Лицевой счет"
STAFF = "Сотрудник"
ACTION = "Действие"
PERIOD = "За период"
DATE_FROM = "Период с"
DATE_TO = "по"
SHOW = "Показать"
MORE = "Показать ещё"
EXPORT = "Выгрузить в XLSX…"
CANCEL = "Отмена"
VERIFY = "Проверить целостность"
ALL_STAFF = "Все сотрудники"
ALL_ACTIONS = "Все действия"
EXPORT_CANCELLED = "Выгрузка журнала отменена: файл не сохранён."


def count_text(shown: int, more: bool) -> str:
    if shown == 0:
        return "Записей нет: измените отбор."
    if more:
        return (
            f"Показаны последние {plural(shown, 'запись', 'записи', 'записей')}; есть и более "
            "ранние: «Показать ещё» или уточните отбор."
        )
    return f"Всего: {plural(shown, 'запись', 'записи', 'записей')}."


def verify_text(report: ChainReport) -> str:
    """The chain check's verdict for the status line."""
    if report.broken is None:
        return f"Журнал цел: проверено {plural(report.checked, 'запись', 'записи', 'записей')}."
    return "Журнал нарушен. " + report.broken.describe()


class AuditLogPage(BasePage):
    title = "Журнал действий"

    def __init__(self, ctx: PageContext, parent: QWidget | None = None) -> None:
        super().__init__(ctx, parent)
        self.admin = allows(ctx.actor, Permission.SEE_AUDIT_LOG)
        about = QLabel(
            "Все действия сотрудников, жителей и программы, новые сверху."
            if self.admin
            else "Ваши действия, новые сверху. Весь журнал видит администратор."
        )
        about.setObjectName("hint")
        self.layout_.insertWidget(1, about)

        grid = QGridLayout()
        grid.setHorizontalSpacing(8)
        self.account = QLineEdit()
        self.account.setAccessibleName(ACCOUNT)
        self.account.setPlaceholderText("Номер")
        self.account.setMaxLength(30)
        self.account.setClearButtonEnabled(True)
        self.account.setMaximumWidth(140)
        self.account.returnPressed.connect(self.reload)
        self.staff = QComboBox()
        self.staff.setAccessibleName(STAFF)
        self.staff.addItem(ALL_STAFF, "")
        _fit(self.staff, 10)
        self.action = QComboBox()
        self.action.setAccessibleName(ACTION)
        self.action.addItem(ALL_ACTIONS, None)
        for item in sorted(AuditAction, key=lambda a: a.label):
            self.action.addItem(item.label, item)
        _fit(self.action, 13)
        for column, (text, widget) in enumerate(
            ((ACCOUNT, self.account), (STAFF, self.staff), (ACTION, self.action))
        ):
            label = QLabel(text)
            label.setBuddy(widget)
            grid.addWidget(label, 0, 2 * column)
            grid.addWidget(widget, 0, 2 * column + 1)
        self.period = QCheckBox(PERIOD)
        self.period.setAccessibleName(PERIOD)
        self.date_from = self._date_edit(DATE_FROM)
        self.date_to = self._date_edit(DATE_TO)
        period_row = QHBoxLayout()
        period_row.addWidget(self.period)
        period_row.addWidget(self.date_from)
        to_label = QLabel(" по ")
        to_label.setBuddy(self.date_to)
        period_row.addWidget(to_label)
        period_row.addWidget(self.date_to)
        self.show_button = make_button(SHOW, "primary", clicked=self.reload, row=period_row)
        period_row.addStretch(1)
        grid.addLayout(period_row, 1, 0, 1, 6)
        grid.setColumnStretch(5, 1)
        self.layout_.addLayout(grid)

        tools = QHBoxLayout()
        self.export_button = make_button(EXPORT, clicked=self.choose_output, row=tools)
        self.cancel_button = make_button(CANCEL, row=tools)
        self.progress = QProgressBar()
        self.progress.setAccessibleName("Ход выгрузки")
        self.progress.setMaximumWidth(200)
        self.progress.hide()
        tools.addWidget(self.progress)
        tools.addStretch(1)
        self.verify_button = make_button(VERIFY, clicked=self.verify, row=tools)
        if not self.admin:  # the chain walks every entry: the administrator's
            self.verify_button.hide()
        self.layout_.addLayout(tools)
        self.job = JobControls(
            self.export_button,
            self.cancel_button,
            self.progress,
            self.messages,
            stopping="Выгрузка журнала останавливается…",
            cancelled=EXPORT_CANCELLED,
        )
        self.cancel_button.setEnabled(False)
        self.status = QLabel("")
        self.status.setAccessibleName("Целостность журнала")
        self.status.setWordWrap(True)
        self.status.hide()  # until the log is checked
        self.layout_.addWidget(self.status)

        self.model = AuditLogModel(self)
        widths = {0: 128, 1: 190, 2: 74, 3: 176, 4: 66}
        self.table = row_table(self.model, "Записи журнала", widths, (5,))
        self.table.setWordWrap(False)
        self.layout_.addWidget(self.table, 1)
        self.detail = QLabel("")
        self.detail.setAccessibleName("Выбранная запись")
        self.detail.setWordWrap(True)
        self.detail.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.layout_.addWidget(self.detail)
        self.table.selectionModel().currentRowChanged.connect(
            lambda cur, _p: self._describe(cur.row())
        )
        bottom = QHBoxLayout()
        self.count = QLabel("")
        self.count.setObjectName("hint")
        bottom.addWidget(self.count, 1)
        self.more_button = make_button(MORE, clicked=self.show_more, row=bottom)
        self.more_button.hide()
        self.layout_.addLayout(bottom)

        self.page_size = PAGE
        self._asked = 0  # the latest request's number: older answers are dropped
        self._started = False
        self.period.toggled.connect(self._period_toggled)
        self._period_toggled(False)
        self.staff.currentIndexChanged.connect(lambda _i: self.reload())
        self.action.currentIndexChanged.connect(lambda _i: self.reload())
        self.date_from.dateChanged.connect(lambda _d: self._period_changed())
        self.date_to.dateChanged.connect(lambda _d: self._period_changed())
        QShortcut(QKeySequence("Ctrl+F"), self, lambda: self.account.setFocus())

    def _date_edit(self, name: str) -> QDateEdit:
        edit = QDateEdit()
        edit.setAccessibleName(name)
        edit.setDisplayFormat("dd.MM.yyyy")
        edit.setCalendarPopup(True)
        return edit

    # -- reading

    def activate(self) -> None:
        if not self._started:
            self._started = True
            today = self.ctx.services.clock.today()
            for edit, day in ((self.date_from, today - timedelta(days=30)), (self.date_to, today)):
                edit.blockSignals(True)
                edit.setDate(QDate(day.year, day.month, day.day))
                edit.blockSignals(False)
            actor, log = self.ctx.actor, self.ctx.services.audit_log
            self.load(lambda: log.staff_members(actor), self._staff_loaded)
        self.reload()

    def _staff_loaded(self, choices: list[StaffChoice]) -> None:
        self.staff.blockSignals(True)
        for choice in choices:
            self.staff.addItem(choice.text, choice.login)
        self.staff.blockSignals(False)

    def filters(self) -> AuditFilter:
        dated = self.period.isChecked()
        return AuditFilter(
            account=self.account.text(),
            staff_login=self.staff.currentData() or "",
            action=self.action.currentData(),
            date_from=_day(self.date_from) if dated else None,
            date_to=_day(self.date_to) if dated else None,
        )

    def reload(self) -> None:
        """The newest entries matching the filters."""
        self._read(None)

    def show_more(self) -> None:
        """The next page of older entries, below those shown."""
        oldest = self.model.oldest_id()
        if oldest is not None:
            self._read(oldest)

    def _read(self, before: int | None) -> None:
        self._asked += 1
        asked, actor, log = self._asked, self.ctx.actor, self.ctx.services.audit_log
        filters, size = self.filters(), self.page_size
        self.load(
            lambda: log.entries(actor, filters, before=before, limit=size),
            lambda page: self._shown(asked, page, before is not None),
        )

    def _shown(self, asked: int, page: LogPage, appended: bool) -> None:
        if asked != self._asked:
            return  # a later filter's answer is on its way
        if self.messages.kind == "error":  # a refused filter, now put right
            self.messages.clear()
        selected = self.table.currentIndex().row()
        kept = self.model.entries[selected].id if 0 <= selected < len(self.model.entries) else None
        if appended:
            self.model.append_entries(page.rows)
        else:
            self.model.set_entries(page.rows)
        ids = [row.id for row in self.model.entries]
        if kept in ids:
            self.table.selectRow(ids.index(kept))
        self.count.setText(count_text(self.model.rowCount(), page.more))
        self.more_button.setVisible(page.more)
        self._describe(self.table.currentIndex().row())

    def _describe(self, row: int) -> None:
        """The chosen entry whole, under the table: its details are often wider than it."""
        if not 0 <= row < len(self.model.entries):
            self.detail.clear()
            return
        entry = self.model.entries[row]
        account = f", лицевой счет {entry.account}" if entry.account else ""
        text = f"№{entry.id}: {entry.action} — {entry.outcome}. {entry.actor}{account}."
        self.detail.setText(f"{text} {entry.details}" if entry.details else text)

    def _period_toggled(self, on: bool) -> None:
        self.date_from.setEnabled(on)
        self.date_to.setEnabled(on)
        if self._started:
            self.reload()

    def _period_changed(self) -> None:
        if self.period.isChecked():
            self.reload()

    # -- export

    def choose_output(self) -> None:
        if self.job.running:
            return
        today = self.ctx.services.clock.today()
        name = f"Журнал действий {today:%d.%m.%Y}.xlsx"
        path = dialogs.save_path(self, "Сохранить журнал действий", name, "Excel (*.xlsx)")
        if not path:
            return
        if not path.lower().endswith(".xlsx"):
            path += ".xlsx"
        self.start_export(path)

    def start_export(self, path: str) -> None:
        actor, log, filters = self.ctx.actor, self.ctx.services.audit_log, self.filters()
        self.job.begin("Журнал выгружается…")

        def work(state: TaskState) -> int:
            return log.export_xlsx(actor, filters, path, state=state)

        self.job.task = self.ctx.tasks.run_with_progress(
            work, self._export_progressed, lambda rows: self._exported(path, rows),
            self.job.failed, owner=self,
        )  # fmt: skip

    def _export_progressed(self, step: tuple[int, int]) -> None:
        self.messages.info(f"Журнал выгружается… записей: {step[0]}")

    def _exported(self, path: str, rows: int) -> None:
        self.job.ended()
        self.messages.success(
            f"Журнал сохранён: {path} ({plural(rows, 'запись', 'записи', 'записей')})."
        )
        self.reload()  # the export is an entry of its own

    # -- the chain

    def verify(self) -> None:
        """Walk the whole log in the background (it may hold millions of entries)."""
        actor, log = self.ctx.actor, self.ctx.services.audit_log
        self.verify_button.setEnabled(False)
        self.status.setText("Журнал проверяется…")
        self.status.show()
        self.ctx.tasks.run(
            lambda: log.verify(actor), self._verified, self._verify_failed, owner=self, lane="long"
        )

    def _verified(self, report: ChainReport) -> None:
        self.verify_button.setEnabled(True)
        self.status.setObjectName("" if report.intact else "error")
        self.status.setText(verify_text(report))

    def _verify_failed(self, error: Exception) -> None:
        self.verify_button.setEnabled(True)
        self.status.setText("")
        self.messages.error(error)

    def closing(self) -> None:
        self.job.closing()
        super().closing()


def _fit(combo: QComboBox, letters: int) -> None:
    """As wide as ``letters`` characters, whatever its longest item (the page fits 1024×768)."""
    combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
    combo.setMinimumContentsLength(letters)


def _day(edit: QDateEdit) -> date:
    chosen = edit.date()
    return date(chosen.year(), chosen.month(), chosen.day())
