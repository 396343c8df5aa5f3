"""What a resident receives and is told when they ask for a password or a reset code: the
letters, their queueing (an e-mail when SMTP is set up, else a slip for the office) and the
neutral answers."""

from __future__ import annotations

from datetime import datetime
from typing import Protocol

from sqlalchemy.orm import Session as OrmSession

from db.roles_reset import RESET_CODE_PLACEHOLDER
from desktop.mail import Delivery
from desktop.mail_queue import EMAIL, SLIP, queue
from desktop.settings import Settings

REGISTRATION_SUBJECT = "Пароль для входа в личный кабинет"
RESET_SUBJECT = "Код для восстановления пароля"
# The line of each letter that holds its secret: the printed slip (desktop.slips) takes it
# from there, so a letter and its slip never disagree.
SECRET_LINES = {REGISTRATION_SUBJECT: "Одноразовый пароль: ", RESET_SUBJECT: "Код: "}


def secret_in(subject: str, body: str) -> str | None:
    """The password or code in a letter of ``subject``; None if it has none (any more)."""
    prefix = SECRET_LINES.get(subject)
    if prefix is None:
        return None
    for line in body.splitlines():
        if line.startswith(prefix) and line[len(prefix) :].strip():
            return line[len(prefix) :].strip()
    return None


class Postman(Protocol):
    """Wakes the mail sender after a commit that queued mail; never waits for SMTP."""

    def notify(self) -> None: ...


class ResidentMail:
    """Letters with a one-time password or a reset code. ``send`` only queues one in the
    caller's transaction; ``after_commit`` wakes ``postman``, who delivers it (see
    desktop.mail_queue). No SMTP while a request holds the database."""

    def __init__(self, settings: Settings, postman: Postman | None = None) -> None:
        self.settings = settings
        self.postman = postman
        self.delivery: Delivery = "email" if settings.smtp.configured else "outbox"

    def send(
        self,
        s: OrmSession,
        *,
        recipient: str,
        subject: str,
        body: str,
        account_id: int,
        now: datetime,
        expires_at: datetime | None,
    ) -> Delivery:
        """Queue the letter: an e-mail, or a slip for the office when there is no SMTP. The
        secret in it is deleted unsent at ``expires_at``."""
        queue(
            s,
            channel=EMAIL if self.delivery == "email" else SLIP,
            recipient=recipient,
            subject=subject,
            body=body,
            account_id=account_id,
            now=now,
            expires_at=expires_at,
        )
        return self.delivery

    def reset_letter(self, number: str) -> tuple[str, str, str]:
        """The reset letter for the database to fill in and queue (``db.roles_reset``):
        its channel, subject and text with ``RESET_CODE_PLACEHOLDER`` where the code goes."""
        channel = EMAIL if self.delivery == "email" else SLIP
        return channel, RESET_SUBJECT, self.reset_body(number, RESET_CODE_PLACEHOLDER)

    def after_commit(self) -> None:
        """Called after every request's transaction, whatever matched: the same work."""
        if self.postman is not None:
            self.postman.notify()

    # --- the answers on screen ----------------------------------------------------------

    def registration_answer(self) -> str:
        # Depends on the installation's mail set-up only, never on the account.
        if self.delivery == "email":
            where = (
                "пароль для входа отправлен на указанную почту. Письмо приходит в течение "
                "1–3 минут; если его нет, проверьте папку «Спам» или получите пароль у "
                f"сотрудника офиса (телефон {self.settings.office_phone})"
            )
        else:
            where = (
                "пароль для входа подготовлен: получите его у сотрудника офиса "
                f"(телефон {self.settings.office_phone})"
            )
        return (
            f"Если данные совпали с данными квитанции, {where}. Пароль действует 24 часа; при "
            "первом входе нужно будет придумать свой. Если вы уже зарегистрированы, "
            "воспользуйтесь ссылкой «Забыли пароль?»."
        )

    def reset_answer(self) -> str:
        if self.delivery == "email":
            where = (
                "на неё отправлен код для восстановления пароля (если письма нет, код можно "
                f"получить у сотрудника офиса, телефон {self.settings.office_phone})"
            )
        else:
            where = (
                "код для восстановления пароля можно получить у сотрудника офиса "
                f"(телефон {self.settings.office_phone})"
            )
        return (
            f"Если адрес почты совпал с указанным при регистрации, {where}. Код действует 10 минут."
        )

    # --- the letters ----------------------------------------------------------------------

    def registration_body(self, number: str, password: str) -> str:
        return (
            "Здравствуйте!\n\n"
            f"Для лицевого счета {number} создан доступ в личный кабинет жителя.\n\n"
            f"{SECRET_LINES[REGISTRATION_SUBJECT]}{password}\n\n"
            "Пароль действует 24 часа. Войдите с номером лицевого счета и этим паролем — "
            "кабинет сразу попросит придумать собственный пароль.\n\n"
            "Если вы не регистрировались, просто не отвечайте на это письмо: без пароля "
            "в кабинет никто не войдёт.\n\n"
            f"{self._signature()}\n"
        )

    def reset_body(self, number: str, code: str) -> str:
        return (
            "Здравствуйте!\n\n"
            f"Для лицевого счета {number} запрошено восстановление пароля.\n\n"
            f"{SECRET_LINES[RESET_SUBJECT]}{code}\n\n"
            "Код действует 10 минут и подходит один раз. Введите его на странице «Забыли "
            "пароль?» вместе с новым паролем.\n\n"
            "Если вы не запрашивали восстановление, никому не сообщайте код: ваш пароль "
            "останется прежним.\n\n"
            f"{self._signature()}\n"
        )

    def _signature(self) -> str:
        return (
            "Управляющая компания\n"
            f"Телефон офиса: {self.settings.office_phone}\n"
            f"Часы работы: {self.settings.office_hours}"
        )
