"""The demo's support requests: one waiting for an answer (3493), one answered (4105), and two
written without signing in — from the login window with the account number the visitor typed,
and from a kiosk's welcome screen with a phone only."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from db.models import Account, RequestStatus, StaffUser, SupportAnswer, SupportRequest
from desktop.support_queue import note_number


def add_requests(
    s: Session, accounts: dict[str, Account], operator: StaffUser, now: datetime
) -> int:
    """The demo's requests, added in this order (ids 1–4); how many."""
    asked = SupportRequest(
        account_id=accounts["3493"].id,
        topic="Передача показаний",
        message=(
            "Здравствуйте! При передаче показаний горячей воды программа пишет, что расход "
            "слишком большой. Показания верные: у нас гостили родственники. Что делать?"
        ),
        contact="petrova@demo.example",
        status=RequestStatus.OPEN,
        created_at=now - timedelta(days=1, hours=3),
    )
    answered = SupportRequest(
        account_id=accounts["4105"].id,
        topic="Рассрочка задолженности",
        message="Прошу рассмотреть возможность погасить долг частями в течение полугода.",
        contact="+7 900 000-41-05",
        status=RequestStatus.ANSWERED,
        created_at=now - timedelta(days=6, hours=5),
        assigned_staff_id=operator.id,  # who answered it took it in work
        assigned_at=now - timedelta(days=5, hours=2),
    )
    answered.answers.append(
        SupportAnswer(
            staff_id=operator.id,
            author=operator.full_name,
            body=(
                "Добрый день! Рассрочку оформляем по заявлению в офисе. Приходите в часы "
                "приёма с паспортом — подготовим соглашение и график платежей."
            ),
            created_at=now - timedelta(days=5, hours=2),
        )
    )
    s.add_all([asked, answered])
    s.flush()  # №1 and №2, then the two written without signing in: №3 and №4
    # From the login window, with the number the visitor typed (as SupportService keeps
    # it), and from a kiosk's welcome screen with a phone only: tied to no account.
    login_window = SupportRequest(
        account_id=None,
        topic="Не могу войти в кабинет",
        message=note_number(
            "3517",
            "Зарегистрировалась позавчера, письмо с паролем так и не пришло, хотя проверяла "
            "и папку «Спам».",
        ),
        contact="sidorova@demo.example",
        status=RequestStatus.OPEN,
        created_at=now - timedelta(hours=20),
    )
    kiosk = SupportRequest(
        account_id=None,
        topic="Не работает домофон",
        message=(
            "В подъезде № 2 третий день не открывается дверь с ключа. Перезвоните, пожалуйста."
        ),
        contact="+7 916 555-12-34",
        status=RequestStatus.OPEN,
        created_at=now - timedelta(hours=2, minutes=40),
    )
    s.add(login_window)
    s.flush()
    s.add(kiosk)
    return 4
