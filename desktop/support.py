"""Support requests («Обратиться в техподдержку»): residents write, the office answers."""

from __future__ import annotations

import math
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import Select, String, insert, literal, select, text
from sqlalchemy.orm import Session, aliased, selectinload

from db.engine import Database
from db.models import (
    Account,
    AuditEntry,
    RequestStatus,
    ResidentCredential,
    StaffUser,
    SupportAnswer,
    SupportRequest,
)
from db.privileges import lacks
from db.roles_support import ANONYMOUS_LIMIT_MESSAGE, ANONYMOUS_PER_HOUR, ANONYMOUS_WINDOW
from desktop import audit
from desktop.actors import Actor
from desktop.audit import AuditAction
from desktop.auth.contacts import normalize_phone
from desktop.clock import Clock
from desktop.errors import NotFoundError, UserError, ValidationError
from desktop.mail import normalize_email
from desktop.mail_queue import EMAIL, queue
from desktop.permissions import Permission, allows, require
from desktop.settings import Settings
from desktop.support_filters import in_place, matching
from desktop.support_queue import (
    QueueStatus,
    answer_by_mail,
    answer_letter,
    note_number,
    queue_status,
    typed_number,
)
from desktop.text import clean_text

if TYPE_CHECKING:
    from desktop.mail_queue import BackgroundSender, InlineSender

TOPIC_LENGTH = 200  # SupportRequest.topic
CONTACT_LENGTH = 200  # SupportRequest.contact
MESSAGE_LENGTH = 5000
_INVISIBLE = {"Cc", "Cf", "Cs"}
ANONYMOUS = "anonymous"  # the audit log's actor for a request from the login window
NUMBER_LENGTH = 20  # Account.number
CONTACT_REFUSED = (
    "Контакт «{}» не похож ни на телефон, ни на адрес электронной почты. Укажите телефон "
    "с кодом, например +7 915 123-45-67, или почту вида ivanov@mail.ru."
)
NUMBER_REFUSED = (
    "Номер лицевого счета — только цифры, как в квитанции, например 3492. Если номера "
    "нет под рукой, оставьте поле пустым."
)


def is_contact(text: str) -> bool:
    """Whether the text is a Russian phone number or an e-mail address one can write to."""
    try:
        if "@" in text:
            normalize_email(text)
        else:
            normalize_phone(text)
    except UserError:
        return False
    return True


def phone_text(phone: str) -> str:
    """``+79151234567`` as people write it, ``+7 915 123-45-67``; anything else as stored."""
    digits = phone[2:]
    if not (phone.startswith("+7") and len(digits) == 10 and digits.isdigit()):
        return phone
    return f"+7 {digits[:3]} {digits[3:6]}-{digits[6:8]}-{digits[8:]}"


@dataclass(frozen=True)
class AnswerInfo:
    author: str
    body: str
    created_at: datetime


@dataclass(frozen=True)
class RequestInfo:
    """A support request with its answers, oldest answer first."""

    id: int
    created_at: datetime
    topic: str
    message: str
    contact: str
    status: RequestStatus
    account_number: str | None  # None: written from the login window, before signing in
    answers: tuple[AnswerInfo, ...]
    assignee_id: int | None = None  # the staff member who took it in work
    assignee: str = ""  # their name

    @property
    def queue_status(self) -> QueueStatus:
        return queue_status(self.status, self.assignee_id is not None)

    @property
    def typed_number(self) -> str:
        """The account number its author typed without signing in, "" if none."""
        return typed_number(self.message) if self.account_number is None else ""


