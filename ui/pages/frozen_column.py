"""A table's first column held in place while the rest scrolls sideways (the statement's
«ИТОГО» beside the row labels): a second view over the same model, laid on the main one and
showing that column only, its rows scrolled together with the main view's."""

from __future__ import annotations

from PySide6.QtCore import QAbstractItemModel, QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtWidgets import QAbstractItemView, QFrame, QHeaderView, QTableView, QWidget


class FrozenColumn(QTableView):
    """Column 0 of ``main``, drawn over it at the left of its viewport. Selection and row
    heights follow the main view; only the main view takes focus."""

    def __init__(self, main: QTableView) -> None:
        super().__init__(main)
        self.main = main
        self.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.setFrameShape(QFrame.Shape.NoFrame)
        self.verticalHeader().hide()
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setHorizontalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)
        self.setVerticalScrollMode(main.verticalScrollMode())
        self.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.setSelectionBehavior(main.selectionBehavior())
        self.setSelectionMode(main.selectionMode())
        self.setWordWrap(main.wordWrap())
        self.setStyleSheet("QTableView { border: none; border-right: 2px solid #c9d3df; }")
        header = self.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        header.setHighlightSections(False)
        header.setDefaultAlignment(main.horizontalHeader().defaultAlignment())
        rows = self.verticalHeader()
        rows.setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        rows.setDefaultSectionSize(main.verticalHeader().defaultSectionSize())
        main.verticalScrollBar().valueChanged.connect(self.verticalScrollBar().setValue)
        self.verticalScrollBar().valueChanged.connect(main.verticalScrollBar().setValue)
        main.horizontalHeader().sectionResized.connect(self._column_resized)
        main.horizontalHeader().geometriesChanged.connect(self.place)
        main.verticalHeader().geometriesChanged.connect(self.place)
        self.viewport().stackUnder(main.verticalScrollBar())

    def set_model(self, model: QAbstractItemModel) -> None:
        """The main view's model (set on it first), its selection shared."""
        self.setModel(model)
        self.setSelectionModel(self.main.selectionModel())
        self.refresh()

    def refresh(self) -> None:
        """After the model or the main view's spans and widths changed."""
        model = self.model()
        if model is None:
            return
        for column in range(model.columnCount()):
            self.setColumnHidden(column, column != 0)
        self.setColumnWidth(0, self.main.columnWidth(0))
        self.verticalScrollBar().setValue(self.main.verticalScrollBar().value())
        self.place()
        self.show()

    def _column_resized(self, column: int, _old: int, new: int) -> None:
        if column == 0:
            self.setColumnWidth(0, new)
            self.place()

    def place(self) -> None:
        """Over the main view's first column: its header cell and its rows."""
        main = self.main
        frame = main.frameWidth()
        self.setGeometry(
            main.verticalHeader().width() + frame,
            frame,
            main.columnWidth(0),
            main.viewport().height() + main.horizontalHeader().height(),
        )
        self.horizontalHeader().setFixedHeight(main.horizontalHeader().height())


def keep_clear_of(frozen: FrozenColumn, index: QModelIndex | QPersistentModelIndex) -> None:
    """Scroll the main view sideways so that a cell right of the frozen column is not hidden
    under it (keyboard navigation, ``scrollTo``)."""
    main = frozen.main
    if not index.isValid() or index.column() == 0:
        return
    left = main.columnViewportPosition(index.column())
    hidden = main.columnWidth(0) - left
    if hidden > 0:
        bar = main.horizontalScrollBar()
        bar.setValue(bar.value() - hidden)


class FrozenFirstColumnTable(QTableView):
    """A QTableView whose first column stays in place beside the row labels."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.frozen: FrozenColumn | None = None

    def freeze_first_column(self) -> FrozenColumn:
        """Call after ``setModel`` (and after setting a vertical header of one's own)."""
        self.frozen = FrozenColumn(self)
        model = self.model()
        if model is not None:
            self.frozen.set_model(model)
        return self.frozen

    def scrollTo(
        self,
        index: QModelIndex | QPersistentModelIndex,
        hint: QAbstractItemView.ScrollHint = QAbstractItemView.ScrollHint.EnsureVisible,
    ) -> None:
        super().scrollTo(index, hint)
        if self.frozen is not None:
            keep_clear_of(self.frozen, index)

    def resizeEvent(self, event) -> None:  # type: ignore[no-untyped-def]
        super().resizeEvent(event)
        if self.frozen is not None:
            self.frozen.place()
