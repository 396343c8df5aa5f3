"""Text normalisation for comparison and search: case-, space- and ё-insensitive.

``normalize`` lives with the search columns it fills (db.search); it is re-exported here."""

from __future__ import annotations

import re
import unicodedata

from db.search import normalize

__all__ = ["clean_text", "normalize", "normalize_fio"]

_SPACES = re.compile(r"\s+")
_INVISIBLE = {"Cc", "Cf", "Cs"}  # control, format (soft hyphen, zero-width), surrogates


def normalize_fio(text: str) -> str:
    """For comparing a ФИО with the receipt's: as ``normalize`` but with no spaces at all,
    so «Иванов И. И.» and «иванов и.и.» match."""
    return _SPACES.sub("", text.casefold().replace("ё", "е"))


def clean_text(value: str) -> str:
    """Typed or pasted text with runs of white space made one space and invisible characters
    (control, soft hyphen, zero-width; PostgreSQL refuses NUL) dropped."""
    value = _SPACES.sub(" ", value)
    return "".join(c for c in value if unicodedata.category(c) not in _INVISIBLE).strip()
