"""Least privilege on PostgreSQL (``db roles``): what the kiosk's, the clerk's and the
administrator's roles cannot do, and that each can still do its real work.

Every test makes its own group roles (a unique prefix: roles are cluster-wide and other test
runs share the server) and login roles that are their members, connects as those login
roles, and drops them all at the end.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from pathlib import Path

import psycopg.errors
import pytest
from argon2 import PasswordHasher
from sqlalchemy import Engine, create_engine, select, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError

from db.engine import Database
from db.migrate import upgrade
from db.models import (
    Account,
    Base,
    Building,
    Company,
    MeterKind,
    OrganisationSetting,
    OutboxMessage,
    Premises,
    ResidentCredential,
)
from db.roles import CLERK, GRANTS, GROUPS, KIOSK, SEALED_SECRET, apply_roles, group_name
from db.roles_clock import CLOCK_SKEW_SECRET
from db.roles_outbox import MAILER
from db.roles_proof import PROOF_TABLE
from desktop import audit, passwords
from desktop.actors import SYSTEM
from desktop.app import Services, build_services, connect
from desktop.auth import LoginError, StaffInfo, codes
from desktop.auth.sealed import is_sealed
from desktop.cli import main
from desktop.clock import FixedClock
from desktop.errors import AccessDeniedError
from desktop.failures import database_failure
from desktop.organisation import encode
from desktop.settings import Settings
from tests.desktop.test_auth import NEW_PASSWORD, OTHER_PASSWORD, last_mail_secret
from tests.desktop.test_mail import SmtpServer, add_account
from tests.factories import add_statement, make_meter, make_period, make_services

OWN_PASSWORD = "kvartira-Sadovaya-5"
PETROV_CODE = "KQ7R-M2XP"
ADMIN_PASSWORD = "adm1n-Sadovaya-pass"
CLERK_PASSWORD = "cl3rk-Sadovaya-pass"
MAY, JUNE = date(2017, 5, 1), date(2017, 6, 1)


@pytest.fixture(autouse=True)
def cheap_hashing(monkeypatch: pytest.MonkeyPatch) -> None:
    hasher = PasswordHasher(time_cost=1, memory_cost=8 * 1024, parallelism=1)
    monkeypatch.setattr(passwords, "_hasher", hasher)
    monkeypatch.setattr(passwords, "DUMMY_HASH", hasher.hash("not a password"))


def test_every_table_of_the_schema_is_in_the_grant_map() -> None:
    """A new table cannot be forgotten: ``db roles`` also refuses a schema with one."""
    assert set(GRANTS) == set(Base.metadata.tables) | {"alembic_version", PROOF_TABLE}
    for table, groups in GRANTS.items():
        assert set(groups) <= set(GROUPS), table
        for privileges in groups.values():
            for privilege in privileges:
                assert privilege.split(" ")[0] in {"SELECT", "INSERT", "UPDATE", "DELETE"}


@dataclass
class Cluster:
    """The test's database (owned by the server's superuser, as an owner would) and a login
    role in each group."""

    owner: Database
    url: str
    prefix: str
    logins: dict[str, str]

    def url_of(self, group: str) -> str:
        return make_url(self.url).set(username=self.logins[group]).render_as_string(False)

    def engine(self, group: str) -> Engine:
        return create_engine(self.url_of(group))


@pytest.fixture
def cluster(pg_url: str, clock: FixedClock) -> Iterator[Cluster]:
    owner = Database(pg_url)
    upgrade(owner.engine)
    account = add_account(owner)  # 3492, Иванов И.И.
    add_account(owner, "5210", "Петров П.П.")
    add_account(owner, "7001", "Сидоров С.С.")
    water = make_meter(owner, account, "ХВС 21883-12", kind=MeterKind.COLD_WATER)
    make_period(owner, account, MAY, {(water, 1): ("240", "251")})
    service_ids = make_services(owner, ["Холодная вода"])
    with owner.unit_of_work() as s:
        company = Company(
            name="ООО «УК Демо»", inn="5036000000", bank_name="Банк", bic="044525000",
            settlement_account="40702810000000000000", correspondent_account="30101810000000000000",
        )  # fmt: skip
        s.add(company)
        s.flush()
        building = Building(company_id=company.id, address="ул. Садовая, д. 5")
        s.add(building)
        s.flush()
        premises = Premises(building_id=building.id, number="12", area=Decimal("54.30"))
        s.add(premises)
        s.flush()
        s.get_one(Account, account).premises_id = premises.id
    add_statement(owner, account, service_ids["Холодная вода"], MAY, "0", "350.10", "0")
    services = build_services(owner, Settings(), clock, device="owner")
    services.auth.create_staff("boss", "Главный А.А.", "admin", ADMIN_PASSWORD, by=SYSTEM)
    services.auth.create_staff("desk", "Кассир К.К.", "clerk", CLERK_PASSWORD, by=SYSTEM)
    for number in ("3492", "7001"):
        with owner.unit_of_work() as s:
            account_id = s.scalar(text("SELECT id FROM account WHERE number = :n"), {"n": number})
            s.add(
                ResidentCredential(
                    account_id=account_id,
                    email=f"r{number}@mail.ru",
                    phone="+79151234567",
                    password_hash=passwords.hash_password(OWN_PASSWORD),
                    must_change=False,
                    failed_attempts=0,
                    created_at=clock.now(),
                    updated_at=clock.now(),
                )
            )
    prefix = f"t{uuid.uuid4().hex[:10]}_"
    logins = {group: f"{prefix}{group}_login" for group in GROUPS}
    try:
        apply_roles(owner.engine, prefix)
        with owner.engine.begin() as conn:
            # The tests' clock is in 2017: as the owner, allow the functions that far from the
            # server's time (db.roles_resident), and no further.
            conn.execute(
                text(
                    "UPDATE auth_secret SET value = (abs(extract(epoch FROM now() - :t))"
                    " + 86400)::bigint || ' seconds' WHERE name = :n"
                ),
                {"t": clock.now(), "n": CLOCK_SKEW_SECRET},
            )
            for group, login in logins.items():
                conn.exec_driver_sql(
                    f'CREATE ROLE "{login}" LOGIN IN ROLE "{group_name(group, prefix)}"'
                )
            # The office desk that sends the mail: a clerk's login in the mailer's group too.
            logins[MAILER] = f"{prefix}{MAILER}_login"
            conn.exec_driver_sql(
                f'CREATE ROLE "{logins[MAILER]}" LOGIN IN ROLE "{group_name(CLERK, prefix)}",'
                f' "{group_name(MAILER, prefix)}"'
            )
        yield Cluster(owner, pg_url, prefix, logins)
    finally:
        with owner.engine.begin() as conn:
            roles = [*logins.values(), *(group_name(g, prefix) for g in (*GROUPS, MAILER))]
            for role in roles:
                exists = conn.execute(
                    text("SELECT 1 FROM pg_roles WHERE rolname = :r"), {"r": role}
                ).first()
                if exists:
                    conn.exec_driver_sql(f'DROP OWNED BY "{role}"')
                    conn.exec_driver_sql(f'DROP ROLE "{role}"')
        owner.dispose()


def refused(engine: Engine, sql: str) -> str:
    """Run ``sql`` in a transaction rolled back afterwards; the server's refusal."""
    with engine.connect() as conn:
        try:
            conn.exec_driver_sql(sql)
        except DBAPIError as error:
            conn.rollback()
            assert isinstance(error.orig, psycopg.errors.InsufficientPrivilege), error
            return str(error.orig)
        conn.rollback()
    raise AssertionError(f"allowed: {sql}")


