"""A signed-in kiosk cannot rewrite readings behind the program's rules (issue 10, review 2 #5).

The kiosk's login holds INSERT/UPDATE/DELETE on ``period`` and ``reading`` for the account of
the session it carries; with plain SQL it changed accepted months, stamped readings as a
clerk's, deleted accepted periods and rewrote past months, unaudited. ``db.roles_readings``
makes the database refuse that (SQLSTATE CB002, told in Russian). Each attack here runs as a
real kiosk login carrying a real resident's session; the program's own path still works.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import Engine, select, text
from sqlalchemy.exc import DBAPIError

from db.models import Channel, Confirmation, Period
from db.rls import acting_for
from db.roles import KIOSK
from db.roles_clock import CLOCK_SKEW_SECRET, DEFAULT_CLOCK_SKEW
from db.roles_readings import (
    DEFAULT_JUMP_FACTOR,
    DEFAULT_WINDOW_END,
    DEFAULT_WINDOW_START,
    READINGS_REFUSED,
)
from desktop import audit
from desktop.actors import SYSTEM, Actor
from desktop.app import Services
from desktop.audit import AuditAction
from desktop.clock import FixedClock
from desktop.errors import AccessDeniedError
from desktop.failures import database_failure
from desktop.readings import ReadingsRefused
from desktop.settings import ReadingSettings
from tests.db.test_roles import (  # noqa: F401 (fixtures)
    CLERK_PASSWORD,
    JUNE,
    MAY,
    OWN_PASSWORD,
    Cluster,
    cheap_hashing,
    cluster,
    services_as,
)
from tests.factories import make_period

APRIL = date(2017, 4, 1)


@dataclass
class Kiosk:
    """A kiosk with a resident signed in: the application, its login's engine for plain SQL,
    and the session's token a stolen login would carry (it is in the kiosk's memory)."""

    app: Services
    engine: Engine
    resident: Actor
    token: str
    account_id: int
    owner: Cluster

    def sql(self, *statements: str) -> None:
        """Plain SQL as the kiosk's login, carrying the session, in one committed transaction."""
        with self.engine.begin() as conn:
            conn.execute(text("SELECT set_config('cabinet.session', :t, true)"), {"t": self.token})
            for statement in statements:
                conn.exec_driver_sql(statement.format(account=self.account_id))

    def refused(self, *statements: str, says: str = "") -> str:
        """The statements, refused by the database in Russian; nothing of them is kept."""
        with pytest.raises(DBAPIError) as raised:
            self.sql(*statements)
        sqlstate = getattr(raised.value.orig, "sqlstate", None)
        told = database_failure(raised.value)
        if sqlstate == READINGS_REFUSED:
            assert isinstance(told, AccessDeniedError), raised.value
            assert not any("a" <= c.lower() <= "z" for c in str(told)), told
        else:  # the clock check of every kiosk function (db.roles_clock)
            assert sqlstate == "CB001" and told is not None, raised.value
        assert says in str(told), told
        return str(told)

    def last_reading(self) -> tuple[object, object]:
        """The account's latest reading as the search keeps it (``account_summary``) and as
        computed afresh, seen by the owner."""
        newest = (
            "SELECT max(q.month) FROM period q JOIN reading e ON e.period_id = q.id "
            "WHERE q.account_id = :a AND e.entered_at IS NOT NULL"
        )
        with self.owner.owner.engine.connect() as conn:
            kept = conn.execute(
                text("SELECT last_reading_at FROM account_summary WHERE account_id = :a"),
                {"a": self.account_id},
            ).scalar()
            computed = conn.execute(
                text(
                    "SELECT max(r.entered_at) FROM reading r JOIN period p ON p.id = r.period_id "
                    f"WHERE p.account_id = :a AND p.month = ({newest})"
                ),
                {"a": self.account_id},
            ).scalar()
        return kept, computed

    def stored(self) -> list[tuple[object, ...]]:
        """Every period and reading of the account, as the owner sees them."""
        with self.owner.owner.engine.connect() as conn:
            return [
                tuple(row)
                for row in conn.execute(
                    text(
                        "SELECT p.month, p.accepted_at, p.version, r.previous, r.current, "
                        "r.channel, r.entered_by, r.confirmation FROM period p "
                        "LEFT JOIN reading r ON r.period_id = p.id WHERE p.account_id = :a "
                        "ORDER BY p.month, r.id"
                    ),
                    {"a": self.account_id},
                )
            ]


