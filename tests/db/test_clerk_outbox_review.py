"""Issue 10 (review of the letters and codes): a clerk's database login changes no e-mail
letter in the queue (``db.roles_outbox``: it may only clear a slip it hands out), every read
of a slip's text is in the log under the signed-in staff member's name, and the codes the
office stores are the ones the database's key derives (``db.roles_clerk``)."""

from __future__ import annotations

import pytest
from sqlalchemy import Engine, text
from sqlalchemy.exc import DBAPIError

from desktop.auth import codes
from desktop.clock import FixedClock
from tests.db.clerk_desk import carry, derived_hash, reset_letters, staff_token, store_code
from tests.db.test_roles import (  # noqa: F401 (fixtures)
    Cluster,
    cheap_hashing,
    cluster,
    refused,
    rows,
)
from tests.db.test_roles_staff import clerk_engine  # noqa: F401 (fixture)


def _bodies(cluster: Cluster) -> dict[str, str]:  # noqa: F811
    return {
        str(c): str(b)
        for c, b in rows(cluster.owner.engine, "SELECT channel, body FROM outbox_message")
    }


def test_a_clerk_login_blanks_or_rewrites_no_e_mail_letter(
    cluster: Cluster,  # noqa: F811
    clock: FixedClock,
    clerk_engine: Engine,  # noqa: F811
) -> None:
    reset_letters(clerk_engine, clock)
    before = _bodies(cluster)
    assert before["email"].startswith("CODE=")
    for sql in (
        "UPDATE outbox_message SET body = '' WHERE channel = 'email'",
        "UPDATE outbox_message SET body = 'CODE=000000' WHERE channel = 'email'",
        "UPDATE outbox_message SET handed_out_at = now(), body = ''",
    ):
        with clerk_engine.begin() as conn:
            conn.exec_driver_sql(sql)
        assert _bodies(cluster)["email"] == before["email"], sql
    # Nor puts words of its own in a slip: it may only clear the one it hands out.
    refused(clerk_engine, "UPDATE outbox_message SET body = 'CODE=000000' WHERE channel = 'slip'")
    assert _bodies(cluster) == {**before, "slip": ""}


def test_every_read_of_a_slip_s_text_is_logged_in_the_staff_member_s_name(
    cluster: Cluster,  # noqa: F811
    clock: FixedClock,
    clerk_engine: Engine,  # noqa: F811
) -> None:
    letters = reset_letters(clerk_engine, clock)
    slip = letters["slip"]
    account = rows(cluster.owner.engine, f"SELECT account_id FROM outbox_message WHERE id = {slip}")
    token = staff_token(cluster, clock)
    read = text("SELECT id, body FROM cabinet_slip_bodies(CAST(:ids AS bigint[]), :n)")
    for _ in range(2):  # each read its own entry: no function result kept between calls
        with clerk_engine.begin() as conn:
            carry(conn, token)
            got = conn.execute(read, {"ids": list(letters.values()), "n": clock.now()}).all()
        assert [i for i, _ in got] == [slip]
    logged = rows(
        cluster.owner.engine,
        "SELECT actor, account_id, at, details FROM audit_pending WHERE action = 'outbox.read'"
        " UNION ALL SELECT actor, account_id, at, details FROM audit_log"
        " WHERE action = 'outbox.read'",
    )
    details = f'{{"source": "database", "accounts": [{account[0][0]}], "messages": [{slip}]}}'
    assert logged == [("staff:desk", account[0][0], clock.now(), details)] * 2
    # A read that finds no slip (an e-mail letter's id) shows nothing and logs nothing.
    with clerk_engine.begin() as conn:
        carry(conn, token)
        assert conn.execute(read, {"ids": [letters["email"]], "n": clock.now()}).all() == []
    assert (
        len(
            rows(
                cluster.owner.engine,
                "SELECT 1 FROM audit_pending WHERE action = 'outbox.read'"
                " UNION ALL SELECT 1 FROM audit_log WHERE action = 'outbox.read'",
            )
        )
        == 2
    )
    # The one function that reads a slip's text, and it changes the database (the log).
    assert rows(
        cluster.owner.engine,
        "SELECT pg_get_function_identity_arguments(oid), provolatile FROM pg_proc"
        " WHERE proname = 'cabinet_slip_bodies'",
    ) == [("p_ids bigint[], p_now timestamp with time zone", "v")]


def test_the_office_stores_no_code_it_made_up(
    cluster: Cluster,  # noqa: F811
    clock: FixedClock,
    clerk_engine: Engine,  # noqa: F811
) -> None:
    account = int(rows(cluster.owner.engine, "SELECT id FROM account WHERE number = '5210'")[0][0])  # type: ignore[call-overload]
    token = staff_token(cluster, clock)
    made_up = codes.hash_code("ABCDEFGH")  # a code the clerk chose: well formed, not derived
    other = derived_hash(cluster, account + 1)  # the key's, but another account's
    for bad in (made_up, other):
        with pytest.raises(DBAPIError, match="not derived"), clerk_engine.begin() as conn:
            carry(conn, token)
            store_code(conn, clock, account, bad)
    assert rows(cluster.owner.engine, "SELECT count(*) FROM registration_code") == [(0,)]
    good = derived_hash(cluster, account)
    with clerk_engine.begin() as conn:
        carry(conn, token)
        assert store_code(conn, clock, account, good) == 1
    assert rows(cluster.owner.engine, "SELECT code_hash FROM registration_code") == [(good,)]
