"""The catalogue of hostile input (issue 10): one table of hostile values fed to every form
field, setting and command-line argument, through the core services, on SQLite and PostgreSQL.

Each case ends in one of two ways. Accepted — only where the field lists the value as fit
(a surname with an apostrophe is a surname). Refused — a UserError/ProblemError in Russian,
or the command line's exit code 1 or 2 with a Russian message, and the database unchanged:
every row of every table is what it was (the audit log and the throttle aside: a refused
sign-in is audited and slows the next one, on purpose). Anything else — another exception, a traceback, a silent change — is a defect.

With ``-s`` the test prints «hostile input: tried N, refused M, accepted K»; the figures also
close pytest's terminal summary.
"""

from __future__ import annotations

import hashlib
import io
import json
import re
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from db.engine import Database
from db.models import Base, ResidentCredential, StaffRole
from desktop.actors import Actor
from desktop.app import Services, build_services
from desktop.audit_log import AuditFilter
from desktop.cli import main
from desktop.clock import FixedClock
from desktop.errors import UserError
from desktop.organisation import DECLARED
from desktop.passwords import hash_password
from desktop.readings import ReadingService
from desktop.settings import ENV_PREFIX, Settings, known_keys, load_settings
from tests.desktop.test_auth import cheap_hashing  # noqa: F401 (autouse: Argon2 made cheap)
from tests.factories import make_account, make_meter, make_period

HOSTILE: dict[str, str] = {
    "sql-quote": "' OR '1'='1",
    "sql-drop": "1; DROP TABLE account; --",
    "sql-comment": "3492'--",
    "nul": "34\x0092",
    "nul-only": "\x00",
    "10000-letters": "я" * 10_000,
    "10000-digits": "9" * 10_000,
    "rtl-override": "\u202e3492\u202c",
    "rtl-mark": "Иванов\u200f И.И.",
    "emoji": "😀👍🏽",
    "negative": "-1",
    "negative-fraction": "-0,001",
    "huge": "9" * 40,
    "exponent": "1e999999",
    "nan": "NaN",
    "inf": "inf",
    "bad-encoding": b"\xff\xfe\xc3(".decode("utf-8", "surrogateescape"),
    "zero-width": "\u200b",
    "zero-width-inside": "34\u200b92",
    "whitespace": " \t\n",
    "unicode-spaces": "\u00a0\u3000",
    "empty": "",
}
TEXT = frozenset({"sql-quote", "sql-drop", "sql-comment", "rtl-mark", "emoji", "negative"})
"""Fair free text: a topic, a reason, the office's hours."""
NUMBERS = frozenset({"negative-fraction", "huge", "exponent", "nan", "inf"})
"""Fair free text too, though they look like numbers."""
CLEANED = frozenset({"nul", "rtl-override", "bad-encoding", "zero-width-inside"})
"""Text whose invisible characters (NUL, bidi overrides, undecodable bytes) are dropped: what
remains is what the person typed (desktop.text.clean_text)."""
NAMES = frozenset({"rtl-mark", "nan", "inf"})
"""A staff member's name as stored: letters joined by spaces, dots, hyphens, apostrophes;
digits, emoji and other signs are refused; invisible characters are dropped."""
LOGINS = frozenset({"nan", "inf"})
"""A Latin letter, then Latin letters, digits, «.», «_», «-» make a login."""
PASSWORDS = frozenset({"sql-quote", "sql-drop", "rtl-mark", "huge", "exponent"})
"""Long enough, not common: a password may hold any character that can be typed."""
BLANK = frozenset({"whitespace", "unicode-spaces", "empty"})
"""Nothing typed: an optional filter left empty."""
ANY_TEXT = frozenset(HOSTILE) - {"nul", "nul-only", "bad-encoding"}
"""A machine's own text setting (an SMTP user name, say): anything that can be stored."""

JUNE, MAY = date(2017, 6, 1), date(2017, 5, 1)
IN_WINDOW = datetime(2017, 6, 20, 9, 0, tzinfo=UTC)
OUT_OF_WINDOW = datetime(2017, 6, 5, 9, 0, tzinfo=UTC)
ADMIN = Actor.staff(1, "admin", StaffRole.ADMIN)
CLERK = Actor.staff(2, "operator", StaffRole.CLERK)
RESIDENT_PASSWORD = "Demo-2017-pass"
STAFF_PASSWORD = "Staff-2017-pass"
RUSSIAN = re.compile("[а-яё]", re.IGNORECASE)


