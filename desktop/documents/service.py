"""Documents: a receipt PDF for one account and month, a building's receipts streamed into one
PDF, and the statement exported as XLSX or PDF.

Each receipt's data is read in one read transaction (a batch reads its accounts in chunks, a
few queries per chunk, never per account, and issues the registration codes it prints in the
same short transaction); rendering happens outside any transaction; every
export lands in the audit log. reportlab, openpyxl and segno are imported only when a
document is actually made.
"""

from __future__ import annotations

import io
from collections import defaultdict
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, replace
from datetime import date
from decimal import Decimal
from typing import BinaryIO, Literal

from sqlalchemy import exists, func, select
from sqlalchemy.orm import Session, contains_eager, joinedload

from db.engine import Database
from db.models import Account, Building, Company, Period, Premises, Reading, Receipt, Service
from db.models import StatementRow as StatementRowModel
from desktop import audit
from desktop.accounts import AccountService
from desktop.actors import Actor
from desktop.audit import AuditAction
from desktop.auth import code_issue, codes
from desktop.clock import Clock
from desktop.common.tasks import TaskState
from desktop.documents.model import (
    BatchResult,
    MeterLine,
    Payee,
    Payer,
    ReceiptData,
    ServiceLine,
)
from desktop.documents.qr import payment_payload
from desktop.errors import NotFoundError, UserError
from desktop.months import month_name, month_start
from desktop.permissions import Permission, require, require_account
from desktop.readings import reading_rows
from desktop.settings import Settings
from desktop.statement import Statement, StatementService, due_date

CHUNK = 50  # accounts read per transaction in a batch
StatementFormat = Literal["xlsx", "pdf"]


@dataclass(frozen=True)
class BuildingInfo:
    """A building receipts can be printed for."""

    id: int
    address: str
    accounts: int


def _payee(company: Company) -> Payee:
    return Payee(
        name=company.name,
        inn=company.inn,
        kpp=company.kpp,
        bank_name=company.bank_name,
        bic=company.bic,
        settlement_account=company.settlement_account,
        correspondent_account=company.correspondent_account,
        address=company.address,
        phone=company.phone,
        email=company.email,
        office_hours=company.office_hours,
    )


def _payees(s: Session) -> dict[int, Payee]:
    """Every company's requisites (in practice there is exactly one)."""
    payees = {c.id: _payee(c) for c in s.scalars(select(Company).order_by(Company.id))}
    if not payees:
        raise UserError(
            "В базе не заполнены реквизиты управляющей компании (название, ИНН, банк, счета): "
            "без них квитанцию не сформировать. Администратор может внести их в настройках."
        )
    return payees


def _chunks(items: Sequence[int], size: int) -> Iterator[Sequence[int]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


@dataclass(frozen=True)
class _AccountRow:
    """What a receipt needs of an account, and whose company it belongs to."""

    id: int
    number: str
    fio: str
    address: str
    area: Decimal
    residents: int
    company_id: int | None


def _account_rows(s: Session, ids: Sequence[int]) -> dict[int, _AccountRow]:
    found = s.execute(
        select(
            Account.id,
            Account.number,
            Account.fio,
            Account.address,
            Account.area,
            Account.residents,
            Building.company_id,
        )
        .outerjoin(Premises, Premises.id == Account.premises_id)
        .outerjoin(Building, Building.id == Premises.building_id)
        .where(Account.id.in_(ids))
    )
    return {row[0]: _AccountRow(*row) for row in found}


def _service_lines(s: Session, ids: Sequence[int], month: date) -> dict[int, list[ServiceLine]]:
    """Each account's services of the month in the statement's order, all-zero ones left out."""
    lines: dict[int, list[ServiceLine]] = defaultdict(list)
    found = s.execute(
        select(
            StatementRowModel.account_id,
            Service.name,
            Service.unit,
            StatementRowModel.volume,
            Service.tariff,
            StatementRowModel.opening,
            StatementRowModel.charged,
            StatementRowModel.recalculation,
            StatementRowModel.paid,
            StatementRowModel.closing,
        )
        .join(Service, Service.id == StatementRowModel.service_id)
        .where(StatementRowModel.account_id.in_(ids), StatementRowModel.month == month)
        .order_by(StatementRowModel.account_id, Service.display_order, Service.id)
    )
    for account_id, *values in found:
        line = ServiceLine(*values)
        if any((line.opening, line.charged, line.recalculation, line.paid, line.closing)):
            lines[account_id].append(line)
        else:
            lines.setdefault(account_id, [])
    return lines


def _meter_lines(s: Session, ids: Sequence[int], month: date) -> dict[int, list[MeterLine]]:
    """Each account's readings of the month, one line per meter zone, as the cabinet shows."""
    readings = s.scalars(
        select(Reading)
        .join(Reading.period)
        .where(Period.account_id.in_(ids), Period.month == month)
        .options(contains_eager(Reading.period), joinedload(Reading.meter))
    ).unique()
    by_account: dict[int, list[Reading]] = defaultdict(list)
    for reading in readings:
        by_account[reading.period.account_id].append(reading)
    return {
        account: [
            MeterLine(
                title=row.title,
                serial=row.serial,
                retired_on=row.retired_on,
                unit=row.unit,
                previous=row.previous,
                current=row.current,
                difference=row.difference,
            )
            for row in reading_rows(found)
        ]
        for account, found in by_account.items()
    }


def _receipt_rows(s: Session, ids: Sequence[int], month: date) -> dict[int, tuple[str, date]]:
    """The receipt row of the month per account (the latest issued, should there be two)."""
    found = s.execute(
        select(Receipt.account_id, Receipt.number, Receipt.issued_on)
        .where(Receipt.account_id.in_(ids), Receipt.month == month)
        .order_by(Receipt.account_id, Receipt.issued_on, Receipt.id)
    )
    return {account_id: (number, issued_on) for account_id, number, issued_on in found}


class DocumentService:
    """Receipts and statement exports, as PDF and XLSX written to a binary stream."""

    def __init__(
        self,
        db: Database,
        clock: Clock,
        settings: Settings,
        *,
        accounts: AccountService,
        statements: StatementService,
    ) -> None:
        self.db = db
        self.clock = clock
        self.settings = settings
        self.accounts = accounts
        self.statements = statements

    # -- receipts: data ------------------------------------------------------------------------

    def receipt(self, actor: Actor, account_id: int, month: date) -> ReceiptData:
        """Everything the account's receipt for ``month`` shows, read in one transaction."""
        require_account(actor, account_id)
        month = month_start(month)
        with self.db.read() as s:
            accounts = _account_rows(s, [account_id])
            if account_id not in accounts:
                raise NotFoundError("Лицевой счет не найден: возможно, он был удалён.")
            found = self._load(s, [account_id], month, accounts)
        if not found:
            number = accounts[account_id].number
            raise NotFoundError(
                f"За {month_name(month).lower()} г. по лицевому счету {number} начислений нет: "
                "квитанцию сформировать нельзя. Выберите другой период."
            )
        return found[0]

    def _load(
        self,
        s: Session,
        ids: Sequence[int],
        month: date,
        accounts: dict[int, _AccountRow] | None = None,
        payees: dict[int, Payee] | None = None,
        issued: dict[int, str] | None = None,
    ) -> list[ReceiptData]:
        """The receipts of these accounts for the month, in the order of ``ids``; accounts with
        no statement rows for the month are left out. ``issued``: registration codes to print,
        by account id."""
        accounts = accounts if accounts is not None else _account_rows(s, ids)
        services = _service_lines(s, ids, month)
        if not services:
            return []
        payees = payees if payees is not None else _payees(s)
        meters = _meter_lines(s, ids, month)
        receipts = _receipt_rows(s, ids, month)
        default_payee = next(iter(payees.values()))
        readings = self.settings.readings
        due_on = due_date(month, self.settings.debt)
        today = self.clock.today()
        result = []
        for account_id in ids:
            if account_id not in services or account_id not in accounts:
                continue
            row = accounts[account_id]
            payee = payees.get(row.company_id or -1, default_payee)
            payer = Payer(row.number, row.fio, row.address, row.area, row.residents)
            number, issued_on = receipts.get(account_id, ("", today))
            data = ReceiptData(
                month=month,
                number=number,
                issued_on=issued_on,
                due_on=due_on,
                payer=payer,
                payee=payee,
                services=tuple(services[account_id]),
                meters=tuple(meters.get(account_id, ())),
                office_phone=payee.phone or self.settings.office_phone,
                office_hours=payee.office_hours or self.settings.office_hours,
                reading_window=(readings.window_start, readings.window_end),
                qr_payload=None,
                registration_code=(
                    codes.display(issued[account_id]) if issued and account_id in issued else None
                ),
            )
            if data.to_pay > 0:
                # Nothing due, no code: a code that scans into a 0,00 ₽ payment only puzzles
                # the payer, and several banking apps refuse Sum=0 outright.
                payload = payment_payload(
                    payee,
                    amount=data.to_pay,
                    account_number=payer.number,
                    month=month,
                    payer_fio=payer.fio,
                    payer_address=payer.address,
                )
                data = replace(data, qr_payload=payload)
            result.append(data)
        return result

    # -- receipts: documents ---------------------------------------------------------------------

    def write_receipt(
        self, actor: Actor, account_id: int, month: date, out: BinaryIO
    ) -> ReceiptData:
        """The account's receipt for ``month`` as a one-page PDF written to ``out``."""
        from desktop.documents.receipt import render_receipt

        data = self.receipt(actor, account_id, month)
        render_receipt(data, out)
        with self.db.unit_of_work() as s:
            audit.record(
                s,
                self.clock.now(),
                actor,
                AuditAction.RECEIPT_EXPORT,
                account_id=account_id,
                month=data.month.isoformat(),
                number=data.number,
                total=data.to_pay,
            )
        return data

    def receipt_pdf(self, actor: Actor, account_id: int, month: date) -> bytes:
        """The receipt's PDF as bytes, for a preview or a print job."""
        buffer = io.BytesIO()
        self.write_receipt(actor, account_id, month, buffer)
        return buffer.getvalue()

    def buildings(self, actor: Actor) -> list[BuildingInfo]:
        """The buildings receipts can be printed for, with their accounts' count."""
        require(actor, Permission.LIST_BUILDINGS)
        with self.db.read() as s:
            found = s.execute(
                select(Building.id, Building.address, func.count(Account.id))
                .outerjoin(Premises, Premises.building_id == Building.id)
                .outerjoin(Account, Account.premises_id == Premises.id)
                .group_by(Building.id, Building.address)
                .order_by(Building.address)
            )
            return [BuildingInfo(*row) for row in found]

    def _batch_ids(self, s: Session, month: date, building_id: int | None) -> tuple[list[int], int]:
        """The ids of the accounts to print, in delivery order (building, flat), and how many
        accounts of the selection have no charges for the month."""
        charged = exists().where(
            StatementRowModel.account_id == Account.id, StatementRowModel.month == month
        )
        query = select(Account.id, charged.label("charged")).outerjoin(
            Premises, Premises.id == Account.premises_id
        )
        if building_id is not None:
            if s.get(Building, building_id) is None:
                raise NotFoundError(self._unknown_building(s, building_id))
            query = query.where(Premises.building_id == building_id)
        query = query.order_by(
            Premises.building_id,
            func.length(Premises.number),
            Premises.number,
            func.length(Account.number),
            Account.number,
        )
        ids, skipped = [], 0
        for account_id, has_rows in s.execute(query):
            if has_rows:
                ids.append(account_id)
            else:
                skipped += 1
        return ids, skipped

    @staticmethod
    def _unknown_building(s: Session, building_id: int) -> str:
        known = s.execute(select(Building.id, Building.address).order_by(Building.id).limit(20))
        listed = "; ".join(f"{id_} — {address}" for id_, address in known)
        hint = f" Дома в базе: {listed}." if listed else " В базе пока нет ни одного дома."
        return f"Дом с кодом {building_id} не найден.{hint}"

    def write_receipts(
        self,
        actor: Actor,
        month: date,
        out: BinaryIO,
        *,
        building_id: int | None = None,
        state: TaskState | None = None,
    ) -> BatchResult:
        """Every charged account's receipt for ``month`` (of one building, or all) into one
        PDF written to ``out`` page by page; memory stays flat however many there are.
        ``state`` hears of each page; once it is cancelled the batch stops with ``Cancelled``
        and ``out`` holds an incomplete file to discard."""
        from desktop.documents.receipt import ReceiptWriter, month_title

        require(actor, Permission.PRINT_BATCHES)
        month = month_start(month)
        with self.db.read() as s:
            ids, skipped = self._batch_ids(s, month, building_id)
            payees = _payees(s)
        if not ids:
            where = f" в доме с кодом {building_id}" if building_id is not None else ""
            raise NotFoundError(
                f"За {month_name(month).lower()} г. начислений нет ни по одному лицевому "
                f"счету{where}: квитанции не сформированы. Выберите другой период."
            )
        total = len(ids)
        done = 0
        # The accounts not registered with their own password get their registration code
        # printed: the valid one again, or a new one — printed as the pages are written but
        # stored only once the whole file is, so a batch that fails or is cancelled leaves
        # the codes on the last receipts valid.
        key = code_issue.key_for(self.db)  # None: the database derives them (a clerk's)
        new: dict[int, code_issue.NewCode] = {}
        printed_hashes: dict[int, str] = {}
        state = state or TaskState()
        author = next(iter(payees.values())).name
        with ReceiptWriter(
            out, title=f"Квитанции за {month_title(month)}", author=author
        ) as writer:
            for chunk in _chunks(ids, CHUNK):
                state.check()
                with self.db.read() as s:
                    printed = code_issue.to_print(s, key, chunk)
                    receipts = self._load(s, chunk, month, payees=payees, issued=printed.codes)
                new.update(printed.new)
                printed_hashes.update(printed.hashes)
                for data in receipts:
                    state.check()
                    writer.add(data)
                    done += 1
                    state.progress(done, total)
            # Accounts charged when the list was read but not by the time their chunk was.
            skipped += total - done
        with self.db.unit_of_work() as s:
            now = self.clock.now()
            # The old ones are void from now on (but for a code changed meanwhile: code_issue).
            stored = code_issue.store(s, new, now, actor.label)
            # Codes changed meanwhile (a reissue at the counter): those receipts carry a void
            # one, and the result names their accounts.
            void = code_issue.void_printed(s, printed_hashes)
            void_numbers = (
                tuple(
                    s.scalars(
                        select(Account.number).where(Account.id.in_(void)).order_by(Account.number)
                    )
                )
                if void
                else ()
            )
            audit.record(
                s,
                now,
                actor,
                AuditAction.RECEIPT_EXPORT,
                account_id=None,  # a batch serves a building's accounts, or all of them
                month=month.isoformat(),
                building_id=building_id,
                count=done,
                registration_codes=stored,
                void_codes=list(void_numbers),
            )
        return BatchResult(month, building_id, done, skipped, stored, void_numbers)

    # -- the statement -------------------------------------------------------------------------

    def write_statement(
        self, actor: Actor, account_id: int, out: BinaryIO, fmt: StatementFormat
    ) -> Statement:
        """The account's whole statement as XLSX or PDF written to ``out``; returns it (its
        ``problems`` name any breach of the balance invariant found in the data)."""
        from desktop.documents.statement_export import write_statement_pdf, write_statement_xlsx

        if fmt not in ("xlsx", "pdf"):
            raise ValueError(f"unknown statement format {fmt!r}")
        account = self.accounts.get_by_id(actor, account_id)
        statement = self.statements.statement(actor, account_id)
        writer = write_statement_xlsx if fmt == "xlsx" else write_statement_pdf
        writer(
            statement,
            out,
            fio=account.fio,
            address=account.address,
            generated_on=self.clock.today(),
        )
        with self.db.unit_of_work() as s:
            audit.record(
                s,
                self.clock.now(),
                actor,
                AuditAction.STATEMENT_EXPORT,
                account_id=account_id,
                format=fmt,
                months=len(statement.months),
            )
        return statement
