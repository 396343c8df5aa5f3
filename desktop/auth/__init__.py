"""Signing in: residents by account number, staff by login; registration and password reset.

Nothing a stranger sees tells whether an account exists: sign-in failures share one message,
registration and reset requests share one neutral answer, and every answer costs the same
Argon2 work, run outside any transaction. Failed attempts slow down per typed name and per
device (a growing delay, never a lock-out), counted in the database. Every sign-in opens a
session (``desktop.sessions``) that logout or a password change elsewhere ends.

The modules: ``service`` (AuthService, what callers use), ``residents``, ``staff``,
``throttle`` (the delay), ``letters`` (what residents receive), ``errors`` and ``model``.
"""

from desktop.auth.contacts import normalize_phone
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
from desktop.auth.residents import OTP_LIFETIME, RESET_CODE_LIFETIME, ResidentAuth
from desktop.auth.service import AuthService
from desktop.auth.staff import StaffAuth, StaffInfo
from desktop.auth.throttle import MAX_DELAY, delay_after, device_delay_after, local_device_id

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
    "RegistrationResult",
    "ResetCodeError",
    "ResetRequestResult",
    "ResidentAuth",
    "ResidentMail",
    "SignedIn",
    "StaffAuth",
    "StaffInfo",
    "delay_after",
    "device_delay_after",
    "local_device_id",
    "normalize_phone",
]
