"""Issue 10 (review proof «a clerk derives registration codes»): a clerk's database login
read the key registration codes are derived from, worked out any account's printed code and
registered the account through the kiosk's ``cabinet_register``. The key is now hidden from
the clerk's group (``db.roles_codes``); a clerk's desk with a staff member signed in gets its
codes from ``cabinet_derive_codes``, which derives them exactly as ``desktop.auth.codes``
does, so SQLite and PostgreSQL, the clerk's desk and the administrator's print the same
codes."""

from __future__ import annotations

import io
import re
from datetime import UTC, datetime, timedelta, timezone

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from sqlalchemy import Engine, select, text

from db.models import Account, RegistrationCode, Service
from db.roles import ADMIN, CLERK, KIOSK
from db.roles_throttle import THROTTLE_SECRET
from desktop.auth import code_issue, codes
from desktop.auth.db_secret import load_or_make
from desktop.clock import FixedClock
from tests.db.clerk_desk import staff_token
from tests.db.test_clerk_sealed import MAY
from tests.db.test_roles import (  # noqa: F401 (fixtures)
    ADMIN_PASSWORD,
    CLERK_PASSWORD,
    Cluster,
    cheap_hashing,
    cluster,
    refused,
    rows,
    services_as,
)
from tests.db.test_roles_staff import clerk_engine  # noqa: F401 (fixture)
from tests.desktop.test_receipt_pdf import pdf_text
from tests.factories import add_statement

_KEY = f"SELECT value FROM auth_secret WHERE name = '{codes.SECRET_NAME}'"


def test_a_clerk_login_cannot_read_the_codes_key_nor_derive_a_code(
    cluster: Cluster,  # noqa: F811
    clock: FixedClock,
    clerk_engine: Engine,  # noqa: F811
) -> None:
    # «db roles» made the key (the owner's), no desk has to.
    assert len(rows(cluster.owner.engine, _KEY)) == 1
    assert rows(clerk_engine, _KEY) == []
    assert rows(clerk_engine, "SELECT name FROM auth_secret") == [(THROTTLE_SECRET,)]
    for sql in (
        f"INSERT INTO auth_secret VALUES ('{codes.SECRET_NAME}', 'x')",
        f"UPDATE auth_secret SET value = 'x' WHERE name = '{codes.SECRET_NAME}'",
        f"DELETE FROM auth_secret WHERE name = '{codes.SECRET_NAME}'",
        "SELECT cabinet_code_derive('\\x00'::bytea, 1, '\\x00'::bytea)",
        "SELECT cabinet_code_next_salt('\\x00'::bytea, 1, '', now())",
        "SELECT * FROM cabinet_derive_codes(ARRAY(SELECT id FROM account), false)",  # no staff
    ):
        refused(clerk_engine, sql)
    # The kiosk sees no key at all; the administrator's desk derives codes itself.
    kiosk, admin = cluster.engine(KIOSK), cluster.engine(ADMIN)
    try:
        assert rows(kiosk, _KEY) == []
        assert len(rows(admin, _KEY)) == 1
        refused(kiosk, "SELECT * FROM cabinet_derive_codes(ARRAY[1]::bigint[], false)")
    finally:
        kiosk.dispose()
        admin.dispose()
    # With a clerk signed in, the desk gets codes to print, never the key.
    token = staff_token(cluster, clock)
    with clerk_engine.begin() as conn:
        conn.execute(text("SELECT set_config('cabinet.session', :t, true)"), {"t": token})
        got = conn.execute(
            text(
                "SELECT account_id, code, standing FROM cabinet_derive_codes(ARRAY(SELECT id FROM account), false)"
            )
        ).all()
        assert len(got) == 3 and not any(standing for _, _, standing in got)
        assert all(re.fullmatch(f"[{codes.ALPHABET}]{{8}}", code) for _, code, _ in got)
        assert conn.execute(text(_KEY)).all() == []


def test_clerk_and_administrator_print_the_same_codes_twice(
    cluster: Cluster,  # noqa: F811
    clock: FixedClock,
) -> None:
    """A month printed by a clerk's desk (the database derives) and again by the
    administrator's (Python derives): the same code, nothing new stored."""
    owner = cluster.owner
    with owner.read() as s:
        petrov = s.scalars(select(Account.id).where(Account.number == "5210")).one()
        water = s.scalars(select(Service.id).where(Service.name == "Холодная вода")).one()
    add_statement(owner, petrov, water, MAY, "0", "120.00", "0")

    def printed(group: str, login: str, password: str) -> tuple[list[str], int]:
        desk = services_as(cluster, group, clock)
        try:
            actor = desk.auth.staff_login(login, password).actor
            out = io.BytesIO()
            result = desk.documents.write_receipts(actor, MAY, out)
        finally:
            desk.close()
        found = re.findall(
            r"Код регистрации в личном кабинете:\s*(\S{4}-\S{4})",
            "\n".join(pdf_text(out.getvalue())),
        )
        return found, result.registration_codes

    first, made = printed(CLERK, "desk", CLERK_PASSWORD)
    assert made == 1 and len(first) == 1
    assert printed(CLERK, "desk", CLERK_PASSWORD) == (first, 0)
    assert printed(ADMIN, "boss", ADMIN_PASSWORD) == (first, 0)
    key = load_or_make(owner, codes.SECRET_NAME)
    with owner.read() as s:
        stored = s.get_one(RegistrationCode, petrov).code_hash
        assert codes.reproduce(key, petrov, stored) == codes.normalize_code(first[0])
        # The owner's connection (Python's derivation) prints it again too.
        again = code_issue.to_print(s, key, [petrov])
    assert again.codes == {petrov: codes.normalize_code(first[0])} and not again.new


_ZONES = st.sampled_from(
    [UTC, timezone(timedelta(hours=3)), timezone(-timedelta(hours=9, minutes=30))]
)


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    key=st.binary(min_size=32, max_size=32),
    account=st.integers(min_value=1, max_value=2**63 - 1),
    salt=st.binary(min_size=16, max_size=16),
    previous=st.sampled_from(["", "00" * 16]) | st.binary(min_size=16, max_size=16).map(bytes.hex),
    issued=st.none()
    | st.datetimes(
        min_value=datetime(1971, 1, 1), max_value=datetime(2200, 1, 1), timezones=_ZONES
    ),
)
@example(key=b"\xff" * 32, account=2**63 - 1, salt=b"\xff" * 16, previous="", issued=None)
@example(
    key=b"\x00" * 32,
    account=1,
    salt=b"\x00" * 16,
    previous="ab" * 16,
    issued=datetime(2017, 5, 1, 23, 59, 59, 999999, tzinfo=timezone(timedelta(hours=3))),
)
def test_the_database_derives_the_codes_python_does(
    cluster: Cluster,  # noqa: F811
    key: bytes,
    account: int,
    salt: bytes,
    previous: str,
    issued: datetime | None,
) -> None:
    with cluster.owner.engine.begin() as conn:
        conn.exec_driver_sql("SET LOCAL TIME ZONE 'America/St_Johns'")  # the zone is no matter
        code, next_salt = conn.execute(
            text("SELECT cabinet_code_derive(:k, :a, :s), cabinet_code_next_salt(:k, :a, :p, :i)"),
            {"k": key, "a": account, "s": salt, "p": previous, "i": issued},
        ).one()
    assert code == codes.derive(key, account, salt)
    assert bytes(next_salt) == codes.next_salt(key, account, previous, issued)
