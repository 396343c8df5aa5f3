"""indexed account search: FTS5 trigram on SQLite, pg_trgm and C-collated prefixes on PostgreSQL

SQLite: a contentless FTS5 table ``account_search`` (trigram tokenizer, case-sensitive: the
text is normalised already) holds, per account (rowid = account.id), its ``fio_norm`` and
``address_norm`` with every separator made a space, every space doubled and two spaces in
front. A word's beginning is then the substring «two spaces + the beginning», three
characters or more even for one typed letter, which a trigram index serves; an address
substring is the bare substring. Triggers on ``account`` keep it in step for every writer
(the ORM, the large demo's bulk inserts, imports). A later batch migration that rebuilds
``account`` must create the triggers again.

PostgreSQL: the same words in two stored generated columns ``account.fio_words`` and
``address_words`` (a space in front, every separator a space; the database fills them for
every writer), ``pg_trgm`` (a trusted extension: the database owner may create it) and a
GIN trigram index over them; prefixes of the account number and
of meter serials by C-collated expression indexes, which serve a code point range under any
database collation (a Russian ICU one too). If pg_trgm cannot be created the migration goes
on without the trigram index, with a warning: search stays right but scans the accounts.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-01
"""

import logging
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

log = logging.getLogger(__name__)

SEPARATORS = ".,;:()\"'«»/-–—№"  # db.search.SEPARATORS, frozen here


def _string(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def _sqlite_words(column: str) -> str:
    expr = column
    for char in SEPARATORS:
        expr = f"replace({expr}, {_string(char)}, ' ')"
    return f"('  ' || replace({expr}, ' ', '  '))"


def _pg_words(column: str) -> str:
    return f"(' ' || translate({column}, {_string(SEPARATORS)}, '{' ' * len(SEPARATORS)}'))"


def _values(row: str) -> str:
    return f"{row}.id, {_sqlite_words(f'{row}.fio_norm')}, {_sqlite_words(f'{row}.address_norm')}"


_SQLITE = [
    # A schema dropped table by table (the demo's reset) leaves the index, stale: not ours.
    "DROP TABLE IF EXISTS account_search",
    "CREATE VIRTUAL TABLE account_search USING fts5("
    "fio, address, content='', tokenize='trigram case_sensitive 1')",
    "INSERT INTO account_search (rowid, fio, address) SELECT "
    + _values("account")
    + " FROM account",
    "CREATE TRIGGER account_search_insert AFTER INSERT ON account BEGIN "
    f"INSERT INTO account_search (rowid, fio, address) VALUES ({_values('new')}); END",
    "CREATE TRIGGER account_search_delete AFTER DELETE ON account BEGIN "
    "INSERT INTO account_search (account_search, rowid, fio, address) "
    f"VALUES ('delete', {_values('old')}); END",
    "CREATE TRIGGER account_search_update AFTER UPDATE OF id, fio_norm, address_norm ON account "
    "BEGIN INSERT INTO account_search (account_search, rowid, fio, address) "
    f"VALUES ('delete', {_values('old')}); "
    f"INSERT INTO account_search (rowid, fio, address) VALUES ({_values('new')}); END",
]

_PG_PREFIXES = [
    'CREATE INDEX ix_account_number_c ON account ((number COLLATE "C"))',
    'CREATE INDEX ix_meter_serial_c ON meter ((serial COLLATE "C"))',
]
# Stored, not computed per row at each search: translate() on Cyrillic costs microseconds.
_PG_COLUMNS = [
    f"ALTER TABLE account ADD COLUMN {name}_words text GENERATED ALWAYS AS "
    f"({_pg_words(f'{name}_norm')}) STORED"
    for name in ("fio", "address")
]
_PG_TRIGRAMS = (
    "CREATE INDEX ix_account_words_trgm ON account USING gin "
    "(fio_words gin_trgm_ops, address_words gin_trgm_ops)"
)


def upgrade() -> None:
    conn = op.get_bind()
    if conn.dialect.name != "postgresql":
        for statement in _SQLITE:
            op.execute(statement)
        return
    for statement in _PG_PREFIXES + _PG_COLUMNS:
        op.execute(statement)
    try:
        with conn.begin_nested():
            conn.exec_driver_sql("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    except sa.exc.DBAPIError as error:
        log.warning("pg_trgm is not available (%s): account search will scan", error.orig)
        return
    op.execute(_PG_TRIGRAMS)


def downgrade() -> None:
    conn = op.get_bind()
    if conn.dialect.name != "postgresql":
        for name in ("insert", "delete", "update"):
            op.execute(f"DROP TRIGGER account_search_{name}")
        op.execute("DROP TABLE account_search")
        return
    op.execute("DROP INDEX IF EXISTS ix_account_words_trgm")
    op.execute("ALTER TABLE account DROP COLUMN fio_words, DROP COLUMN address_words")
    op.execute("DROP INDEX ix_meter_serial_c")
    op.execute("DROP INDEX ix_account_number_c")
    # The extension stays: other objects may use it, and it holds no data of ours.
