"""Importing a bank's payment registry (Sberbank's layout, no header, a totals line), on both
databases: it imports and is detected by its shape, the same file twice changes nothing, a
wrong totals line or a bad row refuses the whole file, and the debt counts the payments
received after the last statement month."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from decimal import Decimal as D
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select, text

from db.engine import Database
from db.migrate import upgrade
from db.models import ImportBatch, MeterKind, Payment, StaffRole
from desktop.actors import Actor
from desktop.billing.penalty import Charge, charge_penalty
from desktop.clock import FixedClock
from desktop.common.errors import UserError
from desktop.common.tasks import TaskState
from desktop.exchange.payments import BANK
from desktop.exchange.report import ImportRefused
from desktop.exchange.service import ImportService
from desktop.months import add_months
from desktop.settings import Settings
from desktop.statement import StatementService
from tests.factories import add_statement, make_account, make_meter, make_services

ADMIN = Actor.staff(1, "admin", StaffRole.ADMIN)
ADDRESS = "Г ТЕСТ, УЛ ЛЕНИНА, Д 1"


def registry(tmp_path: Path, lines: list[str], name: str = "r.txt") -> Path:
    """A registry as Sberbank sends it: cp1251, CRLF."""
    path = tmp_path / name
    path.write_bytes(("\r\n".join(lines) + "\r\n").encode("cp1251"))
    return path


def line(day: str, operation: str, account: str, amount: str, transfer: str, fee: str,
         period: str = "0717") -> str:  # fmt: skip
    return (
        f"{day};10-31-25;9040;9040/1234;{operation};{account};ПЕТРОВ ПЕТР ПЕТРОВИЧ;{ADDRESS};"
        f"{period};{amount};{transfer};{fee}"
    )


def count(db: Database, model: type) -> int:
    with db.read() as s:
        return s.scalar(select(func.count()).select_from(model)) or 0


@pytest.fixture
def account(database: Database) -> int:
    """Account 100: 150 of ХВС charged each month of January–June 2017, 550 paid, and the
    June statement's unpaid «Пеня» 12,50 (the statement's debt test's account)."""
    account = make_account(database, "100")
    ids = make_services(database, ["ХВС", "Пеня"])
    month, opening = date(2017, 1, 1), D("0")
    for paid in ["0", "0", "100", "150", "150", "150"]:
        opening = add_statement(database, account, ids["ХВС"], month, str(opening), "150", paid)
        month = add_months(month, 1)
    add_statement(database, account, ids["Пеня"], date(2017, 6, 1), "0", "12.50", "0")
    return account


def test_a_registry_imports_and_the_same_file_twice_changes_nothing(
    database: Database, clock: FixedClock, tmp_path: Path, account: int
):
    path = registry(
        tmp_path,
        [
            line("15-08-2017", "100000000001", "100", "60,00", "59,40", "0,60"),
            line("16.08.2017", "100000000002", "100", "1 000,50", "990,50", "10,00", "08.2017"),
            "=2;1060,50;1049,90;10,60",
        ],
    )
    report = ImportService(database, clock).import_file(ADMIN, path)  # no --kind: its shape
    assert report.kind == "payments" and report.file_format == "CSV, Windows-1251"
    assert [(t.title, t.created, t.updated, t.unchanged) for t in report.tallies] == [
        ("Платежи", 2, 0, 0)
    ]
    with database.read() as s:
        stored = [
            (p.paid_on, p.amount, p.commission, p.bank, p.operation, p.period, p.batch_id)
            for p in s.scalars(select(Payment).order_by(Payment.paid_on))
        ]
    assert stored == [
        (date(2017, 8, 15), D("60.00"), D("0.60"), BANK, "100000000001", date(2017, 7, 1),
         report.batch_id),
        (date(2017, 8, 16), D("1000.50"), D("10.00"), BANK, "100000000002", date(2017, 8, 1),
         report.batch_id),
    ]  # fmt: skip

    again = ImportService(database, clock).import_file(ADMIN, path)
    assert again.earlier is not None and again.earlier.id == report.batch_id
    assert "уже загружен" in again.text()
    # The same payments in another registry (the bank sent the day again): found, not added.
    copy = registry(tmp_path, [*path.read_text("cp1251").splitlines(), ""], name="copy.txt")
    copy.write_bytes(copy.read_bytes() + b"\r\n")
    repeated = ImportService(database, clock).import_file(ADMIN, copy, kind="payments")
    assert [(t.created, t.unchanged) for t in repeated.tallies] == [(0, 2)]
    assert "ничего не изменилось" in repeated.text()
    assert (count(database, Payment), count(database, ImportBatch)) == (2, 2)