@dataclass
class World:
    """An office with one registered resident, one who is not, a clerk and an admin."""

    db: Database
    url: str
    services: Services
    account: int
    meter: int
    resident: Actor
    tmp: Path
    request: int = 0  # the resident's support request, for the office to answer
    password: str = RESIDENT_PASSWORD  # the resident's, as the password change left it
    serial: Iterator[int] = field(default_factory=lambda: iter(range(1, 10**6)))

    def change_password(self, new: str) -> None:
        self.services.auth.change_password(self.resident, self.password, new)
        self.password = new

    def cli(self, *argv: str, stdin: str = "") -> int:
        """The command line's exit code; its error text must be Russian, without a traceback.

        Its streams are a terminal's: standard error shows undecodable characters escaped
        (Python's ``backslashreplace``), standard output is strict UTF-8."""
        streams = (sys.stdin, sys.stdout, sys.stderr)
        sys.stdin = io.StringIO(stdin)
        sys.stdout = io.TextIOWrapper(io.BytesIO(), encoding="utf-8")
        sys.stderr = io.TextIOWrapper(io.BytesIO(), encoding="utf-8", errors="backslashreplace")
        try:
            code = main([*argv, "--database-url", self.url])
        except SystemExit as stop:  # argparse refusing an argument: exit code 2
            code = stop.code if isinstance(stop.code, int) else 1
        finally:
            sys.stderr.flush()
            err = sys.stderr.buffer.getvalue().decode("utf-8")  # type: ignore[attr-defined]
            sys.stdin, sys.stdout, sys.stderr = streams
        if code != 0 and (not RUSSIAN.search(err) or "Traceback" in err):
            raise AssertionError(f"exit {code} without a Russian message: {err[:300]!r}")
        if code not in (0, 1, 2):
            raise AssertionError(f"exit code {code}: {err[:300]!r}")
        if code:
            raise CliRefused(code, err)
        return code


class CliRefused(Exception):
    """The command line refused the input in Russian (exit code 1 or 2)."""


@dataclass(frozen=True)
class Field:
    """A form field, setting or argument: how to feed it a value, and which values it may
    accept (the rest must be refused)."""

    name: str
    feed: Callable[[World, str], Any]
    accepts: frozenset[str] = frozenset()
    neutral: bool = False  # answers the same whether or not the data matched (no refusal)


def _registry(w: World) -> Path:
    """A one-payment Sberbank registry for account 3492: a bank registry's format profile is
    the field (no hostile value names a profile)."""
    path = w.tmp / "registry.txt"
    path.write_bytes(
        "18-06-2017;10-31-25;9040;9040/1;1;3492;ИВАНОВ;АДРЕС;0617;10,00;10,00;0,00\r\n"
        "=1;10,00;10,00;0,00\r\n".encode("cp1251")
    )
    return path


def _env_name(key: str) -> str:
    return ENV_PREFIX + key.replace(".", "_").upper()


def _settings_fields() -> list[Field]:
    """``settings set`` for each organisation setting, and this machine's settings (the
    environment takes the same values as the file, and any string)."""
    texts = {"office_phone", "office_hours"}
    fields = [
        Field(
            "settings set: the key",
            lambda w, v: w.services.organisation.change(ADMIN, v, "10", Settings()),
        )
    ]
    for declared in DECLARED:
        fields.append(
            Field(
                f"settings set {declared.key}",
                lambda w, v, key=declared.key: w.services.organisation.change(
                    ADMIN, key, v, Settings()
                ),
                TEXT | NUMBERS if declared.key in texts else frozenset(),
            )
        )
    fields.append(Field("settings file: a key", _file_key))
    machine_texts = {
        "database_url",
        "smtp.host",
        "smtp.username",
        "smtp.password",
        "smtp.sender",
        "kiosk.printer",  # as the system names it: any text; a wrong one prints nowhere
    }
    for key in known_keys():
        accepts = frozenset[str]()
        if key in texts:
            accepts = TEXT | NUMBERS
        elif key in machine_texts:
            accepts = ANY_TEXT
        fields.append(
            Field(
                f"machine setting {key} (environment)",
                lambda w, v, key=key: load_settings(
                    w.tmp / "none.toml", environ={_env_name(key): v}
                ),
                accepts,
            )
        )
    return fields