class SupportService:
    """Creates support requests, lists them for residents and staff, lets staff take them
    in work, answer (telling an author who left an e-mail by mail) and close them."""

    def __init__(
        self,
        db: Database,
        clock: Clock,
        settings: Settings,
        postman: BackgroundSender | InlineSender | None = None,
    ) -> None:
        self.db = db
        self.clock = clock
        self.settings = settings
        self.postman = postman

    def create(
        self,
        actor: Actor | None,
        topic: str,
        message: str,
        contact: str,
        account_number: str = "",
    ) -> RequestInfo:
        """A new request: from a signed-in resident (on their account) or, with ``actor``
        None, from someone at the login window, who must leave a phone number or an e-mail
        address to be answered at, and may give an account number (kept in the message: it
        is their word, not a sign-in, so the request is not tied to that account)."""
        topic, contact = clean_text(topic), clean_text(contact)
        number = clean_text(account_number)
        message = _clean_message(message)
        problems: list[str] = []
        if not topic:
            problems.append("Укажите тему обращения, например «Не приходит пароль».")
        elif len(topic) > TOPIC_LENGTH:
            problems.append(
                f"Тема обращения слишком длинная: не больше {TOPIC_LENGTH} знаков "
                f"(сейчас {len(topic)}). Подробности напишите в тексте обращения."
            )
        if not message:
            problems.append("Напишите текст обращения: что случилось и что вам нужно.")
        elif len(message) > MESSAGE_LENGTH:
            problems.append(
                f"Текст обращения слишком длинный: не больше {MESSAGE_LENGTH} знаков "
                f"(сейчас {len(message)}). Сократите его или разделите на два обращения."
            )
        if not contact:
            problems.append("Укажите, как с вами связаться: телефон или адрес электронной почты.")
        elif len(contact) > CONTACT_LENGTH:
            problems.append(
                f"Контакт слишком длинный: не больше {CONTACT_LENGTH} знаков. "
                "Укажите один телефон или адрес электронной почты."
            )
        elif actor is None and not is_contact(contact):
            problems.append(CONTACT_REFUSED.format(contact))
        if actor is None and number:
            if not number.isascii() or not number.isdigit() or len(number) > NUMBER_LENGTH:
                problems.append(NUMBER_REFUSED)
            else:
                message = note_number(number, message)
        if problems:
            raise ValidationError("\n".join(problems))
        # Staff have no account of their own: a request they type is not tied to one.
        account_id = actor.account_id if actor is not None else None
        with self.db.unit_of_work() as s:
            now = self.clock.now()
            if actor is None:
                _check_anonymous_limit(s, now)
            values = {
                "account_id": account_id,
                "topic": topic,
                "message": message,
                "contact": contact,
                "status": RequestStatus.OPEN,
                "created_at": now,
            }
            if account_id is None:
                request_id = _add_unread(s, values)
            else:
                request = SupportRequest(**values)
                s.add(request)
                s.flush()
                request_id = request.id
            audit.record(
                s,
                now,
                actor if actor is not None else ANONYMOUS,
                AuditAction.SUPPORT_CREATE,
                account_id=account_id,
                request_id=request_id,
                topic=topic,
            )
            if account_id is None:
                return RequestInfo(
                    request_id, now, topic, message, contact, RequestStatus.OPEN, None, ()
                )
            return _load(s, request_id, office=False)  # a resident's: theirs to read

    def contact_of(self, actor: Actor) -> str:
        """The phone or e-mail a signed-in resident registered with, to answer them at; ""
        for staff or where this connection may not read it (a kiosk's role)."""
        if actor.account_id is None or actor.staff_id is not None:
            return ""
        with self.db.read() as s:
            if any(
                lacks(s, f"has_column_privilege('resident_credential', '{column}', 'SELECT')")
                for column in ("phone", "email")
            ):
                return ""
            row = s.execute(
                select(ResidentCredential.phone, ResidentCredential.email).where(
                    ResidentCredential.account_id == actor.account_id
                )
            ).first()
        if row is None:
            return ""
        return phone_text(row.phone) if row.phone else row.email

    def list_for(
        self,
        actor: Actor,
        *,
        open_only: bool = False,
        limit: int | None = None,
        status: QueueStatus | None = None,
        text: str = "",
    ) -> list[RequestInfo]:
        """Newest first: a resident's own requests, or for staff everyone's — only the
        unanswered ones with ``open_only``, those in one place of the queue with ``status``,
        those whose number, topic, text, contact, account or its ФИО hold every word of
        ``text``."""
        office = allows(actor, Permission.ANSWER_SUPPORT)
        where: list[Any] = []
        if not office:
            where.append(SupportRequest.account_id == actor.account_id)
        if open_only:
            where.append(SupportRequest.status == RequestStatus.OPEN)
        if status is not None:
            where.extend(in_place(status))
        query = (
            _requests(office)
            .where(*where)
            .order_by(SupportRequest.created_at.desc(), SupportRequest.id.desc())
        )
        with self.db.read() as s:
            if text.strip():
                query = query.where(SupportRequest.id.in_(matching(s, where, text, limit)))
            if limit is not None:
                query = query.limit(limit)
            return [_info(*row) for row in s.execute(query)]

    def assign(self, actor: Actor, request_id: int) -> RequestInfo:
        """«Взять в работу»: the staff member takes the request; a colleague's request passes
        to them (the audit log keeps whose it was). Taking one's own again changes nothing."""
        require(actor, Permission.ANSWER_SUPPORT)
        if actor.staff_id is None:
            raise ValidationError("Взять обращение в работу может только сотрудник офиса.")
        with self.db.unit_of_work() as s:
            request = _get(s, request_id)
            if request.status == RequestStatus.CLOSED:
                raise ValidationError(
                    f"Обращение № {request_id} закрыто, брать его в работу уже не нужно."
                )
            if request.assigned_staff_id != actor.staff_id:
                previous = request.assigned_staff_id
                now = self.clock.now()
                request.assigned_staff_id, request.assigned_at = actor.staff_id, now
                audit.record(
                    s,
                    now,
                    actor,
                    AuditAction.SUPPORT_ASSIGN,
                    account_id=request.account_id,
                    request_id=request.id,
                    previous_staff_id=previous,
                )
                s.flush()
            return _load(s, request.id)

    def answer(self, actor: Actor, request_id: int, body: str) -> RequestInfo:
        """Staff answer a request; the resident sees the answer in their list."""
        require(actor, Permission.ANSWER_SUPPORT)
        body = _clean_message(body)
        if not body:
            raise ValidationError("Напишите текст ответа.")
        if len(body) > MESSAGE_LENGTH:
            raise ValidationError(
                f"Ответ слишком длинный: не больше {MESSAGE_LENGTH} знаков (сейчас {len(body)})."
            )
        with self.db.unit_of_work() as s:
            request = _get(s, request_id)
            if request.status == RequestStatus.CLOSED:
                raise ValidationError(
                    f"Обращение № {request_id} закрыто, ответить на него уже нельзя. "
                    "Если вопрос не решён, создайте новое обращение."
                )
            author = actor.name
            if actor.staff_id is not None:
                full_name = s.scalar(
                    select(StaffUser.full_name).where(StaffUser.id == actor.staff_id)
                )
                author = full_name or author
            now = self.clock.now()
            s.add(
                SupportAnswer(
                    request_id=request.id,
                    staff_id=actor.staff_id,
                    author=author,
                    body=body,
                    created_at=now,
                )
            )
            request.status = RequestStatus.ANSWERED
            if request.assigned_staff_id is None and actor.staff_id is not None:
                request.assigned_staff_id, request.assigned_at = actor.staff_id, now
            mailed = self._tell(s, request, body, now)
            audit.record(
                s,
                now,
                actor,
                AuditAction.SUPPORT_ANSWER,
                account_id=request.account_id,
                request_id=request.id,
                mailed=mailed,
            )
            s.flush()
            answered = _load(s, request.id)
        if mailed and self.postman is not None:
            self.postman.notify()
        return answered

    def _tell(self, s: Session, request: SupportRequest, body: str, now: datetime) -> bool:
        """Queue a letter with the answer when the author left an e-mail and the office has
        SMTP (without it the answer waits on their support form); whether one was queued."""
        if not answer_by_mail(request.contact, self.settings.smtp.configured):
            return False
        try:
            recipient = normalize_email(request.contact)
        except UserError:
            return False
        subject, letter = answer_letter(
            request.id, request.topic, body, has_account=request.account_id is not None
        )
        queue(
            s,
            channel=EMAIL,
            recipient=recipient,
            subject=subject,
            body=letter,
            account_id=request.account_id,
            now=now,
            expires_at=None,
        )
        return True

    def close(self, actor: Actor, request_id: int) -> RequestInfo:
        """Staff close a request that needs nothing more; closing twice changes nothing."""
        require(actor, Permission.ANSWER_SUPPORT)
        with self.db.unit_of_work() as s:
            request = _get(s, request_id)
            if request.status != RequestStatus.CLOSED:
                request.status = RequestStatus.CLOSED
                audit.record(
                    s,
                    self.clock.now(),
                    actor,
                    AuditAction.SUPPORT_CLOSE,
                    account_id=request.account_id,
                    request_id=request.id,
                )
                s.flush()
            return _load(s, request.id)


