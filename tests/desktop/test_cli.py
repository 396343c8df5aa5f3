"""The command line, driven as the office's scripts drive it, on both databases."""

from __future__ import annotations

import getpass
import io
import os
import re
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import func, select

from db.engine import Database
from db.models import Account, AuditEntry, StaffUser
from desktop.app import open_services
from desktop.auth import LoginError
from desktop.cli import main
from desktop.sessions import SessionEndedError

SEED_STATEMENT_CSV = """\
Период;Строка;ИТОГО;Водоотведение;ГВС (ХВС на ГВС);ОДН ГВС;ОДН ХВС;Отопление;Подогрев воды;Содержание жилого помещения;Содержание и ремонт;ХВС;Электричество Т1;Электричество Т1 ОДН;Электричество Т2;Электричество Т2 ОДН;Электроэнергия ОДН;Пеня
2017-06;Сальдо нач.;5955,86;334,32;131,04;19,39;4,04;922,73;561,74;2648,62;;262,08;779,65;;114,49;;177,76;
2017-06;Начислено;;;;;;;;;;;;;;;;
2017-06;Оплачено;5967,72;334,32;131,04;19,39;4,04;922,73;561,74;2648,62;;262,08;779,65;;114,49;;177,76;11,86
2017-06;Перерасчет;;;;;;;;;;;;;;;;
2017-06;Сальдо кон.;-11,86;;;;;;;;;;;;;;;-11,86
2017-05;Сальдо нач.;6556,30;46,43;24,57;19,39;4,04;2633,98;105,44;2648,62;;30,03;762,39;;91,79;;177,76;11,86
2017-05;Начислено;5955,86;334,32;131,04;19,39;4,04;922,73;561,74;2648,62;;262,08;779,65;;114,49;;177,76;
2017-05;Оплачено;6556,30;46,43;24,57;19,39;4,04;2633,98;105,44;2648,62;;30,03;762,39;;91,79;;177,76;11,86
2017-05;Перерасчет;;;;;;;;;;;;;;;;
2017-05;Сальдо кон.;5955,86;334,32;131,04;19,39;4,04;922,73;561,74;2648,62;;262,08;779,65;;114,49;;177,76;
2017-04;Сальдо нач.;15720,33;455,05;204,75;38,78;8,08;6417,70;877,84;5297,24;;330,33;1536,39;;198,65;;355,52;
2017-04;Начислено;6556,30;46,43;24,57;19,39;4,04;2633,98;105,44;2648,62;;30,03;762,39;;91,79;;177,76;11,86
2017-04;Оплачено;15720,33;455,05;204,75;38,78;8,08;6417,70;877,84;5297,24;;330,33;1536,39;;198,65;;355,52;
2017-04;Перерасчет;;;;;;;;;;;;;;;;
2017-04;Сальдо кон.;6556,30;46,43;24,57;19,39;4,04;2633,98;105,44;2648,62;;30,03;762,39;;91,79;;177,76;11,86
2017-03;Сальдо нач.;9123,92;278,60;131,04;19,39;4,04;4188,22;561,74;2648,62;;196,56;816,57;;101,38;;177,76;
2017-03;Начислено;6596,41;176,45;73,71;19,39;4,04;2229,48;316,10;2648,62;;133,77;719,82;;97,27;;177,76;
2017-03;Оплачено;;;;;;;;;;;;;;;;
2017-03;Перерасчет;;;;;;;;;;;;;;;;
2017-03;Сальдо кон.;15720,33;455,05;204,75;38,78;8,08;6417,70;877,84;5297,24;;330,33;1536,39;;198,65;;355,52;
"""

SEED_READINGS_CSV = """\
Прибор;№ прибора;Дата выбытия;Ед. изм.;Пред. значение;Текущее значение;Разница
ГВС 168500-12;;31.05.2017;м3;126,000;126,000;0,000
ХВС 21883-12;;30.06.2017;м3;252,000;255,000;3,000
Эл.эн. №12765948 T1;;;кВт.ч;9723,460;9897,290;173,830
Эл.эн. №12765948 T2;;;кВт.ч;3383,570;3456,850;73,280
ГВС 59537062;59537062;;м3;0,000;0,000;0,000
"""


def crlf(text: str) -> str:
    return text.replace("\n", "\r\n")


