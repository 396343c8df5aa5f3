"""Exporting a month's readings: for 1C (CSV or XLSX) or for ГИС ЖКХ (its template's XLSX).
The file is written whole or not at all; the export and the periods it carried are recorded
(the mark that they went out) and audited in one transaction, and a month exported before says
what changed since: periods new since then, changed since, and removed."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Literal

from sqlalchemy import insert, select

from db.engine import Database
from db.models import ReadingsExport, ReadingsExportPeriod
from desktop import audit
from desktop.actors import Actor
from desktop.audit import AuditAction
from desktop.clock import Clock
from desktop.common.plural import plural
from desktop.common.tasks import TaskState
from desktop.errors import UserError
from desktop.exchange import export_files
from desktop.exchange.export_files import Skipped
from desktop.exchange.export_rows import ExportLine, count_lines, export_lines
from desktop.files import atomic_file
from desktop.formatting import ru_datetime
from desktop.months import month_name
from desktop.permissions import Permission, require

ExportFormat = Literal["csv", "xlsx", "gis"]
FORMATS: tuple[ExportFormat, ...] = ("csv", "xlsx", "gis")
TARGETS = {"csv": "1c", "xlsx": "1c", "gis": "gis"}
_WHERE = {"1c": "для 1С", "gis": "для ГИС ЖКХ"}
_FORMAT_NAMES = {"csv": "CSV, Windows-1251", "xlsx": "XLSX", "gis": "XLSX, шаблон ГИС ЖКХ 13.1.3.1"}
LISTED = 20  # accounts named in «what changed since»
PROGRESS_EVERY = 500


@dataclass(frozen=True)
class EarlierExport:
    id: int
    exported_at: datetime
    exported_by: str
    file_name: str


@dataclass
class ExportReport:
    """What an export wrote, what it could not, and what changed since the month's last one."""

    month: date
    file_format: ExportFormat
    file_name: str
    rows: int = 0
    periods: int = 0
    export_id: int | None = None
    skipped: list[Skipped] = field(default_factory=list)
    earlier: EarlierExport | None = None
    new: list[str] = field(default_factory=list)  # accounts whose period is new since
    changed: list[str] = field(default_factory=list)  # changed since
    removed: int = 0  # periods exported then, gone or empty now

    @property
    def target(self) -> str:
        return TARGETS[self.file_format]

    def lines(self) -> list[str]:
        lines = [
            f"Показания за {month_name(self.month).lower()} {_WHERE[self.target]} "
            f"({_FORMAT_NAMES[self.file_format]}): файл {self.file_name}, выгрузка № "
            f"{self.export_id}.",
            f"Строк: {self.rows}, лицевых счетов: {self.periods}.",
        ]
        if self.skipped:
            lines.append(
                f"Не выгружены {plural(len(self.skipped), 'прибор', 'прибора', 'приборов')} "
                "без номера в ГИС ЖКХ (загрузите номера из 1С: вид meters, столбец «Номер ПУ "
                "в ГИС ЖКХ»):"
            )
            lines += [
                f"  лицевой счет {s.account}: {s.title}"
                + (f", заводской № {s.serial}" if s.serial else "")
                for s in self.skipped
            ]
        if self.earlier is None:
            lines.append(f"За этот месяц {_WHERE[self.target]} выгружено впервые.")
            return lines
        e = self.earlier
        lines.append(
            f"Этот месяц уже выгружался {_WHERE[self.target]} {ru_datetime(e.exported_at)} "
            f"({e.exported_by}, выгрузка № {e.id}, файл {e.file_name})."
        )
        if not (self.new or self.changed or self.removed):
            lines.append("С тех пор показания не менялись.")
            return lines
        lines.append(
            f"С тех пор: новых {len(self.new)}, изменено {len(self.changed)}, "
            f"удалено или опустело {self.removed}."
        )
        for title, numbers in (("Новые", self.new), ("Изменены", self.changed)):
            if numbers:
                shown = ", ".join(numbers[:LISTED])
                more = len(numbers) - LISTED
                lines.append(f"  {title}: {shown}" + (f" и ещё {more}." if more > 0 else "."))
        return lines

    def text(self) -> str:
        return "\n".join(self.lines())


