"""Passwords at rest: the settings file refers to the OS credential store, which keyring
reaches. The tests plug a small in-memory store into keyring, as keyring lets any program
choose its backend; where a machine has none (keyring's «fail» backend, as on this CI), a
password written in the file is still read, with a warning."""

from __future__ import annotations

import io
import logging
from collections.abc import Iterator
from pathlib import Path

import keyring
import pytest
from keyring.backend import KeyringBackend
from keyring.backends import fail
from sqlalchemy.engine import make_url

from desktop.cli import main
from desktop.secrets import SERVICE
from desktop.settings import load_settings


class MemoryKeyring(KeyringBackend):
    """A credential store that lives as long as the test."""

    priority = 1  # type: ignore[assignment]

    def __init__(self) -> None:
        super().__init__()
        self.entries: dict[tuple[str, str], str] = {}

    def get_password(self, service: str, username: str) -> str | None:
        return self.entries.get((service, username))

    def set_password(self, service: str, username: str, password: str) -> None:
        self.entries[(service, username)] = password

    def delete_password(self, service: str, username: str) -> None:
        self.entries.pop((service, username), None)


@pytest.fixture
def store() -> Iterator[MemoryKeyring]:
    previous = keyring.get_keyring()
    backend = MemoryKeyring()
    keyring.set_keyring(backend)
    yield backend
    keyring.set_keyring(previous)


@pytest.fixture
def no_store() -> Iterator[None]:
    previous = keyring.get_keyring()
    keyring.set_keyring(fail.Keyring())
    yield
    keyring.set_keyring(previous)


@pytest.fixture
def settings_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """This machine's settings.toml, where the program looks for it."""
    config = tmp_path / "config"
    monkeypatch.setenv("XDG_CONFIG_HOME", str(config))
    path = config / "zhk-cabinet" / "settings.toml"
    path.parent.mkdir(parents=True)
    return path


def test_the_smtp_password_comes_from_the_store(store: MemoryKeyring, tmp_path: Path, caplog):
    store.set_password(SERVICE, "smtp", "s3cret")
    store.set_password(SERVICE, "office-mail", "other")
    path = tmp_path / "settings.toml"
    path.write_text('[smtp]\nhost = "mail"\npassword = "keyring:"\n', encoding="utf-8")
    with caplog.at_level(logging.WARNING):
        assert load_settings(path, environ={}).smtp.password == "s3cret"
    assert caplog.text == ""
    path.write_text('[smtp]\nhost = "mail"\npassword = "keyring:office-mail"\n', encoding="utf-8")
    assert load_settings(path, environ={}).smtp.password == "other"


def test_the_database_password_comes_from_the_store(store: MemoryKeyring, tmp_path: Path):
    store.set_password(SERVICE, "database", "p@ss:w/rd #1")
    path = tmp_path / "settings.toml"
    path.write_text(
        'database_url = "postgresql+psycopg://cabinet:keyring:@db.example:5432/cabinet"\n',
        encoding="utf-8",
    )
    url = make_url(load_settings(path, environ={}).database_url)
    assert (url.username, url.password, url.host, url.port, url.database) == (
        "cabinet",
        "p@ss:w/rd #1",
        "db.example",
        5432,
        "cabinet",
    )
    # The environment refers to the store the same way.
    environ = {"CABINET_DATABASE_URL": "postgresql://office:keyring:@server/cabinet"}
    url = make_url(load_settings(tmp_path / "none.toml", environ=environ).database_url)
    assert (url.username, url.password) == ("office", "p@ss:w/rd #1")


def test_a_missing_entry_is_a_warning_not_a_stop(store: MemoryKeyring, tmp_path: Path, caplog):
    path = tmp_path / "settings.toml"
    path.write_text('[smtp]\nhost = "mail"\npassword = "keyring:"\n', encoding="utf-8")
    with caplog.at_level(logging.WARNING, logger="desktop.secrets"):
        assert load_settings(path, environ={}).smtp.password == ""
    assert "settings secret smtp" in caplog.text


def test_without_a_store_a_reference_yields_no_password(no_store, tmp_path: Path, caplog):
    path = tmp_path / "settings.toml"
    path.write_text('[smtp]\nhost = "mail"\npassword = "keyring:"\n', encoding="utf-8")
    with caplog.at_level(logging.WARNING, logger="desktop.secrets"):
        assert load_settings(path, environ={}).smtp.password == ""
    assert "хранилище паролей, а его на этом компьютере нет" in caplog.text


def test_without_a_store_a_plain_password_is_read_with_a_warning(no_store, tmp_path, caplog):
    path = tmp_path / "settings.toml"
    path.write_text(
        'database_url = "postgresql://cabinet:plain@server/cabinet"\n'
        '[smtp]\nhost = "mail"\npassword = "plain-smtp"\n',
        encoding="utf-8",
    )
    with caplog.at_level(logging.WARNING, logger="desktop.secrets"):
        settings = load_settings(path, environ={})
    assert settings.smtp.password == "plain-smtp"
    assert settings.database_url == "postgresql://cabinet:plain@server/cabinet"
    warnings = [r.getMessage() for r in caplog.records]
    assert len(warnings) == 2 and all("открытым текстом" in w for w in warnings)
    assert "нет хранилища паролей" in warnings[0]


def test_with_a_store_a_plain_password_is_read_and_the_move_advised(store, tmp_path, caplog):
    path = tmp_path / "settings.toml"
    path.write_text('[smtp]\nhost = "mail"\npassword = "plain"\n', encoding="utf-8")
    with caplog.at_level(logging.WARNING, logger="desktop.secrets"):
        assert load_settings(path, environ={}).smtp.password == "plain"
    assert "python -m desktop settings secret smtp" in caplog.text


def test_the_command_line_stores_a_password(
    store: MemoryKeyring, settings_file: Path, monkeypatch, capsys
):
    monkeypatch.setattr("sys.stdin", io.StringIO("s3cret\n"))
    assert main(["settings", "secret", "smtp"]) == 0
    out = capsys.readouterr().out
    assert 'password = "keyring:"' in out and "s3cret" not in out
    assert store.entries == {(SERVICE, "smtp"): "s3cret"}

    settings_file.write_text('[smtp]\nhost = "mail"\npassword = "keyring:"\n', encoding="utf-8")
    assert load_settings().smtp.password == "s3cret"
    assert "s3cret" not in settings_file.read_text(encoding="utf-8")


@pytest.mark.parametrize("given", ["", "\n", "a\x00b\n"])
def test_the_command_line_refuses_no_password(store, settings_file, monkeypatch, capsys, given):
    monkeypatch.setattr("sys.stdin", io.StringIO(given))
    assert main(["settings", "secret", "database"]) == 1
    assert "Пароль не получен" in capsys.readouterr().err
    assert store.entries == {}


def test_the_command_line_explains_a_machine_without_a_store(
    no_store, settings_file, monkeypatch, capsys
):
    monkeypatch.setattr("sys.stdin", io.StringIO("s3cret\n"))
    assert main(["settings", "secret", "smtp"]) == 1
    err = capsys.readouterr().err
    assert "нет хранилища паролей" in err and "Traceback" not in err and "s3cret" not in err


@pytest.mark.parametrize(
    "url", ["postgresql://u:p@[::1/db", "postgresql://u:p@host:port/db", "не адрес", "sqlite://"]
)
def test_an_address_that_is_no_url_is_left_for_the_connection_to_refuse(tmp_path, url):
    environ = {"CABINET_DATABASE_URL": url}
    assert load_settings(tmp_path / "none.toml", environ=environ).database_url == url
