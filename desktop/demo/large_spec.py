"""How large a demo ``demo --accounts N [--months M] [--seed S]`` asks for, checked; and
what it made (``Counts``)."""

from __future__ import annotations

from dataclasses import dataclass

from desktop.demo.catalog import DEMO_ACCOUNTS
from desktop.errors import UserError

MAX_ACCOUNTS = 2_000_000
MAX_MONTHS = 240  # twenty years


@dataclass(frozen=True)
class LargeSpec:
    """How large: ``accounts`` in all (the demo's six included), the long history's
    ``months`` and the random ``seed``."""

    accounts: int
    months: int = 120
    seed: int = 1


def parse_spec(accounts: str | None, months: str | None, seed: str | None) -> LargeSpec | None:
    """``demo``'s ``--accounts``, ``--months`` and ``--seed`` as typed; None without
    ``--accounts``. UserError (in Russian) for anything else."""
    if accounts is None:
        if months is not None or seed is not None:
            raise UserError(
                "Параметры --months и --seed задают большую базу и действуют только вместе "
                "с --accounts, например: demo --accounts 100000 --months 120."
            )
        return None
    return LargeSpec(
        _whole(accounts, "--accounts", len(DEMO_ACCOUNTS), MAX_ACCOUNTS, "100000"),
        _whole(months, "--months", 1, MAX_MONTHS, "120") if months is not None else 120,
        _whole(seed, "--seed", 0, 2**31 - 1, "1") if seed is not None else 1,
    )


def _whole(text: str, option: str, low: int, high: int, example: str) -> int:
    value = text.strip()
    if not (value.isascii() and value.isdigit() and len(value) <= 12 and low <= int(value) <= high):
        raise UserError(
            f"{option} «{text[:30]}» указан неверно: нужно целое число от {low} до {high}, "
            f"например {option} {example}."
        )
    return int(value)


@dataclass
class Counts:
    accounts: int = 0
    periods: int = 0
    readings: int = 0
    statement_rows: int = 0
    receipts: int = 0
    support_requests: int = 0
    rows: int = 0
