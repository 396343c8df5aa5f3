"""``python -m desktop import``, driven as an office administrator would: the example files
shipped in resources/exchange/ (accounts, meters, statement) into the demo database, on both
databases."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest
from openpyxl import Workbook
from sqlalchemy import select

from db.engine import Database
from db.models import Account, AuditEntry, ImportBatch, Meter
from desktop.exchange.commands import KIND_NAMES
from desktop.exchange.kinds import KINDS
from desktop.resources import resource
from tests.desktop.test_cli import run

EXAMPLES = resource("exchange")


@pytest.fixture
def demo_url(database_url: str) -> str:
    from desktop.cli import main

    assert main(["demo", "--database-url", database_url]) == 0
    return database_url


def rows(url: str, query):
    db = Database(url)
    try:
        with db.read() as s:
            return s.execute(query).all()
    finally:
        db.dispose()


def test_the_example_files_import_into_the_demo_and_a_second_time_change_nothing(
    demo_url: str, capsys, tmp_path: Path
):
    capsys.readouterr()
    accounts = str(EXAMPLES / "accounts.csv")
    code, out, err = run(capsys, "import", accounts, "--dry-run", "--database-url", demo_url)
    assert code == 0, err
    assert "Проверка без записи (--dry-run): в базе ничего не изменено" in out
    assert rows(demo_url, select(Account.id).where(Account.number == "6101")) == []

    code, out, err = run(capsys, "import", accounts, "--database-url", demo_url)
    assert code == 0, err
    assert out.splitlines() == [
        "Файл accounts.csv (CSV, Windows-1251): лицевые счета.",
        "Строк с данными: 12.",
        "Загружено, пакет № 1:",
        "  Лицевые счета: новых 10, изменено 0, без изменений 2.",
        "  Дома: новых 1, изменено 0, без изменений 1.",
        "  Помещения: новых 10, изменено 0, без изменений 2.",
        "Не использованы столбцы: «№ п/п», «Дата открытия».",
    ]
    code, out, err = run(capsys, "import", str(EXAMPLES / "meters.csv"), "--kind", "meters",
                         "--database-url", demo_url)  # fmt: skip
    assert code == 0, err
    assert "  Приборы учета: новых 31, изменено 0, без изменений 0." in out
    gas = rows(demo_url, select(Meter.title, Meter.retired_on, Meter.initial_value,
                                Meter.gis_number).where(Meter.serial == "GZ-4471"))  # fmt: skip
    assert [(t, str(r), str(v), g) for t, r, v, g in gas] == [
        ("Газ GZ-4471", "2021-05-10", "1520.400", None)
    ]
    code, out, err = run(capsys, "import", str(EXAMPLES / "statement.csv"),
                         "--database-url", demo_url)  # fmt: skip
    assert code == 0, err
    assert "ведомость" in out and "  Строки ведомости: новых 48, изменено 0" in out
    code, out, _ = run(capsys, "statement", "--account", "6102", "--database-url", demo_url)
    assert code == 0 and "Ноябрь 26" in out and "Перерасчет" in out
    code, out, _ = run(capsys, "import", accounts, "--database-url", demo_url)
    assert code == 0 and "Этот файл уже загружен" in out and "пакет № 1" in out
    assert len(rows(demo_url, select(ImportBatch.id))) == 3
    actions = rows(demo_url, select(AuditEntry.actor).where(AuditEntry.action == "exchange.import"))
    assert len(actions) == 3 and actions[0][0].startswith("cli:")

    # The same accounts saved from Excel as a book: found, nothing to change.
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    text = (EXAMPLES / "accounts.csv").read_bytes().decode("cp1251")
    for line in csv.reader(io.StringIO(text), delimiter=";"):
        sheet.append([float(c.replace(",", ".")) if c[:1].isdigit() and "," in c else c
                      for c in line])  # fmt: skip
    book.save(tmp_path / "accounts.xlsx")
    code, out, err = run(capsys, "import", str(tmp_path / "accounts.xlsx"),
                         "--database-url", demo_url)  # fmt: skip
    assert code == 0, err
    assert "(XLSX)" in out and "Лицевые счета: новых 0, изменено 0, без изменений 12." in out


def test_a_refused_file_lists_its_problems_on_stderr_with_exit_code_1(
    demo_url: str, capsys, tmp_path: Path
):
    capsys.readouterr()
    bad = tmp_path / "meters.csv"
    bad.write_bytes("ЛС;Вид прибора;Заводской номер\n3492;ХВС;1\n777;ХВС;2\n".encode("cp1251"))
    code, out, err = run(capsys, "import", str(bad), "--database-url", demo_url)
    assert (code, out) == (1, "")
    assert err.splitlines()[2:] == [
        "Файл не загружен: 1 ошибка. Ничего не изменено. Исправьте файл и загрузите его снова.",
        "  строка 3, столбец «ЛС»: Лицевого счета 777 нет в базе. Загрузите сначала лицевые "
        "счета (вид accounts) или исправьте номер.",
    ]
    assert rows(demo_url, select(Meter.id).where(Meter.serial == "1")) == []

    code, _, err = run(capsys, "import", str(tmp_path / "нет.csv"), "--database-url", demo_url)
    assert code == 1 and "Ошибка: Файл" in err and "не найден" in err
    code, _, err = run(capsys, "import", str(bad), "--kind", "payroll",
                       "--database-url", demo_url)  # fmt: skip
    assert code == 2 and "недопустимое значение" in err


def test_the_command_line_offers_every_kind():
    assert tuple(KINDS) == KIND_NAMES