@pytest.fixture
def demo_url(database_url: str) -> str:
    assert main(["demo", "--database-url", database_url]) == 0
    return database_url


def run(capsys, *argv: str) -> tuple[int, str, str]:
    """Run the command line in-process; usage errors exit through argparse."""
    try:
        code = main(list(argv))
    except SystemExit as exit_:
        code = int(exit_.code or 0)
    out, err = capsys.readouterr()
    return code, out, err


def audit_count(url: str) -> int:
    db = Database(url)
    try:
        with db.unit_of_work() as s:
            return s.scalar(select(func.count()).select_from(AuditEntry)) or 0
    finally:
        db.dispose()


def test_statement_csv_reproduces_the_seed_to_the_kopeck(demo_url, capsys, tmp_path: Path):
    capsys.readouterr()
    target = tmp_path / "statement.csv"
    code, out, err = run(capsys, "statement", "--account", "3492", "--format", "csv",
                         "--output", str(target), "--database-url", demo_url)  # fmt: skip
    assert (code, out, err) == (0, "", "")
    raw = target.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")  # UTF-8 BOM, for Excel
    text = raw.decode("utf-8-sig")
    lines = text.split("\r\n")
    assert lines[0] == SEED_STATEMENT_CSV.splitlines()[0]
    seed_months = ("2017-06", "2017-05", "2017-04", "2017-03")
    seed_lines = [line for line in lines if line.startswith(seed_months)]
    assert "\r\n".join([lines[0], *seed_lines]) + "\r\n" == crlf(SEED_STATEMENT_CSV)


def test_statement_table_shows_russian_amounts(demo_url, capsys):
    capsys.readouterr()
    code, out, _ = run(capsys, "statement", "--account", "3492", "--database-url", demo_url)
    assert code == 0
    assert "Июнь 17" in out and "5 955,86" in out and "-11,86" in out and "15 720,33" in out


def test_readings_reproduce_the_seeds_june(demo_url, capsys):
    capsys.readouterr()
    code, out, err = run(capsys, "readings", "--account", "3492", "--period", "2017-06",
                         "--format", "csv", "--database-url", demo_url)  # fmt: skip
    assert (code, err) == (0, "")
    assert out == "\ufeff" + crlf(SEED_READINGS_CSV)
    code, out, _ = run(capsys, "readings", "--account", "3492", "--period", "2017-06",
                       "--database-url", demo_url)  # fmt: skip
    assert "Показания приборов за период: Июнь 2017" in out and "9897,290" in out


def test_debt_of_the_seed_account_is_none(demo_url, capsys):
    capsys.readouterr()
    code, out, _ = run(capsys, "debt", "--account", "3492", "--database-url", demo_url)
    assert code == 0 and "нет" in out and "переплата 11,86" in out


def test_debt_tells_the_pages_story_the_amount_to_pay_as_the_receipt(demo_url, capsys):
    capsys.readouterr()
    code, out, _ = run(capsys, "debt", "--account", "4105", "--database-url", demo_url)
    last = out.splitlines()[-3:]
    assert code == 0 and last[0].startswith("К оплате за ")
    assert "в т. ч. долг старше 3 месяцев" in last[0]
    assert last[1].startswith("Пеня в квитанции — ") and "следующую квитанцию" in last[1]
    assert "Чтобы погасить всё на " in last[2]
    assert "Итого долг" not in out  # the debt plus the penalty: a sum no receipt shows


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["statement", "--account", "999999"], "Лицевой счет 999999 не найден"),
        (["readings", "--account", "3492", "--period", "2017-13"], "ГГГГ-ММ"),
        (["readings", "--account", "3492", "--period", "июнь"], "ГГГГ-ММ"),
        (["readings", "--account", "3492", "--period", "2030-01"], "не найден"),
        (["debt", "--account", "abc"], "не найден"),
        (["statement", "--account", "3492", "--format", "xml"], "недопустимое значение"),
        (["statement"], "не указаны обязательные параметры"),
    ],
)
def test_bad_input_gets_a_russian_message_and_changes_nothing(demo_url, capsys, argv, message):
    before = audit_count(demo_url)
    capsys.readouterr()
    code, out, err = run(capsys, *argv, "--database-url", demo_url)
    assert code != 0 and out == ""
    assert message in err and "Traceback" not in err
    assert audit_count(demo_url) == before


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("postgresql://postgres@127.0.0.1:1/nothing", "Не удалось открыть базу данных"),
        ("mysql://root@localhost/x", "не поддерживается"),
        ("not a url", "Не удалось разобрать адрес"),
        ("sqlite:///\\\\server\\share\\cabinet.db", "сетевом диске"),
        ("sqlite:////mnt/no/such/cabinet.db", "не найден"),
    ],
)
def test_a_bad_database_url_is_explained(capsys, url, message):
    code, out, err = run(capsys, "statement", "--account", "3492", "--database-url", url)
    assert code == 1 and out == "" and message in err and "Traceback" not in err
    assert "postgres@" not in err or "***" not in err  # the password, if any, stays hidden
    assert not Path("/mnt/no/such/cabinet.db").exists()


