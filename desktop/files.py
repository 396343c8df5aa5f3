"""Writing files whole: a file appears at its path only once it is completely written and on
the disk; a half-written one never does, and what a killed process left behind is removed.

While a file is written its content goes to a hidden ``.NAME.HOST-PID.XXXXXXXX.cabinet.part``
beside it (HOST: six hex digits naming the computer). If the process is killed (kill -9, a
power cut) that file stays, with residents' data in it; so the folders we write to are
remembered and, at the next start (and before each new file in the same folder), temporary
files of ours whose process is gone are deleted (another computer's, after a day).
"""

from __future__ import annotations

import errno
import os
import re
import sys
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import BinaryIO

from desktop.errors import DiskFullError, UserError

MAX_NAME_BYTES = 255
"""The longest file name the usual file systems take (ext4, NTFS in UTF-16 units, APFS)."""

PART_SUFFIX = ".cabinet.part"
_PART = re.compile(
    r"^\..*\.(?P<host>[0-9a-f]{6})-(?P<pid>\d+)\.[A-Za-z0-9_]{8}" + re.escape(PART_SUFFIX) + "$",
    re.S,
)
_OTHER_HOSTS_AFTER = (
    24 * 3600
)  # a writer on another computer (a shared folder) never pauses so long
_SHORT_NAME_BYTES = 180  # the temporary name adds about 35 bytes to (a prefix of) the name
_REMEMBERED_FOLDERS = 50
_DISK_FULL = {errno.ENOSPC, getattr(errno, "EDQUOT", errno.ENOSPC)}


def _new_file_mode(target: Path) -> int:
    if target.exists():
        return target.stat().st_mode & 0o777
    mask = os.umask(0)
    os.umask(mask)
    return 0o666 & ~mask


def name_too_long(name: str) -> bool:
    if sys.platform == "win32":  # pragma: no cover - Windows counts UTF-16 units
        return len(name.encode("utf-16-le")) // 2 > MAX_NAME_BYTES
    return len(os.fsencode(name)) > MAX_NAME_BYTES


def _short(name: str) -> str:
    """A prefix of ``name`` short enough for the temporary file's name."""
    return os.fsencode(name)[:_SHORT_NAME_BYTES].decode("utf-8", "ignore") if name else "file"


def _disk_full(target: Path) -> DiskFullError:
    from desktop.failures import disk_full

    return disk_full(f"файл {target} не сохранён")


def check_target(path: str | Path) -> Path:
    """The file to write, after the checks that need no writing: a folder that exists, a
    name that is not a folder's and not too long. Russian errors."""
    target = Path(path).expanduser()
    try:
        if "\0" in str(target):
            raise ValueError("NUL")
        os.fsencode(target)
    except (ValueError, UnicodeError):
        raise UserError(
            "В имени файла есть недопустимые символы (нулевой байт или неверная кодировка). "
            "Укажите имя из обычных букв и цифр."
        ) from None
    if name_too_long(target.name):
        raise UserError(
            f"Имя файла слишком длинное ({len(os.fsencode(target.name))} байт, можно не больше "
            f"{MAX_NAME_BYTES}): «{target.name[:60]}…». Укажите имя короче."
        )
    if target.is_dir():
        raise UserError(f"«{target}» — это папка. Укажите имя файла.")
    if not target.parent.is_dir():
        raise UserError(f"Папка «{target.parent}» не существует. Создайте её или укажите другую.")
    return target


@contextmanager
def atomic_file(path: str | Path) -> Iterator[BinaryIO]:
    """A binary stream whose content replaces ``path`` when the block ends without error;
    on error nothing is left behind. Problems with the place are explained in Russian."""
    target = check_target(path)
    import tempfile  # not at import time: the command line starts the window too

    folder = target.parent
    remember_folder(folder)
    clean_stale_parts([folder])
    try:
        handle, name = tempfile.mkstemp(
            dir=folder, prefix=f".{_short(target.name)}.{_writer()}.", suffix=PART_SUFFIX
        )
    except OSError as error:
        if error.errno in _DISK_FULL:
            raise _disk_full(target) from None
        raise UserError(
            f"Не удалось записать файл в папку «{folder}»: {error.strerror or error}. "
            "Выберите другую папку."
        ) from None
    temporary = Path(name)
    try:
        with os.fdopen(handle, "wb") as stream:
            yield stream
            stream.flush()
            os.fsync(stream.fileno())  # on the disk before it gets its name
        os.chmod(temporary, _new_file_mode(target))  # mkstemp makes it owner-only
        os.replace(temporary, target)
        _sync_folder(folder)  # the rename itself survives a power cut
    except OSError as error:
        temporary.unlink(missing_ok=True)
        if error.errno in _DISK_FULL:
            raise _disk_full(target) from None
        raise UserError(
            f"Не удалось сохранить файл {target}: {error.strerror or error}. "
            "Выберите другую папку или другое имя файла."
        ) from None
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise


