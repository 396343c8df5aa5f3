"""What an office desk does on a clerk's database login in the tests of ``db.roles_clerk`` and
``db.roles_outbox``: a staff member signed in, resets asked for at the counter, codes stored."""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import Connection, Engine, text

from db.roles_reset import RESET_CODE_PLACEHOLDER
from desktop.auth import codes
from desktop.auth.codes import SECRET_NAME
from desktop.clock import FixedClock
from tests.db.test_kiosk_writes import paid
from tests.db.test_roles import CLERK_PASSWORD, Cluster, rows, services_as

TEMPLATE = f"CODE={RESET_CODE_PLACEHOLDER}"


def derived_hash(cluster: Cluster, account: int) -> str:
    """A new code's hash for the account as the database's key derives it (what
    ``cabinet_derive_codes`` hands a signed-in desk)."""
    key = rows(cluster.owner.engine, f"SELECT value FROM auth_secret WHERE name = '{SECRET_NAME}'")
    return codes.make(bytes.fromhex(str(key[0][0])), account)[1]


def staff_token(cluster: Cluster, clock: FixedClock) -> str:
    """The token of a live session of the clerk «desk», as its desk signs in."""
    clerk = services_as(cluster, "clerk", clock)
    try:
        token = clerk.auth.staff_login("desk", CLERK_PASSWORD).actor.session_token
    finally:
        clerk.close()
    assert token
    return token


def carry(conn: Connection, token: str) -> None:
    """The transaction carries the session's token, as a signed-in desk's calls do (db.rls)."""
    conn.execute(text("SELECT set_config('cabinet.session', :t, true)"), {"t": token})


def store_code(conn: Connection, clock: FixedClock, account: int, code_hash: str) -> object:
    """``cabinet_store_codes`` for one account's new code."""
    return conn.execute(
        text(
            "SELECT cabinet_store_codes(ARRAY[:a]::bigint[], ARRAY[:h], ARRAY[''],"
            " ARRAY[NULL]::timestamptz[], :n)"
        ),
        {"a": account, "h": code_hash, "n": clock.now()},
    ).scalar()


def reset_letters(
    clerk_engine: Engine,
    clock: FixedClock,
    inside: Callable[[Connection], None] = lambda conn: None,
) -> dict[str, int]:
    """A reset asked for at the counter for 3492 by e-mail and for 7001 on a slip: the ids of
    the letters by channel. ``inside`` runs in each request's transaction, once it queued."""
    for number, channel in (("3492", "email"), ("7001", "slip")):
        email = rows(
            clerk_engine,
            "SELECT c.email FROM resident_credential c JOIN account a ON a.id = c.account_id"
            f" WHERE a.number = '{number}'",
        )[0][0]
        paid(clerk_engine, "email", number, str(email))
        with clerk_engine.begin() as conn:
            got = conn.execute(
                text(
                    "SELECT reason FROM cabinet_request_reset(:num, :e, :n, '10 minutes',"
                    " '1 minute', :ch, 'x', :t)"
                ),
                {"num": number, "e": email, "n": clock.now(), "ch": channel, "t": TEMPLATE},
            ).scalar()
            assert got == ""
            inside(conn)
    return {str(c): int(i) for c, i in rows(clerk_engine, "SELECT channel, id FROM outbox_message")}  # type: ignore[call-overload]
