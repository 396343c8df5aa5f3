"""Signing in: residents by account number, staff by login; registration and password reset.

Nothing a stranger sees tells whether an account exists: sign-in failures share one message,
registration and reset requests share one neutral answer, and every answer costs the same
Argon2 work. Failed attempts slow down per account (a growing delay, never a lock-out).

The modules: ``service`` (AuthService, what callers use), ``residents``, ``staff``,
``throttle`` (the delay), ``letters`` (what residents receive), ``errors`` and ``model``.
"""

from desktop.auth.errors import (
    LOGIN_FAILED,
    RESET_CODE_FAILED,
    STAFF_LOGIN_FAILED,
    LoginError,
    LoginThrottled,
    ResetCodeError,
)
from desktop.auth.letters import REGISTRATION_SUBJECT, RESET_SUBJECT, ResidentMail
from desktop.auth.model import RegistrationResult, ResetRequestResult, SignedIn
from desktop.auth.residents import (
    OTP_LIFETIME,
    RESET_CODE_LIFETIME,
    ResidentAuth,
    normalize_phone,
)
from desktop.auth.service import AuthService
from desktop.auth.staff import StaffAuth, StaffInfo
from desktop.auth.throttle import MAX_DELAY, PhantomThrottle, delay_after

__all__ = [
    "LOGIN_FAILED",
    "MAX_DELAY",
    "OTP_LIFETIME",
    "REGISTRATION_SUBJECT",
    "RESET_CODE_FAILED",
    "RESET_CODE_LIFETIME",
    "RESET_SUBJECT",
    "STAFF_LOGIN_FAILED",
    "AuthService",
    "LoginError",
    "LoginThrottled",
    "PhantomThrottle",
    "RegistrationResult",
    "ResetCodeError",
    "ResetRequestResult",
    "ResidentAuth",
    "ResidentMail",
    "SignedIn",
    "StaffAuth",
    "StaffInfo",
    "delay_after",
    "normalize_phone",
]
