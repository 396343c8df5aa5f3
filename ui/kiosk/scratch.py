"""The kiosk's own temporary folder: every temporary file of the kiosk's process (a receipt's
PDF on its way to the printer, Qt's temporary files) is made there, and the folder is
emptied at each logout and at start — so no resident's document outlives their session,
not even after a power cut."""

from __future__ import annotations

import logging
import os
import shutil
import tempfile
from pathlib import Path

log = logging.getLogger(__name__)

# The variables Python's tempfile and Qt's QDir.tempPath() read, on Windows and elsewhere.
TEMP_VARIABLES = ("TMPDIR", "TEMP", "TMP")


class Scratch:
    """A folder for temporary files, emptied by ``wipe()``."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def install(self) -> None:
        """Make it this process's temporary folder (Python's and Qt's)."""
        self.path.mkdir(parents=True, exist_ok=True)
        for name in TEMP_VARIABLES:
            os.environ[name] = str(self.path)
        tempfile.tempdir = str(self.path)

    def wipe(self) -> None:
        """Delete everything in the folder; what cannot be deleted now (a file a printer
        driver still holds) is logged and goes at the next wipe."""
        if not self.path.is_dir():
            return
        for entry in self.path.iterdir():
            try:
                if entry.is_dir() and not entry.is_symlink():
                    shutil.rmtree(entry)
                else:
                    entry.unlink()
            except OSError as error:
                log.warning("A kiosk temporary file could not be deleted yet: %s", error)


def default_scratch() -> Scratch:
    """The kiosk's temporary folder in the user's data directory."""
    from desktop.settings import data_dir

    return Scratch(data_dir() / "kiosk-temp")