@dataclass
class _Seen:
    """The periods a file carried: account and latest change, by period id."""

    periods: dict[int, tuple[str, datetime]] = field(default_factory=dict)

    def watch(
        self, lines: Iterable[ExportLine], state: TaskState | None, total: int
    ) -> Iterator[ExportLine]:
        if state is not None:
            state.progress(0, total)
        for count, line in enumerate(lines, 1):
            if state is not None and count % PROGRESS_EVERY == 0:
                state.progress(count, total)
            latest = max(line.changed_at, line.entered_at)
            known = self.periods.get(line.period_id)
            if known is None or known[1] < latest:
                self.periods[line.period_id] = (line.account, latest)
            yield line
        if state is not None:
            state.progress(total, total)


class ReadingsExportService:
    """Writes a month's readings for 1C or ГИС ЖКХ and marks the periods exported."""

    def __init__(self, db: Database, clock: Clock) -> None:
        self.db = db
        self.clock = clock

    def export(
        self,
        actor: Actor,
        month: date,
        file_format: ExportFormat,
        path: Path | str,
        *,
        state: TaskState | None = None,
    ) -> ExportReport:
        """Write ``month``'s readings to ``path``; UserError (and no file) if there are none,
        ``Cancelled`` (and no file, nothing recorded) if ``state`` is cancelled meanwhile."""
        require(actor, Permission.EXPORT)
        if file_format not in FORMATS:
            raise UserError(f"Формат «{file_format}» не известен. Можно: {', '.join(FORMATS)}.")
        path = Path(path)
        report = ExportReport(month, file_format, path.name)
        target = report.target
        seen = _Seen()
        with atomic_file(path) as out:
            with self.db.read() as s:
                earlier = s.scalars(
                    select(ReadingsExport)
                    .where(ReadingsExport.month == month, ReadingsExport.target == target)
                    .order_by(ReadingsExport.id.desc())
                    .limit(1)
                ).first()
                before: set[int] = set()
                if earlier is not None:
                    report.earlier = EarlierExport(
                        earlier.id, earlier.exported_at, earlier.exported_by, earlier.file_name
                    )
                    before = set(
                        s.scalars(
                            select(ReadingsExportPeriod.period_id).where(
                                ReadingsExportPeriod.export_id == earlier.id
                            )
                        )
                    )
                total = count_lines(s, month) if state is not None else 0
                lines = seen.watch(export_lines(s, month), state, total)
                exported: list[int] = []
                if file_format == "csv":
                    report.rows = export_files.write_csv(lines, out)
                elif file_format == "xlsx":
                    report.rows = export_files.write_xlsx(lines, out)
                else:
                    report.rows = export_files.write_gis(lines, out, report.skipped, exported)
            carried = seen.periods
            if file_format == "gis":
                carried = {p: seen.periods[p] for p in exported}
            if not seen.periods:
                raise UserError(
                    f"За {month_name(month).lower()} показаний нет: выгружать нечего. Файл не "
                    "создан."
                )
            if not carried:  # ГИС ЖКХ: every meter lacks its number
                raise UserError(
                    "Файл для ГИС ЖКХ не создан: ни у одного прибора с показаниями за "
                    f"{month_name(month).lower()} нет номера в ГИС ЖКХ.\n"
                    + "\n".join(report.lines()[2:-1])
                )
            report.periods = len(carried)
            if report.earlier is not None:
                then = report.earlier.exported_at
                report.new = sorted(a for p, (a, _) in carried.items() if p not in before)
                report.changed = sorted(
                    a for p, (a, at) in carried.items() if p in before and at > then
                )
                report.removed = len(before - carried.keys())
            report.export_id = self._record(actor, report, sorted(carried))
        return report

    def _record(self, actor: Actor, report: ExportReport, periods: list[int]) -> int:
        """The export, its periods and the audit entry, in one transaction."""
        now = self.clock.now()
        with self.db.unit_of_work() as s:
            row = ReadingsExport(
                month=report.month,
                target=report.target,
                file_format=report.file_format,
                file_name=report.file_name[:300],
                rows=report.rows,
                exported_at=now,
                exported_by=actor.label,
            )
            s.add(row)
            s.flush()
            for start in range(0, len(periods), 1000):
                s.execute(
                    insert(ReadingsExportPeriod),
                    [{"export_id": row.id, "period_id": p} for p in periods[start : start + 1000]],
                )
            audit.record(
                s,
                now,
                actor,
                AuditAction.READINGS_EXPORT,
                export=row.id,
                month=report.month.isoformat(),
                target=report.target,
                format=report.file_format,
                file=report.file_name,
                rows=report.rows,
                periods=len(periods),
                skipped=len(report.skipped),
            )
            return row.id