def _check_anonymous_limit(s: Session, now: datetime) -> None:
    """On SQLite (one desk): at most ``ANONYMOUS_PER_HOUR`` requests from the login window in
    ``ANONYMOUS_WINDOW``, as a kiosk's database login adds on PostgreSQL (``db.roles_support``,
    which counts per kiosk there); ValidationError past it."""
    if s.get_bind().dialect.name == "postgresql":
        return
    since = now - ANONYMOUS_WINDOW
    recent = list(
        s.scalars(
            select(AuditEntry.at)
            .where(
                AuditEntry.action == AuditAction.SUPPORT_CREATE,
                AuditEntry.actor == ANONYMOUS,
                AuditEntry.at > since,
            )
            .order_by(AuditEntry.at)
        )
    )
    if len(recent) >= ANONYMOUS_PER_HOUR:
        frees_at = recent[len(recent) - ANONYMOUS_PER_HOUR] + ANONYMOUS_WINDOW
        minutes = max(1, math.ceil((frees_at - now).total_seconds() / 60))
        raise ValidationError(ANONYMOUS_LIMIT_MESSAGE.format(minutes=minutes))


def _add_unread(s: Session, values: Mapping[str, Any]) -> int:
    """Insert a request with no account and return its id without reading the row: on
    PostgreSQL the kiosk's role may add one from the login window but not read it back (row
    level security: it sees only its signed-in account's requests), so no RETURNING."""
    if s.get_bind().dialect.name != "postgresql":
        request = SupportRequest(**values)
        s.add(request)
        s.flush()
        return request.id
    request_id = int(
        s.scalar(text("SELECT nextval(pg_get_serial_sequence('support_request', 'id'))")) or 0
    )
    s.execute(insert(SupportRequest).values(id=request_id, **values))
    return request_id


