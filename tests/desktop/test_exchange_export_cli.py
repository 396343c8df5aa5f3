"""``python -m desktop export readings`` and the example answers shipped in resources/exchange/
(receipts, accepted), driven as an office administrator would on the demo, on both databases."""

from __future__ import annotations

from pathlib import Path

from openpyxl import load_workbook
from sqlalchemy import select

from db.models import Account, Period, Receipt
from desktop.resources import resource
from tests.desktop.test_cli import run
from tests.desktop.test_exchange_cli import demo_url, rows  # noqa: F401 (a fixture)

EXAMPLES = resource("exchange")


def test_export_readings_writes_each_format_and_says_what_changed(
    demo_url: str,  # noqa: F811
    capsys,
    tmp_path: Path,
):
    capsys.readouterr()
    csv_file = tmp_path / "показания.csv"
    code, out, err = run(capsys, "export", "readings", "--period", "2017-06", "--format", "csv",
                         "--output", str(csv_file), "--database-url", demo_url)  # fmt: skip
    assert code == 0, err
    assert out.splitlines()[:3] == [
        "Показания за июнь 2017 для 1С (CSV, Windows-1251): файл показания.csv, выгрузка № 1.",
        "Строк: 5, лицевых счетов: 1.",
        "За этот месяц для 1С выгружено впервые.",
    ]
    head = csv_file.read_bytes().decode("cp1251").splitlines()[0]
    assert head.startswith("Лицевой счет;Адрес;Период;Вид прибора;")
    code, out, err = run(capsys, "export", "readings", "--period", "2017-06", "--format", "xlsx",
                         "--output", str(tmp_path / "p.xlsx"), "--database-url", demo_url)  # fmt: skip
    assert code == 0 and "С тех пор показания не менялись." in out
    code, out, err = run(capsys, "export", "readings", "--period", "2017-06", "--format", "gis",
                         "--output", str(tmp_path / "gis.xlsx"), "--database-url", demo_url)  # fmt: skip
    assert code == 1 and "Файл для ГИС ЖКХ не создан" in err and "ГВС 168500-12" in err
    assert not (tmp_path / "gis.xlsx").exists()

    # The meters get their ГИС ЖКХ numbers from 1C's list; then the file is made.
    meters = tmp_path / "meters.csv"
    meters.write_bytes("Лицевой счет;Вид прибора;Заводской номер;Номер ПУ в ГИС ЖКХ\r\n"
                       "3492;ГВС;59537062;5000001-01\r\n".encode("cp1251"))  # fmt: skip
    assert run(capsys, "import", str(meters), "--database-url", demo_url)[0] == 0
    code, out, err = run(capsys, "export", "readings", "--period", "2017-06", "--format", "gis",
                         "--output", str(tmp_path / "gis.xlsx"), "--database-url", demo_url)  # fmt: skip
    assert code == 0, err
    assert "Не выгружены 3 прибора без номера в ГИС ЖКХ" in out
    sheet = load_workbook(tmp_path / "gis.xlsx")["Импорт показаний ИПУ"]
    assert [c.value for c in sheet[2]][1:4] == ["5000001-01", "Горячая вода", "06.2017"]

    code, _, err = run(capsys, "export", "readings", "--period", "июнь", "--format", "csv",
                       "--output", str(tmp_path / "x.csv"), "--database-url", demo_url)  # fmt: skip
    assert code == 1 and "ГГГГ-ММ" in err


def test_the_example_receipts_and_answer_import_into_the_demo(
    demo_url: str,  # noqa: F811
    capsys,
):
    capsys.readouterr()
    assert run(capsys, "import", str(EXAMPLES / "accounts.csv"), "--database-url", demo_url)[0] == 0
    code, out, err = run(capsys, "import", str(EXAMPLES / "receipts.csv"),
                         "--database-url", demo_url)  # fmt: skip
    assert code == 0, err
    assert "квитанции" in out and "  Квитанции: новых 6, изменено 0, без изменений 0." in out
    assert len(rows(demo_url, select(Receipt.id).where(Receipt.number.like("61%")))) == 6

    code, out, err = run(capsys, "import", str(EXAMPLES / "accepted.csv"),
                         "--database-url", demo_url)  # fmt: skip
    assert code == 0, err
    assert "ответ 1С о приёме показаний" in out
    marks = dict(
        rows(
            demo_url,
            select(Period.month, Period.declined_reason)
            .join(Account, Account.id == Period.account_id)
            .where(Account.number == "3492", Period.declined_reason.is_not(None)),
        )
    )
    assert [str(month) for month in marks] == ["2017-04-01"]
