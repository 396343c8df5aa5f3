"""The receipt PDF on the demo database (SQLite and PostgreSQL): its text read back, its fonts,
its QR code decoded from the rendered page, access, audit, and the streamed batch."""

from __future__ import annotations

import io
import math
import os
import re
import tracemalloc
from dataclasses import replace
from datetime import UTC, date, datetime
from decimal import Decimal

import pypdfium2 as pdfium
import pytest
import zxingcpp
from pypdf import PdfReader
from reportlab.pdfbase import pdfmetrics
from sqlalchemy import select

from db.engine import Database
from db.models import (
    Account,
    AuditEntry,
    Company,
    StaffRole,
)
from desktop.actors import Actor
from desktop.app import build_services
from desktop.clock import FixedClock
from desktop.common.tasks import Cancelled, TaskState
from desktop.demo import DEMO_REGISTRATION_CODES, build_demo, clone_accounts
from desktop.documents.fonts import BOLD, REGULAR
from desktop.documents.model import MeterLine, Payee, Payer, ReceiptData, ServiceLine
from desktop.documents.qr import payment_payload, qr_matrix
from desktop.documents.receipt import render_receipt
from desktop.documents.service import CHUNK, DocumentService
from desktop.errors import AccessDeniedError, NotFoundError, UserError
from desktop.settings import Settings
from tests.desktop.test_qr import DEMO_PAYLOAD
from tests.factories import add_statement, counted_selects, make_account, make_services

MAY = date(2017, 5, 1)
JUNE = date(2017, 6, 1)
CLERK = Actor.staff(1, "operator", StaffRole.CLERK)


@pytest.fixture
def demo(database: Database, clock: FixedClock) -> Database:
    build_demo(database, clock)
    return database


@pytest.fixture
def service(demo: Database, clock: FixedClock) -> DocumentService:
    return documents(demo, clock)


def documents(db: Database, clock: FixedClock) -> DocumentService:
    """The document service as the application builds it, with the services it is given."""
    return build_services(db, Settings(), clock).documents


def account_id(db: Database, number: str = "3492") -> int:
    with db.read() as s:
        found = s.scalar(select(Account.id).where(Account.number == number))
        assert found is not None
        return found


def pdf_text(data: bytes) -> list[str]:
    return [page.extract_text() for page in PdfReader(io.BytesIO(data), strict=True).pages]


def decode_qr(data: bytes, page: int = 0) -> list[str]:
    """The QR codes a decoder finds on the page rendered at 216 dpi."""
    image = pdfium.PdfDocument(data)[page].render(scale=3).to_pil()
    return [code.text for code in zxingcpp.read_barcodes(image)]


def audit_entries(db: Database, action: str) -> list[AuditEntry]:
    with db.read() as s:
        return list(s.scalars(select(AuditEntry).where(AuditEntry.action == action)))


# -- one receipt -------------------------------------------------------------------------------


def test_the_seed_accounts_may_receipt_has_the_seeds_figures(service, demo):
    data = service.receipt(CLERK, account_id(demo), MAY)
    assert data.to_pay == Decimal("5955.86") and data.overpaid == 0
    assert (data.opening, data.charged, data.paid, data.recalculation) == (
        Decimal("6556.30"),
        Decimal("5955.86"),
        Decimal("6556.30"),
        Decimal("0.00"),
    )
    assert data.number == "3492-201705" and data.issued_on == date(2017, 5, 30)
    assert data.due_on == date(2017, 6, 10)
    assert data.payer.fio == "Иванов И.И." and data.payer.area == Decimal("61.00")
    assert data.qr_payload == DEMO_PAYLOAD
    names = [line.name for line in data.services]
    assert names[0] == "Водоотведение" and "Содержание и ремонт" not in names  # all zero
    assert [m.title for m in data.meters] == [
        "ГВС 168500-12",
        "ХВС 21883-12",
        "Эл.эн. №12765948 T1",
        "Эл.эн. №12765948 T2",
    ]


