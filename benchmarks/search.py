"""How fast the office finds an account among 100 000: AccountService.search on SQLite and
PostgreSQL.

Builds the accounts (Russian-looking ФИО and addresses, some with ё, two meters each on
average) in a temporary SQLite file and, if the server answers, in a temporary PostgreSQL
database that is dropped afterwards; then prints the median time of number-prefix,
ФИО-prefix, address-substring and meter-serial searches. Figures only, never assertions.

    .venv/bin/python benchmarks/search.py [--accounts 100000] [--explain] [--no-postgres]
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

from scratch_pg import scratch_database  # benchmarks/ is on sys.path when run
from sqlalchemy import event, insert

from db.engine import Database
from db.migrate import upgrade
from db.models import (
    Account,
    Building,
    Company,
    Meter,
    MeterKind,
    Premises,
    ResidentCredential,
    StaffRole,
)
from desktop.accounts import AccountService
from desktop.actors import Actor
from desktop.clock import FixedClock
from desktop.settings import Settings
from desktop.text import normalize

PG_SERVER = "postgresql+psycopg://postgres@127.0.0.1:5432"
BATCH = 10_000

SURNAMES = [
    "Иванов", "Петров", "Сидоров", "Семёнов", "Смирнов", "Кузнецов", "Попов", "Васильев",
    "Соколов", "Михайлов", "Новиков", "Фёдоров", "Морозов", "Волков", "Алексеев", "Лебедев",
    "Козлов", "Степанов", "Николаев", "Орлов", "Андреев", "Макаров", "Никитин", "Захаров",
    "Зайцев", "Соловьёв", "Борисов", "Яковлев", "Григорьев", "Романов", "Воробьёв", "Сергеев",
    "Королёв", "Ковалёв", "Ильин", "Гусев", "Титов", "Кузьмин", "Кудрявцев", "Баранов",
    "Куликов", "Алёшин", "Белов", "Комаров", "Киселёв", "Пугачёв", "Щербаков", "Журавлёв",
    "Ершов", "Ежов", "Тарасов", "Белоусов", "Широков", "Ёлкин", "Ширяев", "Шубин",
]  # fmt: skip
INITIALS = "АБВГДЕЁИКЛМНОПРСТФЭЮЯ"
STREETS = [
    "ул. Ленина", "ул. Зелёная", "ул. Берёзовая", "ул. Садовая", "пр-т Мира", "ул. Гагарина",
    "ул. Озёрная", "ул. Советская", "ул. Молодёжная", "ул. Школьная", "ул. Лесная",
    "ул. Пушкина", "ул. Королёва", "ул. Чкалова", "пер. Почтовый", "ул. Солнечная",
    "ул. Щорса", "ул. 8 Марта", "ул. Новосёлов", "б-р Победы",
]  # fmt: skip
CITY = "г. Подольск"


def _fio(rng: random.Random) -> str:
    surname = rng.choice(SURNAMES)
    if rng.random() < 0.5:
        surname += "а"  # the feminine form: Иванова, Семёнова
    return f"{surname} {rng.choice(INITIALS)}.{rng.choice(INITIALS)}."


def _serial(rng: random.Random) -> str:
    if rng.random() < 0.5:
        return f"{rng.randrange(10**5, 10**6)}-{rng.randrange(10, 24)}"
    return str(rng.randrange(10**7, 10**8))


def build(db: Database, count: int, seed: int = 2017) -> dict[str, list[str]]:
    """Fill an empty migrated database; return sample queries of each kind."""
    rng = random.Random(seed)
    now = datetime(2017, 6, 20, 9, 0, tzinfo=UTC)
    samples: dict[str, list[str]] = {"number": [], "fio": [], "address": [], "serial": []}
    with db.engine.begin() as conn:
        conn.execute(
            insert(Company.__table__),
            [
                {
                    "id": 1,
                    "name": "ООО «УК Демо»",
                    "inn": "5036000000",
                    "kpp": "503601001",
                    "ogrn": "",
                    "address": CITY,
                    "bank_name": "Банк",
                    "bic": "044525000",
                    "settlement_account": "40702810000000000000",
                    "correspondent_account": "30101810000000000000",
                    "phone": "",
                    "email": "",
                    "office_hours": "",
                    "is_demo": True,
                }
            ],
        )
        buildings = [(street, house) for street in STREETS for house in range(1, 101)]
        conn.execute(
            insert(Building.__table__),
            [
                {"id": i, "company_id": 1, "address": f"{CITY}, {street}, д. {house}"}
                for i, (street, house) in enumerate(buildings, start=1)
            ],
        )
        accounts, premises, meters, credentials = [], [], [], []
        meter_id = 0
        for i in range(1, count + 1):
            building = rng.randrange(len(buildings))
            street, house = buildings[building]
            flat = str(rng.randrange(1, 400))
            fio = _fio(rng)
            address = f"{CITY}, {street}, д. {house}, кв. {flat}"
            area = Decimal(rng.randrange(1800, 12000)).scaleb(-2)
            number = str(1000 + i)
            # Unique per building: a flat number the random draw gave twice gets a suffix.
            premises.append(
                {"id": i, "building_id": building + 1, "number": f"{flat}-{i}", "area": area}
            )
            accounts.append(
                {
                    "id": i,
                    "number": number,
                    "fio": fio,
                    "fio_norm": normalize(fio),
                    "premises_id": i,
                    "address": address,
                    "address_norm": normalize(address),
                    "area": area,
                    "residents": rng.randrange(0, 6),
                }
            )
            for kind, unit in ((MeterKind.COLD_WATER, "м³"), (MeterKind.HOT_WATER, "м³")):
                if rng.random() < 0.9:
                    meter_id += 1
                    serial = _serial(rng)
                    meters.append(
                        {
                            "id": meter_id,
                            "account_id": i,
                            "kind": kind,
                            "title": f"{'ХВС' if kind is MeterKind.COLD_WATER else 'ГВС'} {serial}",
                            "serial": serial,
                            "unit": unit,
                            "zones": 1,
                            "digits": 5,
                            "initial_value": Decimal("0.000"),
                            "display_order": meter_id,
                        }
                    )
                    if rng.random() < 0.002:
                        samples["serial"].append(serial[: rng.choice((4, 6, len(serial)))])
            if rng.random() < 0.3:
                credentials.append(
                    {
                        "account_id": i,
                        "email": f"user{i}@example.ru",
                        "phone": "",
                        "password_hash": "$argon2id$benchmark",
                        "must_change": False,
                        "failed_attempts": 0,
                        "created_at": now,
                        "updated_at": now,
                    }
                )
            if rng.random() < 0.0005:
                samples["number"].append(number[: rng.choice((3, 4, len(number)))])
            if rng.random() < 0.0005:
                words = fio.split()
                surname = words[0]
                samples["fio"].append(
                    rng.choice(
                        (surname[:3], surname[:5].upper(), surname.replace("ё", "е"), fio.lower())
                    )
                )
            if rng.random() < 0.0005:
                samples["address"].append(
                    rng.choice((street.split(". ", 1)[-1].lower(), f"{street}, д. {house}"))
                )
            if len(accounts) >= BATCH:
                _flush(conn, premises, accounts, meters, credentials)
        _flush(conn, premises, accounts, meters, credentials)
    if db.url.get_backend_name() == "postgresql":
        with db.engine.connect() as conn:
            conn.execution_options(isolation_level="AUTOCOMMIT").exec_driver_sql("ANALYZE")
    else:
        with db.engine.begin() as conn:
            conn.exec_driver_sql("ANALYZE")
    return samples


def _flush(conn: Any, *batches: list[dict[str, Any]]) -> None:
    for table, rows in zip((Premises, Account, Meter, ResidentCredential), batches, strict=True):
        if rows:
            conn.execute(insert(table.__table__), rows)
            rows.clear()


@contextmanager
def _statements(db: Database) -> Iterator[list[tuple[str, Any]]]:
    """Collect the SQL the engine sends, to show its query plans."""
    seen: list[tuple[str, Any]] = []

    def listener(conn: Any, cursor: Any, statement: str, parameters: Any, *_: Any) -> None:
        if statement.lstrip().upper().startswith("SELECT"):
            seen.append((statement, parameters))

    event.listen(db.engine, "before_cursor_execute", listener)
    try:
        yield seen
    finally:
        event.remove(db.engine, "before_cursor_execute", listener)


def _plan(db: Database, statement: str, parameters: Any) -> str:
    prefix = "EXPLAIN QUERY PLAN " if db.is_sqlite else "EXPLAIN "
    with db.engine.connect() as conn:
        rows = conn.exec_driver_sql(prefix + statement, parameters).all()
    if db.is_sqlite:
        return "\n".join(f"    {row[-1]}" for row in rows)
    return "\n".join(f"    {row[0]}" for row in rows)


def measure(db: Database, samples: dict[str, list[str]], repeat: int, explain: bool) -> None:
    service = AccountService(db, FixedClock(datetime(2017, 6, 20, tzinfo=UTC)), Settings())
    clerk = Actor.staff(1, "bench", StaffRole.CLERK)
    service.search(clerk, "1")  # warm the connection pool and caches
    print(f"  {'search':<22}{'median, ms':>12}{'max, ms':>10}{'found (avg)':>13}  queries")
    for kind, queries in samples.items():
        times: list[float] = []
        found: list[int] = []
        for query in queries:
            for _ in range(repeat):
                started = time.perf_counter()
                result = service.search(clerk, query)
                times.append((time.perf_counter() - started) * 1000)
            found.append(len(result))
        shown = ", ".join(f"«{q}»" for q in queries[:3])
        print(
            f"  {kind:<22}{statistics.median(times):>12.2f}{max(times):>10.2f}"
            f"{statistics.mean(found):>13.1f}  {shown}…"
        )
        if explain:
            with _statements(db) as seen:
                service.search(clerk, queries[0])
            print(_plan(db, *seen[-1]))


# What a future migration could add on PostgreSQL (tried here with --pg-extra-indexes):
# prefix LIKE served under any collation, and address substrings by trigrams.
PG_EXTRA_INDEXES = (
    "CREATE EXTENSION IF NOT EXISTS pg_trgm",
    "CREATE INDEX bench_account_number_pattern ON account (number varchar_pattern_ops)",
    "CREATE INDEX bench_account_fio_pattern ON account (fio_norm varchar_pattern_ops)",
    "CREATE INDEX bench_meter_serial_pattern ON meter (serial varchar_pattern_ops)",
    "CREATE INDEX bench_account_address_trgm ON account USING gin (address_norm gin_trgm_ops)",
    "ANALYZE",
)


def run(
    name: str, db: Database, count: int, repeat: int, explain: bool, extra: bool = False
) -> None:
    print(f"\n{name}: {count} accounts")
    started = time.perf_counter()
    upgrade(db.engine)
    samples = build(db, count)
    if extra:
        with db.engine.connect() as conn:
            conn = conn.execution_options(isolation_level="AUTOCOMMIT")
            for statement in PG_EXTRA_INDEXES:
                conn.exec_driver_sql(statement)
        print("  with the extra indexes: pattern_ops for prefixes, pg_trgm for addresses")
    print(f"  built in {time.perf_counter() - started:.1f} s")
    for kind in samples:
        samples[kind] = samples[kind][:20] or ["1"]
    samples["ФИО, one letter"] = ["и", "С"]
    samples["number, one digit"] = ["1", "5"]
    samples["nothing found"] = ["Щщщщ", "ул. Несуществующая"]
    measure(db, samples, repeat, explain)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--accounts", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=5, help="runs of each sample query")
    parser.add_argument("--explain", action="store_true", help="print each search's plan")
    parser.add_argument("--no-postgres", action="store_true")
    parser.add_argument("--pg-server", default=PG_SERVER)
    parser.add_argument(
        "--pg-extra-indexes",
        action="store_true",
        help="add the indexes a future migration could bring (pattern_ops, pg_trgm)",
    )
    parser.add_argument(
        "--pg-icu-locale",
        metavar="LOCALE",
        help="create the PostgreSQL database with this ICU collation (e.g. ru-RU) "
        "instead of the server's default",
    )
    args = parser.parse_args(argv)

    backends: list[Callable[[], None]] = []

    def sqlite() -> None:
        with tempfile.TemporaryDirectory() as folder:
            db = Database(f"sqlite:///{(Path(folder) / 'bench.db').as_posix()}")
            try:
                run("SQLite", db, args.accounts, args.repeat, args.explain)
            finally:
                db.dispose()

    def postgres() -> None:
        with scratch_database(args.pg_server, icu_locale=args.pg_icu_locale) as url:
            if url is None:
                return
            db = Database(url)
            try:
                label = f"PostgreSQL ({args.pg_icu_locale or 'server default collation'})"
                run(label, db, args.accounts, args.repeat, args.explain, args.pg_extra_indexes)
            finally:
                db.dispose()

    backends.append(sqlite)
    if not args.no_postgres:
        backends.append(postgres)
    for backend in backends:
        backend()
    return 0


if __name__ == "__main__":
    sys.exit(main())
