"""Where the bundled resources (fonts, licences, example files) are, in a checkout or a
frozen build."""

from __future__ import annotations

import sys
from pathlib import Path


def resources_dir() -> Path:
    frozen = getattr(sys, "_MEIPASS", None)  # PyInstaller's unpack directory
    base = Path(frozen) if frozen else Path(__file__).resolve().parents[1]
    return base / "resources"


def resource(*parts: str) -> Path:
    return resources_dir().joinpath(*parts)


FONT_REGULAR = ("fonts", "PTS55F.ttf")
FONT_BOLD = ("fonts", "PTS75F.ttf")
