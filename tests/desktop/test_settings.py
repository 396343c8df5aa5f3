from __future__ import annotations

import logging
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from desktop.cli import main
from desktop.errors import ValidationError
from desktop.settings import Settings, load_settings


def test_defaults_without_a_file(tmp_path: Path):
    settings = load_settings(tmp_path / "missing.toml", environ={})
    assert settings == Settings()
    assert settings.readings.window_start == 15 and settings.readings.window_end == 25
    assert settings.database_url.startswith("sqlite:///") and not settings.smtp.configured


def test_file_then_environment(tmp_path: Path):
    path = tmp_path / "settings.toml"
    path.write_text(
        'database_url = "sqlite:///from-file.db"\noffice_phone = "8 800 000 00 00"\n'
        "[readings]\nwindow_start = 10\njump_factor = 2.5\n"
        '[smtp]\nhost = "smtp.example.ru"\nport = 465\nsecurity = "ssl"\n'
        '[debt.key_rates]\n"2017-01-01" = 9\n"2018-01-01" = 7.75\n',
        encoding="utf-8",
    )
    settings = load_settings(
        path,
        environ={
            "CABINET_SMTP_PORT": "2525",
            "OTHER": "x",
            "CABINET_DATABASE_URL": "sqlite:///from-env.db",
        },
    )
    assert settings.database_url == "sqlite:///from-env.db"
    assert settings.office_phone == "8 800 000 00 00"
    assert settings.readings.window_start == 10 and settings.readings.jump_factor == Decimal("2.5")
    assert (settings.smtp.host, settings.smtp.port, settings.smtp.security) == (
        "smtp.example.ru",
        2525,
        "ssl",
    )
    assert settings.debt.key_rate_on(date(2017, 6, 1)) == Decimal("9")
    assert settings.debt.key_rate_on(date(2019, 6, 1)) == Decimal("7.75")


@pytest.mark.parametrize(
    ("text", "environ", "message"),
    [
        ("[readings]\nwindow_start = 'пятнадцать'\n", {}, "readings.window_start"),
        ("[readings]\nwindow_start = 26\n", {}, "Окно приёма"),
        ("mode = 'tablet'\n", {}, "office или kiosk"),
        ("this is not toml", {}, "повреждён"),
        ("", {"CABINET_SMTP_PORT": "abc"}, "smtp.port"),
        ("smtp = 5\n", {}, "должен быть таблицей"),
        ("[kiosk]\nidle_seconds = 20\n", {}, "kiosk.countdown_seconds < kiosk.idle_seconds"),
        ("[kiosk]\nidle_seconds = 8\ncountdown_seconds = 5\n", {}, "idle_seconds ≥ 30"),
        ("", {"CABINET_KIOSK_COUNTDOWN_SECONDS": "2"}, "5 ≤ kiosk.countdown_seconds"),
        # hostile values (issue 10): each refused in Russian, never another exception
        *[(f"[debt]\npayment_due_day = {day}\n", {}, "от 1 до 28") for day in (0, -1, 45)],
        *[
            (f"[readings]\njump_factor = {value}\n", {}, message)
            for value, message in [
                ("nan", "нужно число"),
                ("inf", "нужно число"),
                ("-inf", "нужно число"),
                ("-1", "больше 1"),
                ("0", "больше 1"),
                ("1e300", "не больше 100"),
                ("'много'", "нужно число"),
                ("true", "нужно число"),
            ]
        ],
        ("", {"CABINET_READINGS_JUMP_FACTOR": "NaN"}, "readings.jump_factor"),
        ("", {"CABINET_READINGS_JUMP_FACTOR": "Infinity"}, "readings.jump_factor"),
        ("[readings]\nwindow_start = 1.5\n", {}, "целое число"),
        ("[readings]\nwindow_end = 0\n", {}, "Окно приёма"),
        ("[readings]\nwindow_end = 32\n", {}, "Окно приёма"),
        ("[readings]\nwindow_start = 20\nwindow_end = 18\n", {}, "Окно приёма"),
        ("", {"CABINET_READINGS_WINDOW_START": "1.5"}, "целое число"),
        ("[debt]\narrears_months = -3\n", {}, "от 1 до 36"),
        ("[debt]\narrears_months = 37\n", {}, "от 1 до 36"),
        ("[kiosk]\nidle_seconds = -90\n", {}, "idle_seconds ≥ 30"),
        ("[kiosk]\nidle_seconds = 9223372036854775807\n", {}, "≤ 3600"),
        ("[kiosk]\ncountdown_seconds = -20\n", {}, "5 ≤ kiosk.countdown_seconds"),
        ("[debt]\nkey_rates = 5\n", {}, "таблица «дата = ставка»"),
        ("[debt]\nkey_rates = ['2017-01-01']\n", {}, "таблица «дата = ставка»"),
        ("[debt.key_rates]\n'вчера' = 5\n", {}, "нужна дата"),
        ("[debt.key_rates]\n2017-02-30 = 5\n", {}, "нужна дата"),
        ("[debt.key_rates]\n2017-01-01 = -5\n", {}, "больше 0 и меньше 100"),
        ("[debt.key_rates]\n2017-01-01 = 1e9\n", {}, "больше 0 и меньше 100"),
        ("[debt.key_rates]\n2017-01-01 = nan\n", {}, "нужно число"),
        ("[debt.key_rates]\n2017-01-01 = [9]\n", {}, "нужно число"),
        ("[debt]\nkey_rates = {}\n", {}, "хотя бы одна"),
        ("[debt]\nkey_rates = [['2017-01-01', 9], ['2017-01-01', 8]]\n", {}, "одна ставка"),
        ("", {"CABINET_DEBT_KEY_RATES": "01.01.2017 9; 01.01.2017 8"}, "две разные ставки"),
        ("[readings]\nwindow_strat = 10\n", {}, "Возможно, имелась в виду «readings.window_start»"),
        ("ofice_phone = '1'\n", {}, "Возможно, имелась в виду «office_phone»"),
        ("[smpt]\nhost = 'mail'\n", {}, "Возможно, имелась в виду «smtp»"),
        ("[kiosk]\ncolour = 'red'\n", {}, "Настройки «kiosk.colour» нет"),
        ("office_phone = ''\n", {}, "Телефон офиса"),
        ('office_phone = "a\\u0000b"\n', {}, "NUL"),
        ("office_phone = ['1']\n", {}, "нужен текст"),
        ("[smtp]\nport = 70000\n", {}, "smtp.port"),
        ("[smtp]\nsecurity = 'tls'\n", {}, "starttls, ssl или none"),
    ],
)
def test_bad_settings_are_explained(tmp_path: Path, text, environ, message):
    path = tmp_path / "settings.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ValidationError, match=message):
        load_settings(path, environ=environ)


