"""Russian plurals: «1 квитанция», «3 квитанции», «5 квитанций»."""

from __future__ import annotations


def plural_form(count: int, one: str, few: str, many: str) -> str:
    """The word for ``count``: ``one`` for 1, 21…, ``few`` for 2–4, 22…, else ``many``."""
    count = abs(count)
    if count % 10 == 1 and count % 100 != 11:
        return one
    if 2 <= count % 10 <= 4 and not 12 <= count % 100 <= 14:
        return few
    return many


def plural(count: int, one: str, few: str, many: str) -> str:
    """``count`` followed by its word: plural(3, "день", "дня", "дней") == "3 дня"."""
    return f"{count} {plural_form(count, one, few, many)}"
