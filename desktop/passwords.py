"""Password hashing (Argon2id) and the password policy."""

from __future__ import annotations

import secrets
from functools import cache
from importlib import resources

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from desktop.errors import ValidationError

MIN_LENGTH = 8
MAX_LENGTH = 128
_hasher = PasswordHasher()  # Argon2id with the library's current recommended parameters


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    if not password_hash:
        return False
    try:
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def needs_rehash(password_hash: str) -> bool:
    return _hasher.check_needs_rehash(password_hash)


def __getattr__(name: str) -> str:
    """``DUMMY_HASH``: a hash to verify against when the account is unknown, so that both
    answers take the same time and nothing tells whether an account exists. Made on first
    use, not at import: Argon2 costs ~90 ms, which every process would pay before its first
    window otherwise."""
    if name == "DUMMY_HASH":
        value = _hasher.hash(secrets.token_hex(16))
        globals()[name] = value
        return value
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


@cache
def common_passwords() -> frozenset[str]:
    text = resources.files("desktop").joinpath("data/common-passwords.txt").read_text("utf-8")
    return frozenset(
        line.strip().casefold() for line in text.splitlines() if line.strip() and line[0] != "#"
    )


def check_policy(password: str, *, account_number: str = "") -> None:
    """Raise ValidationError (in Russian) if the new password is not acceptable."""
    if len(password) < MIN_LENGTH:
        raise ValidationError(f"Пароль слишком короткий: нужно не меньше {MIN_LENGTH} символов.")
    if len(password) > MAX_LENGTH:
        raise ValidationError(f"Пароль слишком длинный: не больше {MAX_LENGTH} символов.")
    if password.casefold() in common_passwords():
        raise ValidationError(
            "Этот пароль слишком распространён и легко угадывается. Придумайте другой."
        )
    if account_number and _built_on(password, account_number):
        raise ValidationError(
            "Пароль не должен повторять номер лицевого счета: его знают все, кто видел "
            "квитанцию. Придумайте пароль, не основанный на номере счета."
        )


def _built_on(password: str, account_number: str) -> bool:
    """True if the password is the account number with little or nothing guessable around it.

    A password that merely contains the number (a short one like «12» often will) is fine as
    long as what remains is a password in its own right.
    """
    number = account_number.strip().casefold()
    folded = password.casefold()
    if not number or number not in folded:
        return False
    rest = folded.replace(number, "")
    # Padding such as «!!», «ab», «1» or a common word («qwerty3492») is what a guesser tries
    # first once they know the number.
    return len(set(rest)) < 3 or rest in common_passwords()


def one_time_password(length: int = 10) -> str:
    """A random password without look-alike characters, easy to type from a slip."""
    alphabet = "abcdefghjkmnpqrstuvwxyz23456789"
    return "".join(secrets.choice(alphabet) for _ in range(length))


def reset_code() -> str:
    """A 6-digit single-use code."""
    return f"{secrets.randbelow(10**6):06d}"
