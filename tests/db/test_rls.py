"""Row level security for the kiosk's role (issue 10): with no session, a forged or an ended
token the kiosk sees none of the accounts' rows in ``db.roles.OWN_ROWS``; with a resident's
token only that resident's — on the real PostgreSQL, as a member login role."""

from __future__ import annotations

import hashlib
from decimal import Decimal

import psycopg.errors
import pytest
from sqlalchemy import Connection, text
from sqlalchemy.exc import DBAPIError

from db.models import MeterKind, Payment
from db.roles import KIOSK, OWN_ROWS
from desktop.clock import FixedClock
from tests.db.test_roles import (  # noqa: F401 (fixtures)
    MAY,
    OWN_PASSWORD,
    Cluster,
    cheap_hashing,
    cluster,
    services_as,
)
from tests.factories import add_statement, make_meter, make_period

_ACCOUNT_OF = {
    "account": "SELECT id FROM account",
    "reading": "SELECT p.account_id FROM reading r JOIN period p ON p.id = r.period_id",
    "support_answer": (
        "SELECT q.account_id FROM support_answer a JOIN support_request q ON q.id = a.request_id"
    ),
}


def _accounts_seen(conn: Connection, table: str) -> list[int]:
    sql = _ACCOUNT_OF.get(table, f"SELECT account_id FROM {table}")
    return sorted(row[0] for row in conn.exec_driver_sql(sql))


def test_the_kiosk_sees_only_the_signed_in_residents_rows(
    cluster: Cluster,  # noqa: F811 (the fixture imported above)
    clock: FixedClock,
) -> None:
    owner = cluster.owner
    with owner.read() as s:
        ids = {n: i for n, i in s.execute(text("SELECT number, id FROM account"))}
        service = s.scalar(text("SELECT id FROM service"))
    own, other = ids["3492"], ids["7001"]
    meter = make_meter(owner, other, "ХВС 7001", kind=MeterKind.COLD_WATER)
    make_period(owner, other, MAY, {(meter, 1): ("10", "12")})
    add_statement(owner, other, service, MAY, "0", "99.00", "0")
    with owner.unit_of_work() as s:
        for number, account in enumerate((own, other), 1):
            s.add(Payment(account_id=account, paid_on=MAY, amount=Decimal("10.00"),
                          commission=Decimal("0.00"), bank="Банк", operation=str(number)))  # fmt: skip
    kiosk = services_as(cluster, KIOSK, clock)
    engine = cluster.engine(KIOSK)
    try:
        resident = kiosk.auth.login("3492", OWN_PASSWORD, kiosk=True).actor
        kiosk.support.create(resident, "Счетчик", "Пломба", "r3492@mail.ru")
        token = resident.session_token or ""
        with owner.engine.connect() as conn:
            everyone = {t: _accounts_seen(conn, t) for t in OWN_ROWS}
        for table in ("meter", "period", "reading", "statement_row", "payment"):
            assert {own, other} <= set(everyone[table]), table

        def seen_with(carried: str | None) -> dict[str, list[int]]:
            with engine.begin() as conn:
                if carried is not None:
                    conn.execute(
                        text("SELECT set_config('cabinet.session', :t, true)"), {"t": carried}
                    )
                return {t: _accounts_seen(conn, t) for t in OWN_ROWS}

        nothing = {t: [] for t in OWN_ROWS}
        forged = token[:-1] + ("A" if token[-1] != "A" else "B")
        digest = hashlib.sha256(token.encode()).hexdigest()
        for carried in (None, "", forged, digest, str(resident.session_id)):
            assert seen_with(carried) == nothing, carried
        mine = seen_with(token)
        for table, seen in everyone.items():
            assert mine[table] == [a for a in seen if a == own], table
        # Another account's rows cannot be changed, deleted or made either.
        with engine.begin() as conn:
            conn.execute(text("SELECT set_config('cabinet.session', :t, true)"), {"t": token})
            for sql in (
                f"UPDATE reading SET meter_id = meter_id WHERE meter_id = {meter}",
                f"UPDATE period SET version = version WHERE account_id = {other}",
                f"DELETE FROM reading WHERE meter_id = {meter}",
                f"DELETE FROM period WHERE account_id = {other}",
            ):
                assert conn.exec_driver_sql(sql).rowcount == 0, sql
        with engine.begin() as conn:
            conn.execute(text("SELECT set_config('cabinet.session', :t, true)"), {"t": token})
            with pytest.raises(DBAPIError) as refused:
                conn.exec_driver_sql(
                    "INSERT INTO period (account_id, month, changed_at) "
                    f"VALUES ({other}, '2017-07-01', now())"
                )
            assert isinstance(refused.value.orig, psycopg.errors.InsufficientPrivilege)
        # The application carries the token by itself, and an ended session sees nothing.
        assert kiosk.statements.debt(resident, own) is not None
        assert [p.amount for p in kiosk.statements.payments(resident, own)] == [Decimal("10.00")]
        kiosk.auth.logout(resident)
        assert seen_with(token) == nothing
    finally:
        engine.dispose()
        kiosk.close()