def _file_key(w: World, value: str) -> Any:
    """A settings file whose [readings] table holds the value as a key (a misspelt name)."""
    path = w.tmp / "settings.toml"
    key = json.dumps(value, ensure_ascii=False)  # a TOML basic string: the same escapes
    text = f"[readings]\n{key} = 10\n"
    path.write_bytes(text.encode("utf-8", "surrogateescape"))
    return load_settings(path, environ={})


def _register(w: World, fio: str, number: str, phone: str, email: str) -> Any:
    return w.services.auth.register(fio, number, phone, email)


FIELDS: list[Field] = [
    # -- a resident's sign-in, registration and reset -------------------------------------
    Field("sign-in: account number", lambda w, v: w.services.auth.login(v, RESIDENT_PASSWORD)),
    Field("sign-in: password", lambda w, v: w.services.auth.login("3492", v)),
    Field(
        "registration: ФИО",
        lambda w, v: _register(w, v, "5000", "+7 916 000-00-00", "new@example.ru"),
        neutral=True,
    ),
    Field(
        "registration: account number",
        lambda w, v: _register(w, "Сидоров С.С.", v, "+7 916 000-00-00", "new@example.ru"),
        neutral=True,
    ),
    Field(
        "registration: phone",
        lambda w, v: _register(w, "Сидоров С.С.", "5000", v, "new@example.ru"),
    ),
    Field(
        "registration: e-mail",
        lambda w, v: _register(w, "Сидоров С.С.", "5000", "+7 916 000-00-00", v),
    ),
    Field(
        "reset: account number",
        lambda w, v: w.services.auth.request_reset(v, "petrov@example.ru"),
        neutral=True,
    ),
    Field("reset: e-mail", lambda w, v: w.services.auth.request_reset("3492", v), neutral=True),
    Field(
        "reset: code",
        lambda w, v: w.services.auth.complete_reset("3492", v, "New-2017-password"),
    ),
    Field(
        "reset: new password",
        lambda w, v: w.services.auth.complete_reset("3492", "123456", v),
    ),
    Field(
        "password change: new password",
        lambda w, v: w.change_password(v),
        PASSWORDS,
    ),
    # -- staff --------------------------------------------------------------------------
    Field(
        "staff: login",
        lambda w, v: w.services.auth.create_staff(v, "Иванова А.А.", "clerk", STAFF_PASSWORD),
        LOGINS,
    ),
    Field(
        "staff: name",
        lambda w, v: w.services.auth.create_staff(
            f"clerk{next(w.serial)}", v, "clerk", STAFF_PASSWORD
        ),
        NAMES,
    ),
    # «Журнал действий»'s filters: empty (or blank) narrows nothing
    Field(
        "audit log filter: account",
        lambda w, v: w.services.audit_log.entries(ADMIN, AuditFilter(account=v)),
        BLANK,
    ),
    Field(
        "audit log filter: staff login",
        lambda w, v: w.services.audit_log.entries(ADMIN, AuditFilter(staff_login=v)),
        BLANK | LOGINS,
        neutral=True,  # a login of no one's finds no entries, as one who did nothing
    ),
    Field("staff sign-in: login", lambda w, v: w.services.auth.staff_login(v, STAFF_PASSWORD)),
    Field("staff disable: login", lambda w, v: w.services.auth.set_staff_active(v, False)),
    Field("staff sign-in: password", lambda w, v: w.services.auth.staff_login("operator", v)),
    Field("staff reset password: login", lambda w, v: w.services.auth.reset_staff_password(v)),
    # -- readings -----------------------------------------------------------------------
    Field(
        "readings: value",
        lambda w, v: w.services.readings.submit(w.resident, w.account, JUNE, {(w.meter, 1): v}),
    ),
    Field(
        "readings: reason (a clerk outside the window)",
        lambda w, v: ReadingService(w.db, FixedClock(OUT_OF_WINDOW), Settings()).submit(
            CLERK, w.account, JUNE, {(w.meter, 1): f"252,{next(w.serial):03d}"}, reason=v
        ),
        TEXT | NUMBERS | CLEANED,
    ),
    Field(
        "accounts: search", lambda w, v: w.services.accounts.search(CLERK, v), frozenset(HOSTILE)
    ),
    # -- support requests ------------------------------------------------------------------
    Field(
        "support: topic",
        lambda w, v: w.services.support.create(None, v, "Не приходит пароль", "+7 916 000-00-01"),
        TEXT | NUMBERS | CLEANED,
    ),
    Field(
        "support: message",
        lambda w, v: w.services.support.create(None, "Пароль", v, "+7 916 000-00-00"),
        TEXT | NUMBERS | CLEANED,
    ),
    Field(
        "support: contact",
        lambda w, v: w.services.support.create(None, "Пароль", "Не приходит пароль", v),
        TEXT | NUMBERS | CLEANED,
    ),
    Field(
        "support: answer",
        lambda w, v: w.services.support.answer(CLERK, w.request, v),
        TEXT | NUMBERS | CLEANED,
    ),
    Field(
        "support: queue filter",
        lambda w, v: w.services.support.list_for(CLERK, text=v),
        frozenset(HOSTILE),
    ),
    *_settings_fields(),
    Field(
        "exchange: import --profile",
        lambda w, v: w.services.exchange.import_file(ADMIN, _registry(w), profile=v),
    ),
    # -- the command line -----------------------------------------------------------------
    Field("cli: statement --account", lambda w, v: w.cli("statement", "--account", v), CLEANED),
    Field("cli: debt --account", lambda w, v: w.cli("debt", "--account", v), CLEANED),
    Field(
        "cli: readings --period",
        lambda w, v: w.cli("readings", "--account", "3492", "--period", v),
        frozenset({"empty"}),  # no period given: the latest
    ),
    Field(
        "cli: readings --output",
        lambda w, v: w.cli("readings", "--account", "3492", "--output", str(w.tmp / f"{v}.txt")),
        ANY_TEXT | {"bad-encoding"},  # POSIX names are bytes: undecodable ones round-trip
    ),
    Field(
        "cli: receipts --building",
        lambda w, v: w.cli(
            "receipts", "--period", "2017-06", "--building", v, "--output", str(w.tmp / "r.pdf")
        ),
    ),
    Field(
        "cli: backup --output",
        lambda w, v: w.cli("backup", "--output", str(w.tmp / f"{v}.db")),
        ANY_TEXT | {"bad-encoding"},  # any name a file can have (PostgreSQL: the commands)
    ),
    Field("cli: restore FILE", lambda w, v: w.cli("restore", str(w.tmp / v), "--yes")),
    Field("cli: settings set KEY", lambda w, v: w.cli("settings", "set", v, "10")),
    Field(
        "cli: settings set readings.jump_factor",
        lambda w, v: w.cli("settings", "set", "readings.jump_factor", v),
    ),
    Field(
        "cli: staff add --login",
        lambda w, v: w.cli(
            "staff",
            "add",
            "--login",
            v,
            "--name",
            "Иванова А.А.",
            "--role",
            "clerk",
            "--password-stdin",
            stdin=STAFF_PASSWORD + "\n",
        ),
        LOGINS,
    ),
    Field(
        "cli: staff add --name",
        lambda w, v: w.cli(
            "staff",
            "add",
            "--login",
            f"clerk{next(w.serial)}",
            "--name",
            v,
            "--role",
            "clerk",
            "--password-stdin",
            stdin=STAFF_PASSWORD + "\n",
        ),
        NAMES,
    ),
]


