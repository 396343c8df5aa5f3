"""Staff find accounts as they type: by number, ФИО, address or meter serial, over indexes
(revision 0010), a page of rows with what the office's counter shows and a count of all.

The rule, for a query of words (split at white space and the punctuation of addresses,
``db.search.words``), case-free and with ё = е:

* One number (spaces and a leading «№» ignored, «34 92», «№ 21883»): accounts whose number
  starts with it — the exact one first, then by number as text — then accounts with a meter
  whose serial starts with it, by serial. A lone number does not search addresses: every
  house and flat with that number would bury the account.
* Anything else: an account matches when **every** word matches its ФИО or its address, in
  any order: a word matches the beginning of a word of either («иванов и и», «и и иванов»,
  «ленина 5 12», «12 ленина»), and a word of three letters or more also anywhere inside the
  address («енин»). Words where one begins another («иванов» and «и», «и» and «и», «1» and
  «12») must begin different words of the row: «иванов и» finds «Иванов И.И.» and not
  «Иванов П.С.», «ленина 1 12» needs two numbers. Results go by account id (the order
  accounts were added, building by building in bulk loads). A query that is one token with
  a digit («ab-770») also finds meter serials that start with it, before the rest.
* Every other character (``%``, ``_``, ``*``, quotes, FTS5 syntax like ``NEAR(``, ``AND``)
  is literal text, never an error.

The count stops at ``COUNT_CAP``: ``SearchResult.more`` says there are more matches than
``total`` («более 1000»). Nothing fetches every match: each source reads its index once a
keystroke, up to the count's cap, and gives both its part of the page and its count (the
database counts, only the page's ids come back); one more statement reads the page's rows.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from itertools import permutations
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Integer,
    Select,
    String,
    and_,
    bindparam,
    column,
    exists,
    func,
    literal,
    literal_column,
    not_,
    or_,
    select,
    table,
    text,
    union_all,
)
from sqlalchemy.orm import Session

from db.models import Account, Meter
from db.search import FTS_TABLE, SEPARATORS, words
from desktop.account_rows import FoundAccount, page_rows

COUNT_CAP = 1000
# Rows of the index read at most to count matches that need a check beyond it (words that
# begin one another): past them the count says «at least».
CANDIDATES = 2000
_SERIAL_SLACK = 64  # meters read beyond the count's cap: an account may have several
_MAX_RELATED = 4  # words that begin one another, checked in every order (4! patterns)
_SUBSTRING_MIN = 3
# GLOB's class of what comes before a word: white space (normalised to a space) and the
# separators, «-» last so that it is itself.
_WORD_START = "[ " + SEPARATORS.replace("-", "") + "-]"
_RE_WORD_START = "[ " + re.escape(SEPARATORS) + "]"
_MAX_CHAR = 0x10FFFF
_SURROGATES = range(0xD800, 0xE000)


@dataclass(frozen=True)
class SearchResult:
    rows: tuple[FoundAccount, ...]  # the first ``limit`` matches, in the rule's order
    total: int  # matches counted: all of them, or COUNT_CAP when ``more``
    # The count stopped early: more than COUNT_CAP match («более 1000»), or, for words that
    # begin one another, CANDIDATES rows were read and ``total`` is a floor («не менее 51»).
    more: bool = False

    def __iter__(self) -> Iterator[FoundAccount]:
        return iter(self.rows)

    def __len__(self) -> int:
        return len(self.rows)


EMPTY = SearchResult((), 0)

# A source of matches: (ids wanted, ids already taken) -> (new ids in order, exhausted), and
# its count up to a cap, not counting what an earlier source matches, and whether it counted
# them all (False: it read CANDIDATES rows and stopped).
Page = Callable[[Session, int, set[int]], tuple[list[int], bool]]
Count = Callable[[Session, int], tuple[int, bool]]


def search(s: Session, query: str, limit: int, *, sqlite: bool) -> SearchResult:
    """The accounts that ``query`` (already cleaned of invisible characters) finds; see the
    module's rule."""
    compact = query.replace(" ", "")
    serial = compact.lstrip("№")
    tiers: list[tuple[Page, Count]] = []
    exclude: list[ColumnElement[bool]] = []  # what earlier tiers match, for the counts
    if compact.isdigit():
        number = _number_column(sqlite)
        matches = _prefix(number, compact)
        tiers.append(_number_tier(matches, number))
        exclude.append(matches)
    if serial and any(c.isdigit() for c in serial) and (serial.isdigit() or " " not in query):
        serial_matches = or_(
            *(_prefix(_serial_column(sqlite), v) for v in sorted({serial, serial.upper()}))
        )
        tiers.append(_serial_tier(serial_matches, exclude, sqlite))
        exclude = [_has_meter(serial_matches)]
    typed = words(query)
    if typed and not compact.isdigit():
        tiers.append(_fts_tier(typed, exclude) if sqlite else _pg_tier(typed, exclude))
    if not tiers:
        return EMPTY

    taken: list[int] = []
    exhausted = True
    for page, _count in tiers:
        if len(taken) >= limit:
            exhausted = False
            break
        ids, done = page(s, limit - len(taken), set(taken))
        taken += ids
        exhausted = exhausted and done
    if exhausted:
        total, more = len(taken), False
    else:
        total, more = 0, False
        for _page, count in tiers:
            counted, complete = count(s, COUNT_CAP + 1 - total)
            total += counted
            if total > COUNT_CAP:
                total, more = COUNT_CAP, True
                break
            if not complete:  # stopped after CANDIDATES: at least ``total``
                more = True
                break
    return SearchResult(page_rows(s, taken), total, more)