@pytest.mark.parametrize(
    ("totals", "message"),
    [
        ("=3;1060,50;1049,90;10,60", "В итоговой строке платежей 3, а в реестре 2"),
        ("=2;1060,00;1049,90;10,60", "«сумма» 1 060,00, а по строкам реестра 1 060,50"),
        ("=2;1060,50;1049,90;10,50", "«комиссия» 10,50, а по строкам реестра 10,60"),
        ("=два;1060,50;1049,90;10,60", "Итоговая строка не читается: Число платежей"),
        (None, "В реестре нет итоговой строки (она начинается с «=»)"),
    ],
)
def test_a_wrong_totals_line_refuses_the_file(
    database: Database, clock: FixedClock, tmp_path: Path, account: int, totals, message
):
    lines = [
        line("15-08-2017", "100000000001", "100", "60,00", "59,40", "0,60"),
        line("16-08-2017", "100000000002", "100", "1000,50", "990,50", "10,00"),
    ]
    path = registry(tmp_path, lines + ([totals] if totals else []))
    with pytest.raises(ImportRefused) as refused:
        ImportService(database, clock).import_file(ADMIN, path)
    problems = refused.value.problems
    assert len(problems) == 1 and problems[0].row == (3 if totals else 2)
    assert message in str(refused.value)
    assert "Ничего не изменено" in str(refused.value)
    assert (count(database, Payment), count(database, ImportBatch)) == (0, 0)


def test_bad_rows_are_named_by_line_and_column_and_nothing_is_applied(
    database: Database, clock: FixedClock, tmp_path: Path, account: int
):
    path = registry(
        tmp_path,
        [
            line("15-08-2017", "1", "100", "60,00", "59,40", "0,60"),  # fine, not applied
            line("31-02-2017", "2", "100", "60,00", "59,40", "0,60"),
            line("15-08-2017", "3", "999", "60,00", "59,40", "0,60"),
            line("15-08-2017", "4", "100", "60,00", "59,00", "0,60"),
            line("15-08-2017", "1", "100", "60,00", "59,40", "0,60"),
            line("15-08-2017", "5", "100", "шестьдесят", "59,40", "0,60"),
            line("15-08-2017", "6", "100", "60,00", "59,40", "0,60", period="1317"),
            "=7;1;1;1",  # a line whose amount cannot be read: only the count is compared
        ],
    )
    with pytest.raises(ImportRefused) as refused:
        ImportService(database, clock).import_file(ADMIN, path)
    assert [(p.row, p.column) for p in refused.value.problems] == [
        (2, "дата"),
        (3, "ЛС"),
        (4, "сумма к перечислению"),
        (5, "№ операции"),
        (6, "сумма"),
        (7, "период"),
    ]
    text = str(refused.value)
    assert "строка 2, столбец «дата»: Дата платежа «31-02-2017»: такого дня нет" in text
    assert "Лицевого счета 999 нет в базе" in text
    assert "Операция № 1 от 15.08.2017 уже была в строке 1" in text
    assert "«шестьдесят» — не число" in text
    assert count(database, Payment) == 0


