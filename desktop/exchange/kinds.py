"""The kinds of file the office imports, and which one a file is: its header row is found
among the first lines (1C may put a title above it) by the columns each kind needs; a bank's
registry, which has no header, by the shape of its first line."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from sqlalchemy.orm import Session

from desktop.clock import Clock
from desktop.common.problems import Problem, ProblemError
from desktop.exchange import accepted, accounts, meters, payments, receipts, statement
from desktop.exchange.columns import Columns, Field, column_problems, match, score
from desktop.exchange.report import Tally
from desktop.exchange.rows import RowReader, problem_at
from desktop.exchange.source import Line, Rewind
from desktop.exchange.write_accepted import AcceptedWriter
from desktop.exchange.write_accounts import AccountWriter
from desktop.exchange.write_meters import MeterWriter
from desktop.exchange.write_payments import PaymentWriter
from desktop.exchange.write_receipts import ReceiptWriter
from desktop.exchange.write_statement import StatementWriter

HEADER_SEARCH = 20
"""Lines looked at for the header row: 1C's title and an empty line or two come before it."""


class Writer(Protocol):
    @property
    def tallies(self) -> list[Tally]: ...

    def check(self, row: Any) -> list[Problem]: ...

    def write(self, rows: Sequence[Any], *, apply: bool) -> list[Problem]: ...


@dataclass(frozen=True)
class Kind:
    """A layout: its columns, how a row is read, and what writes it."""

    name: str  # as --kind takes it
    title: str  # «лицевые счета», for the report
    fields: tuple[Field, ...]
    parse: Callable[[RowReader], Any | None]
    writer: Callable[[Session, Columns, Clock], Writer]  # the import's clock last
    columns_check: Callable[[Columns], list[Problem]] = lambda columns: []
    # Among the layouts a header row fits, the highest wins (then the most columns found):
    # 1C's answer to a readings export keeps the export's meter columns beside its status.
    priority: int = 0
    # A layout without a header line: whether a file's first line is its data, and its
    # columns by position (the line is data then, read again as the first row) from that
    # line and the format profile named by ``--profile``, if any.
    headerless: Callable[[Line], bool] | None = None
    fixed_columns: Callable[[Line, str | None], Columns] | None = None
    # The quick reader of a big file's plain rows (``desktop.exchange.fast``): a row it
    # returns None for is read by ``parse``.
    fast: Callable[[Columns], Callable[[Line], Any | None]] | None = None


KINDS: dict[str, Kind] = {
    "accounts": Kind(
        "accounts",
        "лицевые счета",
        accounts.FIELDS,
        accounts.parse,
        lambda s, columns, clock: AccountWriter(s),
        accounts.column_problems,
    ),
    "meters": Kind(
        "meters",
        "приборы учета",
        meters.FIELDS,
        meters.parse,
        lambda s, c, clock: MeterWriter(s, c, clock.today()),
    ),
    "statement": Kind(
        "statement",
        "ведомость (сальдо и обороты по услугам)",
        statement.FIELDS,
        statement.parse,
        lambda s, c, clock: StatementWriter(s, c),
        fast=statement.fast_parser,
    ),
    "receipts": Kind(
        "receipts",
        "квитанции",
        receipts.FIELDS,
        receipts.parse,
        lambda s, c, clock: ReceiptWriter(s, c),
        fast=receipts.fast_parser,
    ),
    "accepted": Kind(
        "accepted",
        "ответ 1С о приёме показаний («Обновлено из 1С»)",
        accepted.FIELDS,
        accepted.parse,
        lambda s, c, clock: AcceptedWriter(s, c, clock.now()),
        priority=1,
    ),
    "payments": Kind(
        "payments",
        "реестр платежей банка",
        payments.FIELDS,
        payments.parse,
        lambda s, c, clock: PaymentWriter(s, c, clock),
        headerless=payments.looks_like_registry,
        fixed_columns=payments.registry_columns,
    ),
}


def unknown_kind(name: str) -> ProblemError:
    return ProblemError.one(
        f"Вид файла «{name}» не известен. Можно: {', '.join(KINDS)}.", field="kind"
    )


def find_header(
    lines: Iterator[Line], name: str | None, profile: str | None = None
) -> tuple[Kind, Columns]:
    """The kind (``name``, or the one whose columns the file has) and its header row; the
    lines before the header are consumed and ignored. ProblemError if none fits. A
    ``profile`` (a bank registry's format) means the file is a registry."""
    if profile is not None:
        if name not in (None, "payments"):
            raise ProblemError.one(
                "Формат реестра (--profile) задаётся только для реестра платежей банка "
                "(вид payments).",
                field="profile",
            )
        name = "payments"
    if name is not None and name not in KINDS:
        raise unknown_kind(name)
    candidates = [KINDS[name]] if name is not None else list(KINDS.values())
    best: tuple[int, Line, Kind] | None = None
    for count, line in enumerate(lines, 1):
        if count == 1:
            for kind in candidates:
                if kind.fixed_columns is not None and (
                    name is not None or (kind.headerless is not None and kind.headerless(line))
                ):
                    if not isinstance(lines, Rewind):
                        raise TypeError("a file without a header needs its lines as Rewind")
                    lines.put_back(line)  # the first line is data
                    return kind, kind.fixed_columns(line, profile)
            candidates = [kind for kind in candidates if kind.fixed_columns is None]
        fitting = []
        for kind in candidates:
            complete, found = score(line.cells, kind.fields)
            if complete:
                fitting.append(((kind.priority, found), kind))
            if best is None or found > best[0]:
                best = (found, line, kind)
        if fitting:
            kind = max(fitting, key=lambda item: item[0])[1]  # priority, then columns found
            columns = match(line.number, line.cells, kind.fields)
            problems = column_problems(columns, kind.fields) + kind.columns_check(columns)
            if problems:
                raise ProblemError(problems)
            return kind, columns
        if count >= HEADER_SEARCH:
            break
    if name is not None and best is not None and best[0] > 0:
        columns = match(best[1].number, best[1].cells, best[2].fields)
        raise ProblemError(column_problems(columns, best[2].fields))
    expected = "; ".join(
        f"{kind.name} — {', '.join(f'«{f.title}»' for f in kind.fields if f.required)}"
        for kind in candidates
    ) + (
        "; или реестр платежей банка без заголовка (строки «дата;время;отделение;…»)"
        if name is None
        else ""
    )
    raise ProblemError(
        [
            problem_at(
                best[1].number if best else 1,
                None,
                f"Не найдена строка заголовков в первых {HEADER_SEARCH} строках файла: "
                f"непонятно, что в нём. Нужные столбцы: {expected}.",
            )
        ]
    )
