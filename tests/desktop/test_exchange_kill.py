"""kill -9 of an import at seeded random moments: SQLite's file stays intact and the import is
either absent or complete — no batch, no account of the file — and the file then imports."""

from __future__ import annotations

import random
import signal
import subprocess
import sys
import time
from pathlib import Path

from sqlalchemy import func, select, text

from db.engine import Database
from db.models import Account, ImportBatch

ROWS = 20_000
FIRST = 700_000


def accounts_file(path: Path) -> None:
    lines = ["Лицевой счет;ФИО;Адрес дома;Квартира;Площадь"]
    for i in range(ROWS):
        lines.append(f"{FIRST + i};Житель {i} А.А.;г. Королёв, ул. Новая, д. {i // 100 + 1};"
                     f"{i % 100 + 1};{40 + i % 30},50")  # fmt: skip
    path.write_bytes(("\r\n".join(lines) + "\r\n").encode("cp1251"))


def state(url: str) -> tuple[str, int, int]:
    """integrity_check, batches, accounts of the file."""
    db = Database(url)
    try:
        with db.read() as s:
            check = s.execute(text("PRAGMA integrity_check")).scalar_one()
            batches = s.scalar(select(func.count()).select_from(ImportBatch)) or 0
            added = s.scalar(select(func.count()).where(Account.fio.like("Житель %")))
            return check, batches, added or 0
    finally:
        db.dispose()


def test_kill_9_during_an_import_leaves_the_database_whole(sqlite_url: str, tmp_path: Path):
    from desktop.cli import main

    assert main(["demo", "--database-url", sqlite_url]) == 0
    path = tmp_path / "accounts.csv"
    accounts_file(path)
    command = [sys.executable, "-m", "desktop", "import", str(path), "--database-url", sqlite_url]
    moments = random.Random(13)
    killed = 0
    for _ in range(4):
        process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        time.sleep(moments.uniform(0.3, 3.0))
        if process.poll() is None:
            process.send_signal(signal.SIGKILL)
            killed += 1
        process.wait()
        check, batches, added = state(sqlite_url)
        assert check == "ok"
        assert (batches, added) in ((0, 0), (1, ROWS))  # absent or complete
        if batches:
            break
    assert killed  # at least one import died midway
    done = subprocess.run(command, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert state(sqlite_url) == ("ok", 1, ROWS)
