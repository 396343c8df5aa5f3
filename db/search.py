"""The normalised search columns (``Account.fio_norm``, ``address_norm``) and the words the
search indexes see in them: one rule for both.

The search indexes (revision 0010) see a normalised text as words: runs of characters between
white space and ``SEPARATORS``. On SQLite a trigram FTS5 table ``account_search`` holds each
account's ФИО and address with every separator made two spaces and two in front, so «the
beginning of a word» is the substring «two spaces + the word's start», which has three
characters even for one letter; triggers on ``account`` keep it in step, whoever writes. On
PostgreSQL the same words are stored generated columns ``account.fio_words`` and
``address_words`` (a space in front, every separator a space: ``PG_WORDS_COLUMNS``), served
by a pg_trgm GIN index; prefixes of the account number and meter
serial by C-collated expression indexes, right under any database collation.
"""

from __future__ import annotations

import re

_SPACES = re.compile(r"\s+")

# What separates words in a normalised ФИО or address (besides white space). Revision 0010
# holds a frozen copy: change both or neither.
SEPARATORS = ".,;:()\"'«»/-–—№"
FTS_TABLE = "account_search"
_TO_SPACE = str.maketrans(SEPARATORS, " " * len(SEPARATORS))


def normalize(text: str) -> str:
    """For search columns: casefolded, ё → е, runs of spaces collapsed."""
    return _SPACES.sub(" ", text.casefold().replace("ё", "е")).strip()


def search_columns(fio: str, address: str) -> dict[str, str]:
    """An account's search columns, for a bulk Core insert that bypasses the ORM's hook."""
    return {"fio_norm": normalize(fio), "address_norm": normalize(address)}


def words(text: str) -> list[str]:
    """The words of a typed query as the search indexes see a row's: normalised, split at
    white space and ``SEPARATORS``. Anything else (``%``, ``_``, ``*``) is part of a word."""
    return normalize(text).translate(_TO_SPACE).split()


# Objects of revision 0010 that the models do not describe (an FTS5 table and its shadow
# tables, expression indexes): schema comparisons leave them out.
SEARCH_INDEXES = ("ix_account_number_c", "ix_meter_serial_c", "ix_account_words_trgm")
PG_WORDS_COLUMNS = ("fio_words", "address_words")  # of ``account``, PostgreSQL only


def include_object(
    obj: object, name: str | None, type_: str, reflected: bool, compare_to: object
) -> bool:
    """Alembic's ``include_object`` hook: False for the search index's own objects."""
    if type_ == "table" and name is not None:
        return name != FTS_TABLE and not name.startswith(FTS_TABLE + "_")
    if type_ == "column" and reflected and name in PG_WORDS_COLUMNS:
        return False
    return not (type_ == "index" and name in SEARCH_INDEXES)