def rows(engine: Engine, sql: str) -> list[tuple[object, ...]]:
    with engine.connect() as conn:
        return [tuple(r) for r in conn.exec_driver_sql(sql)]


NOBODY_MAY = (
    "UPDATE audit_log SET ok = false",
    "DELETE FROM audit_log",
    "TRUNCATE audit_log",
    "ALTER TABLE audit_log DISABLE TRIGGER ALL",
    "ALTER TABLE audit_log DISABLE TRIGGER USER",
    "ALTER TABLE reading DISABLE TRIGGER ALL",
    "DROP TABLE audit_log",
    "ALTER TABLE resident_credential ADD COLUMN x int",
    "TRUNCATE reading",
    "TRUNCATE account CASCADE",
    "CREATE TABLE public.intruder (id int)",
    "CREATE FUNCTION public.lower(character varying) RETURNS text LANGUAGE sql AS 'SELECT 1'",
    "DROP FUNCTION cabinet_secret_matches(text, text, text)",
    "ALTER TABLE auth_secret DISABLE ROW LEVEL SECURITY",
)


def test_no_role_can_alter_the_audit_log_truncate_or_disable_a_trigger(cluster: Cluster) -> None:
    for group in GROUPS:
        engine = cluster.engine(group)
        try:
            for sql in NOBODY_MAY:
                refused(engine, sql)
            # The key of the fake salts is hidden by row level security, even from the admin.
            assert rows(engine, f"SELECT * FROM auth_secret WHERE name = '{SEALED_SECRET}'") == []
        finally:
            engine.dispose()
    with cluster.owner.engine.connect() as conn:
        owners = set(
            conn.execute(
                text("SELECT DISTINCT tableowner FROM pg_tables WHERE schemaname = 'public'")
            ).scalars()
        )
        mighty = conn.execute(
            text(
                "SELECT rolname FROM pg_roles WHERE rolname LIKE :p "
                "AND (rolsuper OR rolbypassrls OR rolcreaterole OR rolcreatedb)"
            ),
            {"p": f"{cluster.prefix}%"},
        ).all()
    ours = {*cluster.logins.values(), *(group_name(g, cluster.prefix) for g in GROUPS)}
    assert not owners & ours and mighty == []


