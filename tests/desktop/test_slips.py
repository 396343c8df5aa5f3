"""The printed slip takes its secret from the letter it stands in for (one format, both
ways), and is an HTML document that shows every name literally."""

from __future__ import annotations

from datetime import UTC, datetime

from hypothesis import given
from hypothesis import strategies as st

from desktop.auth.letters import REGISTRATION_SUBJECT, RESET_SUBJECT, ResidentMail, secret_in
from desktop.settings import Settings
from desktop.slips import letter_slip, slip_html

MAIL = ResidentMail(Settings())
NOW = datetime(2026, 11, 20, 7, 0, tzinfo=UTC)
secrets = st.text(st.sampled_from("ABCDEFGHJKLMNPQRSTUVWXYZ23456789abcdefghjkmnpqrstuvwxyz-"),
                  min_size=1, max_size=24)  # fmt: skip


@given(secrets)
def test_a_letters_secret_is_found_again_in_its_text(secret: str) -> None:
    assert secret_in(REGISTRATION_SUBJECT, MAIL.registration_body("5210", secret)) == secret
    assert secret_in(RESET_SUBJECT, MAIL.reset_body("5210", secret)) == secret


def test_a_letter_without_its_secret_makes_no_slip() -> None:
    assert secret_in(REGISTRATION_SUBJECT, "") is None  # handed out: the body is cleared
    assert secret_in("Ответ на обращение", "Код: 123") is None
    slip = letter_slip(
        subject=REGISTRATION_SUBJECT, body="", company=None, account_number="5210", fio="",
        address="", created_at=NOW, expires_at=None, office_phone="", office_hours="",
    )  # fmt: skip
    assert slip is None


def test_the_slip_shows_names_literally_and_the_secret_with_its_expiry() -> None:
    slip = letter_slip(
        subject=RESET_SUBJECT,
        body=MAIL.reset_body("4105", "Q7R2-M4XP"),
        company="ООО «УК <Демо> & Ко»",
        account_number="4105",
        fio="Кузнецова Е.Н.",
        address="ул. Лесная, д. 12, кв. 8",
        created_at=NOW,
        expires_at=datetime(2026, 11, 20, 7, 10, tzinfo=UTC),
        office_phone="8 495 780 70 83",
        office_hours="пн–пт 9–18",
    )
    assert slip is not None
    html = slip_html(slip)
    assert "ООО «УК &lt;Демо&gt; &amp; Ко»" in html and "<Демо>" not in html
    assert "Q7R2-M4XP" in html and "Код восстановления" in html and "Действует до " in html
    assert "Кузнецова Е.Н." in html and "4105" in html and "8 495 780 70 83" in html