@pytest.fixture
def kiosk(
    cluster: Cluster,  # noqa: F811
    clock: FixedClock,
) -> Iterator[Kiosk]:
    """3492 signed in at a kiosk on 20 June 2017: May is accepted by 1C (240 → 251), June
    made through the program (previous 251, no value yet)."""
    app = services_as(cluster, KIOSK, clock)
    engine = cluster.engine(KIOSK)
    try:
        signed = app.auth.login("3492", OWN_PASSWORD, kiosk=True)
        account_id = signed.account_id or 0
        app.readings.create_period(signed.actor, account_id)
        yield Kiosk(
            app, engine, signed.actor, signed.actor.session_token or "", account_id, cluster
        )
    finally:
        engine.dispose()
        app.close()


def _month(month: date) -> str:
    return f"(SELECT id FROM period WHERE account_id = {{account}} AND month = '{month}')"


def test_the_defaults_are_the_programs() -> None:
    defaults = ReadingSettings()
    assert (defaults.window_start, defaults.window_end, defaults.jump_factor) == (
        DEFAULT_WINDOW_START,
        DEFAULT_WINDOW_END,
        Decimal(DEFAULT_JUMP_FACTOR),
    )


def test_an_accepted_period_stays_as_1c_accepted_it(kiosk: Kiosk) -> None:
    before = kiosk.stored()
    assert before[0][1] is not None  # May: accepted
    for sql in (
        f"UPDATE reading SET current = 999000 WHERE period_id = {_month(MAY)}",
        f"UPDATE reading SET previous = 0 WHERE period_id = {_month(MAY)}",
        f"DELETE FROM reading WHERE period_id = {_month(MAY)}",
        f"UPDATE reading SET period_id = {_month(JUNE)} WHERE period_id = {_month(MAY)}",
        f"DELETE FROM period WHERE id = {_month(MAY)}",
        f"UPDATE period SET accepted_at = NULL WHERE id = {_month(MAY)}",
        f"UPDATE period SET version = version + 1, changed_at = now() WHERE id = {_month(MAY)}",
    ):
        kiosk.refused(sql, says="уже принят в 1С")
    # Nor may the kiosk mark a month accepted (the office's 1C import does).
    kiosk.refused(
        f"UPDATE period SET accepted_at = now() WHERE id = {_month(JUNE)}",
        says="Обновлено из 1С",
    )
    kiosk.refused(
        "INSERT INTO period (account_id, month, changed_at, accepted_at, version) "
        "VALUES ({account}, '2017-07-01', now(), now(), 1)",
        says="Обновлено из 1С",
    )
    assert kiosk.stored() == before


def test_unaudited_changes_are_rolled_back(kiosk: Kiosk) -> None:
    """The open month's rows pass the rules, but no audit row says what changed: refused."""
    before = kiosk.stored()
    june = _month(JUNE)
    kiosk.refused(
        f"UPDATE reading SET current = 300000, entered_at = now() WHERE period_id = {june}",
        says="журнал аудита",
    )
    kiosk.refused(f"DELETE FROM period WHERE id = {june}", says="журнал аудита")
    kiosk.refused(
        "INSERT INTO period (account_id, month, changed_at) VALUES ({account}, '2017-07-01', now())",
        says="журнал аудита",
    )
    kiosk.refused(f"DELETE FROM reading WHERE period_id = {june}", says="удалить отдельно")
    kiosk.refused(
        f"UPDATE period SET version = version + 1, changed_at = now() WHERE id = {june}",
        says="журнал аудита",
    )
    assert kiosk.stored() == before


