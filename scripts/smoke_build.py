"""Smoke test of the frozen application: build it with PyInstaller, then run what it built.

    .venv/bin/python scripts/smoke_build.py                  build from this checkout, test
    .venv/bin/python scripts/smoke_build.py --keep DIR       …and keep the bundle in DIR
    python scripts/smoke_build.py --app-dir "C:\\Program Files\\Личный кабинет жителя"
                                                              test an installed program

The build is clean (``pyinstaller --noconfirm --clean build.spec`` into a temporary folder).
The checks run the frozen programs the way an office would: ``cabinet-cli demo`` builds the
demo database, ``cabinet-cli statement --account 3492 --format csv`` prints the statement
(must hold the seed's «5955,86»), the PostgreSQL driver loads (and, when a server is
reachable, the same commands run on it), the documents' commands make an XLSX and a PDF when
the command line has them, and ``cabinet --quit-after-start`` opens the login window
offscreen and exits 0. Each check prints PASS, FAIL or SKIP; the exit code is 1 if any failed.

PostgreSQL: the server at ``CABINET_TEST_PG`` (as for the tests; default
``postgresql+psycopg://postgres@127.0.0.1:5432``) gets a scratch database that is dropped at
the end. ``--require-pg`` turns an unreachable server into a failure (the Windows workflow).
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Sequence
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
WINDOWS = sys.platform == "win32"
EXE = ".exe" if WINDOWS else ""
DEMO_ACCOUNT = "3492"
DEMO_BALANCE = "5955,86"  # «Сальдо нач.» of June 2017 in the seed
PG_DEFAULT = "postgresql+psycopg://postgres@127.0.0.1:5432"
TIMEOUT = 180  # seconds for one run of a frozen program (the first start may be slow)


class Report:
    def __init__(self) -> None:
        self.failed = self.passed = self.skipped = 0

    def ok(self, name: str, detail: str = "") -> None:
        self.passed += 1
        print(f"PASS  {name}{f' ({detail})' if detail else ''}", flush=True)

    def fail(self, name: str, detail: str) -> None:
        self.failed += 1
        indented = detail.strip().replace("\n", "\n      ")
        print(f"FAIL  {name}\n      {indented}", flush=True)

    def skip(self, name: str, reason: str) -> None:
        self.skipped += 1
        print(f"SKIP  {name} ({reason})", flush=True)

    def check(self, name: str, condition: bool, detail: str, passed: str = "") -> bool:
        if condition:
            self.ok(name, passed)
        else:
            self.fail(name, detail)
        return condition


class Run:
    def __init__(self, code: int | None, out: str, err: str, seconds: float) -> None:
        self.code, self.out, self.err, self.seconds = code, out, err, seconds

    def describe(self) -> str:
        return f"exit code {self.code}\nstdout: {self.out[-1500:]}\nstderr: {self.err[-3000:]}"


def isolated_env(home: Path) -> dict[str, str]:
    """The environment for the frozen programs: none of the developer's CABINET_* settings,
    and (where the OS allows it) scratch folders for settings, data and window state."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("CABINET_")}
    env["XDG_CONFIG_HOME"] = str(home / "config")  # platformdirs on Linux; Windows ignores it
    env["XDG_DATA_HOME"] = str(home / "data")
    env["QT_QPA_PLATFORM"] = "offscreen"
    env["ZHK_CABINET_NO_ERROR_BOX"] = "1"  # a windowed failure must not wait on a message box
    return env


def run(cmd: Sequence[str | Path], env: dict[str, str]) -> Run:
    started = time.monotonic()
    try:
        done = subprocess.run(
            [str(c) for c in cmd], capture_output=True, env=env, timeout=TIMEOUT, check=False
        )
    except subprocess.TimeoutExpired as stop:
        out = (stop.stdout or b"").decode("utf-8", "replace")
        err = (stop.stderr or b"").decode("utf-8", "replace") + f"\n(killed after {TIMEOUT} s)"
        return Run(None, out, err, time.monotonic() - started)
    except OSError as error:
        return Run(None, "", f"cannot start {cmd[0]}: {error}", time.monotonic() - started)
    return Run(
        done.returncode,
        done.stdout.decode("utf-8", "replace"),
        done.stderr.decode("utf-8", "replace"),
        time.monotonic() - started,
    )


