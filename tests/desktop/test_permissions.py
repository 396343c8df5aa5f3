"""Every public method of every service in ``desktop.app.Services``, on the demo database (SQLite
and PostgreSQL): an actor the permission table does not allow is refused with
AccessDeniedError and the database is left exactly as it was; an allowed one is not refused.

The methods are found by introspection: a new method fails ``test_every_service_method_is_
classified`` until it is added to ``CASES`` below (guarded, filtered or anonymous, with why).
"""

from __future__ import annotations

import dataclasses
import inspect
import io
import sqlite3
import tempfile
import typing
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from db.engine import Database
from db.models import Account, Base, StaffRole
from desktop.actors import SYSTEM, Actor, ActorKind
from desktop.app import Services, build_services
from desktop.backup import PostgresBackupError
from desktop.clock import FixedClock
from desktop.demo import DEMO_REGISTRATION_CODES, DEMO_STAFF, build_demo
from desktop.errors import AccessDeniedError, UserError
from desktop.permissions import GRANTS, Permission, allows, require, require_account
from desktop.receipt_mail import NO_SMTP
from desktop.sessions import open_session
from desktop.settings import Settings

JUNE = date(2017, 6, 1)
MAY = date(2017, 5, 1)
DEMO_PASSWORD = "demo2017pass"
NEW_PASSWORD = "Зелёный-чайник-на-окне"

# Members of Services that are not services: nothing in them acts for anyone.
INFRASTRUCTURE = {
    "db": "the database handle; services hold it, screens never call it",
    "clock": "the time of day",
    "settings": "the machine's settings, read before anyone signs in",
    "sessions": "the session check every service call makes; it acts for no one",
}


@dataclass
class World:
    """The demo with the actors the cases use; ``own`` is 3493 (its June is still open)."""

    services: Services
    own: int  # 3493
    resident: Actor  # 3493 at home: the account's owner
    stranger: Actor  # 3492 at home, on 3493's account
    kiosk: Actor  # 3492 at the kiosk, on 3493's account
    clerk: Actor
    admin: Actor
    system: Actor
    request_id: int  # 3493's open support request
    message_id: int  # the slip of 5210's registration
    building_id: int  # the building with the fewest accounts, for a quick batch
    meter_key: tuple[int, int]
    meter_value: str


Call = Callable[[World, Actor], Any]


@dataclass(frozen=True)
class Guarded:
    """Refused to every actor in ``denied``; the first of ``allowed`` succeeds, the rest are at
    least not refused (what they change may leave the first's call nothing to do)."""

    call: Call
    denied: tuple[str, ...]
    allowed: tuple[str, ...]


@dataclass(frozen=True)
class Filtered:
    """Open to everyone, but what each actor gets is limited to what they may see."""

    check: Callable[[World], None]
    reason: str


@dataclass(frozen=True)
class Anonymous:
    """Needs no signed-in actor at all."""

    reason: str


OTHER_ACCOUNT = ("stranger", "kiosk")  # residents on an account not theirs
RESIDENTS = ("resident", "kiosk")
DEMO_CODE = DEMO_REGISTRATION_CODES["5210"]
NOT_ADMIN = ("clerk", "resident", "kiosk")
ACCOUNT_USERS = ("resident", "clerk", "admin", "system")
STAFF = ("clerk", "admin", "system")


READ_BY_EVERY_DESK = (
    "every desk and kiosk reads the office's phone, hours and reading window before anyone "
    "signs in; nothing in them is private"
)


RECEIPTS = "Лицевой счет;Номер квитанции;Дата;Период;Сумма\n3493;P-1;31.05.2017;05.2017;1,00\n"


def _scratch_file(name: str, content: str | None = None) -> Path:
    """A file in a new folder of its own: ``content`` written (cp1251), or a place to write."""
    path = Path(tempfile.mkdtemp(prefix="permissions-")) / name
    if content is not None:
        path.write_bytes(content.encode("cp1251"))
    return path


def _backup(w: World, a: Actor) -> None:
    try:
        w.services.backup.create(_scratch_file("copy.db"), by=a)
    except PostgresBackupError:  # refused after the permission: the server's own tools
        assert not w.services.db.is_sqlite


