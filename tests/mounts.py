"""Real file-system conditions for tests: a read-only folder and a tiny full disk.

As root they are real mounts (a read-only bind mount, a small tmpfs): root may write any file
whatever its mode. As another user, modes make the folder read-only; a full disk then needs a
mount the test cannot make, and the test is skipped.
"""

from __future__ import annotations

import os
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest


def _mount(*argv: str) -> bool:
    done = subprocess.run(["mount", *argv], capture_output=True, check=False)
    return done.returncode == 0


@contextmanager
def read_only_folder(folder: Path) -> Iterator[None]:
    """``folder`` and the files in it cannot be written inside the block."""
    if os.geteuid() != 0:
        modes = {p: p.stat().st_mode for p in [folder, *folder.iterdir()]}
        for p in modes:
            p.chmod(0o555 if p.is_dir() else 0o444)
        try:
            yield
        finally:
            for p, mode in modes.items():
                p.chmod(mode)
        return
    if not (_mount("--bind", str(folder), str(folder))):
        pytest.skip("cannot bind-mount a folder read-only here")
    try:
        if not _mount("-o", "remount,ro,bind", str(folder)):
            pytest.skip("cannot remount a folder read-only here")
        yield
    finally:
        subprocess.run(["umount", str(folder)], check=False)


@contextmanager
def tiny_disk(folder: Path, size_kib: int = 64) -> Iterator[Path]:
    """A file system of ``size_kib`` KiB mounted at ``folder`` (root only)."""
    folder.mkdir(parents=True, exist_ok=True)
    if os.geteuid() != 0 or not _mount(
        "-t", "tmpfs", "-o", f"size={size_kib}k", "tmpfs", str(folder)
    ):
        pytest.skip("a small disk needs a tmpfs mount (root)")
    try:
        yield folder
    finally:
        subprocess.run(["umount", str(folder)], check=False)
