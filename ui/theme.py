"""The look: the bundled PT Sans registered at start, a palette and one style sheet.

The style sheet also sets a few widget properties (``qproperty-…``) that the login window
needs at its first paint, so that no Python code touches PySide's ``Qt`` namespace before
then (see ``ui.forms``)."""

from __future__ import annotations

from PySide6.QtGui import QColor, QFont, QFontDatabase, QPalette
from PySide6.QtWidgets import QApplication

from desktop.resources import FONT_BOLD, FONT_REGULAR, resource

FAMILY = "PT Sans"
ACCENT = "#1f5fae"
TEXT = "#1d232b"
BACKGROUND = "#f4f6f9"  # of every window, through the palette

STYLE = f"""

QLabel[centered="true"] {{ qproperty-alignment: AlignHCenter; }}
QLabel[selectable="true"] {{ qproperty-textInteractionFlags: TextSelectableByMouse; }}
QScrollArea#formScroll {{ qproperty-focusPolicy: NoFocus; }}
#loginFooter {{ border-top: 1px solid #dde3ea; }}
#card {{ background: white; border: 1px solid #dde3ea; border-radius: 8px; }}
#pageTitle {{ font-size: 17pt; font-weight: bold; }}
#sectionTitle {{ font-size: 13pt; font-weight: bold; }}
#hint {{ color: #5b6573; }}
#header {{ background: {ACCENT}; }}
#header QLabel {{ color: white; }}
#headerAccount {{ font-size: 14pt; font-weight: bold; }}
#sidebar {{ background: #e9edf3; border: none; outline: none; font-size: 12pt; }}
#sidebar::item {{ padding: 10px 14px; border-radius: 6px; margin: 2px 6px; }}
#sidebar::item:selected {{ background: white; color: {ACCENT}; font-weight: bold; }}
#sidebar::item:hover:!selected {{ background: #dde3ea; }}
#sidebar::item:focus {{ border: 2px solid {ACCENT}; }}
QPushButton {{ padding: 6px 14px; border: 1px solid #b8c2cf; border-radius: 5px;
               background: white; min-height: 22px; }}
QPushButton:hover {{ background: #eef3fa; }}
QPushButton:focus {{ border: 2px solid {ACCENT}; }}
QPushButton:disabled {{ color: #9aa4b1; background: #f1f3f6; }}
QPushButton#primary {{ background: {ACCENT}; color: white; border: 1px solid {ACCENT};
                       font-weight: bold; }}
QPushButton#primary:hover {{ background: #174c8c; }}
QPushButton#primary:disabled {{ background: #9db5d6; border-color: #9db5d6; }}
QPushButton#link {{ border: none; background: transparent; color: {ACCENT};
                    text-decoration: underline; padding: 2px 0; text-align: left; }}
QPushButton#link:focus {{ border: 1px dotted {ACCENT}; }}
QLineEdit, QPlainTextEdit, QComboBox {{ padding: 5px; border: 1px solid #b8c2cf;
                                         border-radius: 4px; background: white; }}
QLineEdit:focus, QPlainTextEdit:focus {{ border: 2px solid {ACCENT}; }}
QTableView {{ background: white; gridline-color: #e3e8ee; border: 1px solid #dde3ea;
              selection-background-color: #d6e4f7; selection-color: #1d232b; }}
QTableView:focus, QComboBox:focus {{ border: 2px solid {ACCENT}; }}
QHeaderView::section {{ background: #eef1f5; padding: 5px; border: none;
                        border-right: 1px solid #dde3ea; border-bottom: 1px solid #dde3ea;
                        font-weight: bold; }}
#messageBar {{ padding: 8px 10px; border-radius: 5px; }}
#idleBar {{ background: #fff4d9; border-bottom: 1px solid #e8d49a; }}
#idleBar QLabel {{ color: #6b4a00; font-size: 13pt; }}
#messageBar[kind="info"] {{ background: #e8f0fb; color: #173d6e; }}
#messageBar[kind="success"] {{ background: #e3f4e6; color: #1e5b2a; }}
#messageBar[kind="warning"] {{ background: #fff4d9; color: #6b4a00; }}
#messageBar[kind="error"] {{ background: #fde8e8; color: #8a1c1c; }}
"""


def register_fonts() -> str:
    """Add the bundled PT Sans so text renders on a machine without fonts; its family."""
    family = FAMILY
    for part in (FONT_REGULAR, FONT_BOLD):
        font_id = QFontDatabase.addApplicationFont(str(resource(*part)))
        if font_id >= 0:
            family = QFontDatabase.applicationFontFamilies(font_id)[0]
    return family


def apply(app: QApplication) -> None:
    family = register_fonts()
    font = QFont(family)
    font.setPointSizeF(11)
    app.setFont(font)
    palette = app.palette()  # colours via the palette: a style-sheet rule on every widget
    palette.setColor(QPalette.ColorRole.Window, QColor(BACKGROUND))  # slows start-up
    palette.setColor(QPalette.ColorRole.WindowText, QColor(TEXT))
    palette.setColor(QPalette.ColorRole.Text, QColor(TEXT))
    palette.setColor(QPalette.ColorRole.ButtonText, QColor(TEXT))
    app.setPalette(palette)
    app.setStyleSheet(STYLE)