def test_the_receipt_pdf_has_real_text_embedded_fonts_and_a_decodable_qr_code(service, demo):
    data = service.receipt_pdf(CLERK, account_id(demo), MAY)
    assert data.startswith(b"%PDF-")
    (text,) = pdf_text(data)
    for expected in (
        "ЕДИНЫЙ ПЛАТЁЖНЫЙ ДОКУМЕНТ",
        "за май 2017 г.",
        "Квитанция № 3492-201705 от 30.05.2017",
        "Иванов И.И.",
        "3492",
        "Московская обл., г. Королёв, ул.",
        "61,00 м², проживает: 3 чел.",
        "5 955,86 ₽",
        "6 556,30",
        "2 648,62",
        "Оплатить до 10.06.2017",
        'ООО "УК Демо" (демонстрационные данные)',
        "ИНН 5012345672",
        "КПП 501201001",
        "40702810040000012345",
        "БИК 044525999",
        "К/с 30101810600000000999",
        'АО "Демо-Банк"',
        "9723,460",  # the T1 reading
        "8 495 780 70 83",
        "с 15 по 25 число",
    ):
        assert expected in text, expected
    # Embedded TrueType subsets with a Unicode map: the text can be searched and copied.
    fonts = PdfReader(io.BytesIO(data)).pages[0]["/Resources"]["/Font"]
    assert len(fonts) == 2
    for ref in fonts.values():
        font = ref.get_object()
        assert font["/Subtype"] == "/TrueType"
        assert re.fullmatch(r"/[A-Z]{6}\+PTSans-(Regular|Bold)", font["/BaseFont"])
        assert "/FontFile2" in font["/FontDescriptor"].get_object()  # the glyphs are inside
        assert "/ToUnicode" in font
    # Decoded from the page as rendered, the QR code is the payload, byte for byte.
    assert decode_qr(data) == [DEMO_PAYLOAD]


def test_an_overpaid_month_shows_the_overpayment_and_no_qr_code(service, demo):
    data = service.receipt(CLERK, account_id(demo), JUNE)
    assert data.closing == Decimal("-11.86") and data.to_pay == 0
    assert data.overpaid == Decimal("11.86") and data.qr_payload is None
    pdf = service.receipt_pdf(CLERK, account_id(demo), JUNE)
    (text,) = pdf_text(pdf)
    assert "0,00 ₽" in text and "Переплата 11,86 ₽" in text and "Оплата" in text
    assert "не требуется" in text and "Оплатить до" not in text
    assert decode_qr(pdf) == []


def test_a_resident_gets_their_own_receipt_only_and_errors_are_explained(service, demo):
    own, other = account_id(demo), account_id(demo, "3493")
    resident = Actor.resident(own, "3492")
    assert service.receipt(resident, own, MAY).payer.number == "3492"
    with pytest.raises(AccessDeniedError):
        service.receipt(resident, other, MAY)
    with pytest.raises(AccessDeniedError):
        service.write_receipts(resident, MAY, io.BytesIO())
    with pytest.raises(NotFoundError, match="За январь 2010 г. по лицевому счету 3492"):
        service.receipt(CLERK, own, date(2010, 1, 1))
    with pytest.raises(NotFoundError, match="Лицевой счет не найден"):
        service.receipt(CLERK, 10**9, MAY)


def test_without_company_requisites_there_is_no_receipt(database, clock):
    account = make_account(database, "100")
    services = make_services(database, ["ХВС"])
    add_statement(database, account, services["ХВС"], MAY, "0", "100", "0")
    with pytest.raises(UserError, match="реквизиты управляющей компании"):
        documents(database, clock).receipt(CLERK, account, MAY)


def test_an_account_without_receipt_row_or_readings_still_gets_a_receipt(database, clock):
    account = make_account(database, "100", fio="Петров Пётр Петрович")
    services = make_services(database, ["ХВС"])
    add_statement(database, account, services["ХВС"], MAY, "0", "100.50", "0")
    with database.unit_of_work() as s:
        s.add(Company(name="ТСЖ «Тест»", inn="5012345672", bank_name="Банк", bic="044525999",
                      settlement_account="40703810040000012345", correspondent_account=""))  # fmt: skip
    later = FixedClock(datetime(2017, 7, 3, 8, tzinfo=UTC))
    service = documents(database, later)
    data = service.receipt(CLERK, account, MAY)
    assert data.number == "" and data.issued_on == date(2017, 7, 3) and data.meters == ()
    assert data.qr_payload is not None
    assert "|CorrespAcc=0|PayeeINN=5012345672|Sum=10050|" in data.qr_payload
    assert "|LastName=Петров|FirstName=Пётр|MiddleName=Петрович|" in data.qr_payload
    pdf = service.receipt_pdf(CLERK, account, MAY)
    assert "Сформирована 03.07.2017" in pdf_text(pdf)[0]
    assert decode_qr(pdf) == [data.qr_payload]


