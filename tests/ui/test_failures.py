"""The window when the database server goes away and comes back: a Russian message, never
«внутренняя ошибка», and no restart needed. The shared server is not stopped: a TCP proxy in
the test is cut and restored."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.exc import OperationalError

from db.engine import Database
from db.migrate import upgrade
from desktop.app import open_services
from desktop.settings import Settings
from tests.tcp_proxy import TcpProxy
from tests.ui.conftest import wait_idle
from ui.context import AppContext
from ui.messages import describe_error
from ui.tasks import TaskRunner


@pytest.fixture
def proxy(pg_url: str):
    proxy = TcpProxy.for_url(pg_url)
    proxy.start()
    yield proxy
    proxy.cut()


def test_a_lost_server_is_described_in_russian_not_as_an_internal_error(pg_url, proxy):
    db = Database(proxy.url(pg_url))
    try:
        proxy.cut()
        with pytest.raises(OperationalError) as caught, db.read() as s:
            s.execute(text("SELECT 1"))
    finally:
        db.dispose()
    shown = describe_error(caught.value)
    assert shown.startswith("Нет связи с сервером базы данных")
    assert "внутренней ошибки" not in shown


def test_the_window_opens_the_database_once_the_server_is_back(
    qtbot, pg_url, proxy, tmp_path: Path
):
    db = Database(pg_url)
    upgrade(db.engine)
    db.dispose()
    url = proxy.url(pg_url)
    proxy.cut()  # the server is unreachable when the window starts
    ctx = AppContext(Settings(database_url=url), TaskRunner())
    ctx.open(lambda: open_services(url, settings_file=tmp_path / "settings.toml"))
    shown: list[str] = []
    results: list[object] = []

    def ask() -> None:
        ctx.tasks.run(lambda: ctx.services.settings.database_url, results.append,
                      lambda error: shown.append(describe_error(error)))  # fmt: skip

    try:
        wait_idle(qtbot, ctx, timeout=30_000)
        ask()
        wait_idle(qtbot, ctx, timeout=30_000)
        assert len(shown) == 1 and "нет связи с сервером" in shown[0] and results == []
        proxy.start()  # back: the next action opens the services, no restart
        ask()
        wait_idle(qtbot, ctx, timeout=30_000)
        assert len(results) == 1 and len(shown) == 1
    finally:
        ctx.close()


def test_the_window_removes_what_a_killed_export_left_at_its_start(tmp_path: Path, sqlite_url):
    import subprocess
    import sys

    from desktop.files import PART_SUFFIX, host_tag, remember_folder
    from ui.app import open_services_for

    out = tmp_path / "exports"
    out.mkdir()
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                          capture_output=True, text=True, check=True)  # fmt: skip
    part = out / f".receipts.pdf.{host_tag()}-{int(dead.stdout)}.abcd1234{PART_SUFFIX}"
    part.write_bytes(b"residents' data")
    remember_folder(out)  # as the killed export did when it began
    services = open_services_for(sqlite_url, Settings(database_url=sqlite_url), demo=False)
    services.close()
    assert list(out.iterdir()) == []