def _sync_folder(folder: Path) -> None:
    if sys.platform == "win32":  # pragma: no cover - NTFS journals the rename itself
        return
    try:
        descriptor = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(descriptor)
    except OSError:  # some file systems cannot sync a folder; the file itself is synced
        pass
    finally:
        os.close(descriptor)


# -- leftovers of killed processes ------------------------------------------------------------


def _folders_file() -> Path:
    from desktop.settings import data_dir

    return data_dir() / "output-folders.txt"


def _remembered() -> list[Path]:
    try:
        text = _folders_file().read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return []
    return [Path(line) for line in text.splitlines() if line]


def remember_folder(folder: Path) -> None:
    """Note a folder we write to, so that the next start can look there for leftovers."""
    folder = folder.resolve()
    known = _remembered()
    if folder in known:
        return
    known = [folder, *known][:_REMEMBERED_FOLDERS]
    record = _folders_file()
    try:
        record.parent.mkdir(parents=True, exist_ok=True)
        scratch = record.with_name(f"{record.name}.{os.getpid()}.tmp")
        scratch.write_text("".join(f"{p}\n" for p in known), encoding="utf-8")
        os.replace(scratch, record)
    except OSError:  # a read-only profile: the folder itself is still cleaned as we write
        pass


def _process_started(pid: int) -> float | None:
    """When process ``pid`` started (the epoch), or None if there is none. If its start is
    unknown, "now": its files are left alone."""
    if sys.platform == "win32":  # pragma: no cover - a file still open cannot be deleted there
        return None
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return None
    except PermissionError:  # someone else's process
        pass
    except OSError:
        return time.time()
    try:  # Linux: the start in clock ticks after boot
        stat = Path(f"/proc/{pid}/stat").read_text()
        ticks = int(stat[stat.rindex(")") + 2 :].split()[19])
        boot = next(
            int(line.split()[1])
            for line in Path("/proc/stat").read_text().splitlines()
            if line.startswith("btime ")
        )
        return boot + ticks / os.sysconf("SC_CLK_TCK")
    except (OSError, ValueError, IndexError, StopIteration):
        return time.time()


def host_tag() -> str:
    """Six hex digits naming this computer: a process number means nothing on another."""
    import hashlib
    import socket

    return hashlib.sha256(socket.gethostname().encode()).hexdigest()[:6]


def _writer() -> str:
    return f"{host_tag()}-{os.getpid()}"


def is_stale(part: Path) -> bool:
    """True for a temporary file of ours whose writer is gone (its process has ended, or the
    process now under that number started after the file was last written)."""
    match = _PART.match(part.name)
    if not match:
        return False
    if match["host"] != host_tag():  # written from another computer into a shared folder
        try:
            return part.stat().st_mtime < time.time() - _OTHER_HOSTS_AFTER
        except OSError:
            return False
    pid = int(match["pid"])
    if pid == os.getpid():
        return False  # ours, being written now
    started = _process_started(pid)
    if started is None:
        return True
    try:
        return part.stat().st_mtime < started - 2  # the boot time is in whole seconds
    except OSError:
        return False


def clean_stale_parts(folders: Iterable[Path] | None = None) -> list[Path]:
    """Delete the temporary files of killed writers in ``folders`` (by default, the folders
    we have written to); returns what was deleted. Never raises: a leftover that cannot be
    removed now is tried again next time."""
    removed: list[Path] = []
    for folder in _remembered() if folders is None else folders:
        try:
            entries = list(os.scandir(folder))
        except OSError:
            continue
        for entry in entries:
            part = Path(entry.path)
            if not entry.name.endswith(PART_SUFFIX) or not is_stale(part):
                continue
            try:
                part.unlink()  # on Windows this fails while the writer still has it open
            except OSError:
                continue
            removed.append(part)
    return removed
