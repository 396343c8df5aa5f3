"""The office's groups on PostgreSQL, as real login roles (``db.roles_office``): neither the
clerk nor the administrator revives an ended session, and the administrator, who opens its
own sessions, cannot delete one or change whose it is; the clerk cannot clear the sign-in
throttle, and staff passwords are compared at its desk only under the throttle's ticket."""

from __future__ import annotations

import pytest
from sqlalchemy import text

from db.models import UserSession
from db.roles import ADMIN, CLERK
from desktop.auth import LoginError
from desktop.auth.sealed import _hash_with
from desktop.clock import FixedClock
from tests.db.test_review2_office import PARAMS
from tests.db.test_roles import (  # noqa: F401 (fixtures)
    ADMIN_PASSWORD,
    CLERK_PASSWORD,
    Cluster,
    cheap_hashing,
    cluster,
    refused,
    services_as,
)


def test_no_office_role_revives_an_ended_session_or_rewrites_one(
    cluster: Cluster,  # noqa: F811 (the fixture imported above)
    clock: FixedClock,
) -> None:
    clerk = services_as(cluster, CLERK, clock)
    admin = services_as(cluster, ADMIN, clock)
    try:
        desk = clerk.auth.staff_login("desk", CLERK_PASSWORD).actor
        boss = admin.auth.staff_login("boss", ADMIN_PASSWORD).actor
        clerk.auth.logout(desk)  # the clerk ends its own session, as the window does
        with cluster.owner.read() as s:
            assert s.get_one(UserSession, desk.session_id).ended_at is not None
        for group in (CLERK, ADMIN):
            engine = cluster.engine(group)
            try:
                with engine.begin() as conn:
                    revived = conn.execute(
                        text(
                            "UPDATE user_session SET ended_at = NULL, end_reason = NULL"
                            " WHERE ended_at IS NOT NULL"
                        )
                    )
                    assert revived.rowcount == 0, group
            finally:
                engine.dispose()
        with cluster.owner.read() as s:
            ended = s.get_one(UserSession, desk.session_id)
            assert ended.ended_at is not None and ended.end_reason is not None
        engine = cluster.engine(ADMIN)
        try:
            for sql in (
                "DELETE FROM user_session",
                "UPDATE user_session SET token_hash = 'x'",
                f"UPDATE user_session SET staff_id = {boss.session_id}",
                "UPDATE user_session SET account_id = NULL",
                "UPDATE user_session SET kind = 'admin'",
                "UPDATE user_session SET created_at = now()",
            ):
                refused(engine, sql)
        finally:
            engine.dispose()
        # What the administrator's desk does with sessions still works: it signs out.
        admin.auth.logout(boss)
        with cluster.owner.read() as s:
            assert s.get_one(UserSession, boss.session_id).ended_at is not None
    finally:
        clerk.close()
        admin.close()


def test_the_clerk_cannot_clear_the_throttle_and_compares_staff_passwords_under_a_ticket(
    cluster: Cluster,  # noqa: F811
    clock: FixedClock,
) -> None:
    """A clerk's login could wipe every delay with DELETE (or UPDATE), and compare staff
    passwords through ``cabinet_staff_matches`` as fast as it liked: now its desk's throttle
    is the database's, as the kiosk's is, and a compare needs a ticket paid for first."""
    clerk = services_as(cluster, CLERK, clock)
    engine = cluster.engine(CLERK)
    try:
        with pytest.raises(LoginError):
            clerk.auth.staff_login("boss", "not-the-password-1")
        with cluster.owner.engine.connect() as conn:
            counted = conn.execute(text("SELECT count(*) FROM login_throttle")).scalar()
        assert counted  # the failure, on the name and on the desk
        for sql in (
            "DELETE FROM login_throttle",
            "UPDATE login_throttle SET failed_attempts = 0, next_attempt_at = NULL",
            "INSERT INTO login_throttle (key_hash, failed_attempts, updated_at)"
            " VALUES ('x', 0, now())",
            "SELECT * FROM login_throttle",
            "TRUNCATE login_throttle",
        ):
            refused(engine, sql)
        with engine.begin() as conn:
            row = conn.execute(
                text("SELECT salt, hash_len FROM cabinet_staff_salt('desk', :p, 32)"),
                {"p": PARAMS},
            ).one()
            candidate = _hash_with(row.salt, CLERK_PASSWORD, int(row.hash_len))
            compare = text("SELECT cabinet_staff_matches('desk', :c)")
            # The right password's hash, unpaid for: no verdict.
            assert conn.execute(compare, {"c": candidate}).scalar() is False
        with engine.begin() as conn:
            wait = conn.execute(
                text("SELECT cabinet_throttle_attempt('staff', 'desk', :c)"), {"c": candidate}
            ).scalar()
            assert wait == 0
        with engine.begin() as conn:
            assert conn.execute(compare, {"c": candidate}).scalar() is True
        # The clerk's desk still signs in and changes its own password (its throttle
        # now the database's).
        desk = clerk.auth.staff_login("desk", CLERK_PASSWORD).actor
        clerk.auth.change_password(desk, CLERK_PASSWORD, "n3w-Sadovaya-pass")
        clerk.auth.staff_login("desk", "n3w-Sadovaya-pass")
    finally:
        engine.dispose()
        clerk.close()
