"""Errors whose message is for the user: Russian, saying what is wrong and what to do."""

from desktop.common.errors import UserError
from desktop.common.problems import Problem, ProblemError

__all__ = [
    "AccessDeniedError",
    "NotFoundError",
    "Problem",
    "ProblemError",
    "UserError",
    "ValidationError",
]


class NotFoundError(UserError):
    pass


class ValidationError(UserError):
    pass


class AccessDeniedError(UserError):
    pass
