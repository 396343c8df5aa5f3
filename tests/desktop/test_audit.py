"""The audit log's vocabulary (AuditAction, ActorKind, Actor.label) and, on the demo database
(SQLite and PostgreSQL), that what a clerk does for a resident records both of them."""

from __future__ import annotations

import io
import json
import re
from datetime import date

import pytest
from sqlalchemy import func, select

from db.engine import Database
from db.models import Account, AuditEntry, StaffRole
from desktop import audit
from desktop.actors import SYSTEM, Actor, ActorKind
from desktop.app import Services, build_services
from desktop.audit import LEGACY_NAMES, AuditAction, label_of
from desktop.clock import FixedClock
from desktop.demo import build_demo
from desktop.settings import Settings

JUNE = date(2017, 6, 1)
MAY = date(2017, 5, 1)
STYLE = re.compile(r"[a-z]+(_[a-z]+)*\.[a-z]+(_[a-z]+)*")


# -- the vocabulary -----------------------------------------------------------------------------


def test_every_action_is_named_object_dot_verb_and_labelled_in_russian():
    for action in AuditAction:
        assert STYLE.fullmatch(action.value), action
        assert len(action.value) <= AuditEntry.action.type.length
        assert re.fullmatch(r"[А-ЯЁ][А-Яа-яЁё ]+( PDF)?", action.label), action
    assert len({a.label for a in AuditAction}) == len(AuditAction)


def test_old_rows_keep_their_names_and_still_read_in_russian():
    assert not set(LEGACY_NAMES) & {a.value for a in AuditAction}
    assert label_of("staff_login") == "Вход сотрудника" == AuditAction.STAFF_SIGN_IN.label
    assert label_of("outbox_handed_out") == AuditAction.OUTBOX_HAND_OUT.label
    assert label_of("readings.submit") == "Передача показаний"
    assert label_of("something.else") == "something.else"


def test_record_takes_actions_not_strings(database: Database, clock: FixedClock):
    with database.unit_of_work() as s:
        with pytest.raises(ValueError, match="AuditAction"):
            audit.record(s, clock.now(), SYSTEM, "readings.submit")  # type: ignore[arg-type]
        audit.record(s, clock.now(), SYSTEM, AuditAction.DEMO_BUILD, account_id=None)
    with database.read() as s:
        (entry,) = audit.entries(s, action=AuditAction.DEMO_BUILD)
    assert (entry.action, entry.actor, entry.account_id) == ("demo.build", "system", None)


def test_actor_kinds_have_russian_labels():
    assert [k.label for k in ActorKind] == [
        "житель",
        "киоск",
        "оператор",
        "администратор",
        "система",
    ]


def test_the_audit_names_actors_as_it_always_did():
    # Rows written before the kinds were split read the same as new ones.
    assert Actor.resident(1, "3492").label == "resident:3492"
    assert Actor.resident(1, "3492", kiosk=True).label == "resident:3492"
    assert Actor.staff(1, "petrova", StaffRole.CLERK).label == "staff:petrova"
    assert Actor.staff(2, "admin", "admin").label == "staff:admin"
    assert SYSTEM.label == "system"


def test_the_factories_choose_the_kind():
    assert Actor.resident(1, "3492").kind is ActorKind.RESIDENT
    assert Actor.resident(1, "3492", kiosk=True).kind is ActorKind.KIOSK
    clerk, admin = Actor.staff(1, "p", StaffRole.CLERK), Actor.staff(2, "a", StaffRole.ADMIN)
    assert (clerk.kind, clerk.role) == (ActorKind.CLERK, StaffRole.CLERK)
    assert (admin.kind, admin.role) == (ActorKind.ADMIN, StaffRole.ADMIN)
    assert SYSTEM.kind is ActorKind.SYSTEM and SYSTEM.role is None
    assert Actor("system", "import").kind is ActorKind.SYSTEM  # a plain value is converted


def test_kinds_compare_as_their_own_names_only():
    """The former two-kind names («staff», «resident») mean nothing any more."""
    clerk = Actor.staff(1, "p", StaffRole.CLERK).kind
    assert clerk == "clerk" and clerk != "staff" and clerk != "admin"
    assert ActorKind("kiosk") is Actor.resident(1, "3492", kiosk=True).kind
    assert ActorKind.RESIDENT != "staff" and ActorKind.SYSTEM != "resident"


# -- a clerk at the counter, serving 3492 -------------------------------------------------------


@pytest.fixture
def services(database: Database, clock: FixedClock) -> Services:
    build_demo(database, clock)
    return build_services(database, Settings(), clock)


