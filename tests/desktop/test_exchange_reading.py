"""Reading 1C's files without a database: encodings, CSV and XLSX, cells, headers, kinds."""

from __future__ import annotations

import re
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st
from openpyxl import Workbook

from desktop.common.problems import ProblemError
from desktop.exchange import values
from desktop.exchange.columns import header_key
from desktop.exchange.kinds import find_header
from desktop.exchange.source import Source, examine
from desktop.exchange.values import CellError

ACCOUNTS = (
    "Выгрузка лицевых счетов на 01.07.2017\n"
    "\n"
    "№ п/п;Лицевой счёт;ФИО;Адрес дома;Квартира;Площадь, м2;Кол-во проживающих\n"
    "1;7001;Сидоров С.С.;г. Тест, ул. Мира, д. 1;1;54,30;2\n"
    '2;7002;"Петрова; А.А.";г. Тест, ул. Мира, д. 1;2;61.00;3\n'
)


def lines_of(path: Path) -> list[tuple[int, list[str]]]:
    with Source(path, examine(path)) as source:
        return [(line.number, line.cells) for line in source.lines()]


@pytest.mark.parametrize(
    ("encoding", "bom", "expected"),
    [
        ("cp1251", b"", "cp1251"),
        ("utf-8", b"", "utf-8"),
        ("utf-8", b"\xef\xbb\xbf", "utf-8-sig"),
        ("utf-16-le", b"\xff\xfe", "utf-16"),
    ],
)
def test_the_encoding_is_detected_and_the_rows_read_alike(
    tmp_path: Path, encoding: str, bom: bytes, expected: str
):
    path = tmp_path / "accounts.csv"
    path.write_bytes(bom + ACCOUNTS.replace("\n", "\r\n").encode(encoding))
    assert examine(path).encoding == expected
    rows = lines_of(path)
    assert [number for number, _ in rows] == [1, 3, 4, 5]  # the empty line is skipped
    assert rows[1][1][1] == "Лицевой счёт"
    assert rows[3][1][2] == "Петрова; А.А."  # a quoted «;» stays in its cell


def test_utf8_with_its_first_cyrillic_far_into_the_file_is_still_utf8(tmp_path: Path):
    path = tmp_path / "late.csv"
    text = "a;b\n" + "1;2\n" * 400_000 + "ё;ж\n"
    path.write_bytes(text.encode("utf-8"))
    assert examine(path).encoding == "utf-8"
    path.write_bytes(text.encode("cp1251"))
    assert examine(path).encoding == "cp1251"


def test_a_quoted_cell_over_several_lines_keeps_the_line_it_starts_on(tmp_path: Path):
    path = tmp_path / "multi.csv"
    path.write_text('a;b\n1;"две\nстроки"\n2;x\n', encoding="utf-8")
    assert lines_of(path) == [(1, ["a", "b"]), (2, ["1", "две\nстроки"]), (4, ["2", "x"])]


def test_tab_separated_text_from_excel_is_read(tmp_path: Path):
    path = tmp_path / "tabs.txt"
    path.write_bytes(b"\xff\xfe" + "Лицевой счет\tФИО\n1\tА\n".encode("utf-16-le"))
    assert lines_of(path) == [(1, ["Лицевой счет", "ФИО"]), (2, ["1", "А"])]


def test_tab_separated_text_with_a_title_row_above_the_header_is_read(tmp_path: Path):
    """The delimiter is the first line's that holds one: a title row holds neither."""
    path = tmp_path / "tabs.txt"
    text = "Выгрузка лицевых счетов на 01.07.2017\n\nЛицевой счет\tФИО\n1\tА; Б\n"
    path.write_bytes(b"\xff\xfe" + text.encode("utf-16-le"))
    assert lines_of(path) == [
        (1, ["Выгрузка лицевых счетов на 01.07.2017"]),
        (3, ["Лицевой счет", "ФИО"]),
        (4, ["1", "А; Б"]),
    ]


def test_a_line_too_long_is_refused_without_reading_it_whole(tmp_path: Path):
    path = tmp_path / "long.csv"
    path.write_text("a;b\n1;2\n" + "x" * 300_000 + "\n", encoding="utf-8")
    with pytest.raises(ProblemError) as refused:
        lines_of(path)
    assert str(refused.value) == (
        "Строка 3 файла long.csv длиннее 100000 символов: это не выгрузка из 1С (или в ней "
        "потеряны переводы строк). Проверьте файл."
    )