def build(report: Report, dist: Path, work: Path) -> Path | None:
    try:
        import PyInstaller  # noqa: F401
    except ImportError:
        report.fail(
            "build",
            "PyInstaller is not installed: .venv/bin/python -m pip install -e '.[build]'",
        )
        return None
    print(f"Building with PyInstaller into {dist} (about a minute)…", flush=True)
    cmd = [sys.executable, "-m", "PyInstaller", "--noconfirm", "--clean"]
    cmd += ["--distpath", str(dist), "--workpath", str(work), str(ROOT / "build.spec")]
    log = work.parent / "pyinstaller.log"
    started = time.monotonic()
    with open(log, "wb") as sink:
        done = subprocess.run(cmd, cwd=ROOT, stdout=sink, stderr=subprocess.STDOUT, check=False)
    seconds = time.monotonic() - started
    text = log.read_text(encoding="utf-8", errors="replace")
    if done.returncode != 0:
        report.fail("build", f"PyInstaller exited {done.returncode}:\n{text[-4000:]}")
        return None
    report.ok("build", f"{seconds:.0f} s")
    for line in text.splitlines():
        if "no licence text found" in line:
            print(f"      note: {line.strip()}")
    return dist / "cabinet"


def check_layout(report: Report, app: Path) -> bool:
    internal = app / "_internal"
    expected = [
        app / f"cabinet{EXE}",
        app / f"cabinet-cli{EXE}",
        app / "licenses" / "README.txt",
        app / "licenses" / "Qt-NOTICE.txt",
        app / "licenses" / "LGPL-3.0.txt",
        app / "licenses" / "PT-Sans-LICENSE.txt",
        internal / "resources" / "fonts" / "PTS55F.ttf",
        internal / "resources" / "fonts" / "PTS75F.ttf",
        internal / "db" / "migrations" / "env.py",
        internal / "desktop" / "data" / "common-passwords.txt",
    ]
    versions = internal / "db" / "migrations" / "versions"
    missing = [str(p.relative_to(app)) for p in expected if not p.is_file()]
    ours = sorted(p.name for p in (ROOT / "db" / "migrations" / "versions").glob("*.py"))
    bundled = sorted(p.name for p in versions.glob("*.py")) if versions.is_dir() else []
    missing += [f"_internal/db/migrations/versions/{n}" for n in ours if n not in bundled]
    files = [p for p in app.rglob("*") if p.is_file() and not p.is_symlink()]
    size = sum(p.stat().st_size for p in files) / 2**20
    return report.check(
        "layout: programs, licences, fonts, migrations",
        not missing,
        "missing: " + ", ".join(missing),
        f"{size:.0f} MB",
    )


def app_version() -> str:
    text = (ROOT / "desktop" / "__init__.py").read_text(encoding="utf-8")
    match = re.search(r'^__version__\s*=\s*"([^"]+)"', text, re.M)
    return match.group(1) if match else "?"


def check_cli(report: Report, cli: Path, env: dict[str, str], url: str, where: str) -> bool:
    """demo + statement on one database; True if both passed."""
    demo = run([cli, "demo", "--database-url", url], env)
    if not report.check(
        f"cli demo ({where})",
        demo.code == 0 and DEMO_ACCOUNT in demo.out,
        demo.describe(),
        f"{demo.seconds:.1f} s",
    ):
        return False
    cmd = [cli, "statement", "--account", DEMO_ACCOUNT, "--format", "csv", "--database-url", url]
    statement = run(cmd, env)
    return report.check(
        f"cli statement --format csv ({where}) shows «{DEMO_BALANCE}»",
        statement.code == 0 and DEMO_BALANCE in statement.out,
        statement.describe(),
    )


def check_documents(report: Report, cli: Path, env: dict[str, str], url: str, tmp: Path) -> None:
    """The documents' commands, when this build's command line has them."""
    usage = run([cli, "--help"], env).out + run([cli, "statement", "--help"], env).out
    if "xlsx" in usage:
        target = tmp / "statement.xlsx"
        cmd = [cli, "statement", "--account", DEMO_ACCOUNT, "--format", "xlsx"]
        done = run([*cmd, "--output", target, "--database-url", url], env)
        report.check(
            "cli statement --format xlsx (openpyxl)",
            done.code == 0 and target.is_file() and target.read_bytes()[:2] == b"PK",
            done.describe(),
        )
    else:
        report.skip("cli statement --format xlsx", "this build's command line has no XLSX yet")
    if re.search(r"\breceipt\b", usage):
        target = tmp / "receipt.pdf"
        cmd = [cli, "receipt", "--account", DEMO_ACCOUNT, "--period", "2017-06"]
        done = run([*cmd, "--output", target, "--database-url", url], env)
        data = target.read_bytes() if target.is_file() else b""
        report.check(
            "cli receipt (reportlab, QR, the bundled PT Sans embedded)",
            done.code == 0 and data.startswith(b"%PDF-") and b"FontFile2" in data,
            done.describe() + f"\nfile: {len(data)} bytes, starts {data[:8]!r}",
        )
    else:
        report.skip("cli receipt", "this build's command line has no receipt command yet")


def pg_server() -> str:
    return os.environ.get("CABINET_TEST_PG", PG_DEFAULT).rstrip("/")


