"""An administrator's desk on PostgreSQL (the ``cabinet_admin`` role) resets a clerk's
password with the rights the role has, and is told how to back the database up."""

from __future__ import annotations

import pytest

from desktop.auth import LoginError
from desktop.clock import FixedClock
from desktop.errors import AccessDeniedError
from tests.db.test_roles import (  # noqa: F401 (fixtures)
    ADMIN_PASSWORD,
    CLERK_PASSWORD,
    Cluster,
    cheap_hashing,
    cluster,
    services_as,
)


def test_the_administrators_desk_resets_a_clerks_password_and_the_clerk_signs_in_with_it(
    cluster: Cluster,  # noqa: F811
    clock: FixedClock,
) -> None:
    admin = services_as(cluster, "admin", clock)
    clerk = services_as(cluster, "clerk", clock)
    try:
        boss = admin.auth.staff_login("boss", ADMIN_PASSWORD).actor
        desk = clerk.auth.staff_login("desk", CLERK_PASSWORD).actor
        with pytest.raises(AccessDeniedError):
            clerk.auth.reset_staff_password("boss", by=desk)
        temporary = admin.auth.reset_staff_password("desk", by=boss)
        with pytest.raises(LoginError):
            clerk.auth.staff_login("desk", CLERK_PASSWORD)
        signed = clerk.auth.staff_login("desk", temporary)
        assert signed.must_change_password
        hint = admin.backup.postgres_hint(boss)
        assert "pg_dump --format=custom" in hint and "pg_restore" in hint
        assert f"--username={cluster.logins['admin']}" in hint
    finally:
        admin.close()
        clerk.close()
