"""Reading an exchange file: CSV (``;``, or tabs as Excel's «Текст Юникод» writes them) in
cp1251 or UTF-8 with or without a BOM, detected; or an XLSX book's first sheet. Rows come as
lists of text cells, streamed, each with its line number as a spreadsheet or text editor shows
it; a spreadsheet's numbers and dates are turned into the text 1C would have written."""

from __future__ import annotations

import codecs
import csv
import hashlib
import io
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, time
from decimal import Decimal
from pathlib import Path
from typing import IO, Any, NamedTuple

from desktop.common.problems import ProblemError

CHUNK = 1 << 20
MAX_LINE = 100_000  # characters in one line of a text file; 1C's lines are a few hundred
SNIFF_LINES = 20  # lines looked at for the delimiter: a title and blank rows may come first
_ZIP = b"PK\x03\x04"
_OLE = b"\xd0\xcf\x11\xe0"  # Excel 97–2003 (.xls)
_UTF8_BOM = codecs.BOM_UTF8
_UTF16_BOMS = (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)

ENCODING_NAMES = {"utf-8-sig": "UTF-8 с BOM", "utf-8": "UTF-8", "cp1251": "Windows-1251",
                  "utf-16": "UTF-16"}  # fmt: skip


class Line(NamedTuple):
    """One row of the file: its number as an editor shows it (1 = the first) and its cells."""

    number: int
    cells: list[str]


@dataclass(frozen=True)
class FileFacts:
    """What one pass over the bytes learns: the hash that identifies the file and, for text,
    its encoding."""

    format: str  # "csv" | "xlsx"
    sha256: str
    size: int
    encoding: str | None  # a Python codec's name, for CSV


class Rewind(Iterator[Line]):
    """A file's lines with a line looked at put back: a registry without a header line
    learns from its first line that it is data (``kinds.find_header``)."""

    def __init__(self, lines: Iterator[Line]) -> None:
        self._lines = lines
        self._back: list[Line] = []

    def __iter__(self) -> Rewind:
        return self

    def __next__(self) -> Line:
        return self._back.pop() if self._back else next(self._lines)

    def put_back(self, line: Line) -> None:
        self._back.append(line)


def file_error(message: str) -> ProblemError:
    return ProblemError.one(message, field="file")


def examine(path: Path) -> FileFacts:
    """Hash the file and tell CSV from XLSX and UTF-8 from cp1251, reading it once."""
    digest = hashlib.sha256()
    size = 0
    try:
        with path.open("rb") as raw:
            head = raw.read(CHUNK)
            if not head:
                raise file_error(f"Файл {path.name} пуст: в нём нет ни одной строки.")
            if head.startswith(_OLE):
                raise file_error(
                    f"Файл {path.name} — книга Excel 97–2003 (.xls), такие не читаются. "
                    "Сохраните её в Excel как «Книга Excel (.xlsx)» или «CSV (разделители — "
                    "точка с запятой)» и загрузите снова."
                )
            form = "xlsx" if head.startswith(_ZIP) else "csv"
            decoder: Any = None
            encoding: str | None = None
            if form == "csv":
                if head.startswith(_UTF8_BOM):
                    encoding = "utf-8-sig"
                elif head.startswith(_UTF16_BOMS):
                    encoding = "utf-16"
                else:
                    decoder = codecs.getincrementaldecoder("utf-8")()
            chunk = head
            while chunk:
                digest.update(chunk)
                size += len(chunk)
                if decoder is not None:
                    try:
                        decoder.decode(chunk)
                    except UnicodeDecodeError:
                        decoder, encoding = None, "cp1251"
                chunk = raw.read(CHUNK)
            if decoder is not None:
                try:
                    decoder.decode(b"", final=True)
                    encoding = "utf-8"
                except UnicodeDecodeError:
                    encoding = "cp1251"
    except FileNotFoundError:
        raise file_error(f"Файл {path} не найден. Проверьте имя и папку.") from None
    except IsADirectoryError:
        raise file_error(f"{path} — папка, а не файл. Укажите файл выгрузки.") from None
    except PermissionError:
        raise file_error(f"Нет прав на чтение файла {path}.") from None
    return FileFacts(form, digest.hexdigest(), size, encoding)


