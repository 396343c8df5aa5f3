"""The office's queue of support requests («Обращения»): a request's place in it (new, in
work, answered, closed), the number a visitor typed at the login window, the match of a typed
filter and the letter that tells a resident the office has answered. No database here: the
screens use it too."""

from __future__ import annotations

import enum
from collections.abc import Iterable

from db.search import normalize

# How ``SupportService.create`` keeps the account number a visitor typed: their word, in the
# message, never a tie to that account.
NUMBER_NOTE = "Номер лицевого счета (со слов автора): "
ANSWER_SUBJECT = "Ответ на обращение № {id}"
ANSWER_LETTER = (
    "Здравствуйте!\n\n"
    "На ваше обращение № {id} «{topic}» ответили в управляющей компании:\n\n"
    "{body}\n\n"
    "{where}"
    "Это письмо отправлено автоматически, отвечать на него не нужно."
)
ANSWER_IN_CABINET = (
    "Ответ есть и в личном кабинете: «Обратиться в техподдержку», «Мои обращения».\n\n"
)


class QueueStatus(enum.StrEnum):
    """Where a request stands for the office: ``RequestStatus`` with «open» split in two."""

    NEW = "new"  # open, nobody has taken it
    IN_WORK = "in_work"  # open, taken by a staff member
    ANSWERED = "answered"
    CLOSED = "closed"

    @property
    def label(self) -> str:
        return _LABELS[self]


_LABELS = {
    QueueStatus.NEW: "Новое",
    QueueStatus.IN_WORK: "В работе",
    QueueStatus.ANSWERED: "Есть ответ",
    QueueStatus.CLOSED: "Закрыто",
}


def queue_status(status: str, assigned: bool) -> QueueStatus:
    """A request's place in the queue from its stored status and whether someone has it."""
    if status == "open":
        return QueueStatus.IN_WORK if assigned else QueueStatus.NEW
    return QueueStatus(status)


def note_number(number: str, message: str) -> str:
    """The message with the account number its author typed in front."""
    return f"{NUMBER_NOTE}{number}\n\n{message}"


def typed_number(message: str) -> str:
    """The account number a visitor typed at the login window or the kiosk, "" if none."""
    if not message.startswith(NUMBER_NOTE):
        return ""
    number = message[len(NUMBER_NOTE) :].split("\n", 1)[0]
    return number if number.isascii() and number.isdigit() else ""


def matches(query: str, fields: Iterable[str]) -> bool:
    """Whether every word typed is in one of the fields: case, ё/е and spacing aside."""
    words = normalize(query).split()
    haystack = "\n".join(normalize(field) for field in fields)
    return all(word in haystack for word in words)


def answer_letter(request_id: int, topic: str, body: str, *, has_account: bool) -> tuple[str, str]:
    """The subject and text of the letter that brings the office's answer."""
    where = ANSWER_IN_CABINET if has_account else ""
    text = ANSWER_LETTER.format(id=request_id, topic=topic, body=body, where=where)
    return ANSWER_SUBJECT.format(id=request_id), text


def answer_by_mail(contact: str, smtp_configured: bool) -> bool:
    """Whether an answer is also mailed: the author left an e-mail and the office has SMTP
    (without it the answer waits on their support form)."""
    return smtp_configured and "@" in contact


def answered_text(request_id: int, contact: str, *, has_account: bool, mailed: bool) -> str:
    """What the office's screen says once an answer is saved."""
    where = (
        "Житель увидит его в кабинете, в окне «Обратиться в техподдержку»."
        if has_account
        else "Автор писал без входа в кабинет: ответьте ему и по телефону или почте."
    )
    if mailed:
        where = (
            f"Письмо с ответом уйдет на {contact}."
            if not has_account
            else f"{where} Письмо с ответом уйдет на {contact}."
        )
    return f"Ответ на обращение № {request_id} сохранен. {where}"
