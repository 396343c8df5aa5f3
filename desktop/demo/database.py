"""The demo in a database: built in one transaction into a migrated database that is empty or
holds the demo only; a database with anything else in it is never touched."""

from __future__ import annotations

from functools import cache

from sqlalchemy import Select, or_, select, text
from sqlalchemy.orm import Session

from db import migrate
from db.engine import Database, audit_schema_unlocked
from db.migrations import HEAD
from db.models import (
    Account,
    Base,
    Building,
    Company,
    ImportBatch,
    OutboxMessage,
    Premises,
    Service,
    StaffUser,
    SupportRequest,
)
from desktop import audit
from desktop.account_summary import refresh_account_summary
from desktop.actors import SYSTEM
from desktop.audit import AuditAction
from desktop.clock import Clock
from desktop.demo.builder import Builder
from desktop.demo.catalog import (
    DEMO_ACCOUNTS,
    DEMO_PASSWORD,
    DEMO_STAFF,
    SERVICE_CODES,
    DemoSummary,
)
from desktop.demo.large import Progress, generate
from desktop.demo.large_spec import LargeSpec
from desktop.errors import UserError
from desktop.months import month_start
from desktop.organisation import store_defaults
from desktop.passwords import hash_password
from desktop.settings import DebtSettings


def holds_demo(db: Database) -> bool:
    """True if the database holds the demo and nothing else."""
    if migrate.current_revision(db.engine) is None:
        return False
    with db.unit_of_work() as s:
        return _has_demo(s) and not _foreign_data(s)


def build_demo(
    db: Database,
    clock: Clock,
    *,
    reset: bool = False,
    rules: DebtSettings | None = None,
    large: LargeSpec | None = None,
    progress: Progress | None = None,
) -> DemoSummary:
    """Fill a migrated database with the demo, in one transaction. A database holding the demo
    is rebuilt only with ``reset``; one holding anything else is refused and left as it is.
    ``rules`` (the due day and key rates) are what the demo's monthly penalty follows.
    ``large``: as many accounts more as it asks for (``desktop.demo.large``), ``progress``
    hearing of them."""
    if migrate.current_revision(db.engine) != HEAD:
        raise UserError(
            "База данных ещё не подготовлена к работе. Выполните «python -m desktop db upgrade» "
            "и повторите создание демонстрационных данных."
        )
    hashes = _password_hashes()  # before the transaction: hashing is slow, hold no lock for it
    with db.unit_of_work() as s:
        foreign = _foreign_data(s)
        if foreign:
            raise UserError(
                "В этой базе есть данные, которые не относятся к демонстрационным: "
                f"{'; '.join(foreign)}. Демонстрационные данные создаются только в пустой базе "
                "или в базе, где нет ничего, кроме них. Укажите другую базу (--database-url)."
            )
        if _has_demo(s):
            if not reset:
                raise UserError(
                    "Демонстрационные данные в этой базе уже есть. Чтобы создать их заново, "
                    "запустите команду с параметром --reset."
                )
            _recreate_schema(s)
        summary = Builder(s, clock, hashes, rules or DebtSettings()).build()
        s.flush()
        refresh_account_summary(s.connection(), None)
        if large is not None:
            counts = generate(
                s.connection(),
                large,
                clock.now(),
                month_start(clock.today()),
                rules or DebtSettings(),
                hashes[DEMO_PASSWORD],
                max(large.accounts - summary.accounts, 0),
                progress,
            )
            summary = summary.grown(counts, large.months)
        store_defaults(s, clock.now(), SYSTEM)  # every desk lists the organisation's settings
        audit.record(
            s,
            clock.now(),
            SYSTEM,
            AuditAction.DEMO_BUILD,
            reset=reset,
            accounts=summary.accounts,
            statement_rows=summary.statement_rows,
        )
    return summary


# --- what the database holds ---------------------------------------------------------------


def _has_demo(s: Session) -> bool:
    return s.scalar(select(Company.id).where(Company.is_demo.is_(True)).limit(1)) is not None


def _foreign_data(s: Session) -> list[str]:
    """What the database holds besides the demo, in words, for the refusal message."""
    demo = _has_demo(s)
    checks: list[tuple[str, Select]] = [
        ("организация", select(Company.name).where(Company.is_demo.is_(False))),
        ("импорт из 1С", select(ImportBatch.file_name)),
    ]
    if demo:
        checks += [
            (
                "лицевые счета",
                select(Account.number).where(
                    Account.number.not_in(DEMO_ACCOUNTS),
                    # the large demo's accounts live in the demo company's buildings
                    or_(Account.premises_id.is_(None), Account.premises_id.not_in(_demo_premises)),
                ),
            ),
            (
                "сотрудники",
                select(StaffUser.login).where(StaffUser.login.not_in(tuple(DEMO_STAFF))),
            ),
            ("услуги", select(Service.name).where(Service.code.not_in(SERVICE_CODES))),
        ]
    else:
        # Without the demo's company, any row is somebody's data.
        checks += [
            ("лицевые счета", select(Account.number)),
            ("сотрудники", select(StaffUser.login)),
            ("услуги", select(Service.name)),
            ("дома", select(Building.address)),
            ("помещения", select(Premises.number)),
            ("обращения", select(SupportRequest.topic)),
            ("письма", select(OutboxMessage.subject)),
        ]
    found = []
    for label, query in checks:
        names = [str(name) for name in s.scalars(query.limit(4))]
        if names:
            shown = ", ".join(f"«{name}»" for name in names[:3])
            found.append(f"{label} {shown}{' и другие' if len(names) > 3 else ''}")
    return found


_demo_premises = (
    select(Premises.id)
    .join(Building, Building.id == Premises.building_id)
    .join(Company, Company.id == Building.company_id)
    .where(Company.is_demo.is_(True))
)


def _recreate_schema(s: Session) -> None:
    """Drop every table and migrate afresh, inside the session's transaction: the audit log
    refuses DELETE, and the database holds demo data only, so nothing of value is lost."""
    s.expunge_all()
    conn = s.connection()
    with audit_schema_unlocked(conn):  # the audit log's table may go too
        Base.metadata.drop_all(conn)
    conn.execute(text("DROP TABLE IF EXISTS alembic_version"))
    if conn.dialect.name == "postgresql":
        # The audit log's trigger function outlives its table.
        conn.execute(text("DROP FUNCTION IF EXISTS audit_log_append_only()"))
    migrate.upgrade_on(conn)


@cache
def _password_hashes() -> dict[str, str]:
    """Each demo password hashed once per process: Argon2 is slow on purpose."""
    return {password: hash_password(password) for password in {DEMO_PASSWORD, *DEMO_STAFF.values()}}