def _forge(
    kiosk: Kiosk,
    clock: FixedClock,
    value: str,
    said: str,
    confirmed: str | None = None,
    **columns: object,
) -> None:
    """A modified program: the kiosk's own ORM session writes June's value with ``columns``,
    and an audit row that says ``said`` was entered, ``confirmed`` by the resident."""
    with acting_for(kiosk.token), kiosk.app.db.unit_of_work() as s:
        period = s.scalars(
            select(Period).where(Period.account_id == kiosk.account_id, Period.month == JUNE)
        ).one()
        reading = period.readings[0]
        changes = [
            {
                "meter": "ХВС 21883-12",
                "zone": 1,
                "old": None,
                "new": said,
                "confirmation": confirmed,
            }
        ]
        reading.current = Decimal(value)
        reading.entered_at = clock.now()
        for name, column_value in columns.items():
            setattr(reading, name, column_value)
        period.changed_at = clock.now()
        period.version += 1
        audit.record(
            s, clock.now(), kiosk.resident, AuditAction.READINGS_SUBMIT,
            account_id=kiosk.account_id, month=JUNE.isoformat(), changes=changes,
        )  # fmt: skip


def test_who_entered_a_reading_is_the_sessions_resident(kiosk: Kiosk, clock: FixedClock) -> None:
    """A value written as the clerk «desk» with a «replacement» confirmation, or one that the
    audit row misstates, is refused; the stamp is the session's, whatever the client sent."""
    before = kiosk.stored()
    with pytest.raises(DBAPIError) as raised:
        _forge(kiosk, clock, "100", "100", confirmation=Confirmation.REPLACEMENT)
    assert "меньше предыдущего" in str(database_failure(raised.value))
    for value, said, columns in (
        ("260", "100", {}),  # audited as 100, stored as 260
        ("260", "260.000", {"reason": "Сотрудник разрешил"}),  # a reason the log does not give
        # The jump flag is the rule's: 9 m³ against May's 11 is none, 49 m³ is one.
        ("260", "260.000", {"confirmed": "jump", "confirmation": Confirmation.JUMP}),
        ("300", "300.000", {}),
    ):
        with pytest.raises(DBAPIError) as raised:
            _forge(kiosk, clock, value, said, **columns)
        assert "журнал аудита" in str(database_failure(raised.value))
    assert kiosk.stored() == before
    _forge(kiosk, clock, "260", "260.000", entered_by="desk", channel=Channel.CLERK)
    june = kiosk.stored()[-1]
    assert june[4] == 260_000 and (june[5], june[6]) == ("kiosk", "3492")
    assert audit.verify(kiosk.owner.owner, SYSTEM).intact


def test_rows_change_only_as_the_program_changes_them(kiosk: Kiosk) -> None:
    before = kiosk.stored()
    june = _month(JUNE)
    for sql, says in (
        (f"UPDATE reading SET previous = 0 WHERE period_id = {june}", "только текущее значение"),
        (f"UPDATE reading SET current = 1000, entered_at = now() WHERE period_id = {june}",
         "меньше предыдущего"),
        (f"UPDATE reading SET current = 999999000, entered_at = now() WHERE period_id = {june}",
         "цифр"),
        (f"UPDATE reading SET current = 300000, confirmation = 'rollover', entered_at = now() "
         f"WHERE period_id = {june}", "сотрудник офиса"),
        (f"UPDATE reading SET current = 300000 WHERE period_id = {june}", "Часы"),
        (f"UPDATE period SET month = '2017-07-01', version = version + 1, changed_at = now() "
         f"WHERE id = {june}", "Так период"),
        (f"INSERT INTO reading (period_id, meter_id, zone, previous, reason) SELECT {june}, "
         f"meter_id, 2, previous, '' FROM reading WHERE period_id = {june}", "Такого прибора"),
        (f"INSERT INTO reading (period_id, meter_id, zone, previous, reason) SELECT "
         f"{_month(MAY)}, meter_id, 1, 0, '' FROM reading WHERE period_id = {june}",
         "уже принят"),
    ):  # fmt: skip
        told = kiosk.refused(sql, says=says)
        assert told.endswith((".", "»")), told
    # A session opened with a one-time password may only set a password.
    with kiosk.owner.owner.engine.begin() as conn:
        conn.execute(
            text("UPDATE user_session SET one_time = true WHERE id = :i"),
            {"i": kiosk.resident.session_id},
        )
    kiosk.refused(
        f"UPDATE reading SET current = 300000, entered_at = now() WHERE period_id = {june}",
        says="своим паролем",
    )
    assert kiosk.stored() == before


