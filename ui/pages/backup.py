"""«Резервная копия»: the administrator copies the SQLite database into a chosen folder while
the desks work, or restores it from a copy (the replaced database is kept beside it). On
PostgreSQL the page explains pg_dump and pg_restore and gives the commands."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QHBoxLayout, QLabel, QProgressBar, QWidget

from desktop.backup import BackupResult, RestoreResult
from ui import dialogs
from ui.context import PageContext
from ui.forms import make_button
from ui.pages.base import BasePage


class BackupPage(BasePage):
    title = "Резервная копия"

    def __init__(self, ctx: PageContext, parent: QWidget | None = None) -> None:
        super().__init__(ctx, parent)
        self.folder = Path(dialogs.save_folder())
        self.explanation = QLabel(
            "Копия базы делается во время работы: операторы могут продолжать. Храните копии "
            "на другом диске или флешке. Восстановление заменит все данные базы данными "
            "копии; текущая база сохранится рядом с ней."
        )
        self.explanation.setWordWrap(True)
        self.explanation.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.layout_.addWidget(self.explanation)
        where = QHBoxLayout()
        self.folder_label = QLabel()
        self.folder_label.setAccessibleName("Папка для копий")
        where.addWidget(self.folder_label, 1)
        self.choose = make_button("Выбрать папку…", clicked=self._choose, row=where)
        self.layout_.addLayout(where)
        actions = QHBoxLayout()
        self.create = make_button("Сделать копию", "primary", clicked=self._create, row=actions)
        self.restore = make_button("Восстановить из копии…", clicked=self._restore, row=actions)
        actions.addStretch(1)
        self.layout_.addLayout(actions)
        self.progress = QProgressBar()
        self.progress.setAccessibleName("Ход работы")
        self.progress.setRange(0, 100)
        self.progress.setValue(0)
        self.progress.hide()
        self.layout_.addWidget(self.progress)
        self.layout_.addStretch(1)
        self._show_folder()

    def activate(self) -> None:
        backup, actor = self.ctx.services.backup, self.ctx.actor
        self.load(lambda: backup.postgres_hint(actor), self._show_hint)

    def _show_hint(self, hint: str) -> None:
        """On PostgreSQL: the explanation and the commands instead of the buttons."""
        server = bool(hint)
        if server:
            self.explanation.setText(hint)
        for widget in (self.folder_label, self.choose, self.create, self.restore):
            widget.setVisible(not server)

    def _show_folder(self) -> None:
        self.folder_label.setText(f"Папка для копий: {self.folder}")

    def set_folder(self, folder: Path) -> None:
        """Where the next copies go."""
        self.folder = folder
        self._show_folder()

    def _choose(self) -> None:
        folder = dialogs.choose_folder(self, "Папка для резервных копий")
        if folder:
            self.set_folder(Path(folder))

    def _busy(self, busy: bool) -> None:
        for button in (self.choose, self.create, self.restore):
            button.setEnabled(not busy)
        self.progress.setVisible(True)
        self.progress.setRange(0, 0 if busy else 100)
        self.progress.setValue(0 if busy else 100)

    def _failed(self, error: Exception) -> None:
        self._busy(False)
        self.progress.hide()
        self.messages.error(error)

    def _create(self) -> None:
        stamp = datetime.now().strftime("%Y-%m-%d_%H-%M-%S")
        target = self.folder / f"cabinet-{stamp}.db"
        backup, actor = self.ctx.services.backup, self.ctx.actor
        self._busy(True)
        self.messages.info("Копия делается…")

        def done(result: BackupResult) -> None:
            self._busy(False)
            self.messages.success(
                f"Копия сохранена и проверена: {result.shown} ({result.size // 1024} КБ)."
            )

        self.call(lambda: backup.create(target, by=actor), done, self._failed)

    def _restore(self) -> None:
        source = dialogs.open_path(self, "Файл резервной копии", "Копии базы (*.db);;Все файлы (*)")
        if not source:
            return
        question = (
            f"Все данные базы будут заменены данными копии «{Path(source).name}». Текущая база "
            "сохранится рядом с ней. Перед этим попросите операторов закончить работу. "
            "Восстановить?"
        )
        if not dialogs.confirm(self, question, yes="Восстановить"):
            return
        backup, actor = self.ctx.services.backup, self.ctx.actor
        self._busy(True)

        def done(result: RestoreResult) -> None:
            self._busy(False)
            self.messages.success(
                f"База восстановлена из копии {result.source.name}. Прежняя база сохранена: "
                f"{result.kept}. Сотрудникам нужно войти снова."
            )

        self.call(lambda: backup.restore(source, by=actor), done, self._failed)
