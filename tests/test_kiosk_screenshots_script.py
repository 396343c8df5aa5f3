"""scripts/kiosk_screenshots.py runs: the kiosk's screens at both touch-screen sizes."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from PySide6.QtGui import QImage

SCRIPT = Path(__file__).resolve().parent.parent / "scripts" / "kiosk_screenshots.py"


def test_the_kiosk_screenshots_come_at_both_screen_sizes(tmp_path: Path) -> None:
    names = ["kiosk-welcome-1920", "kiosk-entry-1280", "kiosk-service-1280"]
    done = subprocess.run(
        [sys.executable, str(SCRIPT), "--output", str(tmp_path), "--only", *names],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    assert sorted(p.stem for p in tmp_path.glob("*.png")) == sorted(names)
    sizes = {name: QImage(str(tmp_path / f"{name}.png")).size() for name in names}
    assert (sizes["kiosk-welcome-1920"].width(), sizes["kiosk-welcome-1920"].height()) == (
        1920,
        1080,
    )
    assert (sizes["kiosk-entry-1280"].width(), sizes["kiosk-entry-1280"].height()) == (1280, 1024)
