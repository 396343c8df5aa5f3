"""Errors whose message is for the user: Russian, saying what is wrong and what to do."""

from __future__ import annotations


class UserError(Exception):
    """Something the user can put right; ``str(error)`` is the message to show."""