def test_a_payment_stored_with_other_figures_is_a_problem(
    database: Database, clock: FixedClock, tmp_path: Path, account: int
):
    first = registry(tmp_path, [line("15-08-2017", "7", "100", "60,00", "59,40", "0,60"),
                                "=1;60,00;59,40;0,60"], name="a.txt")  # fmt: skip
    ImportService(database, clock).import_file(ADMIN, first)
    other = registry(tmp_path, [line("15-08-2017", "7", "100", "70,00", "69,30", "0,70"),
                                "=1;70,00;69,30;0,70"], name="b.txt")  # fmt: skip
    with pytest.raises(ImportRefused) as refused:
        ImportService(database, clock).import_file(ADMIN, other)
    assert (
        "Операция № 7 от 15.08.2017 уже загружена с другими данными: сумма 60,00 ₽, в файле "
        "70,00 ₽; комиссия 0,60 ₽, в файле 0,70 ₽. Уточните реестр в банке."
    ) in str(refused.value)
    assert count(database, Payment) == 1


def test_a_payment_repeated_with_another_fee_or_account_is_a_problem(
    database: Database, clock: FixedClock, tmp_path: Path, account: int
):
    make_account(database, "101")
    first = registry(tmp_path, [line("15-08-2017", "7", "100", "60,00", "59,40", "0,60"),
                                "=1;60,00;59,40;0,60"], name="a.txt")  # fmt: skip
    ImportService(database, clock).import_file(ADMIN, first)
    fee = registry(tmp_path, [line("15-08-2017", "7", "100", "60,00", "59,00", "1,00"),
                              "=1;60,00;59,00;1,00"], name="b.txt")  # fmt: skip
    with pytest.raises(ImportRefused) as refused:
        ImportService(database, clock).import_file(ADMIN, fee)
    [problem] = refused.value.problems
    assert (problem.row, problem.column) == (1, "№ операции")
    assert problem.message == (
        "Операция № 7 от 15.08.2017 уже загружена с другими данными: комиссия 0,60 ₽, в файле "
        "1,00 ₽. Уточните реестр в банке."
    )
    moved = registry(tmp_path, [line("15-08-2017", "7", "101", "60,00", "59,40", "0,60"),
                                "=1;60,00;59,40;0,60"], name="c.txt")  # fmt: skip
    with pytest.raises(ImportRefused) as refused:
        ImportService(database, clock).import_file(ADMIN, moved)
    assert "с другими данными: лицевой счет 100, в файле 101." in str(refused.value)
    with database.read() as s:
        assert [(p.commission, p.account_id) for p in s.scalars(select(Payment))] == [
            (D("0.60"), account)
        ]


def test_the_debt_counts_the_payments_after_the_last_statement_month(
    database: Database, tmp_path: Path, account: int
):
    later = FixedClock(date(2017, 9, 20))
    statements = StatementService(database, later, Settings())
    resident = Actor.resident(account, "100")
    before = statements.debt(resident, account)
    assert before.balance == D("362.50") and before.paid_after == 0
    assert [(i.month, i.amount) for i in before.items] == [
        (date(2017, 4, 1), D("50.00")),
        (date(2017, 5, 1), D("150.00")),
    ]
    path = registry(
        tmp_path,
        [
            # June is the statement's month: its payments are in it already.
            line("28-06-2017", "11", "100", "150,00", "150,00", "0,00", period="0617"),
            line("15-08-2017", "12", "100", "60,00", "59,40", "0,60"),
            "=2;210,00;209,40;0,60",
        ],
    )
    ImportService(database, later).import_file(ADMIN, path)
    debt = statements.debt(resident, account)
    assert (debt.paid_after, debt.payments_after) == (D("60.00"), 1)
    assert debt.balance == D("302.50")  # 362,50 − 60,00
    # The 60 paid April's 50 and 10 of May, oldest first.
    assert [(i.month, i.amount) for i in debt.items] == [(date(2017, 5, 1), D("140.00"))]
    # April accrued its penalty up to the day it was paid; May on 150 up to then, on 140 after.
    rules, since, paid = Settings().debt, date(2017, 6, 30), date(2017, 8, 15)
    today = later.today()

    def penalty(month: date, amount: str, start: date, end: date) -> D:
        return charge_penalty(Charge(month, D(amount)), start, end, rules, rate_on=today)

    april = penalty(date(2017, 4, 1), "50", since, paid)
    may = penalty(date(2017, 5, 1), "150", since, paid) + penalty(
        date(2017, 5, 1), "140", paid, today
    )
    june = penalty(date(2017, 6, 1), "150", since, today)
    assert debt.items[0].penalty == may
    assert debt.penalty_accrued == april + may + june < before.penalty_accrued
    assert debt.penalty_charged == D("12.50")

    listed = statements.payments(resident, account)
    assert [(p.paid_on, p.amount, p.bank, p.counted) for p in listed] == [
        (date(2017, 8, 15), D("60.00"), BANK, True),
        (date(2017, 6, 28), D("150.00"), BANK, False),
    ]


