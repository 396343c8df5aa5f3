"""The few modal questions the application asks, in one place so tests and the kiosk can
replace them."""

from __future__ import annotations

from PySide6.QtWidgets import QMessageBox, QWidget


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
