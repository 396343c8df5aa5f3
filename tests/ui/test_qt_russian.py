"""Qt's own texts in Russian (its translations installed after the first paint), and save
dialogs that open in the user's documents, then where the person last saved."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import QCoreApplication, QTranslator
from PySide6.QtWidgets import QDialogButtonBox, QFileDialog

from ui import dialogs, translations


@pytest.fixture
def russian(qapp) -> Iterator[None]:
    before = set(qapp.findChildren(QTranslator))
    assert translations.install(qapp)
    yield
    for translator in set(qapp.findChildren(QTranslator)) - before:
        QCoreApplication.removeTranslator(translator)
        translator.deleteLater()


def test_qts_own_buttons_and_dialogs_speak_russian(russian, qtbot):
    box = QDialogButtonBox(
        QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel
    )
    qtbot.addWidget(box)
    assert box.button(QDialogButtonBox.StandardButton.Cancel).text() == "Отмена"
    assert box.button(QDialogButtonBox.StandardButton.Save).text() == "Сохранить"
    # The file dialog's own labels (Qt's widget dialog, as on a system without a native one).
    assert QCoreApplication.translate("QFileDialog", "Look in:") == "Перейти к:"
    assert QCoreApplication.translate("QFileDialog", "File &name:") != "File &name:"


def test_without_the_translations_qt_stays_english(qtbot):
    """The check above can fail: the same button without them."""
    box = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel)
    qtbot.addWidget(box)
    assert box.button(QDialogButtonBox.StandardButton.Cancel).text() == "Cancel"


def test_a_save_dialog_opens_in_documents_then_where_the_last_file_went(
    monkeypatch, tmp_path: Path
):
    documents = tmp_path / "Документы"
    documents.mkdir()
    monkeypatch.setattr(
        "PySide6.QtCore.QStandardPaths.writableLocation", lambda _location: str(documents)
    )
    monkeypatch.setattr(dialogs, "_last_folder", None)
    chosen = tmp_path / "Архив" / "Ведомость 3492.xlsx"
    chosen.parent.mkdir()
    asked: list[str] = []

    def dialog(_parent, _title, suggested, _filters):
        asked.append(suggested)
        return str(chosen), ""

    monkeypatch.setattr(QFileDialog, "getSaveFileName", dialog)
    assert dialogs.save_path(None, "Сохранить ведомость", "Ведомость 3492.xlsx", "") == str(chosen)
    dialogs.save_path(None, "Сохранить квитанцию", "Квитанция 3492.pdf", "")
    assert asked == [
        str(documents / "Ведомость 3492.xlsx"),
        str(chosen.parent / "Квитанция 3492.pdf"),
    ]


def test_without_a_documents_folder_a_save_dialog_opens_at_home(monkeypatch, tmp_path: Path):
    monkeypatch.setattr(
        "PySide6.QtCore.QStandardPaths.writableLocation", lambda _location: str(tmp_path / "нет")
    )
    monkeypatch.setattr(dialogs, "_last_folder", None)
    assert dialogs.save_folder() == str(Path.home())
