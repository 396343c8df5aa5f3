"""Keys the database keeps for itself (``auth_secret``): made by whichever desk needs one
first, the same for every desk afterwards. ``db roles`` hides some of them from the kiosk's
role by row level security."""

from __future__ import annotations

import secrets

from sqlalchemy.exc import IntegrityError

from db.engine import Database
from db.models import AuthSecret


def load_or_make(db: Database, name: str) -> bytes:
    """The database's key ``name`` (32 random bytes), made now if there is none yet."""
    with db.read() as s:
        value = s.get(AuthSecret, name)
        if value is not None:
            return bytes.fromhex(value.value)
    try:
        with db.unit_of_work() as s:
            s.add(AuthSecret(name=name, value=secrets.token_hex(32)))
    except IntegrityError:  # another desk made it a moment ago
        pass
    with db.read() as s:
        stored = s.get(AuthSecret, name)
        assert stored is not None
        return bytes.fromhex(stored.value)