def test_a_receipt_is_read_with_a_few_queries_and_its_export_audited(service, demo):
    number = account_id(demo)
    with counted_selects() as selects:
        service.receipt(CLERK, number, MAY)
    assert len(selects) <= 6
    service.write_receipt(CLERK, number, MAY, io.BytesIO())
    (entry,) = audit_entries(demo, "receipt.export")
    assert entry.account_id == number and entry.actor == "staff:operator"
    assert '"month": "2017-05-01"' in entry.details and '"number": "3492-201705"' in entry.details


# -- the batch ---------------------------------------------------------------------------------


def test_a_batch_has_a_page_per_charged_account_in_delivery_order(service, demo):
    out = io.BytesIO()
    steps: list[tuple[int, int]] = []
    state = TaskState(lambda done, total: steps.append((done, total)))
    result = service.write_receipts(CLERK, MAY, out, state=state)
    # With the clock in June 2017 every demo account has May 2017 charges.
    assert (result.printed, result.skipped) == (6, 0)
    assert steps == [(n, 6) for n in range(1, 7)]
    pages = pdf_text(out.getvalue())
    numbers = [re.search(r"Лицевой счет\n(\d+)", text)[1] for text in pages]  # type: ignore[index]
    # Building by building, flat by flat: Садовая 30, 31, 55; Лесная 8, 9; Космонавтов 112.
    assert numbers == ["3492", "3493", "3517", "4105", "4106", "5210"]
    assert "5 955,86 ₽" in pages[0]
    (entry,) = audit_entries(demo, "receipt.export")
    assert entry.account_id is None and '"count": 6' in entry.details
    assert decode_qr(out.getvalue(), page=5)[0].startswith("ST00012|Name=ООО")

    lesnaya = next(b.id for b in service.buildings(CLERK) if b.address.endswith("Лесная, д. 12"))
    out = io.BytesIO()
    result = service.write_receipts(CLERK, MAY, out, building_id=lesnaya)
    assert (result.printed, result.building_id) == (2, lesnaya)
    assert len(PdfReader(out).pages) == 2
    with pytest.raises(NotFoundError, match=r"Дом с кодом 999 не найден\. Дома в базе: 1 — "):
        service.write_receipts(CLERK, MAY, io.BytesIO(), building_id=999)
    with pytest.raises(NotFoundError, match="начислений нет ни по одному"):
        service.write_receipts(CLERK, date(2010, 1, 1), io.BytesIO())


def test_a_batch_prints_new_registration_codes_for_accounts_not_yet_registered(demo, clock):
    """Only 5210 is unregistered in the demo: its page carries a new code, which registers
    it; the demo's known code, as on an older receipt, is void from now on."""
    services = build_services(demo, Settings(), clock)
    out = io.BytesIO()
    assert services.documents.write_receipts(CLERK, MAY, out).registration_codes == 1
    pages = pdf_text(out.getvalue())
    printed = [re.search(r"Код регистрации в личном кабинете:\s*(\S{4}-\S{4})", p) for p in pages]
    assert [bool(m) for m in printed] == [False] * 5 + [True]
    code = printed[5][1]  # type: ignore[index]
    assert code != DEMO_REGISTRATION_CODES["5210"]
    (entry,) = audit_entries(demo, "receipt.export")
    assert '"registration_codes": 1' in entry.details and code.replace("-", "") not in entry.details
    auth = services.auth
    old = auth.register("Фёдорова О.Ю.", "5210", "+79150005210", "f@mail.ru", "DEMA-2K7B")
    new = auth.register("Фёдорова О.Ю.", "5210", "+79150005210", "f@mail.ru", code)
    assert (old.delivery, new.delivery) == (None, "outbox")


