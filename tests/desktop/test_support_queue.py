"""The office's queue of support requests on the demo: take in work, answer (the resident sees
it, an author who left an e-mail is told by mail), close, filter."""

from __future__ import annotations

import json
from collections.abc import Sequence

import pytest
from sqlalchemy import select

from db.engine import Database
from db.models import AuditEntry, OutboxMessage
from desktop.actors import Actor
from desktop.app import Services, build_services
from desktop.audit import AuditAction
from desktop.clock import FixedClock
from desktop.demo import DEMO_PASSWORD, build_demo
from desktop.demo.catalog import DEMO_STAFF
from desktop.errors import AccessDeniedError, ValidationError
from desktop.mail import Attachment
from desktop.mail_queue import InlineSender, MailSender
from desktop.settings import Settings, SmtpSettings
from desktop.support import SupportService
from desktop.support_queue import QueueStatus

OPERATOR = "Смирнова Т.В. (оператор, демо)"


@pytest.fixture
def services(database: Database, clock: FixedClock) -> Services:
    build_demo(database, clock)
    return build_services(database, Settings(), clock)


def _staff(services: Services, login: str) -> Actor:
    return services.auth.staff_login(login, DEMO_STAFF[login]).actor


def _ids(requests: Sequence[object]) -> list[int]:
    return [r.id for r in requests]  # type: ignore[attr-defined]


def _audit(database: Database, action: AuditAction) -> list[AuditEntry]:
    with database.read() as s:
        query = select(AuditEntry).where(AuditEntry.action == action).order_by(AuditEntry.id)
        return list(s.scalars(query))


def test_the_queue_answers_request_1_and_the_resident_sees_the_answer(services: Services):
    clerk = _staff(services, "operator")
    support = services.support
    new = support.list_for(clerk, status=QueueStatus.NEW)
    assert _ids(new) == [4, 3, 1]  # newest first
    assert all(r.queue_status is QueueStatus.NEW and r.assignee == "" for r in new)

    answered = support.answer(clerk, 1, "Показания приняты, перерасчет будет в июле.")
    assert answered.queue_status is QueueStatus.ANSWERED
    assert answered.assignee == OPERATOR  # answering takes a request nobody had
    assert _ids(support.list_for(clerk, status=QueueStatus.NEW)) == [4, 3]

    resident = services.auth.login("3493", DEMO_PASSWORD).actor
    [mine] = support.list_for(resident)
    assert mine.id == 1 and mine.status == "answered"
    [answer] = mine.answers
    assert answer.author == OPERATOR
    assert answer.body == "Показания приняты, перерасчет будет в июле."


def test_take_in_work_shows_who_has_it(services: Services, database: Database):
    clerk, admin = _staff(services, "operator"), _staff(services, "admin")
    support = services.support
    taken = support.assign(clerk, 3)
    assert taken.queue_status is QueueStatus.IN_WORK
    assert (taken.assignee_id, taken.assignee) == (clerk.staff_id, OPERATOR)
    assert _ids(support.list_for(clerk, status=QueueStatus.IN_WORK)) == [3]
    assert support.assign(clerk, 3) == taken  # one's own again: nothing changes
    assert len(_audit(database, AuditAction.SUPPORT_ASSIGN)) == 1

    passed = support.assign(admin, 3)  # a colleague's request passes on
    assert passed.assignee == "Администратор (демо)"
    first, second = _audit(database, AuditAction.SUPPORT_ASSIGN)
    assert (first.actor, second.actor) == ("staff:operator", "staff:admin")
    assert json.loads(second.details)["previous_staff_id"] == clerk.staff_id

    resident = services.auth.login("3493", DEMO_PASSWORD).actor
    with pytest.raises(AccessDeniedError):
        support.assign(resident, 1)
    support.close(clerk, 4)
    with pytest.raises(ValidationError, match="№ 4 закрыто"):
        support.assign(clerk, 4)
    assert support.list_for(clerk, status=QueueStatus.CLOSED)[0].assignee == ""


