"""The printed slip a clerk hands to a resident: a document, not the e-mail it stands in for.
It names the company and the account's ФИО, address and number (the clerk checks them against
the resident's ID), the one-time password or code with its expiry, how to use it, and the
office's phone and hours. Qt-free: the office page prints ``slip_html``."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from html import escape

from desktop.auth.letters import REGISTRATION_SUBJECT, RESET_SUBJECT, secret_in
from desktop.formatting import ru_datetime
from desktop.mail import OutboxItem

COMPANY_UNKNOWN = "Управляющая компания"


@dataclass(frozen=True)
class Slip:
    title: str
    company: str
    account_number: str
    fio: str
    address: str
    secret_label: str
    secret: str
    validity: str
    steps: str
    issued_at: datetime
    office_phone: str
    office_hours: str


_KINDS = {
    REGISTRATION_SUBJECT: (
        "Доступ в личный кабинет жителя",
        "Одноразовый пароль",
        "Откройте личный кабинет, введите номер лицевого счета и этот пароль и нажмите "
        "«Войти». Кабинет сразу попросит придумать собственный пароль: одноразовый больше "
        "не понадобится.",
    ),
    RESET_SUBJECT: (
        "Восстановление пароля личного кабинета",
        "Код восстановления",
        "Откройте личный кабинет, нажмите «Забыли пароль?», введите номер лицевого счета, "
        "этот код и новый пароль. Код подходит один раз.",
    ),
}


def letter_slip(
    *,
    subject: str,
    body: str,
    company: str | None,
    account_number: str,
    fio: str,
    address: str,
    created_at: datetime,
    expires_at: datetime | None,
    office_phone: str,
    office_hours: str,
) -> Slip | None:
    """The slip for a queued letter with a password or a code; None for any other letter
    (or one whose secret is gone: handed out or expired)."""
    kind = _KINDS.get(subject)
    secret = secret_in(subject, body)
    if kind is None or secret is None:
        return None
    title, label, steps = kind
    return Slip(
        title=title,
        company=company or COMPANY_UNKNOWN,
        account_number=account_number,
        fio=fio,
        address=address,
        secret_label=label,
        secret=secret,
        validity=f"до {ru_datetime(expires_at)}" if expires_at else "",
        steps=steps,
        issued_at=created_at,
        office_phone=office_phone,
        office_hours=office_hours,
    )


def outbox_slip(item: OutboxItem, office_phone: str, office_hours: str) -> Slip | None:
    """The slip of a letter waiting in the office's outbox."""
    return letter_slip(
        subject=item.subject,
        body=item.body,
        company=item.company,
        account_number=item.account_number,
        fio=item.fio,
        address=item.address,
        created_at=item.created_at,
        expires_at=item.expires_at,
        office_phone=office_phone,
        office_hours=office_hours,
    )


def code_slip(
    *,
    company: str | None,
    account_number: str,
    fio: str,
    address: str,
    code: str,
    issued_at: datetime,
    office_phone: str,
    office_hours: str,
) -> Slip:
    """The slip with a registration code issued at the counter."""
    return Slip(
        title="Код регистрации в личном кабинете жителя",
        company=company or COMPANY_UNKNOWN,
        account_number=account_number,
        fio=fio,
        address=address,
        secret_label="Код регистрации",
        secret=code,
        validity="до регистрации или до выдачи нового кода; коды из прежних квитанций и "
        "памяток больше не действуют",
        steps="Откройте личный кабинет, нажмите «Зарегистрироваться» и введите ФИО, номер "
        "лицевого счета, телефон, электронную почту и этот код.",
        issued_at=issued_at,
        office_phone=office_phone,
        office_hours=office_hours,
    )


def slip_html(slip: Slip) -> str:
    """The slip as a small HTML document (Qt's rich text subset) for the printer."""
    e = escape
    rows = "".join(
        f"<tr><td style='color:#555555; padding-right:16px'>{e(label)}</td>"
        f"<td><b>{e(value)}</b></td></tr>"
        for label, value in (
            ("Лицевой счет", slip.account_number),
            ("ФИО", slip.fio),
            ("Адрес", slip.address),
        )
    )
    validity = f"<p>Действует {e(slip.validity)}.</p>" if slip.validity else ""
    return (
        "<html><body style='font-size:12pt'>"
        f"<p style='color:#555555'>{e(slip.company)}</p>"
        f"<h2>{e(slip.title)}</h2>"
        f"<table cellspacing='0' cellpadding='3'>{rows}</table>"
        "<p style='color:#555555'>Выдаётся лично владельцу счета по документу, "
        "удостоверяющему личность.</p>"
        f"<p>{e(slip.secret_label)}:</p>"
        f"<p style='font-size:22pt; font-family:monospace'><b>{e(slip.secret)}</b></p>"
        f"{validity}"
        f"<p>{e(slip.steps)}</p>"
        "<p>Никому не сообщайте пароль и код: сотрудники управляющей компании их не "
        "спрашивают.</p>"
        f"<p>Телефон офиса: {e(slip.office_phone)}<br>Часы работы: {e(slip.office_hours)}</p>"
        f"<p style='color:#555555'>Памятка сформирована {e(ru_datetime(slip.issued_at))}.</p>"
        "</body></html>"
    )
