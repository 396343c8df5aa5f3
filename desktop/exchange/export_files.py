"""The files a month's readings are exported in: for 1C a CSV (``;``, Windows-1251, decimal
comma) or an XLSX with the same columns, and for ГИС ЖКХ an XLSX in the layout of its template
for individual meters' readings (version 13.1.3.1). Each writer takes the lines as a stream and
returns what it left out; the layouts are documented in ``docs/exchange.md``."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from decimal import Decimal
from itertools import groupby
from typing import Any, BinaryIO

from desktop.exchange.export_rows import KINDS, ExportLine
from desktop.formatting import meter_value, ru_date, ru_datetime

ONE_C_COLUMNS = (
    "Лицевой счет",
    "Адрес",
    "Период",
    "Вид прибора",
    "Прибор",
    "Заводской номер",
    "Номер ПУ в ГИС ЖКХ",
    "Тариф",
    "Предыдущее показание",
    "Текущее показание",
    "Расход",
    "Ед. изм.",
    "Способ передачи",
    "Дата передачи",
    "Передал",
)
"""The 1C layout, one meter's tariff zone a row (``docs/exchange.md``, «Выгрузка показаний»)."""

GIS_SHEET = "Импорт показаний ИПУ"
GIS_COLUMNS = (
    "Адрес дома",
    "Номер ПУ в ГИС ЖКХ",
    "Коммунальный ресурс",
    "Период, за который передаются показания",
    "Значение показания (Т1)",
    "Значение показания (Т2)",
    "Значение показания (Т3)",
    "Дата снятия показания",
)
"""ГИС ЖКХ's template «Импорт показаний ИПУ» (13.1.3.1): headers in row 1, data from row 2."""

GIS_PLACES = Decimal("0.0000000")  # the template's 7 decimals
GIS_FORMAT = "0.0000000"
VALUE_FORMAT = "0.000"


@dataclass(frozen=True)
class Skipped:
    """A meter with readings that the ГИС ЖКХ file could not carry: it has no ГИС number."""

    account: str
    title: str
    serial: str


def _period(line: ExportLine) -> str:
    return f"{line.month.month:02d}.{line.month.year}"


def _one_c_cells(line: ExportLine) -> list[Any]:
    return [
        line.account,
        line.address,
        _period(line),
        KINDS[line.kind],
        line.title,
        line.serial,
        line.gis_number or "",
        str(line.zone),
        line.previous,
        line.current,
        line.used,
        line.unit,
        line.channel_label,
        ru_datetime(line.entered_at),
        line.entered_by,
    ]


def write_csv(lines: Iterable[ExportLine], out: BinaryIO) -> int:
    """The 1C layout as CSV in Windows-1251 (what 1C reads without asking); rows written.
    A character Windows-1251 lacks (rare in names) becomes «?»."""
    text = io.TextIOWrapper(out, encoding="cp1251", errors="replace", newline="")
    writer = csv.writer(text, delimiter=";", lineterminator="\r\n")
    writer.writerow(ONE_C_COLUMNS)
    count = 0
    for line in lines:
        cells = _one_c_cells(line)
        for index in (8, 9, 10):
            cells[index] = meter_value(cells[index])
        writer.writerow(cells)
        count += 1
    text.flush()
    text.detach()
    return count


def _book() -> Any:
    from openpyxl import Workbook

    return Workbook(write_only=True)


@contextmanager
def _sheet(book: Any, title: str) -> Iterator[Any]:
    """A write-only sheet that is closed even when the rows stop early (a cancel, an error):
    openpyxl's writer would otherwise fail later, at garbage collection, on a closed file."""
    sheet = book.create_sheet(title)
    try:
        yield sheet
    except BaseException:
        with suppress(Exception):
            sheet.close()
        raise


def _cell(sheet: Any, value: Any, number_format: str | None = None) -> Any:
    from openpyxl.cell import WriteOnlyCell

    cell = WriteOnlyCell(sheet, value=value)
    if number_format is not None:
        cell.number_format = number_format
    return cell


def write_xlsx(lines: Iterable[ExportLine], out: BinaryIO) -> int:
    """The 1C layout as an XLSX book (sheet «Показания», values as numbers); rows written."""
    book = _book()
    count = 0
    with _sheet(book, "Показания") as sheet:
        sheet.append(list(ONE_C_COLUMNS))
        for line in lines:
            cells = _one_c_cells(line)
            for index in (8, 9, 10):
                cells[index] = _cell(sheet, cells[index], VALUE_FORMAT)
            sheet.append(cells)
            count += 1
    book.save(out)
    return count


def gis_value(value: Decimal | None) -> Decimal | None:
    """A value as the template takes it: 7 decimals."""
    return None if value is None else value.quantize(GIS_PLACES)


def _meters(lines: Iterable[ExportLine]) -> Iterator[list[ExportLine]]:
    """The lines of one meter (its zones) together: they come in that order."""
    for _key, group in groupby(lines, key=lambda line: (line.period_id, line.meter_id)):
        yield list(group)


def write_gis(
    lines: Iterable[ExportLine], out: BinaryIO, skipped: list[Skipped], exported: list[int]
) -> int:
    """ГИС ЖКХ's template, one meter a row with its zones' values in Т1–Т3; a meter without a
    ГИС number is added to ``skipped`` instead; the period of each written meter to
    ``exported``. Rows written."""
    book = _book()
    count = 0
    with _sheet(book, GIS_SHEET) as sheet:
        sheet.append(list(GIS_COLUMNS))
        for zones in _meters(lines):
            first = zones[0]
            if not first.gis_number:
                skipped.append(Skipped(first.account, first.title, first.serial))
                continue
            values: list[Decimal | None] = [None, None, None]
            for line in zones:
                values[line.zone - 1] = gis_value(line.current)
            taken = max(line.entered_at for line in zones).astimezone().date()
            shown = [None if v is None else _cell(sheet, v, GIS_FORMAT) for v in values]
            sheet.append(
                [first.building, first.gis_number, KINDS[first.kind], _period(first), *shown,
                 ru_date(taken)]
            )  # fmt: skip
            exported.append(first.period_id)
            count += 1
    book.save(out)
    return count
