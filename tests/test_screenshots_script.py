"""scripts/screenshots.py runs: a few of its screens, offscreen, into a temporary folder."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from PySide6.QtGui import QImage

SCRIPT = Path(__file__).resolve().parent.parent / "scripts" / "screenshots.py"


def test_the_screenshots_script_writes_the_screens_it_is_asked_for(tmp_path: Path) -> None:
    names = ["login", "readings", "small-readings", "support"]
    done = subprocess.run(
        [sys.executable, str(SCRIPT), "--output", str(tmp_path), "--only", *names],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    assert sorted(p.stem for p in tmp_path.glob("*.png")) == sorted(names)
    sizes = {name: QImage(str(tmp_path / f"{name}.png")).size() for name in names}
    assert (sizes["readings"].width(), sizes["readings"].height()) == (1280, 800)
    assert (sizes["small-readings"].width(), sizes["small-readings"].height()) == (1024, 768)
    assert (sizes["login"].width(), sizes["login"].height()) == (1100, 900)  # as it opens
