"""The payment QR code of GOST R 56042-2014: its text, checked as the standard says, and its
module matrix drawn as one path.

The text is a service block, ``ST`` + version ``0001`` + the character set (``2`` = UTF-8),
then the separator, then ``Key=Value`` requisites joined by it: first the five mandatory ones
(Name, PersonalAcc, BankName, BIC, CorrespAcc), then the additional ones. The separator is
``|`` unless a value contains it; then another character that no value contains is chosen,
and the service block announces it simply by being followed by it.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from datetime import date
from decimal import Decimal
from typing import Any

from desktop.documents.model import Payee
from desktop.errors import ValidationError
from desktop.months import MONTHS_NOMINATIVE

SERVICE_BLOCK = "ST00012"  # format ST, version 0001, character set 2 = UTF-8
SEPARATOR = "|"
# Tried in this order when a value holds «|»: never a letter, a digit or «=».
SEPARATOR_CANDIDATES = "|#;^~!$%&*@+/\\:_-"
TECH_CODE_HOUSING = "02"  # «ЖКУ»: housing and utilities, by the standard's table of codes
ERROR_LEVEL = "M"  # the error correction level the standard prescribes

# Maximum lengths of the requisites this application fills, by the standard's tables.
MAX_LENGTH = {
    "Name": 160,
    "PersonalAcc": 20,
    "BankName": 45,
    "BIC": 9,
    "CorrespAcc": 20,
    "PayeeINN": 12,
    "KPP": 9,
    "Sum": 18,
    "Purpose": 210,
}
FIELD_TITLES = {
    "Name": "Наименование получателя",
    "PersonalAcc": "Расчетный счет получателя",
    "BankName": "Наименование банка",
    "BIC": "БИК банка",
    "CorrespAcc": "Корреспондентский счет банка",
    "PayeeINN": "ИНН получателя",
    "KPP": "КПП получателя",
    "Sum": "Сумма",
    "Purpose": "Назначение платежа",
    "PersAcc": "Лицевой счет",
    "PaymPeriod": "Период оплаты",
    "LastName": "Фамилия плательщика",
    "FirstName": "Имя плательщика",
    "MiddleName": "Отчество плательщика",
    "payerAddress": "Адрес плательщика",
    "TechCode": "Технический код",
}
_FIX_REQUISITES = "Исправьте реквизиты организации в настройках и повторите."
_KEY = re.compile(r"[A-Za-z][A-Za-z0-9]*")
_KPP = re.compile(r"\d{4}[0-9A-Z]{2}\d{3}")
_SURNAME = r"[А-ЯЁ][а-яё]+(?:-[А-ЯЁ][а-яё]+)?"
_NAME = r"[А-ЯЁ][а-яё]+"
_FULL_NAME = re.compile(rf"({_SURNAME})\s+({_NAME})\s+({_NAME})")
_SURNAME_INITIALS = re.compile(rf"({_SURNAME})\s+[А-ЯЁ]\.\s*(?:[А-ЯЁ]\.?)?")


def _digits(key: str, value: str, lengths: tuple[int, ...]) -> str:
    if not (value.isascii() and value.isdigit() and len(value) in lengths):
        need = " или ".join(str(n) for n in lengths)
        raise ValidationError(
            f"{FIELD_TITLES[key]} «{value}» должен состоять из {need} цифр. {_FIX_REQUISITES}"
        )
    return value


def _text(key: str, value: str) -> str:
    value = " ".join(value.split())
    if not value:
        raise ValidationError(f"Не указано поле «{FIELD_TITLES[key]}». {_FIX_REQUISITES}")
    limit = MAX_LENGTH.get(key)
    if limit is not None and len(value) > limit:
        raise ValidationError(
            f"{FIELD_TITLES[key]} длиннее {limit} знаков, допустимых в платёжном QR-коде "
            f"(сейчас {len(value)}): «{value}». Сократите его в реквизитах организации."
        )
    return value


def kopecks(amount: Decimal) -> int:
    """Roubles with at most 2 places → kopecks; the QR code's Sum."""
    scaled = amount.scaleb(2)
    if scaled != scaled.to_integral_value():
        raise ValueError(f"{amount} has more than 2 decimal places")
    return int(scaled)


def payer_name(fio: str) -> list[tuple[str, str]]:
    """The payer's name requisites that the ФИО really gives: all three for «Иванов Иван
    Иванович», the surname alone for «Иванов И.И.» (initials are not names), none for
    anything else."""
    fio = " ".join(fio.split())
    full = _FULL_NAME.fullmatch(fio)
    if full:
        return [("LastName", full[1]), ("FirstName", full[2]), ("MiddleName", full[3])]
    short = _SURNAME_INITIALS.fullmatch(fio)
    if short:
        return [("LastName", short[1])]
    return []


def purpose(month: date, account_number: str) -> str:
    """«Оплата ЖКУ за май 2017 г., л/с 3492»."""
    name = MONTHS_NOMINATIVE[month.month - 1].lower()  # «за май»: the accusative is the same
    return f"Оплата ЖКУ за {name} {month.year} г., л/с {account_number}"


