"""Bank registry format profiles, on both databases: a payment agent's registry (``agent``) is
told from Sberbank's by its first line or chosen by ``--profile``; its totals line is checked
by its own rule; a wrong or misplaced profile is refused in Russian; the example files import
into the demo from the command line."""

from __future__ import annotations

from datetime import date
from decimal import Decimal as D
from pathlib import Path

import pytest
from sqlalchemy import func, select

from db.engine import Database
from db.models import ImportBatch, Payment
from desktop.clock import FixedClock
from desktop.common.problems import ProblemError
from desktop.exchange.report import ImportRefused
from desktop.exchange.service import ImportService
from tests.desktop.test_exchange_payments import ADMIN, count, registry
from tests.factories import make_account

AGENT = [
    "18.09.2017;ПА-1;100;Петров П.П.;г. Тест, ул. Мира, д. 1;09.2017;1500,00;",
    "19/09/2017;ПА-2;100;Петров П.П.;г. Тест, ул. Мира, д. 1;0817;2000,00;20,00",
]


@pytest.fixture
def account(database: Database) -> int:
    return make_account(database, "100")


def test_an_agents_registry_is_told_by_its_first_line(
    database: Database, clock: FixedClock, tmp_path: Path, account: int
):
    path = registry(tmp_path, [*AGENT, "=2;3500,00;20,00"])
    report = ImportService(database, clock).import_file(ADMIN, path)
    assert (report.kind, report.kind_title) == (
        "payments",
        "реестр платежей банка (общий реестр платежного агента)",
    )
    with database.read() as s:
        stored = [
            (p.paid_on, p.operation, p.amount, p.commission, p.bank, p.period)
            for p in s.scalars(select(Payment).order_by(Payment.operation))
        ]
    assert stored == [
        (date(2017, 9, 18), "ПА-1", D("1500.00"), D("0.00"), "Платежный агент", date(2017, 9, 1)),
        (date(2017, 9, 19), "ПА-2", D("2000.00"), D("20.00"), "Платежный агент", date(2017, 8, 1)),
    ]
    # Its totals line may leave the fees out; the sum must agree.
    short = registry(tmp_path, [*AGENT, "=2;3500,00"], name="short.txt")
    again = ImportService(database, clock).import_file(ADMIN, short, profile="agent")
    assert [(t.created, t.unchanged) for t in again.tallies] == [(0, 2)]


@pytest.mark.parametrize(
    ("totals", "message"),
    [
        ("=2;3400,00;20,00", "В итоговой строке «сумма» 3 400,00, а по строкам реестра 3 500,00"),
        ("=2;3500,00;0,00", "В итоговой строке «комиссия» 0,00, а по строкам реестра 20,00"),
        ("=3;3500,00", "В итоговой строке платежей 3, а в реестре 2"),
    ],
)
def test_an_agents_totals_line_is_checked(
    database: Database, clock: FixedClock, tmp_path: Path, account: int, totals, message
):
    path = registry(tmp_path, [*AGENT, totals])
    with pytest.raises(ImportRefused) as refused:
        ImportService(database, clock).import_file(ADMIN, path)
    assert message in str(refused.value)
    assert count(database, Payment) == 0


def test_a_profile_that_does_not_fit_or_is_unknown_is_refused(
    database: Database, clock: FixedClock, tmp_path: Path, account: int
):
    path = registry(tmp_path, [*AGENT, "=2;3500,00;20,00"])
    with pytest.raises(ImportRefused) as refused:
        ImportService(database, clock).import_file(ADMIN, path, profile="sberbank")
    # Read as Sberbank's, the agent's line has no sums where Sberbank's has them.
    assert refused.value.problems[0].place == "строка 1, столбец «сумма»"
    with pytest.raises(ProblemError, match="Формат реестра «vtb» не известен. Можно: sberbank"):
        ImportService(database, clock).import_file(ADMIN, path, profile="vtb")
    with pytest.raises(ProblemError, match="только для реестра платежей банка"):
        ImportService(database, clock).import_file(ADMIN, path, kind="accounts", profile="agent")
    assert (count(database, Payment), count(database, ImportBatch)) == (0, 0)


def test_the_example_registries_import_into_the_demo_with_a_profile(database_url: str, capsys):
    from desktop.cli import main
    from desktop.resources import resource
    from tests.desktop.test_cli import run

    assert main(["demo", "--database-url", database_url]) == 0
    capsys.readouterr()
    agent = resource("exchange") / "agent.txt"
    code, out, err = run(
        capsys, "import", str(agent), "--profile", "agent", "--database-url", database_url
    )
    assert code == 0, err
    assert out.splitlines() == [
        "Файл agent.txt (CSV, Windows-1251): реестр платежей банка (общий реестр платежного "
        "агента).",
        "Строк с данными: 3.",
        "Загружено, пакет № 1:",
        "  Платежи: новых 2, изменено 0, без изменений 0.",
    ]
    readings = resource("exchange") / "sberbank-readings.txt"
    code, out, err = run(capsys, "import", str(readings), "--database-url", database_url)
    assert code == 0, err
    lines = out.splitlines()
    assert lines[3] == "  Платежи: новых 2, изменено 0, без изменений 0."
    assert lines[4].startswith("  Показания из банка: новых ")
    code, out, err = run(
        capsys, "import", str(readings), "--profile", "vtb", "--database-url", database_url
    )
    assert code == 2 and "vtb" in err
    db = Database(database_url)
    try:
        with db.read() as s:
            banks = s.execute(
                select(Payment.bank, func.count())
                .where(Payment.batch_id.is_not(None))
                .group_by(Payment.bank)
                .order_by(Payment.bank)
            ).all()
        assert [tuple(row) for row in banks] == [("ПАО Сбербанк", 2), ("Платежный агент", 2)]
    finally:
        db.dispose()
