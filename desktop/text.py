"""Text normalisation for comparison and search: case-, space- and ё-insensitive."""

from __future__ import annotations

import re

_SPACES = re.compile(r"\s+")


def normalize(text: str) -> str:
    """For search columns: casefolded, ё → е, runs of spaces collapsed."""
    return _SPACES.sub(" ", text.casefold().replace("ё", "е")).strip()


def normalize_fio(text: str) -> str:
    """For comparing a ФИО with the receipt's: as ``normalize`` but with no spaces at all,
    so «Иванов И. И.» and «иванов и.и.» match."""
    return _SPACES.sub("", text.casefold().replace("ё", "е"))
