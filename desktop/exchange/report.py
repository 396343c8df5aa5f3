"""What an import did, or would do: rows created, updated and unchanged per kind of record,
the problems that refused the file, and the report's text in Russian."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from desktop.common.plural import plural
from desktop.common.problems import Problem, ProblemError
from desktop.formatting import ru_datetime

MAX_PROBLEMS = 10_000
"""Problems kept with their place; past this many only their number is counted."""


@dataclass
class Tally:
    """Records of one kind: added, changed, found as they were."""

    title: str  # «Лицевые счета»
    created: int = 0
    updated: int = 0
    unchanged: int = 0

    @property
    def total(self) -> int:
        return self.created + self.updated + self.unchanged


@dataclass(frozen=True)
class EarlierBatch:
    """The batch that already brought this very file in."""

    id: int
    imported_at: datetime
    imported_by: str
    file_name: str


@dataclass(frozen=True)
class BatchInfo:
    """An import batch as the office's list shows it."""

    id: int
    imported_at: datetime
    imported_by: str
    file_name: str
    kind_title: str  # «лицевые счета»
    rows: int


@dataclass
class ImportReport:
    """The outcome of one import, for the command line and the screen."""

    file_name: str
    kind: str  # "accounts", "meters"
    kind_title: str  # «лицевые счета»
    file_format: str  # «CSV, Windows-1251», «XLSX»
    dry_run: bool = False
    rows: int = 0  # data rows read
    tallies: list[Tally] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    problem_count: int = 0
    unused_columns: list[str] = field(default_factory=list)
    batch_id: int | None = None  # the import_batch row, once applied
    earlier: EarlierBatch | None = None  # the file was imported before: nothing done
    # What was left out without refusing the file (a bank's reading a rule refused), a line
    # each, with its place.
    notes: list[str] = field(default_factory=list)

    def add_problems(self, problems: list[Problem]) -> None:
        self.problem_count += len(problems)
        room = MAX_PROBLEMS - len(self.problems)
        if room > 0:
            self.problems.extend(problems[:room])

    @property
    def changed(self) -> int:
        return sum(t.created + t.updated for t in self.tallies)

    def lines(self) -> list[str]:
        """The report in Russian, a line each."""
        head = f"Файл {self.file_name} ({self.file_format}): {self.kind_title}."
        if self.earlier is not None:
            e = self.earlier
            return [
                head,
                f"Этот файл уже загружен {ru_datetime(e.imported_at)} ({e.imported_by}, "
                f"пакет № {e.id}, файл {e.file_name}). Повторная загрузка ничего не меняет.",
            ]
        lines = [head, f"Строк с данными: {self.rows}."]
        if self.problem_count:
            lines.append(
                f"Файл не загружен: {plural(self.problem_count, 'ошибка', 'ошибки', 'ошибок')}"
                ". Ничего не изменено. Исправьте файл и загрузите его снова."
            )
            lines += [f"  {problem}" for problem in self.problems]
            hidden = self.problem_count - len(self.problems)
            if hidden:
                lines.append(f"  … и ещё {plural(hidden, 'ошибка', 'ошибки', 'ошибок')}.")
            return lines
        if self.dry_run:
            lines.append("Проверка без записи (--dry-run): в базе ничего не изменено. Было бы:")
        else:
            lines.append(f"Загружено, пакет № {self.batch_id}:")
        for tally in self.tallies:
            lines.append(
                f"  {tally.title}: новых {tally.created}, изменено {tally.updated}, "
                f"без изменений {tally.unchanged}."
            )
        if not self.dry_run and not self.changed:
            lines.append("Все данные файла уже были в базе: ничего не изменилось.")
        if self.notes:
            rest = "было бы загружено" if self.dry_run else "загружено"
            lines.append(f"Не принято ({len(self.notes)}), остальное {rest}:")
            lines += [f"  {note}" for note in self.notes]
        if self.unused_columns:
            names = ", ".join(f"«{name}»" for name in self.unused_columns)
            lines.append(f"Не использованы столбцы: {names}.")
        return lines

    def text(self) -> str:
        return "\n".join(self.lines())


class ImportRefused(ProblemError):
    """The file has problems: nothing was applied. ``report`` lists them all."""

    def __init__(self, report: ImportReport) -> None:
        self.report = report
        super().__init__(report.problems, message=report.text())