def payment_payload(
    payee: Payee,
    *,
    amount: Decimal,
    account_number: str,
    month: date,
    payer_fio: str = "",
    payer_address: str = "",
) -> str:
    """The QR code's text for paying ``amount`` (> 0) for one account's month of housing and
    utilities; a Russian ValidationError if the company's requisites break the standard."""
    if amount <= 0:
        raise ValueError("a payment QR code needs a positive amount")
    correspondent = payee.correspondent_account.strip() or "0"  # «0» when the bank has none
    if correspondent != "0":
        _digits("CorrespAcc", correspondent, (20,))
    fields: list[tuple[str, str]] = [
        ("Name", _text("Name", payee.name)),
        ("PersonalAcc", _digits("PersonalAcc", payee.settlement_account.strip(), (20,))),
        ("BankName", _text("BankName", payee.bank_name)),
        ("BIC", _digits("BIC", payee.bic.strip(), (9,))),
        ("CorrespAcc", correspondent),
        ("PayeeINN", _digits("PayeeINN", payee.inn.strip(), (10, 12))),
    ]
    kpp = payee.kpp.strip()
    if kpp:
        if not _KPP.fullmatch(kpp):
            raise ValidationError(
                f"КПП получателя «{kpp}» должен состоять из 9 знаков (цифры, в 5-й и 6-й "
                f"позициях допускаются заглавные латинские буквы). {_FIX_REQUISITES}"
            )
        fields.append(("KPP", kpp))
    fields += [
        ("Sum", str(kopecks(amount))),
        ("Purpose", _text("Purpose", purpose(month, account_number))),
        ("PersAcc", account_number),
        ("PaymPeriod", f"{month.month:02d}{month.year:04d}"),
        *payer_name(payer_fio),
    ]
    address = " ".join(payer_address.split())
    if address:
        fields.append(("payerAddress", address))  # the standard spells it with a small «p»
    fields.append(("TechCode", TECH_CODE_HOUSING))
    return build_payload(fields)


def build_payload(fields: Sequence[tuple[str, str]]) -> str:
    """``ST00012`` + separator + ``Key=Value`` joined by the separator; every value checked
    for what the standard forbids (emptiness, control characters, excess length) and the
    separator chosen so that no value contains it."""
    keys = [key for key, _value in fields]
    missing = [k for k in ("Name", "PersonalAcc", "BankName", "BIC", "CorrespAcc") if k not in keys]
    if missing or keys[:5] != ["Name", "PersonalAcc", "BankName", "BIC", "CorrespAcc"]:
        raise ValueError(f"the mandatory requisites must come first, in order; missing {missing}")
    if len(set(keys)) != len(keys):
        raise ValueError("a requisite appears twice")
    for key, value in fields:
        if not _KEY.fullmatch(key):
            raise ValueError(f"bad requisite name {key!r}")
        title = FIELD_TITLES.get(key, key)
        if value == "":
            raise ValidationError(f"Поле «{title}» платёжного QR-кода пустое.")
        if any(unicodedata.category(c).startswith("C") for c in value):
            raise ValidationError(
                f"Поле «{title}» содержит управляющие символы (перевод строки, табуляцию), "
                "недопустимые в платёжном QR-коде."
            )
        limit = MAX_LENGTH.get(key)
        if limit is not None and len(value) > limit:
            raise ValidationError(
                f"Поле «{title}» длиннее {limit} знаков, допустимых в платёжном QR-коде."
            )
    separator = next(
        (c for c in SEPARATOR_CANDIDATES if not any(c in value for _key, value in fields)), None
    )
    if separator is None:
        raise ValidationError(
            "В реквизитах платежа встречаются все допустимые символы-разделители; "
            "уберите из названий лишние знаки препинания."
        )
    return SERVICE_BLOCK + separator + separator.join(f"{k}={v}" for k, v in fields)


def parse_payload(payload: str) -> list[tuple[str, str]]:
    """The requisites of a payload, in order: the reverse of ``build_payload``."""
    if not payload.startswith("ST0001") or len(payload) < 8:
        raise ValueError("not a GOST R 56042-2014 payload")
    separator = payload[7]
    return [tuple(part.split("=", 1)) for part in payload[8:].split(separator)]  # type: ignore[misc]


def qr_matrix(payload: str) -> tuple[bytearray, ...]:
    """The QR code's modules (1 = dark), without the quiet zone; encoded once, as UTF-8 bytes
    with no ECI header, which is what banking apps read."""
    import segno

    code = segno.make_qr(payload, error=ERROR_LEVEL, boost_error=False, encoding="utf-8")
    return code.matrix


def draw_matrix(canvas: Any, matrix: Sequence[bytearray], x: float, y: float, size: float) -> None:
    """Draw the modules into the square (x, y, size) of a reportlab canvas as ONE filled path
    of horizontal runs; the caller leaves the quiet zone around it."""
    count = len(matrix)
    runs: list[str] = []
    for row, modules in enumerate(matrix):
        start = -1
        for column, dark in enumerate(modules):
            if dark and start < 0:
                start = column
            elif not dark and start >= 0:
                runs.append(f"{start} {row} {column - start} 1 re")
                start = -1
        if start >= 0:
            runs.append(f"{start} {row} {count - start} 1 re")
    canvas.saveState()
    # Module units with the origin at the top left, so every number is a short integer; the
    # operators are written directly because reportlab formats each path number in Python,
    # which for a couple of thousand rectangles costs more than the rest of the page.
    canvas.translate(x, y + size)
    canvas.scale(size / count, -size / count)
    canvas.setFillColorRGB(0, 0, 0)
    canvas.addLiteral(" ".join(runs) + " f")
    canvas.restoreState()
