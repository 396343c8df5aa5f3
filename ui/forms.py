"""Small builders shared by the forms: labelled fields, buttons, hints, cards, scrolling.

They never touch Qt's ``Qt`` namespace (``Qt.AlignmentFlag`` and the like): the login window
is built with them before its first paint, and PySide creates that namespace's ninety-odd
enums (about 15 ms) on first use. What would need it is declared in the style sheet instead
(``ui/theme.py``): a label is centred by ``setProperty("centered", True)``, a scrolling form
never takes the focus itself, and a label marked ``selectable`` can be selected with the mouse.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QAbstractItemModel
from PySide6.QtWidgets import (
    QAbstractItemView,
    QBoxLayout,
    QFrame,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QScrollArea,
    QSizePolicy,
    QTableView,
    QVBoxLayout,
    QWidget,
)


def make_button(
    text: str,
    kind: str = "",
    *,
    description: str = "",
    clicked: Callable[[], object] | None = None,
    row: QBoxLayout | None = None,
) -> QPushButton:
    """A button whose accessible name is its label; Enter on it clicks it, as Space does.
    ``clicked`` is called without arguments; ``row`` is the layout to add the button to."""
    button = QPushButton(text)
    if kind:
        button.setObjectName(kind)
    button.setAccessibleName(text.replace("&", ""))
    if description:
        button.setAccessibleDescription(description)
    button.setAutoDefault(True)
    if clicked is not None:
        # A lambda, so that Qt does not pass «checked» to a callable that takes an argument.
        button.clicked.connect(lambda _checked=False: clicked())
    if row is not None:
        row.addWidget(button)
    return button


def set_button_text(button: QPushButton, text: str) -> None:
    """Change a label and the accessible name with it (e.g. «Войти» → «Вход…»)."""
    button.setText(text)
    button.setAccessibleName(text.replace("&", ""))


def add_field(
    layout: QVBoxLayout, text: str, *, password: bool = False, max_length: int = 200
) -> QLineEdit:
    """A label above its input, the label being the input's buddy and accessible name."""
    label = QLabel(text)
    field = QLineEdit()
    field.setAccessibleName(text)
    field.setMaxLength(max_length)
    if password:
        field.setEchoMode(QLineEdit.EchoMode.Password)
    label.setBuddy(field)
    if layout.count():
        layout.addSpacing(6)
    layout.addWidget(label)
    layout.addWidget(field)
    return field


def add_left(layout: QVBoxLayout, widget: QWidget) -> None:
    """Add a widget at its natural width, on the left (a button under a column of fields)."""
    widget.setSizePolicy(QSizePolicy.Policy.Maximum, QSizePolicy.Policy.Fixed)
    layout.addWidget(widget)


def hint_label(text: str) -> QLabel:
    label = QLabel(text)
    label.setObjectName("hint")
    label.setWordWrap(True)
    return label


def centered(label: QLabel) -> QLabel:
    label.setProperty("centered", True)
    return label


def scrolling(content: QWidget) -> QScrollArea:
    """Content that scrolls when the window is small (1024×768 and below). Also keeps the
    window's minimum size fixed while messages come and go: a top-level window whose
    minimum size changes after it is shown makes some platforms (offscreen) warn.

    The scroll area never takes the focus (the style sheet says so for ``#formScroll``):
    Tab goes to the fields, and they scroll into view. Its background is the window's."""
    scroll = QScrollArea()
    scroll.setObjectName("formScroll")
    scroll.setWidgetResizable(True)
    scroll.setFrameShape(QFrame.Shape.NoFrame)
    scroll.setWidget(content)
    return scroll


def delete_on_close(widget: QWidget) -> None:
    """Free the widget once it is closed (a window, or a dialog shown with ``open()``)."""
    from PySide6.QtCore import Qt  # used after the first paint only (see above)

    widget.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)


def card(title: str) -> tuple[QFrame, QVBoxLayout]:
    """A white card with a bold heading; the layout to fill."""
    frame = QFrame()
    frame.setObjectName("card")
    frame.setAccessibleName(title)
    layout = QVBoxLayout(frame)
    layout.setContentsMargins(28, 22, 28, 24)
    layout.setSpacing(4)
    heading = QLabel(title)
    heading.setObjectName("sectionTitle")
    layout.addWidget(heading)
    layout.addSpacing(8)
    return frame, layout


def row_table(
    model: QAbstractItemModel, name: str, widths: dict[int, int], stretch: tuple[int, ...]
) -> QTableView:
    """A read-only list of rows chosen one at a time (the staff's queues and results):
    ``widths`` of columns in pixels, the ``stretch`` columns share the rest."""
    table = QTableView()
    table.setAccessibleName(name)
    table.setModel(model)
    table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
    table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    table.verticalHeader().hide()
    header = table.horizontalHeader()
    for section, width in widths.items():
        header.resizeSection(section, width)
    for section in stretch:
        header.setSectionResizeMode(section, QHeaderView.ResizeMode.Stretch)
    return table