def test_the_kiosk_reads_no_secrets_contacts_staff_outbox_or_audit(
    cluster: Cluster, clock: FixedClock
) -> None:
    with cluster.owner.unit_of_work() as s:
        s.add(
            OutboxMessage(
                account_id=None,
                recipient="r7001@mail.ru",
                subject="Пароль",
                body="одноразовый пароль: abc",
                created_at=clock.now(),
                handed_out_at=None,
            )
        )
    kiosk = cluster.engine(KIOSK)
    try:
        for sql in (
            "SELECT * FROM resident_credential",
            "SELECT password_hash FROM resident_credential",
            "SELECT email FROM resident_credential",
            "SELECT phone FROM resident_credential",
            "SELECT reset_code_hash FROM resident_credential",
            "SELECT count(*) FROM resident_credential WHERE left(password_hash, 7) = '$argon2'",
            "SELECT * FROM staff_user",
            "SELECT login FROM staff_user",
            "SELECT * FROM outbox_message",
            "SELECT body FROM outbox_message",
            "SELECT recipient FROM outbox_message",
            "SELECT * FROM audit_log",
            "SELECT details FROM audit_log",
            "SELECT actor FROM audit_log",
            "SELECT * FROM import_batch",
            "SELECT * FROM registration_code",
            "SELECT code_hash FROM registration_code",
            "SELECT count(*) FROM registration_code WHERE code_hash IS NOT NULL",
            # What it should not change.
            "UPDATE resident_credential SET account_id = account_id",
            "DELETE FROM resident_credential",
            "DELETE FROM account",
            "UPDATE account SET fio = 'x'",
            "UPDATE statement_row SET paid = 0",
            "UPDATE organisation_setting SET value = NULL",
            "INSERT INTO staff_user (login, full_name, role, password_hash, must_change, active,"
            " failed_attempts) VALUES ('x', 'x', 'admin', 'x', false, true, 0)",
            "UPDATE staff_user SET role = 'admin'",
            "UPDATE company SET name = 'x'",
            "DELETE FROM support_request",
            # Sessions are opened by cabinet_open_session, after the password's proof.
            "INSERT INTO user_session (kind, account_id, one_time, created_at, last_seen_at,"
            " token_hash) VALUES ('kiosk', 1, false, now(), now(), repeat('0', 64))",
            "UPDATE user_session SET token_hash = repeat('0', 64)",
        ):
            refused(kiosk, sql)
        # The sign-in's functions give a salt, never a hash, and the same shape for anyone.
        params = "$argon2id$v=19$m=8192,t=1,p=1"
        salt_of = "SELECT salt FROM cabinet_secret_salt('password', '{}', '" + params + "', 32)"
        real = rows(kiosk, salt_of.format("3492"))
        fake = rows(kiosk, salt_of.format("9999"))
        again = rows(kiosk, salt_of.format("9999"))
        assert fake == again and real != fake
        for (salt,) in (*real, *fake):
            assert str(salt).count("$") == 4  # $argon2id$v=19$m=…$SALT: no hash
        with cluster.owner.engine.connect() as conn:
            stored = conn.execute(
                text(
                    "SELECT password_hash FROM resident_credential c JOIN account a "
                    "ON a.id = c.account_id WHERE a.number = '3492'"
                )
            ).scalar_one()
        assert stored.startswith(str(real[0][0]) + "$") and stored != real[0][0]
        assert rows(kiosk, "SELECT cabinet_secret_matches('password', '3492', 'guess')") == [
            (False,)
        ]
        opening = (
            "SELECT id FROM cabinet_open_session('kiosk', '{}', '{}', '"
            + "t" * 43
            + "', now(), NULL)"
        )
        assert rows(kiosk, opening.format("3492", "guess")) == [(None,)]
        # The stored hash itself is the proof (the kiosk only ever has it by computing it),
        # once the attempt is paid for in the throttle (db.roles_throttle).
        with kiosk.begin() as conn:
            paid = text("SELECT cabinet_throttle_attempt('resident', '3492', :c)")
            assert conn.execute(paid, {"c": stored}).scalar() == 0
        assert rows(kiosk, opening.format("3492", stored))[0][0] is not None
        admin = opening.format("3492", stored).replace("'kiosk'", "'admin'")
        assert rows(kiosk, admin) == [(None,)]
    finally:
        kiosk.dispose()


