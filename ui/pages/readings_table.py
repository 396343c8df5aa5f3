"""The tables of «Приборы учета»: a centred check mark for «Принят в 1С», the editor of a
typed value, and the meters table that moves from one value to the next like a spreadsheet."""

from __future__ import annotations

from PySide6.QtCore import (
    QModelIndex,
    QPersistentModelIndex,
    QPoint,
    QRect,
    QRegularExpression,
    Qt,
    QTimer,
)
from PySide6.QtGui import QPainter, QRegularExpressionValidator
from PySide6.QtWidgets import (
    QAbstractItemDelegate,
    QAbstractItemView,
    QApplication,
    QLineEdit,
    QStyle,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QTableView,
    QWidget,
)

from desktop.readings import RowKey
from ui.models.readings import ReadingsModel

Index = QModelIndex | QPersistentModelIndex


class CheckMarkDelegate(QStyledItemDelegate):
    """Draws a cell's check mark in the middle of the cell rather than at its left edge."""

    def paint(self, painter: QPainter, option: QStyleOptionViewItem, index: Index) -> None:
        item = QStyleOptionViewItem(option)
        self.initStyleOption(item, index)
        widget = item.widget
        style = widget.style() if widget is not None else QApplication.style()
        indicator = style.subElementRect(
            QStyle.SubElement.SE_ItemViewItemCheckIndicator, item, widget
        )
        check = QStyleOptionViewItem(item)
        item.features &= ~QStyleOptionViewItem.ViewItemFeature.HasCheckIndicator
        style.drawControl(QStyle.ControlElement.CE_ItemViewItem, item, painter, widget)
        rect = QRect(QPoint(0, 0), indicator.size())
        rect.moveCenter(option.rect.center())
        check.rect = rect
        check.state &= ~QStyle.StateFlag.State_HasFocus
        checked = check.checkState == Qt.CheckState.Checked
        check.state |= QStyle.StateFlag.State_On if checked else QStyle.StateFlag.State_Off
        style.drawPrimitive(
            QStyle.PrimitiveElement.PE_IndicatorItemViewItemCheck, check, painter, widget
        )


class ValueDelegate(QStyledItemDelegate):
    """The editor of «Текущее значение»: digits with a decimal comma or point, right-aligned.
    Anything else the service explains on «Сохранить»; the editor only keeps out letters."""

    def createEditor(self, parent: QWidget, option: QStyleOptionViewItem, index: Index) -> QWidget:
        editor = QLineEdit(parent)
        editor.setObjectName("valueEditor")
        editor.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        editor.setValidator(
            QRegularExpressionValidator(QRegularExpression(r"[0-9 .,\-]{0,20}"), editor)
        )
        editor.setAccessibleName(ReadingsModel.COLUMNS[ReadingsModel.CURRENT])
        editor.setAccessibleDescription(
            str(index.siblingAtColumn(ReadingsModel.TITLE).data() or "")
        )
        # The style sheet's padded, rounded line edit does not fit a table row.
        editor.setStyleSheet("padding: 0 4px; border: 2px solid #1f5fae; border-radius: 0;")
        return editor


class EntryTable(QTableView):
    """The meters table. After a typed value, Enter moves down to the next row that takes a
    value and Tab opens it straight away, as in a spreadsheet."""

    def __init__(self, column: int, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.entry_column = column

    def next_entry(self, step: int) -> QModelIndex:
        model = self.model()
        row = self.currentIndex().row() + step
        while 0 <= row < model.rowCount():
            index = model.index(row, self.entry_column)
            if model.flags(index) & Qt.ItemFlag.ItemIsEditable:
                return index
            row += step
        return QModelIndex()

    def closeEditor(self, editor: QWidget, hint: QAbstractItemDelegate.EndEditHint) -> None:
        Hint = QAbstractItemDelegate.EndEditHint
        if hint in (Hint.EditNextItem, Hint.EditPreviousItem):
            super().closeEditor(editor, Hint.NoHint)
            target = self.next_entry(1 if hint == Hint.EditNextItem else -1)
            if target.isValid():
                self.setCurrentIndex(target)
                self.edit(target)
            return
        super().closeEditor(editor, hint)
        if hint == Hint.SubmitModelCache:  # Enter
            target = self.next_entry(1)
            if target.isValid():
                self.setCurrentIndex(target)
                # A touch screen opens a cell as it becomes current (ui.kiosk.touch): the
                # next value's editor, and the keypad with it, after «Готово» too.
                if self.editTriggers() & QAbstractItemView.EditTrigger.CurrentChanged:
                    kept = QPersistentModelIndex(target)
                    QTimer.singleShot(0, lambda: self._edit_if_current(QModelIndex(kept)))

    def _edit_if_current(self, index: QModelIndex) -> None:
        if index.isValid() and index == self.currentIndex() and self.indexWidget(index) is None:
            self.edit(index)

    def current_key(self) -> RowKey | None:
        """The meter and zone of the current row (a note row: the reading it explains)."""
        model = self.model()
        row = model.reading(self.currentIndex().row()) if isinstance(model, ReadingsModel) else None
        return row.key if row is not None else None

    def set_current_key(self, key: RowKey | None) -> None:
        """Make that meter's row current again once the table was filled anew."""
        model = self.model()
        row = model.row_of(key) if key is not None and isinstance(model, ReadingsModel) else None
        if row is not None:
            self.setCurrentIndex(model.index(row, self.entry_column))

    def commit_open_editor(self) -> None:
        """Store what is typed in an open editor (Ctrl+S does not move the focus away)."""
        editor = self.indexWidget(self.currentIndex())
        if editor is not None and self.state() == QAbstractItemView.State.EditingState:
            self.commitData(editor)
            super().closeEditor(editor, QAbstractItemDelegate.EndEditHint.NoHint)