# -- sources -------------------------------------------------------------------------------


def _number_tier(matches: ColumnElement[bool], order: ColumnElement[str]) -> tuple[Page, Count]:
    """Account numbers from the prefix's index range, in its order: the page and the count
    in one read."""
    return _tier(select(Account.id).where(matches), order, _UNCHECKED, ordered=True)


def _serial_tier(
    matches: ColumnElement[bool], earlier: list[ColumnElement[bool]], sqlite: bool
) -> tuple[Page, Count]:
    """Accounts with a meter whose serial starts with the query, in serial order, from one
    read of the prefix's index range: an account may have several such meters, so a few
    more than the count's cap are read (four times as many if they were too few accounts). The
    count leaves out what ``earlier`` tiers match (numbers starting with the same digits),
    flagged on each meter's row."""
    order = _serial_column(sqlite)
    query: Select[Any] = select(Meter.account_id).where(matches).order_by(order)
    if earlier:
        query = query.add_columns(or_(*earlier)).join(Account, Account.id == Meter.account_id)
    reads: list[tuple[list[int], list[int], bool]] = []

    def read(s: Session) -> tuple[list[int], list[int], bool]:
        fetch = COUNT_CAP + 1 + _SERIAL_SLACK
        while not reads:
            rows = s.connection().execute(query.limit(fetch)).all()
            accounts = list(dict.fromkeys(row[0] for row in rows))  # the first meter's order
            earlier_ones = {row[0] for row in rows if earlier and row[1]}
            counted = [i for i in accounts if i not in earlier_ones]
            if len(rows) < fetch or len(counted) > COUNT_CAP:
                reads.append((accounts, counted, len(rows) < fetch))
            fetch *= 4
        return reads[0]

    def page(s: Session, wanted: int, taken: set[int]) -> tuple[list[int], bool]:
        accounts, _counted, complete = read(s)
        fresh = [i for i in accounts if i not in taken]
        return fresh[:wanted], complete and len(fresh) <= wanted

    def count(s: Session, cap: int) -> tuple[int, bool]:
        return min(len(read(s)[1]), cap), True

    return page, count


def _fts_tier(typed: list[str], earlier: list[ColumnElement[bool]]) -> tuple[Page, Count]:
    """SQLite: one FTS5 MATCH over the trigram table, read in rowid order; words that begin
    one another checked on the account's words as they are read."""
    terms = []
    for word in _widest(typed):
        start = _phrase("  " + word)
        if word.isalpha() and len(word) >= _SUBSTRING_MIN:
            terms.append(f"(fio : {start} OR address : {_phrase(word)})")
        else:
            terms.append(start)
    fts = table(FTS_TABLE, column("rowid", Integer))
    rowid: ColumnElement[int] = fts.c.rowid
    base = select(rowid).where(
        text(f"{FTS_TABLE} MATCH :match").bindparams(match=" AND ".join(terms))
    )
    group = _related(typed)
    if earlier or group:
        base = base.join_from(fts, Account, Account.id == rowid).where(*(not_(e) for e in earlier))
    row = literal_column("' ' || account.fio_norm || ' ' || account.address_norm", String)
    # A word begins after a space or a separator: a GLOB character class says so.
    patterns = [
        "*" + "*".join(f"{_WORD_START}{_glob_escape(w)}" for w in order) + "*"
        for order in _orders(group)
    ]
    check = or_(*(row.op("GLOB")(p) for p in patterns)) if patterns else None
    return _tier(base, rowid, _Check(group, row, check), ordered=True)


