"""The layouts banks and payment agents send their payment registries in, each a small
declarative profile: the columns in their order, the separator and encoding the bank uses,
the date forms it writes, and the closing totals line. ``python -m desktop import --profile
NAME`` chooses one; without it, a registry's first line tells which (``detect``).
Documented in docs/exchange.md; examples in resources/exchange/."""

from __future__ import annotations

import re
from dataclasses import dataclass

from desktop.common.problems import ProblemError
from desktop.exchange.columns import Field


@dataclass(frozen=True)
class Profile:
    """One registry layout. The registry has no header line: ``fields`` are its columns in
    order (their titles name them in messages). Cells of the form ``NAME:value`` (Sberbank's
    extra attributes, such as ``CounterVal_1:123,45``) may stand anywhere in a line and are
    not counted among the columns."""

    name: str  # as --profile takes it
    title: str  # «Сбербанк», shown in the report
    bank: str  # stored with each payment: with the operation and the day, its key
    fields: tuple[Field, ...]
    separator: str = ";"  # as the bank writes it (the reader detects «;» or a tab anyway)
    encoding: str = "cp1251"  # as the bank writes it (the reader detects UTF-8 too)
    date_forms: tuple[str, ...] = ("ДД-ММ-ГГГГ", "ДД.ММ.ГГГГ")  # the payment's day
    totals_mark: str = "="  # the closing line starts with it; it must be there
    totals: tuple[str, ...] = ("count", "amount", "transfer", "commission")  # its cells
    has_time: bool = False  # the second column is the time: how its lines are told apart

    def has(self, key: str) -> bool:
        return any(f.key == key for f in self.fields)


SBERBANK = Profile(
    name="sberbank",
    title="Сбербанк",
    bank="ПАО Сбербанк",
    fields=(
        Field("date", "дата", required=True),
        Field("time", "время"),
        Field("branch", "отделение"),
        Field("cashier", "ВСП/кассир"),
        Field("operation", "№ операции", required=True),
        Field("account", "ЛС", required=True),
        Field("fio", "ФИО"),
        Field("address", "адрес"),
        Field("period", "период"),
        Field("amount", "сумма", required=True),
        Field("transfer", "сумма к перечислению", required=True),
        Field("commission", "комиссия", required=True),
    ),
    has_time=True,
)

AGENT = Profile(
    name="agent",
    title="общий реестр платежного агента",
    bank="Платежный агент",
    fields=(
        Field("date", "дата", required=True),
        Field("operation", "№ платежа", required=True),
        Field("account", "ЛС", required=True),
        Field("fio", "ФИО"),
        Field("address", "адрес"),
        Field("period", "период"),
        Field("amount", "сумма", required=True),
        Field("commission", "комиссия"),  # may be left out: no fee
    ),
    date_forms=("ДД.ММ.ГГГГ", "ДД/ММ/ГГГГ"),
    totals=("count", "amount", "commission"),
)

PROFILES: dict[str, Profile] = {p.name: p for p in (SBERBANK, AGENT)}
DEFAULT = SBERBANK

_ATTRIBUTE = re.compile(r"^\s*([A-Za-z_][A-Za-z0-9_]*)\s*:(.*)$", re.DOTALL)


def attribute(cell: str) -> tuple[str, str] | None:
    """A ``NAME:value`` cell's name and value (``CounterVal_1:123,45``), else None."""
    found = _ATTRIBUTE.match(cell)
    return (found[1], found[2].strip()) if found else None


def plain_cells(cells: list[str]) -> list[str]:
    """A line's cells without its ``NAME:value`` attributes: the profile's columns."""
    return [cell for cell in cells if attribute(cell) is None]


def day_pattern(form: str) -> re.Pattern[str]:
    """«ДД-ММ-ГГГГ» → a pattern of the day, month and year with that separator."""
    separator = re.escape(form[2])
    return re.compile(rf"^(\d{{1,2}}){separator}(\d{{1,2}}){separator}(\d{{4}})$")


def unknown_profile(name: str) -> ProblemError:
    return ProblemError.one(
        f"Формат реестра «{name}» не известен. Можно: "
        + ", ".join(f"{p.name} — {p.title}" for p in PROFILES.values())
        + ".",
        field="profile",
    )


def named(name: str) -> Profile:
    if name not in PROFILES:
        raise unknown_profile(name)
    return PROFILES[name]
