"""What the connection's PostgreSQL role may do, asked once per engine: the kiosk's and the
clerk's roles (``db.roles``) lack rights the owner has, and the code takes another path
where one is missing (``desktop.auth.sealed``, ``sealed_staff``, ``throttle``,
``desktop.sessions``)."""

from __future__ import annotations

from weakref import WeakKeyDictionary

from sqlalchemy import Connection, Engine, text
from sqlalchemy.orm import Session

_known: WeakKeyDictionary[Engine, dict[str, bool]] = WeakKeyDictionary()


def lacks(s: Session, privilege: str) -> bool:
    """Whether the role behind ``s`` lacks ``privilege`` — a ``has_…_privilege(…)`` call,
    e.g. ``has_table_privilege('login_throttle', 'UPDATE')``. Never on SQLite, which has
    no roles."""
    bind = s.get_bind()
    engine = bind if isinstance(bind, Engine) else bind.engine
    if engine.dialect.name != "postgresql":
        return False
    answers = _known.setdefault(engine, {})
    if privilege not in answers:
        answers[privilege] = not s.scalar(text(f"SELECT {privilege}"))
    return answers[privilege]


def quote(conn: Connection, name: str) -> str:
    """A role's, schema's or table's name quoted for SQL as this connection's dialect does."""
    return conn.dialect.identifier_preparer.quote_identifier(name)