# -- the counts ------------------------------------------------------------------------------


@dataclass
class Tally:
    tried: int = 0
    refused: int = 0
    accepted: int = 0
    defects: int = 0

    def line(self) -> str:
        return (
            f"hostile input: tried {self.tried}, refused {self.refused}, "
            f"accepted {self.accepted}" + (f", defects {self.defects}" if self.defects else "")
        )


TALLY = Tally()


class _Summary:
    """Adds the figures to pytest's terminal summary (a plugin registered by the fixture)."""

    def pytest_terminal_summary(self, terminalreporter: Any) -> None:
        if TALLY.tried:
            terminalreporter.write_line(TALLY.line())


@pytest.fixture(scope="module", autouse=True)
def _figures(request: pytest.FixtureRequest) -> Iterator[None]:
    plugins = request.config.pluginmanager
    if not plugins.has_plugin("hostile-input-summary"):
        plugins.register(_Summary(), "hostile-input-summary")
    yield
    print(f"\n{TALLY.line()}")


# -- the test -------------------------------------------------------------------------------


NOT_COUNTED = ("audit_log", "login_throttle", "auth_secret")
"""A refusal is audited, a failed sign-in slows the next one, and the throttle's key is made
at its first use: on purpose."""


def contents(db: Database) -> dict[str, str]:
    """A fingerprint of every row of every table but those NOT_COUNTED: a refusal must leave
    not only the number of rows but every value as it was."""
    with db.read() as s:
        return {
            table.name: hashlib.sha256(
                repr(s.execute(select(table).order_by(*table.primary_key.columns)).all()).encode()
            ).hexdigest()
            for table in Base.metadata.sorted_tables
            if table.name not in NOT_COUNTED
        }


