"""The quick reader of statement and receipt rows agrees with the careful one: whatever row it
takes, ``parse`` reads to the very same line; a row it leaves is one the careful reader
either refuses with a reason or reads itself. No database."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from desktop.exchange import receipts, statement
from desktop.exchange.columns import match
from desktop.exchange.fast import scaled, scaled_row
from desktop.exchange.rows import RowReader
from desktop.exchange.source import Line

STATEMENT = match(
    1,
    [
        "Лицевой счет",
        "Период",
        "Услуга",
        "Сальдо на начало",
        "Начислено",
        "Оплачено",
        "Перерасчет",
        "Сальдо на конец",
        "Объем",
    ],
    statement.FIELDS,
)
RECEIPTS = match(
    1, ["Лицевой счет", "Номер квитанции", "Дата", "Период", "Описание", "Сумма"], receipts.FIELDS
)

amount = st.one_of(
    st.from_regex(r"-?[0-9]{1,4}([.,][0-9]{0,3})?", fullmatch=True),
    st.sampled_from(["", " 12,50", "1 000,00", "+5", "٣", "1,", "12,3;4", "-", "00,10"]),
)
number = st.one_of(
    st.from_regex(r"[0-9]{1,6}", fullmatch=True), st.sampled_from([" 3492", "3 492", "x1", ""])
)
month = st.one_of(
    st.just("11.2026"),
    st.sampled_from(["1.2026", "13.2026", "2026-11-01", "", "11.2026 ", "ноябрь", "05.12.2026"]),
)
day = st.one_of(
    st.just("05.12.2026"), st.sampled_from(["31.02.2026", "2026-12-05", "5.1.2026", "", "x"])
)
receipt_number = st.one_of(
    st.from_regex(r"[A-Za-z0-9/-]{1,8}", fullmatch=True),
    st.sampled_from(["R 1", "№ 5", " R-1", "x" * 60, ""]),
)
text = st.sampled_from(["ХВС", "Отопление", "", "  ", "Пеня\u00ad", "R-1", "R 1", "№ 5", "x" * 60])


def careful(columns, cells: list[str]):
    return statement_or_receipt(columns)(RowReader(columns, Line(7, cells)))


def statement_or_receipt(columns):
    return statement.parse if columns is STATEMENT else receipts.parse


@settings(max_examples=400, deadline=None)
@given(
    number,
    month,
    text,
    st.lists(amount, min_size=5, max_size=5),
    amount,
)
def test_a_statement_row_the_quick_reader_takes_the_careful_one_reads_alike(
    account, period, service, amounts, volume
):
    opening, charged, paid, recalculation, _ = amounts
    values = [scaled(2)(a) for a in (opening, charged, paid, recalculation)]
    if None not in values and len(amounts[4]) % 2:  # now and then a closing that adds up
        o, c, p, r = values
        total = o + c - p + r  # type: ignore[operator]
        amounts[4] = f"{'-' if total < 0 else ''}{abs(total) // 100},{abs(total) % 100:02d}"
    cells = [account, period, service, *amounts, volume]
    quick = statement.fast_parser(STATEMENT)(Line(7, cells))
    if quick is not None:
        assert careful(STATEMENT, cells) == quick


@settings(max_examples=300, deadline=None)
@given(number, receipt_number, day, month, text, amount)
def test_a_receipt_row_the_quick_reader_takes_the_careful_one_reads_alike(
    account, receipt_number, issued, period, description, total
):
    cells = [account, receipt_number, issued, period, description, total]
    quick = receipts.fast_parser(RECEIPTS)(Line(7, cells))
    if quick is not None:
        assert careful(RECEIPTS, cells) == quick


def test_plain_statement_and_receipt_rows_go_the_quick_way():
    row = ["6101", "11.2026", "Водоотведение", "", "2421,77", "", "", "2421,77", "8,092"]
    quick = statement.fast_parser(STATEMENT)(Line(7, row))
    assert quick == careful(STATEMENT, row)
    assert quick is not None and quick.amounts == (0, 242177, 0, 0, 242177)
    assert quick.volume == 8092
    receipt = ["3492", "3492-11", "05.12.2026", "11.2026", "", "2648,62"]
    quick_receipt = receipts.fast_parser(RECEIPTS)(Line(7, receipt))
    assert quick_receipt == careful(RECEIPTS, receipt)
    assert quick_receipt is not None and quick_receipt.total == 264862


def test_amounts_are_read_to_their_smallest_unit_or_left_to_the_careful_reader():
    row = scaled_row(2, 4)
    assert row(["-12,5", "", "0.07", "1234"]) == [-1250, 0, 7, 123400]
    assert row(["1 000,00", "", "", ""]) is None
    assert row(["1;2", "", "", ""]) is None  # a «;» inside a cell
    assert scaled(3)("8,092") == 8092 and scaled(3)("8,0921") is None


def test_a_row_ending_in_blank_cells_goes_the_quick_way_and_one_with_more_does_not():
    row = ["6101", "11.2026", "ХВС", "", "10,00", "", "", "10,00", ""]
    quick = statement.fast_parser(STATEMENT)
    assert quick(Line(7, [*row, "", " "])) == careful(STATEMENT, [*row, "", " "]) is not None
    assert quick(Line(7, [*row, "лишнее"])) is None
    assert careful(STATEMENT, [*row, "лишнее"]) is None  # and the careful reader says why
    assert quick(Line(7, row[:-2])) is None  # short: the careful reader names what is missing