def test_a_cell_the_csv_module_refuses_is_reported_in_russian(tmp_path: Path):
    """A quote never closed swallows the rest of the file into one cell, past the csv module's
    limit: its English error is not shown."""
    path = tmp_path / "quote.csv"
    path.write_text('a;b\n1;"2\n' + ("x" * 1000 + "\n") * 200, encoding="utf-8")
    with pytest.raises(ProblemError) as refused:
        lines_of(path)
    assert str(refused.value) == (
        "Строка 2: не удалось разобрать строку CSV — в ней недопустимые символы или непарные "
        "кавычки. Проверьте эту строку."
    )


def test_an_xlsx_book_reads_numbers_and_dates_as_1c_writes_them(tmp_path: Path):
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["Лицевой счет", "Площадь", "Дата установки", "Начальное показание", "Пусто"])
    sheet.append([3492, 54.3, datetime(2015, 3, 12), Decimal("12.500"), None])
    sheet.append([])
    sheet.append(["0012", 61.0, date(2016, 1, 2), 0.1 + 0.2, True])
    path = tmp_path / "book.xlsx"
    book.save(path)
    facts = examine(path)
    assert (facts.format, facts.encoding) == ("xlsx", None)
    assert lines_of(path) == [
        (1, ["Лицевой счет", "Площадь", "Дата установки", "Начальное показание", "Пусто"]),
        (2, ["3492", "54.3", "12.03.2015", "12.5", ""]),  # a book keeps numbers as floats
        (4, ["0012", "61", "02.01.2016", "0.3", "1"]),  # 15 digits, as Excel shows them
    ]


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "пуст"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1rest", "Excel 97"),
        (b"PK\x03\x04not really a zip", "не читается как книга Excel"),
        (b"\xef\xbb\xbfa;b\n\x80", "не читается в кодировке UTF-8 с BOM"),
    ],
)
def test_files_that_cannot_be_read_are_refused_in_russian(
    tmp_path: Path, content: bytes, message: str
):
    path = tmp_path / "bad.xlsx"
    path.write_bytes(content)
    with pytest.raises(ProblemError, match=message) as refused:
        lines_of(path)
    # No English words from the libraries underneath (zipfile's «File is not a zip file»).
    words = set(re.findall(r"[A-Za-z]{3,}", str(refused.value).replace(path.name, "")))
    assert words <= {"Excel", "xls", "xlsx", "CSV", "UTF", "BOM", "Windows"}


def test_a_missing_file_is_named(tmp_path: Path):
    with pytest.raises(ProblemError, match="не найден"):
        examine(tmp_path / "нет.csv")


# -- headers and kinds


@pytest.mark.parametrize(
    ("header", "key"),
    [
        ("Лицевой счёт", "лицевой счет"),
        ("  ЛИЦЕВОЙ   СЧЕТ ", "лицевой счет"),
        ("Площадь, м2", "площадь"),
        ("Площадь (кв. м)", "площадь"),
        ("№ л/с", "л с"),
        ("Ед. изм.", "ед изм"),
        ("Кол-во проживающих", "кол во проживающих"),
    ],
)
def test_headers_compare_without_case_yo_punctuation_or_units(header: str, key: str):
    assert header_key(header) == key


def header_of(tmp_path: Path, text: str, kind: str | None = None):
    path = tmp_path / "file.csv"
    path.write_text(text, encoding="utf-8")
    with Source(path, examine(path)) as source:
        lines = source.lines()
        found, columns = find_header(lines, kind)
        return found.name, columns, [line.number for line in lines]


def test_the_kind_and_the_header_row_are_found_below_a_title(tmp_path: Path):
    name, columns, rest = header_of(tmp_path, ACCOUNTS)
    assert name == "accounts"
    assert columns.line == 3
    assert columns.index == {
        "number": 1, "fio": 2, "building": 3, "flat": 4, "area": 5, "residents": 6
    }  # fmt: skip
    assert columns.unused == ["№ п/п"]
    assert rest == [4, 5]  # the data rows follow the header

    meters = "ЛС;Тип прибора;Зав. №;Поверка до\n1;ХВС;1;01.01.2020\n"
    assert header_of(tmp_path, meters)[0] == "meters"


