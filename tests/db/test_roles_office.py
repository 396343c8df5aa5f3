"""The office's groups on PostgreSQL, as real login roles (``db.roles_office``): neither the
clerk nor the administrator revives an ended session, and the administrator, who opens its
own sessions, cannot delete one or change whose it is."""

from __future__ import annotations

from sqlalchemy import text

from db.models import UserSession
from db.roles import ADMIN, CLERK
from desktop.clock import FixedClock
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
