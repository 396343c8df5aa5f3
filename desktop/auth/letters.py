"""What a resident receives and is told when they ask for a password or a reset code: the
letters, their delivery (falling back to the office's outbox) and the neutral answers."""

from __future__ import annotations

import logging

from sqlalchemy.orm import Session as OrmSession

from desktop.mail import Delivery, Mailer, MailError
from desktop.settings import Settings

log = logging.getLogger(__name__)

REGISTRATION_SUBJECT = "Пароль для входа в личный кабинет"
RESET_SUBJECT = "Код для восстановления пароля"


class ResidentMail:
    """Letters with a one-time password or a reset code, sent by ``mailer``; when that fails
    they are kept by ``fallback`` (the outbox) for the office to print."""

    def __init__(self, settings: Settings, mailer: Mailer, fallback: Mailer) -> None:
        self.settings = settings
        self.mailer = mailer
        self.fallback = fallback

    def send(
        self, s: OrmSession, *, recipient: str, subject: str, body: str, account_id: int
    ) -> tuple[Delivery, bool]:
        """Mail the message; when the mail server or its settings fail, keep it in the
        outbox for the office instead (and say so in the audit log and the log). Either way
        the resident gets the same neutral answer: an error shown only when the data matched
        would tell that they did. Whether it failed is the second value."""
        try:
            return self.mailer.send(
                s, recipient=recipient, subject=subject, body=body, account_id=account_id
            ), False
        except MailError as error:
            log.warning("Mail failed, kept in the outbox: %s", error.__cause__ or error)
            delivery = self.fallback.send(
                s, recipient=recipient, subject=subject, body=body, account_id=account_id
            )
            return delivery, True

    # --- the answers on screen ----------------------------------------------------------

    def registration_answer(self) -> str:
        # Depends on the installation's mail set-up only, never on the account.
        if self.mailer.delivery == "email":
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
        if self.mailer.delivery == "email":
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
            f"Для лицевого счёта {number} создан доступ в личный кабинет жителя.\n\n"
            f"Одноразовый пароль: {password}\n\n"
            "Пароль действует 24 часа. Войдите с номером лицевого счёта и этим паролем — "
            "кабинет сразу попросит придумать собственный пароль.\n\n"
            "Если вы не регистрировались, просто не отвечайте на это письмо: без пароля "
            "в кабинет никто не войдёт.\n\n"
            f"{self._signature()}\n"
        )

    def reset_body(self, number: str, code: str) -> str:
        return (
            "Здравствуйте!\n\n"
            f"Для лицевого счёта {number} запрошено восстановление пароля.\n\n"
            f"Код: {code}\n\n"
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
