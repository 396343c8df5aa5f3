"""Start-up's imports: PySide's import hook reads no Qt-free module's source, the collector
waits while the services open, and the core loads no database dialect it does not use."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from desktop.app import connect

ROOT = Path(__file__).resolve().parents[2]

PROBE = r"""
import json, linecache, sys
import PySide6.QtCore
from shibokensupport import feature
if sys.argv[1] == "cheap":
    from ui.startup_imports import install_cheap_hook
    assert install_cheap_hook() and install_cheap_hook()  # twice: installed once
import colorsys           # the standard library
from db.search import normalize  # the core
import uses_qt, plain     # the application's own kind of module, and any other
marks = feature.pyside_feature_dict
read = set(linecache.cache)
print(json.dumps({
    name: [marks.get(name), sys.modules[name].__file__ in read]
    for name in ("colorsys", "db.search", "uses_qt", "plain")
}))
"""


def probe(tmp_path: Path, mode: str) -> dict[str, list[object]]:
    (tmp_path / "uses_qt.py").write_text("import PySide6.QtCore\n")
    (tmp_path / "plain.py").write_text("X = 1\n")
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT), str(tmp_path)])}
    done = subprocess.run(
        [sys.executable, "-c", PROBE, mode],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env=env,
        timeout=60,
        check=True,
    )
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_the_hook_reads_no_qt_free_module_and_still_checks_the_others(tmp_path):
    # PySide's own hook: every module read, its source kept in memory.
    assert probe(tmp_path, "pyside") == {
        "colorsys": [-1, True],
        "db.search": [-1, True],
        "uses_qt": [0, True],
        "plain": [-1, True],
    }
    # With the cheap check: the same marks, without reading the standard library or the core.
    assert probe(tmp_path, "cheap") == {
        "colorsys": [-1, False],
        "db.search": [-1, False],
        "uses_qt": [0, True],
        "plain": [-1, True],
    }


def test_opening_the_services_on_sqlite_loads_no_postgresql_dialect(tmp_path):
    """(A database behind the schema loads Alembic, which loads every dialect: this one is
    made up to date first, as a desk finds it on every start but the first.)"""
    url = f"sqlite:///{(tmp_path / 'c.db').as_posix()}"
    connect(url).dispose()
    code = (
        "import sys\n"
        "from pathlib import Path\n"
        "from desktop.app import open_services\n"
        "from desktop.settings import Settings\n"
        f"services = open_services({url!r}, settings=Settings(),"
        f" settings_file=Path({str(tmp_path / 'none.toml')!r}))\n"
        "print(sorted(m for m in sys.modules if m.startswith('sqlalchemy.dialects.')))\n"
        "services.close()\n"
    )
    env = {**os.environ, "XDG_CONFIG_HOME": str(tmp_path), "XDG_DATA_HOME": str(tmp_path)}
    done = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env=env,
        timeout=120,
        check=True,
    )
    loaded = done.stdout.strip().splitlines()[-1]
    assert "sqlalchemy.dialects.sqlite" in loaded
    assert "postgresql" not in loaded
