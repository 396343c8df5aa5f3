"""A resident's contact details as typed at registration: the phone number (the e-mail
address is ``desktop.mail.normalize_email``)."""

from __future__ import annotations

import re

from desktop.common.problems import ProblemError

_PHONE_PUNCTUATION = re.compile(r"[\s()\-.]")


def normalize_phone(text: str) -> str:
    """A Russian phone number as ``+7XXXXXXXXXX``; ProblemError (in Russian, on the "phone"
    field) if it is not one."""
    value = _PHONE_PUNCTUATION.sub("", text)
    if not value:
        raise ProblemError.one("Укажите телефон, например +7 915 123-45-67.", field="phone")
    if value.startswith("+7"):
        digits = value[2:]
    elif len(value) == 11 and value[0] in "78":
        digits = value[1:]
    else:
        digits = value
    if len(digits) != 10 or not digits.isascii() or not digits.isdigit():
        raise ProblemError.one(
            "Телефон указан неверно. Введите номер с кодом — 10 цифр после +7 или 8, "
            "например +7 915 123-45-67.",
            field="phone",
        )
    return f"+7{digits}"