def test_the_example_registry_imports_into_the_demo_from_the_command_line(
    database_url: str, capsys
):
    from desktop.cli import main
    from desktop.resources import resource
    from tests.desktop.test_cli import run

    assert main(["demo", "--database-url", database_url]) == 0
    example = resource("exchange") / "sberbank.txt"
    example.read_bytes().decode("cp1251")  # as the bank sends it
    capsys.readouterr()
    code, out, err = run(capsys, "import", str(example), "--database-url", database_url)
    assert code == 0, err
    assert out.splitlines() == [
        "Файл sberbank.txt (CSV, Windows-1251): реестр платежей банка (Сбербанк).",
        "Строк с данными: 6.",
        "Загружено, пакет № 1:",
        "  Платежи: новых 5, изменено 0, без изменений 0.",
    ]
    db = Database(database_url)
    try:
        with db.read() as s:
            batch = select(func.sum(Payment.amount)).where(Payment.batch_id.is_not(None))
            assert s.scalar(batch) == D("22713.03")  # beside the demo's own payments
            assert s.scalar(select(func.count()).select_from(ImportBatch)) == 1
    finally:
        db.dispose()
    # 3492's statement ends with the seed's June 2017: its November payment counts.
    code, out, err = run(capsys, "debt", "--account", "3492", "--database-url", database_url)
    assert code == 0, err
    assert out.splitlines() == [
        "Задолженности более 3 месяцев нет. Текущий баланс: переплата 3 511,86 ₽.",
        "Учтены оплаты после июня 2017: 1\u00a0платеж на 3 500,00 ₽. Они войдут в следующую "
        "ведомость.",
    ]


REGISTRY_CELLS = st.one_of(
    st.text(alphabet="0123456789,.-=:; /АБВ", max_size=14),
    st.sampled_from(["15-08-2017", "31-02-2017", "10-31-25", "25:61", "100", "0617", "1317",
                     "00.0000", "60,00", "59,40", "0,60", "-5", "99999999999999999999", "=",
                     "=1", "=x", "", "CounterVal_1:12,5", "CounterVal_1:", "CounterVal_0:1",
                     "CounterVal_99:1", "CounterVal_2:-5", "CounterVal_1:" + "9" * 60,
                     "Counter_1:X", "CLIENTDOCNO:7"]),
)  # fmt: skip
REGISTRIES = st.lists(st.lists(REGISTRY_CELLS, min_size=1, max_size=14), min_size=1, max_size=6)


