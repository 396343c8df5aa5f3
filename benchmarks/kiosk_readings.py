"""What the database's rules for a kiosk's readings (``db.roles_readings``) cost.

In a scratch PostgreSQL database with the demo (and N generated accounts), after ``db roles``:
a resident's save of a period through the program at a kiosk (a real member login of the kiosk
group, the session carried), and an office-side bulk UPDATE of every reading row as the owner
(rolled back) — each without the triggers and with them.

    .venv/bin/python benchmarks/kiosk_readings.py [--accounts 200] [--runs 30]

Figures only, never assertions.
"""

from __future__ import annotations

import argparse
import statistics
import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from decimal import Decimal

from scratch_pg import scratch_database  # benchmarks/ is on sys.path when run
from sqlalchemy import text
from sqlalchemy.engine import make_url

from db import roles_readings
from db.engine import Database
from db.migrate import upgrade
from db.roles import KIOSK, apply_roles, group_name
from desktop.app import build_services, connect
from desktop.clock import FixedClock
from desktop.demo import build_demo
from desktop.demo.large_spec import LargeSpec
from desktop.readings import Confirmation
from desktop.settings import ReadingSettings, Settings

PG_SERVER = "postgresql+psycopg://postgres@127.0.0.1:5432"
# Roles are the server's, not the database's: a name of this run's own.
PREFIX = f"bench_{uuid.uuid4().hex[:8]}_"
LOGIN = f"{PREFIX}kiosk_login"


def timed(work: Callable[[], object], runs: int) -> tuple[float, float, float]:
    """Median, fastest and slowest of ``runs`` calls, in milliseconds (after one warm-up)."""
    work()
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        work()
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times), min(times), max(times)


def _drop_triggers(owner: Database) -> None:
    with owner.engine.begin() as conn:
        for table in roles_readings.TRIGGERS:
            for trigger in ("cabinet_kiosk_rules", "cabinet_kiosk_audited"):
                conn.exec_driver_sql(f"DROP TRIGGER IF EXISTS {trigger} ON {table}")


def _install_triggers(owner: Database) -> None:
    with owner.engine.begin() as conn:
        roles_readings.install(conn, "public", group_name(KIOSK, PREFIX))


def measure(url: str, accounts: int, runs: int) -> None:
    clock = FixedClock(datetime.now(UTC))
    settings = Settings(readings=ReadingSettings(window_start=1, window_end=31))
    owner = Database(url)
    try:
        upgrade(owner.engine)
        build_demo(owner, clock, large=LargeSpec(accounts, 12, seed=1))
        with owner.engine.begin() as conn:
            for key in ("readings.window_start", "readings.window_end"):
                conn.execute(
                    text(
                        "INSERT INTO organisation_setting (key, value, changed_at, changed_by) "
                        "VALUES (:k, :v, now(), 'bench') ON CONFLICT (key) DO UPDATE SET value = :v"
                    ),
                    {"k": key, "v": "1" if key.endswith("start") else "31"},
                )
            conn.exec_driver_sql(
                "UPDATE period SET accepted_at = NULL WHERE month = date_trunc('month', now())"
            )
            rows = conn.exec_driver_sql("SELECT count(*) FROM reading").scalar_one()
        apply_roles(owner.engine, PREFIX)
        with owner.engine.begin() as conn:
            conn.exec_driver_sql(
                f'CREATE ROLE "{LOGIN}" LOGIN IN ROLE "{group_name(KIOSK, PREFIX)}"'
            )
        kiosk = build_services(
            connect(make_url(url).set(username=LOGIN).render_as_string(False)),
            settings, clock, device="bench",
        )  # fmt: skip
        try:
            signed = kiosk.auth.login("3492", "demo2017pass", kiosk=True)
            actor, account = signed.actor, signed.account_id or 0
            month = clock.today().replace(day=1)
            if month not in [p.month for p in kiosk.readings.periods(actor, account)]:
                kiosk.readings.create_period(actor, account)
            step = iter(range(1, 1_000_000))

            def save() -> object:
                found = kiosk.readings.readings(actor, account, month)
                n = Decimal(next(step)) / 1000
                values = {
                    r.key: (r.current or r.previous) + n for r in found if not r.locked_reason
                }
                return kiosk.readings.submit(
                    actor, account, month, values,
                    confirmed={key: Confirmation.JUMP for key in values},
                )  # fmt: skip

            def bulk() -> None:
                with owner.engine.connect() as conn:
                    conn.exec_driver_sql("UPDATE reading SET reason = reason")
                    conn.rollback()

            results = {}
            for state in ("without", "with"):
                (_drop_triggers if state == "without" else _install_triggers)(owner)
                results[state] = (timed(save, runs), timed(bulk, max(3, runs // 10)))
            for state, (one, many) in results.items():
                print(
                    f"{state:<8} triggers: a kiosk's save {one[0]:6.2f} ms ({one[1]:.2f}–"
                    f"{one[2]:.2f})   owner's UPDATE of {rows} readings {many[0]:8.1f} ms"
                )
        finally:
            kiosk.close()
    finally:
        with owner.engine.begin() as conn:
            if conn.execute(
                text("SELECT 1 FROM pg_roles WHERE rolname = :r"), {"r": LOGIN}
            ).first():
                conn.exec_driver_sql(f'DROP OWNED BY "{LOGIN}"')
                conn.exec_driver_sql(f'DROP ROLE "{LOGIN}"')
            for group in ("kiosk", "clerk", "admin"):
                conn.exec_driver_sql(f'DROP OWNED BY "{PREFIX}{group}"')
                conn.exec_driver_sql(f'DROP ROLE "{PREFIX}{group}"')
        owner.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--accounts", type=int, default=200)
    parser.add_argument("--runs", type=int, default=30)
    args = parser.parse_args()
    with scratch_database(PG_SERVER) as url:
        if url:
            measure(url, args.accounts, args.runs)


if __name__ == "__main__":
    main()
