"""The login window's texts, shared by the window and its steps (``ui.login_steps``)."""

from __future__ import annotations

ACCOUNT = "Номер лицевого счета"
PASSWORD = "Пароль"
FORGOT = "Забыли пароль?"
REGISTER = "Зарегистрироваться"
SUPPORT = "Обратиться в техподдержку"
LOGIN = "Войти"
LOGGING_IN = "Вход…"
FIO = "ФИО"
FIO_HINT = "ФИО необходимо указывать в точности как в квитанции, например: Иванов И.И."
PHONE = "Телефон"
EMAIL = "Электронная почта"
REG_CODE = "Код регистрации из квитанции"
REG_CODE_OPTIONAL = "Код регистрации из квитанции (если есть)"
REG_CODE_HINT = (
    "Код напечатан на последней квитанции, в рамке внизу, например ABCD-EFGH. Нет квитанции — "
    "код выдадут в офисе управляющей компании."
)
SENDING = "Отправка…"
NEED_ACCOUNT = "Укажите номер лицевого счета — он напечатан в квитанции."
PASSWORD_CHANGED = "Пароль изменён. Войдите с номером лицевого счета и новым паролем."
STAFF_LOGIN = "Логин сотрудника"
TO_STAFF = "Вход для сотрудников"
TO_RESIDENT = "Вход для жителя"
NEED_STAFF_LOGIN = "Укажите логин сотрудника."