def _restore(w: World, a: Actor) -> None:
    copy = _scratch_file("copy.db")
    if w.services.db.is_sqlite:  # a copy made behind the service's back: nothing audited
        with sqlite3.connect(w.services.db.url.database or "") as live, sqlite3.connect(copy) as c:
            live.backup(c)
    try:
        w.services.backup.restore(copy, by=a)
    except PostgresBackupError:
        assert not w.services.db.is_sqlite


def _support_lists(w: World) -> None:
    support = w.services.support
    mine = support.list_for(w.resident)
    assert mine and {r.account_number for r in mine} == {"3493"}
    assert all(r.account_number == "3492" for r in support.list_for(w.stranger))
    assert all(r.account_number == "3492" for r in support.list_for(w.kiosk))
    assert {r.id for r in mine} < {r.id for r in support.list_for(w.clerk)}


def _mail_receipt(w: World, actor: Actor) -> None:
    """The demo's desk has no mail server: an allowed actor gets that far and is told so."""
    try:
        w.services.receipt_mail.send(actor, w.own, MAY)
    except UserError as error:
        if str(error) != NO_SMTP:
            raise


CASES: dict[str, Guarded | Filtered | Anonymous] = {
    # -- accounts
    "accounts.get": Guarded(
        lambda w, a: w.services.accounts.get(a, "3493"), OTHER_ACCOUNT, ACCOUNT_USERS
    ),
    "accounts.get_by_id": Guarded(
        lambda w, a: w.services.accounts.get_by_id(a, w.own), OTHER_ACCOUNT, ACCOUNT_USERS
    ),
    "accounts.search": Guarded(
        lambda w, a: w.services.accounts.search(a, "3493"), RESIDENTS, STAFF
    ),
    "accounts.create_account": Guarded(
        lambda w, a: w.services.accounts.create_account(
            a, "7777", "Новиков Н.Н.", "ул. Лесная, д. 12, кв. 7", "40,00", 1
        ),
        RESIDENTS,
        ("clerk", "admin"),
    ),
    # -- auth
    "auth.login": Anonymous("signing in is how an actor comes to be"),
    "auth.staff_login": Anonymous("signing in is how an actor comes to be"),
    "auth.register": Anonymous(
        "the login window's «Регистрация»: the ФИО and the receipt's registration code are "
        "the proof, and the answer is the same whoever asks"
    ),
    "auth.reissue_code": Guarded(
        lambda w, a: w.services.auth.reissue_code(a, w.own), RESIDENTS, STAFF
    ),
    "auth.request_reset": Anonymous(
        "«Забыли пароль?»: the code goes only to the e-mail the account registered with"
    ),
    "auth.complete_reset": Anonymous("the mailed code is the proof; wrong codes are throttled"),
    "auth.logout": Anonymous("ends the caller's own session; there is nothing to refuse"),
    "auth.change_password": Guarded(
        lambda w, a: w.services.auth.change_password(a, DEMO_PASSWORD, NEW_PASSWORD),
        ("system",),
        ("resident",),
    ),
    "auth.check_new_staff": Guarded(
        lambda w, a: w.services.auth.check_new_staff("novikov", "Новиков Н.Н.", "clerk", by=a),
        NOT_ADMIN,
        ("admin", "system"),
    ),
    "auth.create_staff": Guarded(
        lambda w, a: w.services.auth.create_staff(
            "novikov", "Новиков Н.Н.", "clerk", NEW_PASSWORD, by=a
        ),
        NOT_ADMIN,
        ("admin", "system"),
    ),
    "auth.list_staff": Guarded(
        lambda w, a: w.services.auth.list_staff(a), NOT_ADMIN, ("admin", "system")
    ),
    "auth.unlock": Guarded(  # each staff member with their own password
        lambda w, a: w.services.auth.unlock(a, DEMO_STAFF.get(a.name, "demo-admin-2017")),
        ("resident", "kiosk", "system"),
        ("clerk", "admin"),
    ),
    "auth.set_staff_active": Guarded(  # the demo's operator, already active: nothing changes
        lambda w, a: w.services.auth.set_staff_active("operator", True, by=a),
        NOT_ADMIN,
        ("admin", "system"),
    ),
    "auth.reset_staff_password": Guarded(  # a new temporary password for the operator
        lambda w, a: w.services.auth.reset_staff_password("operator", by=a),
        NOT_ADMIN,
        ("admin", "system"),
    ),
    # -- readings, in an order where each allowed call leaves the next something to do
    "readings.window": Anonymous("the window's days are printed on every receipt"),
    "readings.periods": Guarded(
        lambda w, a: w.services.readings.periods(a, w.own), OTHER_ACCOUNT, ACCOUNT_USERS
    ),
    "readings.readings": Guarded(
        lambda w, a: w.services.readings.readings(a, w.own, JUNE), OTHER_ACCOUNT, ACCOUNT_USERS
    ),
    "readings.open_for_edit": Guarded(
        lambda w, a: w.services.readings.open_for_edit(a, w.own, JUNE),
        OTHER_ACCOUNT,
        ACCOUNT_USERS,
    ),
    "readings.submit": Guarded(
        lambda w, a: w.services.readings.submit(a, w.own, JUNE, {w.meter_key: w.meter_value}),
        OTHER_ACCOUNT,
        ACCOUNT_USERS,
    ),
    "readings.delete_period": Guarded(
        lambda w, a: w.services.readings.delete_period(a, w.own, JUNE),
        OTHER_ACCOUNT,
        ACCOUNT_USERS,
    ),
    "readings.create_period": Guarded(
        lambda w, a: w.services.readings.create_period(a, w.own), OTHER_ACCOUNT, ACCOUNT_USERS
    ),
    # -- statements and receipts
    "statements.statement": Guarded(
        lambda w, a: w.services.statements.statement(a, w.own), OTHER_ACCOUNT, ACCOUNT_USERS
    ),
    "statements.debt": Guarded(
        lambda w, a: w.services.statements.debt(a, w.own), OTHER_ACCOUNT, ACCOUNT_USERS
    ),
    "statements.payments": Guarded(
        lambda w, a: w.services.statements.payments(a, w.own), OTHER_ACCOUNT, ACCOUNT_USERS
    ),
    "receipts.receipts": Guarded(
        lambda w, a: w.services.receipts.receipts(a, w.own), OTHER_ACCOUNT, ACCOUNT_USERS
    ),
    # -- meters
    "meters.histories": Guarded(
        lambda w, a: w.services.meters.histories(a, w.own), OTHER_ACCOUNT, ACCOUNT_USERS
    ),
    "meters.reminders": Guarded(
        lambda w, a: w.services.meters.reminders(a, w.own), OTHER_ACCOUNT, ACCOUNT_USERS
    ),
    "meters.record_verification": Guarded(
        lambda w, a: w.services.meters.record_verification(
            a, w.own, "ХВС 3493018", date(2031, 6, 1)
        ),
        RESIDENTS,
        STAFF,
    ),
    # -- support
    "support.contact_of": Anonymous(
        "the caller's own registered contact, to prefill their form; nothing of anyone else's"
    ),
    "support.create": Anonymous(
        "«Обратиться в техподдержку» is reachable from the login window; a request is tied "
        "to the writer's own account only"
    ),
    "support.list_for": Filtered(
        _support_lists, "residents see their own requests, the office everyone's"
    ),
    "support.answer": Guarded(
        lambda w, a: w.services.support.answer(a, w.request_id, "Счетчик поверим в пятницу."),
        RESIDENTS,
        STAFF,
    ),
    "support.assign": Guarded(
        lambda w, a: w.services.support.assign(a, w.request_id), RESIDENTS, STAFF
    ),
    "support.close": Guarded(
        lambda w, a: w.services.support.close(a, w.request_id), RESIDENTS, STAFF
    ),
    # -- the outbox
    "outbox.pending": Guarded(lambda w, a: w.services.outbox.pending(a), RESIDENTS, STAFF),
    "outbox.record_printed": Guarded(
        lambda w, a: w.services.outbox.record_printed(a, w.message_id), RESIDENTS, STAFF
    ),
    "outbox.mark_handed_out": Guarded(
        lambda w, a: w.services.outbox.mark_handed_out(a, w.message_id), RESIDENTS, STAFF
    ),
    "receipt_mail.send": Guarded(lambda w, a: _mail_receipt(w, a), OTHER_ACCOUNT, ACCOUNT_USERS),
    "receipt_mail.possible": Anonymous(
        "whether this desk can send mail at all: asked before anyone signs in, the same "
        "answer for everyone"
    ),
    # -- documents
    "documents.receipt": Guarded(
        lambda w, a: w.services.documents.receipt(a, w.own, MAY), OTHER_ACCOUNT, ACCOUNT_USERS
    ),
    "documents.receipt_pdf": Guarded(
        lambda w, a: w.services.documents.receipt_pdf(a, w.own, MAY),
        OTHER_ACCOUNT,
        ("resident", "clerk"),
    ),
    "documents.write_receipt": Guarded(
        lambda w, a: w.services.documents.write_receipt(a, w.own, MAY, io.BytesIO()),
        OTHER_ACCOUNT,
        ("resident", "clerk"),
    ),
    "documents.write_statement": Guarded(
        lambda w, a: w.services.documents.write_statement(a, w.own, io.BytesIO(), "xlsx"),
        OTHER_ACCOUNT,
        ("resident", "clerk"),
    ),
    "documents.buildings": Guarded(
        lambda w, a: w.services.documents.buildings(a), RESIDENTS, STAFF
    ),
    "documents.write_receipts": Guarded(
        lambda w, a: w.services.documents.write_receipts(
            a, MAY, io.BytesIO(), building_id=w.building_id
        ),
        RESIDENTS,
        ("clerk",),
    ),
    # -- exchange with 1C and ГИС ЖКХ
    "exchange.import_file": Guarded(
        lambda w, a: w.services.exchange.import_file(a, _scratch_file("receipts.csv", RECEIPTS)),
        NOT_ADMIN,
        ("admin", "system"),
    ),
    "exchange.recent_batches": Guarded(
        lambda w, a: w.services.exchange.recent_batches(a), NOT_ADMIN, ("admin", "system")
    ),
    "readings_export.export": Guarded(
        lambda w, a: w.services.readings_export.export(a, JUNE, "csv", _scratch_file("june.csv")),
        RESIDENTS,
        STAFF,
    ),
    # -- the organisation's settings
    "organisation.stored": Anonymous(READ_BY_EVERY_DESK),
    "organisation.apply": Anonymous(READ_BY_EVERY_DESK),
    "organisation.describe": Anonymous(READ_BY_EVERY_DESK),
    "organisation.adopt": Anonymous(
        "start-up only: the machine's own settings file (which only its administrator can "
        "write) seeds values the database lacks"
    ),
    "kiosk_pin.is_set": Anonymous(
        "the kiosk asks whether a PIN guards its service menu before anyone signs in; the "
        "answer is yes or no"
    ),
    "kiosk_pin.verify": Anonymous(
        "the kiosk's hidden gesture checks the administrator's PIN before anyone signs in; "
        "the hash never leaves the service"
    ),
    "kiosk_pin.change": Guarded(
        lambda w, a: w.services.kiosk_pin.change(a, "731904"),
        NOT_ADMIN,
        ("admin", "system"),
    ),
    # -- «Журнал действий»: the administrator's whole log, a clerk's own entries
    "audit_log.entries": Guarded(lambda w, a: w.services.audit_log.entries(a), RESIDENTS, STAFF),
    "audit_log.staff_members": Guarded(
        lambda w, a: w.services.audit_log.staff_members(a), RESIDENTS, STAFF
    ),
    "audit_log.export_xlsx": Guarded(
        lambda w, a: w.services.audit_log.export_xlsx(a, None, _scratch_file("log.xlsx")),
        RESIDENTS,
        STAFF,
    ),
    "audit_log.verify": Guarded(
        lambda w, a: w.services.audit_log.verify(a), NOT_ADMIN, ("admin", "system")
    ),
    "backup.postgres_hint": Guarded(
        lambda w, a: w.services.backup.postgres_hint(a), NOT_ADMIN, ("admin", "system")
    ),
    "backup.create": Guarded(_backup, NOT_ADMIN, ("admin", "system")),
    "backup.restore": Guarded(_restore, NOT_ADMIN, ("admin", "system")),
    "organisation.change": Guarded(
        lambda w, a: w.services.organisation.change(
            a, "readings.jump_factor", "2,5", w.services.settings
        ),
        NOT_ADMIN,
        ("admin", "system"),
    ),
}


