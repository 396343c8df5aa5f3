"""The tables and small widgets of «Обмен данными»: what an import did per kind of record,
the problems that refused a file, the meters an export to ГИС ЖКХ could not carry, and the
latest batches; a hint, a progress bar, a row of buttons."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QProgressBar,
    QPushButton,
    QTableView,
)

from desktop.formatting import ru_datetime
from ui.models.text_table import TextTableModel

if TYPE_CHECKING:
    from desktop.common.problems import Problem
    from desktop.exchange.export_files import Skipped
    from desktop.exchange.report import BatchInfo, Tally

LEFT = Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter
RIGHT = Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter


class TallyModel(TextTableModel):
    headers = ("Записи", "Новых", "Изменено", "Без изменений")
    alignments = (LEFT, RIGHT, RIGHT, RIGHT)

    def set_tallies(self, tallies: list[Tally]) -> None:
        self.set_rows(
            [(t.title, str(t.created), str(t.updated), str(t.unchanged)) for t in tallies]
        )


class ProblemModel(TextTableModel):
    headers = ("Строка", "Столбец", "Что не так")
    alignments = (RIGHT, LEFT, LEFT)

    def set_problems(self, problems: list[Problem]) -> None:
        self.set_rows(
            [
                (str(p.row) if p.row is not None else "—", p.column or "—", p.message)
                for p in problems
            ]
        )


class SkippedModel(TextTableModel):
    headers = ("Лицевой счет", "Прибор", "Заводской №")
    alignments = (LEFT, LEFT, LEFT)

    def set_skipped(self, skipped: list[Skipped]) -> None:
        self.set_rows([(s.account, s.title, s.serial or "—") for s in skipped])


class BatchModel(TextTableModel):
    headers = ("Пакет №", "Загружен", "Кто", "Файл", "Что", "Строк")
    alignments = (RIGHT, LEFT, LEFT, LEFT, LEFT, RIGHT)

    def set_batches(self, batches: list[BatchInfo]) -> None:
        self.set_rows(
            [
                (
                    str(b.id),
                    ru_datetime(b.imported_at),
                    b.imported_by.removeprefix("staff:"),  # the audit's label: the login
                    b.file_name,
                    b.kind_title,
                    str(b.rows),
                )
                for b in batches
            ]
        )


def make_table(model: TextTableModel, name: str, stretch: int) -> QTableView:
    """A read-only table of ``model``, its column ``stretch`` taking the spare width."""
    table = QTableView()
    table.setAccessibleName(name)
    table.setModel(model)
    table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
    table.setWordWrap(True)
    table.verticalHeader().hide()
    header = table.horizontalHeader()
    header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
    header.setSectionResizeMode(stretch, QHeaderView.ResizeMode.Stretch)
    return table


def hint(text: str) -> QLabel:
    label = QLabel(text)
    label.setObjectName("hint")
    label.setWordWrap(True)
    return label


def progress_bar(name: str) -> QProgressBar:
    bar = QProgressBar()
    bar.setAccessibleName(name)
    bar.setRange(0, 1)
    bar.setTextVisible(True)
    bar.hide()
    return bar


def button_row(primary: QPushButton, cancel: QPushButton) -> QHBoxLayout:
    row = QHBoxLayout()
    primary.setMinimumWidth(200)
    cancel.setEnabled(False)
    row.addWidget(primary)
    row.addWidget(cancel)
    row.addStretch(1)
    return row