def test_the_clerk_cannot_alter_staff_or_settings_or_read_the_audit_log(cluster: Cluster) -> None:
    clerk = cluster.engine("clerk")
    try:
        for sql in (
            "UPDATE staff_user SET role = 'admin'",
            "UPDATE staff_user SET active = false",
            "UPDATE staff_user SET login = 'x'",
            "DELETE FROM staff_user",
            "INSERT INTO staff_user (login, full_name, role, password_hash, must_change, active,"
            " failed_attempts) VALUES ('x', 'x', 'admin', 'x', false, true, 0)",
            "SELECT * FROM audit_log",
            "SELECT details FROM audit_log",
            "UPDATE organisation_setting SET value = NULL",
            "INSERT INTO organisation_setting (key, value, changed_at, changed_by)"
            " VALUES ('x', NULL, now(), 'x')",
            "UPDATE statement_row SET paid = 0",
            "SELECT * FROM import_batch",
        ):
            refused(clerk, sql)
    finally:
        clerk.dispose()


def services_as(
    cluster: Cluster, group: str, clock: FixedClock, settings: Settings | None = None
) -> Services:
    """The application's services as a desk of this group opens them (mail, if set up,
    delivered in the caller's thread, as the command line does)."""
    db = connect(cluster.url_of(group))
    return build_services(db, settings or Settings(), clock, inline_mail=True, device=group)


@pytest.fixture
def smtp() -> Iterator[SmtpServer]:
    with SmtpServer() as server:
        yield server


