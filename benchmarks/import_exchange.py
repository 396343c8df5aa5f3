"""How fast ``python -m desktop import FILE`` takes 1C's big files, beside its floor: the same
file read by the bare ``csv`` module and its rows inserted as they are (text) by the bare
driver — sqlite3 ``executemany`` / psycopg ``COPY`` — into one table with the same key, in the
same run. A fresh demo database gets N accounts, their meters, a month's statement (an
account × every service) and two months' receipts, each kind imported through the service
as the office does, one transaction each.

    .venv/bin/python benchmarks/import_exchange.py [--accounts 10000] [--no-postgres]

Figures only, never assertions.
"""

from __future__ import annotations

import argparse
import csv
import resource
import sqlite3
import tempfile
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import psycopg
from scratch_pg import scratch_database  # benchmarks/ is on sys.path when run
from sqlalchemy.engine import make_url

from db.engine import Database
from db.migrate import upgrade
from db.models import StaffRole
from desktop.actors import Actor
from desktop.clock import FixedClock
from desktop.demo import SERVICES, build_demo
from desktop.exchange.service import ImportService

PG_SERVER = "postgresql+psycopg://postgres@127.0.0.1:5432"
CLOCK = FixedClock(datetime(2026, 12, 1, 10, 0, tzinfo=UTC))
ADMIN = Actor.staff(1, "bench", StaffRole.ADMIN)
FIRST = 100_000  # the first account number of the file
KINDS = ("accounts", "meters", "statement", "receipts")  # in the order they are imported
_METERS = (("Холодная вода", "м3"), ("Горячая вода", "м3"), ("Электроэнергия", "кВт·ч"))


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _write(path: Path, title: str, header: str, rows: Iterator[str]) -> int:
    """A 1C export in cp1251: a title, an empty line, the header, the rows. Rows written."""
    count = 0
    with path.open("w", encoding="cp1251", newline="") as out:
        out.write(f"{title}\r\n\r\n{header}\r\n")
        for row in rows:
            out.write(row + "\r\n")
            count += 1
    return count


def _money(kopecks: int) -> str:
    return "" if not kopecks else f"{kopecks // 100},{kopecks % 100:02d}"


def make_files(folder: Path, accounts: int) -> dict[str, tuple[Path, int]]:
    """The four files for ``accounts`` accounts: each kind's path and data rows."""
    numbers = range(FIRST, FIRST + accounts)

    def account_rows() -> Iterator[str]:
        for i, n in enumerate(numbers, 1):
            yield (f"{i};{n};Житель {n} А.А.;г. Королёв, ул. Новая, д. {n // 200};{n % 200 + 1};"
                   f"{40 + n % 30},{n % 100:02d};{1 + n % 4};01.01.2020")  # fmt: skip

    def meter_rows() -> Iterator[str]:
        for n in numbers:
            for k, (kind, unit) in enumerate(_METERS):
                yield (f"{n};;{kind};{n}-{k};{unit};1;{5 + k};15.03.2021;15.03.2027;;"
                       f"{n % 1000},000;")  # fmt: skip

    def statement_rows() -> Iterator[str]:
        for n in numbers:
            for k, service in enumerate(SERVICES):
                opening, charged = (n * 7 + k * 13) % 500_00, (n * 11 + k * 17) % 300_00
                paid = opening // 2
                closing = opening + charged - paid
                yield (f"{n};11.2026;{service.name};{_money(opening)};{_money(charged)};"
                       f"{_money(paid)};;{_money(closing)};{k},{n % 1000:03d}")  # fmt: skip

    def receipt_rows() -> Iterator[str]:
        row = 0
        for n in numbers:
            for month in (10, 11):
                row += 1
                yield (f"{row};{n};{n}-{month};05.{month + 1:02d}.2026;{month}.2026;;"
                       f"{_money(1000_00 + n % 9000_00)}")  # fmt: skip

    made = {
        "accounts": (
            "Список лицевых счетов на 01.12.2026",
            "№ п/п;Лицевой счет;ФИО;Адрес дома;Квартира;Площадь общая, м2;"
            "Кол-во проживающих;Дата открытия",
            account_rows(),
        ),
        "meters": (
            "Приборы учета (ИПУ) на 01.12.2026",
            "Лицевой счет;Адрес;Вид прибора;Заводской номер;Ед. изм.;Тарифность;Разрядность;"
            "Дата установки;Дата следующей поверки;Дата выбытия;Начальное показание;"
            "Номер ПУ в ГИС ЖКХ",
            meter_rows(),
        ),
        "statement": (
            "Оборотно-сальдовая ведомость по лицевым счетам за 11.2026",
            "Лицевой счет;Период;Услуга;Сальдо на начало;Начислено;Оплачено;Перерасчет;"
            "Сальдо на конец;Объем",
            statement_rows(),
        ),
        "receipts": (
            "Реестр квитанций (ЕПД) за 10.2026 - 11.2026",
            "№ п/п;Лицевой счет;Номер квитанции;Дата;Период;Описание;Сумма к оплате",
            receipt_rows(),
        ),
    }
    files = {}
    for kind, (title, header, rows) in made.items():
        path = folder / f"{kind}.csv"
        files[kind] = (path, _write(path, title, header, rows))
    return files


