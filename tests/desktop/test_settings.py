from __future__ import annotations

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
    ],
)
def test_bad_settings_are_explained(tmp_path: Path, text, environ, message):
    path = tmp_path / "settings.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ValidationError, match=message):
        load_settings(path, environ=environ)


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
