"""Writing files whole: a file appears at its path only once it is completely written."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import BinaryIO

from desktop.errors import UserError


def _new_file_mode(target: Path) -> int:
    if target.exists():
        return target.stat().st_mode & 0o777
    mask = os.umask(0)
    os.umask(mask)
    return 0o666 & ~mask


@contextmanager
def atomic_file(path: str | Path) -> Iterator[BinaryIO]:
    """A binary stream whose content replaces ``path`` when the block ends without error;
    on error nothing is left behind. Problems with the place are explained in Russian."""
    target = Path(path).expanduser()
    if target.is_dir():
        raise UserError(f"«{target}» — это папка. Укажите имя файла.")
    if not target.parent.is_dir():
        raise UserError(f"Папка «{target.parent}» не существует. Создайте её или укажите другую.")
    import tempfile  # not at import time: the command line starts the window too

    try:
        handle, name = tempfile.mkstemp(
            dir=target.parent, prefix=f".{target.name}.", suffix=".part"
        )
    except OSError as error:
        raise UserError(
            f"Не удалось записать файл в папку «{target.parent}»: {error.strerror or error}. "
            "Выберите другую папку."
        ) from None
    temporary = Path(name)
    try:
        with os.fdopen(handle, "wb") as stream:
            yield stream
        os.chmod(temporary, _new_file_mode(target))  # mkstemp makes it owner-only
        os.replace(temporary, target)
    except OSError as error:
        temporary.unlink(missing_ok=True)
        raise UserError(
            f"Не удалось сохранить файл {target}: {error.strerror or error}. "
            "Выберите другую папку или другое имя файла."
        ) from None
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise
