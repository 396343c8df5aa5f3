"""The statement export of a ten-year account (``DocumentService.write_statement``, the page's
«Экспорт в XLSX»: the data, the styled workbook, the audit row) beside the floor: bare
openpyxl appending the same cells — the same texts and ``Decimal`` amounts — to a new
workbook and saving it. Also the XLSX writer alone on the data it is given, and the PDF
export (no floor: figures to watch).

Builds ``demo --accounts N --months 120`` in a temporary SQLite file and, if the server
answers, a scratch PostgreSQL database; takes the account with the longest history; every
file is written to memory. Each figure and its floor are measured in turn.

    .venv/bin/python benchmarks/statement_export.py [--accounts 1000] [--runs 10] [--no-postgres]

Figures only, never assertions.
"""

from __future__ import annotations

import io

from large_account import (
    CLERK,
    CLOCK,
    LargeAccount,
    line,
    run_main,
    side_by_side,
    timed,
)

from desktop.app import build_services
from desktop.documents.statement_export import write_statement_xlsx
from desktop.months import month_name
from desktop.settings import Settings
from desktop.statement import Statement


def bare_xlsx(statement: Statement, fio: str, address: str) -> None:
    """The same cells with openpyxl and nothing else: no fonts, fills, borders or formats."""
    from openpyxl import Workbook

    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.append([f"Ведомость по лицевому счету {statement.account_number}"])
    sheet.append([f"{fio}, {address}"])
    sheet.append([f"Сформирована {CLOCK.today():%d.%m.%Y}"])
    sheet.append([])
    sheet.append(["", "ИТОГО", *(column.name for column in statement.columns)])
    for block in statement.months:
        sheet.append([month_name(block.month)])
        for item in block.lines:
            sheet.append([item.label, item.total, *item.amounts])
    workbook.save(io.BytesIO())


def measure(large: LargeAccount, runs: int) -> None:
    services = build_services(large.db, Settings(), CLOCK)
    account_id = large.account_id
    info = services.accounts.get_by_id(CLERK, account_id)
    statement = services.statements.statement(CLERK, account_id)
    documents = services.documents
    bare = lambda: bare_xlsx(statement, info.fio, info.address)  # noqa: E731
    cells = f"{len(statement.months) * 6}×{len(statement.columns) + 2} cells"
    for name, work in (
        (
            "export XLSX, all of it",
            lambda: documents.write_statement(CLERK, account_id, io.BytesIO(), "xlsx"),
        ),
        (
            "XLSX from the data",
            lambda: write_statement_xlsx(
                statement,
                io.BytesIO(),
                fio=info.fio,
                address=info.address,
                generated_on=CLOCK.today(),
            ),
        ),
    ):
        took, floor = side_by_side(work, bare, runs=runs)
        print(line(large.backend, name, took, floor, cells), flush=True)
    pdf = timed(lambda: documents.write_statement(CLERK, account_id, io.BytesIO(), "pdf"), runs)
    print(line(large.backend, "export PDF, all of it", pdf, None, f"{cells}; no floor"))
    services.close()


if __name__ == "__main__":
    run_main(__doc__, measure, runs=10)
