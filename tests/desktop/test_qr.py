"""The GOST R 56042-2014 payment QR code: payload strings checked by hand, the standard's
limits, the separator rule, and the matrix read back by a real decoder."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
import zxingcpp
from hypothesis import given, settings
from hypothesis import strategies as st
from PIL import Image

from desktop.documents.model import Payee
from desktop.documents.qr import (
    build_payload,
    kopecks,
    parse_payload,
    payer_name,
    payment_payload,
    purpose,
    qr_matrix,
)
from desktop.errors import ValidationError

DEMO_PAYEE = Payee(
    name='ООО "УК Демо" (демонстрационные данные)',
    inn="5012345672",
    kpp="501201001",
    bank_name='АО "Демо-Банк" (демонстрационные данные)',
    bic="044525999",
    settlement_account="40702810040000012345",
    correspondent_account="30101810600000000999",
)
# Hand-checked: the service block ST0001 + 2 (UTF-8), «|», the five mandatory requisites,
# then ИНН, КПП, the sum in kopecks (5 955,86 ₽), purpose, account, MMYYYY, the surname (the
# initials are not names), the address, and TechCode 02 (ЖКУ) last.
DEMO_PAYLOAD = (
    'ST00012|Name=ООО "УК Демо" (демонстрационные данные)|PersonalAcc=40702810040000012345|'
    'BankName=АО "Демо-Банк" (демонстрационные данные)|BIC=044525999|'
    "CorrespAcc=30101810600000000999|PayeeINN=5012345672|KPP=501201001|Sum=595586|"
    "Purpose=Оплата ЖКУ за май 2017 г., л/с 3492|PersAcc=3492|PaymPeriod=052017|"
    "LastName=Иванов|payerAddress=Московская обл., г. Королёв, ул. Садовая, д. 7, кв. 30|"
    "TechCode=02"
)


def demo_payload(**changes: object) -> str:
    arguments: dict = {
        "amount": Decimal("5955.86"),
        "account_number": "3492",
        "month": date(2017, 5, 1),
        "payer_fio": "Иванов И.И.",
        "payer_address": "Московская обл., г. Королёв, ул. Садовая, д. 7, кв. 30",
    }
    payee = changes.pop("payee", DEMO_PAYEE)
    arguments.update(changes)
    return payment_payload(payee, **arguments)  # type: ignore[arg-type]


def test_the_demo_accounts_may_payload_is_exactly_as_checked_by_hand():
    assert demo_payload() == DEMO_PAYLOAD


def test_a_value_with_the_bar_gets_another_separator_announced_after_the_service_block():
    payee = Payee(
        name="ИП Сидоров П.В. «Дом|Сервис»",
        inn="770123456789",  # an individual entrepreneur: 12 digits, no КПП
        kpp="",
        bank_name="ПАО Сбербанк",
        bic="044525225",
        settlement_account="40802810938000001234",
        correspondent_account="30101810400000000225",
    )
    payload = payment_payload(
        payee,
        amount=Decimal("1234.5"),
        account_number="000123",
        month=date(2024, 1, 1),
        payer_fio="Петрова Анна Сергеевна",
    )
    assert payload == (
        "ST00012#Name=ИП Сидоров П.В. «Дом|Сервис»#PersonalAcc=40802810938000001234#"
        "BankName=ПАО Сбербанк#BIC=044525225#CorrespAcc=30101810400000000225#"
        "PayeeINN=770123456789#Sum=123450#Purpose=Оплата ЖКУ за январь 2024 г., л/с 000123#"
        "PersAcc=000123#PaymPeriod=012024#LastName=Петрова#FirstName=Анна#"
        "MiddleName=Сергеевна#TechCode=02"
    )


def test_the_separator_skips_every_character_some_value_holds():
    payload = build_payload(
        [
            ("Name", "A|B#C"),
            ("PersonalAcc", "40702810040000012345"),
            ("BankName", "Банк"),
            ("BIC", "044525999"),
            ("CorrespAcc", "0"),
        ]
    )
    assert payload == (
        "ST00012;Name=A|B#C;PersonalAcc=40702810040000012345;BankName=Банк;BIC=044525999;"
        "CorrespAcc=0"
    )


def test_a_bank_without_a_correspondent_account_gets_zero():
    payload = demo_payload(payee=Payee(**{**DEMO_PAYEE.__dict__, "correspondent_account": ""}))
    assert "|CorrespAcc=0|" in payload


@pytest.mark.parametrize(
    ("fio", "fields"),
    [
        ("Иванов И.И.", [("LastName", "Иванов")]),
        ("Иванов И. И.", [("LastName", "Иванов")]),
        ("Римский-Корсаков Н.А.", [("LastName", "Римский-Корсаков")]),
        ("Петрова  Анна Сергеевна", [("LastName", "Петрова"), ("FirstName", "Анна"),
                                     ("MiddleName", "Сергеевна")]),
        ("ООО Ромашка", []),
        ("Иванов", []),
        ("", []),
    ],
)  # fmt: skip
def test_payer_name_fields_only_where_the_fio_really_gives_them(fio, fields):
    assert payer_name(fio) == fields


def test_purpose_reads_naturally():
    assert purpose(date(2017, 5, 1), "3492") == "Оплата ЖКУ за май 2017 г., л/с 3492"
    assert purpose(date(2016, 12, 1), "7") == "Оплата ЖКУ за декабрь 2016 г., л/с 7"


def test_kopecks_are_exact():
    assert kopecks(Decimal("5955.86")) == 595586
    assert kopecks(Decimal("0.01")) == 1
    assert kopecks(Decimal("10")) == 1000
    with pytest.raises(ValueError):
        kopecks(Decimal("1.005"))


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("settlement_account", "4070281004000001234", "Расчетный счет получателя"),
        ("settlement_account", "4070281004000001234X", "20 цифр"),
        ("bic", "04452599", "БИК банка"),
        ("bic", "04452599O", "9 цифр"),
        ("correspondent_account", "301018106000000009", "Корреспондентский счет"),
        ("inn", "50123456721", "10 или 12 цифр"),
        ("kpp", "50120100", "КПП получателя"),
        ("kpp", "5012ab001", "КПП получателя"),
        ("bank_name", "Б" * 46, "длиннее 45 знаков"),
        ("name", "Н" * 161, "длиннее 160 знаков"),
        ("name", "   ", "Не указано поле «Наименование получателя»"),
    ],
)
def test_requisites_breaking_the_standard_are_refused_in_russian(field, value, message):
    payee = Payee(**{**DEMO_PAYEE.__dict__, field: value})
    with pytest.raises(ValidationError, match=message):
        demo_payload(payee=payee)


def test_the_limits_themselves_are_allowed():
    payee = Payee(**{**DEMO_PAYEE.__dict__, "name": "Н" * 160, "bank_name": "Б" * 45})
    assert f"|Name={'Н' * 160}|" in demo_payload(payee=payee)
    assert "|KPP=5012AB001|" in demo_payload(
        payee=Payee(**{**DEMO_PAYEE.__dict__, "kpp": "5012AB001"})
    )


def test_control_characters_and_empty_values_are_refused():
    base = [
        ("Name", "УК"),
        ("PersonalAcc", "40702810040000012345"),
        ("BankName", "Банк"),
        ("BIC", "044525999"),
        ("CorrespAcc", "0"),
    ]
    with pytest.raises(ValidationError, match="управляющие символы"):
        build_payload([*base, ("Purpose", "строка\nвторая")])
    with pytest.raises(ValidationError, match="пустое"):
        build_payload([*base, ("Purpose", "")])
    with pytest.raises(ValidationError, match="210"):
        build_payload([*base, ("Purpose", "я" * 211)])
    with pytest.raises(ValueError, match="mandatory"):
        build_payload(base[1:])


def test_white_space_in_the_address_is_collapsed_rather_than_refused():
    payload = demo_payload(payer_address="г. Королёв,\n ул. Садовая,\tд. 7")
    assert "|payerAddress=г. Королёв, ул. Садовая, д. 7|" in payload


def test_nothing_to_pay_makes_no_payload():
    with pytest.raises(ValueError):
        demo_payload(amount=Decimal("0.00"))
    with pytest.raises(ValueError):
        demo_payload(amount=Decimal("-11.86"))


_TRICKY = st.text(
    alphabet=st.sampled_from("|#;^~!$%&*@+/\\:_-=аБв1 ."), min_size=1, max_size=9
).filter(lambda s: s.strip() == s and s)


@settings(max_examples=60, deadline=None)
@given(st.lists(_TRICKY, min_size=6, max_size=6))
def test_any_values_survive_the_round_trip_or_are_refused(values):
    keys = ["Name", "PersonalAcc", "BankName", "BIC", "CorrespAcc", "Purpose"]
    fields = list(zip(keys, values, strict=True))
    try:
        payload = build_payload(fields)
    except ValidationError as error:
        assert "разделител" in str(error)
        return
    assert payload.startswith("ST00012")
    assert all(payload[7] not in value for value in values)
    assert parse_payload(payload) == fields


def test_the_matrix_decodes_to_the_payload_as_utf8():
    matrix = qr_matrix(DEMO_PAYLOAD)
    scale, border = 4, 4
    side = (len(matrix) + 2 * border) * scale
    image = Image.new("L", (side, side), 255)
    pixels = image.load()
    for row, modules in enumerate(matrix):
        for column, dark in enumerate(modules):
            if dark:
                for dy in range(scale):
                    for dx in range(scale):
                        pixels[(column + border) * scale + dx, (row + border) * scale + dy] = 0
    found = zxingcpp.read_barcodes(image)
    assert [code.text for code in found] == [DEMO_PAYLOAD]
    assert found[0].format == zxingcpp.BarcodeFormat.QRCode
    assert found[0].ec_level == "M"
