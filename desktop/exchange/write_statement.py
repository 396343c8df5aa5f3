"""Statement rows written from a ``statement`` file, in the caller's transaction: found by
account, month and service, added when new, changed only where the file differs. The account
and the service must exist; a service is named as the database names it (case, ё and spacing
aside) or by its code. The lines are staged in a temporary table as they come and applied
together at the end, with two statements (``desktop.exchange.staging``)."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session

from db.models import Service
from db.search import normalize
from desktop.account_summary import refresh_balance
from desktop.common.problems import Problem
from desktop.exchange.columns import Columns
from desktop.exchange.report import MAX_PROBLEMS, Tally
from desktop.exchange.rows import problem_at, with_accounts
from desktop.exchange.staging import Staging
from desktop.exchange.statement import AMOUNTS, StatementLine
from desktop.months import month_name

_STAGED = (
    ("line", "line"), ("account_id", "id"), ("month", "date"), ("service_id", "id"),
    ("service", "text"), *((key, "int") for key in AMOUNTS), ("volume", "int"),
)  # fmt: skip


class StatementWriter:
    """Writes batches of statement lines; remembers what the file already said."""

    def __init__(self, s: Session, columns: Columns) -> None:
        self.s = s
        self.columns = columns
        self.rows = Tally("Строки ведомости")
        self._staging: Staging | None = None  # the file's lines, until they are applied
        self._services: dict[str, int] = {}  # a service's name or code, normalized → its id
        self._name_of: dict[int, str] = {}
        self._names: list[str] = []
        self._by_text: dict[str, int | None] = {}
        for id_, code, name in s.execute(
            select(Service.id, Service.code, Service.name).order_by(Service.display_order)
        ):
            self._services.setdefault(normalize(name), id_)
            self._services.setdefault(normalize(code), id_)
            self._names.append(name)
            self._name_of[id_] = name

    @property
    def tallies(self) -> list[Tally]:
        return [self.rows]

    def _service_id(self, text: str) -> int | None:
        """The service a file's text names (remembered: a file names a few, many times)."""
        try:
            return self._by_text[text]
        except KeyError:
            if len(self._by_text) > 1000:
                self._by_text.clear()
            found = self._by_text[text] = self._services.get(normalize(text))
            return found

    def _at(self, line: StatementLine, key: str, message: str) -> Problem:
        return problem_at(line.line, self.columns.title(key), message)

    def check(self, line: StatementLine) -> list[Problem]:
        """A service the database does not know (a service twice: ``finish``)."""
        service_id = self._service_id(line.service)
        if service_id is None:
            known = ", ".join(f"«{name}»" for name in self._names) or "ни одной"
            return [
                self._at(
                    line,
                    "service",
                    f"Услуги «{line.service}» нет в базе. Известные услуги: {known}.",
                )
            ]
        return []

    def write(self, lines: Sequence[StatementLine], *, apply: bool) -> list[Problem]:
        """Stage the lines whose account exists; a problem for each other. Nothing is applied
        before ``settle`` (every line is staged, ``apply`` or not: ``finish`` finds a line
        the file gives twice among them all)."""
        known, problems = with_accounts(self.s, self.columns, lines)
        service_id = self._service_id
        stage = self._stage()
        day = stage.date_value
        stage.add(
            [
                (line.line, account_id, day(line.month), service_id(line.service),
                 line.service, *line.amounts, line.volume)
                for account_id, line in known
            ]
        )  # fmt: skip
        return problems

    def _stage(self) -> Staging:
        if self._staging is None:
            self._staging = Staging(self.s, "import_statement", _STAGED)
        return self._staging

    def finish(self) -> list[Problem]:
        """A service of one month of one account twice in the file (by its name or by its
        code alike): each repeat names the line that gave it first."""
        stage = self._stage()
        repeats = f"""
            SELECT st.line, firsts.first_line, a.number, st.month, st.service_id, st.service
            FROM import_statement st
            JOIN (SELECT account_id, month, service_id, MIN(line) AS first_line
                  FROM import_statement GROUP BY account_id, month, service_id
                  HAVING COUNT(*) > 1) firsts
              ON firsts.account_id = st.account_id AND firsts.month = st.month
             AND firsts.service_id = st.service_id
            JOIN account a ON a.id = st.account_id
            WHERE st.line > firsts.first_line
            ORDER BY st.line LIMIT {MAX_PROBLEMS}"""
        stage.analyze()
        problems = []
        for line, first, account, month, service_id, service in stage.rows(repeats):
            name = self._name_of[service_id]
            same = "" if normalize(service) == normalize(name) else f" (это «{name}»)"
            problems.append(
                problem_at(
                    line,
                    self.columns.title("service"),
                    f"«{service}»{same} за {month_name(stage.day(month)).lower()} по счету "
                    f"{account} уже был в строке {first}.",
                )
            )
        return problems

    def settle(self) -> None:
        """Apply the staged lines: change the rows the file says differently, add the new
        ones; count what was added, changed and left."""
        stage = self._stage()
        amounts = ", ".join(f"{key} = st.{key}" for key in AMOUNTS)
        differs = " OR ".join(f"r.{key} <> st.{key}" for key in AMOUNTS)
        volume_differs = stage.differs("r.volume", "st.volume")
        same_row = (
            "r.account_id = st.account_id AND r.month = st.month AND r.service_id = st.service_id"
        )
        self.rows.updated = stage.run(
            f"""UPDATE statement_row AS r SET {amounts},
                    volume = COALESCE(st.volume, r.volume)
                FROM import_statement st
                WHERE {same_row}
                  AND ({differs} OR (st.volume IS NOT NULL AND {volume_differs}))"""
        )
        columns = f"account_id, month, service_id, {', '.join(AMOUNTS)}, volume"
        self.rows.created = stage.run(
            f"""INSERT INTO statement_row ({columns})
                SELECT {columns} FROM import_statement st
                WHERE NOT EXISTS (SELECT 1 FROM statement_row r WHERE {same_row})"""
        )
        self.rows.unchanged = stage.count - self.rows.created - self.rows.updated
        accounts = [
            id_ for (id_,) in stage.rows("SELECT DISTINCT account_id FROM import_statement")
        ]
        refresh_balance(self.s.connection(), accounts)  # the search's column (account_summary)
        stage.drop()
