"""Touch-first sizes for the kiosk: the same pages, restyled (never copied).

Targets are at least 12 mm at the screen's real density (``QScreen.physicalDotsPerInch``),
body text at least 20 px, and lists and tables scroll by dragging the content (kinetic
scrolling, ``QScroller``) with scroll bars wide enough for a finger. Applied in kiosk mode
only: the office's desktop look is ``ui.theme``'s alone.
"""

from __future__ import annotations

from dataclasses import dataclass
from math import ceil

from PySide6.QtCore import QEvent, QObject, QSize, Qt
from PySide6.QtGui import QFont, QFontMetrics, QScreen
from PySide6.QtWidgets import (
    QAbstractItemView,
    QAbstractScrollArea,
    QApplication,
    QFrame,
    QHeaderView,
    QListWidget,
    QPushButton,
    QScroller,
)

from ui import theme
from ui.kiosk.slides import RowSlides

TARGET_MM = 12.0  # the smallest thing a finger must hit
MIN_BODY_PX = 20
# A density outside this range is a screen reporting nonsense (no EDID, a projector): the
# logical density stands in for it.
SANE_DPI = (50.0, 400.0)


@dataclass(frozen=True)
class TouchSizes:
    """The sizes for one screen, in the style sheet's (device-independent) pixels."""

    dpi: float
    target: int  # a button's, a field's, a row's height
    body: int  # text

    @classmethod
    def for_screen(cls, screen: QScreen | None) -> TouchSizes:
        if screen is None:
            return cls.for_dpi(96.0)
        return cls.for_dpi(screen.physicalDotsPerInch(), screen.logicalDotsPerInch())

    @classmethod
    def for_dpi(cls, physical: float, logical: float = 96.0) -> TouchSizes:
        """At ``physical`` dots per inch; a nonsensical figure gives way to ``logical``."""
        dpi = physical if SANE_DPI[0] <= physical <= SANE_DPI[1] else logical or 96.0
        if not SANE_DPI[0] <= dpi <= SANE_DPI[1]:
            dpi = 96.0
        target = ceil(TARGET_MM / 25.4 * dpi)
        return cls(dpi, target, max(MIN_BODY_PX, round(target * 0.46)))

    @property
    def scroll_bar(self) -> int:
        """Wide enough to catch with a finger; dragging the content is the main way."""
        return max(28, self.target * 2 // 3)

    def style(self) -> str:
        """The kiosk's rules, laid over ``theme.STYLE`` (later rules win)."""
        body, target = self.body, self.target
        pad = max(8, (target - body) // 3)
        # The style sheet's min-height is the content's: the target less the padding (the
        # border's pixel or two is the margin that keeps a target at least its size).
        inner = target - 2 * pad
        field = target - pad  # a field's, with half the padding
        return f"""
QWidget {{ font-size: {body}px; }}
#pageTitle {{ font-size: {round(body * 1.5)}px; }}
#sectionTitle {{ font-size: {round(body * 1.2)}px; }}
#headerAccount {{ font-size: {round(body * 1.3)}px; }}
#welcomeTitle {{ font-size: {round(body * 2.2)}px; font-weight: bold; color: {theme.ACCENT}; }}
#welcomeIntro, #welcomePhone {{ font-size: {round(body * 1.15)}px; }}
#sidebar {{ font-size: {body}px; }}
#idleBar QLabel {{ font-size: {round(body * 1.1)}px; }}
QPushButton {{ padding: {pad}px 22px; min-height: {inner}px; min-width: {target}px;
               border-radius: 8px; }}
QPushButton#link {{ padding: {pad}px 0; }}
QPushButton#welcomePrimary, QPushButton#welcomeSecondary {{
    font-size: {round(body * 1.4)}px; font-weight: bold; min-width: {target * 6}px;
    min-height: {round(target * 1.6)}px; border-radius: 12px; }}
QPushButton#welcomePrimary {{ background: {theme.ACCENT}; color: white;
                              border: 1px solid {theme.ACCENT}; }}
QPushButton#welcomeSecondary {{ background: white; color: {theme.ACCENT};
                                border: 2px solid {theme.ACCENT}; }}
QPushButton#keyboardKey {{ font-size: {round(body * 1.2)}px; padding: {pad}px 4px;
                          min-width: {target - 8}px; }}
QPushButton#keypadKey {{ font-size: {round(body * 1.3)}px; min-width: {round(target * 1.4)}px; }}
#keypadCard {{ background: white; border: 1px solid #b8c2cf; border-radius: 12px; }}
#kioskBar {{ background: white; border-bottom: 1px solid #dde3ea; }}
QLineEdit, QComboBox {{ min-height: {field}px; padding: {pad // 2}px 10px; }}
QCheckBox::indicator, QRadioButton::indicator {{ width: {target // 2}px; height: {target // 2}px; }}
QScrollBar:vertical {{ width: {self.scroll_bar}px; }}
QScrollBar:horizontal {{ height: {self.scroll_bar}px; }}
QScrollBar::handle {{ background: #b8c2cf; border-radius: {self.scroll_bar // 2 - 2}px;
                      min-height: {target}px; min-width: {target}px; margin: 2px; }}
QScrollBar::add-line, QScrollBar::sub-line {{ width: 0; height: 0; }}
QHeaderView::section {{ padding: {pad // 2}px 8px; }}
"""


class Kinetic(QObject):
    """Gives every scrolling view, as it is first shown, drag-to-scroll and rows a finger
    can hit (views in popups, a combo box's list, keep their own handling), rows a sliding
    finger does not choose (``ui.kiosk.slides``); and widens the cabinet's sidebar to its
    larger text."""

    def __init__(self, sizes: TouchSizes, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.sizes = sizes
        self.slides = RowSlides()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() != QEvent.Type.Show:
            return self.slides.filter(watched, event)
        if isinstance(watched, QFrame) and watched.objectName() == "sidebarPanel":
            widen(watched, self.sizes.target)
        elif (
            isinstance(watched, QAbstractScrollArea)
            and not isinstance(watched, QHeaderView)  # its drags resize the columns
            and not watched.property("kinetic")
            and watched.window().windowType() != Qt.WindowType.Popup
        ):
            self.fit(watched)
        return False

    def fit(self, area: QAbstractScrollArea) -> None:
        area.setProperty("kinetic", True)
        QScroller.grabGesture(area.viewport(), QScroller.ScrollerGestureType.LeftMouseButtonGesture)
        if isinstance(area, QAbstractItemView):
            triggers = area.editTriggers()
            if triggers != QAbstractItemView.EditTrigger.NoEditTriggers:  # no double tap:
                Trigger = QAbstractItemView.EditTrigger  # a cell taken opens its editor
                area.setEditTriggers(triggers | Trigger.CurrentChanged | Trigger.SelectedClicked)
            area.setVerticalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)
            area.setHorizontalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)
            header = getattr(area, "verticalHeader", lambda: None)()
            if header is not None:
                header.setMinimumSectionSize(self.sizes.target)
                header.setDefaultSectionSize(self.sizes.target)


def widen(panel: QFrame, row_height: int) -> None:
    """The sidebar as wide as its longest page title or link in the touch font, each row a
    target's height (the sidebar sets its rows' size for the desktop)."""
    widest = 0
    for listing in panel.findChildren(QListWidget):
        bold = QFont(listing.font())
        bold.setBold(True)
        metrics = QFontMetrics(bold)
        for row in range(listing.count()):
            item = listing.item(row)
            widest = max(widest, metrics.horizontalAdvance(item.text()) + 60)
            hint = item.sizeHint()
            item.setSizeHint(QSize(hint.width(), max(hint.height(), row_height + 4)))
    for button in panel.findChildren(QPushButton):
        widest = max(widest, button.sizeHint().width() + 36)
    panel.setFixedWidth(max(panel.width(), min(widest, 400)))


def apply(app: QApplication, screen: QScreen | None = None) -> TouchSizes:
    """Restyle the application for touch on ``screen`` (the primary one by default)."""
    sizes = TouchSizes.for_screen(screen or app.primaryScreen())
    _remove_filter(app)  # applied again for another screen: one filter, the new sizes
    font = QFont(app.font())
    font.setPixelSize(sizes.body)
    app.setFont(font)
    app.setStyleSheet(theme.STYLE + sizes.style())
    kinetic = Kinetic(sizes, app)
    kinetic.setObjectName("kioskKinetic")
    app.installEventFilter(kinetic)
    return sizes


def remove(app: QApplication) -> None:
    """Back to the desktop look (the tests, which share one application)."""
    _remove_filter(app)
    theme.apply(app)


def _remove_filter(app: QApplication) -> None:
    for kinetic in app.findChildren(Kinetic):
        app.removeEventFilter(kinetic)
        kinetic.setParent(None)
        kinetic.deleteLater()
