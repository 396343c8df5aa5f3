"""Refusals of the sign-in services, each naming the form field it concerns.

Field keys are plain strings shared with the screens: "account", "password", "login",
"full_name", "role", "fio", "phone", "email", "code", "current_password", "new_password".
A screen puts the cursor in the field a problem names; it never parses the message.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from desktop.common.plural import plural_form
from desktop.common.problems import Problem, ProblemError
from desktop.errors import ValidationError

LOGIN_FAILED = (
    "Неверный номер лицевого счета или пароль. Проверьте номер по квитанции, раскладку "
    "клавиатуры и Caps Lock."
)
STAFF_LOGIN_FAILED = "Неверный логин или пароль."
RESET_CODE_FAILED = (
    "Код неверен или срок его действия истёк. Проверьте код из письма или запросите новый."
)


class LoginError(ProblemError):
    """Sign-in refused; the message is the same whatever the reason, and so is the field:
    the password, where a resident retypes, whether or not the account exists."""

    def __init__(self, message: str, field: str = "password") -> None:
        super().__init__([Problem(message, field=field)])


class LoginThrottled(ProblemError):
    """Too many failed attempts: the next one is allowed in ``seconds``."""

    def __init__(self, seconds: int, field: str = "password") -> None:
        self.seconds = seconds
        word = plural_form(seconds, "секунду", "секунды", "секунд")
        message = f"Слишком много неудачных попыток. Подождите {seconds} {word} и попробуйте снова."
        super().__init__([Problem(message, field=field)])


class ResetCodeError(ProblemError):
    """The reset code is wrong, used or expired (one message for all three)."""

    def __init__(self) -> None:
        super().__init__([Problem(RESET_CODE_FAILED, field="code")])


@contextmanager
def on_field(field: str) -> Iterator[None]:
    """Turn a shared check's ValidationError (the password policy, the e-mail format) into a
    problem with the field it was about."""
    try:
        yield
    except ValidationError as error:
        raise ProblemError.one(str(error), field=field) from None
