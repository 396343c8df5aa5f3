"""Importing a file from 1C: read it row by row, check every row, and apply it in one
transaction — all or nothing. A file with any problem changes nothing and every problem is
reported with its line and column; a file already imported (the same bytes) is not applied
again; a dry run does everything but the commit."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from db.engine import Database
from db.models import ImportBatch
from desktop import audit
from desktop.actors import Actor
from desktop.audit import AuditAction
from desktop.clock import Clock
from desktop.common.problems import Problem, ProblemError
from desktop.common.tasks import Cancelled, TaskState
from desktop.exchange.kinds import KINDS, find_header
from desktop.exchange.report import BatchInfo, EarlierBatch, ImportRefused, ImportReport
from desktop.exchange.rows import RowReader
from desktop.exchange.source import ENCODING_NAMES, Rewind, Source, examine
from desktop.permissions import Permission, require

BATCH = 5000  # rows looked up and written together
PROGRESS_EVERY = 256  # rows between progress reports (and cancellation checks)
FAILURE_REASONS = 20  # a failed import's first problems kept in its audit entry

logger = logging.getLogger(__name__)


_NO_ROWS = Problem(
    "В файле только строка заголовков, строк с данными нет: загружать нечего. Проверьте, "
    "что выгружен нужный файл.",
    field="file",
)


class _Undo(Exception):
    """Leaves the unit of work so that it rolls back: a dry run, or a file with problems."""


class ImportService:
    """Imports 1C's files: accounts with their buildings and premises, meters, the statement."""

    def __init__(self, db: Database, clock: Clock) -> None:
        self.db = db
        self.clock = clock

    def import_file(
        self,
        actor: Actor,
        path: Path | str,
        *,
        kind: str | None = None,
        dry_run: bool = False,
        state: TaskState | None = None,
        profile: str | None = None,
    ) -> ImportReport:
        """Import ``path`` (its kind detected from the headers unless given; ``profile``, a
        bank registry's format, detected from its first line unless given). Returns the
        report; raises ``ImportRefused`` (a ProblemError carrying the report) if any row is
        bad, and ``Cancelled`` if ``state`` was cancelled: nothing is applied then. An import
        that fails (refused, or an error) is audited as failed afterwards, unless a dry run."""
        require(actor, Permission.IMPORT)
        path = Path(path)
        try:
            return self._import(actor, path, kind, dry_run, state, profile)
        except Cancelled:
            raise  # the staff member's own choice, not a failure
        except ImportRefused as refused:
            if not dry_run:
                self._record_failure(actor, path, refused.report.kind, refused.problems,
                                     refused.report.problem_count)  # fmt: skip
            raise
        except ProblemError as error:  # the file itself: not found, unreadable, no header
            if not dry_run:
                self._record_failure(actor, path, kind, error.problems, len(error.problems))
            raise
        except Exception as error:
            if not dry_run:
                self._record_failure(actor, path, kind, (), 0, error=error)
            raise

    def _import(
        self,
        actor: Actor,
        path: Path,
        kind: str | None,
        dry_run: bool,
        state: TaskState | None,
        profile: str | None,
    ) -> ImportReport:
        facts = examine(path)
        with Source(path, facts) as source:
            lines = Rewind(source.lines())
            found, columns = find_header(lines, kind, profile)
            variant = getattr(columns, "profile", None)  # a bank registry's format
            form = (
                "XLSX"
                if facts.format == "xlsx"
                else f"CSV, {ENCODING_NAMES[facts.encoding or 'utf-8']}"
            )
            report = ImportReport(
                file_name=path.name,
                kind=found.name,
                kind_title=found.title + (f" ({variant.title})" if variant else ""),
                file_format=form,
                dry_run=dry_run,
                unused_columns=columns.unused,
            )
            try:
                with self.db.unit_of_work() as s:
                    report.earlier = _earlier(s, facts.sha256)
                    if report.earlier is not None:
                        return report
                    writer = found.writer(s, columns, self.clock)
                    acting = getattr(writer, "acting_for", None)  # writers that audit changes
                    if acting is not None:
                        acting(actor)
                    fast = found.fast(columns) if found.fast is not None else None
                    check = writer.check
                    batch: list[Any] = []
                    for line in lines:
                        report.rows += 1
                        if state is not None and report.rows % PROGRESS_EVERY == 0:
                            state.progress(source.done, source.total)
                        row = fast(line) if fast is not None else None
                        if row is None:  # not plain, or no quick way: read it carefully
                            reader = RowReader(columns, line)
                            row = found.parse(reader)
                            problems = reader.problems
                            if row is not None:
                                problems += check(row)
                        else:
                            problems = check(row)
                        if problems:
                            report.add_problems(problems)
                        elif row is not None:
                            batch.append(row)
                            if len(batch) >= BATCH:
                                report.add_problems(
                                    writer.write(batch, apply=not report.problem_count)
                                )
                                batch.clear()
                    if batch:
                        report.add_problems(writer.write(batch, apply=not report.problem_count))
                    finish = getattr(writer, "finish", None)  # what only the whole file shows
                    if finish is not None:
                        report.add_problems(finish())
                    if not report.rows:
                        report.add_problems([_NO_ROWS])
                    settle = getattr(writer, "settle", None)  # staged rows applied together
                    if settle is not None and not report.problem_count:
                        settle()
                    if state is not None:
                        state.progress(source.total, source.total)
                    report.tallies = writer.tallies
                    report.notes = list(getattr(writer, "notes", ()))
                    if report.problem_count or dry_run:
                        raise _Undo
                    report.batch_id = self._record(s, actor, path, facts.sha256, report)
                    stamp = getattr(writer, "stamp", None)  # records that name their batch
                    if stamp is not None:
                        stamp(report.batch_id)
            except _Undo:
                pass
            except IntegrityError:
                # Another desk imported the same file meanwhile: its batch committed between
                # our look and our INSERT of the same file_hash. Nothing of ours is applied:
                # the answer we would have given had we seen its batch first.
                with self.db.read() as s:
                    report.earlier = _earlier(s, facts.sha256)
                if report.earlier is None:
                    raise
                report.tallies, report.batch_id = [], None
                return report
        if report.problem_count:
            # A batch's problems come after the rows read meanwhile: in the file's order.
            report.problems.sort(key=lambda problem: problem.row or 0)
            raise ImportRefused(report)
        return report

    def recent_batches(self, actor: Actor, limit: int = 10) -> list[BatchInfo]:
        """The latest import batches, newest first: for the office's «Обмен данными»."""
        require(actor, Permission.IMPORT)
        with self.db.read() as s:
            batches = s.scalars(select(ImportBatch).order_by(ImportBatch.id.desc()).limit(limit))
            return [
                BatchInfo(
                    b.id,
                    b.imported_at,
                    b.imported_by,
                    b.file_name,
                    KINDS[b.kind].title if b.kind in KINDS else b.kind,
                    b.rows,
                )
                for b in batches
            ]

    def _record_failure(
        self,
        actor: Actor,
        path: Path,
        kind: str | None,
        problems: Sequence[Problem],
        count: int,
        *,
        error: BaseException | None = None,
    ) -> None:
        """An import that failed, in a transaction of its own after the import's rolled
        back: who tried which file, and why it was refused (its first problems) or what
        broke. Nothing of the file's data is in it."""
        reasons = [str(problem) for problem in problems[:FAILURE_REASONS]]
        details: dict[str, Any] = {"file": path.name, "kind": kind}
        if error is not None:
            details["error"] = f"{type(error).__name__}: {error}"[:500]
        else:
            details["problems"] = count
            details["reasons"] = reasons
        try:
            with self.db.unit_of_work() as s:
                audit.record(s, self.clock.now(), actor, AuditAction.IMPORT, ok=False, **details)
        except Exception:  # pragma: no cover - the import's own error is what to show
            logger.exception("the failed import of %s was not audited", path.name)

    def _record(self, s: Any, actor: Actor, path: Path, sha256: str, report: ImportReport) -> int:
        """The batch's row and its audit entry, in the import's transaction."""
        now = self.clock.now()
        batch = ImportBatch(
            file_hash=sha256,
            kind=report.kind,
            file_name=path.name[:300],
            rows=report.rows,
            imported_at=now,
            imported_by=actor.label,
        )
        s.add(batch)
        s.flush()
        audit.record(
            s,
            now,
            actor,
            AuditAction.IMPORT,
            batch=batch.id,
            kind=report.kind,
            file=path.name,
            sha256=sha256,
            rows=report.rows,
            counts={
                t.title: {"created": t.created, "updated": t.updated, "unchanged": t.unchanged}
                for t in report.tallies
            },
        )
        return batch.id


def _earlier(s: Any, sha256: str) -> EarlierBatch | None:
    """The batch that imported these bytes before, if any."""
    earlier = s.scalar(select(ImportBatch).where(ImportBatch.file_hash == sha256))
    if earlier is None:
        return None
    return EarlierBatch(earlier.id, earlier.imported_at, earlier.imported_by, earlier.file_name)
