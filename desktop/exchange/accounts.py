"""The ``accounts`` layout: personal accounts with their buildings and premises, one account a
row, as 1C's «Лицевые счета» list exports them. A row's own rules, no database."""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal

from desktop.accounts import (
    ADDRESS_LENGTH,
    FIO_LENGTH,
    MAX_RESIDENTS,
    check_number,
    clean_number,
    parse_area,
)
from desktop.common.problems import Problem
from desktop.exchange import values
from desktop.exchange.columns import Columns, Field
from desktop.exchange.rows import RowReader, problem_at

NUMBER = Field(
    "number",
    "Лицевой счет",
    ("Номер лицевого счета", "Лицевой счет номер", "Номер ЛС", "ЛС", "Л/с", "Лиц. счет",
     "Лицевой"),
    required=True,
)  # fmt: skip
"""The account number: the same column in every layout that names an account."""

FIELDS = (
    NUMBER,
    Field(
        "fio",
        "ФИО",
        ("Владелец", "Собственник", "ФИО собственника", "ФИО владельца", "Плательщик",
         "ФИО плательщика", "Абонент", "Ответственный", "Ответственный квартиросъемщик",
         "Наниматель"),
        required=True,
    ),
    Field("address", "Адрес", ("Адрес помещения", "Адрес объекта", "Полный адрес")),
    Field("building", "Адрес дома", ("Дом", "Здание", "Адрес здания")),
    Field("flat", "Квартира", ("Кв", "Номер квартиры", "Помещение", "Номер помещения")),
    Field(
        "area",
        "Площадь",
        ("Общая площадь", "Площадь общая", "Площадь помещения", "S общ", "Площадь квартиры"),
        required=True,
    ),
    Field(
        "residents",
        "Проживающих",
        ("Количество проживающих", "Кол-во проживающих", "Число проживающих", "Проживает",
         "Зарегистрировано", "Количество зарегистрированных", "Кол-во зарегистрированных"),
    ),
)  # fmt: skip

FLAT_LENGTH = 20  # Premises.number
_FLAT_IN_ADDRESS = re.compile(
    r"^(?P<building>.+?)[,\s]+(?:кв|квартира|пом|помещение)\.?\s*№?\s*(?P<flat>[\w/-]+)$",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class AccountRow:
    line: int
    number: str
    fio: str
    address: str  # the account's, as printed on its receipt
    building: str | None  # the building's address, when the row tells it
    flat: str | None  # the premises' number in that building
    area: Decimal
    residents: int | None  # None: not in the file (kept, or 1 for a new account)


def column_problems(columns: Columns) -> list[Problem]:
    """The address comes from «Адрес» or «Адрес дома»: one of them must be there."""
    if columns.has("address") or columns.has("building"):
        return []
    return [
        problem_at(
            columns.line,
            None,
            "Нет столбца «Адрес» (или «Адрес дома» и «Квартира»): без адреса лицевой счет не "
            "завести. Проверьте строку заголовков.",
        )
    ]


def parse(reader: RowReader) -> AccountRow | None:
    """The row's account, or None with the reasons in ``reader.problems``."""
    number = clean_number(reader.raw("number"))
    number_problems: list[str] = []
    check_number(number, number_problems)
    for message in number_problems:
        reader.problem("number", message)
    fio = reader.value("fio", lambda t: values.text(t, limit=FIO_LENGTH, what="ФИО"), required=True)
    address = reader.value("address", lambda t: values.text(t, limit=ADDRESS_LENGTH, what="Адрес"))
    building = reader.value(
        "building", lambda t: values.text(t, limit=ADDRESS_LENGTH, what="Адрес дома")
    )
    flat = reader.value("flat", lambda t: values.text(t, limit=FLAT_LENGTH, what="Квартира"))
    area = None
    area_text = reader.raw("area")
    if not area_text:
        reader.problem(
            "area", "Площадь не заполнена: укажите площадь помещения в м², например 54,30."
        )
    else:
        area_problems: list[str] = []
        area = parse_area(area_text, area_problems)
        for message in area_problems:
            reader.problem("area", message)
    residents = reader.value(
        "residents",
        lambda t: values.whole_number(t, low=0, high=MAX_RESIDENTS, what="Число проживающих"),
    )
    if building is None and address:
        split = _FLAT_IN_ADDRESS.match(address)
        if split:  # «…, д. 5, кв. 12»: the building and its flat
            building, flat = split["building"].rstrip(" ,"), flat or split["flat"]
        elif flat is not None:  # the address is the building's, the flat is beside it
            building = address
    if flat is not None and len(flat) > FLAT_LENGTH:
        reader.problem("flat", f"Номер квартиры длиннее {FLAT_LENGTH} знаков: «{flat[:30]}».")
    if not address:
        if building is None:
            reader.problem(
                "address" if reader.has("address") else "building",
                "Адрес не заполнен: укажите адрес помещения, например «ул. Ленина, д. 5, кв. 12».",
            )
        else:
            address = f"{building}, кв. {flat}" if flat else building
            if len(address) > ADDRESS_LENGTH:
                reader.problem(
                    "building", f"Адрес дома с квартирой длиннее {ADDRESS_LENGTH} знаков."
                )
    if reader.problems or fio is None or area is None or not address:
        return None
    return AccountRow(
        line=reader.line.number,
        number=number,
        fio=fio,
        address=address,
        building=building,
        flat=flat,
        area=area,
        residents=residents,
    )