@pytest.fixture(scope="module")
def hostile(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ImportService]:
    """One SQLite database with account 100 for every example."""
    folder = tmp_path_factory.mktemp("registry")
    db = Database(f"sqlite:///{folder / 'cabinet.db'}")
    upgrade(db.engine)
    account = make_account(db, "100")
    make_meter(db, account, "ХВС 1", digits=3)
    make_meter(db, account, "Эл.эн. 2", kind=MeterKind.ELECTRICITY, unit="кВт.ч", zones=2)
    yield ImportService(db, FixedClock(date(2017, 9, 20)))
    db.dispose()


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    registry_lines=REGISTRIES,
    valid_first=st.booleans(),
    kind=st.sampled_from([None, "payments"]),
    operation=st.integers(1, 10**9),
    counters=st.lists(REGISTRY_CELLS, max_size=4),
)
def test_a_malformed_registry_is_refused_never_a_crash(
    hostile: ImportService, tmp_path_factory: pytest.TempPathFactory, registry_lines,
    valid_first: bool, kind: str | None, operation: int, counters: list[str],
):  # fmt: skip
    lines = [";".join(cells) for cells in registry_lines]
    if valid_first:  # detected as a registry, whatever follows; in the readings' window
        first = line("18-09-2017", str(operation), "100", "60,00", "59,40", "0,60", "0917")
        lines.insert(0, ";".join([first, *counters]))
    path = registry(tmp_path_factory.mktemp("file"), lines)
    for dry_run in (True, False):
        before = count(hostile.db, Payment)
        try:
            report = hostile.import_file(ADMIN, path, kind=kind, dry_run=dry_run)
        except UserError as error:
            assert str(error)
            assert count(hostile.db, Payment) == before  # refused: nothing changed
            continue
        added = sum(t.created for t in report.tallies)
        assert count(hostile.db, Payment) == before + (0 if dry_run else added)


def test_two_desks_loading_registries_that_share_a_payment(
    database: Database, database_url: str, clock: FixedClock, tmp_path: Path, account: int
):
    """Desk A's registry is written and not yet committed when desk B's, which repeats one
    of its payments, is loaded on another connection: B's INSERT waits for A's commit, then
    the unique key refuses it. B gets a Russian problem naming the line, and nothing of B's
    file is applied. (PostgreSQL: SQLite lets one writer in at a time.)"""
    if database.is_sqlite:
        pytest.skip("SQLite serializes writers: the second import finds the first's payment")
    import threading
    import time

    shared = line("15-08-2017", "500", "100", "60,00", "59,40", "0,60")
    a = registry(tmp_path, [shared, "=1;60,00;59,40;0,60"], name="a.txt")
    b = registry(
        tmp_path,
        [line("16-08-2017", "501", "100", "10,00", "10,00", "0,00"), shared,
         "=2;70,00;69,40;0,60"],
        name="b.txt",
    )  # fmt: skip
    other = Database(database_url)  # desk B: its own engine and connection
    outcome: list[BaseException | object] = []

    def desk_b() -> None:
        try:
            outcome.append(ImportService(other, clock).import_file(ADMIN, b))
        except BaseException as error:  # handed to the test's thread
            outcome.append(error)

    thread = threading.Thread(target=desk_b)

    def desk_a_written(done: int, total: int) -> None:
        if done != total or thread.is_alive() or outcome:
            return
        thread.start()  # B's INSERT of operation 500 now waits for A's transaction
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            with other.read() as s:
                waiting = s.scalar(text("SELECT count(*) FROM pg_locks WHERE NOT granted"))
            if waiting:
                return
            time.sleep(0.05)
        raise AssertionError("desk B never waited for desk A")

    try:
        first = ImportService(database, clock).import_file(
            ADMIN, a, state=TaskState(desk_a_written)
        )
        thread.join(30)
    finally:
        other.dispose()
    assert first.batch_id is not None
    [refused] = outcome
    assert isinstance(refused, ImportRefused), refused
    [problem] = refused.problems
    assert (problem.row, problem.column) == (2, "№ операции")
    assert problem.message.startswith(
        "Операцию № 500 от 15.08.2017 только что загрузили с другого рабочего места"
    )
    assert "Ничего не изменено" in str(refused)
    with database.read() as s:
        assert [p.operation for p in s.scalars(select(Payment))] == ["500"]
    assert count(database, ImportBatch) == 1
    # Loaded again, B's file finds the shared payment and adds its own.
    again = ImportService(database, clock).import_file(ADMIN, b)
    assert [(t.created, t.unchanged) for t in again.tallies] == [(1, 1)]
