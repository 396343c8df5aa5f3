"""A resident's credential as the sign-in code reads and writes it where it may (SQLite, the
office's roles; a kiosk's sealed connection goes through ``desktop.auth.sealed_writes``)."""

from __future__ import annotations

from datetime import datetime
from typing import Protocol

from sqlalchemy import select
from sqlalchemy.orm import Session as OrmSession
from sqlalchemy.orm import contains_eager

from db.engine import Database, insert_for
from db.models import Account, OrganisationSetting, ResidentCredential
from db.roles_reset import RESET_CODE_TRIES
from desktop.auth.model import ACCOUNT_NUMBER_LIMIT, typed_name
from desktop.auth.sealed import SecretCheck, plain_columns
from desktop.auth.throttle import Keys, Throttle
from desktop.clock import Clock
from desktop.organisation import decode
from desktop.settings import RegistrationSettings


def set_password(
    credential: ResidentCredential,
    password_hash: str,
    now: datetime,
    *,
    expires_at: datetime | None,
) -> None:
    """A one-time password (with its expiry, forcing a change) or the resident's own; either
    way any pending reset code is void."""
    credential.password_hash = password_hash
    credential.password_expires_at = expires_at
    credential.must_change = expires_at is not None
    credential.reset_code_hash = None
    credential.reset_code_expires_at = None
    credential.failed_attempts = 0
    credential.updated_at = now


def wrong_reset_code(credential: ResidentCredential) -> None:
    """A wrong reset code was typed for this credential: counted, and after
    ``RESET_CODE_TRIES`` the code is void (the resident asks for a new one), as
    ``cabinet_complete_reset`` does on a kiosk's sealed connection."""
    if credential.reset_code_hash is None:
        return
    credential.failed_attempts = (credential.failed_attempts or 0) + 1
    if credential.failed_attempts >= RESET_CODE_TRIES:
        credential.reset_code_hash = None
        credential.reset_code_expires_at = None


def claim_credential(
    s: OrmSession, account_id: int, email: str, now: datetime
) -> ResidentCredential | None:
    """A new credential of the account, locked; None if another desk created it meanwhile
    (INSERT … ON CONFLICT DO NOTHING: the race's loser gets no IntegrityError, and the
    winner's registration stands)."""
    insert = insert_for(s)
    created = s.scalar(
        insert(ResidentCredential)
        .values(
            account_id=account_id,
            email=email,
            phone="",
            must_change=True,
            failed_attempts=0,
            created_at=now,
            updated_at=now,
        )
        .on_conflict_do_nothing(index_elements=["account_id"])
        .returning(ResidentCredential.id)
    )
    if created is None:
        return None
    return s.scalars(
        select(ResidentCredential)
        .options(*plain_columns(s))
        .where(ResidentCredential.id == created)
        .with_for_update()
    ).one()


def credential_by_number(
    s: OrmSession, number: str, *, lock: bool = True
) -> ResidentCredential | None:
    """The account's credential with its account, locked (unless only read) for the change."""
    query = (
        select(ResidentCredential)
        .join(ResidentCredential.account)
        .options(contains_eager(ResidentCredential.account), *plain_columns(s))
        .where(Account.number == number)
    )
    if lock:
        query = query.with_for_update(of=ResidentCredential)
    return s.scalars(query).one_or_none()


def who(number: str, account_id: int | None) -> str:
    """The audit actor for a typed account number: the number only if that account exists."""
    return typed_name("resident", number, ACCOUNT_NUMBER_LIMIT, known=account_id is not None)


def code_required(s: OrmSession) -> bool:
    """The organisation's ``registration.require_code``, read in the caller's transaction
    so that every desk and kiosk follows a change at once."""
    key = "registration.require_code"
    stored = s.scalar(select(OrganisationSetting.value).where(OrganisationSetting.key == key))
    if stored is None:
        return RegistrationSettings().require_code
    try:
        return bool(decode(key, stored))
    except (ValueError, TypeError):
        return True  # unreadable: the safe side


def account_id_of(s: OrmSession, number: str) -> int | None:
    return s.scalar(select(Account.id).where(Account.number == number))


class _Desk(Protocol):
    db: Database
    clock: Clock
    throttle: Throttle


def read_secret(
    desk: _Desk, kind: str, number: str, plausible: bool, typed: str
) -> tuple[Keys, int, SecretCheck]:
    """The read half of a resident's sign-in or reset: the throttle's wait for ``number``
    and, when it may be tried now, Argon2 on ``typed`` against the stored secret of
    ``kind``, with no transaction open while Argon2 runs."""
    keys = desk.throttle.keys("resident", number)
    check = SecretCheck(kind, number)
    with desk.db.read() as s:
        wait = desk.throttle.wait(s, keys, desk.clock.now())
        if plausible and not wait:
            check.load(s, credential_by_number(s, number, lock=False))
    if not wait:
        check.run(typed)
    return keys, wait, check