def imports(url: str, files: dict[str, tuple[Path, int]], kinds: list[str]) -> dict[str, float]:
    """Seconds each kind's import took, in KINDS' order, into a fresh demo database (the
    accounts are imported whether measured or not: the others name them)."""
    db = Database(url)
    try:
        upgrade(db.engine)
        build_demo(db, CLOCK)
        service = ImportService(db, CLOCK)
        took = {}
        for kind in KINDS:
            if kind not in kinds and kind != "accounts":
                continue
            path, rows = files[kind]
            started = time.perf_counter()
            report = service.import_file(ADMIN, path, kind=kind)
            took[kind] = time.perf_counter() - started
            assert report.rows == rows and report.batch_id, report.text()
        return took
    finally:
        db.dispose()


def _file_rows(path: Path, batch: int = 20_000) -> Iterator[list[list[str]]]:
    """The file's data rows as the bare ``csv`` module reads them, in batches."""
    with path.open(encoding="cp1251", newline="") as text:
        rows = csv.reader(text, delimiter=";")
        for _ in range(3):  # the title, the empty line, the header
            next(rows)
        held: list[list[str]] = []
        for cells in rows:
            held.append(cells)
            if len(held) >= batch:
                yield held
                held = []
        if held:
            yield held


def _table(width: int) -> str:
    cells = ", ".join(f"c{i} TEXT" for i in range(width))
    return f"CREATE TABLE f (id BIGINT PRIMARY KEY, {cells}, UNIQUE (c0, c1, c2))"


def _width(path: Path) -> int:
    return len(next(iter(next(_file_rows(path, 1)))))


def floor_sqlite(path: Path, db_path: Path) -> float:
    """Seconds to read ``path`` with bare ``csv`` and ``executemany`` its rows, one commit."""
    width = _width(path)
    started = time.perf_counter()
    conn = sqlite3.connect(db_path, isolation_level=None)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=FULL")
    conn.execute(_table(width))
    conn.execute("BEGIN")
    insert = f"INSERT INTO f VALUES ({', '.join('?' * (width + 1))})"
    number = 0
    for rows in _file_rows(path):
        conn.executemany(insert, [(number := number + 1, *cells) for cells in rows])
    conn.execute("COMMIT")
    conn.close()
    return time.perf_counter() - started


def floor_postgres(path: Path, url: str) -> float:
    """Seconds to read ``path`` with bare ``csv`` and ``COPY`` its rows, one commit."""
    width = _width(path)
    dsn = make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)
    started = time.perf_counter()
    with psycopg.connect(dsn) as conn:
        conn.execute(_table(width))
        number = 0
        with conn.cursor() as cursor:
            for rows in _file_rows(path):
                with cursor.copy("COPY f FROM STDIN") as copy:
                    for cells in rows:
                        copy.write_row((number := number + 1, *cells))
        conn.commit()
    return time.perf_counter() - started


def report(backend: str, kind: str, rows: int, seconds: float, floor: float) -> None:
    print(
        f"{backend:<10} {kind:<10} {rows:>10,} rows  {seconds:7.2f} s  "
        f"{rows / seconds:>9,.0f} rows/s   floor {rows / floor:>9,.0f} rows/s  "
        f"(×{seconds / floor:.1f})"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--accounts", type=int, default=10_000)
    parser.add_argument("--no-postgres", action="store_true")
    parser.add_argument(
        "--kinds", default=",".join(KINDS), help="which kinds to print, e.g. statement,receipts"
    )
    args = parser.parse_args()
    kinds = [kind for kind in KINDS if kind in args.kinds.split(",")]
    with tempfile.TemporaryDirectory() as name:
        folder = Path(name)
        files = make_files(folder, args.accounts)
        print(f"import of {args.accounts} accounts' files (CSV, cp1251)")
        took = imports(f"sqlite:///{folder}/import.db", files, kinds)
        for number, kind in enumerate(kinds):
            path, rows = files[kind]
            floor = floor_sqlite(path, folder / f"floor{number}.db")
            report("SQLite", kind, rows, took[kind], floor)
        if not args.no_postgres:
            with scratch_database(PG_SERVER) as url:
                if url:
                    took = imports(url, files, kinds)
                    for kind in kinds:
                        path, rows = files[kind]
                        with scratch_database(PG_SERVER) as floor_url:
                            assert floor_url
                            report("PostgreSQL", kind, rows, took[kind],
                                   floor_postgres(path, floor_url))  # fmt: skip
    print(f"peak memory of this process: {peak_mb():.0f} MB")


if __name__ == "__main__":
    main()