def test_a_file_of_another_kind_or_of_nothing_known_is_refused(tmp_path: Path):
    with pytest.raises(ProblemError) as refused:
        header_of(tmp_path, "Лицевой счет;ФИО;Адрес\n1;А;Б\n", kind="accounts")
    assert [(p.row, p.column) for p in refused.value.problems] == [(1, "Площадь")]
    assert "Нет столбца «Площадь»" in str(refused.value)

    with pytest.raises(ProblemError, match="Не найдена строка заголовков"):
        header_of(tmp_path, "a;b;c\n1;2;3\n")
    with pytest.raises(ProblemError, match="Вид файла «payroll» не известен"):
        header_of(tmp_path, ACCOUNTS, kind="payroll")


def test_one_field_in_two_columns_is_refused(tmp_path: Path):
    with pytest.raises(ProblemError, match="«Лицевой счет» и «ЛС» означают одно и то же"):
        header_of(tmp_path, "Лицевой счет;ЛС;ФИО;Адрес;Площадь\n")


# -- cells


@pytest.mark.parametrize(
    ("text", "value"),
    [("54,30", "54.30"), ("54.3", "54.30"), ("1 234,5", "1234.50"), ("-11,86", "-11.86"),
     ("\u00a0 7 ", "7.00"), ("-0,00", "0.00"), ("0012,10", "12.10")],
)  # fmt: skip
def test_amounts_take_a_decimal_comma_or_point_and_grouped_thousands(text: str, value: str):
    assert values.decimal(text, places=2) == Decimal(value)
    assert str(values.decimal(text, places=2)) == value


@pytest.mark.parametrize("text", ["54,301", "5e3", "12,3,4", "nan", "Infinity", "--1", "1.", ""])
def test_anything_else_is_not_an_amount(text: str):
    if text == "1.":
        assert values.decimal(text, places=2) == Decimal("1.00")  # «1.» is one, as Excel writes
        return
    with pytest.raises(CellError):
        values.decimal(text, places=2)


@given(st.decimals(min_value=-(10**12), max_value=10**12, places=2), st.sampled_from([",", "."]))
def test_every_amount_1c_writes_reads_back_exactly(amount: Decimal, point: str):
    assert values.decimal(str(amount).replace(".", point), places=2) == amount


def test_dates_and_periods():
    assert values.day("31.05.2017") == date(2017, 5, 31)
    assert values.day("1.6.2017 0:00:00") == date(2017, 6, 1)
    assert values.day("2017-06-01") == date(2017, 6, 1)
    assert values.month("06.2017") == date(2017, 6, 1)
    assert values.month("6.2017") == date(2017, 6, 1)
    assert values.month("15.06.2017") == date(2017, 6, 1)
    for bad in ("31.02.2017", "2017.06.01", "06/2017", "01.01.0017"):
        with pytest.raises(CellError):
            values.day(bad)
    for bad in ("13.2017", "2017-06", "июнь 2017"):
        with pytest.raises(CellError, match="ММ.ГГГГ"):
            values.month(bad)


def test_whole_numbers():
    assert values.whole_number("3", low=1, high=3, what="Тарифность") == 3
    assert values.whole_number("2,0", low=1, high=3, what="Тарифность") == 2
    for bad in ("4", "0", "1,5", "два"):
        with pytest.raises(CellError, match="Тарифность"):
            values.whole_number(bad, low=1, high=3, what="Тарифность")


def test_meter_kinds_and_units_as_files_name_them():
    from db.models import MeterKind
    from desktop.exchange.meters import meter_kind, unit_of

    assert meter_kind("Холодная вода") is meter_kind("ХВС") is MeterKind.COLD_WATER
    assert meter_kind("ГОРЯЧЕЕ  водоснабжение") is MeterKind.HOT_WATER
    assert meter_kind("Электроэнергия (день/ночь)") is MeterKind.ELECTRICITY
    assert meter_kind("Тепловая энергия") is MeterKind.HEATING
    assert {unit_of(u) for u in ("м3", "м³", "куб. м", "М3")} == {"м3"}
    assert {unit_of(u) for u in ("кВт·ч", "кВт.ч", "квтч", "кВт*ч")} == {"кВт.ч"}
    with pytest.raises(CellError, match="Вид прибора «Вода» не известен"):
        meter_kind("Вода")
    with pytest.raises(CellError, match="Единица «л» не известна"):
        unit_of("л")


def test_spreadsheet_floats_become_plain_text():
    from desktop.exchange.source import cell_text

    assert cell_text(1e-7) == "0.0000001"
    assert cell_text(1e20) == "100000000000000000000"
    assert cell_text(-11.86) == "-11.86"