def test_the_kiosk_does_its_real_work(
    cluster: Cluster, clock: FixedClock, smtp: SmtpServer
) -> None:
    kiosk = services_as(cluster, KIOSK, clock, smtp.settings())
    office = services_as(cluster, MAILER, clock, smtp.settings())
    plain = services_as(cluster, CLERK, clock, smtp.settings())
    try:
        with kiosk.db.read() as s:
            assert is_sealed(s)
        # The kiosk queues letters but may not read the queue, nor may a plain clerk's desk:
        # the desk whose login is in the mailer's group sends them.
        assert kiosk.mail_sender is None and office.mail_sender is not None
        assert plain.mail_sender is None
        plain.close()
        for number, password in (("3492", "wrong-password"), ("9999", OWN_PASSWORD)):
            with pytest.raises(LoginError):
                kiosk.auth.login(number, password, kiosk=True)
        signed = kiosk.auth.login("3492", OWN_PASSWORD, kiosk=True)
        resident = signed.actor
        assert kiosk.accounts.get(resident, "3492").registered
        period = kiosk.readings.create_period(resident, signed.account_id or 0)
        assert period.month == JUNE
        water = kiosk.readings.readings(resident, signed.account_id or 0, JUNE)[0]
        kiosk.readings.submit(resident, signed.account_id or 0, JUNE, {water.key: "255"})
        info, _ = kiosk.readings.open_for_edit(resident, signed.account_id or 0, JUNE)
        kiosk.readings.submit(
            resident, signed.account_id or 0, JUNE, {water.key: "256"}, version=info.version
        )
        info, _ = kiosk.readings.open_for_edit(resident, signed.account_id or 0, JUNE)
        kiosk.readings.delete_period(resident, signed.account_id or 0, JUNE, version=info.version)
        kiosk.readings.create_period(resident, signed.account_id or 0)
        kiosk.support.create(resident, "Счетчик", "Не могу найти пломбу", "r3492@mail.ru")
        assert [r.topic for r in kiosk.support.list_for(resident)] == ["Счетчик"]
        kiosk.statements.statement(resident, signed.account_id or 0)
        kiosk.statements.debt(resident, signed.account_id or 0)
        kiosk.receipts.receipts(resident, signed.account_id or 0)
        assert kiosk.documents.receipt_pdf(resident, signed.account_id or 0, MAY)
        resident = kiosk.auth.change_password(resident, OWN_PASSWORD, NEW_PASSWORD)
        with pytest.raises(LoginError):
            kiosk.auth.login("3492", OWN_PASSWORD, kiosk=True)
        kiosk.auth.login("3492", NEW_PASSWORD, kiosk=True)
        # «Забыли пароль?»: the letter is queued by the kiosk and sent by the office's desk.
        kiosk.auth.request_reset("3492", "wrong@mail.ru")
        kiosk.auth.request_reset("3492", "R3492@mail.ru")
        assert office.mail_sender is not None and office.mail_sender.send_due().sent == 1
        # Queued by the database itself, to the address registered (as the office's desk does).
        assert smtp.messages[-1]["To"] == "r3492@mail.ru"
        kiosk.auth.complete_reset("3492", last_mail_secret(smtp, "Код"), OTHER_PASSWORD)
        kiosk.auth.login("3492", OTHER_PASSWORD, kiosk=True)
        # Registration with the code from the receipt; a wrong code registers nothing.
        with cluster.owner.unit_of_work() as s:
            petrov = s.scalar(select(Account.id).where(Account.number == "5210"))
            assert petrov is not None
            codes.set_code(s, petrov, PETROV_CODE, clock.now(), "test")

        def petrov_credential() -> ResidentCredential | None:
            with cluster.owner.read() as s:
                return s.scalar(
                    select(ResidentCredential).where(ResidentCredential.account_id == petrov)
                )

        kiosk.auth.register("Петров П.П.", "5210", "+7 915 000-00-00", "p@mail.ru", "KQ7R-M2XQ")
        assert petrov_credential() is None
        kiosk.auth.register("Петров П.П.", "5210", "+7 915 000-00-00", "p@mail.ru", PETROV_CODE)
        credential = petrov_credential()
        assert credential is not None and credential.must_change
        office.mail_sender.send_due()
        one_time = last_mail_secret(smtp, "Одноразовый пароль")
        assert kiosk.auth.login("5210", one_time, kiosk=True).must_change_password
        with cluster.owner.read() as s:  # the code is void once used
            assert s.scalar(text("SELECT code_hash FROM registration_code")) is None
        # The audit chain holds: the kiosk appended to it without reading it.
        assert audit.verify(cluster.owner, SYSTEM).intact
    finally:
        kiosk.close()
        office.close()


