"""Issuing registration codes: the receipt batch's and the counter's (``desktop.auth.codes``
makes, derives and checks one code).

A batch prints each unregistered account's valid code again, or a new one, and stores the
new ones once the whole file is written; a reissue at the counter makes a new one at once.
A new code is derived from the account's code now (``codes.next_salt``), and is stored only
if that is still the account's code (its salt and issue time unchanged): two batches printed
at once print the same new codes and void none of each other's, and a batch finishing after
a reissue, or after the resident registered with its code, does not put back a code that is
void meanwhile.

On a connection that may not read the codes' hashes (a clerk's role, ``db.roles_clerk``) nor
the key they are derived from (``db.roles_codes``) the database derives the codes to print,
says which printed code still stands, and stores the new ones under the same check.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import Boolean, ColumnElement, func, select, text
from sqlalchemy.orm import Session

from db.engine import Database, insert_for
from db.models import Account, RegistrationCode, ResidentCredential
from db.privileges import lacks
from desktop import audit
from desktop.actors import Actor
from desktop.audit import AuditAction
from desktop.auth.codes import SECRET_NAME, derive, display, hash_code, next_salt, reproduce
from desktop.auth.codes import salt_of as _salt_of
from desktop.auth.db_secret import load_or_make
from desktop.clock import Clock
from desktop.errors import DatabaseBusyError, NotFoundError
from desktop.permissions import Permission, require


@dataclass(frozen=True)
class State:
    """An account's code as it was read: its hash's hex salt ("" for none) and when it was
    issued (None: the account had no code row)."""

    salt: str = ""
    issued: datetime | None = None


@dataclass(frozen=True)
class NewCode:
    """A new code's hash, to store only if the account's code is still ``was``."""

    hash: str
    was: State


@dataclass
class Printed:
    """The codes to print by account id, and those among them that are new (to store once
    they are printed)."""

    codes: dict[int, str] = field(default_factory=dict)
    new: dict[int, NewCode] = field(default_factory=dict)
    hashes: dict[int, str] = field(default_factory=dict)  # of every code printed


def key_for(db: Database) -> bytes | None:
    """The key the codes are derived with (made now if the database has none yet); None
    where this login may not read it (a clerk's role on PostgreSQL, ``db.roles_codes``):
    the database derives the codes there."""
    with db.read() as s:
        if _sealed(s):
            return None
    return load_or_make(db, SECRET_NAME)


def to_print(
    s: Session, key: bytes | None, account_ids: Iterable[int], *, renew: bool = False
) -> Printed:
    """The codes for those of the accounts not registered with their own password: the
    account's valid code again where it has one, else a new one. ``renew``: a new code for
    every one of the accounts, registered or not (the office's reissue). ``key``
    (``key_for``) is not needed where the database derives the codes."""
    ids = list(dict.fromkeys(account_ids))
    wanted = ids if renew else needing_codes(s, ids)
    if not wanted:
        return Printed()
    if _sealed(s):
        return _derived(s, wanted, renew)
    if key is None:
        raise ValueError("the registration codes' key is needed on this connection")
    rows = s.execute(
        select(
            RegistrationCode.account_id, RegistrationCode.code_hash, RegistrationCode.issued_at
        ).where(RegistrationCode.account_id.in_(wanted))
    )
    found = {row.account_id: (row.code_hash, row.issued_at) for row in rows}
    stored = {i: h for i, (h, _) in found.items() if h}
    printed = Printed()
    for account_id in wanted:
        code = None if renew else reproduce(key, account_id, stored.get(account_id))
        if code is None:
            held, issued = found.get(account_id, (None, None))
            was = State(_salt_of(held), issued) if account_id in found else State()
            salt = next_salt(key, account_id, was.salt, was.issued)
            code = derive(key, account_id, salt)
            printed.new[account_id] = NewCode(hash_code(code, salt), was)
            printed.hashes[account_id] = printed.new[account_id].hash
        else:
            printed.hashes[account_id] = stored[account_id]
        printed.codes[account_id] = code
    return printed


def _sealed(s: Session) -> bool:
    """Whether this connection may not read the codes' hashes (a clerk's or a kiosk's role):
    the database derives, compares and stores them (``db.roles_clerk``, ``db.roles_codes``).
    Asked once a session: a role's privileges do not change under its transaction."""
    if _SEALED not in s.info:
        s.info[_SEALED] = lacks(
            s, "has_column_privilege('registration_code', 'code_hash', 'SELECT')"
        )
    return bool(s.info[_SEALED])


_SEALED = "code_issue.sealed"


def _derived(s: Session, account_ids: list[int], renew: bool) -> Printed:
    """``to_print`` on a sealed connection: the database derives each code from its key,
    which this login cannot read, and says which are the accounts' valid codes again."""
    printed = Printed()
    for row in s.execute(
        text(
            "SELECT account_id, code, code_hash, was_salt, was_issued, standing"
            " FROM cabinet_derive_codes(CAST(:ids AS bigint[]), :renew)"
        ),
        {"ids": account_ids, "renew": renew},
    ):
        printed.codes[row.account_id] = row.code
        printed.hashes[row.account_id] = row.code_hash
        if not row.standing:
            printed.new[row.account_id] = NewCode(
                row.code_hash, State(row.was_salt, row.was_issued)
            )
    return printed


def issue(
    s: Session,
    key: bytes | None,
    account_ids: Iterable[int],
    now: datetime,
    by: str,
    *,
    renew: bool = False,
) -> dict[int, str]:
    """``to_print`` and store the new codes, in the caller's transaction (each replaces the
    account's old code). The plain codes by account id, to print."""
    printed = to_print(s, key, account_ids, renew=renew)
    store(s, printed.new, now, by)
    return printed.codes


def _has_password(s: Session) -> ColumnElement[bool]:
    """«The credential holds a password»: asked of the database where the hash may not be
    read (a clerk's role, ``cabinet_has_password``)."""
    if lacks(s, "has_column_privilege('resident_credential', 'password_hash', 'SELECT')"):
        return func.cabinet_has_password(ResidentCredential.account_id, type_=Boolean)
    return ResidentCredential.password_hash.is_not(None)


def needing_codes(s: Session, account_ids: Iterable[int]) -> list[int]:
    """Those of the accounts not registered with their own password: a receipt for them
    carries a registration code."""
    ids = list(dict.fromkeys(account_ids))
    if not ids:
        return []
    registered = set(
        s.scalars(
            select(ResidentCredential.account_id).where(
                ResidentCredential.account_id.in_(ids),
                _has_password(s),
                ResidentCredential.must_change.is_(False),
            )
        )
    )
    return [i for i in ids if i not in registered]


def store(s: Session, new: dict[int, NewCode], now: datetime, by: str) -> int:
    """Make the new codes the accounts' codes, each only where the account's code is still
    the one it was made from (or already is this one); how many were stored."""
    ids = sorted(new)
    if ids and _sealed(s):
        return int(
            s.scalar(
                text(
                    "SELECT cabinet_store_codes(CAST(:ids AS bigint[]), CAST(:hashes AS text[]),"
                    " CAST(:salts AS text[]), CAST(:issued AS timestamptz[]), :now)"
                ),
                {
                    "ids": ids,
                    "hashes": [new[i].hash for i in ids],
                    "salts": [new[i].was.salt for i in ids],
                    "issued": [new[i].was.issued for i in ids],
                    "now": now,
                },
            )
            or 0
        )
    insert = insert_for(s)
    stored = 0
    for start in range(0, len(ids), 500):  # the IN list of a lock stays short
        part = ids[start : start + 500]
        absent = [i for i in part if new[i].was.issued is None]
        if absent:  # a row another desk made meanwhile is no longer the code it was made from
            s.execute(
                insert(RegistrationCode)
                .values(
                    [
                        {
                            "account_id": i,
                            "code_hash": new[i].hash,
                            "issued_at": now,
                            "issued_by": by,
                        }
                        for i in absent
                    ]
                )
                .on_conflict_do_nothing(index_elements=["account_id"])
            )
        rows = s.scalars(
            select(RegistrationCode)
            .where(RegistrationCode.account_id.in_(part))
            .with_for_update()
            .execution_options(populate_existing=True)
        )
        for row in rows:
            code = new[row.account_id]
            if row.code_hash == code.hash:
                stored += 1  # made by this call, or by another desk from the same code
            elif code.was.issued is not None and code.was == State(
                _salt_of(row.code_hash), row.issued_at
            ):
                row.code_hash, row.issued_at, row.issued_by = code.hash, now, by
                stored += 1
    return stored


def void_printed(s: Session, hashes: dict[int, str]) -> list[int]:
    """Of the accounts whose codes were printed (``Printed.hashes``), those whose code is
    another one now: it changed meanwhile (a reissue at the counter), so their receipts carry
    a void code. An account without a code row any more registered with it meanwhile: not
    one of them. Sorted by account id."""
    ids = sorted(hashes)
    void: list[int] = []
    sealed = _sealed(s)
    for start in range(0, len(ids), 500):
        part = ids[start : start + 500]
        if sealed:
            held = s.scalars(
                select(RegistrationCode.account_id).where(RegistrationCode.account_id.in_(part))
            ).all()
            standing = set(
                s.scalars(
                    text(
                        "SELECT cabinet_codes_match(CAST(:ids AS bigint[]),"
                        " CAST(:hashes AS text[]))"
                    ),
                    {"ids": held, "hashes": [hashes[i] for i in held]},
                )
            )
            void += [i for i in held if i not in standing]
        else:
            rows = s.execute(
                select(RegistrationCode.account_id, RegistrationCode.code_hash).where(
                    RegistrationCode.account_id.in_(part)
                )
            )
            void += [i for i, h in rows if h != hashes[i]]
    return sorted(void)


_REISSUE_TRIES = 5


@dataclass(frozen=True)
class IssuedCode:
    """A code just issued at the counter, for the slip: shown once, never stored in clear."""

    account_id: int
    account_number: str
    fio: str
    address: str
    code: str  # «ABCD-EFGH»
    issued_at: datetime


class RegistrationCodes:
    """The office's side: reissue an account's code for a printed slip."""

    def __init__(self, db: Database, clock: Clock) -> None:
        self.db = db
        self.clock = clock

    def reissue(self, actor: Actor, account_id: int) -> IssuedCode:
        """A new code for the account (the old one is void from now on), audited; the plain
        code is returned once, for the slip."""
        require(actor, Permission.ACT_FOR_ANY_ACCOUNT)
        key = key_for(self.db)
        with self.db.unit_of_work() as s:
            account = s.get(Account, account_id)
            if account is None:
                raise NotFoundError("Лицевой счет не найден: возможно, он был удалён.")
            now = self.clock.now()
            for _ in range(_REISSUE_TRIES):
                printed = to_print(s, key, [account_id], renew=True)
                if store(s, printed.new, now, actor.label):
                    break
                # Another desk changed the code between the read and the write: a slip
                # must carry the code that stands, so a new one from that.
            else:
                raise DatabaseBusyError(
                    "Код регистрации этого счета сейчас меняют с другого рабочего места. "
                    "Повторите выдачу кода через минуту."
                )
            code = printed.codes[account_id]
            audit.record(s, now, actor, AuditAction.REGISTRATION_CODE_ISSUE, account_id=account_id)
            return IssuedCode(
                account.id, account.number, account.fio, account.address, display(code), now
            )
