"""The ``meters`` layout: individual meters of accounts, one meter a row, as 1C's list of
«Приборы учета» exports them. A row's own rules, no database."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date
from decimal import Decimal

from db.models import MeterKind
from desktop.accounts import check_number, clean_number
from desktop.exchange import values
from desktop.exchange.accounts import NUMBER
from desktop.exchange.columns import Field, header_key
from desktop.exchange.rows import RowReader
from desktop.exchange.values import CellError, shown
from desktop.formatting import ru_date, unit_text


@dataclass(frozen=True)
class KindSpec:
    """What a kind of meter is called and what a new one of it gets by default."""

    title: str  # the start of a meter's title: «ХВС 21883-12», «Эл.эн. №12765948»
    unit: str  # as stored (the seed's spelling)
    digits: int
    names: tuple[str, ...]  # how a file may name the kind


KINDS = {
    MeterKind.COLD_WATER: KindSpec(
        "ХВС", "м3", 5, ("ХВС", "Холодная вода", "Холодное водоснабжение", "Хол. вода",
                         "Хол. водоснабжение", "ХВ")),
    MeterKind.HOT_WATER: KindSpec(
        "ГВС", "м3", 5, ("ГВС", "Горячая вода", "Горячее водоснабжение", "Гор. вода",
                         "Гор. водоснабжение", "ГВ")),
    MeterKind.ELECTRICITY: KindSpec(
        "Эл.эн. №", "кВт.ч", 6, ("Электроэнергия", "Электрическая энергия", "Эл.эн.",
                                 "Эл. энергия", "Электричество", "Электроснабжение", "ЭЭ")),
    MeterKind.GAS: KindSpec("Газ", "м3", 5, ("Газ", "Газоснабжение", "Природный газ")),
    MeterKind.HEATING: KindSpec(
        "Тепло", "Гкал", 4, ("Тепловая энергия", "Отопление", "Тепло", "Теплоснабжение")),
}  # fmt: skip
_KIND_NAMES = {header_key(name): kind for kind, spec in KINDS.items() for name in spec.names}
_KIND_NAMES |= {kind.value: kind for kind in MeterKind}

# Units as files write them → as stored.
_UNITS = {"м3": "м3", "м³": "м3", "куб м": "м3", "м куб": "м3", "кубометр": "м3",
          "квт ч": "кВт.ч", "квтч": "кВт.ч", "квт час": "кВт.ч", "гкал": "Гкал"}  # fmt: skip

SERIAL_LENGTH = 50  # Meter.serial
TITLE_LENGTH = 100  # Meter.title
GIS_LENGTH = 50  # Meter.gis_number
MAX_ZONES = 3  # the meter table's check
MAX_DIGITS = 12

FIELDS = (
    replace(NUMBER, key="account"),
    Field(
        "kind",
        "Вид прибора",
        ("Вид ПУ", "Тип прибора", "Вид счетчика", "Тип счетчика", "Ресурс",
         "Коммунальный ресурс", "Услуга", "Вид"),
        required=True,
    ),
    Field(
        "serial",
        "Заводской номер",
        ("Заводской №", "Зав. №", "Зав. номер", "Номер прибора", "№ прибора", "Номер ПУ",
         "Серийный номер", "Номер счетчика"),
        required=True,
    ),
    Field("title", "Наименование", ("Наименование прибора", "Прибор", "Прибор учета", "Счетчик")),
    Field("unit", "Ед. изм.", ("Единица измерения", "Ед.изм", "Единица")),
    Field(
        "zones",
        "Тарифность",
        ("Число тарифов", "Количество тарифов", "Кол-во тарифов", "Тарифов", "Зоны",
         "Число зон", "Количество зон", "Кол-во зон"),
    ),
    Field("digits", "Разрядность", ("Число разрядов", "Разрядов", "Количество разрядов")),
    Field(
        "installed",
        "Дата установки",
        ("Установлен", "Дата ввода в эксплуатацию", "Дата монтажа", "Дата опломбирования"),
    ),
    Field(
        "verification",
        "Дата следующей поверки",
        ("Дата очередной поверки", "Следующая поверка", "Очередная поверка", "Поверка до",
         "Дата окончания поверки", "Дата поверки"),
    ),
    Field(
        "retired",
        "Дата выбытия",
        ("Выбыл", "Дата снятия", "Дата вывода из эксплуатации", "Дата демонтажа"),
    ),
    Field(
        "initial",
        "Начальное показание",
        ("Начальные показания", "Начальное значение", "Показание при установке",
         "Показания при установке"),
    ),
    Field(
        "gis",
        "Номер ПУ в ГИС ЖКХ",
        ("Номер прибора учета в ГИС ЖКХ", "Номер в ГИС ЖКХ", "ГИС ЖКХ", "Идентификатор ГИС ЖКХ",
         "Номер ГИС ЖКХ"),
    ),
)  # fmt: skip


@dataclass(frozen=True)
class MeterRow:
    """A meter as its row tells it; None for a column the file does not have (the stored
    value is kept, a new meter gets the kind's default). A date column that is there but
    empty clears the date."""

    line: int
    account: str
    kind: MeterKind
    serial: str
    title: str | None
    unit: str | None
    zones: int | None
    digits: int | None
    installed: date | None
    verification: date | None
    retired: date | None
    initial: Decimal | None
    gis: str | None
    present: frozenset[str]  # the keys of the columns the file has


def meter_kind(text: str) -> MeterKind:
    kind = _KIND_NAMES.get(header_key(text))
    if kind is None:
        raise CellError(
            f"Вид прибора {shown(text)} не известен: нужен один из «Холодная вода», "
            "«Горячая вода», «Электроэнергия», «Газ», «Тепловая энергия» (или ХВС, ГВС)."
        )
    return kind


def unit_of(text: str) -> str:
    unit = _UNITS.get(header_key(text))
    if unit is None:
        raise CellError(f"Единица {shown(text)} не известна: нужна м3, кВт·ч или Гкал.")
    return unit


def default_title(kind: MeterKind, serial: str) -> str:
    """A new meter's title as the seed writes them: «ХВС 21883-12», «Эл.эн. №12765948»."""
    prefix = KINDS[kind].title
    return f"{prefix}{serial}" if prefix.endswith("№") else f"{prefix} {serial}"


def parse(reader: RowReader) -> MeterRow | None:
    """The row's meter, or None with the reasons in ``reader.problems``."""
    account = clean_number(reader.raw("account"))
    number_problems: list[str] = []
    check_number(account, number_problems)
    for message in number_problems:
        reader.problem("account", message)
    kind = reader.value("kind", meter_kind, required=True)
    serial = reader.value(
        "serial", lambda t: values.text(t, limit=SERIAL_LENGTH, what="Заводской номер"),
        required=True,
    )  # fmt: skip
    title = reader.value("title", lambda t: values.text(t, limit=TITLE_LENGTH, what="Наименование"))
    unit = reader.value("unit", unit_of)
    zones = reader.value(
        "zones", lambda t: values.whole_number(t, low=1, high=MAX_ZONES, what="Тарифность")
    )
    digits = reader.value(
        "digits", lambda t: values.whole_number(t, low=1, high=MAX_DIGITS, what="Разрядность")
    )
    installed = reader.value("installed", lambda t: values.day(t, what="Дата установки"))
    verification = reader.value("verification", lambda t: values.day(t, what="Дата поверки"))
    retired = reader.value("retired", lambda t: values.day(t, what="Дата выбытия"))
    initial = reader.value("initial", _initial)
    gis = reader.value("gis", lambda t: values.text(t, limit=GIS_LENGTH, what="Номер в ГИС ЖКХ"))
    if kind is not None:
        expected = KINDS[kind].unit
        if unit is not None and unit != expected:
            reader.problem(
                "unit",
                f"У прибора «{reader.raw('kind')}» единица должна быть {unit_text(expected)}, "
                f"а указана {shown(reader.raw('unit'))}.",
            )
        if zones is not None and zones > 1 and kind is not MeterKind.ELECTRICITY:
            reader.problem("zones", "Несколько тарифов бывает только у счетчиков электроэнергии.")
    if installed is not None:
        for key, later in (("verification", verification), ("retired", retired)):
            if later is not None and later < installed:
                reader.problem(
                    key, f"Дата {ru_date(later)} раньше даты установки {ru_date(installed)}."
                )
    if reader.problems or kind is None or serial is None:
        return None
    return MeterRow(
        line=reader.line.number,
        account=account,
        kind=kind,
        serial=serial,
        title=title,
        unit=unit,
        zones=zones,
        digits=digits,
        installed=installed,
        verification=verification,
        retired=retired,
        initial=initial,
        gis=gis,
        present=frozenset(reader.columns.index),
    )


def _initial(text: str) -> Decimal:
    value = values.decimal(text, places=3, what="Показание", example="126,000")
    if value < 0:
        raise CellError("Начальное показание не может быть отрицательным.")
    return value