def test_the_office_does_its_real_work(cluster: Cluster, clock: FixedClock) -> None:
    clerk = services_as(cluster, "clerk", clock)
    admin = services_as(cluster, "admin", clock)
    try:
        desk = clerk.auth.staff_login("desk", CLERK_PASSWORD).actor
        assert [a.number for a in clerk.accounts.search(desk, "Иванов")] == ["3492"]
        result = clerk.auth.register("Петров П.П.", "5210", "+79150000000", "p@mail.ru", actor=desk)
        assert result.delivery == "outbox"
        slip = clerk.outbox.pending(desk)[0]
        clerk.outbox.record_printed(desk, slip.id)
        clerk.outbox.mark_handed_out(desk, slip.id)
        account = clerk.accounts.get(desk, "3492")
        clerk.readings.create_period(desk, account.id)
        water = clerk.readings.readings(desk, account.id, JUNE)[0]
        clerk.readings.submit(desk, account.id, JUNE, {water.key: Decimal("256")})
        # The queue of requests: who has one is read from the staff's plain columns.
        asked = clerk.support.create(desk, "Счетчик", "Житель просит перезвонить", "+79150000000")
        assert clerk.support.assign(desk, asked.id).assignee != ""
        clerk.support.answer(desk, asked.id, "Перезвонили.")
        assert [r.id for r in clerk.support.list_for(desk, text="перезвонить")] == [asked.id]
        assert clerk.support.close(desk, asked.id).status == "closed"
        desk = clerk.auth.change_password(desk, CLERK_PASSWORD, NEW_PASSWORD)

        # The administrator at a clerk's desk: the database refuses, and says so in Russian.
        at_desk = clerk.auth.staff_login("boss", ADMIN_PASSWORD).actor
        with pytest.raises(DBAPIError) as refusal:
            clerk.auth.create_staff("desk3", "Лишний Л.Л.", "clerk", OTHER_PASSWORD, by=at_desk)
        told = database_failure(refusal.value)
        assert isinstance(told, AccessDeniedError) and "нет прав" in str(told)
        assert "desk3" not in [s.login for s in admin.auth.list_staff(SYSTEM)]
        boss = admin.auth.staff_login("boss", ADMIN_PASSWORD).actor
        added = admin.auth.create_staff("desk2", "Новый Н.Н.", "clerk", OTHER_PASSWORD, by=boss)
        assert isinstance(added, StaffInfo)
        assert "desk2" in [s.login for s in admin.auth.list_staff(boss)]
        with admin.db.read() as s:
            assert audit.entries(s, limit=5)
        assert audit.verify(admin.db, boss).intact
    finally:
        clerk.close()
        admin.close()


def test_no_role_creates_in_the_schema_even_where_the_server_lets_everyone(
    cluster: Cluster,
) -> None:
    """PostgreSQL before 15 lets every role create in «public»: a kiosk could plant a
    ``lower(varchar)`` that the owner's SECURITY DEFINER functions would call. ``db roles``
    takes that right away whatever the server's default."""
    with cluster.owner.engine.begin() as conn:
        conn.exec_driver_sql("GRANT CREATE ON SCHEMA public TO PUBLIC")  # as before 15
    apply_roles(cluster.owner.engine, cluster.prefix)
    for group in GROUPS:
        engine = cluster.engine(group)
        try:
            refused(engine, "CREATE FUNCTION public.lower(varchar) RETURNS text "
                            "LANGUAGE sql AS 'SELECT 1'")  # fmt: skip
        finally:
            engine.dispose()