def with_pg_database(server: str) -> tuple[str | None, Callable[[], None], str]:
    """(URL of a fresh scratch database, a function that drops it, why there is none)."""
    try:
        from sqlalchemy import create_engine, text
    except ImportError:
        return None, lambda: None, "SQLAlchemy is not importable by this Python"
    admin = create_engine(
        f"{server}/postgres", isolation_level="AUTOCOMMIT", connect_args={"connect_timeout": 3}
    )
    name = f"cabinet_smoke_{uuid.uuid4().hex[:10]}"
    try:
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
    except Exception as error:
        admin.dispose()
        return None, lambda: None, f"PostgreSQL at {server} is unreachable: {error}".splitlines()[0]

    def drop() -> None:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()

    return f"{server}/{name}", drop, ""


def check_postgresql(report: Report, cli: Path, env: dict[str, str], *, require: bool) -> None:
    # The driver (psycopg with its bundled libpq) must load even with no server: a refused
    # connection is reported by libpq, a missing module would be an ImportError.
    bad = run([cli, "db", "upgrade", "--database-url", "postgresql://smoke@127.0.0.1:1/x"], env)
    report.check(
        "PostgreSQL driver loads (psycopg, libpq)",
        bad.code == 1 and "connection" in bad.err.lower() and "Traceback" not in bad.err,
        bad.describe(),
    )
    url, drop, reason = with_pg_database(pg_server())
    if url is None:
        if require:
            report.fail("cli on PostgreSQL", f"{reason} (--require-pg)")
        else:
            report.skip("cli on PostgreSQL", reason)
        return
    try:
        check_cli(report, cli, env, url, "PostgreSQL")
    finally:
        drop()


def check_gui(report: Report, gui: Path, env: dict[str, str], url: str) -> None:
    done = run(
        [gui, "--quit-after-start", "--database-url", url], {**env, "CABINET_STARTUP_REPORT": "1"}
    )
    detail = done.describe()
    if WINDOWS and done.code:  # the windowed program has no stderr: it writes a log
        try:
            from platformdirs import user_data_path

            log = user_data_path("zhk-cabinet", appauthor=False) / "cabinet.log"
            if log.is_file():
                detail += f"\n{log}:\n" + log.read_text(encoding="utf-8", errors="replace")[-3000:]
        except ImportError:
            pass
    report.check(
        "gui --quit-after-start (offscreen) exits 0",
        done.code == 0,
        detail,
        f"{done.seconds:.1f} s",
    )
    if not WINDOWS:  # the windowed program writes nothing to a console there
        report.check(
            "gui finds Qt's Russian translations (qtbase_ru.qm) in the bundle",
            "qt translations ru" in done.out.splitlines(),
            detail,
        )


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--app-dir", type=Path, help="test this built or installed program instead of building"
    )
    parser.add_argument("--keep", type=Path, metavar="DIR", help="build into DIR and keep it")
    parser.add_argument(
        "--require-pg", action="store_true", help="fail when PostgreSQL is unreachable"
    )
    args = parser.parse_args(argv)
    report = Report()
    started = time.monotonic()
    scratch = Path(tempfile.mkdtemp(prefix="cabinet-smoke-"))
    try:
        if args.app_dir:
            app: Path | None = args.app_dir.resolve()
        else:
            dist = args.keep.resolve() if args.keep else scratch / "dist"
            app = build(report, dist, scratch / "work")
        if app is not None and check_layout(report, app):
            env = isolated_env(scratch / "home")
            cli, gui = app / f"cabinet-cli{EXE}", app / f"cabinet{EXE}"
            version = run([cli, "--version"], env)
            report.check(
                f"cli --version is {app_version()}",
                version.code == 0 and app_version() in version.out,
                version.describe(),
            )
            url = f"sqlite:///{(scratch / 'smoke.db').as_posix()}"
            if check_cli(report, cli, env, url, "SQLite"):
                cmd = [cli, "statement", "--account", DEMO_ACCOUNT, "--format", "csv"]
                statement = run([*cmd, "--database-url", url], env)
                report.check(
                    "cli output is UTF-8 with a BOM when piped",
                    statement.out.startswith("\ufeffПериод;"),
                    repr(statement.out[:40]),
                )
                check_documents(report, cli, env, url, scratch)
            check_postgresql(report, cli, env, require=args.require_pg)
            check_gui(report, gui, env, url)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    seconds = time.monotonic() - started
    verdict = "FAILED" if report.failed or not report.passed else "PASSED"
    print(
        f"\nSmoke test {verdict}: {report.passed} passed, {report.failed} failed, "
        f"{report.skipped} skipped in {seconds:.0f} s"
    )
    return 1 if verdict == "FAILED" else 0


if __name__ == "__main__":
    sys.exit(main())
