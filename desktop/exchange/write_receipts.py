"""Receipts written from a ``receipts`` file, in the caller's transaction: found by account and
number, added when new, changed only where the file differs. The account must exist. The
receipts are staged in a temporary table as they come and applied together at the end, with
two statements (``desktop.exchange.staging``)."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy.orm import Session

from desktop.common.problems import Problem
from desktop.exchange.columns import Columns
from desktop.exchange.receipts import ReceiptLine, default_description
from desktop.exchange.report import MAX_PROBLEMS, Tally
from desktop.exchange.rows import problem_at, with_accounts
from desktop.exchange.staging import Staging

_STAGED = (
    ("line", "line"), ("account_id", "id"), ("number", "text"), ("issued_on", "date"),
    ("month", "date"), ("description", "text"), ("new_description", "text"), ("total", "int"),
)  # fmt: skip


class ReceiptWriter:
    """Writes batches of receipts; finds a receipt the file gives twice."""

    def __init__(self, s: Session, columns: Columns) -> None:
        self.s = s
        self.columns = columns
        self.receipts = Tally("Квитанции")
        self._staging: Staging | None = None  # the file's receipts, until they are applied
        self._defaults: dict[object, str] = {}  # month → a new receipt's description

    @property
    def tallies(self) -> list[Tally]:
        return [self.receipts]

    def check(self, line: ReceiptLine) -> list[Problem]:
        """Nothing the row alone contradicts (a receipt twice: ``finish``)."""
        return []

    def write(self, lines: Sequence[ReceiptLine], *, apply: bool) -> list[Problem]:
        """Stage the receipts whose account exists; a problem for each other. Nothing is
        applied before ``settle``; every receipt is staged, ``apply`` or not, for ``finish``."""
        known, problems = with_accounts(self.s, self.columns, lines)
        stage = self._stage()
        day = stage.date_value
        stage.add(
            [
                (line.line, account_id, line.number, day(line.issued_on), day(line.month),
                 line.description, line.description or self._default(line), line.total)
                for account_id, line in known
            ]
        )  # fmt: skip
        return problems

    def _default(self, line: ReceiptLine) -> str:
        text = self._defaults.get(line.month)
        if text is None:
            text = self._defaults[line.month] = default_description(line.month)
        return text

    def _stage(self) -> Staging:
        if self._staging is None:
            self._staging = Staging(self.s, "import_receipts", _STAGED)
        return self._staging

    def finish(self) -> list[Problem]:
        """A receipt twice in the file: each repeat names the line that gave it first."""
        repeats = f"""
            SELECT st.line, firsts.first_line, a.number, st.number
            FROM import_receipts st
            JOIN (SELECT account_id, number, MIN(line) AS first_line FROM import_receipts
                  GROUP BY account_id, number HAVING COUNT(*) > 1) firsts
              ON firsts.account_id = st.account_id AND firsts.number = st.number
            JOIN account a ON a.id = st.account_id
            WHERE st.line > firsts.first_line
            ORDER BY st.line LIMIT {MAX_PROBLEMS}"""
        column = self.columns.title("number")
        self._stage().analyze()
        return [
            problem_at(
                line,
                column,
                f"Квитанция № {number} счета {account} уже была в строке {first}: в файле "
                "каждая квитанция указывается один раз.",
            )
            for line, first, account, number in self._stage().rows(repeats)
        ]

    def settle(self) -> None:
        """Apply the staged receipts: change those the file says differently, add the new
        ones; count what was added, changed and left."""
        stage = self._stage()
        same = "r.account_id = st.account_id AND r.number = st.number"
        description_differs = stage.differs("r.description", "st.description")
        self.receipts.updated = stage.run(
            f"""UPDATE receipt AS r SET issued_on = st.issued_on, month = st.month,
                    total = st.total, description = COALESCE(st.description, r.description)
                FROM import_receipts st
                WHERE {same}
                  AND (r.issued_on <> st.issued_on OR r.month <> st.month OR r.total <> st.total
                       OR (st.description IS NOT NULL AND {description_differs}))"""
        )
        self.receipts.created = stage.run(
            """INSERT INTO receipt (account_id, number, issued_on, month, description, total)
               SELECT account_id, number, issued_on, month, new_description, total
               FROM import_receipts st
               WHERE NOT EXISTS (SELECT 1 FROM receipt r
                                 WHERE r.account_id = st.account_id AND r.number = st.number)"""
        )
        self.receipts.unchanged = stage.count - self.receipts.created - self.receipts.updated
        stage.drop()