def test_db_roles_command_is_idempotent(
    cluster: Cluster, capsys: pytest.CaptureFixture[str]
) -> None:
    def grants() -> list[tuple[object, ...]]:
        with cluster.owner.engine.connect() as conn:
            return [
                tuple(r)
                for r in conn.execute(
                    text(
                        "SELECT grantee, table_name, privilege_type, '' FROM "
                        "information_schema.role_table_grants WHERE grantee LIKE :p UNION ALL "
                        "SELECT grantee, table_name, privilege_type, column_name FROM "
                        "information_schema.column_privileges WHERE grantee LIKE :p "
                        "ORDER BY 1, 2, 3, 4"
                    ),
                    {"p": f"{cluster.prefix}%"},
                )
            ]

    before = grants()
    url = cluster.owner.url.render_as_string(False)
    assert main(["db", "roles", "--database-url", url, "--prefix", cluster.prefix]) == 0
    assert "Созданы" not in capsys.readouterr().out
    assert grants() == before and before


def test_a_table_missing_from_the_map_is_refused(cluster: Cluster) -> None:
    with cluster.owner.engine.begin() as conn:
        conn.exec_driver_sql("CREATE TABLE stray (id int)")
    with pytest.raises(ValueError, match="stray"):
        apply_roles(cluster.owner.engine, cluster.prefix)
    stray = cluster.engine(KIOSK)
    try:
        refused(stray, "SELECT * FROM stray")
    finally:
        stray.dispose()


def test_db_roles_on_sqlite_says_there_are_none(
    sqlite_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["db", "roles", "--database-url", sqlite_url]) != 0
    assert "только на сервере PostgreSQL" in capsys.readouterr().err


def test_only_the_owner_sets_the_roles(
    cluster: Cluster, capsys: pytest.CaptureFixture[str]
) -> None:
    for group in GROUPS:
        args = ["db", "roles", "--database-url", cluster.url_of(group), "--prefix", cluster.prefix]
        assert main(args) != 0
        assert "владелец таблиц" in capsys.readouterr().err


@pytest.mark.parametrize(
    "prefix", ["", "Cabinet_", "x; DROP ROLE postgres; --", "a\x00b", "x" * 10_000, "1abc", "ж_"]
)
def test_a_bad_prefix_is_refused_before_anything_is_opened(
    prefix: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    url = f"sqlite:///{tmp_path / 'none.db'}"
    assert main(["db", "roles", "--database-url", url, "--prefix", prefix]) != 0
    assert "Начало имён ролей" in capsys.readouterr().err
    assert not (tmp_path / "none.db").exists()


def test_without_codes_the_kiosk_keeps_a_pending_password_to_its_e_mail(
    cluster: Cluster, clock: FixedClock
) -> None:
    """The setting that lets an office without printed codes fall back: the kiosk compares
    the pending registration's e-mail through the database, never reading it."""
    with cluster.owner.unit_of_work() as s:
        s.add(
            OrganisationSetting(
                key="registration.require_code",
                value=encode("registration.require_code", False),
                changed_at=clock.now(),
                changed_by="test",
            )
        )
    kiosk = services_as(cluster, KIOSK, clock)
    try:

        def recipients() -> list[str]:
            with cluster.owner.read() as s:
                return list(s.scalars(select(OutboxMessage.recipient).order_by(OutboxMessage.id)))

        kiosk.auth.register("Петров П.П.", "5210", "+79150000000", "petrov@mail.ru")
        assert recipients() == ["petrov@mail.ru"]
        kiosk.auth.register("Петров П.П.", "5210", "+79150000000", "stranger@mail.ru")
        assert recipients() == ["petrov@mail.ru"]  # not redirected to a stranger
        kiosk.auth.register("Петров П.П.", "5210", "+79150000000", "PETROV@mail.ru")
        assert len(recipients()) == 1 and recipients()[0].casefold() == "petrov@mail.ru"
    finally:
        kiosk.close()