def test_printing_a_month_again_prints_the_same_codes(demo, clock):
    """A month printed twice (a jammed printer, a lost bundle): the second run prints the
    same code for 5210 and stores nothing new, so the receipts already handed out register;
    an office's reissue then gives a new code, and the printed one is void."""
    services = build_services(demo, Settings(), clock)

    def printed_code() -> tuple[str, int]:
        out = io.BytesIO()
        result = services.documents.write_receipts(CLERK, MAY, out)
        [code] = re.findall(r"Код регистрации в личном кабинете:\s*(\S{4}-\S{4})",
                            "\n".join(pdf_text(out.getvalue())))  # fmt: skip
        return code, result.registration_codes

    first, made = printed_code()
    again, made_again = printed_code()
    assert (again, made, made_again) == (first, 1, 0)
    with demo.read() as s:
        petrova = s.scalar(select(Account.id).where(Account.number == "5210"))
    reissued = services.auth.reissue_code(CLERK, petrova).code
    third, made_third = printed_code()
    assert reissued != first and (third, made_third) == (reissued, 0)
    auth = services.auth
    stale = auth.register("Фёдорова О.Ю.", "5210", "+79150005210", "f@mail.ru", first)
    fresh = auth.register("Фёдорова О.Ю.", "5210", "+79150005210", "f@mail.ru", third)
    assert (stale.delivery, fresh.delivery) == (None, "outbox")


def test_a_batch_that_does_not_finish_leaves_the_printed_codes_valid(demo, clock):
    """Cancelled before its last page (5210's, whose new code was already made), the batch
    stores no new code: the one on the resident's last receipt still registers."""
    services = build_services(demo, Settings(), clock)

    def cancel_on_the_last_page(done: int, total: int) -> None:
        if done == total - 1:
            state.cancel()

    state = TaskState(cancel_on_the_last_page)
    with pytest.raises(Cancelled):
        services.documents.write_receipts(CLERK, MAY, io.BytesIO(), state=state)
    answer = services.auth.register("Фёдорова О.Ю.", "5210", "+79150005210", "f@mail.ru",
                                    DEMO_REGISTRATION_CODES["5210"])  # fmt: skip
    assert answer.delivery == "outbox"


def test_a_cancelled_batch_stops_saves_nothing_and_leaves_no_state_behind(service, demo):
    out = io.BytesIO()
    steps: list[int] = []

    def report(done: int, total: int) -> None:
        steps.append(done)
        if done == 3:
            state.cancel()  # as «Отмена» would, from another thread, while page 3 is reported

    state = TaskState(report)
    with pytest.raises(Cancelled, match="отменена"):
        service.write_receipts(CLERK, MAY, out, state=state)
    assert steps == [1, 2, 3]
    assert audit_entries(demo, "receipt.export") == []
    for name in (REGULAR, BOLD):  # the abandoned document is forgotten by the fonts
        assert not getattr(pdfmetrics.getFont(name), "state", {})


def test_a_batch_reads_in_chunks_and_makes_one_whole_valid_file(service, demo):
    count = CHUNK + 10
    building = clone_accounts(demo, count, month=MAY)
    out = io.BytesIO()
    with counted_selects() as selects:
        result = service.write_receipts(CLERK, MAY, out, building_id=building)
    assert result.printed == count
    # The list, the companies and the codes' key, then per chunk: the registered accounts,
    # their codes, accounts, statement, readings, receipts; last, which printed codes still
    # stand (1) and the audit record (its chain reads the last hash, and on PostgreSQL takes
    # its lock: 3 at most). Not counted: the device id each PostgreSQL transaction is handed
    # (set_config), one per transaction.
    queries = [q for q in selects if "set_config" not in q]
    assert len(queries) <= 4 + 7 * math.ceil(count / CHUNK) + 1 + 3 < count, queries
    data = out.getvalue()
    assert data.rstrip().endswith(b"%%EOF")
    reader = PdfReader(io.BytesIO(data), strict=True)
    assert len(reader.pages) == count
    assert reader.metadata is not None and reader.metadata.title == "Квитанции за май 2017 г."
    assert "кв. 1\n" in reader.pages[0].extract_text()
    document = pdfium.PdfDocument(data)
    assert len(document) == count
    last = document[count - 1].get_textpage().get_text_range()
    assert f"кв. {count}" in last and "5 955,86" in last


