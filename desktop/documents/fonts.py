"""PT Sans registered with reportlab, so Cyrillic is real text: embedded as TrueType subsets
with a ToUnicode map, it can be searched and copied from the PDF."""

from __future__ import annotations

from functools import cache

REGULAR = "PTSans"
BOLD = "PTSans-Bold"


@cache
def register_fonts() -> tuple[str, str]:
    """Register the bundled fonts once per process; returns the (regular, bold) names."""
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont

    from desktop.resources import FONT_BOLD, FONT_REGULAR, resource

    pdfmetrics.registerFont(TTFont(REGULAR, str(resource(*FONT_REGULAR))))
    pdfmetrics.registerFont(TTFont(BOLD, str(resource(*FONT_BOLD))))
    pdfmetrics.registerFontFamily(REGULAR, normal=REGULAR, bold=BOLD)
    return REGULAR, BOLD


def forget_document(document: object) -> None:
    """Drop what the fonts remember about a document that will never be saved (a cancelled
    or failed batch): reportlab keeps each document's glyph subsets until it is saved."""
    from reportlab.pdfbase import pdfmetrics

    for name in (REGULAR, BOLD):
        font = pdfmetrics.getFont(name)
        getattr(font, "state", {}).pop(document, None)