def _on_the_servers_clock(on: Cluster, window_day: int) -> None:
    """The server's real clock, bounded by the default skew, instead of the tests' 2017; and
    the organisation's window of one day."""
    with on.owner.engine.begin() as conn:
        conn.execute(
            text("UPDATE auth_secret SET value = :v WHERE name = :n"),
            {"v": DEFAULT_CLOCK_SKEW, "n": CLOCK_SKEW_SECRET},
        )
        for key in ("readings.window_start", "readings.window_end"):
            conn.execute(
                text(
                    "INSERT INTO organisation_setting (key, value, changed_at, changed_by) "
                    "VALUES (:k, :v, now(), 'test') ON CONFLICT (key) DO UPDATE SET value = :v"
                ),
                {"k": key, "v": str(window_day)},
            )


def test_past_months_and_a_closed_window_are_refused(
    kiosk: Kiosk,
    cluster: Cluster,  # noqa: F811
) -> None:
    """On the server's own clock: June 2017 is long past, and this month's period is refused
    on a day the organisation's window is closed (a window of one day the server's «today»,
    with the skew and any time zone, cannot be)."""
    with cluster.owner.engine.connect() as conn:
        today = conn.execute(text("SELECT (now() AT TIME ZONE 'UTC')::date")).scalar_one()
    near = {(today + timedelta(days=d)).day for d in (-1, 0, 1)}
    closed = next(day for day in range(1, 29) if day not in near)
    _on_the_servers_clock(cluster, closed)
    before = kiosk.stored()
    june = _month(JUNE)
    kiosk.refused(
        f"UPDATE reading SET current = 300000, entered_at = now() WHERE period_id = {june}",
        says="Период «Июнь 2017» закрыт",
    )
    kiosk.refused(f"DELETE FROM period WHERE id = {june}", says="закрыт")
    kiosk.refused(
        "INSERT INTO period (account_id, month, changed_at) VALUES ({account}, '2017-04-01', "
        "now())",
        says="Период «Апрель 2017» закрыт",
    )
    this_month = today.replace(day=1)
    kiosk.refused(
        "INSERT INTO period (account_id, month, changed_at) VALUES ({account}, "
        f"'{this_month}', now())",
        says=f"с {closed} по {closed} число",
    )
    assert kiosk.stored() == before


