"""The normalised search columns (``Account.fio_norm``, ``address_norm``): one rule for them."""

from __future__ import annotations

import re

_SPACES = re.compile(r"\s+")


def normalize(text: str) -> str:
    """For search columns: casefolded, ё → е, runs of spaces collapsed."""
    return _SPACES.sub(" ", text.casefold().replace("ё", "е")).strip()


def search_columns(fio: str, address: str) -> dict[str, str]:
    """An account's search columns, for a bulk Core insert that bypasses the ORM's hook."""
    return {"fio_norm": normalize(fio), "address_norm": normalize(address)}
