"""The few modal questions the application asks, in one place so tests and the kiosk can
replace them."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtWidgets import QMessageBox, QWidget

if TYPE_CHECKING:  # print support loads only when something is printed
    from PySide6.QtPrintSupport import QPrinter


_forbidden = False  # a kiosk: no file or print dialog may open at all


def forbid_system_dialogs(forbidden: bool) -> None:
    """On a kiosk no file or print dialog may open (it leads to the whole file system):
    ``save_path`` and ``open_path`` then answer "" and ``choose_printer`` None, as if the
    person cancelled."""
    global _forbidden
    _forbidden = forbidden


def system_dialogs_forbidden() -> bool:
    return _forbidden


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


_last_folder: str | None = None  # where the person last saved a file, in this run


def save_folder() -> str:
    """Where a save dialog opens: the folder of the last file saved in this run, else the
    user's documents (never the program's own folder, the working directory)."""
    if _last_folder and Path(_last_folder).is_dir():
        return _last_folder
    from PySide6.QtCore import QStandardPaths

    documents = QStandardPaths.writableLocation(QStandardPaths.StandardLocation.DocumentsLocation)
    return documents if documents and Path(documents).is_dir() else str(Path.home())


def save_path(parent: QWidget | None, title: str, name: str, filters: str) -> str:
    """Ask where to save a file named ``name`` (the suggestion, in ``save_folder()``); ""
    when the person cancels."""
    from PySide6.QtWidgets import QFileDialog

    global _last_folder
    if _forbidden:
        return ""
    path, _filter = QFileDialog.getSaveFileName(
        parent, title, str(Path(save_folder()) / name), filters
    )
    if path:
        _last_folder = str(Path(path).parent)
    return path


def open_path(parent: QWidget | None, title: str, filters: str) -> str:
    """Ask which file to open, starting in ``save_folder()`` (the documents folder at
    first); "" when the person cancels. The folder chosen is remembered as a save is."""
    from PySide6.QtWidgets import QFileDialog

    global _last_folder
    if _forbidden:
        return ""
    path, _filter = QFileDialog.getOpenFileName(parent, title, save_folder(), filters)
    if path:
        _last_folder = str(Path(path).parent)
    return path


def choose_printer(parent: QWidget | None) -> QPrinter | None:
    """Ask which printer to use and how; None when the person cancels."""
    from PySide6.QtPrintSupport import QPrintDialog, QPrinter
    from PySide6.QtWidgets import QDialog

    if _forbidden:
        return None
    printer = QPrinter(QPrinter.PrinterMode.HighResolution)
    dialog = QPrintDialog(printer, parent)
    dialog.setWindowTitle("Печать")
    accepted = dialog.exec() == QDialog.DialogCode.Accepted
    return printer if accepted else None


def choose_folder(parent: QWidget | None, title: str) -> str:
    """Ask for a folder, starting in ``save_folder()``; "" when the person cancels."""
    from PySide6.QtWidgets import QFileDialog

    global _last_folder
    if _forbidden:
        return ""
    folder = QFileDialog.getExistingDirectory(parent, title, save_folder())
    if folder:
        _last_folder = folder
    return folder
