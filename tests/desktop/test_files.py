"""Files written whole: what a killed export leaves is removed at the next start, the data is
on the disk before the file gets its name, long names and a full disk are refused in Russian."""

from __future__ import annotations

import errno
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from desktop.cli import main
from desktop.errors import DiskFullError, UserError
from desktop.files import PART_SUFFIX, atomic_file, clean_stale_parts, host_tag
from tests.mounts import tiny_disk

ROOT = Path(__file__).resolve().parents[2]

WRITER = """
import sys, time
from desktop.files import atomic_file
with atomic_file(sys.argv[1]) as out:
    out.write(b"resident data " * 1000)
    out.flush()
    print("writing", flush=True)
    time.sleep(600)
"""


def _dead_pid() -> int:
    done = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                          capture_output=True, text=True, check=True)  # fmt: skip
    return int(done.stdout)


def test_an_export_killed_midway_leaves_a_part_that_the_next_start_removes(tmp_path: Path, capsys):
    out = tmp_path / "out"
    out.mkdir()
    target = out / "receipts.pdf"
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    writer = subprocess.Popen([sys.executable, "-c", WRITER, str(target)], env=env,
                              stdout=subprocess.PIPE, text=True)  # fmt: skip
    try:
        assert writer.stdout is not None and writer.stdout.readline() == "writing\n"
        parts = [p for p in out.iterdir() if p.name.endswith(PART_SUFFIX)]
        assert len(parts) == 1 and parts[0].name.startswith(".receipts.pdf.")
        assert clean_stale_parts() == []  # its writer is alive: left alone
        writer.send_signal(signal.SIGKILL)
    finally:
        writer.kill()
        writer.wait()
        assert writer.stdout is not None
        writer.stdout.close()
    assert parts[0].exists() and not target.exists()  # kill -9: nothing could clean up
    # The next start of any command removes it (the folder was remembered).
    code = main(["statement", "--account", "1", "--database-url",
                 f"sqlite:///{(tmp_path / 'none.db').as_posix()}"])  # fmt: skip
    assert code == 1
    assert list(out.iterdir()) == []


def test_only_stale_parts_of_ours_are_removed(tmp_path: Path):
    here, hour_ago, two_days_ago = host_tag(), time.time() - 3600, time.time() - 2 * 86400
    stale = tmp_path / f".receipts.pdf.{here}-{_dead_pid()}.abcd1234{PART_SUFFIX}"
    mine = tmp_path / f".receipts.pdf.{here}-{os.getpid()}.abcd1234{PART_SUFFIX}"
    # pid 1 lives on, but started before this file was last written: kept.
    alive = tmp_path / f".receipts.pdf.{here}-1.abcd1234{PART_SUFFIX}"
    # Another computer writing into a shared folder: its process numbers mean nothing here.
    elsewhere = tmp_path / f".s.csv.000000-{_dead_pid()}.abcd1234{PART_SUFFIX}"
    abandoned = tmp_path / f".t.csv.000000-{_dead_pid()}.abcd1234{PART_SUFFIX}"
    foreign = [tmp_path / "film.mkv.part", tmp_path / ".notes.txt.abcd1234.part",
               tmp_path / f"x{PART_SUFFIX}"]  # fmt: skip
    for path in [stale, mine, alive, elsewhere, abandoned, *foreign]:
        path.write_bytes(b"data")
    os.utime(stale, (hour_ago, hour_ago))
    os.utime(elsewhere, (hour_ago, hour_ago))
    os.utime(abandoned, (two_days_ago, two_days_ago))
    assert sorted(clean_stale_parts([tmp_path])) == sorted([stale, abandoned])
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(
        p.name for p in [mine, alive, elsewhere, *foreign]
    )


def test_a_new_file_in_a_folder_removes_the_stale_parts_there(tmp_path: Path):
    stale = tmp_path / f".s.csv.{host_tag()}-{_dead_pid()}.abcd1234{PART_SUFFIX}"
    stale.write_bytes(b"old data")
    with atomic_file(tmp_path / "t.csv") as out:
        out.write(b"new")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["t.csv"]


def test_the_file_is_on_the_disk_before_it_gets_its_name(tmp_path: Path, monkeypatch):
    target = tmp_path / "s.csv"
    synced: list[tuple[str, bool]] = []
    real_fsync = os.fsync

    def fsync(fd: int) -> None:
        kind = "folder" if os.path.isdir(f"/proc/self/fd/{fd}") else "file"
        synced.append((kind, target.exists()))
        real_fsync(fd)

    monkeypatch.setattr(os, "fsync", fsync)
    with atomic_file(target) as out:
        out.write(b"data")
    assert synced == [("file", False), ("folder", True)]
    assert target.read_bytes() == b"data"


def test_a_name_over_255_bytes_is_refused_before_writing(tmp_path: Path, capsys):
    long = tmp_path / ("ведомость-" * 15 + ".csv")  # 285 bytes in UTF-8
    with pytest.raises(UserError, match="слишком длинное"), atomic_file(long):
        raise AssertionError("nothing is written")
    assert list(tmp_path.iterdir()) == []
    code = main(["statement", "--account", "1", "--output", str(long), "--database-url",
                 f"sqlite:///{(tmp_path / 'none.db').as_posix()}"])  # fmt: skip
    assert code == 1 and "слишком длинное" in capsys.readouterr().err


def test_a_name_of_250_bytes_is_written(tmp_path: Path):
    """The temporary file's longer name must not make an allowed name fail."""
    name = "в" * 123 + ".pdf"  # 250 bytes
    with atomic_file(tmp_path / name) as out:
        out.write(b"data")
    assert [p.name for p in tmp_path.iterdir()] == [name]


def test_a_full_disk_is_told_in_russian_and_leaves_nothing(tmp_path: Path):
    with tiny_disk(tmp_path / "disk", size_kib=64) as disk:
        (disk / "old.pdf").write_bytes(b"old")
        with pytest.raises(DiskFullError) as caught, atomic_file(disk / "old.pdf") as out:
            for _ in range(100):
                out.write(b"x" * 4096)
        assert "Нет места на диске" in str(caught.value) and "old.pdf" in str(caught.value)
        assert [p.name for p in disk.iterdir()] == ["old.pdf"]
        assert (disk / "old.pdf").read_bytes() == b"old"


def test_a_write_failing_for_lack_of_space_is_a_disk_full_error(tmp_path: Path):
    """Where no small disk can be mounted: the error a write raises on a full disk."""
    with pytest.raises(DiskFullError, match="Нет места на диске"), atomic_file(tmp_path / "s.pdf"):
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("name", ["a\0b.csv", "\udcff\ud800.csv"])
def test_a_name_the_file_system_cannot_take_is_refused(tmp_path: Path, capsys, name: str):
    with pytest.raises(UserError, match="недопустимые символы"), atomic_file(tmp_path / name):
        raise AssertionError("nothing is written")
    assert list(tmp_path.iterdir()) == []
    code = main(["statement", "--account", "1", "--output", str(tmp_path / name),
                 "--database-url", f"sqlite:///{(tmp_path / 'none.db').as_posix()}"])  # fmt: skip
    assert code == 1 and "недопустимые символы" in capsys.readouterr().err
