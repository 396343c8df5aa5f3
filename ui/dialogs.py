"""The few modal questions the application asks, in one place so tests and the kiosk can
replace them."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

from PySide6.QtWidgets import QMessageBox, QWidget

if TYPE_CHECKING:  # print support loads only when something is printed
    from PySide6.QtPrintSupport import QPrinter


_system_dialogs = 0  # open now: the system's own save or print dialog


def in_system_dialog() -> bool:
    """Whether the system's own save or print dialog is open. The application sees no
    input in it, so the kiosk's idle logout waits for it to close."""
    return _system_dialogs > 0


@contextmanager
def _system_dialog() -> Iterator[None]:
    global _system_dialogs
    _system_dialogs += 1
    try:
        yield
    finally:
        _system_dialogs -= 1


def confirm(
    parent: QWidget | None,
    text: str,
    *,
    title: str = "Подтверждение",
    yes: str = "Да",
    no: str = "Отмена",
) -> bool:
    box = QMessageBox(QMessageBox.Icon.Question, title, text, parent=parent)
    yes_button = box.addButton(yes, QMessageBox.ButtonRole.YesRole)
    no_button = box.addButton(no, QMessageBox.ButtonRole.NoRole)
    yes_button.setAccessibleName(yes)
    no_button.setAccessibleName(no)
    box.setDefaultButton(no_button)
    box.exec()
    return box.clickedButton() is yes_button


def save_path(parent: QWidget | None, title: str, suggested: str, filters: str) -> str:
    """Ask where to save a file; "" when the person cancels."""
    from PySide6.QtWidgets import QFileDialog

    with _system_dialog():
        path, _filter = QFileDialog.getSaveFileName(parent, title, suggested, filters)
    return path


def choose_printer(parent: QWidget | None) -> QPrinter | None:
    """Ask which printer to use and how; None when the person cancels."""
    from PySide6.QtPrintSupport import QPrintDialog, QPrinter
    from PySide6.QtWidgets import QDialog

    printer = QPrinter(QPrinter.PrinterMode.HighResolution)
    dialog = QPrintDialog(printer, parent)
    dialog.setWindowTitle("Печать")
    with _system_dialog():
        accepted = dialog.exec() == QDialog.DialogCode.Accepted
    return printer if accepted else None
