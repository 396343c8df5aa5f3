"""The window when the database server goes away and comes back: a Russian message, never
«внутренняя ошибка», and no restart needed. The shared server is not stopped: a TCP proxy in
the test is cut and restored."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import event, text
from sqlalchemy.exc import OperationalError

from db.engine import Database
from db.migrate import upgrade
from desktop.app import build_services, open_services
from desktop.demo import DEMO_ACCOUNT, DEMO_PASSWORD, build_demo
from desktop.settings import Settings
from tests.tcp_proxy import TcpProxy
from tests.ui.conftest import running, wait_idle
from ui.context import AppContext, PageContext
from ui.messages import describe_error
from ui.pages.statement import StatementPage
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


def test_a_page_whose_connection_broke_mid_read_shows_its_data(qtbot, pg_url, proxy, ui_clock):
    """The link to the server breaks while the statement page reads (a server restart, a
    dropped connection): the page reads once more on a new connection and shows the
    statement, no error."""
    database = Database(proxy.url(pg_url))
    try:
        upgrade(database.engine)
        build_demo(database, ui_clock)
        services = build_services(database, Settings(), ui_clock)
        with running(qtbot, services) as ctx:
            page = StatementPage(PageContext.for_sign_in(
                ctx, services.auth.login(DEMO_ACCOUNT, DEMO_PASSWORD)))  # fmt: skip
            qtbot.addWidget(page)
            page.activate()
            wait_idle(qtbot, ctx)
            assert page.statement is not None
            page.statement = None
            statements = 0

            def break_the_link_mid_read(*_args: object) -> None:
                nonlocal statements
                statements += 1
                if statements == 3:  # after the session's check, before the statement's rows
                    proxy.drop_connections()

            event.listen(database.engine, "before_cursor_execute", break_the_link_mid_read)
            page.activate()
            wait_idle(qtbot, ctx)
            assert page.statement is not None and page.messages.text() == ""
            assert statements > 3  # the read was done again
    finally:
        database.dispose()


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