def test_a_settings_path_that_is_a_folder_is_explained(tmp_path: Path):
    folder = tmp_path / "settings.toml"
    folder.mkdir()
    with pytest.raises(ValidationError, match="папка"):
        load_settings(folder, environ={})


def test_key_rates_in_a_file_may_come_in_any_order(tmp_path: Path):
    path = tmp_path / "settings.toml"
    path.write_text(
        "[debt]\nkey_rates = [['2018-01-01', 7.75], [2017-01-01, 9]]\n", encoding="utf-8"
    )
    rates = load_settings(path, environ={}).debt.key_rates
    assert rates == ((date(2017, 1, 1), Decimal(9)), (date(2018, 1, 1), Decimal("7.75")))


def test_unknown_environment_variables_are_not_settings(tmp_path: Path, caplog):
    """CABINET_TEST_PG and the like belong to other tools: the environment is not strict,
    but a variable that looks like a misspelt setting is named in a warning."""
    environ = {"CABINET_TEST_PG": "x", "CABINET_SMTP_PASWORD": "y"}
    with caplog.at_level(logging.WARNING, logger="desktop.settings"):
        settings = load_settings(tmp_path / "none.toml", environ=environ)
    assert settings == Settings()
    assert [r.getMessage() for r in caplog.records] == [
        "Переменная окружения CABINET_SMTP_PASWORD не задаёт никакой настройки; возможно, "
        "имелась в виду CABINET_SMTP_PASSWORD."
    ]


def test_the_command_line_takes_the_url_from_the_environment(tmp_path, monkeypatch, capsys):
    url = f"sqlite:///{(tmp_path / 'env.db').as_posix()}"
    monkeypatch.setenv("CABINET_DATABASE_URL", url)
    assert main(["db", "upgrade"]) == 0
    assert (tmp_path / "env.db").exists()


def test_a_broken_settings_file_stops_the_command_line_politely(tmp_path, monkeypatch, capsys):
    config = tmp_path / "config"
    (config / "zhk-cabinet").mkdir(parents=True)
    (config / "zhk-cabinet" / "settings.toml").write_text("[[[", encoding="utf-8")
    monkeypatch.setenv("XDG_CONFIG_HOME", str(config))
    assert main(["db", "upgrade"]) == 1
    err = capsys.readouterr().err
    assert "повреждён" in err and "Traceback" not in err


def test_a_settings_folder_stops_the_command_line_politely(tmp_path, monkeypatch, capsys):
    config = tmp_path / "config"
    (config / "zhk-cabinet" / "settings.toml").mkdir(parents=True)
    monkeypatch.setenv("XDG_CONFIG_HOME", str(config))
    assert main(["db", "upgrade", "--database-url", f"sqlite:///{tmp_path / 'x.db'}"]) == 1
    err = capsys.readouterr().err
    assert "папка" in err and "Traceback" not in err