def _clerk(services: Services) -> Actor:
    (operator,) = [u for u in services.auth.list_staff(SYSTEM) if u.login == "operator"]
    return Actor.staff(operator.id, operator.login, operator.role)


def _account(services: Services, number: str) -> int:
    with services.db.read() as s:
        return s.scalars(select(Account.id).where(Account.number == number)).one()


def _last_id(services: Services) -> int:
    with services.db.read() as s:
        return s.scalar(select(func.max(AuditEntry.id))) or 0


def _entries_since(services: Services, last: int) -> list[AuditEntry]:
    with services.db.read() as s:
        query = select(AuditEntry).where(AuditEntry.id > last).order_by(AuditEntry.id)
        return list(s.scalars(query))


def test_a_reading_a_clerk_submits_for_3492_records_the_clerk_and_the_account(
    services: Services,
):
    clerk, account = _clerk(services), _account(services, "3492")
    row = services.readings.readings(clerk, account, JUNE)[1]
    assert row.current is not None
    last = _last_id(services)
    result = services.readings.submit(
        clerk, account, JUNE, {(row.meter_id, row.zone): str(row.current + 1)}
    )
    assert result.changed == 1
    (entry,) = _entries_since(services, last)
    assert (entry.action, entry.actor, entry.account_id, entry.ok) == (
        "readings.submit",
        "staff:operator",
        account,
        True,
    )


def test_everything_a_clerk_does_for_3492_records_the_clerk_and_the_account(
    services: Services,
):
    clerk, account = _clerk(services), _account(services, "3492")
    resident = Actor.resident(account, "3492")
    request = services.support.create(resident, "Счетчик", "Не крутится счетчик ГВС.", "8 916")
    june = services.readings.readings(clerk, account, JUNE)[1]
    may = services.readings.readings(clerk, account, MAY)[1]
    assert june.current is not None and may.current is not None
    last = _last_id(services)

    services.readings.submit(clerk, account, JUNE, {(june.meter_id, june.zone): june.current + 1})
    services.readings.submit(
        clerk, account, MAY, {(may.meter_id, may.zone): may.current + 1}, reason="по звонку"
    )
    services.documents.write_receipt(clerk, account, MAY, io.BytesIO())
    services.documents.write_statement(clerk, account, io.BytesIO(), "pdf")
    services.support.answer(clerk, request.id, "Мастер придёт в пятницу.")
    services.support.close(clerk, request.id)
    # No mail server in the demo: the reset code becomes a slip the clerk prints and hands out.
    services.auth.request_reset("3492", "ivanov@demo.example", actor=clerk)
    (slip,) = services.outbox.pending(clerk, account_id=account)
    services.outbox.record_printed(clerk, slip.id)
    services.outbox.mark_handed_out(clerk, slip.id)
    services.auth.register("Иванов И.И.", "3492", "+7 916 000-00-00", "x@example.com", actor=clerk)

    entries = _entries_since(services, last)
    # Correcting May moves June's previous value too (or flags June, accepted by 1C): 11.
    assert [(e.actor, e.account_id) for e in entries] == [("staff:operator", account)] * 11
    # desktop/auth.py still writes its former names: read them as the actions they mean.
    actions = {AuditAction(LEGACY_NAMES.get(e.action, e.action)) for e in entries}
    assert actions == {
        AuditAction.READINGS_SUBMIT,
        AuditAction.READINGS_CARRY_FORWARD,
        AuditAction.RECEIPT_EXPORT,
        AuditAction.STATEMENT_EXPORT,
        AuditAction.SUPPORT_ANSWER,
        AuditAction.SUPPORT_CLOSE,
        AuditAction.PASSWORD_REQUEST_RESET,
        AuditAction.OUTBOX_PRINT,
        AuditAction.OUTBOX_HAND_OUT,
        AuditAction.RESIDENT_REGISTER,
    }


def test_typed_text_with_a_lone_surrogate_is_recorded_and_the_chain_holds(
    database: Database, clock: FixedClock
):
    """Hostile input (a failed import's reason naming a typed profile «\\udc80…») must not
    keep an entry out of the log: it is stored as UTF-8 and reads back the same."""
    typed = "sber\udc80\ud800bank"
    with database.unit_of_work() as s:
        audit.record(s, clock.now(), SYSTEM, AuditAction.IMPORT, ok=False, reasons=[typed])
    with database.read() as s:
        [entry] = s.scalars(select(AuditEntry).where(AuditEntry.action == "exchange.import"))
    assert json.loads(entry.details) == {"reasons": [typed]}
    assert audit.verify(database, SYSTEM).intact