def test_close(services: Services, database: Database):
    clerk = _staff(services, "operator")
    support = services.support
    closed = support.close(clerk, 4)
    assert closed.queue_status is QueueStatus.CLOSED
    assert _ids(support.list_for(clerk, status=QueueStatus.CLOSED)) == [4]
    assert 4 not in _ids(support.list_for(clerk, open_only=True))
    with pytest.raises(ValidationError, match="закрыто, ответить на него уже нельзя"):
        support.answer(clerk, 4, "Мастер придет завтра.")
    assert [e.actor for e in _audit(database, AuditAction.SUPPORT_CLOSE)] == ["staff:operator"]


def test_filters_by_text_account_and_place(services: Services):
    clerk = _staff(services, "operator")
    support = services.support
    assert _ids(support.list_for(clerk)) == [4, 3, 1, 2]
    # The number a visitor typed at the login window: theirs to say, no tie to the account.
    [typed] = support.list_for(clerk, text="3517")
    assert (typed.id, typed.account_number, typed.typed_number) == (3, None, "3517")
    assert support.list_for(clerk, text="3493")[0].typed_number == ""
    assert _ids(support.list_for(clerk, text="3493")) == [1]  # by the account
    assert _ids(support.list_for(clerk, text="ПЕТРОВА")) == [1]  # its ФИО, any case
    assert _ids(support.list_for(clerk, text="домофон  подъезде")) == [4]  # every word
    assert _ids(support.list_for(clerk, text="спам")) == [3]  # ё/е, case aside
    assert _ids(support.list_for(clerk, text="№2")) == [2]
    assert _ids(support.list_for(clerk, text="рассрочк", status=QueueStatus.NEW)) == []
    assert _ids(support.list_for(clerk, text="рассрочк", status=QueueStatus.ANSWERED)) == [2]
    assert _ids(support.list_for(clerk, text="е", limit=2)) == [4, 3]
    assert support.list_for(clerk, text="нет такого слова") == []
    # A resident's filter stays within their own requests.
    resident = services.auth.login("3493", DEMO_PASSWORD).actor
    assert support.list_for(resident, text="домофон") == []


class _Transport:
    def __init__(self) -> None:
        self.letters: list[tuple[str, str, str]] = []

    def deliver(
        self, *, recipient: str, subject: str, body: str, attachments: Sequence[Attachment] = ()
    ) -> None:
        self.letters.append((recipient, subject, body))


def _outbox(database: Database) -> list[OutboxMessage]:
    with database.read() as s:
        return list(s.scalars(select(OutboxMessage).order_by(OutboxMessage.id)))


def test_an_author_who_left_an_email_is_told_by_mail(
    services: Services, database: Database, clock: FixedClock
):
    clerk = _staff(services, "operator")
    smtp = Settings(smtp=SmtpSettings(host="127.0.0.1", sender="office@demo.example"))
    transport = _Transport()
    postman = InlineSender(MailSender(database, clock, transport))
    support = SupportService(database, clock, smtp, postman=postman)
    before = len(_outbox(database))

    support.answer(clerk, 1, "Показания приняты.")
    support.answer(clerk, 3, "Пароль отправили еще раз.")
    support.answer(clerk, 4, "Мастер придет завтра.")  # a phone: no letter
    assert [(to, subject) for to, subject, _ in transport.letters] == [
        ("petrova@demo.example", "Ответ на обращение № 1"),
        ("sidorova@demo.example", "Ответ на обращение № 3"),
    ]
    resident_letter, visitor_letter = (body for _, _, body in transport.letters)
    assert "«Передача показаний»" in resident_letter and "Показания приняты." in resident_letter
    assert "«Мои обращения»" in resident_letter  # they have a cabinet to read it in
    assert "Пароль отправили еще раз." in visitor_letter
    assert "«Мои обращения»" not in visitor_letter
    assert len(_outbox(database)) == before + 2
    mailed = [json.loads(e.details)["mailed"] for e in _audit(database, AuditAction.SUPPORT_ANSWER)]
    assert mailed == [True, True, False]

    # Without SMTP the answer waits on the resident's support form: no letter, no slip.
    services.support.answer(clerk, 1, "И еще: перерасчет в июле.")
    assert len(_outbox(database)) == before + 2
