"""Row level security's key: the token of the session a call is made for, handed to each
PostgreSQL transaction as ``cabinet.session`` (local to the transaction, so a pooled
connection never carries it further). ``db.roles`` installs the policies that read it: a
kiosk's role sees only the rows of the account whose live session holds that token.

``desktop.sessions.guarded`` sets the token around every service call by a signed-in actor;
nothing else does, so code outside a call (the login window) sees no account's rows.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

from sqlalchemy import Engine, event, text

SETTING = "cabinet.session"

_token: ContextVar[str | None] = ContextVar("cabinet_session_token", default=None)


@contextmanager
def acting_for(token: str | None) -> Iterator[None]:
    """Transactions begun inside carry ``token`` (None: none)."""
    reset = _token.set(token)
    try:
        yield
    finally:
        _token.reset(reset)


def _on_begin(conn: Any) -> None:
    token = _token.get()
    if token:
        conn.exec_driver_sql(f"SELECT set_config('{SETTING}', %(t)s, true)", {"t": token})


def install(engine: Engine) -> None:
    """Have every transaction of ``engine`` (PostgreSQL) carry the current token."""
    event.listen(engine, "begin", _on_begin)


def carry(session: Any, token: str | None) -> None:
    """Have the rest of ``session``'s open transaction carry ``token`` (PostgreSQL): a
    sign-in's own audit entry is then checked against the session it just opened."""
    if token and session.get_bind().dialect.name == "postgresql":
        session.execute(text(f"SELECT set_config('{SETTING}', :t, true)"), {"t": token})
