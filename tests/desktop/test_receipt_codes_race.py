"""Two receipt batches of one month printed at once (two desks, or a desk and a reissue at
the counter): each made its own new code for an unregistered account and stored it at the
end, so the batch that finished last voided the codes on the other's receipts. A new code is
now derived from the account's code as it stood, and stored only if it still stands: both
batches print the same code, and a code used or replaced meanwhile is not put back. On
SQLite and PostgreSQL (the owner's path; a clerk's sealed one: tests/db/test_clerk_sealed)."""

from __future__ import annotations

import io
import re
from collections.abc import Callable

from sqlalchemy import select

from db.engine import Database
from db.models import Account, RegistrationCode
from desktop.app import build_services
from desktop.clock import FixedClock
from desktop.common.tasks import TaskState
from desktop.documents.model import BatchResult
from desktop.settings import Settings
from tests.desktop.test_receipt_pdf import CLERK, MAY, demo, pdf_text  # noqa: F401 (fixture)

_CODE = re.compile(r"Код регистрации в личном кабинете:\s*(\S{4}-\S{4})")


def _petrova(db: Database) -> int:
    with db.read() as s:
        found = s.scalar(select(Account.id).where(Account.number == "5210"))
    assert found is not None
    return found


def _code_hash(db: Database) -> str | None:
    with db.read() as s:
        return s.scalar(
            select(RegistrationCode.code_hash).where(RegistrationCode.account_id == _petrova(db))
        )


def _batch(db: Database, clock: FixedClock, meanwhile: Callable[[], object] | None = None) -> str:
    """5210's code on a month's batch; ``meanwhile`` runs once its pages are read (another
    desk's work while this one is still printing)."""
    return _batch_result(db, clock, meanwhile)[0]


def _batch_result(
    db: Database, clock: FixedClock, meanwhile: Callable[[], object] | None = None
) -> tuple[str, BatchResult]:
    services = build_services(db, Settings(), clock)
    calls: list[object] = []

    def progress(done: int, total: int) -> None:
        if meanwhile is not None and not calls:
            calls.append(meanwhile())

    out = io.BytesIO()
    result = services.documents.write_receipts(CLERK, MAY, out, state=TaskState(progress))
    [code] = _CODE.findall("\n".join(pdf_text(out.getvalue())))
    return str(code), result


def test_two_batches_printed_at_once_print_the_same_valid_code(
    demo: Database,  # noqa: F811
    clock: FixedClock,
) -> None:
    services = build_services(demo, Settings(), clock)  # 5210's code is the demo's own,
    inner: list[str] = []
    outer = _batch(demo, clock, lambda: inner.append(_batch(demo, clock)))
    assert inner == [outer]  # a new one for each batch: not one derived from the key
    # The code on both bundles registers (the last batch to finish voided nothing).
    answer = services.auth.register("Фёдорова О.Ю.", "5210", "+79150005210", "f@mail.ru", outer)
    assert answer.delivery == "outbox"


def test_a_batch_finishing_after_the_code_was_used_does_not_revive_it(
    demo: Database,  # noqa: F811
    clock: FixedClock,
) -> None:
    services = build_services(demo, Settings(), clock)
    services.auth.reissue_code(CLERK, _petrova(demo))
    inner: list[str] = []

    def another_batch_and_the_resident_registers() -> None:
        inner.append(_batch(demo, clock))
        services.auth.register("Фёдорова О.Ю.", "5210", "+79150005210", "f@mail.ru", inner[0])

    outer = _batch(demo, clock, another_batch_and_the_resident_registers)
    assert outer == inner[0]
    assert _code_hash(demo) is None  # used, and still void
    # A reissue at the counter while a batch prints: the slip's code is the one that stands.
    slip: list[str] = []
    _batch(demo, clock, lambda: slip.append(services.auth.reissue_code(CLERK, _petrova(demo)).code))
    stranger = services.auth.register("Фёдорова О.Ю.", "5210", "+79150009999", "x@mail.ru", slip[0])
    assert stranger.delivery == "outbox"


def test_a_batch_names_the_receipts_whose_code_was_replaced_meanwhile(
    demo: Database,  # noqa: F811
    clock: FixedClock,
) -> None:
    """A reissue at the counter while the batch prints the account's valid code again: 5210's
    receipt carries a void code, and the batch's result says so (the others' codes stand)."""
    services = build_services(demo, Settings(), clock)
    services.auth.reissue_code(CLERK, _petrova(demo))  # a code the batch prints again
    slip: list[str] = []
    printed, result = _batch_result(
        demo, clock, lambda: slip.append(services.auth.reissue_code(CLERK, _petrova(demo)).code)
    )
    assert printed.replace("-", "") != slip[0].replace("-", "")
    assert result.void_codes == ("5210",)
    assert result.void_codes_text == (
        "Код регистрации на квитанциях лицевых счетов 5210 уже недействителен: во время печати "
        "код сменили в офисе. Действует новый код, выданный в офисе."
    )
    # Printed again with nothing changing meanwhile: the code on it stands.
    again, quiet = _batch_result(demo, clock)
    assert quiet.void_codes == () and again.replace("-", "") == slip[0].replace("-", "")
