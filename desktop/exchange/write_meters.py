"""Meters written from a ``meters`` file, in the caller's transaction: found by their account
and serial number, added when new, changed only where the file differs. The rules that need
the database are checked here: the account exists, the serial is not ambiguous, the initial
value fits the dial, fewer tariff zones than readings already use are refused."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import date

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from db.models import Account, Meter, Reading
from desktop.common.problems import Problem
from desktop.exchange.columns import Columns
from desktop.exchange.meters import KINDS, MeterRow, default_title
from desktop.exchange.report import Tally
from desktop.exchange.rows import problem_at, with_accounts
from desktop.formatting import meter_value

# Columns whose empty cell clears the stored value (a date, the ГИС number); the other
# optional columns keep the stored value when empty.
_CLEARED_WHEN_EMPTY = {"installed", "verification", "retired", "gis"}
_FIELDS = {"title": "title", "unit": "unit", "zones": "zones", "digits": "digits",
           "installed": "installed_on", "verification": "next_verification_on",
           "retired": "retired_on", "initial": "initial_value", "gis": "gis_number"}  # fmt: skip


class MeterWriter:
    """Writes batches of meter rows; remembers what the file already said."""

    def __init__(self, s: Session, columns: Columns, today: date) -> None:
        self.s = s
        self.columns = columns
        self.today = today
        self.meters = Tally("Приборы учета")
        self._lines: dict[tuple[str, str], int] = {}  # (account, serial) → line
        self._gis_lines: dict[str, int] = {}
        self._file_gis: dict[tuple[str, str], str | None] = {}  # (account, serial) → its number

    @property
    def tallies(self) -> list[Tally]:
        return [self.meters]

    def _at(self, row: MeterRow, key: str | None, message: str) -> Problem:
        column = self.columns.title(key) if key is not None and self.columns.has(key) else None
        return problem_at(row.line, column, message)

    def check(self, row: MeterRow) -> list[Problem]:
        """What the file itself contradicts: a meter twice, one ГИС ЖКХ number for two."""
        problems = []
        first = self._lines.setdefault((row.account, row.serial), row.line)
        if first != row.line:
            problems.append(
                self._at(
                    row,
                    "serial",
                    f"Прибор {row.serial} счета {row.account} уже был в строке {first}: в файле "
                    "каждый прибор указывается один раз.",
                )
            )
        if "gis" in row.present:
            self._file_gis[(row.account, row.serial)] = row.gis
        if row.gis:
            first = self._gis_lines.setdefault(row.gis, row.line)
            if first != row.line:
                problems.append(
                    self._at(row, "gis", f"Номер {row.gis} в ГИС ЖКХ уже указан в строке {first}.")
                )
        return problems

    def write(self, rows: Sequence[MeterRow], *, apply: bool) -> list[Problem]:
        """Add or change the rows' meters (only check them unless ``apply``)."""
        s = self.s
        known, problems = with_accounts(s, self.columns, rows)
        ids = {account_id for account_id, _ in known}
        found: dict[tuple[int, str], list[Meter]] = defaultdict(list)
        last_order: dict[int, int] = defaultdict(int)
        for stored in s.scalars(select(Meter).where(Meter.account_id.in_(ids))):
            found[(stored.account_id, stored.serial)].append(stored)
            last_order[stored.account_id] = max(last_order[stored.account_id], stored.display_order)
        holders = self._gis_holders({r.gis for r in rows if r.gis})
        for account_id, row in known:
            same = found.get((account_id, row.serial), [])
            if len(same) > 1:
                problems.append(
                    self._at(
                        row,
                        "serial",
                        f"У счета {row.account} несколько приборов с номером {row.serial}: "
                        "непонятно, какой менять. Исправьте их в офисе.",
                    )
                )
                continue
            meter = same[0] if same else None
            row_problems = self._check(row, meter) + self._gis_taken(row, meter, holders)
            problems += row_problems
            if not apply or row_problems:
                continue
            if meter is None:
                last_order[account_id] += 1
                s.add(self._new(row, account_id, last_order[account_id]))
                self.meters.created += 1
            elif self._update(row, meter):
                self.meters.updated += 1
            else:
                self.meters.unchanged += 1
        if apply:
            s.flush()
            s.expunge_all()  # memory stays flat however long the file
        return problems

    def _check(self, row: MeterRow, meter: Meter | None) -> list[Problem]:
        problems = []
        digits = row.digits or (meter.digits if meter is not None else KINDS[row.kind].digits)
        if row.initial is not None and len(str(int(row.initial))) > digits:
            problems.append(
                self._at(
                    row,
                    "initial",
                    f"Показание {meter_value(row.initial)} длиннее, чем позволяет счетчик: "
                    f"в целой части не больше {digits} цифр.",
                )
            )
        if meter is not None and row.zones is not None and row.zones < meter.zones:
            used = self.s.scalar(select(func.max(Reading.zone)).where(Reading.meter_id == meter.id))
            if used is not None and used > row.zones:
                problems.append(
                    self._at(
                        row,
                        "zones",
                        f"У прибора {row.serial} уже есть показания по тарифу T{used}: "
                        f"тарифность {row.zones} их бы потеряла.",
                    )
                )
        return problems

    def _gis_holders(self, numbers: set[str]) -> dict[str, tuple[int, str, str]]:
        """Which stored meter holds each of these ГИС ЖКХ numbers: its id, account, serial."""
        if not numbers:
            return {}
        query = (
            select(Meter.gis_number, Meter.id, Account.number, Meter.serial)
            .join(Account, Account.id == Meter.account_id)
            .where(Meter.gis_number.in_(numbers))
        )
        return {
            gis: (id_, number, serial)
            for gis, id_, number, serial in self.s.execute(query)
            if gis is not None
        }

    def _gis_taken(
        self, row: MeterRow, meter: Meter | None, holders: dict[str, tuple[int, str, str]]
    ) -> list[Problem]:
        """A ГИС ЖКХ number another stored meter holds, unless the file gave it another one."""
        held = holders.get(row.gis) if row.gis else None
        if held is None or (meter is not None and held[0] == meter.id):
            return []
        _id, number, serial = held
        if (number, serial) in self._file_gis and self._file_gis[(number, serial)] != row.gis:
            return []  # the file moves that meter to another number (or none)
        return [
            self._at(
                row,
                "gis",
                f"Номер {row.gis} в ГИС ЖКХ уже у прибора {serial} счета {number}: у двух "
                "приборов одного номера не бывает. Исправьте номер в файле.",
            )
        ]

    def _new(self, row: MeterRow, account_id: int, order: int) -> Meter:
        spec = KINDS[row.kind]
        meter = Meter(
            account_id=account_id,
            kind=row.kind,
            serial=row.serial,
            title=row.title or default_title(row.kind, row.serial),
            unit=row.unit or spec.unit,
            zones=row.zones or 1,
            digits=row.digits or spec.digits,
            installed_on=row.installed,
            next_verification_on=row.verification,
            retired_on=row.retired,
            display_order=order,
            gis_number=row.gis,
        )
        if row.initial is not None:
            meter.initial_value = row.initial
        return meter

    def _update(self, row: MeterRow, meter: Meter) -> bool:
        """Change what the row says differently; whether anything changed."""
        changed = False
        if meter.kind != row.kind:
            meter.kind = row.kind
            changed = True
        for key, attribute in _FIELDS.items():
            if key not in row.present:
                continue
            value = getattr(row, key)
            if value is None and key not in _CLEARED_WHEN_EMPTY:
                continue
            if getattr(meter, attribute) != value:
                if key == "verification":
                    self._lapse(meter)
                setattr(meter, attribute, value)
                changed = True
        return changed

    def _lapse(self, meter: Meter) -> None:
        """A date that ran out is replaced: the days the meter was out of verification stay
        so (as desktop.meters.MeterService.record_verification keeps them)."""
        before = meter.next_verification_on
        if before is not None and before < self.today:
            meter.lapsed_after, meter.verified_again_on = before, self.today