class Source:
    """An opened exchange file: ``lines()`` streams its rows; ``done``/``total`` say how far
    the reading is (bytes of a CSV, rows of a sheet) for a progress bar."""

    def __init__(self, path: Path, facts: FileFacts) -> None:
        self.path = path
        self.facts = facts
        self.total = facts.size
        self._stream: IO[bytes] | None = None
        self._text: io.TextIOWrapper | None = None
        self._book: Any = None
        self._position = 0

    @property
    def done(self) -> int:
        if self._stream is not None and not self._stream.closed:
            return self._stream.tell()
        return self._position

    def lines(self) -> Iterator[Line]:
        """Every row that has anything in it, in order."""
        rows = self._xlsx_rows() if self.facts.format == "xlsx" else self._csv_rows()
        for line in rows:
            cells = line.cells
            if cells and (cells[0].strip() or any(cell.strip() for cell in cells)):
                yield line

    def close(self) -> None:
        if self._text is not None:
            self._text.close()  # and the bytes under it
        elif self._stream is not None:
            self._stream.close()
        if self._book is not None:
            self._book.close()

    def __enter__(self) -> Source:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- CSV

    def _csv_rows(self) -> Iterator[Line]:
        encoding = self.facts.encoding or "utf-8"
        self._stream = self.path.open("rb")
        text = self._text = io.TextIOWrapper(self._stream, encoding=encoding, newline="")
        start = 1
        try:
            delimiter = self._delimiter(text)
            text.seek(0)
            reader = csv.reader(
                self._capped(text), delimiter=delimiter, quotechar='"', strict=False
            )
            for cells in reader:
                yield Line(start, cells)
                start = reader.line_num + 1
        except UnicodeDecodeError:
            raise file_error(
                f"Файл {self.path.name} не читается в кодировке {ENCODING_NAMES[encoding]} "
                f"(около строки {start}): в нём испорченные или чужие символы. Сохраните его "
                "заново в UTF-8 или Windows-1251."
            ) from None
        except csv.Error:
            # The csv module's own words are English: say what is wrong in Russian.
            raise file_error(
                f"Строка {start}: не удалось разобрать строку CSV — в ней недопустимые "
                "символы или непарные кавычки. Проверьте эту строку."
            ) from None

    def _delimiter(self, text: io.TextIOWrapper) -> str:
        """Tabs (Excel's «Текст Юникод») or semicolons, as the first line that holds either
        says: a title row above the header holds neither."""
        for _ in range(SNIFF_LINES):
            line = text.readline(MAX_LINE)
            if not line:
                break
            if "\t" in line or ";" in line:
                return "\t" if "\t" in line and ";" not in line else ";"
        return ";"

    def _capped(self, text: io.TextIOWrapper) -> Iterator[str]:
        """The file's lines, each read at most ``MAX_LINE`` characters at a time: a line
        longer than that (not an export: a file without line breaks) is refused, not read
        whole into memory."""
        number = 0
        while True:
            line = text.readline(MAX_LINE + 1)
            if not line:
                return
            number += 1
            if len(line) > MAX_LINE:
                raise file_error(
                    f"Строка {number} файла {self.path.name} длиннее {MAX_LINE} символов: это "
                    "не выгрузка из 1С (или в ней потеряны переводы строк). Проверьте файл."
                )
            yield line

    # -- XLSX

    def _xlsx_rows(self) -> Iterator[Line]:
        import zipfile

        from openpyxl import load_workbook  # slow to import: only when a book is read

        try:
            self._book = load_workbook(self.path, read_only=True, data_only=True)
        except (zipfile.BadZipFile, KeyError, OSError, ValueError):
            # openpyxl's and zipfile's own words are English: say it in Russian.
            raise file_error(
                f"Файл {self.path.name} не читается как книга Excel (.xlsx): он повреждён или "
                "это не книга Excel. Сохраните его в Excel заново или выгрузите в CSV."
            ) from None
        if not self._book.worksheets:
            raise file_error(f"В книге {self.path.name} нет ни одного листа.")
        sheet = self._book.worksheets[0]
        self.total = sheet.max_row or 0
        for number, row in enumerate(sheet.iter_rows(values_only=True), 1):
            self._position = number
            yield Line(number, [cell_text(value) for value in row])


def cell_text(value: object) -> str:
    """A spreadsheet cell as the text a CSV export would hold: numbers without a spurious
    «.0», dates DD.MM.YYYY."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, float):
        if value.is_integer():
            return str(int(value))
        # As Excel shows it: 15 significant digits, so 0.1 + 0.2 is 0.3, never in exponent form.
        return format(Decimal(f"{value:.15g}"), "f")
    if isinstance(value, int | Decimal):
        return str(value)
    if isinstance(value, datetime):
        if value.time() == time(0, 0):
            return value.strftime("%d.%m.%Y")
        return value.strftime("%d.%m.%Y %H:%M:%S")
    if isinstance(value, date):
        return value.strftime("%d.%m.%Y")
    return str(value)
