"""Errors whose message is for the user: Russian, saying what is wrong and what to do."""

from desktop.common.errors import UserError
from desktop.common.problems import Problem, ProblemError

__all__ = [
    "AccessDeniedError",
    "ConnectionLostError",
    "DatabaseBusyError",
    "DatabaseFailure",
    "DatabaseUnavailableError",
    "DiskFullError",
    "EmptyDatabaseError",
    "NotFoundError",
    "Problem",
    "ProblemError",
    "ReadOnlyDatabaseError",
    "StatementTimeoutError",
    "UserError",
    "ValidationError",
]


class NotFoundError(UserError):
    pass


class ValidationError(UserError):
    pass


class AccessDeniedError(UserError):
    pass


class DatabaseUnavailableError(UserError):
    """The database cannot be opened: wrong address, another program's base, an empty one."""


class EmptyDatabaseError(DatabaseUnavailableError):
    """A command that only reads found a database without the application's tables."""


class DatabaseFailure(UserError):
    """The database failed while working (``desktop.failures`` maps the driver's errors)."""


class ConnectionLostError(DatabaseFailure):
    """The server cannot be reached, or the connection broke: trying again later helps."""


class DatabaseBusyError(DatabaseFailure):
    """Another desk holds SQLite's write lock longer than the busy timeout."""


class ReadOnlyDatabaseError(DatabaseFailure):
    """The SQLite file (or its folder) cannot be written."""


class DiskFullError(UserError):
    """No space left: on this computer's disk (a file, the SQLite base) or on the server's."""


class StatementTimeoutError(DatabaseFailure):
    """The server gave up on a statement after the statement timeout."""
