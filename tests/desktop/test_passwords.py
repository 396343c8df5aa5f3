"""Password hashing and the password policy."""

from __future__ import annotations

import re
import string
import subprocess
import sys

import pytest
from argon2 import PasswordHasher
from hypothesis import given, settings
from hypothesis import strategies as st

from desktop.errors import ValidationError
from desktop.passwords import (
    DUMMY_HASH,
    MAX_LENGTH,
    MIN_LENGTH,
    check_policy,
    common_passwords,
    hash_password,
    needs_rehash,
    one_time_password,
    reset_code,
    verify_password,
)

# Characters a random password may hold: letters of both alphabets, digits, punctuation.
PASSWORD_CHARS = string.ascii_letters + string.digits + string.punctuation + "абвгдеёжзийклмн"


def test_hash_and_verify() -> None:
    hashed = hash_password("Зелёный чай 2017")
    assert hashed.startswith("$argon2id$")
    assert "Зелёный" not in hashed
    assert verify_password(hashed, "Зелёный чай 2017")
    assert not verify_password(hashed, "зелёный чай 2017")
    assert not verify_password(None, "anything")
    assert not verify_password("", "anything")
    assert not verify_password("not a hash", "anything")
    assert not verify_password(DUMMY_HASH, "")
    assert hash_password("same") != hash_password("same")  # salted


def test_needs_rehash_spots_weaker_parameters() -> None:
    weak = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1).hash("x")
    assert needs_rehash(weak)
    assert not needs_rehash(hash_password("x"))


def test_the_shipped_list_is_real() -> None:
    words = common_passwords()
    assert len(words) >= 10_000
    for common in ("123456", "password", "qwerty", "qwertyuiop", "1q2w3e4r", "йцукен"):
        assert common in words
    assert "demo2017pass" not in words
    assert not any(word.startswith("#") for word in words)


@pytest.mark.parametrize(
    "password",
    ["password", "PASSWORD", "Qwertyuiop", "1q2w3e4r5t", "йцукенгшщз", "пароль123", "baseball"],
)
def test_common_passwords_are_refused_in_any_case(password: str) -> None:
    with pytest.raises(ValidationError, match="распространён"):
        check_policy(password)


def test_the_demo_password_passes() -> None:
    check_policy("demo2017pass", account_number="3492")


@pytest.mark.parametrize(
    "password",
    ["34923492", "3492349234", "3492qwerty", "qwerty3492", "ab3492ab", "3492!!!!", "!3492!!!!"],
)
def test_passwords_built_on_the_account_number_are_refused(password: str) -> None:
    with pytest.raises(ValidationError, match="номер лицевого счета"):
        check_policy(password, account_number="3492")


@pytest.mark.parametrize("password", ["Горка34925весна", "tr3492ain-Bl0ck", "x3492yz!wq"])
def test_the_number_inside_a_real_password_is_fine(password: str) -> None:
    check_policy(password, account_number="3492")


@settings(max_examples=60, deadline=None)
@given(st.text(alphabet=PASSWORD_CHARS, max_size=MIN_LENGTH - 1))
def test_short_passwords_are_refused(password: str) -> None:
    with pytest.raises(ValidationError, match="короткий"):
        check_policy(password)


@settings(max_examples=20, deadline=None)
@given(st.text(alphabet=PASSWORD_CHARS, min_size=MAX_LENGTH + 1, max_size=MAX_LENGTH + 50))
def test_overlong_passwords_are_refused(password: str) -> None:
    with pytest.raises(ValidationError, match="длинный"):
        check_policy(password)


@settings(max_examples=100, deadline=None)
@given(st.text(alphabet=PASSWORD_CHARS, min_size=MIN_LENGTH, max_size=MAX_LENGTH))
def test_uncommon_passwords_of_allowed_length_pass(password: str) -> None:
    if password.casefold() in common_passwords() or "3492" in password:
        return
    check_policy(password, account_number="3492")


@settings(max_examples=100, deadline=None)
@given(
    number=st.from_regex(r"\A[0-9]{2}\Z"),
    before=st.text(alphabet=string.ascii_letters + string.punctuation, min_size=3, max_size=20),
    after=st.text(alphabet=string.ascii_letters + string.punctuation, min_size=3, max_size=20),
)
def test_a_two_digit_account_number_may_appear_in_a_password(
    number: str, before: str, after: str
) -> None:
    password = before + number + after
    rest = (before + after).casefold()
    if (
        len(set(rest)) < 3
        or rest in common_passwords()
        or password.casefold() in (common_passwords())
    ):
        return
    check_policy(password, account_number=number)


@settings(max_examples=60, deadline=None)
@given(
    number=st.from_regex(r"\A[0-9]{1,12}\Z"),
    padding=st.text(alphabet=PASSWORD_CHARS, max_size=2),
    repeat=st.integers(min_value=1, max_value=8),
)
def test_the_account_number_with_a_little_padding_is_refused(
    number: str, padding: str, repeat: int
) -> None:
    password = number * repeat + padding
    if not MIN_LENGTH <= len(password) <= MAX_LENGTH:
        return
    with pytest.raises(ValidationError):
        check_policy(password, account_number=number)


def test_one_time_passwords_are_random_and_easy_to_type() -> None:
    passwords = {one_time_password() for _ in range(200)}
    assert len(passwords) == 200
    for password in passwords:
        assert re.fullmatch(r"[a-hjkmnp-z2-9]{10}", password)  # no 0/o, 1/l/i look-alikes


def test_reset_codes_are_six_digits() -> None:
    codes = [reset_code() for _ in range(200)]
    assert all(re.fullmatch(r"[0-9]{6}", code) for code in codes)
    assert len(set(codes)) > 150


def test_importing_hashes_nothing_until_a_dummy_is_needed() -> None:
    """Argon2 at import would cost every process ~90 ms before its first window."""
    code = (
        "import desktop.passwords as p; made = 'DUMMY_HASH' in vars(p); "
        "assert p.verify_password(p.DUMMY_HASH, 'x') is False; print(made, 'DUMMY_HASH' in vars(p))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert result.stdout.split() == ["False", "True"]