def test_the_output_file_is_written_whole_or_not_at_all(demo_url, capsys, tmp_path: Path):
    tmp_path = tmp_path / "out"
    tmp_path.mkdir()
    missing = tmp_path / "no-such-dir" / "s.csv"
    code, _, err = run(capsys, "statement", "--account", "3492", "--output", str(missing),
                       "--database-url", demo_url)  # fmt: skip
    assert code == 1 and "не существует" in err and not missing.parent.exists()
    target = tmp_path / "s.csv"
    target.write_text("old")
    code, _, _ = run(capsys, "statement", "--account", "999", "--output", str(target),
                     "--database-url", demo_url)  # fmt: skip
    assert code == 1 and target.read_text() == "old"
    assert [p.name for p in tmp_path.iterdir()] == ["s.csv"]


def test_demo_refuses_a_database_with_real_data(database_url, capsys):
    assert main(["db", "upgrade", "--database-url", database_url]) == 0
    db = Database(database_url)
    with db.unit_of_work() as s:
        s.add(Account(number="1", fio="Настоящий Ж.Ж.", fio_norm="настоящий ж.ж.",
                      address="ул. Реальная, 1", address_norm="ул. реальная, 1",
                      area=Decimal("40.00"), residents=1))  # fmt: skip
    db.dispose()
    capsys.readouterr()
    code, _, err = run(capsys, "demo", "--database-url", database_url)
    assert code == 1 and "Traceback" not in err and err.startswith("Ошибка:")
    db = Database(database_url)
    with db.unit_of_work() as s:
        assert s.scalar(select(func.count()).select_from(Account)) == 1
    db.dispose()