def _batch_peak(service: DocumentService, building: int) -> int:
    tracemalloc.start()
    try:
        with open(os.devnull, "wb") as out:
            service.write_receipts(CLERK, MAY, out, building_id=building)
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def test_a_batch_streams_page_by_page_with_flat_memory(service, demo, monkeypatch):
    assert CHUNK <= 50  # both batches read full chunks: what is compared is the pages
    small, large = clone_accounts(demo, 50, month=MAY), clone_accounts(demo, 150, month=MAY)
    # Under tracemalloc the pure-Python QR encoder runs some ten times slower; every page
    # still draws a real code's matrix, encoded once here.
    matrix = qr_matrix(DEMO_PAYLOAD)
    monkeypatch.setattr("desktop.documents.receipt.qr_matrix", lambda payload: matrix)
    service.write_receipts(CLERK, MAY, io.BytesIO(), building_id=1)  # fonts, imports, caches
    peak_small = _batch_peak(service, small)
    peak_large = _batch_peak(service, large)
    # Three times the pages; were pages kept, the peak would grow about threefold. Per page
    # only an object number and an offset stay, so it barely moves.
    assert peak_large < 1.5 * peak_small, (peak_small, peak_large)


def test_a_long_receipt_stays_inside_the_page_and_its_dense_code_still_decodes():
    payee = Payee(
        name="Общество с ограниченной ответственностью «Управляющая компания «Очень Длинное "
        "Название Жилищного Комплекса Северный»",
        inn="5012345672", kpp="501201001", bank_name="ПАО Сбербанк России, Московский банк",
        bic="044525225", settlement_account="40702810040000012345",
        correspondent_account="30101810400000000225",
        address="г. Москва, ул. Большая Длинная, д. 100, корп. 5, офис 12",
    )  # fmt: skip
    payer = Payer(
        "12345678",
        "Константинопольская-Трапезундская Александра Владимировна",
        "Московская область, городской округ Королёв, микрорайон Юбилейный, улица Героев "
        "Курсантов, дом 123, корпус 4, квартира 567",
        Decimal("123.45"),
        5,
    )
    amounts = [Decimal(v) for v in ("1234.56", "2345.67", "-12.34", "1234.56", "2333.33")]
    services = tuple(
        ServiceLine(f"Услуга № {i} с длинным названием", "м3", Decimal("12.345"),
                    Decimal("45.67"), *amounts)  # type: ignore[arg-type]
        for i in range(16)
    )  # fmt: skip
    meters = tuple(
        MeterLine(f"Прибор {i} №123456789 T1", "123456789", date(2030, 1, 1), "кВт.ч",
                  Decimal("123456.789"), Decimal("123556.789"), Decimal("100.000"))
        for i in range(7)
    )  # fmt: skip
    data = ReceiptData(
        date(2024, 3, 1), "12345678-202403", date(2024, 3, 31), date(2024, 4, 10), payer,
        payee, services, meters, "8 495 000 00 00", "пн–пт 9–18", (15, 25), None,
    )  # fmt: skip
    payload = payment_payload(
        payee, amount=data.to_pay, account_number=payer.number, month=data.month,
        payer_fio=payer.fio, payer_address=payer.address,
    )  # fmt: skip
    data = replace(data, qr_payload=payload)
    out = io.BytesIO()
    render_receipt(data, out)
    page = pdfium.PdfDocument(out.getvalue())[0]
    width, height = page.get_size()
    text = page.get_textpage()
    margin = 30  # a little less than the receipt's 12 mm
    assert text.get_text_bounded(0, 0, width, margin) == ""  # nothing ran off the bottom
    assert "Оплатить можно в банке" in text.get_text_bounded(0, margin, width, height)
    assert "Прибор 6 №123456789 T1" in text.get_text_range()
    assert decode_qr(out.getvalue()) == [payload]
