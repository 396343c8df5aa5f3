"""A staff member's temporary password, shown once to the administrator: read out, or printed
on a slip to hand over. It is never shown again; a forgotten one is reset anew."""

from __future__ import annotations

from html import escape

from PySide6.QtCore import Qt
from PySide6.QtGui import QFont, QTextDocument
from PySide6.QtWidgets import QDialog, QHBoxLayout, QLabel, QVBoxLayout, QWidget

from ui import dialogs
from ui.forms import make_button


def slip_html(full_name: str, login: str, password: str) -> str:
    """The printed slip: whose, the login, the password, what to do with it."""
    return (
        "<h2>Вход в программу для сотрудника</h2>"
        f"<p>Сотрудник: <b>{escape(full_name)}</b></p>"
        f"<p>Логин: <b>{escape(login)}</b></p>"
        f"<p>Временный пароль: <b style='font-family: monospace; font-size: 16pt'>"
        f"{escape(password)}</b></p>"
        "<p>В окне входа выберите «Вход для сотрудников». При первом входе программа "
        "попросит придумать свой пароль. Памятку после этого уничтожьте.</p>"
    )


class PasswordSlipDialog(QDialog):
    def __init__(self, parent: QWidget | None, full_name: str, login: str, password: str) -> None:
        super().__init__(parent)
        self.setWindowTitle("Временный пароль")
        self.html = slip_html(full_name, login, password)
        layout = QVBoxLayout(self)
        layout.addWidget(
            QLabel(
                f"Временный пароль для {full_name} (логин {login}). Он показан один раз: "
                "передайте его сотруднику или распечатайте памятку."
            )
        )
        shown = QLabel(password)
        shown.setAccessibleName("Временный пароль")
        font = QFont("monospace")
        font.setPointSize(20)
        font.setBold(True)
        shown.setFont(font)
        shown.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.password_label = shown
        layout.addWidget(shown)
        layout.addWidget(QLabel("При первом входе сотрудник придумает свой пароль."))
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        make_button("Печать памятки…", clicked=self.print_slip, row=buttons)
        done = make_button("Готово", "primary", clicked=self.accept, row=buttons)
        done.setDefault(True)
        layout.addLayout(buttons)

    def print_slip(self) -> None:
        printer = dialogs.choose_printer(self)
        if printer is None:
            return
        document = QTextDocument()
        document.setHtml(self.html)
        document.print_(printer)


def show_password(parent: QWidget | None, full_name: str, login: str, password: str) -> None:
    """Show the temporary password until the administrator closes the dialog."""
    dialog = PasswordSlipDialog(parent, full_name, login, password)
    try:
        dialog.exec()
    finally:
        dialog.deleteLater()