def _clean_message(text: str) -> str:
    """Several lines of text without invisible characters (PostgreSQL refuses NUL)."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    kept = (c for c in text if c in "\n\t" or unicodedata.category(c) not in _INVISIBLE)
    return "".join(kept).strip()


def _get(s: Session, request_id: int) -> SupportRequest:
    request = s.get(SupportRequest, request_id, with_for_update=True)
    if request is None:
        raise NotFoundError(f"Обращение № {request_id} не найдено. Обновите список обращений.")
    return request


_ASSIGNEE = aliased(StaffUser)


def _requests(office: bool = True) -> Select[SupportRequest, str, str]:
    """Requests with their account's number, for the office the name of whoever has them in
    work (a resident's database role may not read the staff) and, in one more query, their
    answers."""
    # The number and the name are None where there is none (the outer joins); the columns'
    # types cannot say so.
    name: Any = _ASSIGNEE.full_name if office else literal(None, String)
    query = select(SupportRequest, Account.number, name).outerjoin(
        Account, Account.id == SupportRequest.account_id
    )
    if office:
        query = query.outerjoin(_ASSIGNEE, _ASSIGNEE.id == SupportRequest.assigned_staff_id)
    return query.options(selectinload(SupportRequest.answers))


def _load(s: Session, request_id: int, *, office: bool = True) -> RequestInfo:
    query = _requests(office).where(SupportRequest.id == request_id)
    request, number, assignee = s.execute(query.execution_options(populate_existing=True)).one()
    return _info(request, number, assignee)


def _info(request: SupportRequest, number: str | None, assignee: str | None) -> RequestInfo:
    return RequestInfo(
        id=request.id,
        created_at=request.created_at,
        topic=request.topic,
        message=request.message,
        contact=request.contact,
        status=request.status,
        account_number=number,
        answers=tuple(
            AnswerInfo(author=a.author, body=a.body, created_at=a.created_at)
            for a in request.answers
        ),
        assignee_id=request.assigned_staff_id,
        assignee=assignee or "",
    )
