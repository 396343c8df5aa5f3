"""A name's delay is its device's (issue 10): a stranger typing wrong passwords for account
3492 at one kiosk does not hold its owner at home or at another desk; spraying one account
from many devices still slows, under a looser ceiling per name, and never locks anyone out.
On both databases."""

from __future__ import annotations

from datetime import timedelta

import pytest

from db.engine import Database
from desktop.auth import AuthService, LoginError, LoginThrottled
from desktop.auth.throttle import NAME_FREE_FAILURES, NAME_MAX_DELAY, name_delay_after
from desktop.clock import FixedClock
from tests.desktop.test_auth import (  # noqa: F401 (cheap_hashing: an autouse fixture)
    NEW_PASSWORD,
    auth,
    auth_service,
    cheap_hashing,
    registered,
    smtp,
)
from tests.desktop.test_mail import SmtpServer


def fail_until(service: AuthService, clock: FixedClock, failures: int) -> list[int]:
    """``failures`` wrong passwords for 3492 from ``service``'s device, waiting out each
    delay it is told; the waits."""
    waits = []
    counted = 0
    while counted < failures:
        try:
            service.login("3492", "wrong")
        except LoginThrottled as throttled:
            waits.append(throttled.seconds)
            clock.advance(seconds=throttled.seconds)
        except LoginError:
            counted += 1
    return waits


def test_a_strangers_failures_at_one_kiosk_do_not_hold_the_owner_elsewhere(
    auth: AuthService,  # noqa: F811 (the fixtures imported above)
    smtp: SmtpServer,  # noqa: F811
    database: Database,
    clock: FixedClock,
) -> None:
    registered(auth, smtp)
    hall = auth_service(database, clock, smtp.settings(), device="kiosk-hall")
    home = auth_service(database, clock, smtp.settings(), device="home")
    waits = fail_until(hall, clock, 40)
    assert max(waits) == 300  # the stranger's own device waits the full five minutes
    with pytest.raises(LoginThrottled) as throttled:
        hall.login("3492", NEW_PASSWORD)
    assert throttled.value.seconds == 300
    # One device at five-minute steps never fills the name's ceiling (it leaks meanwhile):
    # the owner at home, and a clerk's desk, are not held at all.
    with pytest.raises(LoginError) as mistyped:
        home.login("3492", "typo")
    assert type(mistyped.value) is LoginError
    assert home.login("3492", NEW_PASSWORD).account_id is not None
    assert auth.login("3492", NEW_PASSWORD).account_id is not None
    with pytest.raises(LoginThrottled):  # the stranger's kiosk still waits
        hall.login("3492", NEW_PASSWORD)


def test_spraying_one_account_from_many_devices_meets_the_ceiling(
    auth: AuthService,  # noqa: F811 (the fixtures imported above)
    smtp: SmtpServer,  # noqa: F811
    database: Database,
    clock: FixedClock,
) -> None:
    registered(auth, smtp)
    home = auth_service(database, clock, smtp.settings(), device="home")
    strangers = [
        auth_service(database, clock, smtp.settings(), device=f"invented-{i}") for i in range(37)
    ]
    # Each invented device's failure is free up to the name's ceiling of 30 …
    for stranger in strangers[: NAME_FREE_FAILURES + 1]:
        with pytest.raises(LoginError) as failed:
            stranger.login("3492", "wrong")
        assert type(failed.value) is LoginError
    # … past it the name waits on every device, the owner's too, but never long.
    with pytest.raises(LoginThrottled) as throttled:
        home.login("3492", NEW_PASSWORD)
    assert throttled.value.seconds == 2
    waits = []
    for stranger in strangers[NAME_FREE_FAILURES + 1 :]:
        waits += fail_until(stranger, clock, 1)
    assert waits == [2, 4, 8, 16, 32, 60]
    with pytest.raises(LoginThrottled) as throttled:
        home.login("3492", NEW_PASSWORD)
    assert throttled.value.seconds == NAME_MAX_DELAY.total_seconds() == 60
    clock.advance(seconds=60)
    assert home.login("3492", NEW_PASSWORD).account_id is not None  # never locked out


def test_the_ceilings_schedule() -> None:
    assert [name_delay_after(n) for n in (0, 30, 31, 32, 35, 36, 1000)] == [
        timedelta(0),
        timedelta(0),
        timedelta(seconds=2),
        timedelta(seconds=4),
        timedelta(seconds=32),
        NAME_MAX_DELAY,
        NAME_MAX_DELAY,
    ]