def _service_names() -> list[str]:
    return [f.name for f in dataclasses.fields(Services) if f.name not in INFRASTRUCTURE]


def _public_methods(service: str) -> set[str]:
    cls = typing.get_type_hints(Services)[service]
    return {
        f"{service}.{name}"
        for name, member in inspect.getmembers(cls)
        if not name.startswith("_") and callable(member)
    }


def test_every_service_method_is_classified():
    found = set().union(*(_public_methods(name) for name in _service_names()))
    assert sorted(found - CASES.keys()) == [], "add these methods to CASES"
    assert sorted(CASES.keys() - found) == [], "these methods are gone: drop them from CASES"
    for name, case in CASES.items():
        if isinstance(case, Guarded):
            assert case.denied and case.allowed, name
            assert not set(case.denied) & set(case.allowed), name
        else:
            assert case.reason.strip(), name


def test_the_infrastructure_members_are_not_services():
    hints = typing.get_type_hints(Services)
    assert set(INFRASTRUCTURE) <= {f.name for f in dataclasses.fields(Services)}
    assert not any(name.endswith("Service") for name in (hints[k].__name__ for k in INFRASTRUCTURE))


# -- the walk -----------------------------------------------------------------------------------


def _snapshot(db: Database) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table, so that "changes nothing" means nothing at all."""
    with db.read() as s:
        return {
            table.name: [
                tuple(row) for row in s.execute(select(table).order_by(*table.primary_key.columns))
            ]
            for table in Base.metadata.sorted_tables
        }


@pytest.fixture
def world(database: Database, clock: FixedClock) -> World:
    build_demo(database, clock)
    services = build_services(database, Settings(), clock)
    with database.read() as s:
        ids = {number: id_ for number, id_ in s.execute(select(Account.number, Account.id))}
    staff = {u.login: u for u in services.auth.list_staff(SYSTEM)}
    own = ids["3493"]
    # 5210 is not registered in the demo, which has no mail server: its password is a slip.
    services.auth.register(
        "Фёдорова О.Ю.", "5210", "+7 916 000-00-00", "fedorova@example.com", DEMO_CODE
    )
    (slip,) = services.outbox.pending(SYSTEM, account_id=ids["5210"])
    (request,) = [
        r for r in services.support.list_for(SYSTEM, open_only=True) if r.account_number == "3493"
    ]
    buildings = [b for b in services.documents.buildings(SYSTEM) if b.accounts]
    building = min(buildings, key=lambda b: b.accounts)
    # Its cold-water meter ran out of verification before June: it takes no value.
    row = next(r for r in services.readings.readings(SYSTEM, own, JUNE) if not r.locked_reason)
    assert row.current is not None
    return World(
        services=services,
        own=own,
        resident=Actor.resident(own, "3493"),
        stranger=Actor.resident(ids["3492"], "3492"),
        kiosk=Actor.resident(ids["3492"], "3492", kiosk=True),
        clerk=Actor.staff(staff["operator"].id, "operator", StaffRole.CLERK),
        admin=Actor.staff(staff["admin"].id, "admin", StaffRole.ADMIN),
        system=SYSTEM,
        request_id=request.id,
        message_id=slip.id,
        building_id=building.id,
        meter_key=(row.meter_id, row.zone),
        meter_value=str(row.current + 1),
    )


@pytest.mark.parametrize("service", _service_names())
def test_each_method_refuses_whom_the_table_refuses_and_serves_whom_it_allows(
    world: World, service: str
):
    db = world.services.db
    for name in [n for n in CASES if n.startswith(f"{service}.")]:
        case = CASES[name]
        if isinstance(case, Filtered):
            case.check(world)
            continue
        if isinstance(case, Anonymous):
            continue
        for who in case.denied:
            before = _snapshot(db)
            try:
                case.call(world, getattr(world, who))
            except AccessDeniedError:
                pass
            else:
                pytest.fail(f"{name} did not refuse {who}")
            assert _snapshot(db) == before, f"{name} as {who} changed the database"
        first, *others = case.allowed
        case.call(world, getattr(world, first))
        for who in others:
            try:
                case.call(world, getattr(world, who))
            except AccessDeniedError as error:
                pytest.fail(f"{name} refused {who}: {error}")
            except Exception:  # what the first call changed may leave nothing to do
                pass


# -- the table itself ---------------------------------------------------------------------------


def test_every_kind_has_a_row_and_every_permission_a_holder():
    assert set(GRANTS) == set(ActorKind)
    held = set().union(*GRANTS.values())
    assert held == set(Permission)
    assert all(p.label and p.label[0].islower() for p in Permission)


def test_residents_and_kiosks_keep_to_their_own_account():
    home, kiosk = Actor.resident(1, "3492"), Actor.resident(1, "3492", kiosk=True)
    for actor in (home, kiosk):
        require_account(actor, 1)
        with pytest.raises(AccessDeniedError, match="Нет доступа к этому лицевому счету"):
            require_account(actor, 2)
        assert [p for p in Permission if allows(actor, p)] == [Permission.READ_OWN_ACCOUNT]


def test_administrators_hold_what_clerks_hold_and_more():
    clerk = Actor.staff(1, "operator", StaffRole.CLERK)
    admin = Actor.staff(2, "admin", StaffRole.ADMIN)
    assert GRANTS[ActorKind.CLERK] < GRANTS[ActorKind.ADMIN]
    require_account(clerk, 12345)
    require(admin, Permission.MANAGE_STAFF)
    for permission in (
        Permission.MANAGE_STAFF,
        Permission.CHANGE_SETTINGS,
        Permission.SEE_AUDIT_LOG,
    ):
        assert not allows(clerk, permission)


def test_a_refusal_says_what_is_not_allowed_and_who_may():
    resident = Actor.resident(1, "3492")
    with pytest.raises(AccessDeniedError) as refused:
        require(resident, Permission.PRINT_BATCHES)
    assert str(refused.value) == (
        "Недостаточно прав, чтобы печатать квитанции по дому: это могут только сотрудники офиса."
    )
    with pytest.raises(AccessDeniedError) as refused:
        require(Actor.staff(1, "operator", StaffRole.CLERK), Permission.MANAGE_STAFF)
    assert str(refused.value) == (
        "Недостаточно прав, чтобы управлять сотрудниками: это может только администратор."
    )


@pytest.mark.parametrize("flagged", [True, False], ids=["actor-flag", "session-record"])
@pytest.mark.parametrize("service", _service_names())
def test_a_one_time_password_session_may_only_set_a_password(
    world: World, service: str, clock: FixedClock, flagged: bool
):
    """Signed in with a one-time password, the resident's own account refuses every call but
    the change of the password — by the actor's flag (permissions.allows) and, should the
    flag be lost, by the session's record (the check every service call makes)."""
    db = world.services.db
    with db.unit_of_work() as s:
        opened = open_session(s, clock.now(), world.resident, one_time=True)
    actor = dataclasses.replace(opened, one_time=flagged)
    for name in [n for n in CASES if n.startswith(f"{service}.")]:
        case = CASES[name]
        if not isinstance(case, Guarded) or name == "auth.change_password":
            continue
        before = _snapshot(db)
        with pytest.raises(AccessDeniedError, match="одноразовым паролем"):
            case.call(world, actor)
        assert _snapshot(db) == before, f"{name} as a one-time session changed the database"
