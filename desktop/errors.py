"""Errors whose message is for the user: Russian, saying what is wrong and what to do."""


class UserError(Exception):
    """Something the user can put right; ``str(error)`` is the message to show."""


class NotFoundError(UserError):
    pass


class ValidationError(UserError):
    pass


class AccessDeniedError(UserError):
    pass