def test_the_program_works_through_the_kiosk_and_the_office_still_corrects(
    kiosk: Kiosk,
    cluster: Cluster,  # noqa: F811
    clock: FixedClock,
) -> None:
    """The resident's submit, change and delete through the kiosk's role; the clerk then
    corrects May, which 1C accepted, with a reason — only the kiosk is held."""
    app, resident, account = kiosk.app, kiosk.resident, kiosk.account_id
    water = app.readings.readings(resident, account, JUNE)[0]
    result = app.readings.submit(resident, account, JUNE, {water.key: "255,5"})
    app.readings.submit(resident, account, JUNE, {water.key: "256"}, version=result.period.version)
    june = kiosk.stored()[-1]
    assert june[3:] == (251_000, 256_000, "kiosk", "3492", None)
    # 49 m³ against May's 11: the resident confirms the jump, as the form asks.
    app.readings.submit(
        resident, account, JUNE, {water.key: "300"}, confirmed={water.key: Confirmation.JUMP}
    )
    assert kiosk.stored()[-1][4:] == (300_000, "kiosk", "3492", "jump")
    kept, computed = kiosk.last_reading()  # the kiosk's role keeps the search's figure
    assert kept is not None and kept == computed
    info, _ = app.readings.open_for_edit(resident, account, JUNE)
    app.readings.delete_period(resident, account, JUNE, version=info.version)
    kept, computed = kiosk.last_reading()
    assert kept == computed
    app.readings.create_period(resident, account)
    office = services_as(cluster, "clerk", clock)
    try:
        desk = office.auth.staff_login("desk", CLERK_PASSWORD).actor
        office.readings.submit(
            desk, account, MAY, {water.key: Decimal("252")}, reason="Ошибка оператора 1С"
        )
    finally:
        office.close()
    stored = kiosk.stored()
    assert stored[0][4:7] == (252_000, "clerk", "desk")
    kept, computed = kiosk.last_reading()  # and the clerk's
    assert kept is not None and kept == computed
    assert stored[1][3] == 252_000  # carried into June
    assert audit.verify(cluster.owner, SYSTEM).intact


def test_the_program_and_the_database_agree_on_a_jump_exactly(kiosk: Kiosk) -> None:
    """Review 3: with 45, 44 and 11 m³ before, 100 m³ is exactly three times the average.
    The program divided (33,33…3 × 3 < 100) and asked to confirm a jump the database's exact
    rule did not see, and the resident could save neither way. Now both compare exactly:
    100 is no jump, 100,001 is one for both."""
    app, resident, account = kiosk.app, kiosk.resident, kiosk.account_id
    water = app.readings.readings(resident, account, JUNE)[0]
    for month, values in ((date(2017, 3, 1), ("151", "196")), (APRIL, ("196", "240"))):
        make_period(kiosk.owner.owner, account, month, {water.key: values})
    app.readings.submit(resident, account, JUNE, {water.key: "351"})  # asked nothing
    assert kiosk.stored()[-1][4:] == (351_000, "kiosk", "3492", None)
    with pytest.raises(ReadingsRefused):
        app.readings.submit(resident, account, JUNE, {water.key: "351,001"})
    app.readings.submit(
        resident, account, JUNE, {water.key: "351,001"}, confirmed={water.key: Confirmation.JUMP}
    )
    assert kiosk.stored()[-1][4:] == (351_001, "kiosk", "3492", "jump")


def test_a_meter_past_its_verification_takes_no_value_in_the_database_either(
    kiosk: Kiosk,
) -> None:
    """The program refuses a value for a meter whose verification ran out
    (desktop.readings.values.overdue_reason); so does the kiosk's login in plain SQL."""
    with kiosk.owner.owner.engine.begin() as conn:
        conn.execute(
            text("UPDATE meter SET next_verification_on = '2017-06-01' WHERE account_id = :a"),
            {"a": kiosk.account_id},
        )
    before = kiosk.stored()
    app, resident, account = kiosk.app, kiosk.resident, kiosk.account_id
    water = app.readings.readings(resident, account, JUNE)[0]
    assert water.locked_reason.startswith("срок поверки прибора истёк 01.06.2017")
    with pytest.raises(ReadingsRefused):
        app.readings.submit(resident, account, JUNE, {water.key: "255"})
    told = kiosk.refused(
        f"UPDATE reading SET current = 255000, entered_at = now() WHERE period_id = {_month(JUNE)}",
        says="Срок поверки прибора истёк 01.06.2017",
    )
    assert told.endswith("."), told
    assert kiosk.stored() == before
