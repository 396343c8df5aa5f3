"""Passwords at rest: the SMTP and database passwords in the OS credential store (keyring).

The settings file holds a reference in place of the password::

    database_url = "postgresql://cabinet:keyring:@server/cabinet"

    [smtp]
    password = "keyring:"

and ``python -m desktop settings secret smtp`` (or ``database``) puts the password into the
store: Windows Credential Manager, the macOS Keychain, the Secret Service on Linux. Where the
machine has no store, a password written in the file is still read, with a warning each start.
"""

from __future__ import annotations

import dataclasses
import logging
from typing import TYPE_CHECKING
from urllib.parse import quote, unquote, urlsplit, urlunsplit

from desktop import APP_NAME
from desktop.errors import UserError

if TYPE_CHECKING:
    from desktop.settings import Settings

log = logging.getLogger(__name__)

SERVICE = APP_NAME  # the entries' «service» in the store: one per application
REFERENCE = "keyring:"  # a password that says where it is, optionally «keyring:ENTRY»
ENTRIES = {"smtp": "пароль почтового сервера (SMTP)", "database": "пароль базы данных"}


class SecretStoreError(UserError):
    pass


def store_name() -> str | None:
    """The credential store this machine has, for messages; None if it has none."""
    import keyring
    from keyring.backends import fail, null

    try:
        backend = keyring.get_keyring()
    except Exception:  # a broken backend configuration is «no store» as far as we care
        return None
    if isinstance(backend, fail.Keyring | null.Keyring) or backend.priority <= 0:
        return None
    return getattr(backend, "name", type(backend).__name__)


def is_reference(value: str) -> bool:
    return value.startswith(REFERENCE)


def store_secret(entry: str, password: str) -> str:
    """Put ``password`` into the store under ``entry``; the store's name."""
    import keyring
    from keyring.errors import KeyringError

    name = store_name()
    if name is None:
        raise SecretStoreError(
            "На этом компьютере нет хранилища паролей (на Linux его даёт служба Secret Service, "
            "например GNOME Keyring или KWallet). Пароль можно оставить в файле настроек — "
            "программа его прочитает, но предупредит; закройте файл от чужих правами доступа."
        )
    try:
        keyring.set_password(SERVICE, entry, password)
    except KeyringError as error:
        raise SecretStoreError(
            f"Хранилище паролей ({name}) не приняло пароль: {error}. Разблокируйте его "
            "и повторите команду."
        ) from None
    return name


def _read(entry: str) -> str | None:
    import keyring
    from keyring.errors import KeyringError

    try:
        return keyring.get_password(SERVICE, entry)
    except KeyringError as error:
        log.warning("Хранилище паролей не выдало запись %s/%s: %s", SERVICE, entry, error)
        return None


def _resolve(value: str, entry: str, key: str) -> str:
    """The password a setting means: read from the store for a reference, else as written.

    The warnings are for the administrator who reads the program's output, so in Russian."""
    if not value:
        return value
    if not is_reference(value):
        where = store_name()
        advice = (
            f"перенесите его в хранилище паролей ({where}): python -m desktop settings secret "
            f"{entry}"
            if where
            else "на этом компьютере нет хранилища паролей, закройте файл от чужих правами доступа"
        )
        log.warning("Настройка %s: пароль записан открытым текстом; %s.", key, advice)
        return value
    name = value[len(REFERENCE) :].strip() or entry
    if store_name() is None:
        log.warning(
            "Настройка %s ссылается на хранилище паролей, а его на этом компьютере нет: "
            "пароль не задан. Впишите пароль в файл настроек или установите хранилище.",
            key,
        )
        return ""
    secret = _read(name)
    if secret is None:
        log.warning(
            "Настройка %s ссылается на хранилище паролей, но записи «%s» в нём нет: пароль не "
            "задан. Сохраните его: python -m desktop settings secret %s",
            key,
            name,
            entry,
        )
        return ""
    return secret


def resolve_secrets(settings: Settings) -> Settings:
    """``settings`` with each referenced password taken from the store (in memory only)."""
    smtp = dataclasses.replace(
        settings.smtp, password=_resolve(settings.smtp.password, "smtp", "smtp.password")
    )
    url = settings.database_url
    try:
        parts = urlsplit(url)
        written_password = parts.password
    except ValueError:  # not a URL at all: connecting says so, in Russian
        return dataclasses.replace(settings, smtp=smtp)
    if written_password is not None:
        written = unquote(written_password)
        password = _resolve(written, "database", "database_url")
        if password != written:
            userinfo, _, host = parts.netloc.rpartition("@")
            user = userinfo.partition(":")[0]
            netloc = f"{user}:{quote(password, safe='')}@{host}" if password else f"{user}@{host}"
            url = urlunsplit(parts._replace(netloc=netloc))
    return dataclasses.replace(settings, smtp=smtp, database_url=url)