def _pg_tier(typed: list[str], earlier: list[ColumnElement[bool]]) -> tuple[Page, Count]:
    """PostgreSQL: LIKE over the stored words columns that the pg_trgm index holds."""
    fio: ColumnElement[str] = literal_column("account.fio_words", String)
    address: ColumnElement[str] = literal_column("account.address_words", String)
    # A word of one or two characters gives a trigram that most rows have: beside a longer
    # word it is checked on the rows the longer one finds, not looked up in the index (the
    # columns as expressions the index does not hold).
    widest = _widest(typed)
    long = any(len(w) >= _SUBSTRING_MIN for w in widest)
    conditions = []
    for word in widest:
        start = _like(f"% {_like_escape(word)}%")
        anywhere = start
        if word.isalpha() and len(word) >= _SUBSTRING_MIN:
            anywhere = _like(f"%{_like_escape(word)}%")
        in_fio, in_address = fio, address
        if long and len(word) < _SUBSTRING_MIN:
            in_fio, in_address = fio.concat(""), address.concat("")
        conditions.append(
            or_(in_fio.like(start, escape="\\"), in_address.like(anywhere, escape="\\"))
        )
    group = _related(typed)
    row = fio.concat(address)
    patterns = ["%" + "%".join(f" {_like_escape(w)}" for w in o) + "%" for o in _orders(group)]
    check = or_(*(row.like(_like(p)) for p in patterns)) if patterns else None
    base = select(Account.id).where(*conditions, *(not_(e) for e in earlier))
    # Letters alone (the first keystroke): the trigram «  и» is in most rows and its list in
    # the index long (9–16 ms to read under load); the planner, knowing from the statistics
    # how often the letter begins a word, walks the ids for a common one (1–2 ms to the
    # cap) or reads the index for a rare one. Longer words go to the index: walking the
    # ids for «ни» (2 % of the rows) read 57 000 of them, 40–70 ms.
    letters = all(len(w) == 1 for w in widest)
    return _tier(base, Account.id, _Check(group, row, check), ordered=letters)


@dataclass(frozen=True)
class _Check:
    """Words that begin one another (``group``) must begin different words of the row: checked
    here on the row's words (``row``, read beside each candidate), or by ``sql`` where the
    page must be read from the database beyond the candidates."""

    group: list[str]
    row: ColumnElement[str]
    sql: ColumnElement[bool] | None


_UNCHECKED = _Check([], literal_column("''", String), None)


@dataclass
class _Read:
    # In key order: all the candidates that pass, or the first ``fetch`` (unless checked
    # ones of an unordered read, then a part of them).
    matched: list[int]
    total: int  # matches (or candidates, with a check) read, at most the cap
    complete: bool  # every candidate was read


def _tier(base: Select[Any], key: Any, check: _Check, *, ordered: bool) -> tuple[Page, Count]:
    """The page and count of a words tier from one read of the index: ``base`` gives the
    candidates by ``key``, at most the count's cap of them; the page is their first
    ``wanted``, the count their number. ``ordered``: the index gives them in key order (FTS5
    by rowid) — else (pg_trgm, where the key is the id) they come in the table's order,
    cheaply cut at the cap, and are sorted; past the cap the page walks the key's index,
    where the many matches are met soonest."""
    checked = check.sql is not None
    cap = (CANDIDATES if checked else COUNT_CAP) + 1
    reads: list[_Read] = []

    def read(s: Session, fetch: int) -> _Read:
        if reads:
            return reads[0]
        conn = s.connection()
        if not ordered:
            # A plan that reads the table itself to meet the cap sooner lands in the
            # slowest case (a LIKE on every row): the trigram index it is.
            conn.exec_driver_sql("SET LOCAL enable_seqscan = off")
        if checked:  # every candidate's words, checked here
            query = base.add_columns(check.row)
            rows = conn.execute((query.order_by(key) if ordered else query).limit(cap)).all()
            search = _apart(_orders(check.group)).search
            matched = [row[0] for row in rows if search(row[1])]
            got = _Read(matched if ordered else sorted(matched), len(rows), len(rows) < cap)
        elif ordered:  # the first ``fetch`` in index order, and the count beside them
            counted = select(func.count()).select_from(base.limit(cap).subquery())
            query = base.add_columns(counted.scalar_subquery()).order_by(key).limit(fetch)
            rows = conn.execute(query).all()
        else:
            # One read of the index, counted and sorted by the database; if it reached the
            # cap, the page walks the key's index instead (the same statement: what is not
            # needed is skipped).
            capped = base.limit(cap).cte("capped")
            id_ = next(iter(capped.c))
            n = select(func.count()).select_from(capped).scalar_subquery()
            few = select(id_, n).where(n <= COUNT_CAP).order_by(id_).limit(fetch)
            many = base.add_columns(literal(cap)).where(n > COUNT_CAP).order_by(key)
            both = union_all(select(few.subquery()), select(many.limit(fetch).subquery()))
            rows = sorted(conn.execute(both).all())  # the key is the id
        if not checked:
            total = rows[0][1] if rows else 0
            got = _Read([row[0] for row in rows], total, total < cap)
        reads.append(got)
        return got

    def page(s: Session, wanted: int, taken: set[int]) -> tuple[list[int], bool]:
        fetch = wanted + len(taken)
        got = read(s, fetch)
        fresh = [i for i in got.matched if i not in taken]
        if got.complete or ((ordered or not checked) and len(fresh) >= wanted):
            every = checked or got.total <= fetch  # no match beyond those read here
            return fresh[:wanted], got.complete and every and len(fresh) <= wanted
        matching = base if check.sql is None else base.where(check.sql)
        found = list(s.connection().scalars(matching.order_by(key).limit(fetch)))
        return [i for i in found if i not in taken][:wanted], len(found) < fetch

    def count(s: Session, cap: int) -> tuple[int, bool]:
        got = read(s, 1)
        if not checked:
            return min(got.total, cap), True
        matched = min(len(got.matched), cap)
        return matched, got.complete or matched >= cap

    return page, count


