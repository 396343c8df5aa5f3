"""«Сотрудники»: the administrator's list of clerks and administrators — add one (with a
temporary password shown once, to be changed at first sign-in), disable or let work again,
reset a forgotten password."""

from __future__ import annotations

from PySide6.QtCore import QItemSelectionModel, Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QTableView,
    QWidget,
)

from desktop.auth import StaffInfo
from desktop.passwords import one_time_password
from ui import dialogs
from ui.context import PageContext
from ui.forms import make_button
from ui.models.text_table import TextTableModel
from ui.pages.base import BasePage
from ui.password_slip import show_password

ROLE_NAMES = {"admin": "Администратор", "clerk": "Оператор"}
LEFT = Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter
CENTER = Qt.AlignmentFlag.AlignCenter


class StaffModel(TextTableModel):
    headers = ("Логин", "ФИО", "Роль", "Активен", "Сменить\nпароль")
    alignments = (LEFT, LEFT, LEFT, CENTER, CENTER)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.staff: list[StaffInfo] = []

    def set_staff(self, staff: list[StaffInfo]) -> None:
        self.staff = staff
        self.set_rows(
            [
                (
                    s.login,
                    s.full_name,
                    ROLE_NAMES[s.role.value],
                    "да" if s.active else "нет",
                    "да" if s.must_change_password else "",
                )
                for s in staff
            ]
        )


class StaffPage(BasePage):
    title = "Сотрудники"

    def __init__(self, ctx: PageContext, parent: QWidget | None = None) -> None:
        super().__init__(ctx, parent)
        self.model = StaffModel(self)
        self.table = QTableView()
        self.table.setModel(self.model)
        self.table.setAccessibleName("Список сотрудников")
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.verticalHeader().hide()
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        self.table.selectionModel().selectionChanged.connect(lambda *_: self._update_buttons())
        self.layout_.addWidget(self.table, 1)

        actions = QHBoxLayout()
        self.disable = make_button(
            "Отключить", clicked=lambda: self._set_active(False), row=actions
        )
        self.enable = make_button("Допустить", clicked=lambda: self._set_active(True), row=actions)
        self.reset = make_button(
            "Сбросить пароль",
            description="Выдать новый временный пароль: сотрудник сменит его при входе",
            clicked=self._reset,
            row=actions,
        )
        actions.addStretch(1)
        self.layout_.addLayout(actions)

        self.layout_.addWidget(QLabel("Новый сотрудник"))
        form = QHBoxLayout()
        self.login = QLineEdit()
        self.login.setPlaceholderText("Логин (латиницей)")
        self.login.setAccessibleName("Логин")
        self.login.setMaxLength(50)
        self.full_name = QLineEdit()
        self.full_name.setPlaceholderText("ФИО")
        self.full_name.setAccessibleName("ФИО")
        self.full_name.setMaxLength(200)
        self.role = QComboBox()
        self.role.setAccessibleName("Роль")
        self.role.addItem("Оператор", "clerk")
        self.role.addItem("Администратор", "admin")
        form.addWidget(self.login, 1)
        form.addWidget(self.full_name, 2)
        form.addWidget(self.role)
        self.add = make_button("Добавить", "primary", clicked=self._add, row=form)
        self.full_name.returnPressed.connect(self._add)
        self.layout_.addLayout(form)
        self._update_buttons()

    def activate(self) -> None:
        self._reload()

    def selected(self) -> StaffInfo | None:
        rows = self.table.selectionModel().selectedRows()
        return self.model.staff[rows[0].row()] if rows else None

    def _reload(self, keep: str = "") -> None:
        actor, auth = self.ctx.actor, self.ctx.services.auth
        current = keep or (s.login if (s := self.selected()) else "")
        self.load(lambda: auth.list_staff(actor), lambda staff: self._show(staff, current))

    def _show(self, staff: list[StaffInfo], current: str) -> None:
        self.model.set_staff(staff)
        for row, member in enumerate(staff):
            if member.login == current:
                self.table.selectionModel().select(
                    self.model.index(row, 0),
                    QItemSelectionModel.SelectionFlag.ClearAndSelect
                    | QItemSelectionModel.SelectionFlag.Rows,
                )
                self.table.setCurrentIndex(self.model.index(row, 0))
        self._update_buttons()

    def _update_buttons(self) -> None:
        member = self.selected()
        self.disable.setEnabled(member is not None and member.active)
        self.enable.setEnabled(member is not None and not member.active)
        self.reset.setEnabled(member is not None and member.active)

    def _set_active(self, active: bool) -> None:
        member = self.selected()
        if member is None:
            return
        question = (
            f"Допустить сотрудника {member.full_name} ({member.login}) к работе снова?"
            if active
            else f"Отключить сотрудника {member.full_name} ({member.login})? Он не сможет "
            "войти, а его открытые сеансы на всех рабочих местах завершатся сразу."
        )
        if not dialogs.confirm(self, question, yes="Допустить" if active else "Отключить"):
            return
        actor, auth = self.ctx.actor, self.ctx.services.auth

        def done(info: StaffInfo) -> None:
            self.messages.success(
                f"{info.full_name} снова может входить в программу."
                if info.active
                else f"{info.full_name} отключен: его сеансы завершены."
            )
            self._reload(info.login)

        self.call(lambda: auth.set_staff_active(member.login, active, by=actor), done)

    def _reset(self) -> None:
        member = self.selected()
        if member is None:
            return
        question = (
            f"Выдать сотруднику {member.full_name} ({member.login}) новый временный пароль? "
            "Прежний перестанет действовать, открытые сеансы завершатся; новый пароль "
            "сотрудник сменит при первом входе."
        )
        if not dialogs.confirm(self, question, yes="Сбросить пароль"):
            return
        actor, auth = self.ctx.actor, self.ctx.services.auth

        def done(password: str) -> None:
            self.messages.success(f"Пароль сотрудника {member.login} сброшен.")
            self._reload(member.login)
            show_password(self, member.full_name, member.login, password)

        self.call(lambda: auth.reset_staff_password(member.login, by=actor), done)

    def _add(self) -> None:
        login, name, role = self.login.text(), self.full_name.text(), self.role.currentData()
        actor, auth = self.ctx.actor, self.ctx.services.auth
        password = one_time_password()  # never the administrator's choice: changed at sign-in

        def done(info: StaffInfo) -> None:
            self.login.clear()
            self.full_name.clear()
            self.messages.success(
                f"Сотрудник {info.full_name} ({ROLE_NAMES[info.role.value].lower()}) добавлен."
            )
            self._reload(info.login)
            show_password(self, info.full_name, info.login, password)

        self.call(lambda: auth.create_staff(login, name, role, password, by=actor), done)