def test_python_m_desktop_runs_as_a_program(tmp_path: Path):
    url = f"sqlite:///{(tmp_path / 'demo.db').as_posix()}"
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[2])}
    done = subprocess.run(
        [sys.executable, "-m", "desktop", "demo", "--database-url", url],
        capture_output=True, text=True, env=env, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert "3492" in done.stdout
    done = subprocess.run(
        [sys.executable, "-m", "desktop", "debt", "--account", "77", "--database-url", url],
        capture_output=True, text=True, env=env, check=False,
    )  # fmt: skip
    assert done.returncode == 1 and "не найден" in done.stderr and "Traceback" not in done.stderr


def test_a_database_of_another_program_is_left_alone(tmp_path: Path, capsys):
    import sqlite3

    path = tmp_path / "other.db"
    with sqlite3.connect(path) as conn:
        conn.execute("CREATE TABLE clients (id INTEGER PRIMARY KEY, name TEXT)")
    for argv in (["demo"], ["db", "upgrade"], ["statement", "--account", "3492"]):
        code, _, err = run(capsys, *argv, "--database-url", f"sqlite:///{path.as_posix()}")
        assert code == 1 and "таблицы другой программы" in err
    with sqlite3.connect(path) as conn:
        tables = [
            row[0] for row in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")
        ]
    assert tables == ["clients"]


# -- staff ------------------------------------------------------------------------------------

STAFF_PASSWORD = "Садовая-12-весна"


def staff_rows(url: str) -> list[tuple[str, str, str, bool]]:
    db = Database(url)
    try:
        with db.unit_of_work() as s:
            users = s.scalars(select(StaffUser).order_by(StaffUser.login))
            return [(u.login, u.full_name, u.role.value, u.must_change) for u in users]
    finally:
        db.dispose()


def test_the_first_administrator_is_added_from_the_command_line(database_url, capsys, monkeypatch):
    """A new office database has no staff: the installer's administrator adds the first."""
    assert main(["db", "upgrade", "--database-url", database_url]) == 0
    code, out, _ = run(capsys, "staff", "list", "--database-url", database_url)
    assert code == 0 and "Сотрудников пока нет" in out

    monkeypatch.setattr(sys, "stdin", io.StringIO(STAFF_PASSWORD + "\n"))
    code, out, err = run(
        capsys, "staff", "add", "--login", "Ivanova", "--name", " Иванова  А.А. ",
        "--role", "admin", "--password-stdin", "--database-url", database_url,
    )  # fmt: skip
    assert (code, err) == (0, "")
    assert "Иванова А.А. (администратор) добавлен" in out and "ivanova" in out
    # She chose the password herself at the console: no forced change at first sign-in.
    assert staff_rows(database_url) == [("ivanova", "Иванова А.А.", "admin", False)]
    services = open_services(database_url, create=False)
    try:
        session = services.auth.staff_login("ivanova", STAFF_PASSWORD)
    finally:
        services.close()
    assert session.actor.kind == "admin" and not session.must_change_password

    code, out, _ = run(capsys, "staff", "list", "--database-url", database_url)
    assert code == 0
    assert out.splitlines()[2].split() == ["ivanova", "Иванова", "А.А.", "администратор", "да"]


def test_a_clerk_is_disabled_and_enabled_from_the_command_line(database_url, capsys, monkeypatch):
    assert main(["db", "upgrade", "--database-url", database_url]) == 0
    for login, role in (("ivanova", "admin"), ("petrov", "clerk")):
        monkeypatch.setattr(sys, "stdin", io.StringIO(STAFF_PASSWORD + "\n"))
        assert main(["staff", "add", "--login", login, "--name", "Петров П.П.", "--role", role,
                     "--password-stdin", "--database-url", database_url]) == 0  # fmt: skip
    services = open_services(database_url, create=False)
    try:
        desk = services.auth.staff_login("petrov", STAFF_PASSWORD).actor
        capsys.readouterr()
        code, out, err = run(capsys, "staff", "disable", "Petrov", "--database-url", database_url)
        assert (code, err) == (0, "") and "petrov) отключен" in out and "сеансы завершены" in out
        with pytest.raises(SessionEndedError, match="учетная запись отключена"):
            services.accounts.get(desk, "3492")
        code, out, _ = run(capsys, "staff", "list", "--database-url", database_url)
        assert out.splitlines()[3].split()[-1] == "нет"  # petrov: «Активен» нет
        code, out, err = run(capsys, "staff", "disable", "ivanova", "--database-url", database_url)
        assert code == 1 and out == "" and "единственный действующий администратор" in err
        code, out, _ = run(capsys, "staff", "enable", "petrov", "--database-url", database_url)
        assert code == 0 and "снова может входить" in out
        assert services.auth.staff_login("petrov", STAFF_PASSWORD).actor.kind == "clerk"
    finally:
        services.close()


def test_a_clerks_password_is_reset_from_the_command_line(database_url, capsys, monkeypatch):
    assert main(["db", "upgrade", "--database-url", database_url]) == 0
    monkeypatch.setattr(sys, "stdin", io.StringIO(STAFF_PASSWORD + "\n"))
    assert main(["staff", "add", "--login", "petrov", "--name", "Петров П.П.", "--role",
                 "clerk", "--password-stdin", "--database-url", database_url]) == 0  # fmt: skip
    capsys.readouterr()
    code, out, err = run(
        capsys, "staff", "reset-password", "Petrov", "--database-url", database_url
    )
    assert (code, err) == (0, "") and "показан один раз" in out
    password = re.search(r"Временный пароль сотрудника petrov: (\S+)", out).group(1)
    services = open_services(database_url, create=False)
    try:
        with pytest.raises(LoginError):
            services.auth.staff_login("petrov", STAFF_PASSWORD)
        assert services.auth.staff_login("petrov", password).must_change_password
    finally:
        services.close()
    code, out, err = run(
        capsys, "staff", "reset-password", "nobody", "--database-url", database_url
    )
    assert code == 1 and out == "" and "Сотрудника с логином «nobody» нет" in err


@pytest.mark.parametrize(
    ("argv", "stdin", "message"),
    [
        (["--login", "ivanova", "--role", "clerk"], "Другой-пароль-2026\n", "уже есть"),
        (["--login", "petrov", "--role", "clerk"], "12345678\n", "распространён"),
        (["--login", "petrov", "--role", "clerk"], "\n", "Пароль не получен"),
        (["--login", "p", "--role", "clerk"], "Другой-пароль-2026\n", "Логин должен быть"),
    ],
)
def test_a_staff_member_that_cannot_be_added_changes_nothing(
    database_url, capsys, monkeypatch, argv, stdin, message
):
    assert main(["db", "upgrade", "--database-url", database_url]) == 0
    monkeypatch.setattr(sys, "stdin", io.StringIO(STAFF_PASSWORD + "\n"))
    assert main(["staff", "add", "--login", "ivanova", "--name", "Иванова А.А.", "--role",
                 "admin", "--password-stdin", "--database-url", database_url]) == 0  # fmt: skip
    before, audit_before = staff_rows(database_url), audit_count(database_url)
    capsys.readouterr()
    monkeypatch.setattr(sys, "stdin", io.StringIO(stdin))
    code, _, err = run(
        capsys, "staff", "add", *argv, "--name", "Петров П.П.", "--password-stdin",
        "--database-url", database_url,
    )  # fmt: skip
    assert code == 1 and err.startswith("Ошибка:") and message in err, err
    assert staff_rows(database_url) == before
    assert audit_count(database_url) == audit_before


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_the_password_is_typed_twice_at_a_terminal_and_never_echoed(
    database_url, capsys, monkeypatch
):
    assert main(["db", "upgrade", "--database-url", database_url]) == 0
    add = ["staff", "add", "--login", "petrov", "--name", "Петров П.П.", "--role", "clerk",
           "--database-url", database_url]  # fmt: skip
    # Not a terminal and no --password-stdin: explained, nothing asked.
    monkeypatch.setattr(sys, "stdin", io.StringIO(""))
    code, _, err = run(capsys, *add)
    assert code == 1 and "--password-stdin" in err

    monkeypatch.setattr(sys, "stdin", _Terminal())
    # At a terminal --password-stdin would echo the password: refused.
    code, _, err = run(capsys, *add, "--password-stdin")
    assert code == 1 and "был бы виден на экране" in err
    typed = iter([STAFF_PASSWORD, STAFF_PASSWORD + "!"])
    prompts: list[str] = []
    monkeypatch.setattr(getpass, "getpass", lambda prompt: prompts.append(prompt) or next(typed))
    # A login that cannot be is refused before anyone types a password.
    code, _, err = run(capsys, *add[:3], "a", *add[4:])
    assert code == 1 and "Логин должен быть" in err and prompts == []
    code, _, err = run(capsys, *add)
    assert code == 1 and "Пароли не совпадают" in err
    assert prompts == ["Пароль сотрудника: ", "Повторите пароль: "]
    assert staff_rows(database_url) == []

    typed = iter([STAFF_PASSWORD, STAFF_PASSWORD])
    code, out, _ = run(capsys, *add)
    assert code == 0 and "Петров П.П. (оператор) добавлен" in out
    assert STAFF_PASSWORD not in out
    assert staff_rows(database_url) == [("petrov", "Петров П.П.", "clerk", False)]
    prompts.clear()  # and so is a login already taken
    code, _, err = run(capsys, *add)
    assert code == 1 and "уже есть" in err and prompts == []


def test_the_help_is_in_russian(capsys):
    code, out, _ = run(capsys, "--help")
    assert code == 0 and out.startswith("использование: python -m desktop")
    assert "показать версию и выйти" in out and "staff" in out
    assert "show " not in out and "usage" not in out
    code, out, _ = run(capsys, "staff", "add", "--help")
    assert code == 0 and "--password-stdin" in out and "admin — администратор" in out


def test_the_command_line_and_its_command_modules_import_no_cycle():
    """desktop.cli loads the documents' commands; they take what they share from
    desktop.cli_common and never reach back (grimp sees imports inside functions too)."""
    import grimp

    graph = grimp.build_graph("desktop")
    assert graph.chain_exists(importer="desktop.cli", imported="desktop.documents.commands")
    assert not graph.chain_exists(importer="desktop.documents.commands", imported="desktop.cli")
    assert not graph.chain_exists(importer="desktop.cli_common", imported="desktop.cli")