def _apart(orders: list[tuple[str, ...]]) -> re.Pattern[str]:
    """What a row's words (a space in front) must hold: each word of an order beginning a
    word after the one before (a space or a separator before each)."""
    return re.compile(
        "|".join(".*".join(_RE_WORD_START + re.escape(w) for w in order) for order in orders)
    )


def _widest(typed: list[str]) -> list[str]:
    """The words that begin no other typed word: a row with a word beginning «иванов» has
    one beginning «и», so the index need not be asked for «и» (a long list) too."""
    kept = dict.fromkeys(typed)
    return [w for w in kept if not any(o != w and o.startswith(w) for o in kept)]


def _related(typed: list[str]) -> list[str]:
    """Words where one begins another («иванов» and «и», «и» and «и», «1» and «12») must
    begin different words of the row: those words, longest first; none when no two words
    are so related or too many are (then each word alone must match)."""
    related = {
        word
        for i, word in enumerate(typed)
        for j, other in enumerate(typed)
        if i != j and (word.startswith(other) or other.startswith(word))
    }
    group = [w for w in typed if w in related]
    if len(group) < 2 or len(group) > _MAX_RELATED:
        return []
    return sorted(group, key=len, reverse=True)


def _orders(group: list[str]) -> list[tuple[str, ...]]:
    """Every order of ``group``'s words, for a pattern each."""
    return sorted(set(permutations(group))) if group else []


# -- pieces --------------------------------------------------------------------------------


def _number_column(sqlite: bool) -> Any:
    # SQLite compares text by code point; on PostgreSQL the C-collated index (0010) does.
    return Account.number if sqlite else Account.number.collate("C")


def _serial_column(sqlite: bool) -> Any:
    return Meter.serial if sqlite else Meter.serial.collate("C")


def _has_meter(matches: ColumnElement[bool]) -> ColumnElement[bool]:
    return exists().where(Meter.account_id == Account.id, matches)


def _prefix(column: ColumnElement[str], prefix: str) -> ColumnElement[bool]:
    """``column`` starts with ``prefix``, as a code point range an index serves (the column
    must compare by code point). Needs no escaping."""
    upper = _successor(prefix)
    low = column >= prefix
    return low if upper is None else and_(low, column < upper)


def _successor(prefix: str) -> str | None:
    """The smallest string greater than every string starting with ``prefix`` (code point
    order), or None if there is none."""
    chars = list(prefix)
    while chars:
        code = ord(chars.pop()) + 1
        if code in _SURROGATES:
            code = _SURROGATES.stop
        if code <= _MAX_CHAR:
            return "".join(chars) + chr(code)
    return None


def _phrase(value: str) -> str:
    """An FTS5 string: every character literal inside the quotes."""
    return '"' + value.replace('"', '""') + '"'


def _glob_escape(value: str) -> str:
    return "".join(f"[{c}]" if c in "*?[" else c for c in value)


def _like_escape(value: str) -> str:
    return value.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _like(pattern: str) -> Any:
    # Inlined into the statement: the planner sees the pattern and picks the trigram index
    # (a generic plan of a prepared statement could not).
    return bindparam(None, pattern, literal_execute=True)


__all__ = ["COUNT_CAP", "FoundAccount", "SearchResult", "search"]