@pytest.fixture
def world(database: Database, database_url: str, tmp_path: Path) -> Iterator[World]:
    clock = FixedClock(IN_WINDOW)
    services = build_services(database, Settings(), clock)
    account = make_account(database, "3492", "Петров П.П.")
    make_account(database, "5000", "Сидоров С.С.")
    meter = make_meter(database, account, "ХВС 21883-12", digits=5)
    make_period(database, account, MAY, {(meter, 1): ("249", "252")})
    make_period(database, account, JUNE, {(meter, 1): ("252", None)}, accepted=False)
    with database.unit_of_work() as s:
        s.add(
            ResidentCredential(
                account_id=account,
                email="petrov@example.ru",
                phone="+79160000000",
                password_hash=hash_password(RESIDENT_PASSWORD),
                created_at=IN_WINDOW,
                updated_at=IN_WINDOW,
                failed_attempts=0,
            )
        )
    services.auth.create_staff("admin", "Админ А.А.", "admin", STAFF_PASSWORD)
    services.auth.create_staff("operator", "Оператор О.О.", "clerk", STAFF_PASSWORD)
    resident = Actor.resident(account, "3492")
    request = services.support.create(resident, "Счетчик", "Как заменить?", "+79160000000").id
    yield World(database, database_url, services, account, meter, resident, tmp_path, request)


def outcome(world: World, item: Field, label: str) -> str | None:
    """Feed one value; None if it ended as the field allows, else what went wrong."""
    value = HOSTILE[label]
    before = contents(world.db)
    TALLY.tried += 1
    try:
        item.feed(world, value)
    except (UserError, CliRefused) as error:
        TALLY.refused += 1
        message = str(error)
        if not RUSSIAN.search(message):
            return f"refused without a Russian message: {message[:200]!r}"
        if contents(world.db) != before:
            after = contents(world.db)
            changed = sorted(k for k in after if after[k] != before.get(k))
            return f"refused, yet {changed} changed: {message[:200]!r}"
        return None
    except Exception as error:  # the defect this catalogue is for
        TALLY.defects += 1
        return f"crashed: {type(error).__name__}: {str(error)[:200]!r}"
    if item.neutral and contents(world.db) == before:
        TALLY.refused += 1  # the same neutral answer as for a mismatch, and nothing stored
        return None
    TALLY.accepted += 1
    if label not in item.accepts:
        return "accepted, but it should have been refused"
    return None


@pytest.mark.parametrize("item", FIELDS, ids=[f.name for f in FIELDS])
def test_every_field_refuses_hostile_values_in_russian_and_changes_nothing(
    world: World, item: Field
):
    problems = [
        f"{item.name} ← {label}: {problem}"
        for label in HOSTILE
        if (problem := outcome(world, item, label)) is not None
    ]
    assert not problems, "\n".join(problems)
